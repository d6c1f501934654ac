// The copying API: plain arrays in, new arrays (or `out`) back, for dense and sparse gates.

import { deliver, placeGated, shapeText, type Call, type PlacedGated } from "./call.js";
import { requireEngine } from "../wasm/init.js";
import type { Engine, PrecisionKernels } from "../wasm/loader.js";
import type { WasmMemory } from "../wasm/memory.js";
import {
  cachedBits,
  layoutOf,
  oneLoopBits,
  runPlanned,
  type Layout,
  type PlanCache,
  type PlanJob,
} from "../wasm/planner.js";
import { ownRef, type ArrayRef } from "../util/read.js";
import type { FloatArray, GateGradientOptions, Gates, GradientOptions, Pooled, Shape } from "../util/types.js";
import {
  checkAnyGates,
  checkGradientOptions,
  checkOut,
  checkPhi,
  checkShape,
  floatRef,
  precisionOfRef,
  gradientOptionFields,
  type CheckedGates,
  type CheckedShape,
} from "./checks.js";
import { checkOptions } from "../util/checks.js";

/** A checked call: the engine's kernels and memory, the shape and the gates. */
interface CheckedCall {
  readonly caller: string;
  readonly engine: Engine;
  readonly K: PrecisionKernels;
  readonly memory: WasmMemory;
  readonly s: CheckedShape;
  readonly phi: ArrayRef;
  readonly gates: CheckedGates;
}

function checkCall(caller: string, phi: unknown, h: unknown, shape: unknown): CheckedCall {
  const e = requireEngine(caller);
  const s = checkShape(caller, "shape", shape);
  const phiRef = checkPhi(caller, phi, s);
  const precision = precisionOfRef(phiRef);
  return {
    caller,
    engine: e,
    K: e[precision],
    memory: e.memory,
    s,
    phi: phiRef,
    gates: checkAnyGates(caller, h, s, precision),
  };
}

/** Places phi and the gates, the pooled sums (`pooled`: u and v of k elements each), `out` and the scratch for the kernels. */
function placeCall(c: CheckedCall, pooled = false, out?: Call<string, string>["out"]): PlacedGated {
  const { K, s, gates } = c;
  const what = () => `a ${shapeText(s)} ${K.precision} call`;
  const sparse = gates.sparse;
  return placeGated(
    c.caller,
    what,
    K,
    c.memory,
    c.phi,
    sparse ? ownRef(gates.index, "Uint32Array") : gates.h,
    sparse,
    // sparse gates without weights: weight 0 tells the kernels every weight is 1
    sparse ? gates.weight : undefined,
    pooled ? s.k : 0,
    out,
    K.scratchBytes({ n: s.n, m: s.m, k: s.k }),
  );
}

/** A dense call of `job` with the plan of its size class (docs/design.md §6): `call(plan)` runs the kernel. */
function planned<R>(c: CheckedCall, p: PlacedGated, job: PlanJob, call: (plan: number) => R, timed = true): R {
  const { K, s } = c;
  const one = oneLoopBits(job, s.n, s.m, c.engine.smallRows);
  if (one >= 0) return call(one);
  // a loop of calls of one shape asks the planner once: its class's settled choice is remembered
  const last = LAST_CLASS[job];
  if (last.K !== K || last.elements !== s.elements || last.k !== s.k) {
    Object.assign(last, { K, elements: s.elements, k: s.k, layout: layoutOf(c.engine, K, s.elements, s.k) });
    last.cache = { generation: -1, bits: 0 };
  }
  const bits = cachedBits(last.cache);
  if (bits >= 0) return call(bits);
  return runPlanned(
    job,
    last.layout!,
    () => new K.ArrayType(c.memory.buffer, p.gates, s.rows),
    call,
    last.cache,
    timed,
  );
}

/** The shape each job was last called on, its layout and its plan's cache (runPlanned checks it is current). */
interface LastClass {
  K: PrecisionKernels | undefined;
  elements: number;
  k: number;
  layout: Layout | undefined;
  cache: PlanCache;
}
const lastClass = (): LastClass => ({
  K: undefined,
  elements: -1,
  k: -1,
  layout: undefined,
  cache: { generation: -1, bits: 0 },
});
const LAST_CLASS: Record<PlanJob, LastClass> = {
  value: lastClass(),
  valueAndGradient: lastClass(),
  gateGradient: lastClass(),
};

