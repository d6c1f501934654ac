// Training's loop (docs/design.md §8): a fit checks everything and places every region it
// needs before it changes anything, then runs epochs of shuffled mini-batches, each a batch of
// gate sets through the batch kernels (phase 1: every set's F; the loss slopes weight phase 2's
// gradient sum) and an optimizer step on the rows the batch touched. Every batch's scores and
// step are checked for NaN and infinities, and the parameters a fit ends with are scored once;
// a diverging run is rolled back to a start that scores every observation finitely.

import { shapeText } from "../ops/call.js";
import type { Engine, PrecisionKernels } from "../wasm/loader.js";
import { lossAndSlope, pairLossAndSlope } from "./losses.js";
import { allocParts, allocRegion, Slots } from "../wasm/layout.js";
import {
  BatchBuffers,
  meanLoss,
  shuffled,
  type CheckedObservations,
  type Observations,
  type Scored,
} from "./minibatch.js";
import { stateRegions, stepRows, type OptimizerState } from "./optimizers.js";
import { Random } from "../util/random.js";
import type { CheckedShape } from "../ops/checks.js";
import {
  checkBprNegatives,
  checkFitOptions,
  checkLearningRate,
  checkObservations,
  type CheckedFitOptions,
  type EpochReport,
  type FitOptions,
  type History,
} from "./options.js";

/** @internal What training reads and changes of a model: its memory and its running state. */
export interface Trainee extends Scored {
  readonly engine: Engine;
  readonly K: PrecisionKernels;
  readonly s: CheckedShape;
  readonly precision: "f32" | "f64";
  readonly phi: number;
  /** what a step needs besides phi, placed by the first fit (a model that only predicts has none) */
  stepBuffers: StepBuffers | undefined;
  optimizer: OptimizerState | undefined;
  /** regions for copies of phi and the optimizer state, placed as fits need them (see Snapshot) */
  snapshots: Partial<Record<Snapshot, number>>;
  epoch: number;
  random: Random;
  /** the method training, while it runs: callbacks may then only read the model */
  training: string | undefined;
  /** set by dispose(): a callback's dispose() stops training, which then frees the memory */
  disposed: boolean;
}

/**
 * @internal The buffers of an optimizer step, in one region: the gradient buffer (zero between
 * steps), the row marks (one byte a row, zero between steps) and the list of a batch's rows.
 * They hold nothing from one step to the next, but stay with the model from its first fit on.
 */
export interface StepBuffers {
  readonly base: number;
  readonly grad: number;
  readonly marks: number;
  readonly list: number;
}

/** Places (zeroed) the step buffers of a model of this shape, or the RangeError of allocParts. */
function placeStepBuffers(t: Trainee, caller: string): StepBuffers {
  const { s, K } = t;
  const { base, at } = allocParts(
    t.engine.memory,
    { grad: s.elements * K.bytesPerElement, marks: s.rows, list: 4 * s.rows },
    caller,
    () => `the step buffers of a ${shapeText(s)} ${t.precision} model`,
  );
  t.engine.memory.view(Uint8Array, at.grad, at.list - at.grad).fill(0);
  return { base, ...at };
}

/** Bytes of phi (and of each region of optimizer state). */
const phiBytes = (t: Trainee): number => t.s.elements * t.K.bytesPerElement;

/** The snapshot slots: phi, then up to two regions of optimizer state. */
const snapshotSlots = (t: Trainee): Slots => new Slots(3, phiBytes(t));

/** Zeroed regions of optimizer state, the size of phi each; all or none. */
function allocState(t: Trainee, count: number, caller: string): number[] {
  const regions: number[] = [];
  try {
    for (let i = 0; i < count; i++)
      regions.push(allocRegion(t.engine.memory, phiBytes(t), caller, "the optimizer state"));
  } catch (error) {
    for (const ptr of regions) t.engine.memory.free(ptr);
    throw error;
  }
  for (const ptr of regions) t.engine.memory.view(Uint8Array, ptr, phiBytes(t)).fill(0);
  return regions;
}

/**
 * @internal The copies a fit keeps (docs/design.md §8): the parameters where the call began and
 * where the current epoch began (the points a diverging run goes back to), and those of the
 * best epoch (early stopping).
 */
export type Snapshot = "start" | "epoch" | "best";

/** The snapshots a fit with these options needs. */
const snapshotsOf = (o: CheckedFitOptions): Snapshot[] =>
  (["start", "epoch", "best"] as const).filter((slot) =>
    slot === "best" ? o.patience !== Infinity : o.epochs > (slot === "start" ? 0 : 1),
  );

