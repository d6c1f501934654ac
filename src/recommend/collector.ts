// What a record becomes (docs/design.md §13, "Fields to values" and "Errors"): the RecordSink
// that the FieldScanner (fields.ts) tells of fields and records. The first record fixes the
// layout (layout.ts); after it, the fields a role needs are kept as slices of their chunk,
// and each record's numbers are read and its ids looked up in the maps, without a string per
// line, into an interaction (builder.ts). Malformed lines throw, or are counted and skipped.

import { InteractionsBuilder } from "./builder.js";
import type { RecordSink } from "./fields.js";
import { hashNumber, hashText, type IdMap } from "./idmap.js";
import { resolveLayout } from "./layout.js";
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

/** How many skipped lines the result lists (it counts them all). */
const FIRST_SKIPPED = 10;

/** @internal Records in, interactions out: the parser's RecordSink. */
export class InteractionCollector<Id extends string | number = string> implements RecordSink {
  readonly #s: Settings;
  readonly #caller: string;
  readonly #delimiter: string | undefined;
  /** two quotes: an escaped one */
  readonly #qq: string;

  // the layout, from the first record
  /** the first record's fields, until the layout is known */
  #first: string[] | undefined = [];
  #width = 0;
  #slotOf: Int8Array = new Int8Array(0);
  #columns = [-1, -1, -1, -1];
  #header: string[] | undefined;
  #firstLine = 0;
  #hasRating = false;
  #hasTime = false;

  // the needed fields of the record in progress, by role: text[from, to) of src
  /** a needed field's text from earlier chunks */
  #partial = "";
  readonly #src = ["", "", "", ""];
  readonly #from = [0, 0, 0, 0];
  readonly #to = [0, 0, 0, 0];
  /** a new id's value (idType "number") and hash, by role, between #find and #add */
  readonly #id: (string | number)[] = [0, 0];
  readonly #hash = [0, 0];

  readonly #built: InteractionsBuilder;
  #skipped = 0;
  readonly #skippedLines: SkippedLine[] = [];

  /** `delimiter`: the text's (undefined when it has only blank lines), for messages. */
  constructor(settings: Settings, caller: string, delimiter: string | undefined) {
    this.#s = settings;
    this.#caller = caller;
    this.#delimiter = delimiter;
    this.#qq = settings.quote + settings.quote;
    this.#built = new InteractionsBuilder(settings, caller);
  }

  // --- the RecordSink ---------------------------------------------------------------------

  partial(field: number, text: string, a: number, b: number): void {
    if (this.#needed(field)) this.#partial += text.slice(a, b);
  }

  /** Notes where a needed field's text is: in its chunk, or (when escaped or cut) a string of its own. */
  field(field: number, text: string, a: number, b: number, escaped: boolean): void {
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
  }

  /** The first record resolves the layout; the others become interactions. */
  endRecord(line: number, fields: number): void {
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

  malformed(line: number, field: number, message: string): void {
    this.#fail(line, field, message);
  }

  dropRecord(): void {
    this.#partial = "";
    if (this.#first !== undefined) this.#first.length = 0;
  }

  // --- the result -------------------------------------------------------------------------

  /** The interactions, and what the parse saw (`lines` and the delimiter are the scanner's). */
  result(lines: number): ParsedInteractions<Id> {
    return {
      ...this.#built.finish<Id>(this.#hasRating),
      skipped: { count: this.#skipped, lines: this.#skippedLines },
      duplicates: this.#built.duplicates,
      lines,
      delimiter: this.#delimiter,
      header: this.#header,
    };
  }

  // --- the layout and the fields kept -----------------------------------------------------

  /** Whether the parse keeps the text of field `field`. */
  #needed(field: number): boolean {
    return this.#first !== undefined || (field < this.#width && this.#slotOf[field] >= 0);
  }

  #text(text: string, a: number, b: number, escaped: boolean): string {
    const value = this.#partial + text.slice(a, b);
    return escaped ? value.replaceAll(this.#qq, this.#s.quote) : value;
  }

  /** The layout from the first record; without a header, it is also the first interaction. */
  #resolve(fields: string[], line: number): void {
    const layout = resolveLayout(fields, line, this.#s, this.#delimiter, this.#caller),
      columns = layout.columns;
    this.#first = undefined;
    this.#width = layout.width;
    this.#columns = columns;
    this.#slotOf = layout.slotOf;
    this.#header = layout.header;
    this.#firstLine = line;
    this.#hasRating = columns[RATING] >= 0;
    this.#hasTime = columns[TIME] >= 0;
    if (this.#hasTime) this.#built.keepTimestamps();
    if (layout.header === undefined) {
      columns.forEach((column, r) => {
        if (column < 0) return;
        this.#src[r] = fields[column];
        this.#from[r] = 0;
        this.#to[r] = fields[column].length;
      });
      this.#record(line);
    }
  }

  // --- malformed lines --------------------------------------------------------------------

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

  // --- numbers and ids --------------------------------------------------------------------

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
    this.#built.append(user, item, rating, time, line);
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
}
