// The factorization-machine family's copying API (docs/design.md §16): F of G fields and weighted
// pairs of them, row weights and an offset, and every gradient, for dense and sparse gates.

import { deliver, NO_INPUT, place, type Input } from "./call.js";
import { requireEngine } from "../wasm/init.js";
import { layoutOf, settledBits } from "../wasm/planner.js";
import { copyInto, objectOf, ownRef, type ArrayRef } from "../util/read.js";
import { copyOf } from "../wasm/memory.js";
import { checkBoolean, checkOptions } from "../util/checks.js";
import type { FieldShape, FieldParams, FloatArray, Gates, GradientOptions } from "../util/types.js";
import { checkAnyGates, checkGradientOptions, checkOut, floatRef, type CheckedGates } from "./checks.js";
import {
  checkFieldParams,
  checkFieldPhi,
  refuseOverlappingOuts,
  type CheckedFieldParams,
  type CheckedFieldShape,
} from "./fieldchecks.js";

/** Options of {@link fieldGradients}: where each gradient goes, and how dF/dphi is written. */
export interface FieldGradientOptions<A extends FloatArray = FloatArray> extends GradientOptions<A> {
  /** Write dF/dh here instead of a new array: phi's type, one a row (index.length for sparse gates). */
  readonly gateOut?: A;
  /** Write dF/drho here instead of a new array: phi's type, one a pair. */
  readonly pairOut?: A;
  /** Compute dF/dh (a read of phi more for the fields without a self pair). Default true. */
  readonly gateGradient?: boolean;
}

/** F and its gradients (dF/dw_r is h_r and dF/dw0 is 1: no array holds them). */
export interface FieldGradients<A extends FloatArray = FloatArray> {
  readonly value: number;
  /** scale * dF/dphi (options.out when given) */
  readonly gradient: A;
  /** dF/dh, one a row, or one a listed row (undefined when options.gateGradient is false) */
  readonly gateGradient: A | undefined;
  /** dF/drho, one a pair */
  readonly pairGradient: A;
}

const OPTIONS = ["out", "scale", "accumulate", "gateOut", "pairOut", "gateGradient"] as const;

/** A checked call of the family: the engine's kernels, the shape, phi, gates and parameters. */
function checkCall(caller: string, phi: unknown, h: unknown, shape: unknown, params: unknown) {
  const engine = requireEngine(caller);
  const { s, phi: phiRef, precision } = checkFieldPhi(caller, phi, shape);
  const gates = checkAnyGates(caller, h, s.asGroups, precision);
  const p = checkFieldParams(caller, "params", params, s, precision);
  return { caller, engine, K: engine[precision], memory: engine.memory, s, phi: phiRef, gates, p };
}

type FieldCall = ReturnType<typeof checkCall>;

/** What a call asks of the kernel beyond F: element counts of its results (0: none). */
interface Wanted {
  readonly gradient?: {
    readonly out: ReturnType<typeof floatRef> | undefined;
    readonly elements: number;
    readonly dense: boolean;
  };
  readonly gates: number;
  readonly pairs: number;
  readonly pooled: number;
  readonly scale: number;
  readonly accumulate: boolean;
}

