import { describe, expect, it } from "vitest";
import { byUser, gathered, merged } from "../../src/recommend/exclusions.js";

/** The lists of a CSR, as plain arrays. */
const lists = (x: { indptr: Uint32Array; index: Uint32Array }) =>
  Array.from({ length: x.indptr.length - 1 }, (_, b) => Array.from(x.index.subarray(x.indptr[b], x.indptr[b + 1])));

describe("exclusion lists", () => {
  // users 0..3; user 2 has nothing; item 9 is past the table (dropped)
  const seen = byUser(
    { count: 7, user: Uint32Array.of(0, 0, 1, 3, 3, 0, 1), item: Uint32Array.of(4, 1, 2, 9, 0, 4, 2) },
    4,
    5,
  );

  it("byUser keeps each user's items ascending and distinct, dropping items past the table", () => {
    expect(lists(seen)).toEqual([[1, 4], [2], [], [0]]);
  });

  it("gathered gives the lists of any rows in their order, none past the users it covers", () => {
    expect(lists(gathered(seen, [3, 0, 7, 2, 0]))).toEqual([[0], [1, 4], [], [], [1, 4]]);
    expect(lists(gathered(undefined, [0, 1]))).toEqual([[], []]);
    expect(lists(gathered(seen, []))).toEqual([]);
  });

  it("gathered of every user in order is the lists themselves; other rows are gathered", () => {
    expect(gathered(seen, [0, 1, 2, 3])).toBe(seen);
    expect(lists(gathered(seen, [0, 1, 2, 3]))).toEqual([[1, 4], [2], [], [0]]);
    // not the identity: a permutation, a prefix, a repeat
    for (const rows of [
      [1, 0, 2, 3],
      [0, 1, 2],
      [0, 1, 2, 2],
    ])
      expect(lists(gathered(seen, rows))).toEqual(rows.map((u) => lists(seen)[u]));
  });

  it("merged joins a fold-in's lists to the old ones, users past the old ones included", () => {
    const more = byUser({ count: 3, user: Uint32Array.of(1, 4, 4), item: Uint32Array.of(0, 3, 3) }, 5, 5);
    expect(lists(merged(seen, more))).toEqual([[1, 4], [0, 2], [], [0], [3]]);
  });
});
