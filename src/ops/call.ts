// How a copying call reaches the kernels: its arrays are placed in the memory's arena (one
// reusable region), unless they already live in wasm memory (a Problem's views), and the
// result is delivered: copied out, or written in place. After warm-up repeated calls allocate
// no wasm memory.

import type { PrecisionKernels } from "../wasm/loader.js";
import { align, type What } from "../wasm/layout.js";
import { copyOf, type ViewType, type WasmMemory } from "../wasm/memory.js";
import { copyInto, objectOf, ownRef, type ArrayRef } from "../util/read.js";
import type { FloatArray, Shape } from "../util/types.js";

/** Text of a shape for error messages. */
export function shapeText(s: Shape): string {
  return `{ n: ${s.n}, m: ${s.m}, k: ${s.k} }`;
}

type ArrayType = ViewType<ArrayBufferView & ArrayLike<number>>;

/** An array a call needs in wasm memory (as read once), converted to `type` if it is copied; `name` for errors. */
export interface Input {
  readonly data: ArrayRef;
  readonly type: ArrayType;
  readonly name: string;
}

/** An input a call does not use: no bytes. */
export const NO_INPUT: ArrayRef = ownRef(new Uint8Array(0), "Uint8Array");

/** A call's layout: its named inputs, its named results (elements of the float type), its `out`, its scratch. */
export interface Call<I extends string, R extends string> {
  readonly inputs: Readonly<Record<I, Input>>;
  readonly results?: Readonly<Record<R, number>>;
  /** the caller's `out` option (used in place if it lives in wasm memory), its elements, and whether the kernel reads it */
  readonly out?: { readonly array: ArrayRef | undefined; readonly elements: number; readonly read: boolean };
  readonly scratch: number;
}

/** Where a call's arrays are in wasm memory. */
export interface Placed<N extends string> {
  /** The pointer of every input and result. */
  readonly at: Readonly<Record<N, number>>;
  /** The pointer of `out`: the caller's array, or the arena's. */
  readonly out: number;
  /** `out` lives in wasm memory: the kernel writes it in place. */
  readonly outInWasm: boolean;
  readonly scratch: number;
  /** The call's kernels (their float type is the results'). */
  readonly K: PrecisionKernels;
}

/** Whether an array of `kind` is of `type` (compared by identity: a Map's look-up of a constructor costs more). */
const isOfType = (kind: string, type: ArrayType): boolean =>
  type === Float32Array
    ? kind === "Float32Array"
    : type === Float64Array
      ? kind === "Float64Array"
      : type === Uint32Array
        ? kind === "Uint32Array"
        : type === Uint8Array && kind === "Uint8Array";

/** An input that is copied into the arena: an array of the caller's (or of the library's own). */
const COPIED = -1;
/** An input that is copied from a snapshot: a view of the call's memory that cannot be used in place. */
const COPIED_VIEW = -2;

/**
 * Where a call reads an input from: its byte offset when it lies in bytes handed out of a live
 * region of this memory, is of `type` and does not overlap an in-place out at [outAt, outEnd)
 * (the kernel may write out before it reads the input); else COPIED or COPIED_VIEW. locate
 * refuses a view of freed or internal memory whatever its type: the call may overwrite it.
 */
function inputAt(
  caller: string,
  memory: WasmMemory,
  data: ArrayRef,
  type: ArrayType,
  name: string,
  outAt: number,
  outEnd: number,
): number {
  // an array of the library's own (no buffer read) is never a view of wasm memory
  const located = data.buffer === undefined ? -1 : memory.locate(caller, name, data);
  if (located < 0) return COPIED;
  const overlaps = outAt >= 0 && located < outEnd && outAt < located + data.length * type.BYTES_PER_ELEMENT;
  return isOfType(data.kind, type) && !overlaps ? located : COPIED_VIEW;
}

/** What a copied input is copied from: a view of the call's memory is taken now, before the arena grows the memory (which detaches it). */
const sourceOf = (at: number, data: ArrayRef, memory: WasmMemory): ArrayRef =>
  at === COPIED_VIEW ? memory.stable(data) : data;

/** An input's bytes in the arena: none when it is used in place. */
const arenaBytes = (at: number, data: ArrayRef, type: ArrayType): number =>
  at >= 0 ? 0 : align(data.length * type.BYTES_PER_ELEMENT);

