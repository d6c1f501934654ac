// One epoch of shuffled mini-batches (docs/design.md §8). A batch is a batch of gate sets: its
// observations' own sets, or for a pairwise loss the pairs chosen for them (src/train/pairing.ts).
// Phase 1 gives every set's F (with the linear terms); the loss slopes weight phase 2's gradient
// sum (with the linear terms' gradients and the penalty per occurrence); then an optimizer step
// on the rows the batch touched, its w and w0 too. Every batch's scores and step are checked
// for NaN and infinities: a diverging epoch says why, and fit rolls it back.

import type { PrecisionKernels } from "../wasm/loader.js";
import type { CheckedFitOptions } from "./options.js";
import { linearGradient } from "./linear.js";
import { batchLosses } from "./losses.js";
import { shuffleInto, type BatchBuffers, type CheckedObservations } from "./minibatch.js";
import { stepRows } from "./optimizers.js";
import { choosePairs, type Pairing } from "./pairing.js";
import { offsetOffset, pairsOffset, weightsOffset } from "./params.js";
import { fieldArgs, takePairGradient } from "./fieldterms.js";
import type { Occurrences } from "./regularize.js";
import { pairLoss, poolPairs } from "./scoring.js";
import type { Trainee } from "./trainee.js";

/**
 * What an epoch trains with besides its batches: a pairwise loss's pairing, the penalty per
 * occurrence, and the array it shuffles the observations into (one for every epoch of a fit).
 */
export interface Extras {
  readonly pairing?: Pairing;
  readonly occurrences?: Occurrences;
  readonly order: Uint32Array;
}

