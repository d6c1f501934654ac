// Training's losses (docs/design.md §8): the loss of one observation and its derivative dL/dF,
// which weights the observation's gradient in phase 2 of a mini-batch.

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
 * The bpr loss of a pair, -log sigmoid(F+ - F-), and its slope with respect to F+ (the
 * negative score's slope is its opposite).
 */
export function pairLossAndSlope(positive: number, negative: number): [loss: number, slope: number] {
  const d = positive - negative;
  return [softplus(-d), -sigmoid(-d)];
}
