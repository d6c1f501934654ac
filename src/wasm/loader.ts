// Loading (docs/design.md §9): the embedded wasm bytes, SIMD detection, a module instantiated on
// its own memory or on a shared one (the thread pool's), and the engine over its exports: the
// memory owner and the typed kernels of each precision.

import {
  bindKernels,
  kernelNames,
  type KernelName,
  type Kernels,
  type ModuleExports,
  type PlainArgs,
} from "./generated/kernels.js";
import { simdWasm } from "./generated/simd.js";
import { MAX_PAGES } from "./layout.js";
import { WasmMemory } from "./memory.js";
import type { FloatArray, Precision } from "../util/types.js";
import { describe } from "../util/read.js";
import type { BytesLike, ResponseLike, WasmMemoryLike, WasmModuleLike } from "./wasm-types.js";

/**
 * What {@link init} can load instead of the embedded module: bytes (a BufferSource), a compiled
 * WebAssembly.Module, or a fetch Response or a promise of one (typed structurally: the
 * declarations need no DOM library).
 */
export type WasmSource = BytesLike | WasmModuleLike | ResponseLike | PromiseLike<ResponseLike>;

/**
 * Rows a block of the pairwise tree sums (docs/design.md §4): the kernels' BLOCK_ROWS, which
 * init() checks the module exports, known before it loads (chunk boundaries are computed then).
 */
export const BLOCK_ROWS = 256;

/** The kernels of one precision (docs/design.md §9), with the facts the wrapper needs about its element type. */
export interface PrecisionKernels extends Kernels {
  readonly precision: Precision;
  readonly bytesPerElement: 4 | 8;
  readonly ArrayType: {
    new (length: number): FloatArray;
    new (buffer: ArrayBuffer, byteOffset: number, length: number): FloatArray;
    readonly BYTES_PER_ELEMENT: number;
  };
  /** Each kernel's export name, for worker threads that call them by name. */
  readonly names: Record<KernelName, string>;
}

/** The bits of a dense kernel's `plan` argument, as the module exports them (PLAN_* in assembly/common.ts). */
export interface PlanBits {
  readonly compact: number;
  readonly wideStrips: number;
  readonly multiBlock: number;
  readonly fused: number;
  readonly fillFirst: number;
  readonly touchAhead: number;
}

/** A loaded module: its memory owner, its kernels, and the constants of its layout. */
export interface Engine {
  readonly simd: boolean;
  /** The distinct rows of index[0..count) into list (marks: one zero byte per row); returns how many. */
  distinctRows(args: PlainArgs["distinctRows"]): number;
  /** The most tree nodes a range pass (poolRange) returns for one group. */
  readonly maxRangeNodes: number;
  /** Groups of at most this many rows are pooled by one loop whatever the plan (the planner is then not asked). */
  readonly smallRows: number;
  /** The bits of the dense kernels' `plan` argument (the planner's variants). */
  readonly planBits: PlanBits;
  readonly memory: WasmMemory;
  readonly f32: PrecisionKernels;
  readonly f64: PrecisionKernels;
}

// The smallest module using a v128 instruction (i8x16.splat, i8x16.popcnt): it validates only
// where the host has wasm SIMD.
const SIMD_PROBE = new Uint8Array([
  0, 97, 115, 109, 1, 0, 0, 0, 1, 5, 1, 96, 0, 1, 123, 3, 2, 1, 0, 10, 10, 1, 8, 0, 65, 0, 253, 15, 253, 98, 11,
]);

/**
 * Whether this host compiles wasm SIMD (v128): init() then loads the SIMD build.
 *
 * @example
 * ```ts
 * hostHasSimd(); // true in Node 16+ and evergreen browsers, false in Safari before 16.4
 * ```
 */
export function hostHasSimd(): boolean {
  return typeof WebAssembly === "object" && WebAssembly.validate(SIMD_PROBE);
}