/** Places a call and runs the dense or sparse field kernel; returns F and where the results are. */
function run(c: FieldCall, want: Wanted) {
  const { K, s, gates, p } = c;
  const sparse = gates.sparse;
  const inputs: Record<"phi" | "gates" | "weight" | "w" | "fields" | "pairs" | "rho", Input> = {
    phi: { data: c.phi, type: K.ArrayType, name: "phi" },
    gates: sparse
      ? { data: ownRef(gates.index, "Uint32Array"), type: Uint32Array, name: "h.index" }
      : { data: gates.h, type: K.ArrayType, name: "h" },
    weight: { data: (sparse && gates.weight) || NO_INPUT, type: K.ArrayType, name: "h.weight" },
    w: { data: p.w ?? NO_INPUT, type: K.ArrayType, name: "params.w" },
    fields: { data: ownRef(s.fields, "Uint32Array"), type: Uint32Array, name: "shape.fields" },
    pairs: { data: ownRef(s.pairs, "Uint32Array"), type: Uint32Array, name: "shape.pairs" },
    rho: { data: ownRef(p.rho, "Float64Array"), type: Float64Array, name: "params.rho" },
  };
  const g = want.gradient;
  const placed = place(
    c.caller,
    () => `a ${K.precision} call of ${s.fields.length} fields, ${s.rows} rows of k = ${s.k}`,
    K,
    c.memory,
    {
      inputs,
      results: { gateOut: want.gates, pairOut: want.pairs, pooledOut: want.pooled },
      out: g && { array: g.out, elements: g.elements, read: want.accumulate && g.out !== undefined },
      scratch: K.fieldsScratchBytes({ G: s.fields.length, largest: s.largest, k: s.k }),
    },
  );
  const { at } = placed;
  // each kernel's arguments as one literal (a spread of a shared object measured several
  // microseconds a call)
  const w = p.w === undefined ? 0 : at.w,
    out = g ? placed.out : 0,
    accumulate = want.accumulate && g?.out !== undefined;
  const gateOut = want.gates > 0 ? at.gateOut : 0,
    pairOut = want.pairs > 0 ? at.pairOut : 0,
    pooledOut = want.pooled > 0 ? at.pooledOut : 0;
  const { k } = s,
    G = s.fields.length,
    P = s.pairs.length / 2;
  const [counts, pairs, rho, phi, scratch, w0, scale] = [
    at.fields,
    at.pairs,
    at.rho,
    at.phi,
    placed.scratch,
    p.w0,
    want.scale,
  ];
  const value = sparse
    ? K.fieldsSparse({
        G,
        counts,
        P,
        pairs,
        rho,
        k,
        phi,
        count: gates.index.length,
        index: at.gates,
        weight: gates.weight ? at.weight : 0,
        w,
        w0,
        out,
        scale,
        accumulate,
        dense: g?.dense ?? false,
        gateOut,
        pairOut,
        pooledOut,
        scratch,
      })
    : K.fieldsDense({
        G,
        counts,
        P,
        pairs,
        rho,
        k,
        phi,
        h: at.gates,
        w,
        w0,
        out,
        scale,
        accumulate,
        gateOut,
        pairOut,
        pooledOut,
        scratch,
        plan: settledBits(g ? "valueAndGradient" : "value", layoutOf(c.engine, K, s.elements, s.k)),
      });
  return { value, placed };
}

/**
 * A result of the arena into `out` (at `outAt` when it lives in wasm memory: a view the call's
 * growth detached is leased again, as deliver() does), or into a new array.
 */
function copied<A extends FloatArray>(
  c: FieldCall,
  length: number,
  out: ArrayRef | undefined,
  outAt: number,
  ptr: number,
): A {
  const { memory, K } = c;
  const result = memory.view(K.ArrayType, ptr, length) as A;
  if (out === undefined) return copyOf(result);
  if (outAt < 0) {
    copyInto(out, result);
    return objectOf<A>(out);
  }
  memory.view(K.ArrayType, outAt, length).set(result);
  return out.buffer === memory.buffer ? objectOf<A>(out) : (memory.lease(K.ArrayType, outAt, length) as A);
}

const listed = (gates: CheckedGates, rows: number): number => (gates.sparse ? gates.index.length : rows);

/**
 * F of G fields and pairs of them (docs/design.md §16): w0 + sum_r h_r w_r + sum over cross pairs
 * [g, g'] of rho <u_g, u_g'> + sum over self pairs [g, g] of rho 1/2 (|u_g|^2 - sum_{r in g} h_r^2
 * |phi_r|^2), u_g = sum over the rows of field g of h_r phi_r. An f32 call returns exactly the f32
 * result.
 *
 * @param phi - rows x k, row-major (rows = the sum of shape.fields); Float32Array or Float64Array.
 * @param h - one gate per row, or sparse gates { index, weight? }, as for {@link value}.
 * @param shape - { fields: row counts, k, pairs: [g, g'] with g <= g' }: field g holds the
 *   `fields[g]` rows after those of the fields before it.
 * @param params - { rho (one a pair, default 1), w (one a row, default 0), w0 (default 0) }.
 * @example
 * ```ts
 * // a classic FM over 3 rows of k = 2: one field and its self pair
 * const phi = new Float64Array([1, 0, 0, 1, 1, 1]);
 * fieldValue(phi, [1, 1, 1], { fields: [3], k: 2, pairs: [[0, 0]] }); // 2: <phi_0, phi_2> + <phi_1, phi_2>
 * fieldValue(phi, [1, 1, 1], { fields: [3], k: 2, pairs: [[0, 0]] }, { w: [1, 1, 1], w0: 0.5 }); // 5.5
 * ```
 */
export function fieldValue(phi: FloatArray, h: Gates, shape: FieldShape, params?: FieldParams): number {
  const c = checkCall("fieldValue", phi, h, shape, params);
  return run(c, { gates: 0, pairs: 0, pooled: 0, scale: 1, accumulate: false }).value;
}

/**
 * The pooled sums u_g of every field: G arrays of k elements of phi's type.
 *
 * @example
 * ```ts
 * const phi = new Float64Array([1, 0, 0, 1, 1, 1]);
 * fieldPooled(phi, [1, 1, 1], { fields: [2, 1], k: 2, pairs: [[0, 1]] }); // [Float64Array [1, 1], Float64Array [1, 1]]
 * ```
 */