/** What a snapshot holds besides its bytes: the epoch count and the optimizer's step count. */
interface Taken {
  readonly epoch: number;
  readonly steps: number;
}

/**
 * Copies phi and the optimizer state into snapshot `slot`, returning the counts it goes with;
 * or, given those, back, with the counts.
 */
function snapshot(t: Trainee, slot: Snapshot, restore?: Taken): Taken {
  const bytes = phiBytes(t),
    slots = snapshotSlots(t);
  const memory = t.engine.memory.view(Uint8Array, 0, t.engine.memory.byteLength);
  [t.phi, ...(t.optimizer?.regions ?? [])].forEach((ptr, i) => {
    const copy = slots.at(t.snapshots[slot]!, i);
    if (restore) memory.copyWithin(ptr, copy, copy + bytes);
    else memory.copyWithin(copy, ptr, ptr + bytes);
  });
  if (restore) {
    t.epoch = restore.epoch;
    if (t.optimizer) t.optimizer.steps = restore.steps;
  }
  return { epoch: t.epoch, steps: t.optimizer?.steps ?? 0 };
}

function stopIfDisposed(t: Trainee, caller: string): void {
  if (t.disposed)
    throw new Error(`${caller}(): the Model was disposed during training (by a callback); training stopped`);
}

/** The learning rate of an epoch: the number, or what the schedule returns, checked. */
function learningRateOf(o: CheckedFitOptions, epoch: number, caller: string): number {
  return typeof o.learningRate === "function"
    ? checkLearningRate(caller, o.learningRate(epoch), epoch)
    : o.learningRate;
}

/**
 * @internal fit() (fresh: a new optimizer, epoch count and random stream) and fitPartial().
 * Checks, places, then trains: nothing about the model changes until every argument has been
 * checked and every region it needs is placed. The callbacks run with the model marked as
 * training; a dispose() from one of them stops the loop, and the memory is freed as the
 * model's `free` is called here.
 */
export function fit(
  t: Trainee,
  caller: string,
  observations: Observations,
  options: FitOptions | undefined,
  fresh: boolean,
  free: () => void,
): History {
  const o = checkFitOptions(caller, options);
  const train = checkObservations(caller, "observations", observations, t.s, t.precision, o.loss);
  const validation =
    o.validation && checkObservations(caller, "options.validation", o.validation, t.s, t.precision, o.loss);
  if (o.loss === "bpr") {
    checkBprNegatives(caller, "observations", train, t.s);
    if (validation) checkBprNegatives(caller, "options.validation", validation, t.s);
  }
  // (k = 0: no entry to check, and the kernel would still visit every row)
  const bad = t.s.k === 0 ? -1 : t.K.firstNonFiniteRow({ count: t.s.rows, list: 0, k: t.s.k, phi: t.phi });
  if (bad >= 0)
    throw new RangeError(`${caller}(): row ${bad} of the model's phi is not finite; training needs finite parameters`);
  t.training = caller.slice("Model.".length);
  let buffers: BatchBuffers | undefined;
  try {
    const firstRate = learningRateOf(o, fresh ? 0 : t.epoch, caller);
    stopIfDisposed(t, caller);
    // everything this run needs, placed before anything changes
    const keep = !fresh && t.optimizer?.type === o.optimizer.type ? t.optimizer : undefined;
    const stepBuffers = t.stepBuffers ?? placeStepBuffers(t, caller);
    let added: number[] = [];
    const placed: Partial<Record<Snapshot, number>> = {};
    try {
      added = allocState(t, stateRegions(o.optimizer) - (keep?.regions.length ?? 0), caller);
      for (const slot of snapshotsOf(o)) {
        if (t.snapshots[slot] !== undefined) continue;
        const { base } = allocParts(
          t.engine.memory,
          { copies: snapshotSlots(t) },
          caller,
          "a snapshot of the parameters",
        );
        placed[slot] = base;
      }
      const batchSize = Math.min(o.batchSize, Math.max(1, train.count));
      buffers = new BatchBuffers(t.engine, t.K, t.s, train, batchSize, o.loss === "bpr", caller);
    } catch (error) {
      for (const ptr of [...added, ...Object.values(placed)]) t.engine.memory.free(ptr);
      if (stepBuffers !== t.stepBuffers) t.engine.memory.free(stepBuffers.base);
      throw error;
    }
    // commit
    t.stepBuffers = stepBuffers;
    Object.assign(t.snapshots, placed);
    if (keep) keep.regions.push(...added);
    else {
      for (const ptr of t.optimizer?.regions ?? []) t.engine.memory.free(ptr);
      t.optimizer = { type: o.optimizer.type, regions: added, steps: 0 };
    }
    if (fresh) {
      t.epoch = 0;
      t.random = new Random(o.seed);
    }
    return epochs(t, caller, train, validation, buffers, o, firstRate);
  } finally {
    buffers?.free();
    t.training = undefined;
    if (t.disposed) free();
  }
}

