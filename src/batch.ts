// Batches of gate sets over one phi: the values F_b of every set, then the weighted sum of
// their gradients. Training computes w_b = L'(F_b) between the two calls; the second never
// reads phi: each set's gradient is rank one in its pooled sums, which the first returns.

import type { GradientOptions } from "./api.js";
import { deliver, place, shapeText, type Input } from "./call.js";
import { requireEngine } from "./loader.js";
import { compactFor } from "./tuning.js";
import type { DenseGateSets, FloatArray, GateSets, Shape } from "./types.js";
import {
  checkGateSets,
  checkGradientOptions,
  checkNumbers,
  checkOptions,
  checkOut,
  checkPhi,
  checkShape,
  describe,
  precisionOf,
  type CheckedGateSets,
} from "./validate.js";

/** What {@link batchPooled} returns: per set b, F_b and the pooled sums u_b, v_b. */
export interface BatchPooled<A extends FloatArray = FloatArray> {
  /** F_b = <u_b, v_b> of every set (length: number of sets). */
  readonly values: A;
  /** u_b of every set, one row of k after another (sets x k). */
  readonly u: A;
  /** v_b of every set (sets x k). */
  readonly v: A;
}

function setInputs(sets: CheckedGateSets, type: Input["type"]): Input[] {
  return sets.dense
    ? [{ data: sets.gates, type, name: "sets.gates" }]
    : [
        { data: sets.indptr, type: Uint32Array, name: "sets.indptr" },
        { data: sets.index, type: Uint32Array, name: "sets.index" },
        { data: sets.splits, type: Uint32Array, name: "sets" },
        ...(sets.weight ? [{ data: sets.weight, type, name: "sets.weight" }] : []),
      ];
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
  const s = checkShape(shape, caller);
  const precision = checkPhi(phi, s, caller);
  const checked = checkGateSets(sets, s, precision, caller);
  const K = e[precision];
  const { n, m, k } = s;
  const count = checked.count;
  const inputs = [{ data: phi, type: K.ArrayType, name: "phi" }, ...setInputs(checked, K.ArrayType)];
  const what = `a batch of ${count} ${shapeText(s)} ${precision} sets`;
  const p = place(caller, what, K, e.memory, inputs, count * (2 * k + 1), undefined, false, K.scratchBytes(n, m, k));
  const [phiAt, a, b, c, d = 0] = p.inputs;
  const bytes = K.bytesPerElement;
  const uAt = p.out,
    vAt = uAt + count * k * bytes,
    valuesAt = vAt + count * k * bytes;
  if (checked.dense) {
    const compact = compactFor(s.elements * bytes, k * bytes);
    K.batchPooledDense(n, m, k, phiAt, count, a, uAt, vAt, valuesAt, p.scratch, compact);
  } else {
    K.batchPooledListed(n, m, k, phiAt, count, a, b, d, c, uAt, vAt, valuesAt, p.scratch);
  }
  const copy = (ptr: number, length: number) =>
    deliver({ ...p, out: ptr, outInWasm: false }, e.memory, length, undefined) as A;
  return { values: copy(valuesAt, count), u: copy(uAt, count * k), v: copy(vAt, count * k) };
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
  const s = checkShape(shape, caller);
  if (typeof pooled !== "object" || pooled === null)
    throw new TypeError(`${caller}(): pooled must be what batchPooled() returned, got ${describe(pooled)}`);
  const o = checkOptions<GradientOptions<A>>(options, caller);
  const precision = precisionOf(pooled.u, caller, "pooled.u");
  const checked = checkGateSets(sets, s, precision, caller);
  const { n, m, k, elements } = s;
  const count = checked.count;
  checkOut(pooled.u, precision, count * k, "sets * k", caller, "pooled.u", "pooled.u");
  checkOut(pooled.v, precision, count * k, "sets * k", caller, "pooled.v", "pooled.u");
  checkNumbers(weights, "weights", caller, count, "the number of sets");
  const K = e[precision];
  const dense = checked.dense || (o.out as ArrayLike<number> | undefined)?.length === elements;
  const length = dense ? elements : (checked as { index: Uint32Array }).index.length * k;
  const formula = checked.dense ? "(n + m) * k" : "index.length * k (or (n + m) * k for every row)";
  const out =
    o.out === undefined
      ? undefined
      : (checkOut(o.out, precision, length, formula, caller, "options.out", "pooled.u") as A);
  const { scale, accumulate } = checkGradientOptions(o, caller);
  const add = accumulate && out !== undefined;
  const inputs = [
    { data: pooled.u, type: K.ArrayType, name: "pooled.u" },
    { data: pooled.v, type: K.ArrayType, name: "pooled.v" },
    { data: weights, type: K.ArrayType, name: "weights" },
    ...setInputs(checked, K.ArrayType),
  ];
  const what = `a batch of ${count} ${shapeText(s)} ${precision} sets`;
  const p = place(caller, what, K, e.memory, inputs, length, out, add, K.scratchBytes(n, m, k));
  const [uAt, vAt, weightsAt, a, b, c, d = 0] = p.inputs;
  if (checked.dense) {
    K.batchGradientDense(n, m, k, count, a, uAt, vAt, weightsAt, scale, p.out, add ? 1 : 0, p.scratch);
  } else {
    K.batchGradientListed(
      n,
      m,
      k,
      count,
      a,
      b,
      d,
      c,
      uAt,
      vAt,
      weightsAt,
      scale,
      p.out,
      add ? 1 : 0,
      dense ? 1 : 0,
      p.scratch,
    );
  }
  return deliver(p, e.memory, length, out);
}
