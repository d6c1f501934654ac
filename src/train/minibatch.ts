// Training's mini-batches (docs/design.md §8): observations checked once and copied into wasm
// memory, and the buffers of one batch of gate sets: its observations' own sets, the pairs of a
// pairwise loss, or the items it scores, pooled with the model's linear terms.

import { shapeText } from "../ops/call.js";
import type { Engine, PrecisionKernels } from "../wasm/loader.js";
import { addLinear } from "./linear.js";
import { allocParts } from "../wasm/layout.js";
import type { WasmMemory } from "../wasm/memory.js";
import type { Random } from "../util/random.js";
import type { FloatArray, GateSets } from "../util/types.js";
import type { CheckedShape } from "../ops/checks.js";
import { fieldArgs, type FieldTerms } from "./fieldterms.js";

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
  /** whether every sample weight is 1 (none given, or all of them 1): a batch's weight is then its size */
  readonly unitWeights: boolean;
  /** the most rows any observation lists */
  readonly widest: number;
}

/** What scoring reads of a model: its kernels, shape, phi and scratch (pointers), and its linear terms. */
export interface Scored {
  readonly engine: Engine;
  readonly K: PrecisionKernels;
  readonly s: CheckedShape;
  readonly phi: number;
  readonly scratch: number;
  /** the linear terms (w: n + m elements, then w0), for a model that has them */
  readonly linear?: { readonly w: number; readonly w0: number };
  /** a model of fields (docs/design.md §16): its shape and rho for the family's batch kernels */
  readonly fields?: FieldTerms;
}

/** Items as rows of group B: CSR of each item's rows and their weights (undefined: every weight 1). */
export interface ItemRows {
  readonly itemIndptr: Uint32Array;
  readonly itemIndex: Uint32Array;
  readonly itemWeight: Float64Array | undefined;
}

/**
 * Sets of up to this many rows are gathered into a batch by one copy of this many entries
 * (gatherSets): the observations' and the batch's rows have room for this many past their last.
 */
const GATHER_RUN = 8;

/** How many sets a batch's buffers hold, and how many entries (listed rows) in all. */
export interface Capacity {
  readonly sets: number;
  readonly entries: number;
}

/**
 * The wasm memory of a fit or a prediction, one region freed at the end: the observations'
 * CSR (copied in once), and the buffers of one batch of gate sets (its observations' own sets,
 * the pairs of a pairwise loss, or the items it scores).
 */
export class BatchBuffers {
  readonly #memory: WasmMemory;
  readonly #K: PrecisionKernels;
  readonly #s: CheckedShape;
  readonly #base: number;
  /** the pointers of every part (see the constructor) */
  readonly at: Readonly<Record<BatchPart, number>>;
  /** the observations' row weights, or 0: every weight 1 */
  readonly #dataWeight: number;
  /** the observations' targets and sample weights (float64), or 0: none, every weight 1 */
  readonly #dataY: number;
  readonly #dataSampleWeight: number;
  readonly #capacity: Capacity;
  #cache: { buffer: ArrayBuffer; views: BatchViews } | undefined;

