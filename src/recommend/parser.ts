// The one incremental parser of delimited interactions (docs/design.md §13): text in chunks cut
// anywhere in, interactions out, keeping of the text only the fields it needs of the record in
// progress. parseInteractions() and readInteractions() are thin adapters over it. This is the
// parse from start to end: it claims the id maps, drops a BOM, holds the first lines until the
// delimiter is known (delimiter.ts), then feeds the text to a FieldScanner (fields.ts), the
// state machine, whose fields and records an InteractionCollector (collector.ts) turns into
// interactions; it releases the maps, cut back to their sizes before if the parse is refused.

import { InteractionCollector } from "./collector.js";
import { detectDelimiter, SNIFF_CHARS, SNIFF_LINES } from "./delimiter.js";
import { FieldScanner } from "./fields.js";
import type { ParsedInteractions, Settings } from "./options.js";

const LF = 10,
  CR = 13;

/**
 * @internal The parser: push() text as it comes, then end(). It holds the interactions so far,
 * the maps, and of the text only the fields in progress that it needs.
 */
export class Parser<Id extends string | number = string> {
  readonly #s: Settings;
  readonly #caller: string;
  /** the maps' sizes before, to drop what a refused parse added */
  readonly #sizes: [number, number];
  /** the quote's character code, -1 for none */
  readonly #q: number;
  #started = false;
  /** whether the text has a character (but a BOM) */
  #any = false;
  #endsWithLineEnd = false;
  /** the text held until the delimiter is known */
  #sniff = "";
  /** line ends in #sniff, up to SNIFF_LINES */
  #sniffLines = 0;
  // once the delimiter is known
  #scanner: FieldScanner | undefined;
  #collector: InteractionCollector<Id> | undefined;

  constructor(settings: Settings, caller: string) {
    this.#s = settings;
    this.#caller = caller;
    this.#q = settings.quote === "" ? -1 : settings.quote.charCodeAt(0);
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
    if (settings.delimiter !== undefined) this.#start(settings.delimiter);
  }

  /** Lines read so far. */
  get lines(): number {
    return this.#scanner === undefined ? 0 : this.#scanner.lines;
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
    let scanner = this.#scanner;
    if (scanner === undefined) {
      this.#sniff += text;
      for (let i = text.indexOf("\n"); i >= 0 && this.#sniffLines < SNIFF_LINES; i = text.indexOf("\n", i + 1)) {
        this.#sniffLines++;
      }
      const sample = this.#sniff;
      if (sample.length < SNIFF_CHARS && this.#sniffLines < SNIFF_LINES) return;
      this.#sniff = "";
      scanner = this.#start(detectDelimiter(sample, false, this.#q, this.#caller));
      text = sample;
    }
    this.#endsWithLineEnd = endsWithLineEnd(text);
    scanner.scan(text, false);
  }

  /** Reads what is left and returns the interactions; the parser is spent. */
  end(): ParsedInteractions<Id> {
    let scanner = this.#scanner;
    if (scanner === undefined) {
      const sample = this.#sniff;
      this.#sniff = "";
      scanner = this.#start(detectDelimiter(sample, true, this.#q, this.#caller));
      if (sample !== "") {
        this.#endsWithLineEnd = endsWithLineEnd(sample);
        scanner.scan(sample, false);
      }
    }
    scanner.scan("", true);
    return this.#collector!.result(scanner.lines + (this.#any && !this.#endsWithLineEnd ? 1 : 0));
  }

  /** Releases the maps; after a refusal (`refused`), drops the ids this parse added. */
  release(refused: boolean): void {
    const { users, items } = this.#s;
    users.release(refused ? this.#sizes[0] : undefined);
    if (items !== users) items.release(refused ? this.#sizes[1] : undefined);
  }

  /** The delimiter is known (undefined: only blank lines so far): wires a scanner to a collector. */
  #start(delimiter: string | undefined): FieldScanner {
    const collector = new InteractionCollector<Id>(this.#s, this.#caller, delimiter);
    this.#collector = collector;
    return (this.#scanner = new FieldScanner(delimiter, this.#s.quote, collector));
  }
}

function endsWithLineEnd(text: string): boolean {
  const c = text.charCodeAt(text.length - 1);
  return c === LF || c === CR;
}
