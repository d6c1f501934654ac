// Loading: the embedded wasm bytes, SIMD detection, one compiled module, one shared promise.

import { scalarWasm, simdWasm } from "./generated/wasm.js";
import { WasmMemory } from "./memory.js";
import type { FloatArray, Precision } from "./types.js";
import { checkOptions, describe } from "./validate.js";

/** What {@link init} can load instead of the embedded module. */
export type WasmSource = BufferSource | WebAssembly.Module | Response | PromiseLike<Response>;

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
}

/** The module's exports (assembly/index.ts). Counts and byte pointers in, numbers out. */
export interface Exports {
  readonly memory: WebAssembly.Memory;
  heapBase(): number;
  simdBuild(): number;
  scratchBytesF32(n: number, m: number, k: number): number;
  scratchBytesF64(n: number, m: number, k: number): number;
  pooledF32(
    n: number,
    m: number,
    k: number,
    phi: number,
    h: number,
    u: number,
    v: number,
    scratch: number,
    compact: number,
  ): void;
  pooledF64(
    n: number,
    m: number,
    k: number,
    phi: number,
    h: number,
    u: number,
    v: number,
    scratch: number,
    compact: number,
  ): void;
  valueF32(n: number, m: number, k: number, phi: number, h: number, scratch: number, compact: number): number;
  valueF64(n: number, m: number, k: number, phi: number, h: number, scratch: number, compact: number): number;
  valueAndGradientF32(
    n: number,
    m: number,
    k: number,
    phi: number,
    h: number,
    out: number,
    scale: number,
    accumulate: number,
    scratch: number,
    compact: number,
  ): number;
  valueAndGradientF64(
    n: number,
    m: number,
    k: number,
    phi: number,
    h: number,
    out: number,
    scale: number,
    accumulate: number,
    scratch: number,
    compact: number,
  ): number;
  gateGradientF32(
    n: number,
    m: number,
    k: number,
    phi: number,
    h: number,
    out: number,
    scratch: number,
    compact: number,
  ): number;
  gateGradientF64(
    n: number,
    m: number,
    k: number,
    phi: number,
    h: number,
    out: number,
    scratch: number,
    compact: number,
  ): number;
  [suffixedKernel: string]: unknown;
}

/**
 * The kernels on sparse gates, batches, optimizer steps and ranges of rows, each exported as
 * an F32 and an F64 instance (assembly/index.ts): the names without the suffix.
 */
interface SuffixedKernels {
  sparseValue(
    n: number,
    m: number,
    k: number,
    phi: number,
    count: number,
    index: number,
    weight: number,
    split: number,
    scratch: number,
  ): number;
  sparsePooled(
    n: number,
    m: number,
    k: number,
    phi: number,
    count: number,
    index: number,
    weight: number,
    split: number,
    u: number,
    v: number,
    scratch: number,
  ): void;
  sparseValueAndGradient(
    n: number,
    m: number,
    k: number,
    phi: number,
    count: number,
    index: number,
    weight: number,
    split: number,
    out: number,
    scale: number,
    accumulate: number,
    dense: number,
    scratch: number,
  ): number;
  sparseGateGradient(
    n: number,
    m: number,
    k: number,
    phi: number,
    count: number,
    index: number,
    weight: number,
    split: number,
    out: number,
    scratch: number,
  ): number;
  batchPooledListed(
    n: number,
    m: number,
    k: number,
    phi: number,
    sets: number,
    indptr: number,
    index: number,
    weight: number,
    splits: number,
    u: number,
    v: number,
    values: number,
    scratch: number,
  ): void;
  batchPooledDense(
    n: number,
    m: number,
    k: number,
    phi: number,
    sets: number,
    h: number,
    u: number,
    v: number,
    values: number,
    scratch: number,
    compact: number,
  ): void;
  batchGradientListed(
    n: number,
    m: number,
    k: number,
    sets: number,
    indptr: number,
    index: number,
    weight: number,
    splits: number,
    u: number,
    v: number,
    setWeights: number,
    scale: number,
    out: number,
    accumulate: number,
    dense: number,
    scratch: number,
  ): void;
  batchGradientDense(
    n: number,
    m: number,
    k: number,
    sets: number,
    h: number,
    u: number,
    v: number,
    setWeights: number,
    scale: number,
    out: number,
    accumulate: number,
    scratch: number,
  ): void;
  gatherSets(
    count: number,
    ids: number,
    indptr: number,
    index: number,
    weight: number,
    splits: number,
    outIndptr: number,
    outIndex: number,
    outWeight: number,
    outSplits: number,
  ): number;
  sgdRows(
    count: number,
    list: number,
    k: number,
    phi: number,
    grad: number,
    velocity: number,
    lr: number,
    mu: number,
    nesterov: number,
    decay: number,
    gradScale: number,
    l2: number,
  ): void;
  adagradRows(
    count: number,
    list: number,
    k: number,
    phi: number,
    grad: number,
    accum: number,
    lr: number,
    eps: number,
    decay: number,
    gradScale: number,
    l2: number,
  ): void;
  adamRows(
    count: number,
    list: number,
    k: number,
    phi: number,
    grad: number,
    mom: number,
    vel: number,
    lr: number,
    b1: number,
    b2: number,
    eps: number,
    c1: number,
    c2: number,
    decay: number,
    gradScale: number,
    l2: number,
  ): void;
  gradientNormSquared(count: number, list: number, k: number, phi: number, grad: number, l2: number): number;
  /** The first listed row (list = 0: rows 0..count-1) with a NaN or an infinity, as its position in the list, or -1. */
  firstNonFiniteRow(count: number, list: number, k: number, phi: number): number;
  zeroRows(count: number, list: number, k: number, a: number): void;
  rangeScratchBytes(rows: number, first: number, k: number): number;
  poolRange(
    rows: number,
    k: number,
    phi: number,
    h: number,
    first: number,
    meta: number,
    values: number,
    scratch: number,
    compact: number,
  ): number;
  combineScratchBytes(count: number, k: number): number;
  combine(
    count: number,
    k: number,
    meta: number,
    values: number,
    blocks: number,
    out: number,
    out64: number,
    scratch: number,
  ): void;
  dot64(k: number, u64: number, v64: number): number;
  gradientRows(
    rows: number,
    k: number,
    h: number,
    w: number,
    scale: number,
    out: number,
    accumulate: number,
    sw: number,
  ): void;
  rowDots(rows: number, k: number, phi: number, w: number, out: number): void;
}

