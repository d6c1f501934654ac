// A batch's pairs under a pairwise loss (docs/design.md §8), as LightFM defines them:
//
// - bpr: the observation's item against one item drawn among those its user has not seen;
// - warp: negatives drawn one after another (up to maxSampled) until one scores above the
//   positive minus 1; the pair is weighted by log(max(1, floor((items - 1) / draws))), at most
//   10 (the rank the draws estimate); an observation with no such draw has no pair;
// - warp-kos: as warp, but the positive is the k-th best scored of n of the user's positives
//   (drawn with replacement), and the weight log(max(1, floor(unseen / draws))), at most 10.
//
// A batch's draws are made first and scored together: each candidate item is pooled as a set
// of its own rows (one kernel call for the batch), and its score is <u_b, v_item> plus its
// linear terms, where u_b is the observation's own user. The first violating draw, in draw
// order, is the one LightFM's sequential loop would take.

import type { Random } from "../util/random.js";
import type { FloatArray } from "../util/types.js";
import type { BatchBuffers, CheckedObservations, Scored } from "./minibatch.js";
import { Catalogue } from "./pairs.js";

/** A pair of observation b of a batch: its user's positive item, a negative, and the pair's weight. */
export interface Pair {
  readonly b: number;
  readonly positive: number;
  readonly negative: number;
  readonly weight: number;
}

/** How pairs are chosen: the loss, the catalogue and which of its collections the data are, the draws. */
export interface Pairing {
  readonly loss: "bpr" | "warp" | "warp-kos";
  readonly catalogue: Catalogue;
  readonly collection: number;
  readonly maxSampled: number;
  readonly kos: { readonly k: number; readonly n: number };
}

/**
 * The pairing of a pairwise loss over observations of a shape (their catalogue of users and items; the
 * first collection is what draws are made for). RangeError naming `name` when an observation
 * lists no row of group B (it has no item) or when every user has seen every item (there is no
 * negative to draw).
 */
export function pairingOf(
  caller: string,
  loss: Pairing["loss"],
  draws: { readonly maxSampled: number; readonly kos: Pairing["kos"] },
  shape: { readonly n: number; readonly m: number },
  name: string,
  ...collections: CheckedObservations[]
): Pairing {
  for (const data of collections) {
    for (let b = 0; b < data.count; b++) {
      if (data.splits[b] === data.indptr[b + 1])
        throw new RangeError(
          `${caller}(): ${data === collections[0] ? name : "options.validation"}: observation ${b} lists no row of group B; ${loss} needs its item`,
        );
    }
  }
  const catalogue = new Catalogue(shape, ...collections);
  // the users draws are made for are the first collection's (a validation-only user is never drawn for)
  const drawable = catalogue.userOf[0].some((user) => catalogue.positiveCount(user) < catalogue.items);
  if (collections[0].count > 0 && !drawable)
    throw new RangeError(
      `${caller}(): ${name}: every user has seen all ${catalogue.items} items, so ${loss} has no negative to draw`,
    );
  return { loss, catalogue, collection: 0, maxSampled: draws.maxSampled, kos: draws.kos };
}

/** LightFM's cap on a pair's weight (MAX_LOSS). */
const MAX_WEIGHT = 10;

/** The sets a batch of `size` observations needs, at most, to choose its pairs and train on them. */
export function pairCapacity(pairing: Pairing, size: number): { sets: number; entries: number } {
  const { catalogue: c, loss, maxSampled, kos } = pairing;
  const draws = loss === "bpr" ? 0 : loss === "warp" ? maxSampled : Math.max(maxSampled, kos.n);
  const sets = Math.max(2 * size, size * draws);
  return { sets, entries: Math.max(2 * size * (c.widestUser + c.widestItem), size * draws * c.widestItem) };
}