/**
 * F(h; phi) = sum over i in A, j in B of h_i h_j <phi_i, phi_j>, computed as <u, v> in
 * O((n + m) k) (O(index.length k) with sparse gates whose phi lives in wasm memory). An f32
 * call returns exactly the f32 result.
 *
 * @param phi - (n + m) x k, row-major; Float32Array for f32, Float64Array for f64 kernels.
 * @param h - one gate per row (length n + m), or sparse gates { index, weight? }; a gate of
 *   exactly 0 makes its row absent.
 * @param shape - rows 0..n-1 form group A, rows n..n+m-1 group B, k components each.
 * @example
 * ```ts
 * // A = rows 0-1, B = row 2, k = 2; the gate of row 1 is off
 * const phi = new Float64Array([1, 2, 30, 40, 3, 4]);
 * value(phi, [1, 0, 1], { n: 2, m: 1, k: 2 }); // <(1,2), (3,4)> = 11
 * value(phi, { index: new Uint32Array([0, 2]) }, { n: 2, m: 1, k: 2 }); // the same gates: 11
 * ```
 */
export function value(phi: FloatArray, h: Gates, shape: Shape): number {
  const c = checkCall("value", phi, h, shape);
  const p = placeCall(c);
  const { n, m, k } = c.s;
  const g = c.gates;
  return g.sparse
    ? c.K.sparseValue({
        n,
        m,
        k,
        phi: p.phi,
        count: g.index.length,
        index: p.gates,
        weight: p.weight,
        split: g.split,
        scratch: p.scratch,
      })
    : planned(c, p, "value", (plan) => c.K.value({ n, m, k, phi: p.phi, h: p.gates, scratch: p.scratch, plan }));
}

/**
 * dF/dphi: row r of A gets h_r v, row r of B gets h_r u; rows whose gate is 0 get exact zeros.
 * With options: out (+)= scale * dF/dphi. With sparse gates the result holds the listed
 * rows only (index.length x k, in list order), unless `out` is (n + m) x k: then each listed
 * row's gradient goes to its own row, and without `accumulate` every other row is zeroed.
 *
 * @returns `out`, or a new array of phi's type.
 * @example
 * ```ts
 * const phi = new Float64Array([1, 2, 30, 40, 3, 4]);
 * gradient(phi, [1, 0, 1], { n: 2, m: 1, k: 2 });
 * // Float64Array [3, 4, 0, 0, 1, 2]: row 0 gets v = (3,4), row 1 is off, row 2 gets u = (1,2)
 * gradient(phi, [1, 0, 1], { n: 2, m: 1, k: 2 }, { scale: -0.5 });
 * // Float64Array [-1.5, -2, 0, 0, -0.5, -1]
 * gradient(phi, { index: new Uint32Array([0, 2]) }, { n: 2, m: 1, k: 2 });
 * // Float64Array [3, 4, 1, 2]: the rows of 0 and 2
 * ```
 */
export function gradient<A extends FloatArray>(phi: A, h: Gates, shape: Shape, options?: GradientOptions<A>): A {
  return valueAndGradientCall("gradient", phi, h, shape, options).gradient;
}

/**
 * F and dF/dphi from one pass over phi (the gradient never reads phi again: it is rank one
 * per group). Options and sparse layout as {@link gradient}; `value` is F itself, not scaled.
 *
 * @example
 * ```ts
 * const phi = new Float32Array([1, 2, 30, 40, 3, 4]);
 * const { value, gradient } = valueAndGradient(phi, [1, 0, 1], { n: 2, m: 1, k: 2 });
 * // value 11, gradient Float32Array [3, 4, 0, 0, 1, 2]
 * ```
 */
export function valueAndGradient<A extends FloatArray>(
  phi: A,
  h: Gates,
  shape: Shape,
  options?: GradientOptions<A>,
): { value: number; gradient: A } {
  return valueAndGradientCall("valueAndGradient", phi, h, shape, options);
}

