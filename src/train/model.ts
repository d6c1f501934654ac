// A trainable model (docs/design.md §8): its parameters (phi, and with linear terms a weight
// per row and an offset; a model of fields, docs/design.md §16, also a weight per pair of fields)
// and its training state in wasm memory, and the methods a user calls.
// Making one is create.ts's; training fit.ts's; scoring scoring.ts's; files persist.ts's.

import { shapeText } from "../ops/call.js";
import { checkShape, type CheckedShape } from "../ops/checks.js";
import { checkInteger, checkOptions, checkReal, checkSeed } from "../util/checks.js";
import { Random } from "../util/random.js";
import type { FieldShape, FloatArrayOf, GateSets, Precision, Shape } from "../util/types.js";
import type { CheckedFieldShape } from "../ops/fieldchecks.js";
import { fieldPartsBytes, writeFieldShape } from "./fieldterms.js";
import { allocParts } from "../wasm/layout.js";
import type { Engine } from "../wasm/loader.js";
import { fit, type Trainee } from "./fit.js";
import type { Loss } from "./losses.js";
import type { Observations } from "./minibatch.js";
import { checkFieldLoss, checkLoss, checkObservations, type FitOptions, type History } from "./options.js";
import { pairingOf } from "./pairing.js";
import { blockBytes, offsetOffset, pairsOffset, paramsOf, weightsOffset } from "./params.js";
import { decodeModel, encodeModel } from "./persist.js";
import { meanLoss, scores } from "./scoring.js";

/**
 * An embedding matrix phi in wasm memory, trained by gradient descent to fit observed gate
 * sets: createModel(), fit() (and fitPartial() to continue), predict(), save(). Dispose of it
 * when done. A model that only predicts holds phi and a small scratch; its first fit() places
 * what training needs besides (a gradient buffer the size of phi, a byte and a u32 a row).
 *
 * While fit() runs, its callbacks (onEpoch, onBatch, a learning-rate schedule) may predict,
 * evaluate and save; fit(), fitPartial() and load() throw there. dispose() in a callback stops
 * the training at once: fit() throws, and the memory is freed as it returns.
 *
 * @example
 * ```ts
 * const model = createModel({ n: 1000, m: 1000, k: 8 });
 * model.fit(observations, { epochs: 10 });
 * model.predict(observations); // Float64Array of F per observation
 * model.dispose();
 * ```
 */
export class Model<P extends Precision = Precision, S extends Shape | FieldShape = Shape> {
  /** { n, m, k }, or for a model of fields (createFieldModel) { fields, k, pairs } */
  readonly shape: S;
  readonly precision: P;
  /** The region of phi and the scratch of a call (what predicting needs; fit places the rest). */
  readonly #base: number;
  readonly #t: Trainee;

  /** Whether the model has linear terms (a weight per row, `w`, and an offset, `w0`). */
  readonly linear: boolean;

