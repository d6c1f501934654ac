// A planted problem for training demos, tests and benchmarks: a hidden phi*, random
// observations (gate sets with a few rows of A and of B) and their targets from
// F(phi*; set), plus noise. A model trained on them should reach the noise floor.
// Plain ESM with no Node imports, so the browser demo uses it too.

import { generator } from "../dist/reference.js";

/**
 * @param {object} options
 * @param {number} options.n rows of group A
 * @param {number} options.m rows of group B
 * @param {number} options.k columns
 * @param {number} options.count observations
 * @param {"squared" | "logistic" | "bpr"} [options.loss] what the targets are for: reals
 *   F* + noise, labels drawn with probability sigmoid(F*), or (bpr) the positive B row: the best of
 *   `candidates` random B rows under F*
 * @param {number} [options.noise] standard deviation of the noise on F* (squared) [0.1]
 * @param {number} [options.signal] logistic: labels are drawn with probability sigmoid(signal F*),
 *   and F holds signal F* (the Bayes-optimal logits) [3]
 * @param {number} [options.maxRows] rows of each group per observation: 1 to maxRows [3]
 * @param {number} [options.candidates] bpr: B rows the positive is the best of [8]
 * @param {number} [options.seed] [1]
 * @returns {{ phi: Float64Array, observations: { indptr: Uint32Array, index: Uint32Array, y?: Float64Array }, F: Float64Array }}
 */
export function plantedProblem({
  n,
  m,
  k,
  count,
  loss = "squared",
  noise = 0.1,
  signal = 3,
  maxRows = 3,
  candidates = 8,
  seed = 1,
}) {
  const random = generator(seed);
  const normal = () => Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
  // E[F*^2] = E[rows of A] E[rows of B] k s^4 = 1 for about (maxRows + 1) / 2 rows a group
  const rows = (maxRows + 1) / 2;
  const s = (rows * rows * k) ** -0.25;
  const phi = Float64Array.from({ length: (n + m) * k }, () => s * normal());
  const pooledOf = (list) => {
    const u = new Float64Array(k);
    for (const r of list) for (let l = 0; l < k; l++) u[l] += phi[r * k + l];
    return u;
  };
  const dot = (u, v) => u.reduce((sum, x, l) => sum + x * v[l], 0);
  // `how` distinct rows of first..first+size-1 (all of them if the group has fewer)
  const pick = (first, size, how) => {
    const chosen = new Set();
    while (chosen.size < Math.min(how, size)) chosen.add(first + Math.floor(random() * size));
    return [...chosen].sort((a, b) => a - b);
  };
  const indptr = new Uint32Array(count + 1);
  const index = [];
  const y = new Float64Array(count);
  const F = new Float64Array(count);
  for (let b = 0; b < count; b++) {
    const a = pick(0, n, 1 + Math.floor(random() * maxRows));
    const u = pooledOf(a);
    let bRows;
    if (loss === "bpr") {
      // the positive: the best of a few random B rows under F*
      let best = -Infinity;
      for (const r of pick(n, m, candidates)) {
        const score = dot(u, pooledOf([r]));
        if (score > best) [best, bRows] = [score, [r]];
      }
    } else {
      bRows = pick(n, m, 1 + Math.floor(random() * maxRows));
    }
    F[b] = (loss === "logistic" ? signal : 1) * dot(u, pooledOf(bRows));
    y[b] = loss === "logistic" ? (random() < 1 / (1 + Math.exp(-F[b])) ? 1 : 0) : F[b] + noise * normal();
    index.push(...a, ...bRows);
    indptr[b + 1] = index.length;
  }
  const observations = { indptr, index: Uint32Array.from(index), ...(loss !== "bpr" && { y }) };
  return { phi, observations, F };
}

/** Observations first..end of a set of observations (targets and weights included). */
export function sliceObservations(observations, first, end) {
  const start = observations.indptr[first];
  const out = {
    indptr: observations.indptr.slice(first, end + 1).map((x) => x - start),
    index: observations.index.slice(start, observations.indptr[end]),
  };
  if (observations.weight) out.weight = observations.weight.slice(start, observations.indptr[end]);
  if (observations.y) out.y = observations.y.slice(first, end);
  if (observations.sampleWeight) out.sampleWeight = observations.sampleWeight.slice(first, end);
  return out;
}