function valueAndGradientCall<A extends FloatArray>(
  caller: string,
  phiArg: A,
  h: Gates,
  shape: Shape,
  options: GradientOptions<A> | undefined,
): { value: number; gradient: A } {
  const c = checkCall(caller, phiArg, h, shape);
  const o = gradientOptionFields(caller, options);
  const { n, m, k, elements } = c.s;
  // a sparse call's out is dense if it has (n + m) k elements, else it holds the listed rows
  const dense = !c.gates.sparse || (o.out !== undefined && floatRef(caller, "options.out", o.out).length === elements);
  const length = dense ? elements : (c.gates as { index: Uint32Array }).index.length * k;
  const formula = c.gates.sparse ? "index.length * k (or (n + m) * k for every row)" : "(n + m) * k";
  const out = o.out === undefined ? undefined : checkOut(caller, "options.out", o.out, c.K.precision, length, formula);
  const { scale, accumulate } = checkGradientOptions(caller, o);
  const add = accumulate && out !== undefined;
  const p = placeCall(c, false, { array: out, elements: length, read: add });
  const g = c.gates;
  const F = g.sparse
    ? c.K.sparseValueAndGradient({
        n,
        m,
        k,
        phi: p.phi,
        count: g.index.length,
        index: p.gates,
        weight: p.weight,
        split: g.split,
        out: p.out,
        scale,
        accumulate: add,
        dense,
        scratch: p.scratch,
      })
    : planned(
        c,
        p,
        "valueAndGradient",
        (plan) =>
          c.K.valueAndGradient({
            n,
            m,
            k,
            phi: p.phi,
            h: p.gates,
            out: p.out,
            scale,
            accumulate: add,
            scratch: p.scratch,
            plan,
          }),
        !add,
      );
  return { value: F, gradient: deliver(p, c.memory, length, out) };
}

/**
 * dF/dh: <phi_r, v> for r in A, <phi_r, u> for r in B, for every row (also those whose gate
 * is 0: that is how much switching the row on would change F). With sparse gates, for the
 * listed rows only (in list order).
 *
 * @returns `out`, or a new array of phi's type, length n + m (index.length for sparse gates).
 * @example
 * ```ts
 * const phi = new Float64Array([1, 2, 30, 40, 3, 4]);
 * gateGradient(phi, [1, 0, 1], { n: 2, m: 1, k: 2 });
 * // Float64Array [11, 250, 11]: <(1,2),(3,4)>, <(30,40),(3,4)>, <(3,4),(1,2)>
 * ```
 */
export function gateGradient<A extends FloatArray>(
  phi: A,
  h: Gates,
  shape: Shape,
  options?: GateGradientOptions<A>,
): A {
  const c = checkCall("gateGradient", phi, h, shape);
  const o = checkOptions<GateGradientOptions<A>>("gateGradient", "options", options, ["out"]);
  const { n, m, k, rows } = c.s;
  const length = c.gates.sparse ? c.gates.index.length : rows;
  const out =
    o.out === undefined
      ? undefined
      : checkOut(
          "gateGradient",
          "options.out",
          o.out,
          c.K.precision,
          length,
          c.gates.sparse ? "index.length" : "n + m",
        );
  const p = placeCall(c, false, { array: out, elements: length, read: false });
  const g = c.gates;
  if (g.sparse)
    c.K.sparseGateGradient({
      n,
      m,
      k,
      phi: p.phi,
      count: g.index.length,
      index: p.gates,
      weight: p.weight,
      split: g.split,
      out: p.out,
      scratch: p.scratch,
    });
  else
    planned(c, p, "gateGradient", (plan) =>
      c.K.gateGradient({ n, m, k, phi: p.phi, h: p.gates, out: p.out, scratch: p.scratch, plan }),
    );
  return deliver(p, c.memory, length, out);
}

/**
 * The pooled sums u = sum over A of h_i phi_i and v = sum over B of h_j phi_j: the two
 * representations a two-tower model exports. F = <u, v>.
 *
 * @example
 * ```ts
 * const phi = new Float64Array([1, 2, 30, 40, 3, 4]);
 * pooled(phi, [1, 1, 1], { n: 2, m: 1, k: 2 });
 * // { u: Float64Array [31, 42], v: Float64Array [3, 4] }
 * ```
 */
export function pooled<A extends FloatArray>(phi: A, h: Gates, shape: Shape): Pooled<A> {
  const c = checkCall("pooled", phi, h, shape);
  const { n, m, k } = c.s;
  const p = placeCall(c, true);
  const g = c.gates;
  if (g.sparse)
    c.K.sparsePooled({
      n,
      m,
      k,
      phi: p.phi,
      count: g.index.length,
      index: p.gates,
      weight: p.weight,
      split: g.split,
      u: p.u,
      v: p.v,
      scratch: p.scratch,
    });
  else
    planned(c, p, "value", (plan) =>
      c.K.pooled({ n, m, k, phi: p.phi, h: p.gates, u: p.u, v: p.v, scratch: p.scratch, plan }),
    );
  const result = (ptr: number) => deliver<A>(p, c.memory, k, undefined, ptr);
  return { u: result(p.u), v: result(p.v) };
}
