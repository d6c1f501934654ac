// The one incremental parser of delimited interactions (docs/design.md §13): a state machine fed
// text in chunks cut anywhere, which keeps no text but the fields it needs of the record in
// progress. parseInteractions() and readInteractions() are thin adapters over it.

import { shown } from "../util/read.js";
import { hashNumber, hashText, type IdMap, mix } from "./idmap.js";
import { detectDelimiter, SNIFF_CHARS, SNIFF_LINES } from "./delimiter.js";
import { interactions } from "./interactions.js";
import {
  ITEM,
  RATING,
  ROLES,
  TIME,
  USER,
  type ParsedInteractions,
  type Settings,
  type SkippedLine,
} from "./options.js";
import { copy, parseNumber, quoted } from "./text.js";

// --- the state machine -------------------------------------------------------------------

/** Where the scanner is: between fields, inside one, just after a quoted one, skipping a bad line. */
const START = 0,
  UNQUOTED = 1,
  QUOTED = 2,
  AFTER_QUOTE = 3,
  SKIP = 4;
const LF = 10,
  CR = 13;
const FIRST_SKIPPED = 10;

/**
 * @internal The parser: push() text as it comes, then end(). It holds the interactions so far,
 * the maps, and of the text only the fields in progress that it needs.
 */
export class Parser<Id extends string | number = string> {
  readonly #s: Settings;
  readonly #caller: string;
  /** the maps' sizes before, to drop what a refused parse added */
  readonly #sizes: [number, number];

  // the format
  #delimiter: string | undefined;
  #d0 = -1;
  #dlen = 1;
  readonly #q: number;
  readonly #qq: string;
  #started = false;
  /** whether the text has a character (but a BOM) */
  #any = false;
  #sniff = "";
  /** line ends in #sniff, up to SNIFF_LINES */
  #sniffLines = 0;

  // the scanner's state between texts
  #mode = START;
  /** the field in progress (0-based) */
  #field = 0;
  /** a needed field's text from earlier chunks */
  #partial = "";
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
  #endsWithLineEnd = false;
  #skipReason = "";

  // the layout, from the first record
  /** the first record's fields, until the layout is known */
  #first: string[] | undefined = [];
  #width = 0;
  #slotOf = new Int8Array(0);
  #columns = [-1, -1, -1, -1];
  #header: string[] | undefined;
  #firstLine = 0;
  #hasRating = false;
  #hasTime = false;

  // the needed fields of the record in progress, by role: text[from, to) of src
  readonly #src = ["", "", "", ""];
  readonly #from = [0, 0, 0, 0];
  readonly #to = [0, 0, 0, 0];
  /** a new id's value (idType "number") and hash, by role, between #find and #add */
  readonly #id: (string | number)[] = [0, 0];
  readonly #hash = [0, 0];

  // the columns, grown geometrically
  #count = 0;
  #user = new Uint32Array(1024);
  #item = new Uint32Array(1024);
  #rating = new Float32Array(1024);
  #time: Float64Array | undefined;
  /** (user, item) -> interaction + 1, at most half full (duplicates other than "keep") */
  #pairs: Uint32Array | undefined;
  #sums: Float64Array | undefined;
  #counts: Uint32Array | undefined;
  #lineOf: Float64Array | undefined;
  #duplicates = 0;
  #skipped = 0;
  readonly #skippedLines: SkippedLine[] = [];

  constructor(settings: Settings, caller: string) {
    this.#s = settings;
    this.#caller = caller;
    this.#q = settings.quote === "" ? -1 : settings.quote.charCodeAt(0);
    this.#qq = settings.quote + settings.quote;
    if (settings.delimiter !== undefined) this.#setDelimiter(settings.delimiter);
    const { users, items, idType } = settings;
    this.#sizes = [users.size, items.size];
    users.claim(caller, "options.users", idType);
    if (items !== users) {
      try {
        items.claim(caller, "options.items", idType);
      } catch (error) {
        users.release();
        throw error;
      }
    }
    const d = settings.duplicates;
    if (d !== "keep") this.#pairs = new Uint32Array(2048);
    if (d === "mean") {
      this.#sums = new Float64Array(1024);
      this.#counts = new Uint32Array(1024);
    }
    if (d === "error") this.#lineOf = new Float64Array(1024);
  }