export function fieldPooled<A extends FloatArray>(phi: A, h: Gates, shape: FieldShape): A[] {
  const c = checkCall("fieldPooled", phi, h, shape, undefined);
  const { G, k } = { G: c.s.fields.length, k: c.s.k };
  const { placed } = run(c, { gates: 0, pairs: 0, pooled: G * k, scale: 1, accumulate: false });
  const pooledAt = placed.at.pooledOut;
  return Array.from({ length: G }, (_, g) =>
    deliver<A>(placed, c.memory, k, undefined, pooledAt + g * k * c.K.bytesPerElement),
  );
}

/**
 * F and every gradient: dF/dphi_r = h_r c_r (scaled by options.scale), dF/dh_r = w_r + <phi_r, c_r>,
 * dF/drho (a cross pair's <u_g, u_g'>, a self pair's 1/2 (|u_g|^2 - sum h_r^2 |phi_r|^2)), where c_r
 * is the sum over the pairs of r's field g of rho u_other, and rho_gg (u_g - h_r phi_r) for a self
 * pair; dF/dw_r = h_r and dF/dw0 = 1 (docs/design.md §16). Sparse gates: dF/dphi holds the listed
 * rows in list order unless options.out has rows * k elements, and dF/dh the listed rows.
 *
 * @example
 * ```ts
 * const phi = new Float64Array([1, 0, 0, 1, 1, 1]);
 * const r = fieldGradients(phi, [1, 1, 1], { fields: [3], k: 2, pairs: [[0, 0]] });
 * // r.value 2; r.gradient [1, 2, 2, 1, 1, 1]: row r gets u - phi_r, u = (2, 2)
 * // r.gateGradient [1, 1, 2]; r.pairGradient [2]
 * ```
 */
export function fieldGradients<A extends FloatArray>(
  phi: A,
  h: Gates,
  shape: FieldShape,
  params?: FieldParams,
  options?: FieldGradientOptions<A>,
): FieldGradients<A> {
  const caller = "fieldGradients";
  const c = checkCall(caller, phi, h, shape, params);
  const o = checkOptions<Record<(typeof OPTIONS)[number], unknown>>(caller, "options", options, OPTIONS);
  const { s, gates, K } = c;
  const count = listed(gates, s.rows);
  const rowsOut = o.out === undefined ? undefined : floatRef(caller, "options.out", o.out);
  const dense = !gates.sparse || rowsOut?.length === s.elements;
  const elements = dense ? s.elements : count * s.k;
  const formula = gates.sparse ? "index.length * k (or rows * k for every row)" : "rows * k";
  const out = o.out === undefined ? undefined : checkOut(caller, "options.out", o.out, K.precision, elements, formula);
  const { scale, accumulate } = checkGradientOptions(caller, o);
  const wantGates = o.gateGradient === undefined || checkBoolean(caller, "options.gateGradient", o.gateGradient);
  // checked even when dF/dh is not asked for: a wrong argument is refused, not ignored
  const gateGiven =
    o.gateOut === undefined
      ? undefined
      : checkOut(caller, "options.gateOut", o.gateOut, K.precision, count, gates.sparse ? "index.length" : "rows");
  const gateOut = wantGates ? gateGiven : undefined;
  const P = s.pairs.length / 2;
  const pairOut =
    o.pairOut === undefined
      ? undefined
      : checkOut(caller, "options.pairOut", o.pairOut, K.precision, P, "shape.pairs.length");
  refuseOverlappingOuts(caller, [
    ["options.out", out],
    ["options.gateOut", gateOut],
    ["options.pairOut", pairOut],
  ]);
  // where they live if in wasm memory, taken before the call's growth detaches them; a view of
  // crossgrad's own regions is refused (docs/design.md §3)
  const gateAt = gateOut ? c.memory.locate(caller, "options.gateOut", gateOut) : -1;
  const pairAt = pairOut ? c.memory.locate(caller, "options.pairOut", pairOut) : -1;
  const { value, placed } = run(c, {
    gradient: { out, elements, dense },
    gates: wantGates ? count : 0,
    pairs: P,
    pooled: 0,
    scale,
    accumulate,
  });
  const { at } = placed;
  return {
    value,
    gradient: deliver<A>(placed, c.memory, elements, out),
    gateGradient: wantGates ? copied<A>(c, count, gateOut, gateAt, at.gateOut) : undefined,
    pairGradient: copied<A>(c, P, pairOut, pairAt, at.pairOut),
  };
}

export type { CheckedFieldParams, CheckedFieldShape };
