// The items not to recommend to each user (docs/design.md §15): lists in CSR over user rows,
// each user's items ascending and distinct, and a batch's lists gathered in its queries' order.

import type { Exclusions } from "./topk.js";

/** A user's items as a CSR over user rows (items past `items` dropped: not in the table). */
export function byUser(
  data: { readonly count: number; readonly user: Uint32Array; readonly item: Uint32Array },
  users: number,
  items: number,
): Exclusions {
  const lists: (Set<number> | undefined)[] = new Array(users);
  for (let i = 0; i < data.count; i++) if (data.item[i] < items) (lists[data.user[i]] ??= new Set()).add(data.item[i]);
  const indptr = new Uint32Array(users + 1);
  for (let u = 0; u < users; u++) indptr[u + 1] = indptr[u] + (lists[u]?.size ?? 0);
  const index = new Uint32Array(indptr[users]);
  for (let u = 0; u < users; u++)
    if (lists[u])
      index.set(
        [...lists[u]!].sort((a, b) => a - b),
        indptr[u],
      );
  return { indptr, index };
}

/** Each user's items of both (the second covers every user; the first may cover fewer): a user
 * the second lists nothing for keeps the first's list as it is (fold-in adds a few users' items). */
export function merged(first: Exclusions, second: Exclusions): Exclusions {
  const users = second.indptr.length - 1;
  const changed = new Map<number, Uint32Array>();
  for (let u = 0; u < users; u++) {
    if (second.indptr[u + 1] === second.indptr[u]) continue;
    const union = new Set(listOf(first, u));
    for (const j of listOf(second, u)) union.add(j);
    changed.set(u, Uint32Array.from(union).sort());
  }
  const indptr = new Uint32Array(users + 1);
  for (let u = 0; u < users; u++) indptr[u + 1] = indptr[u] + (changed.get(u) ?? listOf(first, u)).length;
  const index = new Uint32Array(indptr[users]);
  for (let u = 0; u < users; u++) index.set(changed.get(u) ?? listOf(first, u), indptr[u]);
  return { indptr, index };
}

/** The lists of `rows` in their order, one a query (none from no source). */
export function gathered(source: Exclusions | undefined, rows: ArrayLike<number>): Exclusions {
  const indptr = new Uint32Array(rows.length + 1);
  if (!source) return { indptr, index: new Uint32Array(0) };
  // copied entry by entry: a subarray a user would cost more than its few items
  const users = source.indptr.length - 1,
    from = source.indptr,
    items = source.index;
  // every user in order (a whole catalogue's recommendations): the lists as they are
  let identity = rows.length === users;
  for (let b = 0; identity && b < rows.length; b++) identity = rows[b] === b;
  if (identity) return source;
  for (let b = 0; b < rows.length; b++) {
    const u = rows[b];
    indptr[b + 1] = indptr[b] + (u < users ? from[u + 1] - from[u] : 0);
  }
  const index = new Uint32Array(indptr[rows.length]);
  for (let b = 0; b < rows.length; b++) {
    const u = rows[b];
    if (u < users) for (let p = from[u], e = indptr[b]; p < from[u + 1]; p++, e++) index[e] = items[p];
  }
  return { indptr, index };
}

/** User `u`'s list (empty past the users it covers). */
function listOf(source: Exclusions | undefined, u: number): Uint32Array {
  return source && u + 1 < source.indptr.length
    ? source.index.subarray(source.indptr[u], source.indptr[u + 1])
    : new Uint32Array(0);
}
