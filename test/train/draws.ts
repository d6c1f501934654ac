// The pairwise losses' pairs as LightFM defines them, written again for the tests, naively:
// users and items as plain lists, a negative as the c-th item the user has not seen (a filter,
// no binary search), scores in float64 by hand (./oracle.ts). A collection (training, then
// validation) knows the positives of itself and of those before it. It draws from the same seeded
// stream as training (src/util/random.ts) in the order docs/design.md §8 gives: for each
// observation of a batch in turn, its draws; warp-kos draws every observation's positives first.
import type { Observations } from "../../src/index.js";
import type { Random } from "../../src/util/random.js";
import { joined, partsOf, score, type GateSet, type Params } from "./oracle.js";

/** A pair of an observation: its user, the positive and negative items, the weight. */
export interface PairByHand {
  readonly id: number;
  readonly user: GateSet;
  readonly positive: number;
  readonly negative: number;
  readonly weight: number;
}

const keyOf = (set: GateSet) => set.rows.map((r, e) => `${r}:${set.gates[e]}`).join(",");

/** The catalogue of observations over a shape: users, items (as gate sets), each user's positives. */
export class Items {
  readonly items: GateSet[] = [];
  /** per collection, each observation's user (a number) and item */
  readonly userOf: number[][] = [];
  readonly itemOf: number[][] = [];
  readonly users: GateSet[] = [];
  /** per collection, each user's positives as it knows them: its own and those of the collections before it */
  readonly positives: number[][][] = [];

  constructor(shape: { n: number; m: number }, ...collections: Observations[]) {
    const parts = collections.map((data) =>
      Array.from({ length: data.indptr.length - 1 }, (_, b) => partsOf(data, shape.n, b)),
    );
    // every item part one row of gate 1: the items are the rows of group B, all of them
    const oneRow = parts.flat().every(({ item }) => item.rows.length === 1 && item.gates[0] === 1);
    if (oneRow) for (let r = shape.n; r < shape.n + shape.m; r++) this.items.push({ rows: [r], gates: [1] });
    const users = new Map<string, number>(),
      items = new Map<string, number>();
    for (const collection of parts) {
      const userOf: number[] = [],
        itemOf: number[] = [];
      for (const { user, item } of collection) {
        if (!users.has(keyOf(user))) {
          users.set(keyOf(user), this.users.length);
          this.users.push(user);
        }
        let it = oneRow ? item.rows[0] - shape.n : items.get(keyOf(item));
        if (it === undefined) {
          items.set(keyOf(item), (it = this.items.length));
          this.items.push(item);
        }
        userOf.push(users.get(keyOf(user))!);
        itemOf.push(it);
      }
      this.userOf.push(userOf);
      this.itemOf.push(itemOf);
    }
    this.userOf.forEach((_, c) => {
      const known = this.users.map((): number[] => []);
      for (let before = 0; before <= c; before++) {
        this.userOf[before].forEach((user, b) => {
          if (!known[user].includes(this.itemOf[before][b])) known[user].push(this.itemOf[before][b]);
        });
      }
      this.positives.push(known.map((p) => p.sort((x, y) => x - y)));
    });
  }

  /** The items the user has not seen (as collection c knows), in order. */
  unseen(user: number, c = 0): number[] {
    return this.items.map((_, i) => i).filter((i) => !this.positives[c][user].includes(i));
  }

  /** A draw among the items the user has not seen: the c-th of them, c uniform (-1: none). */
  drawNegative(user: number, random: Random, c = 0): number {
    const unseen = this.unseen(user, c);
    return unseen.length === 0 ? -1 : unseen[random.below(unseen.length)];
  }
}

export interface Draws {
  readonly loss: "bpr" | "warp" | "warp-kos";
  readonly maxSampled: number;
  readonly kos: { readonly k: number; readonly n: number };
}

/** What else pairsByHand does. */
export interface ByHand {
  /** gets |score - (F+ - 1)| of every warp draw, so a test can check that no decision is within rounding of it */
  readonly margins?: number[];
  /** which collection of the catalogue `data` is [0: training; 1: validation] */
  readonly collection?: number;
  /** a rule LightFM does not have, for a test to show it tells them apart */
  readonly wrong?: { readonly lastViolator?: boolean; readonly ownPositive?: boolean };
}

/** The pairs of observations `ids` of `data`, in that order, drawing from `random`. */
export function pairsByHand(
  p: Params,
  data: Observations,
  items: Items,
  ids: readonly number[],
  draws: Draws,
  random: Random,
  { margins = [], collection = 0, wrong = {} }: ByHand = {},
): PairByHand[] {
  const F = (user: GateSet, item: number) => score(p, joined(user, items.items[item])).F;
  const userOf = items.userOf[collection],
    itemOf = items.itemOf[collection];
  const userSet = (id: number) => items.users[userOf[id]];
  if (draws.loss === "bpr") {
    return ids.flatMap((id) => {
      const negative = items.drawNegative(userOf[id], random, collection);
      return negative < 0 ? [] : [{ id, user: userSet(id), positive: itemOf[id], negative, weight: 1 }];
    });
  }
  const positive = ids.map((id) => itemOf[id]);
  if (draws.loss === "warp-kos") {
    // the k-th best scored of min(n, P) positives drawn with replacement
    const drawn = ids.map((id) => {
      const mine = items.positives[collection][userOf[id]];
      return Array.from({ length: Math.min(draws.kos.n, mine.length) }, () => mine[random.below(mine.length)]);
    });
    drawn.forEach((candidates, b) => {
      const ranked = candidates
        .map((item, j) => ({ item, j, F: F(userSet(ids[b]), item) }))
        .sort((x, y) => y.F - x.F || x.j - y.j);
      if (!wrong.ownPositive) positive[b] = ranked[Math.min(draws.kos.k, ranked.length) - 1].item;
    });
  }
  const negatives = ids.map((id) => {
    const seenAll = items.unseen(userOf[id], collection).length === 0;
    return Array.from({ length: seenAll ? 0 : draws.maxSampled }, () =>
      items.drawNegative(userOf[id], random, collection),
    );
  });
  const pairs: PairByHand[] = [];
  ids.forEach((id, b) => {
    const user = userSet(id);
    const threshold = F(user, positive[b]) - 1;
    const scores = negatives[b].map((item) => F(user, item));
    for (const s of scores) margins.push(Math.abs(s - threshold));
    const violators = scores.map((s, j) => (s > threshold ? j : -1)).filter((j) => j >= 0);
    const j = violators.length === 0 ? -1 : wrong.lastViolator ? violators[violators.length - 1] : violators[0];
    if (j < 0) return;
    const ranks =
      draws.loss === "warp"
        ? items.items.length - 1
        : items.items.length - items.positives[collection][userOf[id]].length;
    const weight = Math.min(10, Math.log(Math.max(1, Math.floor(ranks / (j + 1)))));
    pairs.push({ id, user, positive: positive[b], negative: negatives[b][j], weight });
  });
  return pairs;
}
