// Scoring observations with a model (docs/design.md §8): every observation's F, the pairs of a
// pairwise loss pooled, a pair's loss, and the mean loss of a collection of observations.

import type { Random } from "../util/random.js";
import type { FloatArray } from "../util/types.js";
import { lossOf, pairLossAndSlope, type Loss } from "./losses.js";
import { BatchBuffers, type Capacity, type CheckedObservations, type Scored } from "./minibatch.js";
import { choosePairs, pairCapacity, type Pair, type Pairing } from "./pairing.js";
import type { Catalogue } from "./pairs.js";

/**
 * The observations in chunks of `chunk` (one batch of buffers, freed at the end): `each`
 * gets the buffers, the chunk's observation ids and its first id.
 */
function inChunks(
  model: Scored,
  data: CheckedObservations,
  chunk: number,
  capacity: (size: number) => Capacity,
  caller: string,
  each: (buffers: BatchBuffers, ids: Uint32Array, start: number) => void,
): void {
  const size = Math.min(chunk, Math.max(1, data.count));
  const buffers = new BatchBuffers(
    model.engine,
    model.K,
    model.s,
    data,
    capacity(size),
    caller,
    model.fields !== undefined,
  );
  try {
    for (let start = 0; start < data.count; start += size) {
      each(
        buffers,
        Uint32Array.from({ length: Math.min(size, data.count - start) }, (_, i) => start + i),
        start,
      );
    }
  } finally {
    buffers.free();
  }
}

/** What a batch of `size` observations' own sets needs. */
export const ownCapacity =
  (data: CheckedObservations) =>
  (size: number): Capacity => ({ sets: size, entries: size * data.widest });

/** F of every observation. */
export function scores(model: Scored, data: CheckedObservations, caller: string): Float64Array {
  const out = new Float64Array(data.count);
  inChunks(model, data, 4096, ownCapacity(data), caller, (buffers, ids, start) => {
    const sets = buffers.gather(ids);
    out.set(buffers.poolSets(model, sets).subarray(0, sets), start);
  });
  return out;
}

/**
 * The pairs' sets (a positive and a negative set each: the user's rows of its observation, then
 * the item's rows), pooled: their F, F+ at 2i and F- at 2i + 1.
 */
export function poolPairs(
  model: Scored,
  buffers: BatchBuffers,
  data: CheckedObservations,
  ids: Uint32Array,
  catalogue: Catalogue,
  pairs: readonly Pair[],
): FloatArray {
  const sets = pairs.flatMap(({ b, positive, negative }) => [
    { id: ids[b], item: positive },
    { id: ids[b], item: negative },
  ]);
  return buffers.poolSets(model, buffers.itemSets(data, catalogue, sets, true));
}

/** A pair's loss and its slope with respect to F+ (F-'s is the opposite): bpr's, or warp's weighted hinge. */
export function pairLoss(loss: Pairing["loss"], pair: Pair, positive: number, negative: number): [number, number] {
  if (loss === "bpr") return pairLossAndSlope(positive, negative);
  const hinge = 1 - positive + negative;
  return hinge > 0 ? [pair.weight * hinge, -pair.weight] : [0, 0];
}

/**
 * The mean loss of the observations, sample-weighted; a pairwise loss draws its negatives from
 * `random` (an observation without a pair, as warp's whose draws all score below it, adds 0).
 */
export function meanLoss(
  model: Scored,
  data: CheckedObservations,
  loss: Loss,
  random: Random,
  caller: string,
  pairing?: Pairing,
): number {
  let sum = 0,
    weights = 0;
  for (let b = 0; b < data.count; b++) weights += data.sampleWeight[b];
  if (pairing) {
    const capacity = (size: number) => pairCapacity(pairing, size);
    inChunks(model, data, 1024, capacity, caller, (buffers, ids) => {
      const pairs = choosePairs(model, buffers, data, ids, pairing, random);
      const values = poolPairs(model, buffers, data, ids, pairing.catalogue, pairs);
      pairs.forEach((pair, i) => {
        sum += data.sampleWeight[ids[pair.b]] * pairLoss(pairing.loss, pair, values[2 * i], values[2 * i + 1])[0];
      });
    });
  } else {
    const F = scores(model, data, caller);
    for (let id = 0; id < data.count; id++)
      sum += data.sampleWeight[id] * lossOf(loss as "squared" | "logistic", F[id], data.y![id]);
  }
  return sum / (weights || 1);
}