/** One epoch: its mean training loss, or why training diverged (a loss or a parameter that is not finite). */
export function epochOf(
  t: Trainee,
  caller: string,
  data: CheckedObservations,
  buffers: BatchBuffers,
  o: CheckedFitOptions,
  learningRate: number,
  extras: Extras,
): { loss: number; diverged?: string } {
  const { K, s, params } = t;
  const { k, rows } = s;
  const { grad, marks, list, coef, zero } = t.stepBuffers!;
  const { pairing, occurrences } = extras;
  const at = buffers.at;
  const order = shuffleInto(extras.order, t.random);
  const batches = Math.ceil(data.count / o.batchSize);
  const bytes = params.bytesPerElement;
  const weights = params.linear
    ? { w: params.at + weightsOffset(params), gw: grad + weightsOffset(params) }
    : undefined;
  let lossSum = 0,
    weightSum = 0;
  for (let batch = 0; batch < batches; batch++) {
    const ids = order.subarray(batch * o.batchSize, Math.min(data.count, (batch + 1) * o.batchSize));
    let batchWeight = data.unitWeights ? ids.length : 0;
    if (!data.unitWeights) for (let b = 0; b < ids.length; b++) batchWeight += data.sampleWeight[ids[b]];
    weightSum += batchWeight;
    // phase 1: the batch's sets, their F, and the loss slopes that weight phase 2 (each
    // observation's share of the batch's sample weight)
    let sets: number,
      unscored = -1;
    if (pairing) {
      const pairs = choosePairs(t, buffers, data, ids, pairing, t.random);
      const values = poolPairs(t, buffers, data, ids, pairing.catalogue, pairs);
      const views = buffers.views();
      sets = 2 * pairs.length;
      pairs.forEach((pair, i) => {
        const sampleWeight = data.sampleWeight[ids[pair.b]],
          share = sampleWeight / (batchWeight || 1);
        const [loss, slope] = pairLoss(pairing.loss, pair, values[2 * i], values[2 * i + 1]);
        if (unscored < 0 && !(Number.isFinite(values[2 * i]) && Number.isFinite(values[2 * i + 1]))) unscored = pair.b;
        lossSum += sampleWeight * loss;
        views.setWeights[2 * i] = share * slope;
        views.setWeights[2 * i + 1] = -share * slope;
        // the pair's rows occur once: the user's and the positive's in the first set, the negative's in the second
        occurrences?.add(views, 2 * i, share);
        occurrences?.add(views, 2 * i + 1, share, true);
      });
    } else {
      sets = buffers.gather(ids);
      const values = buffers.poolSets(t, sets);
      const views = buffers.views();
      // a model of fields' kernels take float64 slopes
      const slopes = t.fields ? buffers.fieldViews().slopes : views.setWeights;
      const loss = o.loss as "squared" | "logistic";
      ({ lossSum, unscored } = batchLosses(
        loss,
        values,
        views.y,
        views.sampleWeight,
        ids.length,
        batchWeight,
        slopes,
        lossSum,
      ));
      if (occurrences)
        for (let b = 0; b < ids.length; b++) occurrences.add(views, b, data.sampleWeight[ids[b]] / (batchWeight || 1));
    }
    if (!Number.isFinite(lossSum)) return { loss: lossSum, diverged: `loss ${lossSum} in batch ${batch}` };
    if (unscored >= 0)
      return { loss: NaN, diverged: `observation ${ids[unscored]} scored NaN or an infinity in batch ${batch}` };
    // a batch whose observations have no pair (warp: every draw scored below them) takes no
    // step, but is a batch for onBatch (a progress bar counts every one)
    if (sets === 0) {
      o.onBatch?.(batch + 1, batches);
      if (t.disposed) return { loss: lossSum / (weightSum || 1) };
      continue;
    }
    // phase 2: the gradient sum into the (zero) gradient buffer, at the rows the batch touched
    const fields = t.fields;
    if (fields) {
      const { indptr, index, weight } = at;
      K.fieldBatchGradient({
        ...fieldArgs(t.engine.memory, K, fields, t.phi, t.scratch),
        ...{ sets, indptr, index, weight, slopes: at.slopes64, out: grad, pairGradient: fields.pairGradient },
      });
      takePairGradient(t.engine.memory, K, fields, grad + pairsOffset(params), o.learnRho);
    } else {
      buffers.gradientSum(sets, grad, t.scratch);
    }
    const views = buffers.views();
    const gw = weights && t.engine.memory.view(K.ArrayType, weights.gw, rows + 1);
    const slopes = fields ? buffers.fieldViews().slopes : views.setWeights;
    if (gw) gw[rows] += linearGradient(sets, views, slopes, gw);
    // rho trains with every row, as w0 does, and not when fixed
    const rho = fields && o.learnRho && !o.trainable ? { P: params.pairs, at: pairsOffset(params) } : undefined;
    let count = t.engine.distinctRows({ count: views.indptr[sets], index: at.index, marks, list });
    const listed = t.engine.memory.view(Uint32Array, list, count);
    if (occurrences) {
      const coefView = t.engine.memory.view(K.ArrayType, coef, count);
      occurrences.apply(K, { count, list, listed }, { at: coef, view: coefView }, { k, phi: t.phi, grad }, weights);
    }
    // (after the penalty, which resets every listed row's count)
    if (o.trainable) count = onlyTrainable(K, o.trainable, { count, list, listed, k, grad }, weights);
    let gradScale = 1;
    if (o.clipNorm !== Infinity) {
      let squared = K.gradientNormSquared({ count, list, k, grad });
      const g = weights && t.engine.memory.view(K.ArrayType, weights.gw, rows + 1);
      if (g) for (let e = 0; e <= count; e++) squared += (e < count ? g[listed[e]] : g[rows]) ** 2;
      if (rho) for (const x of t.engine.memory.view(K.ArrayType, grad + rho.at, rho.P)) squared += x ** 2;
      const norm = Math.sqrt(squared);
      if (norm > o.clipNorm) gradScale = o.clipNorm / norm;
    }
    // one step of the optimizer for every part of the parameters: phi's rows, their w, w0 (each
    // step zeroes the gradient it used)
    t.optimizer!.steps++;
    stepRows(K, t.optimizer!, o.optimizer, learningRate, { count, list, k, phi: t.phi, grad }, gradScale);
    if (weights) {
      const w0 = { w: weights.w + rows * bytes, gw: weights.gw + rows * bytes };
      const part = weightsOffset(params);
      stepRows(
        K,
        t.optimizer!,
        o.optimizer,
        learningRate,
        { count, list, k: 1, phi: weights.w, grad: weights.gw },
        gradScale,
        part,
      );
      // w0 trains with every row, not with a chosen few (fold-in keeps the mean)
      if (!o.trainable)
        stepRows(
          K,
          t.optimizer!,
          o.optimizer,
          learningRate,
          { count: 1, list: zero, k: 1, phi: w0.w, grad: w0.gw },
          gradScale,
          offsetOffset(params),
        );
      else K.zeroRows({ count: 1, list: zero, k: 1, a: w0.gw });
    }
    if (rho) {
      const part = { count: 1, list: zero, k: rho.P, phi: params.at + rho.at, grad: grad + rho.at };
      stepRows(K, t.optimizer!, o.optimizer, learningRate, part, gradScale, rho.at);
      const bad = t.engine.memory.view(K.ArrayType, params.at + rho.at, rho.P).findIndex((x) => !Number.isFinite(x));
      if (bad >= 0) return { loss: NaN, diverged: `rho of pair ${bad} became non-finite in batch ${batch}` };
    }
    // the update itself must leave the parameters finite: the next batch's loss would tell too late
    const bad = K.firstNonFiniteRow({ count, list, k, phi: t.phi });
    if (bad >= 0) return { loss: NaN, diverged: `row ${listed[bad]} of phi became non-finite in batch ${batch}` };
    if (weights) {
      const w = t.engine.memory.view(K.ArrayType, weights.w, rows + 1);
      for (let e = 0; e <= count; e++) {
        const r = e < count ? listed[e] : rows;
        if (!Number.isFinite(w[r]))
          return { loss: NaN, diverged: `${r < rows ? `w of row ${r}` : "w0"} became non-finite in batch ${batch}` };
      }
    }
    o.onBatch?.(batch + 1, batches);
    if (t.disposed) return { loss: lossSum / (weightSum || 1) };
  }
  return { loss: lossSum / (weightSum || 1) };
}

/**
 * Moves the trainable rows of a batch's row list to its front and zeroes the gradient of the
 * others (phi's, and w's with linear terms), so that the step touches only the rows a fit may
 * change; returns how many are trainable.
 */
function onlyTrainable(
  K: PrecisionKernels,
  trainable: Uint8Array,
  rows: {
    readonly count: number;
    readonly list: number;
    readonly listed: Uint32Array;
    readonly k: number;
    readonly grad: number;
  },
  weights: { readonly gw: number } | undefined,
): number {
  const { count, list, listed, k, grad } = rows;
  let front = 0;
  for (let e = 0; e < count; e++) {
    const r = listed[e];
    if (!trainable[r]) continue;
    listed[e] = listed[front];
    listed[front++] = r;
  }
  const frozen = { count: count - front, list: list + 4 * front };
  K.zeroRows({ ...frozen, k, a: grad });
  if (weights) K.zeroRows({ ...frozen, k: 1, a: weights.gw });
  return front;
}
