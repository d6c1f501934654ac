// Side features of users or items (docs/design.md §13): for each row of an IdMap, the feature
// rows it lists, as CSR, with the features' own IdMap so that results speak in their names.

import { snapshotArray } from "../ops/checks.js";
import { checkOptions } from "../util/checks.js";
import { describe, readFields, refOf, shown, typedKind, type TypedKind } from "../util/read.js";
import { describeNotMap, IdMap } from "./idmap.js";

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
  if (!IdMap.isMap(map)) throw new TypeError(`${caller}(): map must be an IdMap, got ${describeNotMap(map)}`);
  const o = checkOptions<{ names: IdMap<string> }>(caller, "options", options, ["names"]);
  if (o.names !== undefined && !IdMap.isMap(o.names))
    throw new TypeError(`${caller}(): options.names must be an IdMap, got ${describeNotMap(o.names)}`);
  if (o.names?.idType === "number")
    throw new TypeError(`${caller}(): options.names must be an IdMap of feature names (strings), got one of numbers`);
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
    // a string is iterable too: its letters are no feature names
    if (typeof features !== "object" || features === null || typeof features[Symbol.iterator] !== "function")
      throw new TypeError(
        `${caller}(): lists entry ${entry} (id ${shown(id)}) must list feature names in an array, got ${describe(features)}`,
      );
    const row = rowOf(map, id, caller, entry);
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

/** The row of `id` in `map`, or undefined; an id the map cannot hold (another kind) is a TypeError naming the entry. */
function rowOf<Id extends string | number>(map: IdMap<Id>, id: Id, caller: string, entry: number): number | undefined {
  try {
    return map.get(id);
  } catch (error) {
    const why = (error as Error).message.replace(/^IdMap\.get\(\): /, "");
    throw new TypeError(`${caller}(): lists entry ${entry} has id ${shown(id)}: ${why}`, { cause: error });
  }
}

/**
 * @internal Checks features given for `map` (its rows, the CSR, the names' rows), each field read
 * once and each array by its real length into a copy: the result is what was checked.
 */
export function checkFeatures<Id extends string | number>(
  caller: string,
  name: string,
  features: unknown,
  map: IdMap<Id>,
): Features<Id> {
  if (typeof features !== "object" || features === null)
    throw new TypeError(`${caller}(): ${name} must be Features (from featuresOf), got ${describe(features)}`);
  const f = readFields(caller, name, features, ["names", "indptr", "index", "weight", "of"] as const);
  if (f.of !== map)
    throw new RangeError(`${caller}(): ${name}.of must be the IdMap of the rows they describe (the same object)`);
  if (!IdMap.isMap(f.names))
    throw new TypeError(`${caller}(): ${name}.names must be an IdMap, got ${describeNotMap(f.names)}`);
  const copy = <A extends ArrayBufferView>(key: "indptr" | "index" | "weight", Type: new (length: number) => A) => {
    const kind = Type.name as TypedKind;
    if (typedKind(f[key]) !== kind)
      throw new TypeError(`${caller}(): ${name}.${key} must be a ${kind}, got ${describe(f[key])}`);
    return snapshotArray(caller, `${name}.${key}`, refOf(f[key], kind), Type);
  };
  const indptr = copy("indptr", Uint32Array),
    index = copy("index", Uint32Array),
    weight = f.weight === undefined ? undefined : copy("weight", Float32Array);
  const names = f.names as IdMap<string>,
    size = names.size;
  if (indptr.length === 0 || indptr[0] !== 0 || indptr[indptr.length - 1] !== index.length)
    throw new RangeError(`${caller}(): ${name}.indptr must start at 0 and end at index.length = ${index.length}`);
  for (let r = 0; r + 1 < indptr.length; r++)
    if (indptr[r + 1] < indptr[r]) throw new RangeError(`${caller}(): ${name}.indptr must not decrease (at ${r + 1})`);
  for (let e = 0; e < index.length; e++)
    if (index[e] >= size)
      throw new RangeError(`${caller}(): ${name}.index[${e}] = ${index[e]} is not a row of ${name}.names`);
  if (weight !== undefined) {
    if (weight.length !== index.length)
      throw new RangeError(
        `${caller}(): ${name}.weight.length must be index.length = ${index.length}, got ${weight.length}`,
      );
    for (let e = 0; e < weight.length; e++)
      if (!(weight[e] >= 0 && weight[e] < Infinity))
        throw new RangeError(`${caller}(): ${name}.weight[${e}] must be finite and >= 0, got ${weight[e]}`);
  }
  return { names, indptr, index, ...(weight && { weight }), of: map };
}
