// Problem's API over an asynchronous executor (docs/design.md §4, §7): what a thread pool hands
// out. Its memory is a Problem's (src/ops/owned.ts), in the executor's memory, with a node slot
// per tile and a scratch slot per thread besides; its passes are range jobs (src/ops/ranges.ts)
// over fixed tiles, which the executor runs (a pool: on its workers). Tiles' nodes are combined
// here in tile order, so the bits are those of a single call for every thread count. Calls on
// one problem run one after another (they share its scratch); dispose() during a call frees the
// memory when it ends.

import { checkGradientOptions, SCALING, type CheckedShape } from "./checks.js";
import { OwnedProblem, ProblemMemory, type Output } from "./owned.js";
import {
  dotsJob,
  fusedPoolJob,
  gradientJob,
  nodesByGroup,
  poolJob,
  rangesOf,
  type Executor,
  type PassArrays,
  type Range,
} from "./ranges.js";
import { combineNodes } from "./tree.js";
import { TiledCalls } from "./tiledcalls.js";
import { checkOptions } from "../util/checks.js";
import type { FloatArrayOf, GradientScaling, Pooled, Precision } from "../util/types.js";
import { BLOCK_ROWS } from "../wasm/loader.js";
import { layout, partsAt, Slots } from "../wasm/layout.js";
import { layoutOf, settledBits, type PlanJob } from "../wasm/planner.js";

/**
 * The fewest rows a tile of a thread pool's work covers, but a group's last (64 blocks): a
 * group of fewer rows stays whole, on one thread.
 *
 * @example
 * ```ts
 * TILE_ROWS; // 16384
 * // a pool of 2 threads cuts a group of 100,000 rows into tiles of 50,176 and 49,824 rows, on
 * // block boundaries, and keeps a group of 20,000 whole (halves would be shorter than TILE_ROWS)
 * ```
 */
export const TILE_ROWS = 64 * BLOCK_ROWS;

/**
 * The rows of each tile of a group (or field) of `rows` rows on `threads` threads: the group cut
 * into one tile a thread, on block boundaries and as even as they allow, or fewer tiles where
 * they would be shorter than TILE_ROWS. One tile a thread and group, not many small ones: each
 * tile costs the calling thread its job and its nodes, which it handles alone between passes
 * (62 tiles of 500,000 x 32 rows took half a millisecond of a 6 ms pass; docs/design.md §4).
 */
export function tileRows(rows: number, threads: number): number {
  const tiles = Math.max(1, Math.min(threads, Math.floor(rows / TILE_ROWS)));
  return BLOCK_ROWS * Math.ceil(Math.ceil(rows / BLOCK_ROWS) / tiles);
}

/** A gradient's scale and whether it adds to the output (checked options). */
type Scaling = { readonly scale: number; readonly accumulate: boolean };

/**
 * A problem in a thread pool's shared memory; its kernels run on the pool's threads and
 * return Promises. Calls on one problem run one after another, in the order they were made
 * (they share its scratch); calls on different problems of a pool may overlap. Views die
 * when the shared memory grows: read the getters again.
 *
 * dispose() while a call is in flight (or queued) makes that call reject, and frees the
 * problem's memory only once its kernels are done.
 *
 * @example
 * ```ts
 * const p = pool.createProblem({ n: 1, m: 1, k: 2 });
 * p.phi.set([1, 2, 3, 4]); p.h.set([1, 1]);
 * await p.value(); // 11
 * ```
 */
export class ThreadedProblem<P extends Precision = Precision> extends OwnedProblem<P> {
  /** The fixed tiles of rows the passes are cut into (docs/design.md §4). */
  readonly #tiles: Range[];
  /** A tile's node slot (metadata, then k float64 sums a node), and a thread's scratch slot. */
  readonly #nodes: { readonly slots: Slots; readonly offsets: Record<"meta" | "values", number> };
  /** The last call queued: the next one starts when it has settled. */
  readonly #calls: TiledCalls;

