// The options of training and the data it trains on, checked (docs/design.md §7, §8): fit's
// options with their defaults, the optimizer's hyper-parameters, observations and their targets.
// Every check takes the caller first, then the argument's name (where it varies), then the value.

import { checkGateSets, checkNumbers, checkRows, snapshotArray, type CheckedShape } from "../ops/checks.js";
import { checkBoolean, checkInteger, checkOptions, checkReal, checkSeed } from "../util/checks.js";
import { describe, readFields, shown } from "../util/read.js";
import type { Precision } from "../util/types.js";
import type { Loss } from "./losses.js";
import type { CheckedObservations, Observations } from "./minibatch.js";
import { defaultLearningRate, type LearningRate, type OptimizerOptions } from "./optimizers.js";

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
  /** seeds the shuffling and the negatives of bpr and warp [1] */ readonly seed?: number;
  /**
   * L2 per occurrence, as Surprise's `reg`: every row an observation lists adds
   * reg |phi_r|^2 (and reg w_r^2) to that observation's loss (docs/training.md) [0]
   */
  readonly reg?: number;
  /**
   * A fixed L2 per row, spread over its occurrences: row r adds (regFixed / n_r) |phi_r|^2 to
   * each of the n_r observations listing it, so rare rows shrink hardest (BaselineOnly's reg_u,
   * reg_i; LightFM's alpha is regFixed = alpha * N / 2 for N observations) [0]
   */
  readonly regFixed?: number;
  /** scales each row's penalty (length n + m; 0 exempts a row, such as an always-on one) [every row 1] */
  readonly regWeight?: ArrayLike<number>;
  /**
   * The rows this fit may change (their phi and w), each at most once: every other row, and
   * w0, stays as it is (fold-in: a new user's row fit to its ratings, the items frozen)
   * [every row, and w0]
   */
  readonly trainable?: ArrayLike<number>;
  /**
   * A model of fields (createFieldModel): whether fit learns the weight rho of each pair of
   * fields; false keeps rho as it is, bit for bit (a classic FM's 1s, or weights known
   * beforehand). Models of two groups have no rho [true]
   */
  readonly learnRho?: boolean;
  /** warp and warp-kos: negatives drawn before an observation gives up (LightFM's max_sampled) [10] */
  readonly maxSampled?: number;
  /** warp-kos: the positive is the k-th best scored of n drawn from the user's positives [{ k: 5, n: 10 }] */
  readonly kos?: { readonly k?: number; readonly n?: number };
  /** scales a mini-batch's gradient down to this Euclidean norm when it is longer */
  readonly clipNorm?: number;
  /** observations to report the loss on after every epoch (and to stop early on) */
  readonly validation?: Observations;
  /**
   * @internal Items a pairwise loss may draw as negatives besides those of the observations, as
   * sets of group B rows (fold-in: every item of the recipe, when items are parts of several rows)
   */
  readonly catalogue?: Observations;
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
  /** the epoch with the best validation loss (or the last epoch without validation), counted from 0 */
  readonly bestEpoch: number;
}

/** Fit options, checked, with their defaults. */
export type CheckedFitOptions = {
  readonly loss: Loss;
  readonly optimizer: OptimizerOptions;
  readonly learningRate: LearningRate;
  readonly epochs: number;
  readonly batchSize: number;
  readonly seed: number;
  readonly reg: number;
  readonly regFixed: number;
  readonly regWeight?: Float64Array;
  /** one byte a row: 1 where the row trains (undefined: every row, and w0) */
  readonly trainable?: Uint8Array;
  readonly learnRho: boolean;
  readonly maxSampled: number;
  readonly kos: { readonly k: number; readonly n: number };
  readonly clipNorm: number;
  readonly patience: number;
  readonly validation?: Observations;
  readonly catalogue?: Observations;
  readonly onEpoch?: FitOptions["onEpoch"];
  readonly onBatch?: FitOptions["onBatch"];
};

const LOSSES: readonly Loss[] = ["squared", "logistic", "bpr", "warp", "warp-kos"];

export function checkLoss(caller: string, name: string, loss: unknown): Loss {
  if (!LOSSES.includes(loss as Loss)) {
    throw new RangeError(
      `${caller}(): ${name} must be one of ${LOSSES.map((l) => `"${l}"`).join(", ")}, got ${shown(loss)}`,
    );
  }
  return loss as Loss;
}

