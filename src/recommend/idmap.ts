// Ids to rows (docs/design.md §13): the users' and items' own ids, each given a row in the
// order first seen. An open-addressing table of rows keyed by a hash of the id, so the parser
// finds a row from a slice of its text without cutting the slice out first (a new string only
// for a new id), and so a map may hold more ids than a JS Map's 2^24.

import { describe, shown } from "../util/read.js";

/** The kinds of id an {@link IdMap} holds: text exactly as written, or safe integers. */
export type IdType = "string" | "number";

/** @internal Limits, a field so that tests can lower them. */
export const limits = {
  /** The most ids a map holds: rows are u32. */
  ids: 2 ** 32 - 1,
};

const EMPTY_SLOTS = 16;

/** @internal A 32-bit finaliser (murmur3's fmix32): spreads a hash's bits over the low ones a table masks. */
export function mix(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return h ^ (h >>> 16);
}

/** @internal The hash of text[a, b): FNV-1a over UTF-16 code units, then mixed. */
export function hashText(text: string, a: number, b: number): number {
  let h = 0x811c9dc5;
  for (let i = a; i < b; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  return mix(h);
}

/** @internal The hash of a safe integer, from its low and high 32 bits. */
export function hashNumber(x: number): number {
  return mix((x | 0) ^ Math.imul(Math.floor(x / 4294967296) | 0, 0x9e3779b1));
}

/**
 * A two-way map between ids and rows: the n-th distinct id seen gets row n - 1. The parsers
 * keep one for users and one for items on every result, so that a model's rows can be spoken
 * of in the file's own ids; pass the same maps to later parses (`users`, `items`) to give a
 * second file (a test set) the same rows.
 *
 * Ids are strings, kept exactly as written: "01" and "1" are different ids, and a number past
 * 2^53 keeps all its digits. A map made with `idType: "number"` holds safe integers instead
 * (then "01" and "1" are both 1). A map takes its kind from its first id; an id of the other
 * kind is a TypeError, so that `users.get(1)` on a map of strings cannot quietly miss.
 *
 * @example
 * ```ts
 * const users = new IdMap(["alice", "bob"]);
 * users.add("carol"); // 2
 * users.get("bob");   // 1
 * users.id(0);        // "alice"
 * users.size;         // 3
 * users.get("dave");  // undefined
 * ```
 */
// Id is unconstrained so that new IdMap(["a"]) infers IdMap<string>, not IdMap<"a">; the
// methods check that ids are strings or safe integers.
export class IdMap<Id = string> implements Iterable<Id> {
  #ids: Id[] = [];
  /**
   * The table: per slot, row + 1 (0: empty) then the id's hash, side by side so that a probe
   * reads one cache line; a power of two of slots, at most half full.
   */
  #slots = new Int32Array(2 * EMPTY_SLOTS);
  #type: IdType | undefined;
  /** the call filling the map, if one is: others may not change it meanwhile */
  #writer: string | undefined;

  /**
   * A map of `ids`, in their order (a repeated id keeps its first row).
   *
   * @example
   * ```ts
   * new IdMap([10, 20, 10]).size; // 2
   * ```
   */
  constructor(ids?: Iterable<Id>) {
    if (ids === undefined) return;
    if (typeof ids !== "object" || ids === null || typeof (ids as Iterable<Id>)[Symbol.iterator] !== "function") {
      throw new TypeError(`IdMap(): ids must be an iterable of strings or numbers, got ${describe(ids)}`);
    }
    for (const id of ids) this.#add(id, "IdMap");
  }

  /**
   * How many ids the map holds: rows go from 0 to size - 1.
   *
   * @example
   * ```ts
   * new IdMap(["a", "b"]).size; // 2
   * ```
   */
  get size(): number {
    return this.#ids.length;
  }

  /**
   * The kind of its ids: "string" or "number", or undefined while the map is empty and was
   * not yet given a kind.
   *
   * @example
   * ```ts
   * new IdMap([7]).idType; // "number"
   * ```
   */
  get idType(): IdType | undefined {
    return this.#type;
  }

  /**
   * The row of `id`, or undefined if the map does not hold it.
   *
   * @example
   * ```ts
   * new IdMap(["a", "b"]).get("b"); // 1
   * ```
   */
  get(id: Id): number | undefined {
    const row = this.#find(id, "IdMap.get");
    return row < 0 ? undefined : row;
  }

  /**
   * Whether the map holds `id`.
   *
   * @example
   * ```ts
   * new IdMap(["a"]).has("a"); // true
   * ```
   */
  has(id: Id): boolean {
    return this.#find(id, "IdMap.has") >= 0;
  }

  /**
   * The id of `row`; RangeError unless 0 <= row < size.
   *
   * @example
   * ```ts
   * new IdMap(["a", "b"]).id(1); // "b"
   * ```
   */
  id(row: number): Id {
    if (typeof row !== "number" || !Number.isInteger(row) || row < 0 || row >= this.#ids.length) {
      const rows = this.#ids.length === 0 ? "the map is empty" : `rows go from 0 to ${this.#ids.length - 1}`;
      throw new RangeError(`IdMap.id(): row must be an integer row of the map (${rows}), got ${shown(row)}`);
    }
    return this.#ids[row];
  }

  /**
   * The row of `id`, added at row `size` if the map does not hold it yet.
   *
   * @example
   * ```ts
   * const items = new IdMap<string>();
   * items.add("x"); // 0
   * items.add("y"); // 1
   * items.add("x"); // 0
   * ```
   */
  add(id: Id): number {
    if (this.#writer !== undefined) {
      throw new Error(`IdMap.add(): this map is being filled by ${this.#writer}(); add ids when it has returned`);
    }
    return this.#add(id, "IdMap.add");
  }

  /**
   * The ids in row order.
   *
   * @example
   * ```ts
   * [...new IdMap(["a", "b"])]; // ["a", "b"]
   * ```
   */
  [Symbol.iterator](): IterableIterator<Id> {
    return this.#ids.slice()[Symbol.iterator]();
  }

  /**
   * The ids in row order, for JSON.stringify: `new IdMap(JSON.parse(json))` gives the map back.
   *
   * @example
   * ```ts
   * JSON.stringify(new IdMap(["a", "b"])); // '["a","b"]'
   * ```
   */
  toJSON(): Id[] {
    return this.#ids.slice();
  }

  /**
   * @internal Whether `value` is an IdMap itself: a Proxy of one passes `instanceof`, but its
   * methods cannot reach the map's private fields (they would throw a raw TypeError).
   */
  static isMap(value: unknown): value is IdMap<unknown> {
    return typeof value === "object" && value !== null && #ids in value;
  }

  // --- for the parsers ---------------------------------------------------------------------

  /** @internal Claims the map for `caller` (a parse in progress), or throws if another call holds it. */
  claim(caller: string, name: string, type: IdType): void {
    if (this.#writer !== undefined) {
      throw new Error(`${caller}(): ${name} is being filled by ${this.#writer}(); give each read its own maps`);
    }
    if (this.#type !== undefined && this.#type !== type) {
      throw new TypeError(`${caller}(): ${name} holds ${this.#type} ids, but options.idType is "${type}"`);
    }
    this.#type = type;
    this.#writer = caller;
  }

  /** @internal Releases a claim; `size`, if given, drops the rows added since (a refused parse). */
  release(size?: number): void {
    this.#writer = undefined;
    if (size === undefined || size >= this.#ids.length) return;
    this.#ids.length = size;
    this.#rebuild(this.#slots.length, size);
  }

  /** @internal The row of the string id text[a, b) (hash `h`), or -1. */
  findText(text: string, a: number, b: number, h: number): number {
    const slots = this.#slots,
      mask = (slots.length >>> 1) - 1,
      ids = this.#ids as unknown as string[],
      length = b - a;
    for (let s = h & mask; ; s = (s + 1) & mask) {
      const entry = slots[2 * s] >>> 0;
      if (entry === 0) return -1;
      if (slots[2 * s + 1] !== h) continue;
      const id = ids[entry - 1];
      if (id.length !== length) continue;
      let i = 0;
      while (i < length && id.charCodeAt(i) === text.charCodeAt(a + i)) i++;
      if (i === length) return entry - 1;
    }
  }

  /** @internal The row of the safe integer id x (hash `h`), or -1. */
  findNumber(x: number, h: number): number {
    const slots = this.#slots,
      mask = (slots.length >>> 1) - 1,
      ids = this.#ids;
    for (let s = h & mask; ; s = (s + 1) & mask) {
      const entry = slots[2 * s] >>> 0;
      if (entry === 0) return -1;
      if (slots[2 * s + 1] === h && ids[entry - 1] === x) return entry - 1;
    }
  }

  /** @internal Appends an id known to be absent, with its hash; RangeError past `limits.ids`. */
  append(id: Id, h: number, caller: string, name: string): number {
    const row = this.#ids.length;
    if (row >= limits.ids) {
      throw new RangeError(
        `${caller}(): ${name} would hold more than ${limits.ids} distinct ids, the most that rows (u32) can number`,
      );
    }
    this.#ids.push(id);
    // at most half full: double the table first if needed
    if (4 * (row + 1) > this.#slots.length) this.#rebuild(2 * this.#slots.length, row);
    this.#place(this.#slots, h, row);
    return row;
  }

  /** A table of `length` entries with the rows below `rows` placed again. */
  #rebuild(length: number, rows: number): void {
    const old = this.#slots,
      slots = new Int32Array(length);
    for (let s = 0; s < old.length; s += 2) {
      const entry = old[s] >>> 0;
      if (entry !== 0 && entry <= rows) this.#place(slots, old[s + 1], entry - 1);
    }
    this.#slots = slots;
  }

  #place(slots: Int32Array, h: number, row: number): void {
    const mask = (slots.length >>> 1) - 1;
    let s = h & mask;
    while (slots[2 * s] !== 0) s = (s + 1) & mask;
    slots[2 * s] = (row + 1) | 0; // read back >>> 0: rows up to 2^32 - 2
    slots[2 * s + 1] = h;
  }

  /** The type of `id` if the map may hold it (TypeError otherwise); sets the map's kind. */
  #check(id: unknown, caller: string): IdType {
    const type = typeof id;
    if (type === "number") {
      if (!Number.isSafeInteger(id)) {
        throw new RangeError(`${caller}(): a number id must be a safe integer (|id| < 2^53), got ${shown(id)}`);
      }
    } else if (type !== "string") {
      throw new TypeError(`${caller}(): id must be a string or a number, got ${describe(id)}`);
    }
    if (this.#type !== undefined && type !== this.#type) {
      throw new TypeError(`${caller}(): id must be a ${this.#type} (this map holds ${this.#type} ids), got ${type}`);
    }
    return type as IdType;
  }

  #find(id: Id, caller: string): number {
    const type = this.#check(id, caller);
    if (this.#type === undefined) return -1;
    return type === "string"
      ? this.findText(id as string, 0, (id as string).length, hashText(id as string, 0, (id as string).length))
      : this.findNumber(id as number, hashNumber(id as number));
  }

  #add(id: Id, caller: string): number {
    const type = this.#check(id, caller);
    const h = type === "string" ? hashText(id as string, 0, (id as string).length) : hashNumber(id as number);
    const row =
      type === "string" ? this.findText(id as string, 0, (id as string).length, h) : this.findNumber(id as number, h);
    if (row >= 0) return row;
    this.#type = type;
    return this.append(id, h, caller, "the map");
  }
}

/**
 * @internal What a value that is not an IdMap is, for "must be an IdMap, got ...": one that
 * answers to the name (a Proxy of a map, an object given its prototype) is said to be an imitation.
 */
export function describeNotMap(value: unknown): string {
  const kind = describe(value);
  return kind === "IdMap" ? "a Proxy or an imitation of IdMap" : kind;
}
