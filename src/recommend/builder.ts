// The interactions being built (docs/design.md §13, "Memory" and "Duplicates"): the columns,
// grown by doubling and cut to their length at the end, and the duplicates policy, which looks a
// (user, item) pair up in an open-addressing table of the interactions' places.

import { type IdMap, mix } from "./idmap.js";
import { interactions, type Interactions } from "./interactions.js";
import type { Settings } from "./options.js";

/** @internal Interactions appended one by one (rows in the maps, a rating, a time), then finish(). */
export class InteractionsBuilder {
  readonly #s: Settings;
  readonly #caller: string;
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

  constructor(settings: Settings, caller: string) {
    this.#s = settings;
    this.#caller = caller;
    const d = settings.duplicates;
    if (d !== "keep") this.#pairs = new Uint32Array(2048);
    if (d === "mean") {
      this.#sums = new Float64Array(1024);
      this.#counts = new Uint32Array(1024);
    }
    if (d === "error") this.#lineOf = new Float64Array(1024);
  }

  /** How many lines repeated a pair and were merged into it. */
  get duplicates(): number {
    return this.#duplicates;
  }

  /** From now on interactions have a timestamp (before the first is appended). */
  keepTimestamps(): void {
    this.#time = new Float64Array(this.#user.length);
  }

  /** Appends an interaction, or merges it into its pair's as options.duplicates says (`line`: for "error"). */
  append(user: number, item: number, rating: number, time: number, line: number): void {
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

  /** The interactions: means taken, columns cut to their length; the builder is spent. */
  finish<Id extends string | number>(hasRating: boolean): Interactions<Id> {
    const count = this.#count;
    const trim = <T extends Uint32Array | Float32Array | Float64Array>(a: T): T =>
      a.length === count ? a : (a.slice(0, count) as T);
    if (this.#sums !== undefined) {
      for (let k = 0; k < count; k++) if (this.#counts![k] > 1) this.#rating[k] = this.#sums[k] / this.#counts![k];
    }
    this.#pairs = this.#sums = this.#counts = this.#lineOf = undefined;
    return interactions(
      this.#s.users as unknown as IdMap<Id>,
      this.#s.items as unknown as IdMap<Id>,
      trim(this.#user),
      trim(this.#item),
      trim(this.#rating),
      this.#time && trim(this.#time),
      hasRating,
    );
  }
}
