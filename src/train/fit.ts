// Training's loop (docs/design.md §8): a fit checks everything and places every region it
// needs before it changes anything, then runs epochs (src/train/epoch.ts), with early stopping.
// Every batch's scores and step are checked for NaN and infinities, and the parameters a fit
// ends with are scored once; a diverging run is rolled back to a start that scores every
// observation finitely.

import { shapeText } from "../ops/call.js";
import { Random } from "../util/random.js";
import { allocParts, allocRegion, Slots } from "../wasm/layout.js";
import { epochOf, type Extras } from "./epoch.js";
import { batchLosses, lossOf } from "./losses.js";
import { BatchBuffers, type CheckedObservations, type Observations } from "./minibatch.js";
import { stateRegions } from "./optimizers.js";
import {
  checkFitOptions,
  checkLearningRate,
  checkObservations,
  type CheckedFitOptions,
  type EpochReport,
  type FitOptions,
  type History,
} from "./options.js";
import { pairCapacity, pairingOf } from "./pairing.js";
import { blockBytes, weightsOffset } from "./params.js";
import { Occurrences } from "./regularize.js";
import { meanLoss } from "./scoring.js";
import { stopIfDisposed, type Snapshot, type StepBuffers, type Trainee } from "./trainee.js";

export type { Trainee };

/** Places (zeroed) the step buffers of a model of this shape, or the RangeError of allocParts. */
function placeStepBuffers(t: Trainee, caller: string): StepBuffers {
  const { s, K } = t;
  const { base, at } = allocParts(
    t.engine.memory,
    { grad: blockBytes(t.params), marks: s.rows, list: 4 * s.rows, coef: s.rows * K.bytesPerElement, zero: 4 },
    caller,
    () => `the step buffers of a ${shapeText(s)} ${t.precision} model`,
  );
  t.engine.memory.view(Uint8Array, at.grad, at.zero + 4 - at.grad).fill(0);
  return { base, ...at };
}

/** Bytes of the parameter block (and of each region of optimizer state). */
const phiBytes = (t: Trainee): number => blockBytes(t.params);

/** The snapshot slots: the parameters, then up to two regions of optimizer state. */
const snapshotSlots = (t: Trainee): Slots => new Slots(3, phiBytes(t));

/** Zeroed regions of optimizer state, the size of the parameters each; all or none. */
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
 * or, given those, back, with the counts. A fit of chosen rows (`only`) copies theirs alone: no
 * other row changes.
 */
