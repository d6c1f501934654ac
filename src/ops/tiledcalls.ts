// The calls of a problem on an executor of range jobs (a thread pool), one after another: their
// queue, the checks between their steps, and one job a tile (ThreadedProblem, ThreadedFieldProblem;
// docs/design.md §4).

import type { Slots } from "../wasm/layout.js";
import type { PrecisionKernels } from "../wasm/loader.js";
import type { Executor, Job } from "./ranges.js";

/** What the queue reads of a problem's memory (owned.ts, fieldowned.ts). */
interface Owner {
  readonly K: PrecisionKernels;
  readonly at: Readonly<Record<string, number>>;
  readonly disposed: boolean;
  live(member: string): void;
  free(): void;
}

/** The queue of a threaded problem's calls: `label` names its class in errors. */
export class TiledCalls {
  readonly #label: string;
  readonly #owned: Owner;
  readonly #pool: Executor;
  readonly #every: readonly number[];
  readonly #scratch: Slots;
  #tail: Promise<unknown> = Promise.resolve();
  #calls = 0;

  constructor(label: string, owned: Owner, pool: Executor, tiles: number, scratch: Slots) {
    [this.#label, this.#owned, this.#pool, this.#scratch] = [label, owned, pool, scratch];
    this.#every = Array.from({ length: tiles }, (_, i) => i);
  }

  /** No call is queued or running: a disposed problem's memory may be freed now. */
  get idle(): boolean {
    return this.#calls === 0;
  }

  /**
   * Runs `work` after every call made before it has settled. The problem's memory stays
   * allocated while any call is queued or running, even if it is disposed meanwhile: such a
   * call rejects at its next step, and the memory is freed when the last one settles.
   */
  exclusive<R>(method: string, work: (caller: string) => Promise<R>): Promise<R> {
    const caller = `${this.#label}.${method}`;
    try {
      this.#owned.live(`${method}()`);
    } catch (error) {
      return Promise.reject(error);
    }
    this.#calls++;
    const run = this.#tail.then(() => {
      this.step(caller);
      return work(caller);
    });
    this.#tail = run.catch(() => {});
    return run.finally(() => {
      if (--this.#calls === 0 && this.#owned.disposed) this.#owned.free();
    });
  }

  /** Between the steps of a call: Error if the problem was disposed or its pool stopped. */
  step(caller: string): void {
    if (this.#owned.disposed)
      throw new Error(`${caller}(): the problem was disposed while the call was queued or running`);
    this.#pool.live(caller);
  }

  /**
   * Runs one job a tile on the pool, for every tile or the tiles listed (the i-th job's scratch:
   * the slot of the thread that runs it); their results, in the same order.
   */
  async run(
    caller: string,
    job: (tile: number, scratch: number) => Job,
    tiles: readonly number[] = this.#every,
  ): Promise<number[]> {
    const { K, at } = this.#owned;
    const jobs = tiles.map((tile, i) => job(tile, this.#scratch.at(at.scratch, i % this.#pool.threads)));
    const results = await this.#pool.run(caller, K, jobs);
    this.step(caller);
    return results;
  }
}
