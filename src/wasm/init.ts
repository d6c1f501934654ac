// init() and the engine it loads, once: concurrent calls share one promise, a later call with
// other explicit options rejects, and every kernel's caller asks for the engine here (with an
// Error telling it to await init() before it resolved). init's planner options go to the planner
// (docs/planner.md): its mode and budget at once, its shapes once the engine is loaded.

import { checkOptions } from "../util/checks.js";
import { describe, shown } from "../util/read.js";
import { simdWasm } from "./generated/simd.js";
import { hostHasSimd, load, type Engine, type WasmSource } from "./loader.js";
import { PLAN_MODES, planMode, setPlanMode, type PlanMode } from "./planner.js";
import type { PlanShape } from "./preplan.js";
import { fnv1a, setWisdomKey } from "./wisdom.js";

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
   * How dense calls choose their loops (every variant gives the same bits; docs/planner.md):
   * `"measure"` (default) runs each kernel's variants in turn on the first calls of each size
   * class, timed (after an untimed first turn), and keeps the fastest once each has run 3 times
   * and 20 ms are spent; `"patient"` measures longer (10 runs each and 200 ms); `"estimate"`
   * picks from a model of the machine and never times; `"wisdom-only"` takes imported wisdom,
   * else the fixed rule, and never times; `"fixed"` keeps one rule, the same choice on every
   * machine and run. Unlike `simd` and `source`, a later init() may change it.
   */
  readonly plan?: PlanMode;
  /**
   * The most ms each size class and kernel spends measuring (its calls while planning, whatever
   * they ran): once spent, the class keeps the fastest variant timed so far (estimate's choice if
   * none was). Default: no cap. A later init() may change it.
   */
  readonly planBudget?: number;
  /**
   * Shapes to plan now, so that no later call pays for the measuring: each shape's kernels are
   * called on stand-in inputs until their classes settle (in the `"measure"` and `"patient"`
   * modes; the others time nothing). Wasm memory grows to hold the largest, as its first call would.
   */
  readonly planShapes?: readonly PlanShape[];
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
export function init(initOptions?: InitOptions): Promise<void> {
  let options: Partial<InitOptions>;
  let planning: Promise<(engine: Engine) => void> | undefined;
  try {
    options = checkOptions<InitOptions>("init", "options", initOptions, [
      "source",
      "simd",
      "plan",
      "planBudget",
      "planShapes",
    ]);
    if (options.simd !== undefined && typeof options.simd !== "boolean") {
      throw new TypeError(`init(): options.simd must be a boolean or undefined, got ${describe(options.simd)}`);
    }
    if (options.plan !== undefined && !PLAN_MODES.includes(options.plan))
      throw new TypeError(
        `init(): options.plan must be ${PLAN_MODES.map((m) => `"${m}"`).join(", ")} or undefined, got ${shown(options.plan)}`,
      );
    const budget = options.planBudget;
    if (budget !== undefined && (typeof budget !== "number" || !(budget >= 0)))
      throw new TypeError(`init(): options.planBudget must be a number of ms >= 0 or undefined, got ${shown(budget)}`);
    // the planning of shapes is its own chunk: a page that never passes any does not download it
    const shapes = options.planShapes;
    if (shapes !== undefined)
      planning = import("./preplan.js").then((preplan) => {
        const checked = preplan.checkPlanShapes(shapes);
        return (engine) => preplan.planShapes(engine, checked);
      });
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
    setPlanMode(options.plan ?? planMode(), options.planBudget);
    return planning ? Promise.all([planning, pending]).then(([plan]) => plan(engine!)) : pending;
  }
  setPlanMode(options.plan ?? planMode(), options.planBudget);
  const hostSimd = hostHasSimd();
  if (options.simd === true && !hostSimd) {
    return Promise.reject(new Error("init(): options.simd is true, but this host has no wasm SIMD"));
  }
  const simd = options.simd ?? hostSimd;
  chosen = { source: options.source, simd };
  // a bad shape to plan rejects init before the engine is set
  const attempt: Promise<void> = Promise.all([planning, load(options.source, simd)]).then(
    async ([plan, loaded]) => {
      engine = loaded;
      setWisdomKey(await buildHash(options.source, simd), simd);
      plan?.(loaded);
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

/**
 * The wasm build's hash for wisdom's key, as a function computed on first use: the embedded
 * build's text, or a source's bytes (a Module or Response, already consumed, is "unhashed").
 */
async function buildHash(source: WasmSource | undefined, simd: boolean): Promise<() => string> {
  if (source === undefined) {
    const text = simd ? simdWasm : (await import("./generated/scalar.js")).scalarWasm;
    return () => fnv1a(text);
  }
  const resolved = await source;
  if (resolved instanceof ArrayBuffer || ArrayBuffer.isView(resolved)) {
    const view = ArrayBuffer.isView(resolved) ? resolved : new DataView(resolved);
    const hash = fnv1a(new Uint8Array(view.buffer, view.byteOffset, view.byteLength));
    return () => hash;
  }
  return () => "unhashed";
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
