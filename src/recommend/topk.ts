// Top-k in wasm (docs/design.md §15): the items as vectors V and biases in a region of their
// own, each query (a user's pooled vector, or an item's for similar items) scored against every
// row of V by the dot kernel and the best k picked by a heap, in one kernel call for a batch of
// queries. Cosine similarity is the same call over V's rows scaled to unit length.

import type { FloatArray, Precision } from "../util/types.js";
import type { Job } from "../ops/ranges.js";
import type { ThreadPool } from "../threads/pool.js";
import { allocParts, arenaParts, Slots } from "../wasm/layout.js";
import type { Engine, PrecisionKernels } from "../wasm/loader.js";

/** The best items of each query: `top` slots a query, best first; unfilled slots hold item -1. */
export interface TopItems {
  /** queries x top items (rows of the items' map); -1 past the query's candidates */
  readonly items: Int32Array;
  /** their scores (-Infinity past the candidates) */
  readonly scores: Float64Array;
}

/** Exclusions of a batch of queries: CSR, each query's excluded items ascending and distinct. */
export interface Exclusions {
  readonly indptr: Uint32Array;
  readonly index: Uint32Array;
}

/** Items as vectors in wasm memory: for the dot product (recommend) and for cosine (similar items). */
export class ItemTable {
  readonly items: number;
  readonly k: number;
  readonly #engine: Engine;
  readonly #K: PrecisionKernels;
  readonly #region: number;
  readonly #at: Record<"v" | "bias" | "unit" | "zero", number>;
  #freed = false;

  /** The table of `vectors` (items x k, row-major) and `bias` (one per item). */
  constructor(
    engine: Engine,
    precision: Precision,
    k: number,
    vectors: Float64Array,
    bias: Float64Array,
    caller: string,
  ) {
    this.#engine = engine;
    this.#K = engine[precision];
    this.k = k;
    this.items = bias.length;
    const bytes = this.#K.ArrayType.BYTES_PER_ELEMENT;
    const table = this.items * k * bytes;
    const { base, at } = allocParts(
      engine.memory,
      { v: table, bias: this.items * bytes, unit: table, zero: this.items * bytes },
      caller,
      `an item table of ${this.items} x ${k}`,
    );
    this.#region = base;
    this.#at = at;
    const view = (ptr: number, length: number) => engine.memory.view(this.#K.ArrayType, ptr, length);
    view(at.v, this.items * k).set(vectors);
    view(at.bias, this.items).set(bias);
    view(at.zero, this.items).fill(0);
    // unit rows for cosine; a zero row stays zero (its similarity to anything is 0)
    const unit = view(at.unit, this.items * k);
    for (let j = 0; j < this.items; j++) {
      let norm = 0;
      for (let c = 0; c < k; c++) norm += vectors[j * k + c] ** 2;
      const scale = norm > 0 ? 1 / Math.sqrt(norm) : 0;
      for (let c = 0; c < k; c++) unit[j * k + c] = vectors[j * k + c] * scale;
    }
  }

  /** A unit-length copy of item j's vector (zeros for a zero row), as a query for `top(..., "cosine")`. */
  unitRow(j: number): FloatArray {
    return this.#engine.memory
      .view(this.#K.ArrayType, this.#at.unit + j * this.k * this.#K.ArrayType.BYTES_PER_ELEMENT, this.k)
      .slice();
  }

  /** The parts of a call's region: queries, exclusions, a score scratch per thread, the outputs. */
  #parts(count: number, excluded: number, top: number, threads: number) {
    const bytes = this.#K.ArrayType.BYTES_PER_ELEMENT;
    return {
      q: count * this.k * bytes,
      indptr: (count + 1) * 4,
      index: excluded * 4,
      scores: new Slots(threads, this.items * bytes),
      outIndex: count * top * 4,
      outScore: count * top * bytes,
    };
  }

  /** The job of queries first..end-1 of a call laid out at `at`, its scores in `scores`. */
  #job(
    at: Record<"q" | "indptr" | "index" | "outIndex" | "outScore", number>,
    scores: number,
    first: number,
    end: number,
    top: number,
    by: "dot" | "cosine",
  ): Job {
    const bytes = this.#K.ArrayType.BYTES_PER_ELEMENT;
    return {
      kernel: "topItems",
      args: {
        queries: end - first,
        k: this.k,
        q: at.q + first * this.k * bytes,
        items: this.items,
        v: by === "dot" ? this.#at.v : this.#at.unit,
        bias: by === "dot" ? this.#at.bias : this.#at.zero,
        excludeIndptr: at.indptr + first * 4,
        excludeIndex: at.index,
        top,
        scores,
        outIndex: at.outIndex + first * top * 4,
        outScore: at.outScore + first * top * bytes,
      },
    };
  }

