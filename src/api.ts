// The copying API: plain arrays in, new arrays (or `out`) back. Inputs are copied into one
// reusable scratch region of wasm memory, so repeated calls allocate no wasm memory after
// warm-up; arrays that already live in wasm memory (a Problem's views) are used in place.

import { requireEngine, type PrecisionKernels } from "./loader.js";
import { allocRegion, REGION_ALIGN, type WasmMemory } from "./memory.js";
import { compactFor } from "./tuning.js";
import type { FloatArray, Gates, Shape } from "./types.js";
import {
  checkBoolean,
  checkGates,
  checkNumber,
  checkOut,
  checkPhi,
  checkShape,
  type CheckedShape,
} from "./validate.js";

/** Options of {@link gradient} and {@link valueAndGradient}. */
export interface GradientOptions<A extends FloatArray = FloatArray> {
  /** Write (or add) the gradient here instead of a new array: phi's type, length (n + m) * k. */
  readonly out?: A;
  /** Multiplies the gradient, e.g. by L'(F) for a loss L, or by a negative learning rate. Default 1. */
  readonly scale?: number;
  /** Add scale * dF/dphi to `out` instead of overwriting it. Default false. */
  readonly accumulate?: boolean;
}

/** Options of {@link gateGradient}. */
export interface GateGradientOptions<A extends FloatArray = FloatArray> {
  /** Write dF/dh here instead of a new array: phi's type, length n + m. */
  readonly out?: A;
}

/** The pooled sums u (group A) and v (group B), k elements each, of phi's type. */
export interface Pooled<A extends FloatArray = FloatArray> {
  readonly u: A;
  readonly v: A;
}

/** Text of a shape for error messages. */
export function shapeText(s: Shape): string {
  return `{ n: ${s.n}, m: ${s.m}, k: ${s.k} }`;
}

// The functional API's scratch: one region, grown to the largest call seen and then reused.
let arena: { memory: WasmMemory; ptr: number; bytes: number } | undefined;

function reserveArena(memory: WasmMemory, bytes: number, caller: string, what: string): number {
  if (arena?.memory === memory && arena.bytes >= bytes) return arena.ptr;
  if (arena?.memory === memory) memory.free(arena.ptr);
  arena = undefined;
  const ptr = allocRegion(memory, bytes, caller, what);
  arena = { memory, ptr, bytes };
  return ptr;
}

/** A call's inputs in wasm memory, and where its output and scratch go. */
interface Prepared {
  readonly K: PrecisionKernels;
  readonly memory: WasmMemory;
  readonly s: CheckedShape;
  readonly phi: number;
  readonly h: number;
  readonly out: number;
  readonly scratch: number;
  readonly compact: number;
  /** `out` lives in wasm memory and the kernel wrote it in place. */
  readonly outInWasm: boolean;
  /** A view of `length` elements of phi's type at byte `ptr`, over the current buffer. */
  view(ptr: number, length: number): FloatArray;
}

/** Bytes rounded up to the region alignment: sub-regions carved from one region stay aligned. */
export const align = (bytes: number): number => Math.ceil(bytes / REGION_ALIGN) * REGION_ALIGN;

/**
 * Validates a call and lays it out in the arena: phi, h (converted to phi's precision), the
 * output (outElements of phi's type; `out` copied in when `readOut`), then kernel scratch.
 */
function prepare(
  caller: string,
  phiArg: unknown,
  hArg: unknown,
  shapeArg: unknown,
  outElements: number,
  out?: FloatArray,
  readOut = false,
): Prepared {
  const e = requireEngine(caller);
  const s = checkShape(shapeArg, caller);
  const precision = checkPhi(phiArg, s, caller);
  const phi = phiArg as FloatArray;
  const gates = checkGates(hArg, s, caller);
  const K = e[precision];
  const bytes = K.bytesPerElement;
  const memory = e.memory;

  // arrays already in wasm memory (a Problem's views) stay where they are; their offsets are
  // taken now, before a growth below detaches the views
  const inWasm = (a: unknown): boolean => a instanceof K.ArrayType && a.buffer === memory.buffer;
  const phiAt = inWasm(phi) ? phi.byteOffset : -1;
  const hAt = inWasm(gates) ? (gates as FloatArray).byteOffset : -1;
  const outAt = out !== undefined && inWasm(out) ? out.byteOffset : -1;

  const phiBytes = phiAt < 0 ? align(s.elements * bytes) : 0;
  const hBytes = hAt < 0 ? align(s.rows * bytes) : 0;
  const outBytes = outAt < 0 ? align(outElements * bytes) : 0;
  const scratchBytes = K.scratchBytes(s.n, s.m, s.k);
  const base = reserveArena(
    memory,
    phiBytes + hBytes + outBytes + scratchBytes,
    caller,
    `a ${shapeText(s)} ${precision} call`,
  );
  const view = (ptr: number, length: number): FloatArray => new K.ArrayType(memory.buffer, ptr, length);

  const phiPtr = phiAt < 0 ? base : phiAt;
  const hPtr = hAt < 0 ? base + phiBytes : hAt;
  const outPtr = outAt < 0 ? base + phiBytes + hBytes : outAt;
  if (phiAt < 0) view(phiPtr, s.elements).set(phi);
  if (hAt < 0) view(hPtr, s.rows).set(gates);
  if (readOut && out !== undefined && outAt < 0) view(outPtr, outElements).set(out);
  return {
    K,
    memory,
    s,
    phi: phiPtr,
    h: hPtr,
    out: outPtr,
    scratch: base + phiBytes + hBytes + outBytes,
    compact: compactFor(s.elements * bytes),
    outInWasm: outAt >= 0,
    view,
  };
}