/**
 * A model of fields trains with squared or logistic loss: the pairwise losses draw items for a
 * user, which takes two groups (users and items) that fields do not name.
 */
export function checkFieldLoss(caller: string, name: string, loss: Loss): void {
  if (loss !== "squared" && loss !== "logistic")
    throw new RangeError(
      `${caller}(): ${name} "${loss}" needs a model of two groups (users and items); a model of fields trains with "squared" or "logistic"`,
    );
}

function checkCallback(caller: string, name: string, value: unknown): void {
  if (value !== undefined && typeof value !== "function")
    throw new TypeError(`${caller}(): ${name} must be a function, got ${describe(value)}`);
}

/** The optimizer's hyper-parameters, each in the range where its update is defined. */
function checkOptimizer(caller: string, value: unknown): OptimizerOptions {
  const o = checkOptions<
    OptimizerOptions & { momentum: unknown; nesterov: unknown; beta1: unknown; beta2: unknown; epsilon: unknown }
  >(caller, "options.optimizer", value ?? { type: "adam" }, [
    "type",
    "learningRate",
    "weightDecay",
    "momentum",
    "nesterov",
    "beta1",
    "beta2",
    "epsilon",
  ]);
  const type = o.type;
  if (type !== "sgd" && type !== "adagrad" && type !== "adam") {
    throw new RangeError(`${caller}(): options.optimizer.type must be "sgd", "adagrad" or "adam", got ${shown(type)}`);
  }
  const name = (field: string) => `options.optimizer.${field}`;
  if (typeof o.learningRate !== "function") checkReal(caller, name("learningRate"), o.learningRate, 0, 0);
  checkReal(caller, name("weightDecay"), o.weightDecay, 0, 0);
  if (type === "sgd") {
    checkReal(caller, name("momentum"), o.momentum, 0, 0);
    if (o.nesterov !== undefined && typeof o.nesterov !== "boolean")
      throw new TypeError(`${caller}(): ${name("nesterov")} must be a boolean, got ${describe(o.nesterov)}`);
  } else {
    // epsilon 0 would divide 0 by 0 where a row's gradient is 0
    const epsilon = checkReal(caller, name("epsilon"), o.epsilon, 1e-7, 0);
    if (epsilon === 0) throw new RangeError(`${caller}(): ${name("epsilon")} must be positive, got 0`);
  }
  if (type === "adam") {
    // beta = 1 would make the bias correction 1 - beta^t zero
    checkReal(caller, name("beta1"), o.beta1, 0.9, 0, 1, false);
    checkReal(caller, name("beta2"), o.beta2, 0.999, 0, 1, false);
  }
  return o as OptimizerOptions;
}

/**
 * fit's options; `rows` (n + m) is regWeight's length; `fields`: the model is one of fields (the
 * pairwise losses need two groups, learnRho needs pairs).
 */
