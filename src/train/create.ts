// Making a model (docs/design.md §8): at random, from a given phi, or from a saved file; of two
// groups (createModel) or of fields (createFieldModel, docs/design.md §16).

import { checkNumbers, checkPrecision, checkShape } from "../ops/checks.js";
import { checkBoolean, checkOptions, checkReal, checkSeed } from "../util/checks.js";
import { Random } from "../util/random.js";
import type { FieldShape, Precision, Shape } from "../util/types.js";
import { checkFieldShape, type CheckedFieldShape } from "../ops/fieldchecks.js";
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

const MODEL_OPTIONS = ["precision", "phi", "scale", "seed", "linear"] as const;

/** Options of {@link createFieldModel}: those of {@link createModel}, and the pairs' first weights. */
export interface FieldModelOptions<P extends Precision = "f32"> extends ModelOptions<P> {
  /** rho, one a pair of shape.pairs (the kernels' float64 rounded to phi's type) [every pair 1] */
  readonly rho?: ArrayLike<number>;
}

/**
 * A model of fields (docs/design.md §16): phi in wasm memory for the rows of every field,
 * initialised from `phi` or at random (normal, standard deviation `scale`, seeded), the weight
 * rho of each pair of fields (`rho`, or 1), and with `linear` a weight per row and an offset.
 * An observation lists its rows (any fields); its score is
 * w0 + sum_r h_r w_r + sum over cross pairs of rho <u_g, u_g'> + sum over self pairs of rho
 * times the sum over pairs of distinct rows. fit learns phi, w, w0 and rho (`learnRho: false`
 * fixes rho) with squared or logistic loss. A classic FM is one field and its self pair; an FwFM
 * G fields and every pair. Its methods are {@link Model}'s; `rho` is a live view of the weights.
 *
 * @example
 * ```ts
 * await init();
 * // an FwFM of three fields (user, item, context), every pair and no self pair
 * const model = createFieldModel(
 *   { fields: [1000, 500, 20], k: 8, pairs: [[0, 1], [0, 2], [1, 2]] },
 *   { linear: true, seed: 1 },
 * );
 * model.rho; // Float32Array [1, 1, 1]
 * ```
 */
export function createFieldModel<P extends Precision = "f32">(
  shape: FieldShape,
  options?: FieldModelOptions<P>,
): Model<P, FieldShape> {
  const caller = "createFieldModel";
  requireEngine(caller);
  const f = checkFieldShape(caller, "shape", shape);
  // read once, every key: newModel reads our plain copy
  const o = checkOptions<FieldModelOptions<P>>(caller, "options", options, [...MODEL_OPTIONS, "rho"]);
  const P = f.pairs.length / 2;
  const rho = o.rho === undefined ? undefined : checkNumbers(caller, "options.rho", o.rho, P, "shape.pairs.length");
  rho?.forEach((x, p) => {
    if (!Number.isFinite(x)) throw new RangeError(`${caller}(): options.rho[${p}] must be finite, got ${x}`);
  });
  const rest = { precision: o.precision, phi: o.phi, scale: o.scale, seed: o.seed, linear: o.linear };
  return newModel(caller, f.asGroups, rest, "options.phi", { shape: f, rho }) as unknown as Model<P, FieldShape>;
}

function newModel<P extends Precision>(
  caller: string,
  shape: unknown,
  options: ModelOptions<P> | undefined,
  phiName: string,
  fields?: { readonly shape: CheckedFieldShape; readonly rho?: Float64Array },
): Model<P> {
  const engine = requireEngine(caller);
  const s = checkShape(caller, "shape", shape);
  const o = checkOptions<ModelOptions<P>>(caller, "options", options, MODEL_OPTIONS);
  const precision = checkPrecision(caller, o.precision) as P;
  const linear = o.linear === undefined ? false : checkBoolean(caller, "options.linear", o.linear);
  const initial =
    o.phi === undefined
      ? undefined
      : // a snapshot: a view of wasm memory would be detached if the model's region grows the memory
        checkNumbers(caller, phiName, o.phi, s.elements, fields ? "rows * k" : "(n + m) * k");
  const scale = checkReal(caller, "options.scale", o.scale, 0.1, 0);
  const seed = checkSeed(caller, "options.seed", o.seed ?? 1);
  const model = new Model(engine, s, precision, linear, caller, undefined, fields);
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
  if (saved.fields)
    throw new Error(`${caller}(): bytes hold a model of fields (format version 3); loadFieldModel() loads it`);
  const s = checkShape(caller, "bytes", { n: saved.n, m: saved.m, k: saved.k });
  return new Model(requireEngine(caller), s, saved.precision, saved.linear, caller, saved.params);
}

/**
 * A model of fields from bytes written by its {@link Model.save} (format version 3); a corrupt or
 * foreign file, or one of a model of two groups (loadModel's), throws.
 *
 * @example
 * ```ts
 * const model = loadFieldModel(readFileSync("fm.cgrd"));
 * model.shape.fields; // as saved
 * ```
 */
export function loadFieldModel(bytes: Uint8Array): Model<Precision, FieldShape> {
  const caller = "loadFieldModel";
  const saved = decodeModel(bytes, caller);
  if (!saved.fields)
    throw new Error(`${caller}(): bytes hold a model of two groups (format version 1 or 2); loadModel() loads it`);
  const f = saved.fields;
  const engine = requireEngine(caller);
  return new Model(engine, f.asGroups, saved.precision, saved.linear, caller, saved.params, {
    shape: f,
  }) as unknown as Model<Precision, FieldShape>;
}
