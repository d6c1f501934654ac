// Batches of gate sets of the factorization-machine family (docs/design.md §8, §16): every set's F,
// then the weighted sum of their gradients for phi and rho. Each set is the sparse gates of one
// F: its value has the bits of fieldValue() of that set, and training's mini-batches run on these.

import { deliver, NO_INPUT, place, type Input } from "./call.js";
import { requireEngine } from "../wasm/init.js";
import { ownRef } from "../util/read.js";
import { checkOptions } from "../util/checks.js";
import type { FieldParams, FieldShape, FloatArray, GateSets, GradientOptions } from "../util/types.js";
import { checkGateSets, checkGradientOptions, checkNumbers, checkOut, type GradientOptionFields } from "./checks.js";
import { checkFieldParams, checkFieldPhi } from "./fieldchecks.js";

/** What {@link fieldBatchGradient} returns. */
export interface FieldBatchGradient<A extends FloatArray = FloatArray> {
  /** scale * sum_b slopes[b] dF_b/dphi, rows x k (options.out when given) */
  readonly gradient: A;
  /** scale * sum_b slopes[b] dF_b/drho, one a pair, in float64 */
  readonly pairGradient: Float64Array;
}

/** A checked batch call: the kernels, the shape, phi, the CSR sets and the parameters, as kernel inputs. */
function checkBatch(caller: string, phi: unknown, sets: unknown, shape: unknown, params: unknown) {
  const engine = requireEngine(caller);
  const { s, phi: phiRef, precision } = checkFieldPhi(caller, phi, shape);
  // the field shape's rows are the two-field checks' n + m (all in group A)
  const checked = checkGateSets(caller, "sets", sets, s.asGroups, precision);
  if (checked.dense)
    throw new TypeError(`${caller}(): sets must be CSR sets { indptr, index, weight? }, not dense gate sets`);
  const p = checkFieldParams(caller, "params", params, s, precision);
  const K = engine[precision];
  const inputs: Record<"phi" | "indptr" | "index" | "weight" | "w" | "fields" | "pairs" | "rho", Input> = {
    phi: { data: phiRef, type: K.ArrayType, name: "phi" },
    indptr: { data: ownRef(checked.indptr, "Uint32Array"), type: Uint32Array, name: "sets.indptr" },
    index: { data: ownRef(checked.index, "Uint32Array"), type: Uint32Array, name: "sets.index" },
    weight: { data: checked.weight ?? NO_INPUT, type: K.ArrayType, name: "sets.weight" },
    w: { data: p.w ?? NO_INPUT, type: K.ArrayType, name: "params.w" },
    fields: { data: ownRef(s.fields, "Uint32Array"), type: Uint32Array, name: "shape.fields" },
    pairs: { data: ownRef(s.pairs, "Uint32Array"), type: Uint32Array, name: "shape.pairs" },
    rho: { data: ownRef(p.rho, "Float64Array"), type: Float64Array, name: "params.rho" },
  };
  const G = s.fields.length,
    P = s.pairs.length / 2;
  const scratch = K.fieldBatchScratchBytes({ G, largest: s.largest, P, k: s.k });
  const what = () => `a batch of ${checked.count} ${K.precision} sets of ${G} fields, ${s.rows} rows of k = ${s.k}`;
  return { engine, K, s, checked, p, inputs, G, P, scratch, what };
}

/** The kernel arguments every batch call shares, at the placed pointers. */
function common(c: ReturnType<typeof checkBatch>, at: Readonly<Record<string, number>>, scratch: number) {
  return {
    G: c.G,
    counts: at.fields,
    P: c.P,
    pairs: at.pairs,
    rho: at.rho,
    k: c.s.k,
    phi: at.phi,
    sets: c.checked.count,
    indptr: at.indptr,
    index: at.index,
    weight: c.checked.weight ? at.weight : 0,
    scratch,
  };
}

/**
 * F of every CSR gate set over one phi (docs/design.md §16): set b lists the rows
 * index[indptr[b]..indptr[b+1]) (strictly increasing, below the shape's rows; a row's field
 * follows from shape.fields) with optional weights of phi's type. values[b] is exactly
 * fieldValue(phi, { index: set b's rows, weight: theirs }, shape, params) (the f32 result, as a
 * float64 number, for f32 phi).
 *
 * @param params - { rho (one a pair, default 1), w (one a row, default 0), w0 (default 0) }.
 * @example
 * ```ts
 * // two fields of two rows each, k = 1, the cross pair and field 0's self pair
 * const phi = new Float64Array([1, 2, 3, 4]);
 * const sets = { indptr: new Uint32Array([0, 2, 4]), index: new Uint32Array([0, 2, 0, 1]) };
 * const shape = { fields: [2, 2], k: 1, pairs: [[0, 1], [0, 0]] as [number, number][] };
 * fieldBatchValues(phi, sets, shape, { rho: [2, 5] }); // Float64Array [6, 10]: 2 * 1 * 3, then 5 * 1 * 2
 * ```
 */
