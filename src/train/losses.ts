// Training's losses (docs/design.md §8): the loss of one observation and its derivative dL/dF,
// which weights the observation's gradient in phase 2 of a mini-batch.

import type { FloatArray } from "../util/types.js";
import { sigmoid, softplus } from "./metrics.js";

/**
 * squared: (F - y)^2; logistic: log-loss of sigmoid(F) against y in {0, 1}; bpr:
 * -log sigmoid(F+ - F-) against a negative drawn among the items the user has not seen; warp:
 * LightFM's weighted approximate-rank pairwise loss, L(rank) max(0, 1 - F+ + F-) against the
 * first drawn negative that violates the margin; warp-kos: warp whose positive is the k-th best
 * of n of the user's positives (docs/design.md §8).
 */
export type Loss = "squared" | "logistic" | "bpr" | "warp" | "warp-kos";

/** The loss of one observation of score F and target y, and its slope dL/dF. */
export function lossAndSlope(loss: "squared" | "logistic", F: number, y: number): [loss: number, slope: number] {
  if (loss === "squared") return [(F - y) ** 2, 2 * (F - y)];
  // logistic, y in {0, 1}: log(1 + exp(-s F)) with s = +-1
  const s = y > 0.5 ? 1 : -1;
  return [softplus(-s * F), -s * sigmoid(-s * F)];
}

/**
 * A batch's losses and slopes, without an array per observation: for each set b (observation
 * ids[b], score values[b]), slopes[b] = share_b L'(F_b), share_b being its sample weight over
 * batchWeight (or over 1 when that is 0), and sampleWeight L(F_b) added to lossSum in order
 * (sampleWeight undefined: every weight 1, the same bits without reading them). Returns the new
 * lossSum and the first set whose score is NaN or infinite (-1: none).
 */
export function batchLosses(
  loss: "squared" | "logistic",
  values: FloatArray,
  y: Float64Array,
  sampleWeight: Float64Array | undefined,
  ids: Uint32Array,
  batchWeight: number,
  slopes: FloatArray,
  lossSum: number,
): { lossSum: number; unscored: number } {
  const total = batchWeight || 1;
  let unscored = -1;
  for (let b = 0; b < ids.length; b++) {
    const id = ids[b],
      F = values[b],
      weight = sampleWeight ? sampleWeight[id] : 1,
      share = weight / total;
    // logistic's loss of F = Infinity, y = 1 is 0: the score itself is checked
    if (unscored < 0 && !Number.isFinite(F)) unscored = b;
    let slope: number;
    // the expressions of lossAndSlope, inlined (the same bits)
    if (loss === "squared") {
      lossSum += weight * (F - y[id]) ** 2;
      slope = 2 * (F - y[id]);
    } else {
      const s = y[id] > 0.5 ? 1 : -1;
      lossSum += weight * softplus(-s * F);
      slope = -s * sigmoid(-s * F);
    }
    slopes[b] = share * slope;
  }
  return { lossSum, unscored };
}

/**
 * The bpr loss of a pair, -log sigmoid(F+ - F-), and its slope with respect to F+ (the
 * negative score's slope is its opposite).
 */
export function pairLossAndSlope(positive: number, negative: number): [loss: number, slope: number] {
  const d = positive - negative;
  return [softplus(-d), -sigmoid(-d)];
}
