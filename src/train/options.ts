// The options of training and the data it trains on, checked (docs/design.md §7, §8): fit's
// options with their defaults, the optimizer's hyper-parameters, observations and their targets.
// Every check takes the caller first, then the argument's name (where it varies), then the value.

import { checkGateSets, checkNumbers, snapshotArray, type CheckedShape } from "../ops/checks.js";
import { checkInteger, checkOptions, checkReal, checkSeed } from "../util/checks.js";
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

/** Fit options, checked, with their defaults. */
export type CheckedFitOptions = {
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

export function checkLoss(caller: string, name: string, loss: unknown): Loss {
  if (loss !== "squared" && loss !== "logistic" && loss !== "bpr") {
    throw new RangeError(`${caller}(): ${name} must be "squared", "logistic" or "bpr", got ${shown(loss)}`);
  }
  return loss;
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

export function checkFitOptions(caller: string, options: unknown): CheckedFitOptions {
  const o = checkOptions<FitOptions>(caller, "options", options, [
    "loss",
    "optimizer",
    "epochs",
    "batchSize",
    "seed",
    "l2",
    "clipNorm",
    "validation",
    "patience",
    "onEpoch",
    "onBatch",
  ]);
  const optimizer = checkOptimizer(caller, o.optimizer);
  checkCallback(caller, "options.onEpoch", o.onEpoch);
  checkCallback(caller, "options.onBatch", o.onBatch);
  return {
    loss: checkLoss(caller, "options.loss", o.loss ?? "squared"),
    optimizer,
    learningRate: optimizer.learningRate ?? defaultLearningRate(optimizer.type),
    epochs: checkInteger(caller, "options.epochs", o.epochs ?? 10, 0),
    batchSize: checkInteger(caller, "options.batchSize", o.batchSize ?? 256, 1),
    seed: checkSeed(caller, "options.seed", o.seed ?? 1),
    l2: checkReal(caller, "options.l2", o.l2, 0, 0),
    clipNorm: o.clipNorm === Infinity ? Infinity : checkReal(caller, "options.clipNorm", o.clipNorm, Infinity, 0),
    patience:
      o.patience === undefined || o.patience === Infinity
        ? Infinity
        : checkInteger(caller, "options.patience", o.patience, 1),
    validation: o.validation,
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
  sampleWeight.forEach((x, b) => {
    if (!(x >= 0) || !Number.isFinite(x))
      throw new RangeError(`${caller}(): ${name}.sampleWeight[${b}] must be finite and non-negative, got ${x}`);
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
    widest,
  };
}

/** bpr draws as many negatives as an observation has positive B rows: there must be room. */
export function checkBprNegatives(caller: string, name: string, data: CheckedObservations, s: CheckedShape): void {
  for (let b = 0; b < data.count; b++) {
    const positives = data.indptr[b + 1] - data.splits[b];
    if (positives === 0 || 2 * positives > s.m) {
      throw new RangeError(
        `${caller}(): ${name}: observation ${b} lists ${positives} rows of group B; bpr needs at least 1, and at most m / 2 = ${Math.floor(s.m / 2)} to draw as many negatives`,
      );
    }
  }
}