/** An input's pointer: in place, or `ptr` in the arena, where it is copied (converted to `type`). */
function copyInput(memory: WasmMemory, at: number, ptr: number, source: ArrayRef, type: ArrayType): number {
  if (at >= 0) return at;
  if (source.length > 0) memory.copyIn(type, ptr, source);
  return ptr;
}

/** The byte offset of a call's `out` when it is used in place (handed out of this memory, of the call's type), else -1. */
function outAt(caller: string, K: PrecisionKernels, memory: WasmMemory, out: Call<string, string>["out"]): number {
  if (out?.array === undefined) return -1;
  const ptr = memory.locate(caller, "options.out", out.array);
  return isOfType(out.array.kind, K.ArrayType) ? ptr : -1;
}

/**
 * Lays out a call in the memory's arena: its inputs (used in place when already in a live
 * region of wasm memory, else copied and converted), its results, an `out` (the caller's in
 * place if it lives in wasm memory; copied in when the kernel reads it), then the kernel's
 * scratch. An input that overlaps an in-place `out` is copied, since the kernel may write out
 * before it reads that input.
 */
export function place<I extends string, R extends string = never>(
  caller: string,
  what: What,
  K: PrecisionKernels,
  memory: WasmMemory,
  call: Call<I, R>,
): Placed<I | R> {
  const names = Object.keys(call.inputs) as I[];
  const resultNames = call.results === undefined ? [] : (Object.keys(call.results) as R[]);
  const p = placeList(
    caller,
    what,
    K,
    memory,
    names.map((name) => call.inputs[name]),
    resultNames.map((name) => call.results![name]),
    call.out,
    call.scratch,
  );
  const at = {} as Record<I | R, number>;
  names.forEach((name, i) => (at[name] = p.at[i]));
  resultNames.forEach((name, j) => (at[name] = p.at[names.length + j]));
  return { at, out: p.out, outInWasm: p.outInWasm, scratch: p.scratch, K };
}

/** A call placed by {@link placeList}: the pointers of its inputs, then of its results, in their order. */
export interface PlacedList {
  readonly at: readonly number[];
  readonly out: number;
  readonly outInWasm: boolean;
  readonly scratch: number;
  readonly K: PrecisionKernels;
}

/**
 * place() of inputs and results given in order rather than by name: the copying calls' hot path
 * (keyed reads and writes of names cost more than a small call's kernel).
 */
export function placeList(
  caller: string,
  what: What,
  K: PrecisionKernels,
  memory: WasmMemory,
  inputs: readonly Input[],
  results: readonly number[],
  out: Call<string, string>["out"],
  scratch: number,
): PlacedList {
  // offsets of arrays already in wasm memory are taken now, before a growth detaches them
  const outPtr = outAt(caller, K, memory, out);
  const outEnd = outPtr + (out?.elements ?? 0) * K.bytesPerElement;
  const count = inputs.length;
  const at = new Array<number>(count + results.length);
  const sources = new Array<ArrayRef>(count);
  let bytes = 0;
  for (let i = 0; i < count; i++) {
    const { data, type, name } = inputs[i];
    at[i] = inputAt(caller, memory, data, type, name, outPtr, outEnd);
    sources[i] = sourceOf(at[i], data, memory);
    bytes += arenaBytes(at[i], data, type);
  }
  for (const elements of results) bytes += align(elements * K.bytesPerElement);
  const outBytes = outPtr < 0 ? (out?.elements ?? 0) * K.bytesPerElement : 0;
  bytes += align(outBytes) + align(scratch);
  // the arena, laid out as the inputs to copy, the results, out unless it is in place, the scratch
  let next = memory.arena(bytes, caller, what);
  for (let i = 0; i < count; i++) {
    const { data, type } = inputs[i];
    const size = arenaBytes(at[i], data, type);
    at[i] = copyInput(memory, at[i], next, sources[i], type);
    next += size;
  }
  for (let j = 0; j < results.length; j++) {
    at[count + j] = next;
    next += align(results[j] * K.bytesPerElement);
  }
  return { at, ...placeOut(memory, K, out, outPtr, next, outBytes) };
}

/** out's pointer (in place, or at `next` in the arena, copied in when the kernel reads it) and the scratch's, after it. */
function placeOut(
  memory: WasmMemory,
  K: PrecisionKernels,
  out: Call<string, string>["out"],
  outPtr: number,
  next: number,
  outBytes: number,
): { out: number; outInWasm: boolean; scratch: number; K: PrecisionKernels } {
  if (outPtr >= 0) return { out: outPtr, outInWasm: true, scratch: next, K };
  if (out?.read && out.array !== undefined) memory.copyIn(K.ArrayType, next, out.array);
  return { out: next, outInWasm: false, scratch: next + align(outBytes), K };
}