function snapshot(t: Trainee, slot: Snapshot, restore?: Taken, only?: Uint32Array): Taken {
  const bytes = phiBytes(t),
    slots = snapshotSlots(t);
  const memory = t.engine.memory.view(Uint8Array, 0, t.engine.memory.byteLength);
  const element = t.params.bytesPerElement,
    rowBytes = t.s.k * element,
    w = weightsOffset(t.params);
  // [offset, bytes] spans of a region: all of it, or (a fit of chosen rows) their phi and w
  const spans: [number, number][] = only
    ? [...only].flatMap((r): [number, number][] => [
        [r * rowBytes, rowBytes],
        ...(t.linear ? [[w + r * element, element] as [number, number]] : []),
      ])
    : [[0, bytes]];
  [t.params.at, ...(t.optimizer?.regions ?? [])].forEach((ptr, i) => {
    const copy = slots.at(t.snapshots[slot]!, i);
    for (const [offset, length] of spans) {
      if (restore) memory.copyWithin(ptr + offset, copy + offset, copy + offset + length);
      else memory.copyWithin(copy + offset, ptr + offset, ptr + offset + length);
    }
  });
  if (restore) {
    t.epoch = restore.epoch;
    if (t.optimizer) t.optimizer.steps = restore.steps;
  }
  return { epoch: t.epoch, steps: t.optimizer?.steps ?? 0 };
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
  const o = checkFitOptions(caller, options, t.s.rows, t.fields !== undefined);
  const train = checkObservations(caller, "observations", observations, t.s, t.precision, o.loss);
  const validation =
    o.validation && checkObservations(caller, "options.validation", o.validation, t.s, t.precision, o.loss);
  const catalogue =
    o.catalogue && checkObservations(caller, "options.catalogue", o.catalogue, t.s, t.precision, undefined);
  const pairing =
    o.loss === "squared" || o.loss === "logistic"
      ? undefined
      : pairingOf(
          caller,
          o.loss,
          o,
          t.s,
          "observations",
          train,
          ...(validation ? [validation] : []),
          ...(catalogue ? [catalogue] : []),
        );
  // (k = 0: no entry to check, and the kernel would still visit every row)
  const bad = t.s.k === 0 ? -1 : t.K.firstNonFiniteRow({ count: t.s.rows, list: 0, k: t.s.k, phi: t.phi });
  if (bad >= 0)
    throw new RangeError(`${caller}(): row ${bad} of the model's phi is not finite; training needs finite parameters`);
  const rho = t.fields ? t.engine.memory.view(t.K.ArrayType, t.fields.rho, t.params.pairs) : [];
  if (rho.some((x) => !Number.isFinite(x)))
    throw new RangeError(`${caller}(): the model's rho is not finite; training needs finite parameters`);
  t.training = caller.slice(caller.indexOf(".") + 1);
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
      const capacity = pairing
        ? pairCapacity(pairing, batchSize)
        : { sets: batchSize, entries: batchSize * train.widest };
      buffers = new BatchBuffers(t.engine, t.K, t.s, train, capacity, caller, t.fields !== undefined);
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
    const occurrences = Occurrences.of(t.s.rows, train, train.sampleWeight, o.reg, o.regFixed, o.regWeight);
    const order = new Uint32Array(train.count);
    return epochs(t, caller, train, validation, buffers, o, firstRate, { pairing, occurrences, order });
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
  extras: Extras,
): History {
  const started = performance.now();
  const reports: EpochReport[] = [];
  let best = { loss: Infinity, epoch: -1 };
  let stoppedEarly = false;
  // where a diverging run goes back to: the start of the call, or of the epoch if it is sound
  const taken: Partial<Record<Snapshot, Taken>> = {};
  const only = o.trainable && Uint32Array.from(o.trainable.keys()).filter((r) => o.trainable![r] === 1);
  const take = (slot: Snapshot, restore?: Taken) => snapshot(t, slot, restore, only);
  const diverged = (epoch: number, why: string): Error => {
    let where = `the end of epoch ${epoch - 1}`;
    const epochStart = taken.epoch?.epoch === epoch ? taken.epoch : undefined;
    if (epochStart) take("epoch", epochStart);
    if (!epochStart || unsound(t, data, o, buffers)) {
      take("start", taken.start!);
      where = `where this ${caller.slice(caller.indexOf(".") + 1)}() began`;
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
    taken[e === 0 ? "start" : "epoch"] = take(e === 0 ? "start" : "epoch");
    const { loss, diverged: why } = epochOf(t, caller, data, buffers, o, learningRate, extras);
    stopIfDisposed(t, caller);
    if (why) throw diverged(epoch, why);
    t.epoch++;
    const validationPairing = extras.pairing && { ...extras.pairing, collection: 1 };
    const validationRandom = new Random(o.seed + 0x9e3779b9);
    const validationLoss = validation && meanLoss(t, validation, o.loss, validationRandom, caller, validationPairing);
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
      if (o.patience !== Infinity) take("best");
    } else if (epoch - best.epoch >= o.patience) {
      take("best", { epoch: t.epoch, steps: t.optimizer!.steps }); // the counts go on
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
  const all = new Uint32Array(size);
  const pointwise = o.loss === "squared" || o.loss === "logistic" ? o.loss : undefined;
  for (let start = 0; start < data.count; start += size) {
    const ids = all.subarray(0, Math.min(size, data.count - start));
    for (let b = 0; b < ids.length; b++) ids[b] = start + b;
    const values = buffers.poolSets(t, buffers.gather(ids));
    // the batch's losses at once (their slopes go to the batch's scratch); one by one only to
    // name what is not finite
    if (pointwise) {
      const { y, sampleWeight, setWeights } = buffers.views();
      const { lossSum, unscored } = batchLosses(pointwise, values, y, sampleWeight, ids.length, 1, setWeights, 0);
      if (unscored < 0 && Number.isFinite(lossSum)) continue;
    }
    for (let b = 0; b < ids.length; b++) {
      const F = values[b],
        id = start + b;
      const loss = pointwise ? lossOf(pointwise, F, data.y![id]) : 0;
      if (!Number.isFinite(F) || !Number.isFinite(loss)) return `score observation ${id} as ${F}, its loss ${loss}`;
    }
  }
  return undefined;
}
