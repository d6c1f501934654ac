// Training: first-order gradient descent on phi to fit observed gate sets. A mini-batch is a
// batch of gate sets (batch.ts kernels): phase 1 gives every observation's F, the loss
// derivatives L'(F_b) weight phase 2's gradient sum, and an optimizer kernel steps the rows
// the batch touched, in place in wasm memory. All of it deterministic: a seed fixes the
// shuffling and the sampled negatives, so a run is reproducible bit for bit.

import { align, shapeText } from "./call.js";
import { requireEngine, type Engine, type PrecisionKernels } from "./loader.js";
import { allocRegion, type WasmMemory } from "./memory.js";
import { sigmoid, softplus } from "./metrics.js";
import { Random } from "./random.js";
import { decodeModel, encodeModel } from "./persist.js";
import type { FloatArray, FloatArrayOf, GateSets, Precision, Shape } from "./types.js";
import {
  checkGateSets,
  checkNumbers,
  checkOptions,
  checkPrecision,
  checkShape,
  describe,
  type CheckedShape,
} from "./validate.js";

/** squared: (F - y)^2; logistic: log-loss of sigmoid(F) against y in {0, 1}; bpr: -log sigmoid(F+ - F-). */
export type Loss = "squared" | "logistic" | "bpr";

/** A learning rate, or a schedule: the rate of each epoch (0, 1, ...). */
export type LearningRate = number | ((epoch: number) => number);

/** The optimizer and its hyper-parameters (defaults in brackets). */
export type OptimizerOptions =
  | {
      readonly type: "sgd";
      /** [0.01] */ readonly learningRate?: LearningRate;
      /** [0] */ readonly momentum?: number;
      /** [false] */ readonly nesterov?: boolean;
      /** decoupled weight decay per step, phi -= lr * weightDecay * phi [0] */ readonly weightDecay?: number;
    }
  | {
      readonly type: "adagrad";
      /** [0.1] */ readonly learningRate?: LearningRate;
      /** [1e-7] */ readonly epsilon?: number;
      /** [0] */ readonly weightDecay?: number;
    }
  | {
      readonly type: "adam";
      /** [0.01] */ readonly learningRate?: LearningRate;
      /** [0.9] */ readonly beta1?: number;
      /** [0.999] */ readonly beta2?: number;
      /** [1e-7] */ readonly epsilon?: number;
      /** [0] */ readonly weightDecay?: number;
    };

/**
 * Observations: one gate set per observation, in CSR form (observation b lists the rows
 * index[indptr[b]..indptr[b+1]), strictly increasing; rows below n are in group A, the rest
 * in B; optional row weights of phi's type), with a target y per observation (squared: any
 * real; logistic: 0 or 1; bpr: none, the set's B rows are its positives) and an optional
 * non-negative sample weight.
 */
export interface Observations<A extends FloatArray = FloatArray> extends GateSets<A> {
  readonly y?: ArrayLike<number>;
  readonly sampleWeight?: ArrayLike<number>;
}

/** What the progress callback receives after every epoch, and the history holds. */
export interface EpochReport {
  /** 0, 1, ... counted over fit() and the fitPartial() calls that continue it */
  readonly epoch: number;
  /** mean training loss over the epoch (sample-weighted; each batch before its update) */
  readonly loss: number;
  /** loss on the validation set after the epoch, if one was given */
  readonly validationLoss?: number;
  readonly learningRate: number;
  /** milliseconds since fit() started */
  readonly elapsed: number;
}

/** Options of {@link Model.fit}. */
export interface FitOptions {
  /** [squared] */ readonly loss?: Loss;
  /** [{ type: "adam", learningRate: 0.01 }] */ readonly optimizer?: OptimizerOptions;
  /** [10] */ readonly epochs?: number;
  /** observations per mini-batch [256] */ readonly batchSize?: number;
  /** seeds the shuffling and the negatives of bpr [1] */ readonly seed?: number;
  /** adds l2 * |phi_r|^2 to the loss for each row a mini-batch touches (lazily, as embedding trainers do) [0] */
  readonly l2?: number;
  /** scales a mini-batch's gradient down to this Euclidean norm when it is longer */
  readonly clipNorm?: number;
  /** observations to report the loss on after every epoch (and to stop early on) */
  readonly validation?: Observations;
  /** stop after this many epochs without a better validation loss, and restore the best [never] */
  readonly patience?: number;
  /** called after every epoch; calling `stop()` ends training after this epoch */
  readonly onEpoch?: (report: EpochReport, stop: () => void) => void;
  /** called after every mini-batch (for a progress bar) */
  readonly onBatch?: (batch: number, batches: number) => void;
}

/** What fit() returns. */
export interface History {
  readonly epochs: EpochReport[];
  /** stopped by `patience` (the parameters are those of bestEpoch) or by onEpoch */
  readonly stoppedEarly: boolean;
  /** the epoch with the best validation loss (or the last epoch without validation) */
  readonly bestEpoch: number;
}

/** Options of {@link createModel}. */
export interface ModelOptions<P extends Precision = "f32"> {
  /** [f32] */ readonly precision?: P;
  /** initial phi; default: normal with standard deviation `scale`, seeded */
  readonly phi?: ArrayLike<number>;
  /** [0.1] */ readonly scale?: number;
  /** [1] */ readonly seed?: number;
}

/** Checked observations: their CSR sets and per-observation targets and weights. */
interface CheckedObservations {
  readonly count: number;
  readonly indptr: Uint32Array;
  readonly index: Uint32Array;
  readonly weight?: FloatArray;
  readonly splits: Uint32Array;
  readonly y?: Float64Array;
  readonly sampleWeight: Float64Array;
  /** the most rows any observation lists */
  readonly widest: number;
}