/** The epochs of a fit, with early stopping and the divergence checks (docs/design.md §8). */
function epochs(
  t: Trainee,
  caller: string,
  data: CheckedObservations,
  validation: CheckedObservations | undefined,
  buffers: BatchBuffers,
  o: CheckedFitOptions,
  firstRate: number,
): History {
  const started = performance.now();
  const reports: EpochReport[] = [];
  let best = { loss: Infinity, epoch: -1 };
  let stoppedEarly = false;
  // where a diverging run goes back to: the start of the call, or of the epoch if it is sound
  const taken: Partial<Record<Snapshot, Taken>> = {};
  const diverged = (epoch: number, why: string): Error => {
    let where = `the end of epoch ${epoch - 1}`;
    const epochStart = taken.epoch?.epoch === epoch ? taken.epoch : undefined;
    if (epochStart) snapshot(t, "epoch", epochStart);
    if (!epochStart || unsound(t, data, o, buffers)) {
      snapshot(t, "start", taken.start!);
      where = `where this ${caller.slice("Model.".length)}() began`;
    }
    return new Error(
      `${caller}(): training diverged in epoch ${epoch} (${why}); the parameters were restored to ${where}. ` +
        `Lower the learning rate, or set clipNorm.`,
    );
  };
  for (let e = 0; e < o.epochs; e++) {
    const epoch = t.epoch;
    const learningRate = e === 0 ? firstRate : learningRateOf(o, epoch, caller);
    stopIfDisposed(t, caller);
    taken[e === 0 ? "start" : "epoch"] = snapshot(t, e === 0 ? "start" : "epoch");
    const { loss, diverged: why } = epochOf(t, caller, data, buffers, o, learningRate);
    if (why) throw diverged(epoch, why);
    t.epoch++;
    const validationLoss = validation && meanLoss(t, validation, o.loss, new Random(o.seed + 0x9e3779b9), caller);
    const report: EpochReport = {
      epoch,
      loss,
      learningRate,
      elapsed: performance.now() - started,
      ...(validationLoss !== undefined && { validationLoss }),
    };
    reports.push(report);
    const measured = validationLoss ?? loss;
    if (measured < best.loss) {
      best = { loss: measured, epoch };
      if (o.patience !== Infinity) snapshot(t, "best");
    } else if (epoch - best.epoch >= o.patience) {
      snapshot(t, "best", { epoch: t.epoch, steps: t.optimizer!.steps }); // the counts go on
      stoppedEarly = true;
      break;
    }
    let stop = false;
    o.onEpoch?.(report, () => void (stop = true));
    stopIfDisposed(t, caller);
    if (stop) {
      stoppedEarly = true;
      break;
    }
  }
  // no batch scores the last step: the parameters a fit would return are scored here
  const why = reports.length > 0 ? unsound(t, data, o, buffers) : undefined;
  if (why) throw diverged(reports[reports.length - 1].epoch, `the parameters it ended with ${why}`);
  return { epochs: reports, stoppedEarly, bestEpoch: best.epoch === -1 ? t.epoch - 1 : best.epoch };
}

/**
 * Why the parameters are not sound (docs/design.md §8): the first training observation they
 * score as NaN or infinite, or (squared, logistic) give such a loss; bpr scores its
 * observations' own sets. Undefined when every one is finite. Phase 1 over the observations, in
 * the fit's batch buffers: nothing is placed.
 */
function unsound(
  t: Trainee,
  data: CheckedObservations,
  o: CheckedFitOptions,
  buffers: BatchBuffers,
): string | undefined {
  const size = Math.min(o.batchSize, data.count);
  for (let start = 0; start < data.count; start += size) {
    const ids = Uint32Array.from({ length: Math.min(size, data.count - start) }, (_, i) => start + i);
    const values = buffers.poolSets(t.phi, buffers.gather(ids), t.scratch);
    for (let b = 0; b < ids.length; b++) {
      const F = values[b],
        id = start + b;
      const loss = o.loss === "bpr" ? 0 : lossAndSlope(o.loss, F, data.y![id])[0];
      if (!Number.isFinite(F) || !Number.isFinite(loss)) return `score observation ${id} as ${F}, its loss ${loss}`;
    }
  }
  return undefined;
}