export function fieldBatchValues(
  phi: FloatArray,
  sets: GateSets,
  shape: FieldShape,
  params?: FieldParams,
): Float64Array {
  const c = checkBatch("fieldBatchValues", phi, sets, shape, params);
  const count = c.checked.count;
  const inputs = {
    ...c.inputs,
    // a float64 result (whatever phi's type) rides in as an input of zeros
    values: { data: ownRef(new Float64Array(count), "Float64Array"), type: Float64Array, name: "values" },
  };
  const placed = place("fieldBatchValues", c.what, c.K, c.engine.memory, { inputs, scratch: c.scratch });
  const { at } = placed;
  c.K.fieldBatchValues({
    ...common(c, at, placed.scratch),
    w: c.p.w === undefined ? 0 : at.w,
    w0: c.p.w0,
    values: at.values,
  });
  return c.engine.memory.view(Float64Array, at.values, count).slice();
}

const OPTIONS = ["out", "scale", "accumulate"] as const;

/**
 * Phase 2 of a batch of the family: scale * sum_b slopes[b] dF_b/dphi over every row (rows x k;
 * a row listed by several sets gets the sum of their gradients, every other row 0, or what
 * options.out held with `accumulate`), and scale * sum_b slopes[b] dF_b/drho (float64, one a
 * pair). Training takes slopes[b] = L'(F_b) (docs/design.md §8); dF_b/dw_r is h_r and dF_b/dw0
 * 1, which need no kernel. Sets in order: one build gives the same bits on every run.
 *
 * @example
 * ```ts
 * const phi = new Float64Array([1, 2, 3, 4]);
 * const sets = { indptr: new Uint32Array([0, 2, 4]), index: new Uint32Array([0, 2, 0, 1]) };
 * const shape = { fields: [2, 2], k: 1, pairs: [[0, 1], [0, 0]] as [number, number][] };
 * const r = fieldBatchGradient(phi, sets, shape, [1, -1], { rho: [2, 5] });
 * // r.gradient Float64Array [-4, -5, 2, 0]: row 0 gets 1 * 2 * 3 - 1 * 5 * 2, row 1 -5 * 1, row 2 2 * 1
 * // r.pairGradient Float64Array [3, -2]: <u_0, u_1> of set 0, minus the self term 1 * 2 of set 1
 * ```
 */
export function fieldBatchGradient<A extends FloatArray>(
  phi: A,
  sets: GateSets<A>,
  shape: FieldShape,
  slopes: ArrayLike<number>,
  params?: FieldParams,
  options?: GradientOptions<A>,
): FieldBatchGradient<A> {
  const caller = "fieldBatchGradient";
  const c = checkBatch(caller, phi, sets, shape, params);
  const o = checkOptions<GradientOptionFields>(caller, "options", options, OPTIONS);
  const count = c.checked.count;
  const given = checkNumbers(caller, "slopes", slopes, count, "the number of sets");
  const { scale, accumulate } = checkGradientOptions(caller, o);
  const out =
    o.out === undefined ? undefined : checkOut(caller, "options.out", o.out, c.K.precision, c.s.elements, "rows * k");
  const scaled = scale === 1 ? given : given.map((slope) => scale * slope);
  const inputs = {
    ...c.inputs,
    slopes: { data: ownRef(scaled, "Float64Array"), type: Float64Array, name: "slopes" },
    pairGradient: { data: ownRef(new Float64Array(c.P), "Float64Array"), type: Float64Array, name: "pairGradient" },
  };
  const add = accumulate && out !== undefined;
  const call = { inputs, out: { array: out, elements: c.s.elements, read: add }, scratch: c.scratch };
  const placed = place(caller, c.what, c.K, c.engine.memory, call);
  const { at } = placed;
  // the kernel adds to out: a fresh result starts from zeros
  if (!add) c.engine.memory.view(c.K.ArrayType, placed.out, c.s.elements).fill(0);
  c.K.fieldBatchGradient({
    ...common(c, at, placed.scratch),
    slopes: at.slopes,
    out: placed.out,
    pairGradient: at.pairGradient,
  });
  const pairGradient = c.engine.memory.view(Float64Array, at.pairGradient, c.P).slice();
  return { gradient: deliver<A>(placed, c.engine.memory, c.s.elements, out), pairGradient };
}