  /** Lines read so far. */
  get lines(): number {
    return this.#line - 1;
  }

  /** Reads the next chunk of text. */
  push(text: string): void {
    if (text.length === 0) return;
    if (!this.#started) {
      this.#started = true;
      if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
      if (text.length === 0) return;
    }
    this.#any = true;
    if (this.#delimiter === undefined) {
      this.#sniff += text;
      for (let i = text.indexOf("\n"); i >= 0 && this.#sniffLines < SNIFF_LINES; i = text.indexOf("\n", i + 1)) {
        this.#sniffLines++;
      }
      const sample = this.#sniff;
      if (sample.length < SNIFF_CHARS && this.#sniffLines < SNIFF_LINES) return;
      this.#sniff = "";
      this.#detected(detectDelimiter(sample, false, this.#q, this.#caller));
      text = sample;
    }
    this.#endsWithLineEnd = text.charCodeAt(text.length - 1) === LF || text.charCodeAt(text.length - 1) === CR;
    this.#scan(text, false);
  }

  /** Reads what is left and returns the interactions; the parser is spent. */
  end(): ParsedInteractions<Id> {
    if (this.#delimiter === undefined) {
      const sample = this.#sniff;
      this.#sniff = "";
      this.#detected(detectDelimiter(sample, true, this.#q, this.#caller));
      if (sample !== "") {
        this.#endsWithLineEnd =
          sample.charCodeAt(sample.length - 1) === LF || sample.charCodeAt(sample.length - 1) === CR;
        this.#scan(sample, false);
      }
    }
    this.#scan("", true);
    return this.#result();
  }

  /** Releases the maps; after a refusal (`refused`), drops the ids this parse added. */
  release(refused: boolean): void {
    const { users, items } = this.#s;
    users.release(refused ? this.#sizes[0] : undefined);
    if (items !== users) items.release(refused ? this.#sizes[1] : undefined);
  }

  /** The delimiter detected; undefined: the text has only blank lines, and none is needed. */
  #detected(delimiter: string | undefined): void {
    if (delimiter !== undefined) this.#setDelimiter(delimiter);
    // nothing but blank lines: no delimiter is needed, and none matches
    else this.#d0 = -2;
  }

  #setDelimiter(delimiter: string): void {
    this.#delimiter = delimiter;
    this.#d0 = delimiter.charCodeAt(0);
    this.#dlen = delimiter.length;
  }

  /** Scans a chunk; `final`: the input ends with it. */
  #scan(chunk: string, final: boolean): void {
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
        if (c === CR) {
          if (i + 1 < n) {
            if (text.charCodeAt(i + 1) === LF) i++;
          } else if (!final) this.#skipLF = true;
        }
        i++;
        this.#line++;
        if (blank) this.#recordLine = this.#line;
        else this.#endRecord();
        mode = START;
        continue;
      }

