// How a copying call reaches the kernels: its arrays are placed in one reusable scratch
// region of wasm memory (the arena), unless they already live there (a Problem's views), and
// the result is copied out. After warm-up repeated calls allocate no wasm memory.

import type { PrecisionKernels } from "./loader.js";
import { allocRegion, REGION_ALIGN, type ViewType, type WasmMemory } from "./memory.js";
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

type ArrayType = ViewType<ArrayBufferView & ArrayLike<number> & { set(a: ArrayLike<number>): void }>;

/** An array a call needs in wasm memory, converted to `type` if it is copied; `name` for errors. */
export interface Input {
  readonly data: ArrayLike<number>;
  readonly type: ArrayType;
  readonly name: string;
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

/** The byte offset of an array of `type` in a live region of this memory, else -1 (it is copied). */
function inPlace(data: ArrayLike<number>, type: unknown, memory: WasmMemory, caller: string, name: string): number {
  if (!ArrayBuffer.isView(data)) return -1;
  // locate also refuses a view of freed memory whatever its type: reading it would be reading someone else's data
  const ptr = memory.locate(data, caller, name);
  return data instanceof (type as typeof Float32Array) ? ptr : -1;
}

/**
 * Lays out a call: its inputs (used in place when already in a live region of wasm memory,
 * else copied and converted), an output of `outElements` of the float type (the caller's `out`
 * in place if it lives in wasm memory; copied in when `readOut`), then `scratchBytes` for the
 * kernel. An input that overlaps an in-place `out` is copied, since the kernel may write out
 * before it reads that input.
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
  const outAt = out === undefined ? -1 : inPlace(out, K.ArrayType, memory, caller, "options.out");
  const outEnd = outAt + outElements * K.bytesPerElement;
  const at = inputs.map(({ data, type, name }) => {
    const ptr = inPlace(data, type, memory, caller, name);
    const overlapsOut = ptr >= 0 && outAt >= 0 && ptr < outEnd && outAt < ptr + data.length * type.BYTES_PER_ELEMENT;
    return overlapsOut ? -1 : ptr;
  });
  const sizes = inputs.map(({ data, type }, i) => (at[i] < 0 ? align(data.length * type.BYTES_PER_ELEMENT) : 0));
  const outBytes = outAt < 0 ? align(outElements * K.bytesPerElement) : 0;
  const base = reserveArena(memory, sizes.reduce((a, b) => a + b, 0) + outBytes + scratchBytes, caller, what);

  let next = base;
  const ptrs = inputs.map(({ data, type }, i) => {
    if (at[i] >= 0) return at[i];
    const ptr = next;
    next += sizes[i];
    memory.view(type, ptr, data.length).set(data);
    return ptr;
  });
  const view = (ptr: number, length: number): FloatArray => memory.view(K.ArrayType, ptr, length);
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
export function deliver<A extends FloatArray>(
  placed: Placed,
  memory: WasmMemory,
  length: number,
  out: A | undefined,
): A {
  const result = placed.view(placed.out, length) as A;
  if (out === undefined) return copyOf(result);
  // an `out` in wasm memory was written in place; if the memory grew, its buffer is detached
  // and a view of the new buffer takes its place
  if (placed.outInWasm) return out.buffer === memory.buffer ? out : result;
  out.set(result);
  return out;
}
