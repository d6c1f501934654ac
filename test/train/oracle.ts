// Shared by the tests of src/train: a model's score, loss and gradient written out by hand in
// float64, knowing nothing of the kernels, the batch buffers or the optimizer's code. A set is
// the rows it lists with their gates; rows below n are group A, the rest group B, and
//
//     F = <u, v> + sum_r h_r w_r + w0,   u = sum_{r in A} h_r phi_r,   v = sum_{r in B} h_r phi_r.
import type { FloatArray, Model, Observations } from "../../src/index.js";

/** The parameters of a model, in float64: phi ((n + m) x k), w (n + m; zeros without linear terms), w0. */
export interface Params {
  readonly n: number;
  readonly k: number;
  readonly phi: Float64Array;
  readonly w: Float64Array;
  w0: number;
}

/** A gate set: rows (group A first, then B, each increasing) and a gate each. */
export interface GateSet {
  readonly rows: readonly number[];
  readonly gates: readonly number[];
}

/** The gradient of a sum of weighted scores (and penalties) with respect to phi, w and w0. */
export interface Gradient {
  readonly phi: Float64Array;
  readonly w: Float64Array;
  w0: number;
}

/** A copy of a model's parameters, in float64 (w and w0 zero for a model without linear terms). */
export function paramsOf(model: Model): Params {
  const { n, m, k } = model.shape;
  return {
    n,
    k,
    phi: Float64Array.from(model.phi),
    w: model.linear ? Float64Array.from(model.w) : new Float64Array(n + m),
    w0: model.linear ? model.w0 : 0,
  };
}

export function zeroGradient(p: Params): Gradient {
  return { phi: new Float64Array(p.phi.length), w: new Float64Array(p.w.length), w0: 0 };
}

/** Observation b as a gate set. */
export function setOf(data: Observations, b: number): GateSet {
  const rows: number[] = [],
    gates: number[] = [];
  for (let e = data.indptr[b]; e < data.indptr[b + 1]; e++) {
    rows.push(data.index[e]);
    gates.push(data.weight ? data.weight[e] : 1);
  }
  return { rows, gates };
}

/** Observation b's user part (its rows of group A) and item part (its rows of B). */
export function partsOf(data: Observations, n: number, b: number): { user: GateSet; item: GateSet } {
  const { rows, gates } = setOf(data, b);
  const split = rows.findIndex((r) => r >= n);
  const at = split < 0 ? rows.length : split;
  return {
    user: { rows: rows.slice(0, at), gates: gates.slice(0, at) },
    item: { rows: rows.slice(at), gates: gates.slice(at) },
  };
}

/** A user's rows followed by an item's: the set a pairwise loss scores. */
export const joined = (user: GateSet, item: GateSet): GateSet => ({
  rows: [...user.rows, ...item.rows],
  gates: [...user.gates, ...item.gates],
});

/** u, v and F of a set. */
export function score(p: Params, set: GateSet): { u: Float64Array; v: Float64Array; F: number } {
  const { n, k } = p;
  const u = new Float64Array(k),
    v = new Float64Array(k);
  let linear = p.w0;
  set.rows.forEach((r, e) => {
    const h = set.gates[e];
    const side = r < n ? u : v;
    for (let l = 0; l < k; l++) side[l] += h * p.phi[r * k + l];
    linear += h * p.w[r];
  });
  let F = linear;
  for (let l = 0; l < k; l++) F += u[l] * v[l];
  return { u, v, F };
}

/** The sum of |terms| behind a set's F: its scale for a rounding error bound. */
export function magnitude(p: Params, set: GateSet): number {
  const abs: Params = { ...p, phi: p.phi.map(Math.abs), w: p.w.map(Math.abs), w0: Math.abs(p.w0) };
  return score(abs, { rows: set.rows, gates: set.gates.map(Math.abs) }).F;
}

/** g += c dF/dparams of a set: h_r v (r in A), h_r u (r in B), h_r for w_r, 1 for w0. */
export function addScoreGradient(p: Params, set: GateSet, c: number, g: Gradient): void {
  const { n, k } = p;
  const { u, v } = score(p, set);
  set.rows.forEach((r, e) => {
    const h = set.gates[e];
    const other = r < n ? v : u;
    for (let l = 0; l < k; l++) g.phi[r * k + l] += c * h * other[l];
    g.w[r] += c * h;
  });
  g.w0 += c;
}

