// Reading text into fields and records (docs/design.md §13, "One parser, a state machine"):
// chunks cut anywhere in, and out to a RecordSink each field as a slice of its chunk, each record's
// end, and each malformed line. The scanner knows the delimiter, the quote and line ends; what
// the fields mean, and which are kept, is the sink's (collector.ts).

import { quoted } from "./text.js";

/**
 * @internal What the scanner tells, in the text's order. Fields are numbered from 0 within their
 * record; lines from 1, a record's line being the one it starts on. `text` is the chunk being
 * scanned (or what was held over and the chunk): valid during the call only, so a sink that keeps
 * a field's text past the chunk copies it. A blank line is no record and tells nothing.
 */
export interface RecordSink {
  /** The chunk ends inside field `field`: text[a, b) is its text so far; the rest follows. */
  partial(field: number, text: string, a: number, b: number): void;
  /**
   * Field `field` ends: its text is what partial() gave, then text[a, b) (a quoted field's,
   * between the quotes); `escaped`: that text has doubled quotes, each one quote.
   */
  field(field: number, text: string, a: number, b: number, escaped: boolean): void;
  /** The record that began on `line` ends after `fields` fields. */
  endRecord(line: number, fields: number): void;
  /**
   * The record that began on `line` is malformed at field `field` (broken quoting): throws, or
   * counts the line as skipped. dropRecord() follows at its end.
   */
  malformed(line: number, field: number, message: string): void;
  /** The record in progress is dropped: forget its fields. */
  dropRecord(): void;
}

/** Where the scanner is: between fields, inside one, just after a quoted one, skipping a bad line. */
const START = 0,
  UNQUOTED = 1,
  QUOTED = 2,
  AFTER_QUOTE = 3,
  SKIP = 4;
const LF = 10,
  CR = 13;

/**
 * @internal The state machine: scan() each chunk, then scan("", true). Across chunks it keeps
 * its state, the field number, a CR that ended a chunk, and the few characters it could not
 * decide on (a quote, the start of a delimiter), read again before the next chunk.
 */
export class FieldScanner {
  readonly #sink: RecordSink;
  readonly #delimiter: string;
  readonly #d0: number;
  readonly #dlen: number;
  readonly #quote: string;
  readonly #q: number;

  #mode = START;
  /** the field in progress (0-based) */
  #field = 0;
  /** whether the field in progress began in an earlier chunk */
  #continued = false;
  /** whether the quoted field in progress has a doubled quote */
  #escaped = false;
  /** text the scanner could not decide on (a quote, part of a delimiter): read again before the next chunk */
  #held = "";
  /** a chunk ended with CR: an LF starting the next one ends no line */
  #skipLF = false;
  /** 1-based: the line the scanner is on, and the line its record began on */
  #line = 1;
  #recordLine = 1;

  /** `delimiter` undefined: the text has only blank lines so far, and none matches; `quote` "": none. */
  constructor(delimiter: string | undefined, quote: string, sink: RecordSink) {
    this.#sink = sink;
    this.#delimiter = delimiter ?? "";
    this.#d0 = delimiter === undefined ? -2 : delimiter.charCodeAt(0);
    this.#dlen = delimiter === undefined ? 1 : delimiter.length;
    this.#quote = quote;
    this.#q = quote === "" ? -1 : quote.charCodeAt(0);
  }

  /** Lines read so far. */
  get lines(): number {
    return this.#line - 1;
  }