  constructor(
    engine: Engine,
    K: PrecisionKernels,
    s: CheckedShape,
    data: CheckedObservations,
    capacity: Capacity,
    caller: string,
    fields = false,
  ) {
    this.#memory = engine.memory;
    this.#K = K;
    this.#s = s;
    this.#capacity = capacity;
    const bytes = K.bytesPerElement;
    const { sets, entries } = capacity;
    const weighted = data.weight !== undefined;
    // the observations are snapshots of the caller's arrays (checkObservations), never views of wasm memory
    const memory = engine.memory;
    const { base, at } = allocParts(
      memory,
      {
        // the observations
        dataIndptr: 4 * (data.count + 1),
        dataIndex: 4 * (data.index.length + GATHER_RUN),
        dataWeight: weighted ? bytes * data.index.length : 0,
        dataSplits: 4 * data.count,
        dataY: data.y ? 8 * data.count : 0,
        dataSampleWeight: data.unitWeights ? 0 : 8 * data.count,
        // one batch: the ids of its observations, its sets (CSR, row weights), their targets and
        // sample weights, their F, their loss slopes, their u and v
        ids: 4 * sets,
        indptr: 4 * (sets + 1),
        index: 4 * (entries + GATHER_RUN),
        weight: bytes * entries,
        splits: 4 * sets,
        y: data.y ? 8 * sets : 0,
        sampleWeight: 8 * sets,
        values: bytes * sets,
        setWeights: bytes * sets,
        u: bytes * sets * s.k,
        v: bytes * sets * s.k,
        // a model of fields: its kernels' F and loss slopes are float64
        values64: fields ? 8 * sets : 0,
        slopes64: fields ? 8 * sets : 0,
      },
      caller,
      `the observations and batch buffers of a ${shapeText(s)} model`,
    );
    this.#base = base;
    this.at = at;
    this.#dataWeight = weighted ? at.dataWeight : 0;
    memory.view(Uint32Array, at.dataIndptr, data.count + 1).set(data.indptr);
    memory.view(Uint32Array, at.dataIndex, data.index.length).set(data.index);
    if (data.weight) memory.view(K.ArrayType, at.dataWeight, data.index.length).set(data.weight);
    memory.view(Uint32Array, at.dataSplits, data.count).set(data.splits);
    this.#dataY = data.y ? at.dataY : 0;
    if (data.y) memory.view(Float64Array, at.dataY, data.count).set(data.y);
    // every sample weight 1: the batch's are 1 once and for all (gatherSets leaves them)
    this.#dataSampleWeight = data.unitWeights ? 0 : at.dataSampleWeight;
    if (data.unitWeights) memory.view(Float64Array, at.sampleWeight, sets).fill(1);
    else memory.view(Float64Array, at.dataSampleWeight, data.count).set(data.sampleWeight);
  }

