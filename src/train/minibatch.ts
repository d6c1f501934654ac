// Training's mini-batches (docs/design.md §8): observations checked once and copied into wasm
// memory, the buffers of one batch of gate sets, the sets a batch is made of (its
// observations, or for bpr a positive and a sampled negative set per observation), and the
// scores and mean loss of a set of observations.

import { shapeText } from "../ops/call.js";
import type { Engine, PrecisionKernels } from "../wasm/loader.js";
import { lossAndSlope, pairLossAndSlope, type Loss } from "./losses.js";
import { allocParts } from "../wasm/layout.js";
import type { WasmMemory } from "../wasm/memory.js";
import type { Random } from "../util/random.js";
import type { FloatArray, GateSets } from "../util/types.js";
import type { CheckedShape } from "../ops/checks.js";

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

/** Checked observations: their CSR sets (with each set's split) and per-observation targets and weights. */
export interface CheckedObservations {
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

/** What scoring reads of a model: its kernels, shape, phi and scratch (pointers). */
export interface Scored {
  readonly engine: Engine;
  readonly K: PrecisionKernels;
  readonly s: CheckedShape;
  readonly phi: number;
  readonly scratch: number;
}

/**
 * The wasm memory of a fit or a prediction, one region freed at the end: the observations'
 * CSR (copied in once), and the buffers of one batch of gate sets.
 */
export class BatchBuffers {
  readonly #memory: WasmMemory;
  readonly #K: PrecisionKernels;
  readonly #s: CheckedShape;
  readonly #base: number;
  /** the pointers of every part (see the constructor) */
  readonly at: Readonly<Record<BatchPart, number>>;
  /** the batch's row weights, or 0: every weight 1 */
  readonly weight: number;
  readonly #data: { weight: number };
  readonly #sets: number;
  readonly #entries: number;
  #cache: { buffer: ArrayBuffer; views: BatchViews } | undefined;

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
    this.#s = s;
    const bytes = K.bytesPerElement;
    const weighted = data.weight !== undefined;
    // a batch holds batchSize sets (bpr: twice, each at most as wide as its observation)
    this.#sets = batchSize * (pairs ? 2 : 1);
    this.#entries = this.#sets * data.widest;
    // the observations are snapshots of the caller's arrays (checkObservations), never views of wasm memory
    const memory = engine.memory;
    const source = data;
    const { base, at } = allocParts(
      memory,
      {
        // the observations
        dataIndptr: 4 * (data.count + 1),
        dataIndex: 4 * data.index.length,
        dataWeight: weighted ? bytes * data.index.length : 0,
        dataSplits: 4 * data.count,
        // one batch: the ids of its observations, its sets (CSR), their F, their loss slopes, their u and v
        ids: 4 * batchSize,
        indptr: 4 * (this.#sets + 1),
        index: 4 * this.#entries,
        weight: weighted || pairs ? bytes * this.#entries : 0,
        splits: 4 * this.#sets,
        values: bytes * this.#sets,
        setWeights: bytes * this.#sets,
        u: bytes * this.#sets * s.k,
        v: bytes * this.#sets * s.k,
      },
      caller,
      `the observations and batch buffers of a ${shapeText(s)} model`,
    );
    this.#base = base;
    this.at = at;
    this.weight = weighted || pairs ? at.weight : 0;
    this.#data = { weight: weighted ? at.dataWeight : 0 };
    memory.view(Uint32Array, at.dataIndptr, data.count + 1).set(source.indptr);
    memory.view(Uint32Array, at.dataIndex, data.index.length).set(source.index);
    if (source.weight) memory.view(K.ArrayType, at.dataWeight, data.index.length).set(source.weight);
    memory.view(Uint32Array, at.dataSplits, data.count).set(data.splits);
  }

