// A recipe's rows (docs/design.md §14): each user and item is a part, a CSR of rows of the
// table with their gates, and an observation is its user's part followed by its item's.

import type { Observations } from "../train/minibatch.js";
import type { Precision } from "../util/types.js";
import type { Features } from "./features.js";
import type { Interactions } from "./interactions.js";

/** The recipes: matrix factorization with biases, SVD++, and a LightFM-style hybrid. */
export type RecipeName = "mf" | "svd++" | "hybrid";

/** A CSR of parts (a user's or an item's rows of the table, with their gates). */
export interface Parts {
  readonly indptr: Uint32Array;
  readonly index: Uint32Array;
  readonly weight: Float64Array;
}

/** The table's rows: users and items and what each lists. */
export interface Layout {
  readonly n: number;
  readonly m: number;
  readonly users: Parts;
  readonly items: Parts;
  /** SVD++: each item's implicit row (in group A) */
  readonly implicitRow?: Uint32Array;
}

/** Parts of `count` rows, each from `rowsOf(r)` (rows ascending, weights beside them). */
function partsOf(count: number, rowsOf: (r: number) => { rows: number[]; weights: number[] }): Parts {
  const indptr = new Uint32Array(count + 1),
    index: number[] = [],
    weight: number[] = [];
  for (let r = 0; r < count; r++) {
    const { rows, weights } = rowsOf(r);
    index.push(...rows);
    weight.push(...weights);
    indptr[r + 1] = index.length;
  }
  return { indptr, index: Uint32Array.from(index), weight: Float64Array.from(weight) };
}

/** An indicator row at `first + r` and its features' rows after `first + count`, weights summing to 1. */
function withFeatures(first: number, count: number, features: Features<string | number> | undefined) {
  return (r: number) => {
    const from = features && r + 1 < features.indptr.length ? features.indptr[r] : 0,
      to = features && r + 1 < features.indptr.length ? features.indptr[r + 1] : 0;
    const rows = [first + r],
      weights = [1];
    for (let e = from; e < to; e++) {
      rows.push(first + count + features!.index[e]);
      weights.push(features!.weight ? features!.weight[e] : 1);
    }
    const sum = weights.reduce((s, x) => s + x, 0);
    return { rows, weights: weights.map((x) => x / sum) };
  };
}

/** The layout of a recipe over `users` and `items` rows, from the training interactions. */
export function layoutOf(
  recipe: RecipeName,
  train: Interactions<string | number>,
  users: number,
  items: number,
  features: { user?: Features<string | number>; item?: Features<string | number> },
): Layout {
  if (recipe === "mf") {
    const one = (first: number) => (r: number) => ({ rows: [first + r], weights: [1] });
    return { n: users, m: items, users: partsOf(users, one(0)), items: partsOf(items, one(users)) };
  }
  if (recipe === "svd++") {
    // N(u): the items u rated in training, distinct and ascending
    const rated: number[][] = Array.from({ length: users }, () => []);
    for (let i = 0; i < train.count; i++) rated[train.user[i]].push(train.item[i]);
    const n = users + items;
    const userParts = partsOf(users, (u) => {
      const mine = [...new Set(rated[u])].sort((a, b) => a - b);
      const gate = mine.length ? 1 / Math.sqrt(mine.length) : 0;
      return { rows: [u, ...mine.map((j) => users + j)], weights: [1, ...mine.map(() => gate)] };
    });
    return {
      n,
      m: items,
      users: userParts,
      items: partsOf(items, (j) => ({ rows: [n + j], weights: [1] })),
      implicitRow: Uint32Array.from({ length: items }, (_, j) => users + j),
    };
  }
  const userFeatures = features.user?.names.size ?? 0,
    itemFeatures = features.item?.names.size ?? 0;
  const n = users + userFeatures;
  return {
    n,
    m: items + itemFeatures,
    users: partsOf(users, withFeatures(0, users, features.user)),
    items: partsOf(items, withFeatures(n, items, features.item)),
  };
}

