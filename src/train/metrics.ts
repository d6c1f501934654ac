// Metrics for predictions against targets, in float64.

import { describe } from "../util/read.js";
import { checkNumbers } from "../ops/checks.js";

/** Two arrays of numbers of the same length, read once; TypeError or RangeError naming the one at fault. */
function checkPair(caller: string, names: [string, string], a: unknown, b: unknown): [Float64Array, Float64Array] {
  const first = checkNumbers(caller, names[0], a, undefined, "");
  return [first, checkNumbers(caller, names[1], b, first.length, `${names[0]}.length`)];
}

/**
 * Root mean squared error of predictions against targets.
 *
 * @example
 * ```ts
 * rmse([1, 2, 3], [1, 2, 5]); // sqrt(4 / 3) = 1.1547...
 * ```
 */
export function rmse(predictionsArg: ArrayLike<number>, targetsArg: ArrayLike<number>): number {
  const [predictions, targets] = checkPair("rmse", ["predictions", "targets"], predictionsArg, targetsArg);
  let sum = 0;
  for (let i = 0; i < predictions.length; i++) sum += (predictions[i] - targets[i]) ** 2;
  return predictions.length ? Math.sqrt(sum / predictions.length) : NaN;
}

/**
 * Mean absolute error of predictions against targets: with ratings, in rating units (Surprise
 * reports it beside RMSE).
 *
 * @example
 * ```ts
 * mae([1, 2, 3], [1, 2, 5]); // 2 / 3 = 0.6666...
 * ```
 */
export function mae(predictionsArg: ArrayLike<number>, targetsArg: ArrayLike<number>): number {
  const [predictions, targets] = checkPair("mae", ["predictions", "targets"], predictionsArg, targetsArg);
  let sum = 0;
  for (let i = 0; i < predictions.length; i++) sum += Math.abs(predictions[i] - targets[i]);
  return predictions.length ? sum / predictions.length : NaN;
}

/** log(1 + exp(x)) without overflow. */
export function softplus(x: number): number {
  return x > 0 ? x + Math.log1p(Math.exp(-x)) : Math.log1p(Math.exp(x));
}

/**
 * 1 / (1 + exp(-x)) without overflow: the probability of a logistic model's score.
 *
 * @example
 * ```ts
 * sigmoid(0); // 0.5
 * ```
 */
export function sigmoid(x: number): number {
  if (typeof x !== "number") throw new TypeError(`sigmoid(): x must be a number, got ${describe(x)}`);
  if (x >= 0) return 1 / (1 + Math.exp(-x));
  const e = Math.exp(x);
  return e / (1 + e);
}

/**
 * Mean log-loss (binary cross-entropy) of scores taken as logits (the model's F) against
 * labels 0/1, computed stably from the logits.
 *
 * @example
 * ```ts
 * logLoss([0, 0], [0, 1]); // log 2 = 0.6931...
 * ```
 */
export function logLoss(logitsArg: ArrayLike<number>, labelsArg: ArrayLike<number>): number {
  const [logits, labels] = checkPair("logLoss", ["logits", "labels"], logitsArg, labelsArg);
  let sum = 0;
  for (let i = 0; i < logits.length; i++) sum += softplus(labels[i] > 0.5 ? -logits[i] : logits[i]);
  return logits.length ? sum / logits.length : NaN;
}

/**
 * Area under the ROC curve of scores for labels 0/1: the probability that a random positive
 * scores above a random negative (ties count one half). NaN without both classes.
 *
 * @example
 * ```ts
 * auc([0.1, 0.4, 0.35, 0.8], [0, 0, 1, 1]); // 0.75
 * ```
 */
export function auc(scoresArg: ArrayLike<number>, labelsArg: ArrayLike<number>): number {
  const [scores, labels] = checkPair("auc", ["scores", "labels"], scoresArg, labelsArg);
  const order = Array.from({ length: scores.length }, (_, i) => i).sort((a, b) => scores[a] - scores[b]);
  // rank-sum (Mann-Whitney U) with average ranks for ties
  let rankSum = 0,
    positives = 0;
  for (let i = 0; i < order.length;) {
    let j = i;
    while (j < order.length && scores[order[j]] === scores[order[i]]) j++;
    const rank = (i + j + 1) / 2;
    for (let t = i; t < j; t++) {
      if (labels[order[t]] > 0.5) {
        rankSum += rank;
        positives++;
      }
    }
    i = j;
  }
  const negatives = order.length - positives;
  if (positives === 0 || negatives === 0) return NaN;
  return (rankSum - (positives * (positives + 1)) / 2) / (positives * negatives);
}
