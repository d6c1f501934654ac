// init() and the engine it loads, once: concurrent calls share one promise, a later call with
// other explicit options rejects, and every kernel's caller asks for the engine here (with an
// Error telling it to await init() before it resolved). init's `plan` option goes to the planner.

import { checkOptions } from "../util/checks.js";
import { describe, shown } from "../util/read.js";
import { hostHasSimd, load, type Engine, type WasmSource } from "./loader.js";
import { setPlanMode, type PlanMode } from "./planner.js";

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
  try {
    options = checkOptions<InitOptions>("init", "options", initOptions, ["source", "simd", "plan"]);
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