  /** @internal Use createModel() or loadModel(). */
  constructor(
    engine: Engine,
    s: CheckedShape,
    precision: P,
    linear: boolean,
    caller: string,
    saved?: ArrayLike<number>,
    fields?: { readonly shape: CheckedFieldShape; readonly rho?: ArrayLike<number> },
  ) {
    const K = engine[precision];
    const f = fields?.shape;
    this.shape = (f ? fieldShapeOf(f) : Object.freeze({ n: s.n, m: s.m, k: s.k })) as S;
    this.precision = precision;
    this.linear = linear;
    const P = f ? f.pairs.length / 2 : 0;
    const params = paramsOf(s, K, linear, 0, P);
    const scratch = f
      ? K.fieldBatchScratchBytes({ G: f.fields.length, largest: f.largest, P, k: f.k })
      : K.scratchBytes({ n: s.n, m: s.m, k: s.k });
    const { base, at } = allocParts(
      engine.memory,
      { params: blockBytes(params), scratch, ...fieldPartsBytes(f) },
      caller,
      f
        ? `a ${precision} model of ${f.fields.length} fields, ${f.rows} rows of k = ${f.k}`
        : `a ${shapeText(s)} ${precision} model`,
    );
    this.#base = base;
    // regions may be reused memory: the linear terms start at 0 (phi is set by the caller), or as saved
    engine.memory.view(Uint8Array, at.params, blockBytes(params)).fill(0);
    if (saved) engine.memory.view(K.ArrayType, at.params, params.count).set(saved);
    const terms = f && {
      shape: f,
      counts: at.counts,
      pairs: at.pairs,
      rho: at.params + pairsOffset(params),
      rho64: at.rho64,
      pairGradient: at.pairGradient,
    };
    if (terms) {
      writeFieldShape(engine.memory, terms);
      if (!saved) engine.memory.view(K.ArrayType, terms.rho, P).set(fields?.rho ?? new Float64Array(P).fill(1));
    }
    this.#t = {
      engine,
      K,
      s,
      precision,
      phi: at.params,
      params: { ...params, at: at.params },
      ...(linear && { linear: { w: at.params + weightsOffset(params), w0: at.params + offsetOffset(params) } }),
      ...(terms && { fields: terms }),
      scratch: at.scratch,
      stepBuffers: undefined,
      optimizer: undefined,
      snapshots: {},
      epoch: 0,
      random: new Random(1),
      training: undefined,
      disposed: false,
    };
  }

  #live(caller: string): void {
    if (this.#t.disposed) throw new Error(`${caller}(): this Model was disposed`);
  }

  /** Error unless the model is live and not training: the methods that change it. */
  #idle(caller: string): void {
    this.#live(caller);
    if (this.#t.training) {
      throw new Error(
        `${caller}(): this Model is training (${this.#t.training}() is running); its callbacks may predict, evaluate and save, not change the model`,
      );
    }
  }

  /**
   * The parameters, (n + m) x k, as a live view of wasm memory (read the getter again after
   * anything that may grow memory).
   *
   * @example
   * ```ts
   * const model = createModel({ n: 2, m: 2, k: 3 }, { seed: 7 });
   * model.phi.length; // 12
   * ```
   */
  get phi(): FloatArrayOf<P> {
    this.#live("Model.phi");
    const t = this.#t;
    return t.engine.memory.lease(t.K.ArrayType, t.phi, t.s.elements) as FloatArrayOf<P>;
  }

  /**
   * The linear weights, one per row (n + m), as a live view of wasm memory; a model without
   * linear terms has none (Error).
   *
   * @example
   * ```ts
   * const model = createModel({ n: 2, m: 3, k: 4 }, { linear: true });
   * model.w.length; // 5: every weight 0 at first
   * ```
   */
  get w(): FloatArrayOf<P> {
    const t = this.#linear("Model.w");
    return t.engine.memory.lease(t.K.ArrayType, t.linear!.w, t.s.rows) as FloatArrayOf<P>;
  }

  /**
   * The offset w0 (a global mean, for centered ratings); a model without linear terms has none.
   *
   * @example
   * ```ts
   * const model = createModel({ n: 2, m: 3, k: 4 }, { linear: true });
   * model.w0 = 3.5;
   * model.w0; // 3.5 (f32 models round it to f32)
   * ```
   */
  get w0(): number {
    const t = this.#linear("Model.w0");
    return t.engine.memory.view(t.K.ArrayType, t.linear!.w0, 1)[0];
  }

  set w0(value: number) {
    const t = this.#linear("Model.w0");
    if (this.#t.training) this.#idle("Model.w0");
    if (typeof value !== "number" || !Number.isFinite(value))
      throw new RangeError(`Model.w0: the offset must be a finite number, got ${String(value)}`);
    t.engine.memory.view(t.K.ArrayType, t.linear!.w0, 1)[0] = value;
  }

  /**
   * A model of fields' weight of each pair of fields (shape.pairs' order), as a live view of
   * wasm memory (phi's type); a model of two groups has none (Error).
   *
   * @example
   * ```ts
   * const model = createFieldModel({ fields: [3, 2], k: 4, pairs: [[0, 1], [0, 0]] }, { rho: [1, 0.5] });
   * model.rho; // Float32Array [1, 0.5]
   * ```
   */
  get rho(): FloatArrayOf<P> {
    this.#live("Model.rho");
    const t = this.#t;
    if (!t.fields) throw new Error("Model.rho: this model has no pairs of fields (createFieldModel makes them)");
    return t.engine.memory.lease(t.K.ArrayType, t.fields.rho, t.params.pairs) as FloatArrayOf<P>;
  }

  #linear(member: string): Trainee {
    this.#live(member);
    if (!this.linear)
      throw new Error(`${member}: this model has no linear terms (createModel(shape, { linear: true }) makes them)`);
    return this.#t;
  }

  /** True once {@link dispose} was called. */
  get disposed(): boolean {
    return this.#t.disposed;
  }

  /**
   * Trains from the current parameters with a fresh optimizer, for `epochs` epochs of
   * shuffled mini-batches. Everything is checked before anything changes: a refused call
   * leaves the model as it was. The parameters must be finite. After every mini-batch its
   * scores, its loss and the rows it updated are checked, and after the last epoch the
   * parameters are scored once on every observation: if any of these is NaN or infinite,
   * training diverged, and fit() throws, restoring the parameters (and optimizer state and
   * epoch count) of the start of the epoch that diverged (or, found by the final check, of the
   * last epoch) if they score every observation finitely, else those it began with. So fit()
   * never returns normally with parameters that score a training observation (for bpr, its
   * own set) or its loss as NaN or infinite, and after a throw they score every one finitely,
   * unless those it was given did not.
   *
   * @example
   * ```ts
   * const model = createModel({ n: 100, m: 100, k: 8 }, { seed: 1 });
   * const history = model.fit(observations, { loss: "squared", epochs: 20, validation });
   * history.epochs.at(-1)?.validationLoss; // e.g. 0.0101, near a noise variance of 0.01
   * ```
   */
  fit(observations: Observations, options?: FitOptions): History {
    this.#idle("Model.fit");
    return fit(this.#t, "Model.fit", observations, options, true, () => this.#free());
  }

  /**
   * Continues training. What carries over from the last fit() or fitPartial() is the model's
   * state: the optimizer's state and step count (a different optimizer type starts a fresh one;
   * sgd given momentum after training without starts from a zero velocity), the epoch count (a
   * learning-rate schedule is asked for the epochs that follow) and the random stream. No
   * option carries over: the loss, the optimizer and its hyper-parameters, the learning rate or
   * schedule, epochs, batchSize, seed, reg, regFixed, regWeight, maxSampled, kos, clipNorm,
   * validation, patience and the callbacks are this call's, each at its default when not given,
   * as fit()'s are. Checks as fit()'s.
   *
   * @example
   * ```ts
   * model.fit(observations, { epochs: 5 });
   * model.fitPartial(observations, { epochs: 5 }); // the same as one fit of 10 epochs
   * ```
   */
  fitPartial(observations: Observations, options?: FitOptions): History {
    this.#idle("Model.fitPartial");
    return fit(this.#t, "Model.fitPartial", observations, options, false, () => this.#free());
  }

  /**
   * F of every observation (its score; for logistic loss a logit, sigmoid(F) the probability).
   *
   * @example
   * ```ts
   * model.predict({ indptr: new Uint32Array([0, 2]), index: new Uint32Array([3, 150]) }); // Float64Array [F]
   * ```
   */
  predict(observations: GateSets): Float64Array {
    const caller = "Model.predict";
    this.#live(caller);
    const data = checkObservations(caller, "observations", observations, this.#t.s, this.precision, undefined);
    return scores(this.#t, data, caller);
  }

  /**
   * The mean loss of the observations (sample-weighted), without the penalty; a pairwise loss
   * (bpr, warp, warp-kos: LightFM's defaults, 10 draws, k-OS 5 of 10) draws its negatives from
   * a generator seeded with `seed`, among the items of these observations, each user's own
   * never drawn.
   *
   * @example
   * ```ts
   * model.evaluate(validation, "squared"); // the validation mean squared error
   * ```
   */
  evaluate(observations: Observations, loss: Loss = "squared", seed = 1): number {
    const caller = "Model.evaluate";
    this.#live(caller);
    checkLoss(caller, "loss", loss);
    if (this.#t.fields) checkFieldLoss(caller, "loss", loss);
    const random = new Random(checkSeed(caller, "seed", seed));
    const data = checkObservations(caller, "observations", observations, this.#t.s, this.precision, loss);
    const draws = { maxSampled: 10, kos: { k: 5, n: 10 } };
    const pairing =
      loss === "squared" || loss === "logistic"
        ? undefined
        : pairingOf(caller, loss, draws, this.#t.s, "observations", data);
    return meanLoss(this.#t, data, loss, random, caller, pairing);
  }

  /**
   * The parameters in crossgrad's model format (docs/training.md, "Saving models"): shape,
   * precision, format version, phi and a CRC-32.
   *
   * @example
   * ```ts
   * const bytes = model.save(); // Uint8Array
   * const copy = loadModel(bytes);
   * ```
   */
  save(): Uint8Array {
    this.#live("Model.save");
    const t = this.#t;
    const params = t.engine.memory.view(t.K.ArrayType, t.params.at, t.params.count);
    return encodeModel(t.s, this.precision, this.linear, params, t.fields?.shape);
  }

  /**
   * A new model with `a` more rows in group A (after its last) and `b` more in group B (after
   * its last): the rows it has keep their phi and w, and w0 stays; the new rows start at
   * normal(0, scale), seeded, with w 0. Optimizer state does not carry over. This model is
   * unchanged (dispose of it when the new one replaces it). Fold a new user or item in with it,
   * then fit the new rows alone (`trainable`).
   *
   * @example
   * ```ts
   * const grown = model.withNewRows({ a: 1 }); // a new user: row n of the new model
   * grown.fit(ratings, { trainable: [model.shape.n] });
   * ```
   */
  withNewRows(
    this: Model<P, Shape>,
    rows: { readonly a?: number; readonly b?: number },
    options?: { readonly scale?: number; readonly seed?: number },
  ): Model<P> {
    const caller = "Model.withNewRows";
    this.#live(caller);
    if (this.#t.fields) throw new Error(`${caller}(): a model of fields has no groups A and B to grow`);
    const r = checkOptions<{ a: number; b: number }>(caller, "rows", rows ?? {}, ["a", "b"]);
    const o = checkOptions<{ scale: number; seed: number }>(caller, "options", options, ["scale", "seed"]);
    const { n, m, k } = this.shape;
    // rows are u32 (n + m at most 2^32 - 1): what the model has leaves this much room
    const room = 2 ** 32 - 1 - (n + m);
    const a = checkInteger(caller, "rows.a", r.a ?? 0, 0, room),
      b = checkInteger(caller, "rows.b", r.b ?? 0, 0, room - a);
    const scale = checkReal(caller, "options.scale", o.scale, 0.1, 0);
    const random = new Random(checkSeed(caller, "options.seed", o.seed ?? 1));
    const s = checkShape(caller, "rows", { n: n + a, m: m + b, k });
    const grown = new Model(this.#t.engine, s, this.precision, this.linear, caller);
    // the rows this model has, in place; only the new ones drawn (a large model stays fast to grow)
    const from = this.phi,
      to = grown.phi;
    to.set(from.subarray(0, n * k), 0);
    to.set(from.subarray(n * k), (n + a) * k);
    for (const [first, count] of [
      [n, a],
      [n + a + m, b],
    ])
      for (let i = first * k; i < (first + count) * k; i++) to[i] = scale * random.normal();
    if (this.linear) {
      const w = this.w,
        grownW = grown.w;
      grownW.set(w.subarray(0, n), 0);
      grownW.set(w.subarray(n), n + a);
      grown.w0 = this.w0;
    }
    return grown;
  }

  /**
   * Replaces the parameters with those of a saved model of the same shape and precision; a
   * mismatched or corrupt file throws and changes nothing.
   *
   * @example
   * ```ts
   * model.load(bytes);
   * ```
   */
  load(bytes: Uint8Array): void {
    const caller = "Model.load";
    this.#idle(caller);
    const saved = decodeModel(bytes, caller);
    const t = this.#t,
      s = t.s;
    const kind = (linear: boolean, precision: string) => `${precision} model${linear ? " with linear terms" : ""}`;
    const savedFields = saved.fields && fieldShapeOf(saved.fields);
    const ours = t.fields && fieldShapeOf(t.fields.shape);
    if (JSON.stringify(savedFields) !== JSON.stringify(ours))
      throw new RangeError(
        `${caller}(): bytes hold a ${savedFields ? `model of fields ${JSON.stringify(savedFields)}` : "model of two groups"}, this model is ${ours ? `one of fields ${JSON.stringify(ours)}` : "one of two groups"}`,
      );
    if (
      saved.precision !== this.precision ||
      saved.linear !== this.linear ||
      saved.n !== s.n ||
      saved.m !== s.m ||
      saved.k !== s.k
    ) {
      throw new RangeError(
        `${caller}(): bytes hold a ${shapeText(saved)} ${kind(saved.linear, saved.precision)}, this model is ${shapeText(s)} ${kind(this.linear, this.precision)}`,
      );
    }
    t.engine.memory.view(t.K.ArrayType, t.params.at, t.params.count).set(saved.params);
  }

  /**
   * Frees the model's wasm memory; afterwards every method throws. Called from a callback of
   * fit(), it stops the training: fit() throws, and frees the memory as it returns.
   *
   * @example
   * ```ts
   * model.dispose();
   * ```
   */
  dispose(): void {
    if (this.#t.disposed) return;
    this.#t.disposed = true;
    if (!this.#t.training) this.#free();
  }

  #free(): void {
    const t = this.#t,
      memory = t.engine.memory;
    for (const ptr of [...Object.values(t.snapshots), ...(t.optimizer?.regions ?? [])]) memory.free(ptr);
    t.snapshots = {};
    t.optimizer = undefined;
    if (t.stepBuffers) memory.free(t.stepBuffers.base);
    t.stepBuffers = undefined;
    memory.free(this.#base);
  }
}

/** A checked field shape as the user's plain, frozen { fields, k, pairs }. */
function fieldShapeOf(f: CheckedFieldShape): FieldShape {
  const pairs = Array.from({ length: f.pairs.length / 2 }, (_, p) =>
    Object.freeze([f.pairs[2 * p], f.pairs[2 * p + 1]] as const),
  );
  return Object.freeze({ fields: Object.freeze(Array.from(f.fields)), k: f.k, pairs: Object.freeze(pairs) });
}