      if (mode === QUOTED) {
        const j = text.indexOf(this.#s.quote, i);
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
          this.#fail(this.#recordLine, this.#field, "its quote is not closed at the end of the text");
          this.#resetRecord();
          return;
        }
        if (j + 1 >= n && !final) {
          // a quote at the chunk's end: doubled or closing, the next chunk says
          this.#keep(text, start, j);
          this.#held = this.#s.quote;
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
          if (c === CR) {
            if (i + 1 < n) {
              if (text.charCodeAt(i + 1) === LF) i++;
            } else if (!final) this.#skipLF = true;
          }
          i++;
          this.#line++;
          this.#endRecord();
          mode = START;
          continue;
        }
        // text after a closing quote: the quoting is broken, so the rest of the line is skipped
        this.#mode = SKIP;
        this.#skipReason = this.#reason(
          this.#recordLine,
          this.#field - 1,
          `a quoted field must end at its closing quote, but ${quoted(text, i, i + 1)} follows it`,
        );
        if (!this.#s.skipErrors) throw new Error(`${this.#caller}(): ${this.#skipReason}`);
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
            this.#skip(this.#recordLine, this.#skipReason);
            this.#resetRecord();
            mode = START;
          }
          break;
        }
        if (c === CR) {
          if (i + 1 < n) {
            if (text.charCodeAt(i + 1) === LF) i++;
          } else if (!final) this.#skipLF = true;
        }
        i++;
        this.#line++;
        this.#skip(this.#recordLine, this.#skipReason);
        this.#resetRecord();
        mode = START;
      }
    }
    this.#mode = mode;
  }

  /** 1 if the delimiter starts at text[i], 0 if not, -1 if the text ends inside what matches of it. */
  #matchDelimiter(text: string, i: number): number {
    const delimiter = this.#delimiter!;
    for (let k = 1; k < delimiter.length; k++) {
      if (i + k >= text.length) return -1;
      if (text.charCodeAt(i + k) !== delimiter.charCodeAt(k)) return 0;
    }
    return 1;
  }

  /** Whether the parse keeps the text of the field in progress. */
  #needed(field: number): boolean {
    return this.#first !== undefined || (field < this.#width && this.#slotOf[field] >= 0);
  }

  /** The chunk ends inside a field: keep its text if needed. */
  #keep(text: string, a: number, b: number): void {
    if (this.#needed(this.#field)) this.#partial += text.slice(a, b);
    this.#continued = true;
  }

  /** A field ends at text[b]: note where a needed one's text is. */
  #endField(text: string, a: number, b: number, escaped: boolean): void {
    const field = this.#field++;
    if (this.#first !== undefined) {
      this.#first.push(this.#text(text, a, b, escaped));
    } else if (field < this.#width) {
      const role = this.#slotOf[field];
      if (role >= 0) {
        if (this.#partial !== "" || escaped) {
          const value = this.#text(text, a, b, escaped);
          this.#src[role] = value;
          this.#from[role] = 0;
          this.#to[role] = value.length;
        } else {
          this.#src[role] = text;
          this.#from[role] = a;
          this.#to[role] = b;
        }
      }
    }
    this.#partial = "";
    this.#continued = false;
    this.#escaped = false;
  }

  #text(text: string, a: number, b: number, escaped: boolean): string {
    const value = this.#partial + text.slice(a, b);
    return escaped ? value.replaceAll(this.#qq, this.#s.quote) : value;
  }

  /** Forgets the record in progress (a skipped one): the next starts on the current line. */
  #resetRecord(): void {
    this.#field = 0;
    this.#partial = "";
    this.#continued = false;
    this.#escaped = false;
    if (this.#first !== undefined) this.#first.length = 0;
    this.#recordLine = this.#line;
  }

  /** A record ends (its line end is read): the first resolves the layout, the others become interactions. */
  #endRecord(): void {
    const line = this.#recordLine,
      fields = this.#field;
    this.#field = 0;
    this.#recordLine = this.#line;
    const first = this.#first;
    if (first !== undefined) return this.#resolve(first, line);
    if (fields !== this.#width) {
      return this.#fail(
        line,
        -1,
        `${fields} ${fields === 1 ? "column" : "columns"}, expected ${this.#width} as on line ${this.#firstLine}`,
      );
    }
    this.#record(line);
  }

  /** The layout from the first record: the header, the columns' positions, the width. */
  #resolve(fields: string[], line: number): void {
    const s = this.#s,
      width = fields.length,
      caller = this.#caller;
    const columns = ROLES.map((role, r) => {
      const column = s.columns === undefined ? (r < 2 || r < width ? r : -1) : (s.columns[role] ?? -1);
      if (typeof column === "string") {
        const at = fields.indexOf(column);
        if (at < 0) {
          throw new Error(
            `${caller}(): options.columns.${role} is ${shown(column)}, which is not a column of the header (line ${line}: ${fields.map((f) => quoted(f)).join(", ")})`,
          );
        }
        return at;
      }
      return column;
    });
    if (width < 2 && s.columns === undefined) {
      throw new Error(
        `${caller}(): line ${line}: 1 column, but a user and an item need 2: is the delimiter ${shown(this.#delimiter)} right?`,
      );
    }
    columns.forEach((column, r) => {
      if (column >= width) {
        throw new RangeError(
          `${caller}(): options.columns.${ROLES[r]} is ${column}, but line ${line} has ${width} ${width === 1 ? "column" : "columns"}`,
        );
      }
    });
    let header = s.header;
    if (header === undefined) {
      // a header: a field that must be a number holds a word
      const numeric = s.idType === "number" ? [USER, ITEM, RATING, TIME] : [RATING, TIME];
      header = numeric.some((r) => {
        const f = columns[r] >= 0 ? fields[columns[r]] : "";
        return f.trim() !== "" && Number.isNaN(parseNumber(f, 0, f.length));
      });
    }
    this.#first = undefined;
    this.#width = width;
    this.#columns = columns;
    this.#slotOf = new Int8Array(width).fill(-1);
    columns.forEach((column, r) => void (column >= 0 && (this.#slotOf[column] = r)));
    this.#header = header ? fields.map(copy) : undefined;
    this.#firstLine = line;
    this.#hasRating = columns[RATING] >= 0;
    this.#hasTime = columns[TIME] >= 0;
    if (this.#hasTime) this.#time = new Float64Array(this.#user.length);
    if (!header) {
      columns.forEach((column, r) => {
        if (column < 0) return;
        this.#src[r] = fields[column];
        this.#from[r] = 0;
        this.#to[r] = fields[column].length;
      });
      this.#record(line);
    }
  }

  /** How a message names a column: by its header name, else by its 1-based position and role. */
  #columnName(field: number): string {
    if (this.#header !== undefined && field < this.#header.length) return `column ${quoted(this.#header[field])}`;
    const role = field < this.#width ? this.#slotOf[field] : -1;
    return `column ${field + 1}${role >= 0 ? ` (${ROLES[role]})` : ""}`;
  }

  #reason(line: number, field: number, message: string): string {
    const column =
      field < 0 ? "" : this.#first !== undefined ? `, column ${field + 1}` : `, ${this.#columnName(field)}`;
    return `line ${line}${column}: ${message}`;
  }

  /** A malformed line: an Error (or `Kind`), or skipped and counted with onError "skip". */
  #fail(line: number, field: number, message: string, Kind: ErrorConstructor = Error): void {
    const reason = this.#reason(line, field, message);
    if (!this.#s.skipErrors) throw new Kind(`${this.#caller}(): ${reason}`);
    this.#skip(line, reason);
  }

  #skip(line: number, reason: string): void {
    this.#skipped++;
    if (this.#skippedLines.length < FIRST_SKIPPED) this.#skippedLines.push({ line, reason });
  }

  /** A number column's value, or undefined after failing the line. */
  #number(role: number, line: number): number | undefined {
    const src = this.#src[role],
      a = this.#from[role],
      b = this.#to[role];
    const x = parseNumber(src, a, b);
    if (x !== x) {
      this.#fail(line, this.#columns[role], `${quoted(src, a, b)} is not a number`);
      return undefined;
    }
    if (x === Infinity || x === -Infinity) {
      this.#fail(line, this.#columns[role], `${quoted(src, a, b)} is beyond the float64 range`, RangeError);
      return undefined;
    }
    return x;
  }

  /**
   * The row of the id in the role's field, -1 if the map does not hold it (its value and hash
   * then wait in #id and #hash), or -2 after failing the line.
   */
  #find(role: number, line: number, map: IdMap<string | number>): number {
    const src = this.#src[role],
      a = this.#from[role],
      b = this.#to[role];
    if (a === b) {
      this.#fail(line, this.#columns[role], `the ${ROLES[role]} id is empty`);
      return -2;
    }
    if (this.#s.idType === "string") {
      const h = hashText(src, a, b);
      const row = map.findText(src, a, b, h);
      if (row < 0) this.#hash[role] = h;
      return row;
    }
    const x = parseNumber(src, a, b);
    if (!Number.isSafeInteger(x)) {
      this.#fail(
        line,
        this.#columns[role],
        `${quoted(src, a, b)} is not an integer id from -(2^53 - 1) to 2^53 - 1 (options.idType is "number"; ids as text have no limit)`,
      );
      return -2;
    }
    const id = x + 0; // -0 is 0
    const h = hashNumber(id);
    const row = map.findNumber(id, h);
    if (row < 0) {
      this.#id[role] = id;
      this.#hash[role] = h;
    }
    return row;
  }

  /** A new id for the role's map, or -1 after refusing it (options.unseen "error" or "skip"). */
  #add(role: number, line: number, map: IdMap<string | number>, add: boolean): number {
    const id =
      this.#s.idType === "string" ? copy(this.#src[role].slice(this.#from[role], this.#to[role])) : this.#id[role];
    const name = role === USER ? "options.users" : "options.items";
    if (!add) {
      const what = `${ROLES[role]} ${JSON.stringify(id)} is not in ${name}`;
      if (this.#s.unseen === "error")
        throw new Error(`${this.#caller}(): line ${line}: ${what} (options.unseen is "error")`);
      this.#skip(line, `${what} (options.unseen is "skip")`);
      return -1;
    }
    return map.append(id, this.#hash[role], this.#caller, name);
  }

  /** A well-formed record: its numbers and ids checked, then an interaction. */
  #record(line: number): void {
    const s = this.#s;
    let rating = 1,
      time = 0;
    if (this.#hasRating) {
      const x = this.#number(RATING, line);
      if (x === undefined) return;
      const range = s.ratingRange;
      if (range !== undefined && !(x >= range[0] && x <= range[1])) {
        return this.#fail(
          line,
          this.#columns[RATING],
          `${x} is outside options.ratingRange [${range[0]}, ${range[1]}]`,
          RangeError,
        );
      }
      rating = x;
    }
    if (this.#hasTime) {
      const x = this.#number(TIME, line);
      if (x === undefined) return;
      time = x;
    }
    // both ids are found (or refused) before either is added, so that a refused line adds nothing
    const { users, items } = s;
    let user = this.#find(USER, line, users);
    if (user === -2) return;
    let item = this.#find(ITEM, line, items);
    if (item === -2) return;
    if (user < 0 && !s.addUsers && (user = this.#add(USER, line, users, false)) < 0) return;
    if (item < 0 && !s.addItems && (item = this.#add(ITEM, line, items, false)) < 0) return;
    if (user < 0) user = this.#add(USER, line, users, true);
    // a shared map (users === items) may have just been given the item's id as the user's
    if (item < 0) item = users === items && user >= 0 && this.#sameId() ? user : this.#add(ITEM, line, items, true);
    this.#append(user, item, rating, time, line);
  }

  /** Whether the user's and the item's ids are the same (both new in one shared map). */
  #sameId(): boolean {
    if (this.#s.idType === "number") return this.#id[USER] === this.#id[ITEM];
    const a = this.#from[USER],
      b = this.#to[USER],
      c = this.#from[ITEM];
    if (b - a !== this.#to[ITEM] - c) return false;
    const u = this.#src[USER],
      v = this.#src[ITEM];
    for (let k = 0; k < b - a; k++) if (u.charCodeAt(a + k) !== v.charCodeAt(c + k)) return false;
    return true;
  }

  #append(user: number, item: number, rating: number, time: number, line: number): void {
    const pairs = this.#pairs;
    let slot = -1;
    if (pairs !== undefined) {
      const mask = pairs.length - 1;
      for (slot = mix(Math.imul(user, 0x9e3779b1) ^ item) & mask; pairs[slot] !== 0; slot = (slot + 1) & mask) {
        const k = pairs[slot] - 1;
        if (this.#user[k] !== user || this.#item[k] !== item) continue;
        // seen before
        const policy = this.#s.duplicates;
        if (policy === "error") {
          const s = this.#s;
          throw new Error(
            `${this.#caller}(): line ${line}: user ${JSON.stringify(s.users.id(user))} and item ${JSON.stringify(s.items.id(item))} are on line ${this.#lineOf![k]} already (options.duplicates is "error")`,
          );
        }
        this.#duplicates++;
        if (policy === "first") return;
        if (policy === "mean") {
          this.#sums![k] += rating;
          this.#counts![k]++;
        } else this.#rating[k] = rating;
        if (this.#time !== undefined) this.#time[k] = time;
        return;
      }
    }
    const k = this.#count;
    if (k === this.#user.length) this.#grow();
    this.#user[k] = user;
    this.#item[k] = item;
    this.#rating[k] = rating;
    if (this.#time !== undefined) this.#time[k] = time;
    this.#count = k + 1;
    if (pairs !== undefined) {
      if (this.#sums !== undefined) {
        this.#sums[k] = rating;
        this.#counts![k] = 1;
      }
      if (this.#lineOf !== undefined) this.#lineOf[k] = line;
      if (2 * (k + 1) > pairs.length) this.#rehash();
      else pairs[slot] = k + 1;
    }
  }

  /** Doubles every column. */
  #grow(): void {
    const grow = <T extends Uint32Array | Float32Array | Float64Array>(a: T): T => {
      const b = new (a.constructor as new (n: number) => T)(2 * a.length);
      b.set(a);
      return b;
    };
    this.#user = grow(this.#user);
    this.#item = grow(this.#item);
    this.#rating = grow(this.#rating);
    if (this.#time) this.#time = grow(this.#time);
    if (this.#sums) this.#sums = grow(this.#sums);
    if (this.#counts) this.#counts = grow(this.#counts);
    if (this.#lineOf) this.#lineOf = grow(this.#lineOf);
  }

  /** Doubles the pair table and places every interaction again. */
  #rehash(): void {
    const pairs = new Uint32Array(2 * this.#pairs!.length),
      mask = pairs.length - 1;
    for (let k = 0; k < this.#count; k++) {
      let slot = mix(Math.imul(this.#user[k], 0x9e3779b1) ^ this.#item[k]) & mask;
      while (pairs[slot] !== 0) slot = (slot + 1) & mask;
      pairs[slot] = k + 1;
    }
    this.#pairs = pairs;
  }

  #result(): ParsedInteractions<Id> {
    const count = this.#count;
    const trim = <T extends Uint32Array | Float32Array | Float64Array>(a: T): T =>
      a.length === count ? a : (a.slice(0, count) as T);
    if (this.#sums !== undefined) {
      for (let k = 0; k < count; k++) if (this.#counts![k] > 1) this.#rating[k] = this.#sums[k] / this.#counts![k];
    }
    this.#pairs = this.#sums = this.#counts = this.#lineOf = undefined;
    const base = interactions(
      this.#s.users as unknown as IdMap<Id>,
      this.#s.items as unknown as IdMap<Id>,
      trim(this.#user),
      trim(this.#item),
      trim(this.#rating),
      this.#time && trim(this.#time),
      this.#hasRating,
    );
    return {
      ...base,
      skipped: { count: this.#skipped, lines: this.#skippedLines },
      duplicates: this.#duplicates,
      lines: this.#line - 1 + (this.#any && !this.#endsWithLineEnd ? 1 : 0),
      delimiter: this.#delimiter,
      header: this.#header,
    };
  }
}

function indexOrEnd(text: string, search: string, from: number): number {
  const at = text.indexOf(search, from);
  return at < 0 ? text.length : at;
}