/** The optimizer state kept between fit() and fitPartial(). */
interface OptimizerState {
  readonly type: OptimizerOptions["type"];
  /** regions of state (sgd with momentum: velocity; adagrad: sums of squares; adam: m, v) */
  readonly regions: number[];
  /** steps taken (adam's bias correction) */
  steps: number;
}

/** Regions of optimizer state (each the size of phi) an optimizer needs. */
function stateRegions(o: OptimizerOptions): number {
  return o.type === "adam" ? 2 : o.type === "adagrad" ? 1 : (o.momentum ?? 0) !== 0 ? 1 : 0;
}

/**
 * An embedding matrix phi in wasm memory, trained by gradient descent to fit observed gate
 * sets: createModel(), fit() (and fitPartial() to continue), predict(), save(). Dispose of it
 * when done.
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
export class Model<P extends Precision = Precision> {
  readonly shape: Shape;
  readonly precision: P;
  readonly #engine: Engine;
  readonly #K: PrecisionKernels;
  readonly #s: CheckedShape;
  // phi | gradient buffer (zero between steps) | kernel scratch | row marks (one byte a row) | row list
  readonly #base: number;
  readonly #phi: number;
  readonly #grad: number;
  readonly #scratch: number;
  readonly #marks: number;
  readonly #list: number;
  #optimizer: OptimizerState | undefined;
  /** copies of phi and the optimizer state: [start of epoch, best epoch] */
  #snapshots: number[] = [];
  #epoch = 0;
  #random = new Random(1);
  #disposed = false;
  /** The training method running (fit() or fitPartial()), while it runs. */
  #training: string | undefined;

  /** @internal Use {@link createModel} or {@link loadModel}. */
  constructor(engine: Engine, s: CheckedShape, precision: P) {
    this.#engine = engine;
    this.#K = engine[precision];
    this.#s = s;
    this.shape = Object.freeze({ n: s.n, m: s.m, k: s.k });
    this.precision = precision;
    const phiBytes = align(s.elements * this.#K.bytesPerElement);
    const scratchBytes = align(this.#K.scratchBytes(s.n, s.m, s.k));
    const marksBytes = align(s.rows);
    this.#base = allocRegion(
      engine.memory,
      2 * phiBytes + scratchBytes + marksBytes + s.rows * 4,
      "createModel",
      `a ${shapeText(s)} ${precision} model`,
    );
    this.#phi = this.#base;
    this.#grad = this.#phi + phiBytes;
    this.#scratch = this.#grad + phiBytes;
    this.#marks = this.#scratch + scratchBytes;
    this.#list = this.#marks + marksBytes;
    // the gradient buffer and the marks start (and stay, between steps) at zero
    new Uint8Array(engine.memory.buffer, this.#grad, this.#marks + marksBytes - this.#grad).fill(0);
  }

  #live(caller: string): void {
    if (this.#disposed) throw new Error(`${caller}(): this Model was disposed`);
  }

  /** Error unless the model is live and not training: the methods that change it. */
  #idle(caller: string): void {
    this.#live(caller);
    if (this.#training) {
      throw new Error(
        `${caller}(): this Model is training (${this.#training}() is running); its callbacks may predict, evaluate and save, not change the model`,
      );
    }
  }

  #view(ptr: number, length: number): FloatArrayOf<P> {
    return this.#engine.memory.view(this.#K.ArrayType, ptr, length) as FloatArrayOf<P>;
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
    return this.#view(this.#phi, this.#s.elements);
  }

  /** True once {@link dispose} was called. */
  get disposed(): boolean {
    return this.#disposed;
  }

  /**
   * Trains from the current parameters with a fresh optimizer, for `epochs` epochs of
   * shuffled mini-batches. Everything is checked before anything changes: a refused call
   * leaves the model as it was. The parameters must be finite. After every mini-batch the
   * rows it updated are checked: if the loss or a parameter becomes NaN or infinite, fit()
   * restores the parameters (and optimizer state) of the start of that epoch and throws.
   *
   * @example
   * ```ts
   * const model = createModel({ n: 100, m: 100, k: 8 }, { seed: 1 });
   * const history = model.fit(observations, { loss: "squared", epochs: 20, validation });
   * history.epochs.at(-1)?.validationLoss; // e.g. 0.0101, near a noise variance of 0.01
   * ```
   */
  fit(observations: Observations, options?: FitOptions): History {
    return this.#run("Model.fit", observations, options, true);
  }

  /**
   * Continues training: the optimizer state, the epoch count and the random stream go on
   * from the last fit() or fitPartial() (a different optimizer type starts a fresh one; sgd
   * given momentum after training without starts from a zero velocity). Hyper-parameters are
   * those of this call. Checks as fit()'s.
   *
   * @example
   * ```ts
   * model.fit(observations, { epochs: 5 });
   * model.fitPartial(observations, { epochs: 5 }); // the same as one fit of 10 epochs
   * ```
   */
  fitPartial(observations: Observations, options?: FitOptions): History {
    return this.#run("Model.fitPartial", observations, options, false);
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
    const data = checkObservations(caller, "observations", observations, this.#s, this.precision, undefined);
    return this.#scores(data, caller);
  }

  /**
   * The mean loss of the observations (sample-weighted), without the l2 term; bpr draws its
   * negatives from a generator seeded with `seed`.
   *
   * @example
   * ```ts
   * model.evaluate(validation, "squared"); // the validation mean squared error
   * ```
   */
  evaluate(observations: Observations, loss: Loss = "squared", seed = 1): number {
    const caller = "Model.evaluate";
    this.#live(caller);
    checkLoss(loss, "loss", caller);
    const random = new Random(checkSeed(seed, "seed", caller));
    const data = checkObservations(caller, "observations", observations, this.#s, this.precision, loss);
    if (loss === "bpr") checkBprNegatives(caller, "observations", data, this.#s);
    return this.#lossOf(data, loss, random, caller);
  }

  /**
   * The parameters in crossgrad's model format (see README: "Saving models"): shape,
   * precision, format version, phi and a CRC-32.
   *
   * @example
   * ```ts
   * const bytes = model.save(); // Uint8Array
   * const copy = loadModel(bytes);
   * ```
   */
  save(): Uint8Array<ArrayBuffer> {
    this.#live("Model.save");
    return encodeModel(this.shape, this.precision, this.phi);
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
    const s = this.#s;
    if (saved.precision !== this.precision || saved.n !== s.n || saved.m !== s.m || saved.k !== s.k) {
      throw new RangeError(
        `${caller}(): bytes hold a ${shapeText(saved)} ${saved.precision} model, this model is ${shapeText(s)} ${this.precision}`,
      );
    }
    this.phi.set(saved.phi);
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
    if (this.#disposed) return;
    this.#disposed = true;
    if (!this.#training) this.#free();
  }

  #free(): void {
    const memory = this.#engine.memory;
    for (const ptr of [...this.#snapshots.splice(0), ...(this.#optimizer?.regions ?? [])]) memory.free(ptr);
    this.#optimizer = undefined;
    memory.free(this.#base);
  }

  // --- training --------------------------------------------------------------------------

  #phiBytes(): number {
    return this.#s.elements * this.#K.bytesPerElement;
  }

  /** Zeroed regions of optimizer state, the size of phi each; all or none. */
  #allocState(count: number, caller: string): number[] {
    const regions: number[] = [];
    try {
      for (let i = 0; i < count; i++)
        regions.push(allocRegion(this.#engine.memory, this.#phiBytes(), caller, "the optimizer state"));
    } catch (error) {
      for (const ptr of regions) this.#engine.memory.free(ptr);
      throw error;
    }
    for (const ptr of regions) new Uint8Array(this.#engine.memory.buffer, ptr, this.#phiBytes()).fill(0);
    return regions;
  }

  /**
   * Checks, allocates, then trains: nothing about the model changes until every argument has
   * been checked and every region it needs is placed. The callbacks run with the model marked
   * as training; a dispose() from one of them stops the loop, and the memory is freed here.
   */
  #run(caller: string, observations: Observations, options: FitOptions | undefined, fresh: boolean): History {
    this.#idle(caller);
    const o = checkFitOptions(caller, options);
    const train = checkObservations(caller, "observations", observations, this.#s, this.precision, o.loss);
    const validation =
      o.validation && checkObservations(caller, "options.validation", o.validation, this.#s, this.precision, o.loss);
    if (o.loss === "bpr") {
      checkBprNegatives(caller, "observations", train, this.#s);
      if (validation) checkBprNegatives(caller, "options.validation", validation, this.#s);
    }
    const bad = this.#K.firstNonFiniteRow(this.#s.rows, 0, this.#s.k, this.#phi);
    if (bad >= 0)
      throw new RangeError(
        `${caller}(): row ${bad} of the model's phi is not finite; training needs finite parameters`,
      );
    this.#training = caller.slice("Model.".length);
    let workspace: Workspace | undefined;
    try {
      const firstEpoch = fresh ? 0 : this.#epoch;
      const firstRate = learningRateOf(o, firstEpoch, caller);
      this.#stopIfDisposed(caller);
      // everything this run needs, placed before anything changes
      const keep = !fresh && this.#optimizer?.type === o.optimizer.type ? this.#optimizer : undefined;
      const added = this.#allocState(stateRegions(o.optimizer) - (keep?.regions.length ?? 0), caller);
      let optimizer: OptimizerState;
      try {
        this.#reserveSnapshots(o.patience === Infinity ? 1 : 2, caller);
        workspace = new Workspace(
          this.#engine,
          this.#K,
          this.#s,
          train,
          Math.min(o.batchSize, Math.max(1, train.count)),
          o.loss === "bpr",
          caller,
        );
      } catch (error) {
        for (const ptr of added) this.#engine.memory.free(ptr);
        throw error;
      }
      // commit
      if (keep) {
        keep.regions.push(...added);
        optimizer = keep;
      } else {
        for (const ptr of this.#optimizer?.regions ?? []) this.#engine.memory.free(ptr);
        optimizer = this.#optimizer = { type: o.optimizer.type, regions: added, steps: 0 };
      }
      if (fresh) {
        this.#epoch = 0;
        this.#random = new Random(o.seed);
      }
      return this.#train(caller, train, validation, workspace, o, optimizer, firstRate);
    } finally {
      workspace?.free();
      this.#training = undefined;
      if (this.#disposed) this.#free();
    }
  }

  #stopIfDisposed(caller: string): void {
    if (this.#disposed)
      throw new Error(`${caller}(): the Model was disposed during training (by a callback); training stopped`);
  }

  /** Snapshot regions (phi and up to two regions of optimizer state each), allocated once. */
  #reserveSnapshots(count: number, caller: string): void {
    while (this.#snapshots.length < count) {
      this.#snapshots.push(
        allocRegion(this.#engine.memory, this.#phiBytes() * 3, caller, "a snapshot of the parameters"),
      );
    }
  }

  /** Copies phi and the optimizer state into snapshot `slot` (or back, when restoring). */
  #snapshot(slot: number, restore: boolean): void {
    const bytes = this.#phiBytes();
    const parts = [this.#phi, ...(this.#optimizer?.regions ?? [])];
    const memory = new Uint8Array(this.#engine.memory.buffer);
    parts.forEach((ptr, i) => {
      const copy = this.#snapshots[slot] + i * bytes;
      if (restore) memory.copyWithin(ptr, copy, copy + bytes);
      else memory.copyWithin(copy, ptr, ptr + bytes);
    });
  }

  #train(
    caller: string,
    data: CheckedObservations,
    validation: CheckedObservations | undefined,
    workspace: Workspace,
    o: CheckedFitOptions,
    optimizer: OptimizerState,
    firstRate: number,
  ): History {
    const started = performance.now();
    const epochs: EpochReport[] = [];
    const firstEpoch = this.#epoch;
    let best = { loss: Infinity, epoch: -1 };
    let stoppedEarly = false;
    for (let e = 0; e < o.epochs; e++) {
      const epoch = this.#epoch;
      const learningRate = e === 0 ? firstRate : learningRateOf(o, epoch, caller);
      this.#stopIfDisposed(caller);
      this.#snapshot(0, false);
      const { loss, diverged } = this.#epochOf(caller, data, workspace, o, optimizer, learningRate);
      if (diverged) {
        this.#snapshot(0, true);
        const where =
          epoch === firstEpoch
            ? `where this ${caller.slice("Model.".length)}() began`
            : `the end of epoch ${epoch - 1}`;
        throw new Error(
          `${caller}(): training diverged in epoch ${epoch} (${diverged}); the parameters were restored to ${where}. ` +
            `Lower the learning rate, or set clipNorm.`,
        );
      }
      this.#epoch++;
      const validationLoss = validation && this.#lossOf(validation, o.loss, new Random(o.seed + 0x9e3779b9), caller);
      const report: EpochReport = {
        epoch,
        loss,
        learningRate,
        elapsed: performance.now() - started,
        ...(validationLoss !== undefined && { validationLoss }),
      };
      epochs.push(report);
      const measured = validationLoss ?? loss;
      if (measured < best.loss) {
        best = { loss: measured, epoch };
        if (o.patience !== Infinity) this.#snapshot(1, false);
      } else if (epoch - best.epoch >= o.patience) {
        this.#snapshot(1, true);
        stoppedEarly = true;
        break;
      }
      let stop = false;
      o.onEpoch?.(report, () => void (stop = true));
      this.#stopIfDisposed(caller);
      if (stop) {
        stoppedEarly = true;
        break;
      }
    }
    return { epochs, stoppedEarly, bestEpoch: best.epoch === -1 ? this.#epoch - 1 : best.epoch };
  }

  /**
   * One epoch of shuffled mini-batches: its mean training loss, or why training diverged (a
   * loss or a parameter that is not finite).
   */
  #epochOf(
    caller: string,
    data: CheckedObservations,
    w: Workspace,
    o: CheckedFitOptions,
    optimizer: OptimizerState,
    learningRate: number,
  ): { loss: number; diverged?: string } {
    const { n, m, k } = this.#s;
    const K = this.#K;
    const order = shuffled(data.count, this.#random);
    const batches = Math.ceil(data.count / o.batchSize);
    let lossSum = 0,
      weightSum = 0;
    for (let batch = 0; batch < batches; batch++) {
      const ids = order.subarray(batch * o.batchSize, Math.min(data.count, (batch + 1) * o.batchSize));
      const v = w.views();
      // phase 1: the batch's sets (bpr: a positive and a negative set per observation), their F
      const sets = o.loss === "bpr" ? w.bprSets(ids, data, this.#s, this.#random) : w.gather(ids);
      K.batchPooledListed(
        n,
        m,
        k,
        this.#phi,
        sets,
        w.indptr,
        w.index,
        w.weightAt,
        w.splits,
        w.u,
        w.v,
        w.values,
        this.#scratch,
      );
      // the loss derivatives weight phase 2
      let batchWeight = 0;
      for (const id of ids) batchWeight += data.sampleWeight[id];
      const setWeights = v.setWeights;
      for (let b = 0; b < ids.length; b++) {
        const sw = data.sampleWeight[ids[b]] / (batchWeight || 1);
        if (o.loss === "bpr") {
          const d = v.values[2 * b] - v.values[2 * b + 1];
          lossSum += data.sampleWeight[ids[b]] * softplus(-d);
          const slope = -sigmoid(-d);
          setWeights[2 * b] = sw * slope;
          setWeights[2 * b + 1] = -sw * slope;
        } else {
          const [loss, slope] = lossAndSlope(o.loss, v.values[b], data.y![ids[b]]);
          lossSum += data.sampleWeight[ids[b]] * loss;
          setWeights[b] = sw * slope;
        }
      }
      weightSum += batchWeight;
      if (!Number.isFinite(lossSum)) return { loss: lossSum, diverged: `loss ${lossSum} in batch ${batch}` };
      // phase 2: the gradient sum into the (zero) gradient buffer, at the rows the batch touched
      const entries = v.indptr[sets];
      K.batchGradientListed(
        n,
        m,
        k,
        sets,
        w.indptr,
        w.index,
        w.weightAt,
        w.splits,
        w.u,
        w.v,
        w.setWeightsAt,
        1,
        this.#grad,
        1,
        1,
        this.#scratch,
      );
      const rows = this.#engine.distinctRows(entries, w.index, this.#marks, this.#list);
      let gradScale = 1;
      if (o.clipNorm !== Infinity) {
        const norm = Math.sqrt(K.gradientNormSquared(rows, this.#list, k, this.#phi, this.#grad, o.l2));
        if (norm > o.clipNorm) gradScale = o.clipNorm / norm;
      }
      this.#step(optimizer, o, learningRate, rows, gradScale);
      K.zeroRows(rows, this.#list, k, this.#grad);
      // the update itself must leave phi finite: the next batch's loss would tell too late
      const bad = K.firstNonFiniteRow(rows, this.#list, k, this.#phi);
      if (bad >= 0) {
        const row = new Uint32Array(this.#engine.memory.buffer, this.#list, rows)[bad];
        return { loss: NaN, diverged: `row ${row} of phi became non-finite in batch ${batch}` };
      }
      o.onBatch?.(batch + 1, batches);
      this.#stopIfDisposed(caller);
    }
    return { loss: lossSum / (weightSum || 1) };
  }

  #step(optimizer: OptimizerState, o: CheckedFitOptions, lr: number, rows: number, gradScale: number): void {
    const K = this.#K,
      k = this.#s.k,
      opt = o.optimizer,
      [s0 = 0, s1 = 0] = optimizer.regions;
    optimizer.steps++;
    if (opt.type === "adam") {
      const b1 = opt.beta1 ?? 0.9,
        b2 = opt.beta2 ?? 0.999,
        t = optimizer.steps;
      K.adamRows(
        rows,
        this.#list,
        k,
        this.#phi,
        this.#grad,
        s0,
        s1,
        lr,
        b1,
        b2,
        opt.epsilon ?? 1e-7,
        1 - b1 ** t,
        1 - b2 ** t,
        opt.weightDecay ?? 0,
        gradScale,
        o.l2,
      );
    } else if (opt.type === "adagrad") {
      K.adagradRows(
        rows,
        this.#list,
        k,
        this.#phi,
        this.#grad,
        s0,
        lr,
        opt.epsilon ?? 1e-7,
        opt.weightDecay ?? 0,
        gradScale,
        o.l2,
      );
    } else {
      K.sgdRows(
        rows,
        this.#list,
        k,
        this.#phi,
        this.#grad,
        s0,
        lr,
        opt.momentum ?? 0,
        opt.nesterov ? 1 : 0,
        opt.weightDecay ?? 0,
        gradScale,
        o.l2,
      );
    }
  }

  /** F of every observation, in chunks of 4096 (one batch workspace). */
  #scores(data: CheckedObservations, caller: string): Float64Array {
    const out = new Float64Array(data.count);
    const w = new Workspace(
      this.#engine,
      this.#K,
      this.#s,
      data,
      Math.min(4096, Math.max(1, data.count)),
      false,
      caller,
    );
    try {
      const { n, m, k } = this.#s;
      for (let start = 0; start < data.count; start += 4096) {
        const ids = Uint32Array.from({ length: Math.min(4096, data.count - start) }, (_, i) => start + i);
        const sets = w.gather(ids);
        this.#K.batchPooledListed(
          n,
          m,
          k,
          this.#phi,
          sets,
          w.indptr,
          w.index,
          w.weightAt,
          w.splits,
          w.u,
          w.v,
          w.values,
          this.#scratch,
        );
        out.set(w.views().values.subarray(0, sets), start);
      }
    } finally {
      w.free();
    }
    return out;
  }

  /** The mean loss of the observations (bpr: negatives drawn from `random`). */
  #lossOf(data: CheckedObservations, loss: Loss, random: Random, caller: string): number {
    let sum = 0,
      weights = 0;
    if (loss === "bpr") {
      const w = new Workspace(
        this.#engine,
        this.#K,
        this.#s,
        data,
        Math.min(2048, Math.max(1, data.count)),
        true,
        caller,
      );
      try {
        const { n, m, k } = this.#s;
        for (let start = 0; start < data.count; start += 2048) {
          const ids = Uint32Array.from({ length: Math.min(2048, data.count - start) }, (_, i) => start + i);
          const sets = w.bprSets(ids, data, this.#s, random);
          this.#K.batchPooledListed(
            n,
            m,
            k,
            this.#phi,
            sets,
            w.indptr,
            w.index,
            w.weightAt,
            w.splits,
            w.u,
            w.v,
            w.values,
            this.#scratch,
          );
          const values = w.views().values;
          ids.forEach((id, b) => {
            sum += data.sampleWeight[id] * softplus(values[2 * b + 1] - values[2 * b]);
            weights += data.sampleWeight[id];
          });
        }
      } finally {
        w.free();
      }
    } else {
      const scores = this.#scores(data, caller);
      scores.forEach((F, id) => {
        sum += data.sampleWeight[id] * lossAndSlope(loss, F, data.y![id])[0];
        weights += data.sampleWeight[id];
      });
    }
    return sum / (weights || 1);
  }
}

/** Loss and dL/dF of one observation. */
function lossAndSlope(loss: "squared" | "logistic", F: number, y: number): [number, number] {
  if (loss === "squared") return [(F - y) ** 2, 2 * (F - y)];
  // logistic, y in {0, 1}: log(1 + exp(-s F)) with s = +-1
  const s = y > 0.5 ? 1 : -1;
  return [softplus(-s * F), -s * sigmoid(-s * F)];
}

/** 0..count-1 in a seeded random order (Fisher-Yates). */
function shuffled(count: number, random: Random): Uint32Array {
  const order = Uint32Array.from({ length: count }, (_, i) => i);
  for (let i = count - 1; i > 0; i--) {
    const j = random.below(i + 1);
    const t = order[i];
    order[i] = order[j];
    order[j] = t;
  }
  return order;
}

/**
 * @internal `count` distinct rows of group B, none of them in `positives` (sorted, as offsets from n),
 * drawn uniformly and returned sorted: Floyd's sampling over the complement, so the work is
 * bounded by `count` whatever the data (the caller checks that m - positives >= count).
 */
export function drawNegatives(
  count: number,
  positives: ArrayLike<number>,
  n: number,
  m: number,
  random: Random,
): number[] {
  const complement = m - positives.length;
  const chosen = new Set<number>();
  for (let j = complement - count; j < complement; j++) {
    const t = random.below(j + 1);
    chosen.add(chosen.has(t) ? j : t);
  }
  // the c-th row of B that is not a positive: skip the positives at or below it
  const rows: number[] = [];
  let p = 0;
  for (const c of [...chosen].sort((a, b) => a - b)) {
    while (p < positives.length && positives[p] - n <= c + p) p++;
    rows.push(n + c + p);
  }
  return rows;
}
/**
 * A fit's or a prediction's wasm memory: the observations' CSR (copied in once) and the
 * buffers of one batch, in one region freed at the end.
 */
class Workspace {
  readonly #memory: WasmMemory;
  readonly #K: PrecisionKernels;
  readonly #base: number;
  readonly #data: { indptr: number; index: number; weight: number; splits: number };
  readonly ids: number;
  readonly indptr: number;
  readonly index: number;
  readonly weightAt: number;
  readonly splits: number;
  readonly values: number;
  readonly setWeightsAt: number;
  readonly u: number;
  readonly v: number;
  readonly #sets: number;
  readonly #entries: number;
  readonly #weighted: boolean;
  #cache: { buffer: ArrayBuffer; views: ReturnType<Workspace["makeViews"]> } | undefined;

  constructor(
    engine: Engine,
    K: PrecisionKernels,
    s: CheckedShape,
    data: CheckedObservations,
    batchSize: number,
    pairs: boolean,
    caller: string,
  ) {
    this.#memory = engine.memory;
    this.#K = K;
    this.#weighted = data.weight !== undefined;
    const bytes = K.bytesPerElement;
    // a batch holds batchSize sets (bpr: twice, each at most as wide as its observation)
    this.#sets = batchSize * (pairs ? 2 : 1);
    this.#entries = this.#sets * data.widest;
    const parts = [
      ["data.indptr", 4 * (data.count + 1)],
      ["data.index", 4 * data.index.length],
      ["data.weight", this.#weighted ? bytes * data.index.length : 0],
      ["data.splits", 4 * data.count],
      ["ids", 4 * batchSize],
      ["indptr", 4 * (this.#sets + 1)],
      ["index", 4 * this.#entries],
      ["weight", this.#weighted || pairs ? bytes * this.#entries : 0],
      ["splits", 4 * this.#sets],
      ["values", bytes * this.#sets],
      ["setWeights", bytes * this.#sets],
      ["u", bytes * this.#sets * s.k],
      ["v", bytes * this.#sets * s.k],
    ] as const;
    const total = parts.reduce((sum, [, b]) => sum + align(b), 0);
    this.#base = allocRegion(
      engine.memory,
      total,
      caller,
      `the observations and batch buffers of a ${shapeText(s)} model`,
    );
    const at: Record<string, number> = {};
    let next = this.#base;
    for (const [name, b] of parts) {
      at[name] = next;
      next += align(b);
    }
    this.#data = {
      indptr: at["data.indptr"],
      index: at["data.index"],
      weight: this.#weighted ? at["data.weight"] : 0,
      splits: at["data.splits"],
    };
    this.ids = at.ids;
    this.indptr = at.indptr;
    this.index = at.index;
    this.weightAt = this.#weighted || pairs ? at.weight : 0;
    this.splits = at.splits;
    this.values = at.values;
    this.setWeightsAt = at.setWeights;
    this.u = at.u;
    this.v = at.v;
    const buffer = engine.memory.buffer;
    new Uint32Array(buffer, this.#data.indptr, data.count + 1).set(data.indptr);
    new Uint32Array(buffer, this.#data.index, data.index.length).set(data.index);
    if (data.weight) new K.ArrayType(buffer, this.#data.weight, data.index.length).set(data.weight);
    new Uint32Array(buffer, this.#data.splits, data.count).set(data.splits);
  }

  makeViews() {
    const buffer = this.#memory.buffer;
    return {
      ids: new Uint32Array(buffer, this.ids, this.#sets),
      indptr: new Uint32Array(buffer, this.indptr, this.#sets + 1),
      index: new Uint32Array(buffer, this.index, this.#entries),
      weight: new this.#K.ArrayType(buffer, this.weightAt, this.weightAt ? this.#entries : 0),
      splits: new Uint32Array(buffer, this.splits, this.#sets),
      values: new this.#K.ArrayType(buffer, this.values, this.#sets),
      setWeights: new this.#K.ArrayType(buffer, this.setWeightsAt, this.#sets),
    };
  }

  /** Views of the batch buffers over the current buffer (rebuilt if memory grew meanwhile). */
  views(): ReturnType<Workspace["makeViews"]> {
    const buffer = this.#memory.buffer;
    if (this.#cache?.buffer !== buffer) this.#cache = { buffer, views: this.makeViews() };
    return this.#cache.views;
  }

  /** The observations `ids` as the batch's sets; returns how many. */
  gather(ids: Uint32Array): number {
    this.views().ids.set(ids);
    const d = this.#data;
    this.#K.gatherSets(
      ids.length,
      this.ids,
      d.indptr,
      d.index,
      d.weight,
      d.splits,
      this.indptr,
      this.index,
      this.weightAt,
      this.splits,
    );
    return ids.length;
  }

  /**
   * bpr: per observation a positive set (its own rows) and a negative set (its A rows, and as
   * many B rows drawn uniformly from those it does not list, weight 1); returns how many sets.
   */
  bprSets(ids: Uint32Array, data: CheckedObservations, s: CheckedShape, random: Random): number {
    const v = this.views();
    let e = 0,
      set = 0;
    v.indptr[0] = 0;
    const put = (row: number, weight: number) => {
      v.index[e] = row;
      v.weight[e] = weight;
      e++;
    };
    for (const id of ids) {
      const first = data.indptr[id],
        split = data.splits[id],
        end = data.indptr[id + 1];
      const weightOf = (i: number) => (data.weight ? data.weight[i] : 1);
      // the positive set
      for (let i = first; i < end; i++) put(data.index[i], weightOf(i));
      v.splits[set] = v.indptr[set] + (split - first);
      v.indptr[++set] = e;
      // the negative set: the A rows, then sampled B rows (sorted, distinct, not positives)
      for (let i = first; i < split; i++) put(data.index[i], weightOf(i));
      v.splits[set] = e;
      for (const row of drawNegatives(end - split, data.index.subarray(split, end), s.n, s.m, random)) put(row, 1);
      v.indptr[++set] = e;
    }
    return set;
  }

  free(): void {
    this.#memory.free(this.#base);
  }
}

type CheckedFitOptions = {
  readonly loss: Loss;
  readonly optimizer: OptimizerOptions;
  readonly learningRate: LearningRate;
  readonly epochs: number;
  readonly batchSize: number;
  readonly seed: number;
  readonly l2: number;
  readonly clipNorm: number;
  readonly patience: number;
  readonly validation?: Observations;
  readonly onEpoch?: FitOptions["onEpoch"];
  readonly onBatch?: FitOptions["onBatch"];
};

const shown = (value: unknown): string =>
  typeof value === "number" ? String(value) : typeof value === "string" ? JSON.stringify(value) : describe(value);

function checkInteger(
  value: unknown,
  name: string,
  caller: string,
  min: number,
  max = Number.MAX_SAFE_INTEGER,
): number {
  if (typeof value !== "number" || !Number.isInteger(value) || value < min || value > max) {
    const range = max === Number.MAX_SAFE_INTEGER ? `of at least ${min}` : `from ${min} to ${max}`;
    throw new RangeError(`${caller}(): ${name} must be an integer ${range}, got ${shown(value)}`);
  }
  return value;
}

/** A seed: an integer from 0 to 2^32 - 1 (the generator's state). */
function checkSeed(value: unknown, name: string, caller: string): number {
  return checkInteger(value, name, caller, 0, 2 ** 32 - 1);
}

/** A finite number in [min, max) (or [min, max] when `closed`), else `fallback` when undefined. */
function checkReal(
  value: unknown,
  name: string,
  caller: string,
  fallback: number,
  min: number,
  max = Infinity,
  closed = true,
): number {
  if (value === undefined) return fallback;
  const inRange =
    typeof value === "number" && Number.isFinite(value) && value >= min && (closed ? value <= max : value < max);
  if (!inRange) {
    const range = max === Infinity ? `of at least ${min}` : `from ${min} to ${max}${closed ? "" : " (excluded)"}`;
    throw new RangeError(`${caller}(): ${name} must be a finite number ${range}, got ${shown(value)}`);
  }
  return value;
}

function checkLoss(loss: unknown, name: string, caller: string): Loss {
  if (loss !== "squared" && loss !== "logistic" && loss !== "bpr") {
    throw new RangeError(`${caller}(): ${name} must be "squared", "logistic" or "bpr", got ${shown(loss)}`);
  }
  return loss;
}

function checkCallback(value: unknown, name: string, caller: string): void {
  if (value !== undefined && typeof value !== "function")
    throw new TypeError(`${caller}(): ${name} must be a function, got ${describe(value)}`);
}

/** The optimizer's hyper-parameters, each in the range where its update is defined. */
function checkOptimizer(value: unknown, caller: string): OptimizerOptions {
  const o = checkOptions<
    OptimizerOptions & { momentum: unknown; nesterov: unknown; beta1: unknown; beta2: unknown; epsilon: unknown }
  >(value ?? { type: "adam" }, caller, "options.optimizer");
  const type = o.type;
  if (type !== "sgd" && type !== "adagrad" && type !== "adam") {
    throw new RangeError(`${caller}(): options.optimizer.type must be "sgd", "adagrad" or "adam", got ${shown(type)}`);
  }
  const name = (field: string) => `options.optimizer.${field}`;
  if (typeof o.learningRate !== "function") checkReal(o.learningRate, name("learningRate"), caller, 0, 0);
  checkReal(o.weightDecay, name("weightDecay"), caller, 0, 0);
  if (type === "sgd") {
    checkReal(o.momentum, name("momentum"), caller, 0, 0);
    if (o.nesterov !== undefined && typeof o.nesterov !== "boolean")
      throw new TypeError(`${caller}(): ${name("nesterov")} must be a boolean, got ${describe(o.nesterov)}`);
  } else {
    // epsilon 0 would divide 0 by 0 where a row's gradient is 0
    const epsilon = checkReal(o.epsilon, name("epsilon"), caller, 1e-7, 0);
    if (epsilon === 0) throw new RangeError(`${caller}(): ${name("epsilon")} must be positive, got 0`);
  }
  if (type === "adam") {
    // beta = 1 would make the bias correction 1 - beta^t zero
    checkReal(o.beta1, name("beta1"), caller, 0.9, 0, 1, false);
    checkReal(o.beta2, name("beta2"), caller, 0.999, 0, 1, false);
  }
  return o as OptimizerOptions;
}

function checkFitOptions(caller: string, options: unknown): CheckedFitOptions {
  const o = checkOptions<FitOptions>(options, caller);
  const optimizer = checkOptimizer(o.optimizer, caller);
  checkCallback(o.onEpoch, "options.onEpoch", caller);
  checkCallback(o.onBatch, "options.onBatch", caller);
  return {
    loss: checkLoss(o.loss ?? "squared", "options.loss", caller),
    optimizer,
    learningRate: optimizer.learningRate ?? (optimizer.type === "adagrad" ? 0.1 : 0.01),
    epochs: checkInteger(o.epochs ?? 10, "options.epochs", caller, 0),
    batchSize: checkInteger(o.batchSize ?? 256, "options.batchSize", caller, 1),
    seed: checkSeed(o.seed ?? 1, "options.seed", caller),
    l2: checkReal(o.l2, "options.l2", caller, 0, 0),
    clipNorm: o.clipNorm === Infinity ? Infinity : checkReal(o.clipNorm, "options.clipNorm", caller, Infinity, 0),
    patience:
      o.patience === undefined || o.patience === Infinity
        ? Infinity
        : checkInteger(o.patience, "options.patience", caller, 1),
    validation: o.validation,
    onEpoch: o.onEpoch,
    onBatch: o.onBatch,
  };
}

/** The learning rate of an epoch: the number, or what the schedule returns, checked. */
function learningRateOf(o: CheckedFitOptions, epoch: number, caller: string): number {
  if (typeof o.learningRate !== "function") return o.learningRate;
  const rate = o.learningRate(epoch);
  if (typeof rate !== "number" || !Number.isFinite(rate) || rate < 0) {
    throw new RangeError(
      `${caller}(): options.optimizer.learningRate(${epoch}) returned ${shown(rate)}; a learning rate must be a finite number of at least 0`,
    );
  }
  return rate;
}

/** Observations checked against the shape: CSR sets, targets for `loss`, sample weights. */
function checkObservations(
  caller: string,
  name: string,
  observations: unknown,
  s: CheckedShape,
  precision: Precision,
  loss: Loss | undefined,
): CheckedObservations {
  const sets = checkGateSets(observations, s, precision, caller, name);
  if (sets.dense)
    throw new TypeError(`${caller}(): ${name} must be CSR sets { indptr, index, weight?, y? }, not dense gate sets`);
  const o = observations as Observations;
  const count = sets.count;
  let y: Float64Array | undefined;
  if (loss === "squared" || loss === "logistic") {
    y = Float64Array.from(checkNumbers(o.y, `${name}.y`, caller, count, "the number of observations"));
    for (let b = 0; b < count; b++) {
      if (loss === "logistic" ? y[b] !== 0 && y[b] !== 1 : !Number.isFinite(y[b])) {
        throw new RangeError(
          `${caller}(): ${name}.y[${b}] must be ${loss === "logistic" ? "0 or 1" : "finite"} for ${loss} loss, got ${y[b]}`,
        );
      }
    }
  }
  const sampleWeight =
    o.sampleWeight === undefined
      ? new Float64Array(count).fill(1)
      : Float64Array.from(
          checkNumbers(o.sampleWeight, `${name}.sampleWeight`, caller, count, "the number of observations"),
        );
  sampleWeight.forEach((x, b) => {
    if (!(x >= 0) || !Number.isFinite(x))
      throw new RangeError(`${caller}(): ${name}.sampleWeight[${b}] must be finite and non-negative, got ${x}`);
  });
  let widest = 1;
  for (let b = 0; b < count; b++) widest = Math.max(widest, sets.indptr[b + 1] - sets.indptr[b]);
  return {
    count,
    indptr: sets.indptr,
    index: sets.index,
    weight: sets.weight,
    splits: sets.splits,
    y,
    sampleWeight,
    widest,
  };
}

/** bpr draws as many negatives as an observation has positive B rows: there must be room. */
function checkBprNegatives(caller: string, name: string, data: CheckedObservations, s: CheckedShape): void {
  for (let b = 0; b < data.count; b++) {
    const positives = data.indptr[b + 1] - data.splits[b];
    if (positives === 0 || 2 * positives > s.m) {
      throw new RangeError(
        `${caller}(): ${name}: observation ${b} lists ${positives} rows of group B; bpr needs at least 1, and at most m / 2 = ${Math.floor(s.m / 2)} to draw as many negatives`,
      );
    }
  }
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
  const s = checkShape(shape, caller);
  const o = checkOptions<ModelOptions<P>>(options, caller);
  const precision = checkPrecision(o.precision, caller) as P;
  const initial = o.phi === undefined ? undefined : checkNumbers(o.phi, phiName, caller, s.elements, "(n + m) * k");
  const scale = checkReal(o.scale, "options.scale", caller, 0.1, 0);
  const seed = checkSeed(o.seed ?? 1, "options.seed", caller);
  const model = new Model(engine, s, precision);
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
  const saved = decodeModel(bytes, "loadModel");
  return newModel(
    "loadModel",
    { n: saved.n, m: saved.m, k: saved.k },
    { precision: saved.precision, phi: saved.phi },
    "bytes",
  );
}
