// Interactions: (user, item, rating, timestamp?) as columns of typed arrays over two IdMaps
// (docs/design.md §13), and the check that splits run on what they are given.

import { snapshotArray } from "../ops/checks.js";
import { describe, readFields, refOf, shown, typedKind, type TypedKind } from "../util/read.js";
import { describeNotMap, IdMap } from "./idmap.js";

/**
 * Interactions as columns: interaction `i` is user row `user[i]` (an id of `users`) with item
 * row `item[i]` (of `items`), its `rating[i]` and, when the data had them, `timestamp[i]`.
 * Every column has `count` entries. Ratings are float32 (halves and tenths of 0.5..5 stars and
 * counts up to 2^24 are exact or within a part in 10^7); without ratings, every rating is 1 and
 * `hasRatings` is false. Timestamps are float64, in the file's own unit (seconds since 1970 in
 * GroupLens's files).
 *
 * @example
 * ```ts
 * const data = parseInteractions("alice,matrix,5\nbob,matrix,3\n");
 * data.count;           // 2
 * data.user;            // Uint32Array [0, 1]
 * data.items.id(0);     // "matrix"
 * data.rating;          // Float32Array [5, 3]
 * ```
 */
export interface Interactions<Id extends string | number = string> {
  /** the users' ids and rows */
  readonly users: IdMap<Id>;
  /** the items' ids and rows */
  readonly items: IdMap<Id>;
  /** how many interactions: the length of every column */
  readonly count: number;
  /** each interaction's user row */
  readonly user: Uint32Array;
  /** each interaction's item row */
  readonly item: Uint32Array;
  /** each interaction's rating (1 when `hasRatings` is false) */
  readonly rating: Float32Array;
  /** each interaction's time, when the data had a timestamp column */
  readonly timestamp?: Float64Array;
  /** whether the ratings came from the data (false: every rating is 1) */
  readonly hasRatings: boolean;
}

/** @internal A new Interactions of the given columns (trimmed to `count` by the caller). */
export function interactions<Id extends string | number>(
  users: IdMap<Id>,
  items: IdMap<Id>,
  user: Uint32Array,
  item: Uint32Array,
  rating: Float32Array,
  timestamp: Float64Array | undefined,
  hasRatings: boolean,
): Interactions<Id> {
  const result: Interactions<Id> = { users, items, count: user.length, user, item, rating, hasRatings };
  return timestamp === undefined ? result : { ...result, timestamp };
}

/** @internal The interactions where keep[i] is `side`, in their order, over the same maps. */
export function select<Id extends string | number>(
  data: Interactions<Id>,
  keep: Uint8Array,
  side: number,
  count: number,
): Interactions<Id> {
  const user = new Uint32Array(count),
    item = new Uint32Array(count),
    rating = new Float32Array(count),
    timestamp = data.timestamp && new Float64Array(count);
  for (let i = 0, j = 0; i < data.count; i++) {
    if (keep[i] !== side) continue;
    user[j] = data.user[i];
    item[j] = data.item[i];
    rating[j] = data.rating[i];
    if (timestamp) timestamp[j] = data.timestamp![i];
    j++;
  }
  return interactions(data.users, data.items, user, item, rating, timestamp, data.hasRatings);
}

/**
 * @internal Checks that `data` is an Interactions: its maps, its columns' types and lengths, rows
 * in range. Every field is read once, each column by its real length (a typed array's own
 * `length` property or a Proxy cannot lie about it) into a copy: the result, over the same maps,
 * is what the checks read, whatever the caller's object or arrays do afterwards (a callback
 * during training, another thread over a shared buffer).
 */
export function checkInteractions<Id extends string | number>(
  data: unknown,
  caller: string,
  name = "interactions",
): Interactions<Id> {
  if (typeof data !== "object" || data === null) {
    throw new TypeError(`${caller}(): ${name} must be an Interactions object, got ${describe(data)}`);
  }
  // readInteractions() returns a Promise: its fields would read as undefined
  if (describe(data) === "Promise")
    throw new TypeError(
      `${caller}(): ${name} must be an Interactions object, got a Promise (await readInteractions()?)`,
    );
  const d = readFields(caller, name, data, [
    "users",
    "items",
    "count",
    "user",
    "item",
    "rating",
    "timestamp",
    "hasRatings",
  ] as const);
  for (const map of ["users", "items"] as const) {
    if (!IdMap.isMap(d[map]))
      throw new TypeError(`${caller}(): ${name}.${map} must be an IdMap, got ${describeNotMap(d[map])}`);
  }
  const count = d.count;
  if (typeof count !== "number" || !Number.isInteger(count) || count < 0) {
    throw new RangeError(`${caller}(): ${name}.count must be a non-negative integer, got ${shown(count)}`);
  }
  const column = <A extends ArrayBufferView>(
    key: "user" | "item" | "rating" | "timestamp",
    Type: new (length: number) => A,
  ) => {
    const kind = Type.name as TypedKind;
    const value = d[key];
    if (typedKind(value) !== kind)
      throw new TypeError(`${caller}(): ${name}.${key} must be a ${kind}, got ${describe(value)}`);
    const ref = refOf(value, kind);
    if (ref.length !== count) {
      throw new RangeError(`${caller}(): ${name}.${key}.length must be ${name}.count = ${count}, got ${ref.length}`);
    }
    return snapshotArray(caller, `${name}.${key}`, ref, Type);
  };
  const user = column("user", Uint32Array),
    item = column("item", Uint32Array),
    rating = column("rating", Float32Array),
    timestamp = d.timestamp === undefined ? undefined : column("timestamp", Float64Array);
  if (typeof d.hasRatings !== "boolean") {
    throw new TypeError(`${caller}(): ${name}.hasRatings must be a boolean, got ${describe(d.hasRatings)}`);
  }
  const users = d.users as IdMap<Id>,
    items = d.items as IdMap<Id>;
  for (const [key, rows, size] of [
    ["user", user, users.size],
    ["item", item, items.size],
  ] as const) {
    for (let i = 0; i < count; i++) {
      if (rows[i] >= size) {
        throw new RangeError(
          `${caller}(): ${name}.${key}[${i}] = ${rows[i]} is not a row of ${name}.${key}s (size ${size})`,
        );
      }
    }
  }
  return interactions(users, items, user, item, rating, timestamp, d.hasRatings);
}

/** @internal RangeError naming the first rating that is not finite: a fit's targets, the range its predictions are clipped to. */
export function checkRatings(caller: string, name: string, data: Interactions<string | number>): void {
  for (let i = 0; i < data.count; i++)
    if (!Number.isFinite(data.rating[i]))
      throw new RangeError(`${caller}(): ${name}.rating[${i}] must be finite, got ${data.rating[i]}`);
}
