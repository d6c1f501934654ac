// How a copying call reaches the kernels: its arrays are placed in one reusable scratch
// region of wasm memory (the arena), unless they already live there (a Problem's views), and
// the result is copied out. After warm-up repeated calls allocate no wasm memory.

import type { PrecisionKernels } from "./loader.js";
import { allocRegion, REGION_ALIGN, type WasmMemory } from "./memory.js";
import type { FloatArray, Shape } from "./types.js";

/** Bytes rounded up to the region alignment: sub-regions carved from one region stay aligned. */
export const align = (bytes: number): number => Math.ceil(bytes / REGION_ALIGN) * REGION_ALIGN;

/** Text of a shape for error messages. */
export function shapeText(s: Shape): string {
  return `{ n: ${s.n}, m: ${s.m}, k: ${s.k} }`;
}

// The copying API's scratch: one region, grown to the largest call seen and then reused.
let arena: { memory: WasmMemory; ptr: number; bytes: number } | undefined;

function reserveArena(memory: WasmMemory, bytes: number, caller: string, what: string): number {
  if (arena?.memory === memory && arena.bytes >= bytes) return arena.ptr;
  if (arena?.memory === memory) memory.free(arena.ptr);
  arena = undefined;
  const ptr = allocRegion(memory, bytes, caller, what);
  arena = { memory, ptr, bytes };
  return ptr;
}

type ArrayType = { new (buffer: ArrayBuffer, byteOffset: number, length: number): ArrayLike<number> & { set(a: ArrayLike<number>): void } };

/** An array a call needs in wasm memory, converted to `type` if it is copied. */
export interface Input {
  readonly data: ArrayLike<number>;
  readonly type: ArrayType & { readonly BYTES_PER_ELEMENT: number };
}

/** Where a call's arrays are in wasm memory. */
export interface Placed {
  /** Pointer of each input, in order. */
  readonly inputs: number[];
  readonly out: number;
  /** `out` lives in wasm memory: the kernel writes it in place. */
  readonly outInWasm: boolean;
  readonly scratch: number;
  /** A view of `length` elements of the call's float type at byte `ptr`, over the current buffer. */
  view(ptr: number, length: number): FloatArray;
}

/**
 * Lays out a call: its inputs (used in place when already in wasm memory, else copied and
 * converted), an output of `outElements` of the float type (the caller's `out` in place if
 * it lives in wasm memory; copied in when `readOut`), then `scratchBytes` for the kernel.
 */
export function place(
  caller: string,
  what: string,
  K: PrecisionKernels,
  memory: WasmMemory,
  inputs: readonly Input[],
  outElements: number,
  out: FloatArray | undefined,
  readOut: boolean,
  scratchBytes: number,
): Placed {
  // offsets of arrays already in wasm memory are taken now, before a growth detaches them
  const inWasm = (a: unknown, type: unknown): boolean =>
    a instanceof (type as typeof Float32Array) && (a as FloatArray).buffer === memory.buffer;
  const at = inputs.map(({ data, type }) => (inWasm(data, type) ? (data as FloatArray).byteOffset : -1));
  const outAt = out !== undefined && inWasm(out, K.ArrayType) ? out.byteOffset : -1;
  const sizes = inputs.map(({ data, type }, i) => (at[i] < 0 ? align(data.length * type.BYTES_PER_ELEMENT) : 0));
  const outBytes = outAt < 0 ? align(outElements * K.bytesPerElement) : 0;
  const base = reserveArena(memory, sizes.reduce((a, b) => a + b, 0) + outBytes + scratchBytes, caller, what);

  let next = base;
  const ptrs = inputs.map(({ data, type }, i) => {
    if (at[i] >= 0) return at[i];
    const ptr = next;
    next += sizes[i];
    new type(memory.buffer, ptr, data.length).set(data);
    return ptr;
  });
  const view = (ptr: number, length: number): FloatArray => new K.ArrayType(memory.buffer, ptr, length);
  const outPtr = outAt >= 0 ? outAt : next;
  if (readOut && out !== undefined && outAt < 0) view(outPtr, outElements).set(out);
  return { inputs: ptrs, out: outPtr, outInWasm: outAt >= 0, scratch: next + outBytes, view };
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

/** The result: `out` (refreshed if it lives in wasm memory that grew meanwhile), else a copy. */
export function deliver<A extends FloatArray>(placed: Placed, memory: WasmMemory, length: number, out: A | undefined): A {
  const result = placed.view(placed.out, length) as A;
  if (out === undefined) return copyOf(result);
  // an `out` in wasm memory was written in place; if the memory grew, its buffer is detached
  // and a view of the new buffer takes its place
  if (placed.outInWasm) return out.buffer === memory.buffer ? out : result;
  out.set(result);
  return out;
}