/**
 * One epoch of shuffled mini-batches: its mean training loss, or why training diverged (a
 * loss or a parameter that is not finite).
 */
function epochOf(
  t: Trainee,
  caller: string,
  data: CheckedObservations,
  buffers: BatchBuffers,
  o: CheckedFitOptions,
  learningRate: number,
): { loss: number; diverged?: string } {
  const { K, s } = t;
  const { n, m, k } = s;
  const { grad, marks, list } = t.stepBuffers!;
  const at = buffers.at;
  const order = shuffled(data.count, t.random);
  const batches = Math.ceil(data.count / o.batchSize);
  let lossSum = 0,
    weightSum = 0;
  for (let batch = 0; batch < batches; batch++) {
    const ids = order.subarray(batch * o.batchSize, Math.min(data.count, (batch + 1) * o.batchSize));
    // phase 1: the batch's sets (bpr: a positive and a negative set per observation), their F
    const sets = o.loss === "bpr" ? buffers.bprSets(ids, data, s, t.random) : buffers.gather(ids);
    const values = buffers.poolSets(t.phi, sets, t.scratch);
    // the loss slopes weight phase 2: each observation's share of the batch's sample weight
    const setWeights = buffers.views().setWeights;
    let batchWeight = 0;
    for (const id of ids) batchWeight += data.sampleWeight[id];
    // the first observation scored NaN or an infinity (logistic's loss of F = Infinity, y = 1 is 0)
    let unscored = -1;
    for (let b = 0; b < ids.length; b++) {
      const sampleWeight = data.sampleWeight[ids[b]],
        share = sampleWeight / (batchWeight || 1);
      if (o.loss === "bpr") {
        const [loss, slope] = pairLossAndSlope(values[2 * b], values[2 * b + 1]);
        if (unscored < 0 && !(Number.isFinite(values[2 * b]) && Number.isFinite(values[2 * b + 1]))) unscored = b;
        lossSum += sampleWeight * loss;
        setWeights[2 * b] = share * slope;
        setWeights[2 * b + 1] = -share * slope;
      } else {
        const [loss, slope] = lossAndSlope(o.loss, values[b], data.y![ids[b]]);
        if (unscored < 0 && !Number.isFinite(values[b])) unscored = b;
        lossSum += sampleWeight * loss;
        setWeights[b] = share * slope;
      }
    }
    weightSum += batchWeight;
    if (!Number.isFinite(lossSum)) return { loss: lossSum, diverged: `loss ${lossSum} in batch ${batch}` };
    if (unscored >= 0)
      return { loss: NaN, diverged: `observation ${ids[unscored]} scored NaN or an infinity in batch ${batch}` };
    // phase 2: the gradient sum into the (zero) gradient buffer, at the rows the batch touched
    const entries = buffers.views().indptr[sets];
    K.batchGradientListed({
      n,
      m,
      k,
      sets,
      indptr: at.indptr,
      index: at.index,
      weight: buffers.weight,
      splits: at.splits,
      u: at.u,
      v: at.v,
      setWeights: at.setWeights,
      scale: 1,
      out: grad,
      accumulate: true,
      dense: true,
      scratch: t.scratch,
    });
    const rows = t.engine.distinctRows({ count: entries, index: at.index, marks, list });
    let gradScale = 1;
    if (o.clipNorm !== Infinity) {
      const norm = Math.sqrt(K.gradientNormSquared({ count: rows, list, k, phi: t.phi, grad, l2: o.l2 }));
      if (norm > o.clipNorm) gradScale = o.clipNorm / norm;
    }
    stepRows(K, t.optimizer!, o.optimizer, learningRate, { count: rows, list, k, phi: t.phi, grad }, gradScale, o.l2);
    K.zeroRows({ count: rows, list, k, a: grad });
    // the update itself must leave phi finite: the next batch's loss would tell too late
    const bad = K.firstNonFiniteRow({ count: rows, list, k, phi: t.phi });
    if (bad >= 0) {
      const row = t.engine.memory.view(Uint32Array, list, rows)[bad];
      return { loss: NaN, diverged: `row ${row} of phi became non-finite in batch ${batch}` };
    }
    o.onBatch?.(batch + 1, batches);
    stopIfDisposed(t, caller);
  }
  return { loss: lossSum / (weightSum || 1) };
}