  /** Writes a call's inputs at `at`. */
  #write(at: Record<"q" | "indptr" | "index", number>, queries: ArrayLike<number>, exclude: Exclusions): void {
    const memory = this.#engine.memory,
      count = exclude.indptr.length - 1;
    memory.view(this.#K.ArrayType, at.q, count * this.k).set(queries);
    memory.view(Uint32Array, at.indptr, count + 1).set(exclude.indptr);
    memory.view(Uint32Array, at.index, exclude.index.length).set(exclude.index);
  }

  /** Reads a call's outputs at `at`. */
  #read(at: Record<"outIndex" | "outScore", number>, count: number, top: number): TopItems {
    const memory = this.#engine.memory;
    return {
      items: Int32Array.from(memory.view(Int32Array, at.outIndex, count * top)),
      scores: Float64Array.from(memory.view(this.#K.ArrayType, at.outScore, count * top)),
    };
  }

  /**
   * The best `top` items of each query (queries x k, row-major): by `<V_j, q> + bias_j` ("dot")
   * or by `<V_j / |V_j|, q>` ("cosine"), skipping each query's exclusions.
   */
  top(queries: ArrayLike<number>, exclude: Exclusions, top: number, by: "dot" | "cosine", caller: string): TopItems {
    const count = exclude.indptr.length - 1;
    const at = arenaParts(
      this.#engine.memory,
      this.#parts(count, exclude.index.length, top, 1),
      caller,
      () => `top ${top} of ${this.items} items for ${count} queries`,
    );
    this.#write(at, queries, exclude);
    const job = this.#job(at, at.scores, 0, count, top, by);
    if (job.kernel === "topItems") this.#K.topItems(job.args);
    return this.#read(at, count, top);
  }

  /**
   * As top(), on a thread pool whose memory this table is in: the queries cut into one
   * contiguous share a thread, each with its own score scratch, in a region of the call's own
   * (calls may overlap).
   */
  async topOn(
    pool: ThreadPool,
    queries: ArrayLike<number>,
    exclude: Exclusions,
    top: number,
    by: "dot" | "cosine",
    caller: string,
  ): Promise<TopItems> {
    const count = exclude.indptr.length - 1;
    const shares = Math.max(1, Math.min(pool.threads, count));
    const parts = this.#parts(count, exclude.index.length, top, shares);
    const { base, at } = allocParts(
      this.#engine.memory,
      parts,
      caller,
      () => `top ${top} of ${this.items} items for ${count} queries`,
    );
    try {
      this.#write(at, queries, exclude);
      const jobs = Array.from({ length: shares }, (_, c) =>
        this.#job(
          at,
          parts.scores.at(at.scores, c),
          Math.floor((c * count) / shares),
          Math.floor(((c + 1) * count) / shares),
          top,
          by,
        ),
      );
      await pool.run(caller, this.#K, jobs);
      return this.#read(at, count, top);
    } finally {
      this.#engine.memory.free(base);
    }
  }

  /** Frees the table's memory (idempotent). */
  dispose(): void {
    if (this.#freed) return;
    this.#freed = true;
    this.#engine.memory.free(this.#region);
  }
}
