// The pairwise losses' view of observations (docs/design.md §8): each observation is a user (its
// rows of group A) and a positive item (its rows of group B, with their weights). The items a
// negative is drawn from are every row of group B when each item part is one row of weight 1
// (as LightFM draws from every item, seen in the data or not), else the distinct item parts of
// the observations (and of a fit's catalogue: fold-in gives every item); a user's positives are
// the items of every observation with the same user part, and are never drawn as a negative
// (LightFM redraws them). A collection's draws know the
// positives of itself and of the collections before it: training's know nothing of validation's
// labels, validation's never take a training positive for a negative. A draw is bounded work:
// the c-th item that is not one of the user's positives, found by binary search, never a loop
// until a draw succeeds.

import type { Random } from "../util/random.js";
import type { CheckedObservations } from "./minibatch.js";

/** The items and users of a collection of observations, and each user's positives. */
export class Catalogue {
  /** Items: CSR of their rows of group B (global rows) and those rows' weights (undefined: all 1). */
  readonly itemIndptr: Uint32Array;
  readonly itemIndex: Uint32Array;
  readonly itemWeight: Float64Array | undefined;
  /** Each observation's user and item, for each collection given (in order). */
  readonly userOf: Uint32Array[];
  readonly itemOf: Uint32Array[];
  /** Each user's positive items as each collection knows them (its own and those before it), sorted: CSR over users. */
  readonly positivesIndptr: Uint32Array[];
  readonly positives: Uint32Array[];
  /** The most rows an item, and a user, has. */
  readonly widestItem: number;
  readonly widestUser: number;

  /**
   * The catalogue of observations (training, then validation: their users and items are one
   * catalogue) over a shape whose group B is rows n..n+m-1.
   */
  constructor(shape: { readonly n: number; readonly m: number }, ...collections: CheckedObservations[]) {
    const users = new Map<string, number>(),
      items = new Map<string, number>();
    const itemRows: number[] = [],
      itemWeights: number[] = [],
      itemStarts = [0];
    const weighted = collections.some((data) => data.weight !== undefined);
    let widestUser = 0,
      widestItem = 0;
    const key = (data: CheckedObservations, from: number, to: number) => {
      let text = "";
      for (let e = from; e < to; e++) text += `${data.index[e]}:${data.weight ? data.weight[e] : 1},`;
      return text;
    };
    this.userOf = [];
    this.itemOf = [];
    const singleRows = collections.every((data) => {
      for (let b = 0; b < data.count; b++) {
        const split = data.splits[b];
        if (data.indptr[b + 1] - split !== 1 || (data.weight !== undefined && data.weight[split] !== 1)) return false;
      }
      return true;
    });
    if (singleRows) {
      // every row of group B is an item, the row's place in the group its number
      for (let row = 0; row < shape.m; row++) {
        itemRows.push(shape.n + row);
        itemWeights.push(1);
        itemStarts.push(row + 1);
      }
    }
    for (const data of collections) {
      const userOf = new Uint32Array(data.count),
        itemOf = new Uint32Array(data.count);
      for (let b = 0; b < data.count; b++) {
        const first = data.indptr[b],
          split = data.splits[b],
          end = data.indptr[b + 1];
        const userKey = key(data, first, split);
        let user = users.get(userKey);
        if (user === undefined) users.set(userKey, (user = users.size));
        let item = singleRows ? data.index[split] - shape.n : items.get(key(data, split, end));
        if (item === undefined) {
          items.set(key(data, split, end), (item = items.size));
          for (let e = split; e < end; e++) {
            itemRows.push(data.index[e]);
            itemWeights.push(data.weight ? data.weight[e] : 1);
          }
          itemStarts.push(itemRows.length);
        }
        userOf[b] = user;
        itemOf[b] = item;
        widestUser = Math.max(widestUser, split - first);
        widestItem = Math.max(widestItem, end - split);
      }
      this.userOf.push(userOf);
      this.itemOf.push(itemOf);
    }
    this.itemIndptr = Uint32Array.from(itemStarts);
    this.itemIndex = Uint32Array.from(itemRows);
    this.itemWeight = weighted ? Float64Array.from(itemWeights) : undefined;
    this.widestItem = widestItem;
    this.widestUser = widestUser;
    // each user's distinct positive items, sorted, as each collection knows them
    const byUser: Set<number>[] = Array.from({ length: users.size }, () => new Set());
    this.positivesIndptr = [];
    this.positives = [];
    this.userOf.forEach((userOf, c) => {
      userOf.forEach((user, b) => byUser[user].add(this.itemOf[c][b]));
      const indptr = new Uint32Array(users.size + 1);
      const positives: number[] = [];
      byUser.forEach((set, user) => {
        positives.push(...[...set].sort((x, y) => x - y));
        indptr[user + 1] = positives.length;
      });
      this.positivesIndptr.push(indptr);
      this.positives.push(Uint32Array.from(positives));
    });
  }

  /** How many items there are. */
  get items(): number {
    return this.itemIndptr.length - 1;
  }

  /** How many users there are. */
  get users(): number {
    return this.positivesIndptr[0].length - 1;
  }

  /** How many positives a user has, as collection c knows them. */
  positiveCount(user: number, c = 0): number {
    return this.positivesIndptr[c][user + 1] - this.positivesIndptr[c][user];
  }

  /**
   * An item drawn uniformly among those the user has not seen (as collection `collection`
   * knows them), or -1 when the user has seen every item: the c-th item not among the sorted
   * positives p (its position is the first j with p_j - j > c, found by binary search).
   */
  drawNegative(user: number, random: Random, collection = 0): number {
    const indptr = this.positivesIndptr[collection],
      positives = this.positives[collection];
    const from = indptr[user],
      count = indptr[user + 1] - from;
    if (count >= this.items) return -1;
    const c = random.below(this.items - count);
    let lo = 0,
      hi = count;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (positives[from + mid] - mid > c) hi = mid;
      else lo = mid + 1;
    }
    return c + lo;
  }

  /** One of the user's positive items (as collection `collection` knows them), drawn uniformly (with replacement: k-OS WARP's draw). */
  drawPositive(user: number, random: Random, collection = 0): number {
    const from = this.positivesIndptr[collection][user];
    return this.positives[collection][from + random.below(this.positiveCount(user, collection))];
  }
}