/**
 * A copy of a view of wasm memory in a new array. (V8's slice() of such a view is about 15x
 * slower than allocating and set(): 89 ms against 6 ms for 32 MiB, measured on Node 20.)
 */
export function copyOf<A extends FloatArray>(view: A): A {
  const copy = new (view.constructor as new (length: number) => A)(view.length);
  copy.set(view);
  return copy;
}

/** The result array: `out` (refreshed if it lives in wasm memory that grew), else a copy. */
function deliver<A extends FloatArray>(c: Prepared, length: number, out: A | undefined): A {
  const result = c.view(c.out, length) as A;
  if (out === undefined) return copyOf(result);
  // an `out` in wasm memory was written in place; if the memory grew meanwhile, its buffer
  // is detached and a view of the new buffer takes its place
  if (c.outInWasm) return out.buffer === c.memory.buffer ? out : result;
  out.set(result);
  return out;
}

function gradientOptions<A extends FloatArray>(
  options: GradientOptions<A> | undefined,
  precision: "f32" | "f64",
  elements: number,
  caller: string,
): { out: A | undefined; scale: number; accumulate: boolean } {
  const out = options?.out === undefined ? undefined : (checkOut(options.out, precision, elements, "(n + m) * k", caller) as A);
  const scale = options?.scale === undefined ? 1 : checkNumber(options.scale, "options.scale", caller);
  const accumulate =
    options?.accumulate === undefined ? false : checkBoolean(options.accumulate, "options.accumulate", caller);
  return { out, scale, accumulate };
}

/**
 * F(h; phi) = sum over i in A, j in B of h_i h_j <phi_i, phi_j>, computed as <u, v> in
 * O((n + m) k). An f32 call returns exactly the f32 result.
 *
 * @param phi - (n + m) x k, row-major; Float32Array for f32, Float64Array for f64 kernels.
 * @param h - one gate per row (length n + m); a gate of exactly 0 makes its row absent.
 * @param shape - rows 0..n-1 form group A, rows n..n+m-1 group B, k components each.
 * @example
 * ```ts
 * // A = rows 0-1, B = row 2, k = 2; the gate of row 1 is off
 * const phi = new Float64Array([1, 2, 30, 40, 3, 4]);
 * value(phi, [1, 0, 1], { n: 2, m: 1, k: 2 }); // <(1,2), (3,4)> = 11
 * ```
 */
export function value(phi: FloatArray, h: Gates, shape: Shape): number {
  const c = prepare("value", phi, h, shape, 0);
  return c.K.value(c.s.n, c.s.m, c.s.k, c.phi, c.h, c.scratch, c.compact);
}

/**
 * dF/dphi: row r of A gets h_r v, row r of B gets h_r u; rows whose gate is 0 get exact zeros.
 * With options: out (+)= scale * dF/dphi.
 *
 * @returns `out`, or a new array of phi's type, length (n + m) * k.
 * @example
 * ```ts
 * const phi = new Float64Array([1, 2, 30, 40, 3, 4]);
 * gradient(phi, [1, 0, 1], { n: 2, m: 1, k: 2 });
 * // Float64Array [3, 4, 0, 0, 1, 2]: row 0 gets v = (3,4), row 1 is off, row 2 gets u = (1,2)
 * gradient(phi, [1, 0, 1], { n: 2, m: 1, k: 2 }, { scale: -0.5 });
 * // Float64Array [-1.5, -2, 0, 0, -0.5, -1]
 * ```
 */
export function gradient<A extends FloatArray>(phi: A, h: Gates, shape: Shape, options?: GradientOptions<A>): A {
  return valueAndGradientCall("gradient", phi, h, shape, options).gradient;
}

/**
 * F and dF/dphi from one pass over phi (the gradient never reads phi again: it is rank one
 * per group). Options as {@link gradient}; `value` is F itself, not scaled.
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
  phi: A,
  h: Gates,
  shape: Shape,
  options: GradientOptions<A> | undefined,
): { value: number; gradient: A } {
  // checked here for the out option's expected type and length; prepare() checks again (cheap)
  const s = checkShape(shape, caller);
  const precision = checkPhi(phi, s, caller);
  const { out, scale, accumulate } = gradientOptions(options, precision, s.elements, caller);
  const add = accumulate && out !== undefined;
  const c = prepare(caller, phi, h, shape, s.elements, out, add);
  const F = c.K.valueAndGradient(s.n, s.m, s.k, c.phi, c.h, c.out, scale, add ? 1 : 0, c.scratch, c.compact);
  return { value: F, gradient: deliver(c, s.elements, out) };
}

/**
 * dF/dh: <phi_r, v> for r in A, <phi_r, u> for r in B, for every row (also those whose gate
 * is 0: that is how much switching the row on would change F).
 *
 * @returns `out`, or a new array of phi's type, length n + m.
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
  const caller = "gateGradient";
  const s = checkShape(shape, caller);
  const precision = checkPhi(phi, s, caller);
  const out = options?.out === undefined ? undefined : (checkOut(options.out, precision, s.rows, "n + m", caller) as A);
  const c = prepare(caller, phi, h, shape, s.rows, out);
  c.K.gateGradient(s.n, s.m, s.k, c.phi, c.h, c.out, c.scratch, c.compact);
  return deliver(c, s.rows, out);
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
  const c = prepare("pooled", phi, h, shape, 2 * checkShape(shape, "pooled").k);
  const { n, m, k } = c.s;
  const vAt = c.out + k * c.K.bytesPerElement;
  c.K.pooled(n, m, k, c.phi, c.h, c.out, vAt, c.scratch, c.compact);
  return { u: copyOf(c.view(c.out, k) as A), v: copyOf(c.view(vAt, k) as A) };
}
