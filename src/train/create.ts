// Making a model (docs/design.md §8): at random, from a given phi, or from a saved file.

import { checkNumbers, checkPrecision, checkShape } from "../ops/checks.js";
import { checkBoolean, checkOptions, checkReal, checkSeed } from "../util/checks.js";
import { Random } from "../util/random.js";
import type { Precision, Shape } from "../util/types.js";
import { requireEngine } from "../wasm/init.js";
import { Model } from "./model.js";
import { decodeModel } from "./persist.js";

/** Options of {@link createModel}. */
export interface ModelOptions<P extends Precision = "f32"> {
  /** [f32] */ readonly precision?: P;
  /** initial phi; default: normal with standard deviation `scale`, seeded */
  readonly phi?: ArrayLike<number>;
  /** [0.1] */ readonly scale?: number;
  /** [1] */ readonly seed?: number;
  /**
   * Linear terms: a weight w_r per row and an offset w0, so that an observation's score is
   * F = <u, v> + sum_r h_r w_r + w0 (user and item biases, a global mean); they start at 0
   * [false]
   */
  readonly linear?: boolean;
}

/**
 * A model of this shape: phi in wasm memory, initialised from `phi` or at random (normal,
 * standard deviation `scale`, seeded).
 *
 * @example
 * ```ts
 * await init();
 * const model = createModel({ n: 1000, m: 1000, k: 16 }, { seed: 1, scale: 0.1 });
 * ```
 */
export function createModel<P extends Precision = "f32">(shape: Shape, options?: ModelOptions<P>): Model<P> {
  return newModel("createModel", shape, options, "options.phi");
}

function newModel<P extends Precision>(
  caller: string,
  shape: unknown,
  options: ModelOptions<P> | undefined,
  phiName: string,
): Model<P> {
  const engine = requireEngine(caller);
  const s = checkShape(caller, "shape", shape);
  const o = checkOptions<ModelOptions<P>>(caller, "options", options, ["precision", "phi", "scale", "seed", "linear"]);
  const precision = checkPrecision(caller, o.precision) as P;
  const linear = o.linear === undefined ? false : checkBoolean(caller, "options.linear", o.linear);
  const initial =
    o.phi === undefined
      ? undefined
      : // a snapshot: a view of wasm memory would be detached if the model's region grows the memory
        checkNumbers(caller, phiName, o.phi, s.elements, "(n + m) * k");
  const scale = checkReal(caller, "options.scale", o.scale, 0.1, 0);
  const seed = checkSeed(caller, "options.seed", o.seed ?? 1);
  const model = new Model(engine, s, precision, linear, caller);
  const phi = model.phi;
  if (initial) phi.set(initial);
  else {
    const random = new Random(seed);
    for (let i = 0; i < phi.length; i++) phi[i] = scale * random.normal();
  }
  return model;
}

/**
 * A model from bytes written by {@link Model.save}; a corrupt or foreign file throws.
 *
 * @example
 * ```ts
 * const model = loadModel(readFileSync("model.cgrd"));
 * ```
 */
export function loadModel(bytes: Uint8Array): Model {
  const caller = "loadModel";
  const saved = decodeModel(bytes, caller);
  const s = checkShape(caller, "bytes", { n: saved.n, m: saved.m, k: saved.k });
  return new Model(requireEngine(caller), s, saved.precision, saved.linear, caller, saved.params);
}
