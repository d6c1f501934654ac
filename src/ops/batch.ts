// Batches of gate sets over one phi: the values F_b of every set, then the weighted sum of
// their gradients. Training computes w_b = L'(F_b) between the two calls; the second never
// reads phi: each set's gradient is rank one in its pooled sums, which the first returns.

import type { GradientOptions, DenseGateSets, FloatArray, GateSets, Shape } from "../util/types.js";
import { deliver, NO_INPUT, place, shapeText, type Input } from "./call.js";
import { requireEngine } from "../wasm/init.js";
import { layoutOf, settledBits } from "../wasm/planner.js";
import { ownRef, readFields, describe } from "../util/read.js";
import {
  checkGateSets,
  checkGradientOptions,
  checkNumbers,
  checkOut,
  checkPhi,
  checkShape,
  floatRef,
  precisionOfRef,
  gradientOptionFields,
  precisionOf,
  type CheckedGateSets,
} from "./checks.js";

/** What {@link batchPooled} returns: per set b, F_b and the pooled sums u_b, v_b. */
export interface BatchPooled<A extends FloatArray = FloatArray> {
  /** F_b = <u_b, v_b> of every set (length: number of sets). */
  readonly values: A;
  /** u_b of every set, one row of k after another (sets x k). */
  readonly u: A;
  /** v_b of every set (sets x k). */
  readonly v: A;
}

/** The arrays of a batch of sets, as inputs of a call: dense gates, or CSR (with each set's split). */
function setInputs(
  sets: CheckedGateSets,
  type: Input["type"],
): Record<"gates" | "indptr" | "index" | "splits" | "weight", Input> {
  const none = { data: NO_INPUT, type, name: "sets" };
  return sets.dense
    ? { gates: { data: sets.gates, type, name: "sets.gates" }, indptr: none, index: none, splits: none, weight: none }
    : {
        gates: none,
        indptr: { data: ownRef(sets.indptr, "Uint32Array"), type: Uint32Array, name: "sets.indptr" },
        index: { data: ownRef(sets.index, "Uint32Array"), type: Uint32Array, name: "sets.index" },
        splits: { data: ownRef(sets.splits, "Uint32Array"), type: Uint32Array, name: "sets" },
        weight: { data: sets.weight ?? NO_INPUT, type, name: "sets.weight" },
      };
}

/**
 * Phase 1 of a batch: for every gate set b, F_b and the pooled sums u_b, v_b. Sets are CSR
 * ({ indptr, index, weight? }: set b lists rows index[indptr[b]..indptr[b+1])) or dense
 * ({ gates, count }: count rows of n + m gates). Each set's rows are read once.
 *
 * @example
 * ```ts
 * const phi = new Float64Array([1, 2, 30, 40, 3, 4]); // A = rows 0-1, B = row 2
 * const sets = { indptr: new Uint32Array([0, 2, 4]), index: new Uint32Array([0, 2, 1, 2]) };
 * batchPooled(phi, sets, { n: 2, m: 1, k: 2 });
 * // { values: Float64Array [11, 250], u: Float64Array [1, 2, 30, 40], v: Float64Array [3, 4, 3, 4] }
 * ```
 */
export function batchPooled<A extends FloatArray>(
  phi: A,
  sets: GateSets<A> | DenseGateSets,
  shape: Shape,
): BatchPooled<A> {
  const caller = "batchPooled";
  const e = requireEngine(caller);
  const s = checkShape(caller, "shape", shape);
  const phiRef = checkPhi(caller, phi, s);
  const precision = precisionOfRef(phiRef);
  const checked = checkGateSets(caller, "sets", sets, s, precision);
  const K = e[precision];
  const { n, m, k } = s;
  const count = checked.count;
  const inputs = { phi: { data: phiRef, type: K.ArrayType, name: "phi" }, ...setInputs(checked, K.ArrayType) };
  const results = { u: count * k, v: count * k, values: count };
  const what = () => `a batch of ${count} ${shapeText(s)} ${precision} sets`;
  const p = place(caller, what, K, e.memory, { inputs, results, scratch: K.scratchBytes({ n, m, k }) });
  const { at } = p;
  // CSR sets without weights: weight 0 tells the kernels every weight is 1
  const weight = !checked.dense && checked.weight ? at.weight : 0;
  if (checked.dense) {
    const plan = settledBits("value", layoutOf(e, K, s.elements, k));
    K.batchPooledDense({
      n,
      m,
      k,
      phi: at.phi,
      sets: count,
      h: at.gates,
      u: at.u,
      v: at.v,
      values: at.values,
      scratch: p.scratch,
      plan,
    });
  } else {
    K.batchPooledListed({
      n,
      m,
      k,
      phi: at.phi,
      sets: count,
      indptr: at.indptr,
      index: at.index,
      weight,
      splits: at.splits,
      u: at.u,
      v: at.v,
      values: at.values,
      scratch: p.scratch,
    });
  }
  const result = (ptr: number, length: number) => deliver<A>(p, e.memory, length, undefined, ptr);
  return { values: result(at.values, count), u: result(at.u, count * k), v: result(at.v, count * k) };
}

