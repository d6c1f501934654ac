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

/** The sign s of logistic's loss log(1 + exp(-s F)) for a label y in {0, 1}. */
const sign = (y: number): number => (y > 0.5 ? 1 : -1);

/** Each loss of one observation, L(F) against target y, and its slope dL/dF, as functions. */
const pointwise = {
  squared: { loss: (F: number, y: number) => (F - y) ** 2, slope: (F: number, y: number) => 2 * (F - y) },
  logistic: {
    loss: (F: number, y: number) => softplus(-sign(y) * F),
    slope: (F: number, y: number) => -sign(y) * sigmoid(-sign(y) * F),
  },
};

/** The loss of one observation of score F and target y. */
export function lossOf(loss: "squared" | "logistic", F: number, y: number): number {
  return pointwise[loss].loss(F, y);
}

/**
 * A batch's losses and slopes, without an array per observation: for each of its first `count`
 * sets b (score values[b], target y[b], sample weight sampleWeight[b]), slopes[b] = share_b
 * L'(F_b), share_b being its sample weight over batchWeight (or over 1 when that is 0), and
 * sampleWeight L(F_b) added to lossSum in order. Returns the new lossSum and the first set whose
 * score is NaN or infinite (-1: none).
 */
export function batchLosses(
  loss: "squared" | "logistic",
  values: FloatArray,
  y: Float64Array,
  sampleWeight: Float64Array,
  count: number,
  batchWeight: number,
  slopes: FloatArray,
  lossSum: number,
): { lossSum: number; unscored: number } {
  const total = batchWeight || 1;
  let unscored = -1;
  // the loss's functions, chosen once: a branch on the loss in the loop whose other arm never
  // ran left V8 without types there, lossSum a boxed number and one allocation an observation
  const { loss: lossOf, slope: slopeOf } = pointwise[loss];
  for (let b = 0; b < count; b++) {
    const F = values[b],
      weight = sampleWeight[b];
    // logistic's loss of F = Infinity, y = 1 is 0: the score itself is checked
    if (unscored < 0 && !Number.isFinite(F)) unscored = b;
    lossSum += weight * lossOf(F, y[b]);
    slopes[b] = (weight / total) * slopeOf(F, y[b]);
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