export function checkFitOptions(caller: string, options: unknown, rows: number, fields = false): CheckedFitOptions {
  const o = checkOptions<FitOptions & { l2: unknown }>(caller, "options", options, [
    "loss",
    "optimizer",
    "epochs",
    "batchSize",
    "seed",
    "l2",
    "reg",
    "regFixed",
    "regWeight",
    "trainable",
    "learnRho",
    "maxSampled",
    "kos",
    "clipNorm",
    "validation",
    "catalogue",
    "patience",
    "onEpoch",
    "onBatch",
  ]);
  if (o.l2 !== undefined)
    throw new TypeError(
      `${caller}(): options.l2 was replaced by options.reg, an L2 per occurrence as Surprise's reg (docs/training.md), and options.regFixed`,
    );
  const optimizer = checkOptimizer(caller, o.optimizer);
  const regWeight =
    o.regWeight === undefined ? undefined : checkNumbers(caller, "options.regWeight", o.regWeight, rows, "n + m");
  regWeight?.forEach((x, r) => {
    if (!(x >= 0) || !Number.isFinite(x))
      throw new RangeError(`${caller}(): options.regWeight[${r}] must be finite and non-negative, got ${x}`);
  });
  let trainable: Uint8Array | undefined;
  if (o.trainable !== undefined) {
    // each row once: a list longer than the model is refused before it is read
    trainable = new Uint8Array(rows);
    for (const r of checkRows(caller, "options.trainable", o.trainable, rows, true)) trainable[r] = 1;
  }
  const kos = checkOptions<{ k: number; n: number }>(caller, "options.kos", o.kos, ["k", "n"]);
  const kosN = checkInteger(caller, "options.kos.n", kos.n ?? 10, 1, 1024);
  const kosK = checkInteger(caller, "options.kos.k", kos.k ?? Math.min(5, kosN), 1, kosN);
  checkCallback(caller, "options.onEpoch", o.onEpoch);
  checkCallback(caller, "options.onBatch", o.onBatch);
  if (o.learnRho !== undefined && !fields)
    throw new TypeError(
      `${caller}(): options.learnRho is for models of fields (createFieldModel); this model has no rho`,
    );
  const loss = checkLoss(caller, "options.loss", o.loss ?? "squared");
  if (fields) checkFieldLoss(caller, "options.loss", loss);
  return {
    loss,
    optimizer,
    learningRate: optimizer.learningRate ?? defaultLearningRate(optimizer.type),
    epochs: checkInteger(caller, "options.epochs", o.epochs ?? 10, 0),
    batchSize: checkInteger(caller, "options.batchSize", o.batchSize ?? 256, 1),
    seed: checkSeed(caller, "options.seed", o.seed ?? 1),
    reg: checkReal(caller, "options.reg", o.reg, 0, 0),
    regFixed: checkReal(caller, "options.regFixed", o.regFixed, 0, 0),
    regWeight,
    trainable,
    learnRho: o.learnRho === undefined ? true : checkBoolean(caller, "options.learnRho", o.learnRho),
    maxSampled: checkInteger(caller, "options.maxSampled", o.maxSampled ?? 10, 1, 2 ** 20),
    kos: { k: kosK, n: kosN },
    clipNorm: o.clipNorm === Infinity ? Infinity : checkReal(caller, "options.clipNorm", o.clipNorm, Infinity, 0),
    patience:
      o.patience === undefined || o.patience === Infinity
        ? Infinity
        : checkInteger(caller, "options.patience", o.patience, 1),
    validation: o.validation,
    catalogue: o.catalogue,
    onEpoch: o.onEpoch,
    onBatch: o.onBatch,
  };
}

/** The rate a learning-rate schedule returned for an epoch: a finite number of at least 0. */
export function checkLearningRate(caller: string, rate: unknown, epoch: number): number {
  if (typeof rate !== "number" || !Number.isFinite(rate) || rate < 0) {
    throw new RangeError(
      `${caller}(): options.optimizer.learningRate(${epoch}) returned ${shown(rate)}; a learning rate must be a finite number of at least 0`,
    );
  }
  return rate;
}

/**
 * Observations checked against the shape: CSR sets, targets for `loss`, sample weights, every
 * array a snapshot read once (training reads them for a whole fit; a caller's later change must
 * not reach it).
 */
export function checkObservations(
  caller: string,
  name: string,
  observations: unknown,
  s: CheckedShape,
  precision: Precision,
  loss: Loss | undefined,
): CheckedObservations {
  const sets = checkGateSets(caller, name, observations, s, precision);
  if (sets.dense)
    throw new TypeError(`${caller}(): ${name} must be CSR sets { indptr, index, weight?, y? }, not dense gate sets`);
  const o = readFields(caller, name, observations as object, ["y", "sampleWeight"]);
  const count = sets.count;
  let y: Float64Array | undefined;
  if (loss === "squared" || loss === "logistic") {
    y = checkNumbers(caller, `${name}.y`, o.y, count, "the number of observations");
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
      : checkNumbers(caller, `${name}.sampleWeight`, o.sampleWeight, count, "the number of observations");
  let unitWeights = true;
  sampleWeight.forEach((x, b) => {
    if (!(x >= 0) || !Number.isFinite(x))
      throw new RangeError(`${caller}(): ${name}.sampleWeight[${b}] must be finite and non-negative, got ${x}`);
    unitWeights &&= x === 1;
  });
  let widest = 1;
  for (let b = 0; b < count; b++) widest = Math.max(widest, sets.indptr[b + 1] - sets.indptr[b]);
  const weight =
    sets.weight &&
    (precision === "f32"
      ? snapshotArray(caller, `${name}.weight`, sets.weight, Float32Array)
      : snapshotArray(caller, `${name}.weight`, sets.weight, Float64Array));
  return {
    count,
    indptr: sets.indptr,
    index: sets.index,
    weight,
    splits: sets.splits,
    y,
    sampleWeight,
    unitWeights,
    widest,
  };
}