/**
 * Phase 2 of a batch: scale * sum_b weights[b] * dF_b/dphi, from the pooled sums of
 * {@link batchPooled} (phi is not read again). For CSR sets the result holds one gradient
 * row per listed entry (index.length x k, in CSR order), unless `out` is (n + m) x k: then
 * rows that occur in several sets get the sum of their gradients, and without `accumulate`
 * every other row is zeroed. For dense sets the result is (n + m) x k.
 *
 * @example
 * ```ts
 * const phi = new Float64Array([1, 2, 30, 40, 3, 4]);
 * const sets = { indptr: new Uint32Array([0, 2, 4]), index: new Uint32Array([0, 2, 1, 2]) };
 * const shape = { n: 2, m: 1, k: 2 };
 * const p = batchPooled(phi, sets, shape);
 * batchGradient(sets, shape, p, [1, -1], { out: new Float64Array(6) });
 * // Float64Array [3, 4, -3, -4, -29, -38]: row 2 gets 1 * u_0 - 1 * u_1 = (1,2) - (30,40)
 * ```
 */
export function batchGradient<A extends FloatArray>(
  sets: GateSets<A> | DenseGateSets,
  shape: Shape,
  pooled: BatchPooled<A>,
  weights: ArrayLike<number>,
  options?: GradientOptions<A>,
): A {
  const caller = "batchGradient";
  const e = requireEngine(caller);
  const s = checkShape(caller, "shape", shape);
  if (typeof pooled !== "object" || pooled === null)
    throw new TypeError(`${caller}(): pooled must be what batchPooled() returned, got ${describe(pooled)}`);
  const o = gradientOptionFields(caller, options);
  const { u: uArg, v: vArg } = readFields(caller, "pooled", pooled, ["u", "v"]);
  const precision = precisionOf(caller, "pooled.u", uArg);
  const checked = checkGateSets(caller, "sets", sets, s, precision);
  const { n, m, k, elements } = s;
  const count = checked.count;
  const u = checkOut(caller, "pooled.u", uArg, precision, count * k, "sets * k", "pooled.u");
  const v = checkOut(caller, "pooled.v", vArg, precision, count * k, "sets * k", "pooled.u");
  const setWeights = checkNumbers(caller, "weights", weights, count, "the number of sets");
  const K = e[precision];
  const dense = checked.dense || (o.out !== undefined && floatRef(caller, "options.out", o.out).length === elements);
  const length = dense ? elements : (checked as { index: Uint32Array }).index.length * k;
  const formula = checked.dense ? "(n + m) * k" : "index.length * k (or (n + m) * k for every row)";
  const out =
    o.out === undefined ? undefined : checkOut(caller, "options.out", o.out, precision, length, formula, "pooled.u");
  const { scale, accumulate } = checkGradientOptions(caller, o);
  const add = accumulate && out !== undefined;
  const inputs = {
    u: { data: u, type: K.ArrayType, name: "pooled.u" },
    v: { data: v, type: K.ArrayType, name: "pooled.v" },
    setWeights: { data: ownRef(setWeights, "Float64Array"), type: K.ArrayType, name: "weights" },
    ...setInputs(checked, K.ArrayType),
  };
  const what = () => `a batch of ${count} ${shapeText(s)} ${precision} sets`;
  const call = { inputs, out: { array: out, elements: length, read: add }, scratch: K.scratchBytes({ n, m, k }) };
  const p = place(caller, what, K, e.memory, call);
  const { at } = p;
  if (checked.dense) {
    K.batchGradientDense({
      n,
      m,
      k,
      sets: count,
      h: at.gates,
      u: at.u,
      v: at.v,
      setWeights: at.setWeights,
      scale,
      out: p.out,
      accumulate: add,
      scratch: p.scratch,
    });
  } else {
    const weight = checked.weight ? at.weight : 0;
    K.batchGradientListed({
      n,
      m,
      k,
      sets: count,
      indptr: at.indptr,
      index: at.index,
      weight,
      splits: at.splits,
      u: at.u,
      v: at.v,
      setWeights: at.setWeights,
      scale,
      out: p.out,
      accumulate: add,
      dense,
      scratch: p.scratch,
    });
  }
  return deliver<A>(p, e.memory, length, out);
}
