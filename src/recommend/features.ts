// Side features of users or items (docs/design.md §13): for each row of an IdMap, the feature
// rows it lists, as CSR, with the features' own IdMap so that results speak in their names.

import { checkOptions } from "../util/checks.js";
import { describe, shown } from "../util/read.js";
import { IdMap } from "./idmap.js";

/**
 * Features of the rows of an IdMap (users or items): row r lists features
 * `index[indptr[r]..indptr[r+1])` (rows of `names`), with `weight` 1 each unless given. Rows
 * past `indptr.length - 1` (ids added after the features were made) list none.
 *
 * @example
 * ```ts
 * const genres = featuresOf(items, [["m1", ["Comedy", "Drama"]], ["m2", ["Drama"]]]);
 * genres.names.size; // 2
 * [...genres.index]; // [0, 1, 1]
 * ```
 */
export interface Features<Id extends string | number = string> {
  /** the features' names: feature f is `names.id(f)` */
  readonly names: IdMap<string>;
  /** CSR over the rows of the map the features describe */
  readonly indptr: Uint32Array;
  readonly index: Uint32Array;
  /** each listed feature's weight [1] */
  readonly weight?: Float32Array;
  /** the map whose rows these are (the items' or the users' IdMap) */
  readonly of: IdMap<Id>;
}

/**
 * Features from a list of (id, feature names) pairs, over the rows of `map` (an interactions'
 * `items` or `users`). Ids not in the map are skipped (counted in `skipped`: features of items
 * no interaction mentions); a feature repeated for one id counts once.
 *
 * @example
 * ```ts
 * const data = parseInteractions("u,m1,5\nu,m2,3\n");
 * const genres = featuresOf(data.items, [["m1", "Comedy|Drama".split("|")]]);
 * genres.indptr; // Uint32Array [0, 2, 2]
 * ```
 */
export function featuresOf<Id extends string | number>(
  map: IdMap<Id>,
  lists: Iterable<readonly [Id, Iterable<string>]>,
  options?: { readonly names?: IdMap<string> },
): Features<Id> & { readonly skipped: number } {
  const caller = "featuresOf";
  if (!(map instanceof IdMap)) throw new TypeError(`${caller}(): map must be an IdMap, got ${describe(map)}`);
  const o = checkOptions<{ names: IdMap<string> }>(caller, "options", options, ["names"]);
  if (o.names !== undefined && !(o.names instanceof IdMap))
    throw new TypeError(`${caller}(): options.names must be an IdMap, got ${describe(o.names)}`);
  const names = o.names ?? new IdMap<string>();
  if (lists === null || typeof lists !== "object" || !(Symbol.iterator in lists))
    throw new TypeError(`${caller}(): lists must be an iterable of [id, feature names], got ${describe(lists)}`);
  const rows = map.size;
  const byRow: (Set<number> | undefined)[] = new Array(rows);
  let skipped = 0,
    entry = 0;
  for (const pair of lists) {
    if (!Array.isArray(pair) || pair.length !== 2)
      throw new TypeError(`${caller}(): lists entry ${entry} must be [id, feature names], got ${describe(pair)}`);
    const [id, features] = pair as [Id, Iterable<string>];
    const row = map.get(id);
    if (row === undefined) {
      skipped++;
      entry++;
      continue;
    }
    const set = (byRow[row] ??= new Set());
    for (const name of features) {
      if (typeof name !== "string" || name === "")
        throw new TypeError(`${caller}(): lists entry ${entry} (id ${shown(id)}) has a feature name ${shown(name)}`);
      set.add(names.add(name));
    }
    entry++;
  }
  const indptr = new Uint32Array(rows + 1);
  for (let r = 0; r < rows; r++) indptr[r + 1] = indptr[r] + (byRow[r]?.size ?? 0);
  const index = new Uint32Array(indptr[rows]);
  for (let r = 0; r < rows; r++)
    index.set(
      [...(byRow[r] ?? [])].sort((a, b) => a - b),
      indptr[r],
    );
  return { names, indptr, index, of: map, skipped };
}

/** @internal Checks features given for `map` (its rows, the CSR, the names' rows). */
export function checkFeatures<Id extends string | number>(
  caller: string,
  name: string,
  features: unknown,
  map: IdMap<Id>,
): Features<Id> {
  if (typeof features !== "object" || features === null)
    throw new TypeError(`${caller}(): ${name} must be Features (from featuresOf), got ${describe(features)}`);
  const f = features as Partial<Features<Id>>;
  if (f.of !== map)
    throw new RangeError(`${caller}(): ${name}.of must be the IdMap of the rows they describe (the same object)`);
  if (!(f.names instanceof IdMap)) throw new TypeError(`${caller}(): ${name}.names must be an IdMap`);
  if (!(f.indptr instanceof Uint32Array) || !(f.index instanceof Uint32Array))
    throw new TypeError(`${caller}(): ${name}.indptr and ${name}.index must be Uint32Arrays`);
  const { indptr, index, weight, names } = f;
  if (indptr.length === 0 || indptr[0] !== 0 || indptr[indptr.length - 1] !== index.length)
    throw new RangeError(`${caller}(): ${name}.indptr must start at 0 and end at index.length = ${index.length}`);
  for (let r = 0; r + 1 < indptr.length; r++)
    if (indptr[r + 1] < indptr[r]) throw new RangeError(`${caller}(): ${name}.indptr must not decrease (at ${r + 1})`);
  for (let e = 0; e < index.length; e++)
    if (index[e] >= names.size)
      throw new RangeError(`${caller}(): ${name}.index[${e}] = ${index[e]} is not a row of ${name}.names`);
  if (weight !== undefined) {
    if (!(weight instanceof Float32Array) || weight.length !== index.length)
      throw new TypeError(`${caller}(): ${name}.weight must be a Float32Array of index.length = ${index.length}`);
    for (let e = 0; e < weight.length; e++)
      if (!(weight[e] >= 0 && weight[e] < Infinity))
        throw new RangeError(`${caller}(): ${name}.weight[${e}] must be finite and >= 0, got ${weight[e]}`);
  }
  return f as Features<Id>;
}