  /** @internal Use {@link ThreadPool.createProblem}. */
  constructor(pool: Executor, s: CheckedShape, precision: P) {
    const engine = pool.engine;
    const K = engine[precision];
    const tiles = rangesOf(s.n, 0, s.rows, (rows) => tileRows(rows, pool.threads));
    const node = layout({ meta: 8 * engine.maxRangeNodes, values: 8 * s.k * engine.maxRangeNodes });
    const nodes = { slots: new Slots(tiles.length, node.bytes), offsets: node.offsets };
    // a thread's scratch serves a tile's pooling pass (fused or not), then its gradient rows
    const lastBlock = Math.ceil(Math.max(s.n, s.m) / BLOCK_ROWS);
    const perThread = Math.max(
      K.fusedRangeScratchBytes({ rows: TILE_ROWS, first: lastBlock, k: s.k }),
      K.rowScratchBytes({ k: s.k }),
    );
    const scratch = new Slots(pool.threads, perThread);
    const parts = { nodes: nodes.slots, scratch };
    super(new ProblemMemory(engine, s, precision, "ThreadedProblem", parts, "ThreadPool.createProblem"));
    [this.#tiles, this.#nodes] = [tiles, nodes];
    this.#calls = new TiledCalls("ThreadedProblem", this.owned, pool, tiles.length, scratch);
  }

  /** The plan bits of `job` for this problem: the class's settled choice, else the fixed rule. */
  #plan(job: PlanJob): number {
    return settledBits(job, layoutOf(this.owned.engine, this.owned.K, this.owned.s.elements, this.owned.s.k));
  }

  /** Tile i's node slot. */
  #nodesOf(i: number) {
    return partsAt(this.#nodes.slots.at(this.owned.at.nodes, i), this.#nodes.offsets);
  }

