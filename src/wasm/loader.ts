// Loading: the embedded wasm bytes, SIMD detection, one compiled module, one shared promise.

import { setPlanMode, type PlanBits, type PlanMode } from "./planner.js";
import { bindKernels, kernelNames, type KernelName, type Kernels, type ModuleExports } from "./generated/kernels.js";
import { scalarWasm, simdWasm } from "./generated/wasm.js";
import { WasmMemory } from "./memory.js";
import type { FloatArray, Precision } from "../util/types.js";
import { describe, shown } from "../util/read.js";
import { checkOptions } from "../ops/checks.js";
import type { BytesLike, ResponseLike, WasmMemoryLike, WasmModuleLike } from "./wasm-types.js";

/**
 * What {@link init} can load instead of the embedded module: bytes (a BufferSource), a compiled
 * WebAssembly.Module, or a fetch Response or a promise of one (typed structurally: the
 * declarations need no DOM library).
 */
export type WasmSource = BytesLike | WasmModuleLike | ResponseLike | PromiseLike<ResponseLike>;

/** Options of {@link init}. */
export interface InitOptions {
  /**
   * A module to load instead of the embedded one: its bytes, a compiled module, or a (promised)
   * fetch Response. It must be a build of this package's assembly/ of the same version.
   */
  readonly source?: WasmSource;
  /**
   * `false` forces the scalar build (slower; for hosts without wasm SIMD and for tests),
   * `true` insists on SIMD and rejects where the host has none. Default: SIMD when the host
   * validates it.
   */
  readonly simd?: boolean;
  /**
   * How dense calls choose their loops (every variant gives the same bits; docs/design.md §6):
   * `"measure"` (default) runs each kernel's variants in turn on the first calls of each size
   * class, timed (after an untimed first turn), and keeps the fastest once each has run 3 times
   * and 20 ms are spent; `"fixed"` keeps one rule, the same choice on every machine and run.
   * Unlike `simd` and `source`, a later init() may change it.
   */
  readonly plan?: PlanMode;
}

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

/** A loaded module: its memory owner, its kernels, and the constants of its layout. */
export interface Engine {
  readonly simd: boolean;
  /** The distinct rows of index[0..count) into list (marks: one zero byte per row); returns how many. */
  distinctRows(count: number, index: number, marks: number, list: number): number;
  /** The most tree nodes a range pass (poolRange) returns for one group. */
  readonly maxRangeNodes: number;
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

/** Pages a wasm32 memory can hold: 4 GiB. */
const MAX_PAGES = 65536;

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

async function load(source: WasmSource | undefined, simd: boolean): Promise<Engine> {
  if (typeof WebAssembly !== "object")
    throw new Error("init(): crossgrad needs WebAssembly, which this environment lacks");
  const module = await compileSource(source ?? decodeBase64(simd ? simdWasm : scalarWasm));
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
    distinctRows: (count, index, marks, list) => exports.distinctRows(count, index, marks, list) >>> 0,
    maxRangeNodes: exports.MAX_RANGE_NODES.value as number,
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

let pending: Promise<void> | undefined;
let chosen: { source: WasmSource | undefined; simd: boolean } | undefined;
let engine: Engine | undefined;

/**
 * Loads and compiles the wasm module, once. Call it (and await it) before any other function.
 * Concurrent and later calls share the first call's promise; a later call whose explicit
 * options differ from the first one's rejects.
 *
 * @example
 * ```ts
 * import { init, value } from "crossgrad";
 * await init();
 * value(new Float32Array([1, 2, 3, 4]), [1, 1], { n: 1, m: 1, k: 2 }); // 11
 * ```
 */
export function init(options?: InitOptions): Promise<void> {
  try {
    options = checkOptions<InitOptions>(options, "init", ["source", "simd", "plan"]);
    if (options.simd !== undefined && typeof options.simd !== "boolean") {
      throw new TypeError(`init(): options.simd must be a boolean or undefined, got ${describe(options.simd)}`);
    }
    if (options.plan !== undefined && options.plan !== "measure" && options.plan !== "fixed")
      throw new TypeError(`init(): options.plan must be "measure", "fixed" or undefined, got ${shown(options.plan)}`);
  } catch (error) {
    return Promise.reject(error);
  }
  if (pending && chosen) {
    const differs =
      (options.simd !== undefined && options.simd !== chosen.simd) ||
      (options.source !== undefined && options.source !== chosen.source);
    if (differs) {
      return Promise.reject(
        new Error(
          `init(): init was already called with { simd: ${chosen.simd}${chosen.source ? ", source" : ""} }; ` +
            `a later call cannot change the options (got { simd: ${options.simd}${options.source ? ", source" : ""} })`,
        ),
      );
    }
    if (options.plan !== undefined) setPlanMode(options.plan);
    return pending;
  }
  if (options.plan !== undefined) setPlanMode(options.plan);
  const hostSimd = hostHasSimd();
  if (options.simd === true && !hostSimd) {
    return Promise.reject(new Error("init(): options.simd is true, but this host has no wasm SIMD"));
  }
  const simd = options.simd ?? hostSimd;
  chosen = { source: options.source, simd };
  const attempt: Promise<void> = load(options.source, simd).then(
    (loaded) => {
      engine = loaded;
    },
    (error: unknown) => {
      // a failed load may be retried, with any options
      if (pending === attempt) pending = chosen = undefined;
      throw error;
    },
  );
  pending = attempt;
  return attempt;
}

/** The loaded engine, or the Error that tells the caller to await init(). */
export function requireEngine(caller: string): Engine {
  if (engine === undefined) {
    throw new Error(`crossgrad is not initialised: await init() before calling ${caller}()`);
  }
  return engine;
}

/** What init() loaded. */
export interface RuntimeInfo {
  /** true for the SIMD build, false for the scalar one. */
  readonly simd: boolean;
  /** Bytes of wasm memory reserved so far (it grows on demand and never shrinks). */
  readonly memoryBytes: number;
}

/**
 * Which build init() loaded, and how much wasm memory it holds.
 *
 * @example
 * ```ts
 * await init();
 * info().simd; // true on every evergreen browser and Node >= 16
 * ```
 */
export function info(): RuntimeInfo {
  const e = requireEngine("info");
  return { simd: e.simd, memoryBytes: e.memory.byteLength };
}
