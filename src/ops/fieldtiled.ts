// FieldProblem's API over an asynchronous executor (docs/design.md §4, §16): what a thread pool
// hands out for the factorization-machine family. Each field is cut into tiles (tileRows: one a
// thread, of at least TILE_ROWS rows) from its first row; the tiles are pooled on the threads and
// their nodes combined here in tile order; the contexts are formed here in float64; the tiles'
// rows (fieldRows) run on the threads, each leaving its blocks' sums in a shared array; the fold
// and F are taken here in the kernel's order. So the bits are those of one fieldsDense call for
// every thread count.

import { FieldMemory, OwnedFieldProblem } from "./fieldowned.js";
import {
  checkFieldProblemOptions,
  type FieldProblemGradientOptions,
  type FieldProblemGradients,
} from "./fieldproblem.js";
import type { CheckedFieldShape } from "./fieldchecks.js";
import {
  blocksOf,
  combineFields,
  contextsOf,
  fieldPoolJob,
  fieldRangesOf,
  fieldRowsJob,
  finishFields,
  foldBlockSums,
  selfPairOf,
  type FieldRange,
} from "./fieldranges.js";
import type { Executor } from "./ranges.js";
import { readNodes, type PooledNodes } from "./tree.js";
import { TILE_ROWS, tileRows } from "./tiled.js";
import { TiledCalls } from "./tiledcalls.js";
import type { FloatArrayOf, Precision } from "../util/types.js";
import { layout, partsAt, Slots } from "../wasm/layout.js";
import { layoutOf, settledBits, type PlanJob } from "../wasm/planner.js";

/**
 * A factorization-machine problem in a thread pool's shared memory; its kernels run on the pool's
 * threads and return Promises with the bits of {@link FieldProblem}'s. Calls on one problem run
 * one after another, in the order they were made (they share its scratch). Views die when the
 * shared memory grows: read the getters again. dispose() while a call is in flight (or queued)
 * makes that call reject, and frees the memory only once its kernels are done.
 *
 * @example
 * ```ts
 * const p = pool.createFieldProblem({ fields: [3], k: 2, pairs: [[0, 0]] }, { precision: "f64" });
 * p.phi.set([1, 0, 0, 1, 1, 1]); p.h.fill(1);
 * await p.value(); // 2
 * ```
 */
export class ThreadedFieldProblem<P extends Precision = Precision> extends OwnedFieldProblem<P> {
  /** Each field's tiles, field after field (docs/design.md §4). */
  readonly #tiles: FieldRange[];
  /** Each field's first block in the shared block sums. */
  readonly #firstBlocks: number[];
  readonly #nodes: { readonly slots: Slots; readonly offsets: Record<"meta" | "values", number> };
  readonly #contexts: Slots;
  readonly #calls: TiledCalls;