  /** Pooled sums on the threads, combined here in tile order; u and v go to the problem's region for the next pass. */
  async #pooled(caller: string): Promise<{ u: FloatArrayOf<P>; v: FloatArrayOf<P>; value: number }> {
    const { s, K, at } = this.owned;
    const plan = this.#plan("value");
    const counts = await this.#calls.run(caller, (i, scratch) =>
      poolJob(K, this.#tiles[i], s.k, at, this.#nodesOf(i), scratch, plan),
    );
    return this.#combined(caller, counts);
  }

  /**
   * The tiles' nodes (`counts` a tile) combined in tile order into the sums of groups of `rows`
   * rows (a group whose nodes are not there yet: 0 rows, sum 0); u and v also go to the problem's region.
   */
  #combined(
    caller: string,
    counts: readonly number[],
    rows: readonly [number, number] = [this.owned.s.n, this.owned.s.m],
  ): { u: FloatArrayOf<P>; v: FloatArrayOf<P>; value: number } {
    const { s, K, at, engine } = this.owned;
    const groups = nodesByGroup(engine, this.#tiles, counts, (i) => this.#nodesOf(i), s.k);
    const pooled = combineNodes(engine, K, s.k, groups, rows, caller, `combining a threaded ${this.owned.what()}`);
    engine.memory.view(K.ArrayType, at.u, s.k).set(pooled.u);
    engine.memory.view(K.ArrayType, at.v, s.k).set(pooled.v);
    return pooled as { u: FloatArrayOf<P>; v: FloatArrayOf<P>; value: number };
  }

  /** An output region, made on first use, and the arrays its pass reads and writes. */
  #arrays(output: Output, caller: string) {
    return { ...this.owned.at, out: this.owned.output(output, caller) };
  }

  /**
   * F = <u, v>, the pooled sums taken on the pool's threads.
   *
   * @example
   * ```ts
   * await p.value(); // the bits of createProblem's value() on the same phi and h
   * ```
   */
  value(): Promise<number> {
    return this.#calls.exclusive("value", async (caller) => (await this.#pooled(caller)).value);
  }

  /**
   * The pooled sums u and v, as new arrays.
   *
   * @example
   * ```ts
   * const { u, v } = await p.pooled();
   * ```
   */
  pooled(): Promise<Pooled<FloatArrayOf<P>>> {
    return this.#calls.exclusive("pooled", async (caller) => {
      const { u, v } = await this.#pooled(caller);
      return { u, v };
    });
  }

  /**
   * F and dF/dphi (options as Problem.gradient's), each thread writing its tiles' rows; the
   * gradient is a view of the problem's output region, valid until its next such call.
   *
   * @example
   * ```ts
   * const { value, gradient } = await p.valueAndGradient({ scale: -0.01 });
   * ```
   */
  valueAndGradient(options?: GradientScaling): Promise<{ value: number; gradient: FloatArrayOf<P> }> {
    return this.#valueAndGradient("valueAndGradient", options);
  }

  #valueAndGradient(method: string, options: GradientScaling | undefined) {
    let scaling: Scaling;
    try {
      const caller = `ThreadedProblem.${method}`;
      scaling = checkGradientOptions(caller, checkOptions(caller, "options", options, SCALING));
    } catch (error) {
      return Promise.reject(error);
    }
    return this.#calls.exclusive(method, async (caller) => {
      const arrays = this.#arrays("gradient", caller);
      // the passes take the loops the planner chose for valueAndGradient (fused or not, fill-first or not)
      const plan = this.#plan("valueAndGradient");
      const fused = (plan & this.owned.engine.planBits.fused) !== 0 && !scaling.accumulate;
      const value = fused
        ? await this.#fused(caller, arrays, scaling, plan)
        : await this.#unfused(caller, arrays, scaling, plan);
      return { value, gradient: this.owned.outputView("gradient") };
    });
  }

  /** F + dF/dphi in two passes on the threads: both groups pooled, then every gradient row written. */
  async #unfused(caller: string, arrays: PassArrays, scaling: Scaling, plan: number): Promise<number> {
    const { s, K } = this.owned;
    const { value } = await this.#pooled(caller);
    await this.#calls.run(caller, (i, scratch) => gradientJob(K, this.#tiles[i], s.k, arrays, scaling, scratch, plan));
    return value;
  }

  /**
   * F + dF/dphi with the larger group read once for its sum and written once for its gradient,
   * as a copy reads and writes (threads gain more on that than on a read, then a write): the
   * smaller group is pooled, then the larger pooled while its gradient rows are written, then the
   * smaller's rows written. The bits of #unfused (interaction.ts's fused pass, by tiles).
   */
  async #fused(caller: string, arrays: PassArrays, scaling: Scaling, plan: number): Promise<number> {
    const { s, K, at } = this.owned;
    const smaller = s.n <= s.m ? 0 : 1;
    const tilesOf = (group: number) => this.#tiles.flatMap((tile, i) => (tile.group === group ? [i] : []));
    const [first, second] = [tilesOf(smaller), tilesOf(1 - smaller)];
    const counts = new Array<number>(this.#tiles.length).fill(0);
    const pool = (i: number, scratch: number) => poolJob(K, this.#tiles[i], s.k, at, this.#nodesOf(i), scratch, plan);
    (await this.#calls.run(caller, pool, first)).forEach((count, j) => (counts[first[j]] = count));
    // the smaller group's sum alone, where the fused pass reads it
    this.#combined(caller, counts, smaller === 0 ? [s.n, 0] : [0, s.m]);
    const fusedPool = (i: number, scratch: number) =>
      fusedPoolJob(K, this.#tiles[i], s.k, arrays, this.#nodesOf(i), scaling.scale, scratch, plan);
    (await this.#calls.run(caller, fusedPool, second)).forEach((count, j) => (counts[second[j]] = count));
    // both groups (the smaller's nodes combined again: a few microseconds, one code path)
    const { value } = this.#combined(caller, counts);
    await this.#calls.run(
      caller,
      (i, scratch) => gradientJob(K, this.#tiles[i], s.k, arrays, scaling, scratch, plan),
      first,
    );
    return value;
  }

  /**
   * dF/dphi, as {@link valueAndGradient}.
   *
   * @example
   * ```ts
   * const g = await p.gradient({ scale: 0.5 });
   * ```
   */
  async gradient(options?: GradientScaling): Promise<FloatArrayOf<P>> {
    return (await this.#valueAndGradient("gradient", options)).gradient;
  }

  /**
   * dF/dh for every row, each thread taking its tiles' rows; a view of the problem's region.
   *
   * @example
   * ```ts
   * const dh = await p.gateGradient();
   * ```
   */
  gateGradient(): Promise<FloatArrayOf<P>> {
    return this.#calls.exclusive("gateGradient", async (caller) => {
      const { s, K } = this.owned;
      const arrays = this.#arrays("gateGradient", caller);
      await this.#pooled(caller);
      await this.#calls.run(caller, (i) => dotsJob(K, this.#tiles[i], s.k, arrays));
      return this.owned.outputView("gateGradient");
    });
  }

  /**
   * Frees the problem's shared memory for reuse; afterwards every method throws (or rejects).
   * Calls still queued or running reject, and the memory is freed when their kernels are done.
   *
   * @example
   * ```ts
   * p.dispose();
   * ```
   */
  dispose(): void {
    if (this.owned.disposed) return;
    this.owned.dispose();
    if (this.#calls.idle) this.owned.free();
  }
}