function decodeBase64(text: string): Uint8Array<ArrayBuffer> {
  const binary = atob(text);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

async function compileSource(source: WasmSource): Promise<WebAssembly.Module> {
  const resolved = await source;
  if (resolved instanceof WebAssembly.Module) return resolved;
  if (typeof Response !== "undefined" && resolved instanceof Response) {
    if (!resolved.ok)
      throw new Error(`init(): options.source is a Response of HTTP ${resolved.status}, not the module`);
    return WebAssembly.compile(await resolved.arrayBuffer());
  }
  if (ArrayBuffer.isView(resolved) || resolved instanceof ArrayBuffer)
    return WebAssembly.compile(resolved as BufferSource);
  throw new TypeError(
    `init(): options.source must be a BufferSource, a WebAssembly.Module or a Response, got ${describe(resolved)}`,
  );
}

function precisionKernels(e: ModuleExports, precision: Precision): PrecisionKernels {
  const suffix = precision === "f32" ? "F32" : "F64";
  return {
    precision,
    bytesPerElement: precision === "f32" ? 4 : 8,
    ArrayType: precision === "f32" ? Float32Array : Float64Array,
    names: kernelNames(suffix),
    ...bindKernels(e, suffix),
  };
}

/** @internal The embedded SIMD build's bytes. */
export function simdBytes(): Uint8Array<ArrayBuffer> {
  return decodeBase64(simdWasm);
}

/**
 * The bytes of the build for this host: the SIMD build, or the scalar one, which a host without
 * wasm SIMD imports when it needs it (no other host downloads it: a bundler makes it a chunk).
 */
async function buildBytes(simd: boolean): Promise<Uint8Array<ArrayBuffer>> {
  return decodeBase64(simd ? simdWasm : (await import("./generated/scalar.js")).scalarWasm);
}

/**
 * @internal
 * The SIMD build with its imported memory marked shared: the limits flag of the memory import
 * (0x01: minimum and maximum) becomes 0x03 (shared, minimum and maximum). A thread pool's
 * workers instantiate it on one shared memory.
 */
export function withSharedMemory(bytes: Uint8Array): Uint8Array<ArrayBuffer> {
  const out = Uint8Array.from(bytes);
  let p = 8;
  const leb = (): number => {
    let result = 0,
      shift = 0,
      byte: number;
    do {
      byte = out[p++];
      result |= (byte & 0x7f) << shift;
      shift += 7;
    } while (byte & 0x80);
    return result >>> 0;
  };
  const name = (): string => {
    const length = leb();
    p += length;
    return String.fromCharCode(...out.subarray(p - length, p));
  };
  while (p < out.length) {
    const id = out[p++],
      size = leb(),
      end = p + size;
    if (id === 2) {
      for (let i = leb(); i > 0; i--) {
        const module = name(),
          field = name(),
          kind = out[p++];
        if (kind === 2 && module === "env" && field === "memory") {
          if (out[p] !== 0x01) throw new Error(`internal: the memory import's limits flag is ${out[p]}, not 1`);
          out[p] = 0x03;
          return out;
        }
        if (kind === 0) leb();
        else if (kind === 1 || kind === 2) {
          if (kind === 1) p++;
          const flags = out[p++];
          leb();
          if (flags & 1) leb();
        } else p += 2;
      }
    }
    p = end;
  }
  throw new Error("internal: the module imports no memory to share");
}

/** A module, its instance's exports and engine, on a memory of its own or the shared one given. */
export interface Loaded {
  readonly module: WasmModuleLike;
  readonly engine: Engine;
}

/**
 * The embedded module on a memory of its own (the SIMD build where the host has SIMD), or the
 * SIMD build on a new shared memory of the whole 4 GiB, for a thread pool; `caller` names a
 * refusal of that memory (engines cap how many live: docs/design.md §11).
 */
export async function loadFresh(shared: false | { caller: string }): Promise<Loaded & { memory?: WasmMemoryLike }> {
  if (!shared) {
    const module = await WebAssembly.compile(await buildBytes(hostHasSimd()));
    return { module, engine: engineOf(await instantiate(module)) };
  }
  const module = await WebAssembly.compile(withSharedMemory(simdBytes()));
  let memory: WebAssembly.Memory;
  try {
    memory = new WebAssembly.Memory({ initial: 1, maximum: MAX_PAGES, shared: true });
  } catch (error) {
    throw new RangeError(
      `${shared.caller}(): this engine refused another shared wasm memory of 4 GiB (${(error as Error).message})` +
        `; too many thread pools are alive: terminate() the ones you are done with and drop every reference to them`,
      { cause: error },
    );
  }
  return { module, memory, engine: engineOf(await instantiate(module, memory)) };
}

/**
 * Instantiates a module of either kind: the SIMD build imports its memory (so that the same
 * bytes also serve the thread pool, on a shared memory: threads.ts), the scalar build
 * defines its own. An imported memory is created here unless given.
 */
export async function instantiate(module: WasmModuleLike, memory?: WasmMemoryLike): Promise<ModuleExports> {
  const compiled = module as WebAssembly.Module;
  const imports: WebAssembly.Imports = WebAssembly.Module.imports(compiled).some((i) => i.kind === "memory")
    ? { env: { memory: (memory as WebAssembly.Memory) ?? new WebAssembly.Memory({ initial: 1, maximum: MAX_PAGES }) } }
    : {};
  const instance = await WebAssembly.instantiate(compiled, imports);
  return instance.exports as unknown as ModuleExports;
}

export async function load(source: WasmSource | undefined, simd: boolean): Promise<Engine> {
  if (typeof WebAssembly !== "object")
    throw new Error("init(): crossgrad needs WebAssembly, which this environment lacks");
  const module = await compileSource(source ?? (await buildBytes(simd)));
  return engineOf(await instantiate(module));
}

/** The engine over a module's exports: its memory owner and its kernels. */
export function engineOf(exports: ModuleExports): Engine {
  if (exports.BLOCK_ROWS.value !== BLOCK_ROWS) {
    throw new Error(
      `init(): the module sums blocks of ${exports.BLOCK_ROWS.value} rows, this crossgrad ${BLOCK_ROWS}: a module of another version`,
    );
  }
  const memory = new WasmMemory(exports.memory, exports.heapBase() >>> 0);
  const engine: Engine = {
    simd: exports.simdBuild() !== 0,
    distinctRows: (a) => exports.distinctRows(a.count, a.index, a.marks, a.list) >>> 0,
    maxRangeNodes: exports.MAX_RANGE_NODES.value as number,
    smallRows: exports.SMALL_ROWS.value as number,
    planBits: {
      compact: exports.PLAN_COMPACT.value as number,
      wideStrips: exports.PLAN_WIDE_STRIPS.value as number,
      multiBlock: exports.PLAN_MULTI_BLOCK.value as number,
      fused: exports.PLAN_FUSED.value as number,
      fillFirst: exports.PLAN_FILL_FIRST.value as number,
      touchAhead: exports.PLAN_TOUCH_AHEAD.value as number,
    },
    memory,
    f32: precisionKernels(exports, "f32"),
    f64: precisionKernels(exports, "f64"),
  };
  return memory.guarded ? verifyingEveryCall(engine) : engine;
}

/** Test build: every kernel call is followed by a check of the memory guard's canaries. */
function verifyingEveryCall(engine: Engine): Engine {
  const wrap = <O extends object>(kernels: O): O =>
    Object.fromEntries(
      Object.entries(kernels).map(([name, value]) => [
        name,
        typeof value === "function" && name !== "ArrayType"
          ? (...args: number[]) => {
              const result = value(...args);
              engine.memory.verify();
              return result;
            }
          : value,
      ]),
    ) as O;
  return { ...wrap(engine), memory: engine.memory, f32: wrap(engine.f32), f64: wrap(engine.f64) };
}