  /** Scans a chunk; `final`: the input ends with it. */
  scan(chunk: string, final: boolean): void {
    const text = this.#held === "" ? chunk : this.#held + chunk;
    this.#held = "";
    const n = text.length,
      d0 = this.#d0,
      dlen = this.#dlen,
      q = this.#q;
    let i = 0,
      start = 0,
      mode = this.#mode,
      // the next LF and CR at or after the scan position (n: none), found once per chunk
      lf = -1,
      cr = -1;
    if (this.#skipLF && n > 0) {
      this.#skipLF = false;
      if (text.charCodeAt(0) === LF) i = 1;
    }
    for (;;) {
      if (mode === START) {
        if (i >= n) {
          // the input ends after a delimiter: an empty last field
          if (final && this.#field > 0) {
            this.#endField(text, n, n, false);
            this.#endRecord();
          }
          break;
        }
        if (text.charCodeAt(i) === q) {
          mode = QUOTED;
          start = ++i;
        } else {
          mode = UNQUOTED;
          start = i;
        }
      }

      if (mode === UNQUOTED) {
        let c = -1;
        for (;;) {
          while (i < n) {
            c = text.charCodeAt(i);
            if (c === d0 || c === LF || c === CR) break;
            i++;
          }
          if (i >= n || c !== d0 || dlen === 1) break;
          const match = this.#matchDelimiter(text, i);
          if (match > 0) break;
          if (match < 0 && !final) {
            // the chunk ends inside what may be a delimiter: read it again with the next chunk
            this.#keep(text, start, i);
            this.#held = text.slice(i);
            this.#mode = UNQUOTED;
            return;
          }
          i++;
        }
        if (i >= n) {
          if (!final) {
            this.#keep(text, start, n);
            break;
          }
          this.#endField(text, start, n, false);
          this.#endRecord();
          mode = START;
          break;
        }
        if (c === d0) {
          this.#endField(text, start, i, false);
          i += dlen;
          mode = START;
          continue;
        }
        // a line end: an empty line is no record
        const blank = this.#field === 0 && start === i && !this.#continued;
        if (!blank) this.#endField(text, start, i, false);
        i = this.#pastLineEnd(text, i, c, final);
        if (blank) this.#recordLine = this.#line;
        else this.#endRecord();
        mode = START;
        continue;
      }

      if (mode === QUOTED) {
        const j = text.indexOf(this.#quote, i);
        const stop = j < 0 ? n : j;
        // line ends inside the quotes, for the line numbers of what follows
        if (lf < i) lf = indexOrEnd(text, "\n", i);
        while (lf < stop) {
          this.#line++;
          lf = indexOrEnd(text, "\n", lf + 1);
        }
        if (cr < i) cr = indexOrEnd(text, "\r", i);
        while (cr < stop) {
          if (cr + 1 < n) {
            if (text.charCodeAt(cr + 1) !== LF) this.#line++;
          } else {
            this.#line++;
            if (!final) this.#skipLF = true;
          }
          cr = indexOrEnd(text, "\r", cr + 1);
        }
        if (j < 0) {
          if (!final) {
            this.#keep(text, start, n);
            break;
          }
          this.#mode = START;
          this.#sink.malformed(this.#recordLine, this.#field, "its quote is not closed at the end of the text");
          this.#resetRecord();
          return;
        }
        if (j + 1 >= n && !final) {
          // a quote at the chunk's end: doubled or closing, the next chunk says
          this.#keep(text, start, j);
          this.#held = this.#quote;
          this.#mode = QUOTED;
          return;
        }
        if (j + 1 < n && text.charCodeAt(j + 1) === q) {
          this.#escaped = true;
          i = j + 2;
          continue;
        }
        this.#endField(text, start, j, this.#escaped);
        i = j + 1;
        mode = AFTER_QUOTE;
      }

      if (mode === AFTER_QUOTE) {
        if (i >= n) {
          if (final) {
            this.#endRecord();
            mode = START;
          }
          break;
        }
        const c = text.charCodeAt(i);
        if (c === d0) {
          const match = dlen === 1 ? 1 : this.#matchDelimiter(text, i);
          if (match < 0 && !final) {
            this.#held = text.slice(i);
            this.#mode = AFTER_QUOTE;
            return;
          }
          if (match > 0) {
            i += dlen;
            mode = START;
            continue;
          }
        } else if (c === LF || c === CR) {
          i = this.#pastLineEnd(text, i, c, final);
          this.#endRecord();
          mode = START;
          continue;
        }
        // text after a closing quote: the quoting is broken, so the rest of the line is skipped
        this.#sink.malformed(
          this.#recordLine,
          this.#field - 1,
          `a quoted field must end at its closing quote, but ${quoted(text, i, i + 1)} follows it`,
        );
        mode = SKIP;
      }

      if (mode === SKIP) {
        let c = -1;
        while (i < n) {
          c = text.charCodeAt(i);
          if (c === LF || c === CR) break;
          i++;
        }
        if (i >= n) {
          if (final) {
            this.#resetRecord();
            mode = START;
          }
          break;
        }
        i = this.#pastLineEnd(text, i, c, final);
        this.#resetRecord();
        mode = START;
      }
    }
    this.#mode = mode;
  }

  /**
   * Steps over the line end `c` at text[i] and counts its line: CR LF is one line end, and a CR
   * that ends a chunk makes an LF that starts the next one none. Returns the index after it.
   */
  #pastLineEnd(text: string, i: number, c: number, final: boolean): number {
    if (c === CR) {
      if (i + 1 < text.length) {
        if (text.charCodeAt(i + 1) === LF) i++;
      } else if (!final) this.#skipLF = true;
    }
    this.#line++;
    return i + 1;
  }

  /** 1 if the delimiter starts at text[i], 0 if not, -1 if the text ends inside what matches of it. */
  #matchDelimiter(text: string, i: number): number {
    const delimiter = this.#delimiter;
    for (let k = 1; k < delimiter.length; k++) {
      if (i + k >= text.length) return -1;
      if (text.charCodeAt(i + k) !== delimiter.charCodeAt(k)) return 0;
    }
    return 1;
  }

  /** The chunk ends inside a field: the sink is given its text so far. */
  #keep(text: string, a: number, b: number): void {
    this.#sink.partial(this.#field, text, a, b);
    this.#continued = true;
  }

  /** A field ends at text[b]. */
  #endField(text: string, a: number, b: number, escaped: boolean): void {
    this.#sink.field(this.#field++, text, a, b, escaped);
    this.#continued = false;
    this.#escaped = false;
  }

  /** A record ends: its line end is read. */
  #endRecord(): void {
    const line = this.#recordLine,
      fields = this.#field;
    this.#field = 0;
    this.#recordLine = this.#line;
    this.#sink.endRecord(line, fields);
  }

  /** Drops the record in progress (a skipped one): the next starts on the current line. */
  #resetRecord(): void {
    this.#field = 0;
    this.#continued = false;
    this.#escaped = false;
    this.#recordLine = this.#line;
    this.#sink.dropRecord();
  }
}

function indexOrEnd(text: string, search: string, from: number): number {
  const at = text.indexOf(search, from);
  return at < 0 ? text.length : at;
}
