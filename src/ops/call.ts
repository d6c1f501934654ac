// How a copying call reaches the kernels: its arrays are placed in the memory's arena (one
// reusable region), unless they already live in wasm memory (a Problem's views), and the
// result is delivered: copied out, or written in place. After warm-up repeated calls allocate
// no wasm memory.

import type { PrecisionKernels } from "../wasm/loader.js";
import { align, type What } from "../wasm/layout.js";
import { copyOf, type ViewType, type WasmMemory } from "../wasm/memory.js";
import { copyFrom, copyInto, objectOf, ownRef, type ArrayRef } from "../util/read.js";
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

/** Kinds by constructor, for comparing an array's kind with a call's type without a name lookup. */
const KINDS = new Map<unknown, string>(
  (["Uint8Array", "Uint32Array", "Float32Array", "Float64Array"] as const).map((kind) => [globalThis[kind], kind]),
);

/** The byte offset of an array of `type` in bytes handed out of this memory, else -1 (it is copied). */
function inPlace(data: ArrayRef, type: ArrayType, memory: WasmMemory, caller: string, name: string): number {
  // locate also refuses a view of freed or internal memory whatever its type: the call may overwrite it
  const ptr = memory.locate(caller, name, data);
  return data.kind === KINDS.get(type) ? ptr : -1;
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
  const outAt = out?.array === undefined ? -1 : inPlace(out.array, K.ArrayType, memory, caller, "options.out");
  const outEnd = outAt + (out?.elements ?? 0) * K.bytesPerElement;
  const count = inputs.length;
  const at = new Array<number>(count + results.length);
  const copied = new Array<ArrayRef | undefined>(count);
  let bytes = 0;
  for (let i = 0; i < count; i++) {
    const { data, type, name } = inputs[i];
    const size = data.length * type.BYTES_PER_ELEMENT;
    // an array of the library's own (no buffer read) is never a view of wasm memory
    const ptr = data.buffer === undefined ? -1 : inPlace(data, type, memory, caller, name);
    // an input that overlaps an in-place out is copied: the kernel may write out before it reads it
    at[i] = ptr >= 0 && outAt >= 0 && ptr < outEnd && outAt < ptr + size ? -1 : ptr;
    if (at[i] < 0) {
      bytes += align(size);
      // taken before the arena grows the memory, which detaches a view of it
      copied[i] = memory.stable(data);
    }
  }
  for (const elements of results) bytes += align(elements * K.bytesPerElement);
  const outBytes = outAt < 0 ? (out?.elements ?? 0) * K.bytesPerElement : 0;
  bytes += align(outBytes) + align(scratch);
  // the arena, laid out as the inputs to copy, the results, out unless it is in place, the scratch
  let next = memory.arena(bytes, caller, what);
  for (let i = 0; i < count; i++) {
    if (at[i] >= 0) continue;
    const { data, type } = inputs[i];
    at[i] = next;
    if (data.length > 0) copyFrom(memory.view(type, next, data.length), copied[i]!);
    next += align(data.length * type.BYTES_PER_ELEMENT);
  }
  for (let j = 0; j < results.length; j++) {
    at[count + j] = next;
    next += align(results[j] * K.bytesPerElement);
  }
  const outPtr = outAt >= 0 ? outAt : next;
  next += align(outBytes);
  if (out?.read && out.array !== undefined && outAt < 0)
    copyFrom(memory.view(K.ArrayType, outPtr, out.elements), out.array);
  return { at, out: outPtr, outInWasm: outAt >= 0, scratch: next, K };
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