/** g += c d|params_r|^2 = 2 c phi_r (and 2 c w_r): a penalty on row r. */
export function addPenaltyGradient(p: Params, r: number, c: number, g: Gradient): void {
  for (let l = 0; l < p.k; l++) g.phi[r * p.k + l] += 2 * c * p.phi[r * p.k + l];
  g.w[r] += 2 * c * p.w[r];
}

const softplus = (x: number): number => (x > 0 ? x + Math.log1p(Math.exp(-x)) : Math.log1p(Math.exp(x)));
const sigmoid = (x: number): number => 1 / (1 + Math.exp(-x));

/** An observation's loss and its slope dL/dF: squared (F - y)^2, logistic log(1 + exp(-s F)), s = 2y - 1. */
export function pointLoss(loss: "squared" | "logistic", F: number, y: number): [number, number] {
  if (loss === "squared") return [(F - y) ** 2, 2 * (F - y)];
  const s = 2 * y - 1;
  return [softplus(-s * F), -s * sigmoid(-s * F)];
}

/** BPR's loss of a pair, -log sigmoid(F+ - F-), and its slope with respect to F+. */
export function bprLoss(positive: number, negative: number): [number, number] {
  const d = positive - negative;
  return [softplus(-d), -sigmoid(-d)];
}

/** The sample weights of observations (all 1 when not given). */
export function sampleWeights(data: Observations): number[] {
  const count = data.indptr.length - 1;
  return Array.from({ length: count }, (_, b) => (data.sampleWeight ? data.sampleWeight[b] : 1));
}

/**
 * The mean loss of a batch of observations (sample-weighted) and its gradient, without any
 * penalty: what one step of training on the batch descends.
 */
export function batchLoss(
  p: Params,
  data: Observations,
  loss: "squared" | "logistic",
  ids: readonly number[] = Array.from({ length: data.indptr.length - 1 }, (_, b) => b),
): { loss: number; gradient: Gradient } {
  const s = sampleWeights(data);
  const total = ids.reduce((sum, b) => sum + s[b], 0) || 1;
  const gradient = zeroGradient(p);
  let sum = 0;
  for (const b of ids) {
    const set = setOf(data, b);
    const [L, slope] = pointLoss(loss, score(p, set).F, data.y![b]);
    sum += s[b] * L;
    addScoreGradient(p, set, (s[b] / total) * slope, gradient);
  }
  return { loss: sum / total, gradient };
}

/** Plain SGD: params - lr gradient, for every part. */
export function sgdStep(p: Params, g: Gradient, lr: number): Params {
  return {
    n: p.n,
    k: p.k,
    phi: p.phi.map((x, i) => x - lr * g.phi[i]),
    w: p.w.map((x, r) => x - lr * g.w[r]),
    w0: p.w0 - lr * g.w0,
  };
}

/** Worst |actual - expected| / (tolerance (|expected| + floor)) over the entries: at most 1 passes. */
export function worstError(
  actual: ArrayLike<number>,
  expected: ArrayLike<number>,
  tolerance: number,
  floor: number,
): number {
  if (actual.length !== expected.length) throw new Error(`length ${actual.length} != ${expected.length}`);
  let worst = 0;
  for (let i = 0; i < actual.length; i++) {
    const error = Math.abs(actual[i] - expected[i]) / (tolerance * (Math.abs(expected[i]) + floor));
    if (!(error <= worst)) worst = error; // NaN sticks
  }
  return worst;
}

/** The parameters of a model, as one array (phi, then w and w0): what an exact comparison compares. */
export function block(model: Model): FloatArray {
  const phi = model.phi;
  if (!model.linear) return phi.slice();
  const out = new (phi.constructor as Float32ArrayConstructor)(phi.length + model.w.length + 1);
  out.set(phi);
  out.set(model.w, phi.length);
  out[out.length - 1] = model.w0;
  return out;
}