/** Where a copying call of the API (src/ops/api.ts) put phi, its gates and their weights (0: none), the pooled sums, out and the scratch. */
export interface PlacedGated {
  readonly phi: number;
  /** dense gates (h), or a sparse index */
  readonly gates: number;
  readonly weight: number;
  readonly u: number;
  readonly v: number;
  readonly out: number;
  readonly outInWasm: boolean;
  readonly scratch: number;
  readonly K: PrecisionKernels;
}

/**
 * placeList() of a call of the API: phi, its gates (h, or a sparse index) and their weights,
 * `pooled` elements for each of u and v, out and the scratch, with no list to walk (a small call's
 * hot path).
 */
export function placeGated(
  caller: string,
  what: What,
  K: PrecisionKernels,
  memory: WasmMemory,
  phi: ArrayRef,
  gates: ArrayRef,
  sparse: boolean,
  weight: ArrayRef | undefined,
  pooled: number,
  out: Call<string, string>["out"],
  scratch: number,
): PlacedGated {
  const type = K.ArrayType;
  const gatesType = sparse ? Uint32Array : type;
  // offsets of arrays already in wasm memory are taken now, before a growth detaches them
  const outPtr = outAt(caller, K, memory, out);
  const outEnd = outPtr + (out?.elements ?? 0) * K.bytesPerElement;
  const phiAt = inputAt(caller, memory, phi, type, "phi", outPtr, outEnd);
  const gatesAt = inputAt(caller, memory, gates, gatesType, sparse ? "h.index" : "h", outPtr, outEnd);
  const weightAt = weight === undefined ? 0 : inputAt(caller, memory, weight, type, "h.weight", outPtr, outEnd);
  const phiSource = sourceOf(phiAt, phi, memory);
  const gatesSource = sourceOf(gatesAt, gates, memory);
  const weightSource = weight === undefined ? weight : sourceOf(weightAt, weight, memory);
  const phiBytes = arenaBytes(phiAt, phi, type);
  const gatesBytes = arenaBytes(gatesAt, gates, gatesType);
  const weightBytes = weight === undefined ? 0 : arenaBytes(weightAt, weight, type);
  const pooledBytes = align(pooled * K.bytesPerElement);
  const outBytes = outPtr < 0 ? (out?.elements ?? 0) * K.bytesPerElement : 0;
  // the arena, laid out as the inputs to copy, u and v, out unless it is in place, the scratch
  const base = memory.arena(
    phiBytes + gatesBytes + weightBytes + 2 * pooledBytes + align(outBytes) + align(scratch),
    caller,
    what,
  );
  const u = base + phiBytes + gatesBytes + weightBytes;
  const placed = placeOut(memory, K, out, outPtr, u + 2 * pooledBytes, outBytes);
  return {
    phi: copyInput(memory, phiAt, base, phiSource, type),
    gates: copyInput(memory, gatesAt, base + phiBytes, gatesSource, gatesType),
    weight:
      weightSource === undefined ? 0 : copyInput(memory, weightAt, base + phiBytes + gatesBytes, weightSource, type),
    u,
    v: u + pooledBytes,
    out: placed.out,
    outInWasm: placed.outInWasm,
    scratch: placed.scratch,
    K,
  };
}

/**
 * The one delivery of a call's array result: `out` (refreshed if it lives in wasm memory that
 * grew meanwhile), else a copy of the result at `ptr` (the call's out by default).
 */
export function deliver<A extends FloatArray>(
  placed: Pick<Placed<string>, "K" | "out" | "outInWasm">,
  memory: WasmMemory,
  length: number,
  out: ArrayRef | undefined,
  ptr = placed.out,
): A {
  const result = memory.view(placed.K.ArrayType, ptr, length) as A;
  if (out === undefined) return copyOf(result);
  // an `out` in wasm memory was written in place; if the memory grew, its buffer is detached
  // and a view of the new buffer takes its place, leased as the caller's view was
  if (placed.outInWasm)
    return out.buffer === memory.buffer ? objectOf<A>(out) : (memory.lease(placed.K.ArrayType, ptr, length) as A);
  copyInto(out, result);
  return objectOf<A>(out);
}