/** Observations of interactions under a layout: each pairs its user's part with its item's. */
export function observationsOf(
  layout: Layout,
  data: Interactions<string | number>,
  precision: Precision,
  targets: boolean,
): Observations {
  const { users, items } = layout;
  let entries = 0;
  for (let i = 0; i < data.count; i++) {
    entries += users.indptr[data.user[i] + 1] - users.indptr[data.user[i]];
    entries += items.indptr[data.item[i] + 1] - items.indptr[data.item[i]];
  }
  const indptr = new Uint32Array(data.count + 1),
    index = new Uint32Array(entries),
    weight = precision === "f32" ? new Float32Array(entries) : new Float64Array(entries);
  let e = 0,
    weighted = false;
  for (let i = 0; i < data.count; i++) {
    for (const [parts, r] of [
      [users, data.user[i]],
      [items, data.item[i]],
    ] as const) {
      for (let p = parts.indptr[r]; p < parts.indptr[r + 1]; p++, e++) {
        index[e] = parts.index[p];
        weight[e] = parts.weight[p];
        weighted ||= parts.weight[p] !== 1;
      }
    }
    indptr[i + 1] = e;
  }
  return {
    indptr,
    index,
    ...(weighted && { weight }),
    ...(targets && { y: data.rating }),
  };
}

/** Every item's part as a set of group B rows: a pairwise fit's catalogue of negatives. */
export function itemSets(layout: Layout, precision: Precision): Observations {
  const { indptr, index, weight } = layout.items;
  return { indptr, index, weight: precision === "f32" ? Float32Array.from(weight) : Float64Array.from(weight) };
}

/** Parts one after the other: the second's entries follow the first's. */
function concatParts(first: Parts, second: Parts): Parts {
  const indptr = new Uint32Array(first.indptr.length + second.indptr.length - 1);
  indptr.set(first.indptr);
  const base = first.index.length;
  for (let r = 1; r < second.indptr.length; r++) indptr[first.indptr.length - 1 + r] = base + second.indptr[r];
  const index = new Uint32Array(base + second.index.length);
  index.set(first.index);
  index.set(second.index, base);
  const weight = new Float64Array(index.length);
  weight.set(first.weight);
  weight.set(second.weight, base);
  return { indptr, index, weight };
}

/**
 * The layout after users and items were added to the maps (`before` rows to `after` rows): the
 * table gains `a` rows at the end of group A (the new users'; for SVD++ then the new items'
 * implicit rows) and `b` at the end of group B (the new items'), so the rows it had keep their
 * order and group B's move up by `a`. A new user's part is its row (SVD++: and the implicit rows
 * of the items `data` says it rated); a new item's, its row (features of new rows are not known).
 */
export function grownLayout(
  recipe: RecipeName,
  layout: Layout,
  before: { readonly users: number; readonly items: number },
  after: { readonly users: number; readonly items: number },
  data: Interactions<string | number>,
): { readonly layout: Layout; readonly a: number; readonly b: number } {
  const newUsers = after.users - before.users,
    newItems = after.items - before.items;
  const a = recipe === "svd++" ? newUsers + newItems : newUsers;
  const n = layout.n + a;
  const shift = (parts: Parts): Parts => ({
    ...parts,
    index: parts.index.map((row) => (row < layout.n ? row : row + a)),
  });
  // SVD++: the items had their implicit rows; new items' follow the new users' rows
  const implicitRow =
    layout.implicitRow &&
    Uint32Array.from({ length: after.items }, (_, j) =>
      j < before.items ? layout.implicitRow![j] : layout.n + newUsers + (j - before.items),
    );
  const rated: number[][] = Array.from({ length: newUsers }, () => []);
  if (recipe === "svd++")
    for (let i = 0; i < data.count; i++)
      if (data.user[i] >= before.users) rated[data.user[i] - before.users].push(data.item[i]);
  const users = partsOf(newUsers, (x) => {
    const mine = [...new Set(rated[x])];
    const gate = mine.length ? 1 / Math.sqrt(mine.length) : 0;
    const pairs: [number, number][] = [
      [layout.n + x, 1],
      ...mine.map((j): [number, number] => [implicitRow![j], gate]),
    ];
    pairs.sort((p, q) => p[0] - q[0]);
    return { rows: pairs.map((p) => p[0]), weights: pairs.map((p) => p[1]) };
  });
  const items = partsOf(newItems, (x) => ({ rows: [n + layout.m + x], weights: [1] }));
  return {
    layout: {
      n,
      m: layout.m + newItems,
      users: concatParts(shift(layout.users), users),
      items: concatParts(shift(layout.items), items),
      ...(implicitRow && { implicitRow }),
    },
    a,
    b: newItems,
  };
}