  /** @internal Use createThreadedFieldProblem(pool, shape, options). */
  constructor(pool: Executor, s: CheckedFieldShape, precision: P) {
    const engine = pool.engine;
    const K = engine[precision];
    const tiles = fieldRangesOf(s.fields, 0, s.rows, (rows) => tileRows(rows, pool.threads));
    const node = layout({ meta: 8 * engine.maxRangeNodes, values: 8 * s.k * engine.maxRangeNodes });
    const nodes = { slots: new Slots(tiles.length, node.bytes), offsets: node.offsets };
    // a thread's scratch serves a tile's pooling pass, then its rows
    const perThread = Math.max(
      K.rangeScratchBytes({ rows: TILE_ROWS, first: blocksOf(s.largest), k: s.k }),
      K.fieldRowsScratchBytes({ k: s.k }),
    );
    const scratch = new Slots(pool.threads, perThread);
    const contexts = new Slots(s.fields.length, s.k * K.bytesPerElement);
    const firstBlocks = [0];
    for (const rows of s.fields) firstBlocks.push(firstBlocks[firstBlocks.length - 1] + blocksOf(rows));
    const parts = { nodes: nodes.slots, scratch, contexts, sums: 16 * firstBlocks[s.fields.length] };
    super(new FieldMemory(engine, s, precision, "ThreadedFieldProblem", parts, "createThreadedFieldProblem"));
    [this.#tiles, this.#nodes] = [tiles, nodes];
    this.#calls = new TiledCalls("ThreadedFieldProblem", this.owned, pool, tiles.length, scratch);
    [this.#contexts, this.#firstBlocks] = [contexts, firstBlocks];
  }

  #plan(job: PlanJob): number {
    const { engine, K, s } = this.owned;
    return settledBits(job, layoutOf(engine, K, s.elements, s.k));
  }

  /**
   * The whole call: pooled sums on the threads, combined here; the contexts here; the rows on
   * the threads (writing what `want` points at); the fold and F here.
   */
  async #fields(
    caller: string,
    want: { out: number; gateOut: number; scale: number; accumulate: boolean },
  ): Promise<ReturnType<typeof finishFields>> {
    const { s, K, at, engine, precision } = this.owned;
    // the parameters a call uses, read once at its start
    const rho = this.owned.rho.slice();
    const w0 = this.owned.w0;
    const plan = this.#plan("value");
    const nodes = (i: number) => partsAt(this.#nodes.slots.at(at.nodes, i), this.#nodes.offsets);
    const counts = await this.#calls.run(caller, (i, scratch) =>
      fieldPoolJob(K, this.#tiles[i], s.k, { phi: at.phi, h: at.h }, nodes(i), scratch, plan),
    );
    const byField: PooledNodes[][] = Array.from(s.fields, () => []);
    this.#tiles.forEach((tile, i) =>
      byField[tile.field].push(readNodes(engine, nodes(i).meta, nodes(i).values, counts[i], s.k)),
    );
    const what = `combining a threaded ${this.owned.what()}`;
    const { pooled64 } = combineFields(engine, K, s.k, s.fields, byField, caller, what);
    const contexts = contextsOf(precision, s.pairs, rho, s.k, pooled64);
    contexts.forEach((c, g) => engine.memory.view(K.ArrayType, this.#contexts.at(at.contexts, g), s.k).set(c));
    const selfRho = Array.from(s.fields, (_, g) => {
      const p = selfPairOf(s.pairs, g);
      return p < 0 ? undefined : rho[p];
    });
    const rowsPlan = this.#plan("valueAndGradient");
    const arrays = { phi: at.phi, h: at.h, w: at.w, out: want.out, gateOut: want.gateOut };
    await this.#calls.run(caller, (i, scratch) => {
      const tile = this.#tiles[i];
      const field = {
        context: this.#contexts.at(at.contexts, tile.field),
        selfRho: selfRho[tile.field],
        sums: at.sums + 16 * (this.#firstBlocks[tile.field] + tile.block),
      };
      return fieldRowsJob(K, tile, s.k, arrays, field, want, scratch, rowsPlan);
    });
    const blockSums = engine.memory.view(Float64Array, at.sums, 2 * this.#firstBlocks[s.fields.length]);
    const sums = Array.from(s.fields, (rows, g) => foldBlockSums(blockSums, this.#firstBlocks[g], blocksOf(rows)));
    return finishFields(precision, { pairs: s.pairs, rho, k: s.k, w0 }, pooled64, sums);
  }

  /**
   * F of the current phi, h, w, rho and w0.
   *
   * @example
   * ```ts
   * await p.value(); // the bits of a FieldProblem's value() on the same arrays
   * ```
   */
  value(): Promise<number> {
    return this.#calls.exclusive("value", async (caller) => {
      const none = { out: 0, gateOut: 0, scale: 1, accumulate: false };
      return (await this.#fields(caller, none)).value;
    });
  }

  /**
   * F and every gradient (options as FieldProblem.gradients'), each thread writing its tiles'
   * rows; views of the problem's output regions, valid until its next such call.
   *
   * @example
   * ```ts
   * const { value, gradient, gateGradient, pairGradient } = await p.gradients({ scale: -0.01 });
   * ```
   */
  gradients(options?: FieldProblemGradientOptions): Promise<FieldProblemGradients<FloatArrayOf<P>>> {
    let checked: ReturnType<typeof checkFieldProblemOptions>;
    try {
      checked = checkFieldProblemOptions("ThreadedFieldProblem.gradients", options);
    } catch (error) {
      return Promise.reject(error);
    }
    return this.#calls.exclusive("gradients", async (caller) => {
      const { scale, accumulate, gateGradient } = checked;
      const out = this.owned.output("gradient", caller);
      const gateOut = gateGradient ? this.owned.output("gateGradient", caller) : 0;
      this.owned.output("pairGradient", caller);
      const { value, pairGradient } = await this.#fields(caller, { out, gateOut, scale, accumulate });
      const pairs = this.owned.outputView("pairGradient");
      pairs.set(pairGradient);
      return {
        value,
        gradient: this.owned.outputView("gradient"),
        gateGradient: gateGradient ? this.owned.outputView("gateGradient") : undefined,
        pairGradient: pairs,
      };
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