  /** Views of the batch's buffers over the current buffer (rebuilt if memory grew meanwhile). */
  views(): BatchViews {
    const buffer = this.#memory.buffer;
    if (this.#cache?.buffer !== buffer) {
      const memory = this.#memory,
        at = this.at,
        Type = this.#K.ArrayType;
      const views = {
        ids: memory.view(Uint32Array, at.ids, this.#sets),
        indptr: memory.view(Uint32Array, at.indptr, this.#sets + 1),
        index: memory.view(Uint32Array, at.index, this.#entries),
        weight: memory.view(Type, this.weight, this.weight ? this.#entries : 0),
        splits: memory.view(Uint32Array, at.splits, this.#sets),
        values: memory.view(Type, at.values, this.#sets),
        setWeights: memory.view(Type, at.setWeights, this.#sets),
      };
      this.#cache = { buffer, views };
    }
    return this.#cache.views;
  }

  /** Phase 1 over the batch's `sets` sets: every set's u, v and F; returns a view of the F. */
  poolSets(phi: number, sets: number, scratch: number): FloatArray {
    const { at, weight } = this,
      { n, m, k } = this.#s;
    this.#K.batchPooledListed({
      n,
      m,
      k,
      phi,
      sets,
      indptr: at.indptr,
      index: at.index,
      weight,
      splits: at.splits,
      u: at.u,
      v: at.v,
      values: at.values,
      scratch,
    });
    return this.views().values;
  }

  /** The observations `ids` as the batch's sets; returns how many. */
  gather(ids: Uint32Array): number {
    this.views().ids.set(ids);
    const at = this.at;
    const entries = this.#K.gatherSets({
      count: ids.length,
      ids: at.ids,
      indptr: at.dataIndptr,
      index: at.dataIndex,
      weight: this.#data.weight,
      splits: at.dataSplits,
      outIndptr: at.indptr,
      outIndex: at.index,
      outWeight: this.weight,
      outSplits: at.splits,
    });
    // bpr's buffers carry row weights even when the observations have none: every weight 1
    if (this.weight && !this.#data.weight) this.views().weight.fill(1, 0, entries);
    return ids.length;
  }

  /**
   * bpr: per observation a positive set (its own rows) and a negative set (its A rows, and as
   * many B rows drawn uniformly from those it does not list, weight 1); returns how many sets.
   */
  bprSets(ids: Uint32Array, data: CheckedObservations, s: CheckedShape, random: Random): number {
    const batch = this.views();
    let entry = 0,
      set = 0;
    batch.indptr[0] = 0;
    const put = (row: number, weight: number) => {
      batch.index[entry] = row;
      batch.weight[entry] = weight;
      entry++;
    };
    for (const id of ids) {
      const first = data.indptr[id],
        split = data.splits[id],
        end = data.indptr[id + 1];
      const weightOf = (i: number) => (data.weight ? data.weight[i] : 1);
      // the positive set
      for (let i = first; i < end; i++) put(data.index[i], weightOf(i));
      batch.splits[set] = batch.indptr[set] + (split - first);
      batch.indptr[++set] = entry;
      // the negative set: the A rows, then sampled B rows (sorted, distinct, not positives)
      for (let i = first; i < split; i++) put(data.index[i], weightOf(i));
      batch.splits[set] = entry;
      for (const row of drawNegatives(end - split, data.index.subarray(split, end), s.n, s.m, random)) put(row, 1);
      batch.indptr[++set] = entry;
    }
    return set;
  }

  free(): void {
    this.#memory.free(this.#base);
  }
}

type BatchPart =
  | "dataIndptr"
  | "dataIndex"
  | "dataWeight"
  | "dataSplits"
  | "ids"
  | "indptr"
  | "index"
  | "weight"
  | "splits"
  | "values"
  | "setWeights"
  | "u"
  | "v";

/** Views of a batch's buffers. */
export interface BatchViews {
  readonly ids: Uint32Array;
  readonly indptr: Uint32Array;
  readonly index: Uint32Array;
  readonly weight: FloatArray;
  readonly splits: Uint32Array;
  readonly values: FloatArray;
  readonly setWeights: FloatArray;
}

/** 0..count-1 in a seeded random order (Fisher-Yates). */
export function shuffled(count: number, random: Random): Uint32Array {
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
 * @internal `count` distinct rows of group B, none of them in `positives` (sorted, as global
 * rows), drawn uniformly and returned sorted: Floyd's sampling over the complement, so the
 * work is bounded by `count` whatever the data (the caller checks that m - positives >= count).
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
 * The observations in chunks of `chunk` (one batch of buffers, freed at the end): `each`
 * gets the buffers, the chunk's observation ids and its first id.
 */
function inChunks(
  model: Scored,
  data: CheckedObservations,
  chunk: number,
  pairs: boolean,
  caller: string,
  each: (buffers: BatchBuffers, ids: Uint32Array, start: number) => void,
): void {
  const size = Math.min(chunk, Math.max(1, data.count));
  const buffers = new BatchBuffers(model.engine, model.K, model.s, data, size, pairs, caller);
  try {
    for (let start = 0; start < data.count; start += size) {
      each(
        buffers,
        Uint32Array.from({ length: Math.min(size, data.count - start) }, (_, i) => start + i),
        start,
      );
    }
  } finally {
    buffers.free();
  }
}

/** F of every observation. */
export function scores(model: Scored, data: CheckedObservations, caller: string): Float64Array {
  const out = new Float64Array(data.count);
  inChunks(model, data, 4096, false, caller, (buffers, ids, start) => {
    const sets = buffers.gather(ids);
    out.set(buffers.poolSets(model.phi, sets, model.scratch).subarray(0, sets), start);
  });
  return out;
}

/** The mean loss of the observations, sample-weighted (bpr: negatives drawn from `random`). */
export function meanLoss(model: Scored, data: CheckedObservations, loss: Loss, random: Random, caller: string): number {
  let sum = 0,
    weights = 0;
  if (loss === "bpr") {
    inChunks(model, data, 2048, true, caller, (buffers, ids) => {
      const values = buffers.poolSets(model.phi, buffers.bprSets(ids, data, model.s, random), model.scratch);
      ids.forEach((id, b) => {
        sum += data.sampleWeight[id] * pairLossAndSlope(values[2 * b], values[2 * b + 1])[0];
        weights += data.sampleWeight[id];
      });
    });
  } else {
    scores(model, data, caller).forEach((F, id) => {
      sum += data.sampleWeight[id] * lossAndSlope(loss, F, data.y![id])[0];
      weights += data.sampleWeight[id];
    });
  }
  return sum / (weights || 1);
}