  /** Views of the batch's buffers over the current buffer (rebuilt if memory grew meanwhile). */
  views(): BatchViews {
    const buffer = this.#memory.buffer;
    if (this.#cache?.buffer !== buffer) {
      const memory = this.#memory,
        at = this.at,
        Type = this.#K.ArrayType,
        { sets, entries } = this.#capacity,
        k = this.#s.k;
      const views = {
        ids: memory.view(Uint32Array, at.ids, sets),
        indptr: memory.view(Uint32Array, at.indptr, sets + 1),
        index: memory.view(Uint32Array, at.index, entries),
        weight: memory.view(Type, at.weight, entries),
        splits: memory.view(Uint32Array, at.splits, sets),
        y: memory.view(Float64Array, at.y, this.#dataY ? sets : 0),
        sampleWeight: memory.view(Float64Array, at.sampleWeight, sets),
        values: memory.view(Type, at.values, sets),
        setWeights: memory.view(Type, at.setWeights, sets),
        u: memory.view(Type, at.u, sets * k),
        v: memory.view(Type, at.v, sets * k),
      };
      this.#cache = { buffer, views };
    }
    return this.#cache.views;
  }

  /**
   * Phase 2 over the batch's `sets` sets: sum_b setWeights[b] dF_b/dphi added into out ((n + m)
   * x k, at the rows the sets list; scratch: the model's).
   */
  gradientSum(sets: number, out: number, scratch: number): void {
    const { n, m, k } = this.#s,
      { indptr, index, weight, splits, u, v, setWeights } = this.at;
    this.#K.batchGradientListed({
      n,
      m,
      k,
      sets,
      indptr,
      index,
      weight,
      splits,
      u,
      v,
      setWeights,
      scale: 1,
      out,
      accumulate: true,
      dense: true,
      scratch,
    });
  }

  /** Views of a model of fields' float64 F and loss slopes of the batch's sets. */
  fieldViews(): { values: Float64Array; slopes: Float64Array } {
    const sets = this.#capacity.sets;
    return {
      values: this.#memory.view(Float64Array, this.at.values64, sets),
      slopes: this.#memory.view(Float64Array, this.at.slopes64, sets),
    };
  }

  /** Phase 1 over the batch's `sets` sets: every set's u, v and F (with the model's linear terms); a view of the F. */
  poolSets(model: Scored, sets: number): FloatArray {
    if (model.fields) {
      const { indptr, index, weight } = this.at;
      const w0 = model.linear ? this.#memory.view(this.#K.ArrayType, model.linear.w0, 1)[0] : 0;
      this.#K.fieldBatchValues({
        ...fieldArgs(this.#memory, this.#K, model.fields, model.phi, model.scratch),
        ...{ sets, indptr, index, weight, values: this.at.values64 },
        w: model.linear ? model.linear.w : 0,
        w0,
      });
      return this.fieldViews().values.subarray(0, sets);
    }
    // (the arguments as one object literal: spreading an object into one cost microseconds a
    // batch, more than the kernel's work on 256 sets of a few rows)
    const { n, m, k } = this.#s,
      { indptr, index, weight, splits, u, v, values } = this.at,
      { phi, scratch } = model;
    this.#K.batchPooledListed({ n, m, k, phi, sets, indptr, index, weight, splits, u, v, values, scratch });
    const views = this.views();
    if (model.linear) {
      const w = this.#memory.view(this.#K.ArrayType, model.linear.w, this.#s.rows + 1);
      addLinear(views.values, sets, views, w, w[this.#s.rows]);
    }
    return views.values;
  }

  /** The observations `ids` as the batch's sets, with their targets and sample weights (views().y, .sampleWeight); returns how many. */
  gather(ids: Uint32Array): number {
    this.views().ids.set(ids);
    const at = this.at;
    const entries = this.#K.gatherSets({
      count: ids.length,
      ids: at.ids,
      indptr: at.dataIndptr,
      index: at.dataIndex,
      weight: this.#dataWeight,
      splits: at.dataSplits,
      y: this.#dataY,
      sampleWeight: this.#dataSampleWeight,
      outIndptr: at.indptr,
      outIndex: at.index,
      outWeight: this.#dataWeight ? at.weight : 0,
      outSplits: at.splits,
      outY: at.y,
      outSampleWeight: at.sampleWeight,
      run: GATHER_RUN,
    });
    // the batch's sets always carry row weights: every weight 1 when the observations have none
    if (!this.#dataWeight) this.views().weight.fill(1, 0, entries);
    return ids.length;
  }

  /**
   * Sets made of a user's rows (observation `id`'s rows of group A, or none) and an item's
   * rows (of the catalogue), one set each, in order; returns how many.
   */
  itemSets(
    data: CheckedObservations,
    catalogue: ItemRows,
    sets: readonly { readonly id: number; readonly item: number }[],
    withUser: boolean,
  ): number {
    const batch = this.views();
    let entry = 0;
    batch.indptr[0] = 0;
    sets.forEach(({ id, item }, set) => {
      if (withUser) {
        for (let e = data.indptr[id]; e < data.splits[id]; e++, entry++) {
          batch.index[entry] = data.index[e];
          batch.weight[entry] = data.weight ? data.weight[e] : 1;
        }
      }
      batch.splits[set] = entry;
      for (let e = catalogue.itemIndptr[item]; e < catalogue.itemIndptr[item + 1]; e++, entry++) {
        batch.index[entry] = catalogue.itemIndex[e];
        batch.weight[entry] = catalogue.itemWeight ? catalogue.itemWeight[e] : 1;
      }
      batch.indptr[set + 1] = entry;
    });
    return sets.length;
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
  | "dataY"
  | "dataSampleWeight"
  | "ids"
  | "indptr"
  | "index"
  | "weight"
  | "splits"
  | "y"
  | "sampleWeight"
  | "values"
  | "setWeights"
  | "u"
  | "v"
  | "values64"
  | "slopes64";

/** Views of a batch's buffers. */
export interface BatchViews {
  readonly ids: Uint32Array;
  readonly indptr: Uint32Array;
  readonly index: Uint32Array;
  readonly weight: FloatArray;
  readonly splits: Uint32Array;
  /** the batch's targets and sample weights (gather's sets; y empty for observations without) */
  readonly y: Float64Array;
  readonly sampleWeight: Float64Array;
  readonly values: FloatArray;
  readonly setWeights: FloatArray;
  readonly u: FloatArray;
  readonly v: FloatArray;
}

/** 0..count-1 in a seeded random order (Fisher-Yates). */
export function shuffled(count: number, random: Random): Uint32Array {
  return shuffleInto(new Uint32Array(count), random);
}

/** shuffled(order.length, random), into `order` (an epoch's, kept for the next). */
export function shuffleInto(order: Uint32Array, random: Random): Uint32Array {
  // (plain loops: Uint32Array.from with a mapping function cost 3 ms an epoch of 65,536)
  for (let i = 0; i < order.length; i++) order[i] = i;
  for (let i = order.length - 1; i > 0; i--) {
    const j = random.below(i + 1);
    const t = order[i];
    order[i] = order[j];
    order[j] = t;
  }
  return order;
}