/** The pairs of the observations `ids` (their position b in the batch), drawing with `random`. */
export function choosePairs(
  model: Scored,
  buffers: BatchBuffers,
  data: CheckedObservations,
  ids: Uint32Array,
  pairing: Pairing,
  random: Random,
): Pair[] {
  const { catalogue, collection } = pairing;
  const userOf = catalogue.userOf[collection],
    itemOf = catalogue.itemOf[collection];
  const pairs: Pair[] = [];
  if (pairing.loss === "bpr") {
    ids.forEach((id, b) => {
      const negative = catalogue.drawNegative(userOf[id], random, collection);
      if (negative >= 0) pairs.push({ b, positive: itemOf[id], negative, weight: 1 });
    });
    return pairs;
  }
  const scorer = new Scorer(model, buffers, data, catalogue, ids);
  // the positive of each observation, and its score
  const positive = Uint32Array.from(ids, (id) => itemOf[id]);
  const above = Float64Array.from(scorer.own);
  if (pairing.loss === "warp-kos") {
    const { k, n } = pairing.kos;
    const drawn = [...ids].flatMap((id, b) =>
      Array.from({ length: Math.min(n, catalogue.positiveCount(userOf[id], collection)) }, () => ({
        b,
        id,
        item: catalogue.drawPositive(userOf[id], random, collection),
      })),
    );
    const scores = scorer.score(drawn);
    let at = 0;
    ids.forEach((id, b) => {
      const count = Math.min(n, catalogue.positiveCount(userOf[id], collection));
      const order = Array.from({ length: count }, (_, j) => at + j).sort((x, y) => scores[y] - scores[x]);
      const chosen = order[Math.min(k, count) - 1];
      positive[b] = drawn[chosen].item;
      above[b] = scores[chosen];
      at += count;
    });
  }
  // the negatives of each observation, drawn in order, then scored together
  const drawn = [...ids].flatMap((id, b) => {
    const user = userOf[id];
    const count = catalogue.positiveCount(user, collection) >= catalogue.items ? 0 : pairing.maxSampled;
    return Array.from({ length: count }, () => ({ b, id, item: catalogue.drawNegative(user, random, collection) }));
  });
  const scores = scorer.score(drawn);
  let at = 0;
  ids.forEach((id, b) => {
    const user = userOf[id];
    const count = catalogue.positiveCount(user, collection) >= catalogue.items ? 0 : pairing.maxSampled;
    for (let j = 0; j < count; j++) {
      if (!(scores[at + j] > above[b] - 1)) continue;
      const ranks =
        pairing.loss === "warp" ? catalogue.items - 1 : catalogue.items - catalogue.positiveCount(user, collection);
      const weight = Math.min(MAX_WEIGHT, Math.log(Math.max(1, Math.floor(ranks / (j + 1)))));
      pairs.push({ b, positive: positive[b], negative: drawn[at + j].item, weight });
      break;
    }
    at += count;
  });
  return pairs;
}

/**
 * Scores items against a batch's users: each observation's own set pooled first (its F, and
 * its u_b kept), then any list of (observation, item) candidates pooled as sets of the item's
 * rows, each scored <u_b, v_item> + the item's linear terms + the user's.
 */
class Scorer {
  /** Each observation's own F. */
  readonly own: Float64Array;
  readonly #u: Float64Array;
  /** Each observation's user's linear terms (without w0, which the items' sets carry). */
  readonly #userLinear: Float64Array;
  readonly #k: number;

  constructor(
    readonly model: Scored,
    readonly buffers: BatchBuffers,
    readonly data: CheckedObservations,
    readonly catalogue: Catalogue,
    readonly ids: Uint32Array,
  ) {
    const k = (this.#k = model.s.k);
    const values = buffers.poolSets(model, buffers.gather(ids));
    this.own = Float64Array.from(values.subarray(0, ids.length));
    this.#u = Float64Array.from(buffers.views().u.subarray(0, ids.length * k));
    const w = model.linear && model.engine.memory.view(model.K.ArrayType, model.linear.w, model.s.rows);
    this.#userLinear = Float64Array.from(ids, (id) => {
      let sum = 0;
      if (w)
        for (let e = data.indptr[id]; e < data.splits[id]; e++)
          sum += (data.weight ? data.weight[e] : 1) * w[data.index[e]];
      return sum;
    });
  }

  /** The scores of candidates: an item against the user of observation `id`, at position b in the batch. */
  score(candidates: readonly { readonly b: number; readonly id: number; readonly item: number }[]): Float64Array {
    const scores = new Float64Array(candidates.length);
    if (candidates.length === 0) return scores;
    const { buffers, data, catalogue, model } = this;
    const values: FloatArray = buffers.poolSets(model, buffers.itemSets(data, catalogue, candidates, false));
    const v = buffers.views().v,
      k = this.#k,
      u = this.#u;
    candidates.forEach(({ b }, c) => {
      let dot = 0;
      for (let l = 0; l < k; l++) dot += u[b * k + l] * v[c * k + l];
      scores[c] = dot + values[c] + this.#userLinear[b];
    });
    return scores;
  }
}