/** The kernels of one precision, with the facts the wrapper needs about its element type. */
export interface PrecisionKernels extends SuffixedKernels {
  readonly precision: Precision;
  readonly bytesPerElement: 4 | 8;
  readonly ArrayType: {
    new (length: number): FloatArray;
    new (buffer: ArrayBuffer, byteOffset: number, length: number): FloatArray;
    readonly BYTES_PER_ELEMENT: number;
  };
  scratchBytes(n: number, m: number, k: number): number;
  pooled(
    n: number,
    m: number,
    k: number,
    phi: number,
    h: number,
    u: number,
    v: number,
    scratch: number,
    compact: number,
  ): void;
  value(n: number, m: number, k: number, phi: number, h: number, scratch: number, compact: number): number;
  valueAndGradient(
    n: number,
    m: number,
    k: number,
    phi: number,
    h: number,
    out: number,
    scale: number,
    accumulate: number,
    scratch: number,
    compact: number,
  ): number;
  gateGradient(
    n: number,
    m: number,
    k: number,
    phi: number,
    h: number,
    out: number,
    scratch: number,
    compact: number,
  ): number;
}

/** A loaded module: its memory owner and its kernels. */
export interface Engine {
  readonly simd: boolean;
  /** The distinct rows of index[0..count) into list (marks: one zero byte per row); returns how many. */
  distinctRows(count: number, index: number, marks: number, list: number): number;
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
  if (ArrayBuffer.isView(resolved) || resolved instanceof ArrayBuffer) return WebAssembly.compile(resolved);
  throw new TypeError(
    `init(): options.source must be a BufferSource, a WebAssembly.Module or a Response, got ${describe(resolved)}`,
  );
}

const SUFFIXED_KERNELS = [
  "sparseValue",
  "sparsePooled",
  "sparseValueAndGradient",
  "sparseGateGradient",
  "batchPooledListed",
  "batchPooledDense",
  "batchGradientListed",
  "batchGradientDense",
  "gatherSets",
  "sgdRows",
  "adagradRows",
  "adamRows",
  "gradientNormSquared",
  "firstNonFiniteRow",
  "zeroRows",
  "rangeScratchBytes",
  "poolRange",
  "combineScratchBytes",
  "combine",
  "dot64",
  "gradientRows",
  "rowDots",
] as const satisfies readonly (keyof SuffixedKernels)[];

function precisionKernels(e: Exports, precision: Precision): PrecisionKernels {
  const f32 = precision === "f32";
  return {
    precision,
    bytesPerElement: f32 ? 4 : 8,
    ArrayType: f32 ? Float32Array : Float64Array,
    // sizes come back as f64, computed in 64 bits: exact, never wrapped
    scratchBytes: f32 ? e.scratchBytesF32 : e.scratchBytesF64,
    pooled: f32 ? e.pooledF32 : e.pooledF64,
    value: f32 ? e.valueF32 : e.valueF64,
    valueAndGradient: f32 ? e.valueAndGradientF32 : e.valueAndGradientF64,
    gateGradient: f32 ? e.gateGradientF32 : e.gateGradientF64,
    ...(Object.fromEntries(
      SUFFIXED_KERNELS.map((name) => [name, e[name + (f32 ? "F32" : "F64")]]),
    ) as unknown as SuffixedKernels),
  };
}

/** The embedded SIMD build's bytes. */
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
export async function instantiate(module: WebAssembly.Module, memory?: WebAssembly.Memory): Promise<Exports> {
  const imports: WebAssembly.Imports = WebAssembly.Module.imports(module).some((i) => i.kind === "memory")
    ? { env: { memory: memory ?? new WebAssembly.Memory({ initial: 1, maximum: MAX_PAGES }) } }
    : {};
  const instance = await WebAssembly.instantiate(module, imports);
  return instance.exports as unknown as Exports;
}

async function load(source: WasmSource | undefined, simd: boolean): Promise<Engine> {
  if (typeof WebAssembly !== "object")
    throw new Error("init(): crossgrad needs WebAssembly, which this environment lacks");
  const module = await compileSource(source ?? decodeBase64(simd ? simdWasm : scalarWasm));
  return engineOf(await instantiate(module));
}

/** The engine over a module's exports: its memory owner and its kernels. */
export function engineOf(exports: Exports): Engine {
  const memory = new WasmMemory(exports.memory, exports.heapBase() >>> 0);
  const engine: Engine = {
    simd: exports.simdBuild() !== 0,
    distinctRows: exports.distinctRows as Engine["distinctRows"],
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
    options = checkOptions<InitOptions>(options, "init");
    if (options.simd !== undefined && typeof options.simd !== "boolean") {
      throw new TypeError(`init(): options.simd must be a boolean or undefined, got ${describe(options.simd)}`);
    }
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
    return pending;
  }
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
