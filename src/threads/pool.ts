// A thread pool (docs/design.md §4, §7): workers (src/threads/workers.ts) instantiate the same
// module on one shared WebAssembly.Memory and run range jobs (src/ops/ranges.ts) that the host
// lays out; the pool is their executor. Where memory cannot be shared, the pool runs the same
// jobs on the calling thread. Its problems are src/threads/problem.ts's.

import { checkPrecision, checkShape } from "../ops/checks.js";
import { runHere, type Job } from "../ops/ranges.js";
import { ThreadedProblem } from "../ops/tiled.js";
import { checkOptions } from "../util/checks.js";
import { describe, shown } from "../util/read.js";
import type { Precision, Shape } from "../util/types.js";
import { KERNEL_ARGS } from "../wasm/generated/kernels.js";
import { hostHasSimd, loadFresh, type Engine, type PrecisionKernels } from "../wasm/loader.js";

import { markThreadPool } from "./brand.js";
import { exportNames, startDoorbells, type Call, type Doorbell } from "./doorbell.js";

/**
 * The most threads a pool may have: more than the hardware runs only costs memory (each
 * worker takes megabytes).
 *
 * @example
 * ```ts
 * await createThreadPool({ threads: MAX_THREADS + 1 }); // rejects: RangeError naming options.threads
 * ```
 */
export const MAX_THREADS = 64;

/** How long a worker may take to load and answer, by default (ms). */
const START_TIMEOUT = 30_000;

/** The longest delay a host timer holds (ms): setTimeout fires at once beyond it. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/** Options of {@link createThreadPool}. */
export interface ThreadPoolOptions {
  /**
   * Worker threads, at most {@link MAX_THREADS}. Default: the host's hardware threads where it
   * says (browsers, Node 21+), else 2; 1 where SharedArrayBuffer is missing. Asking for more
   * than 1 there rejects.
   */
  readonly threads?: number;
  /** Where the worker script is (dist/worker.js). Default: the package's own. */
  readonly workerUrl?: string | URL;
  /**
   * Milliseconds a worker may take to load and report ready before createThreadPool rejects
   * (a workerUrl that is not crossgrad's worker never reports). Default 30,000. Longer waits
   * (Infinity too) are clamped to 2^31 - 1 ms, about 24.8 days, the most a host timer holds.
   */
  readonly startTimeout?: number;
}

/**
 * A pool of worker threads sharing one wasm memory, for problems too large for one thread.
 * Create it once, reuse it, and terminate() it when done (an idle pool keeps no Node process
 * alive).
 *
 * @example
 * ```ts
 * const pool = await createThreadPool();
 * pool.threads; // e.g. 2
 * pool.shared; // true where SharedArrayBuffer is available
 * await pool.terminate();
 * ```
 */
export class ThreadPool {
  /** Threads that compute: workers, or 1 when this context cannot share memory. */
  readonly threads: number;
  /** Whether the workers share the memory (false: everything runs on the calling thread). */
  readonly shared: boolean;
  /** @internal */ readonly engine: Engine;
  readonly #doorbells: Doorbell[];
  /** An export's index in the calls a worker runs, by its name. */
  readonly #exports: Map<string, number>;
  /** Why the pool cannot compute any more: terminated, or a worker failed. */
  #broken: string | undefined;
  #terminating: Promise<void> | undefined;

  /** @internal Use {@link createThreadPool}. */
  constructor(engine: Engine, doorbells: Doorbell[], names: readonly string[] = []) {
    this.engine = engine;
    this.#doorbells = doorbells;
    this.#exports = new Map(names.map((name, i) => [name, i]));
    this.threads = Math.max(1, doorbells.length);
    this.shared = doorbells.length > 0;
    markThreadPool(this);
    for (const { worker } of doorbells) {
      // a worker that failed may hold a job forever: the pool stops taking work (its doorbell
      // rejects the run it was on)
      worker.onError((message) => (this.#broken ??= `a crossgrad worker failed (${message}); create a new pool`));
    }
  }

  /** @internal Error unless the pool can take work. */
  live(caller: string): void {
    if (this.#broken) throw new Error(`${caller}(): ${this.#broken}`);
  }

  /**
   * @internal Runs jobs, job i on thread i % threads; their results in job order. Settles only
   * once every thread is done with its jobs, also when one of them failed, so that no kernel
   * still writes when the caller goes on.
   */
  async run(caller: string, K: PrecisionKernels, jobs: readonly Job[]): Promise<number[]> {
    this.live(caller);
    if (!this.shared) return runHere(K, jobs);
    const lists = this.#doorbells.map((): number[] => []);
    jobs.forEach((_, i) => lists[i % lists.length].push(i));
    const replies = await Promise.allSettled(
      lists.map((list, w) => (list.length ? this.#doorbells[w].run(list.map((i) => this.#call(K, jobs[i]))) : [])),
    );
    const failed = replies.find((r) => r.status === "rejected");
    if (failed) throw new Error(`${caller}(): ${(failed.reason as Error).message}`);
    this.engine.memory.verify();
    const results = new Array<number>(jobs.length);
    lists.forEach((list, w) =>
      list.forEach((i, j) => (results[i] = (replies[w] as PromiseFulfilledResult<number[]>).value[j])),
    );
    return results;
  }

  /** A job as a worker runs it: its export's index and its arguments in the export's order. */
  #call(K: PrecisionKernels, job: Job): Call {
    const args = job.args as unknown as Record<string, number | boolean>;
    return [this.#exports.get(K.names[job.kernel])!, KERNEL_ARGS[job.kernel].map((name) => args[name])];
  }

  /**
   * A problem whose arrays live in the pool's shared memory (as createProblem's, but its
   * kernels run on the pool's threads and return Promises).
   *
   * @example
   * ```ts
   * const pool = await createThreadPool({ threads: 2 });
   * const p = pool.createProblem({ n: 1_000_000, m: 1_000_000, k: 32 });
   * p.phi.set(embeddings); p.h.fill(1);
   * const { value, gradient } = await p.valueAndGradient();
   * ```
   */
  createProblem<P extends Precision = "f32">(shape: Shape, options?: { precision?: P }): ThreadedProblem<P> {
    const caller = "ThreadPool.createProblem";
    this.live(caller);
    const s = checkShape(caller, "shape", shape);
    const o = checkOptions<{ precision: P }>(caller, "options", options, ["precision"]);
    return new ThreadedProblem(this, s, checkPrecision(caller, o.precision) as P);
  }

  /**
   * Stops the workers. Calls in flight reject once the workers have stopped (so no kernel
   * writes after they settle); afterwards the pool and its problems cannot compute, but their
   * phi and h stay readable until disposed. Calling it again returns the same promise.
   *
   * @example
   * ```ts
   * await pool.terminate();
   * ```
   */
  terminate(): Promise<void> {
    this.#broken = "this pool was terminated";
    this.#terminating ??= Promise.all(this.#doorbells.map((doorbell) => doorbell.stop())).then(() => {});
    return this.#terminating;
  }
}

/** Whether this context can share wasm memory between threads. */
function canShare(): boolean {
  const g = globalThis as { SharedArrayBuffer?: unknown; crossOriginIsolated?: boolean };
  return typeof g.SharedArrayBuffer === "function" && g.crossOriginIsolated !== false && hostHasSimd();
}

/**
 * A pool of worker threads on one shared wasm memory. Where this context cannot share memory
 * (no SharedArrayBuffer: a page that is not cross-origin isolated), the pool computes on the
 * calling thread and says so (threads = 1, shared = false); asking for more threads there
 * rejects with the reason. A worker that does not report ready within `startTimeout` makes it
 * reject, and every worker it started is stopped.
 *
 * @example
 * ```ts
 * const pool = await createThreadPool({ threads: 2 });
 * pool.threads; // 2
 * await pool.terminate();
 * ```
 */
export async function createThreadPool(options?: ThreadPoolOptions): Promise<ThreadPool> {
  const caller = "createThreadPool";
  const o = checkOptions<ThreadPoolOptions>(caller, "options", options, ["threads", "workerUrl", "startTimeout"]);
  const shareable = canShare();
  const hardware = (globalThis as { navigator?: { hardwareConcurrency?: number } }).navigator?.hardwareConcurrency ?? 2;
  const threads = o.threads ?? (shareable ? Math.min(hardware, MAX_THREADS) : 1);
  if (typeof threads !== "number" || !Number.isInteger(threads) || threads < 1 || threads > MAX_THREADS) {
    throw new RangeError(
      `${caller}(): options.threads must be an integer from 1 to ${MAX_THREADS}, got ${shown(threads)}`,
    );
  }
  const url = o.workerUrl ?? new URL("../worker.js", import.meta.url);
  if (!(typeof url === "string" || url instanceof URL)) {
    throw new TypeError(`${caller}(): options.workerUrl must be a string or a URL, got ${describe(url)}`);
  }
  const asked = o.startTimeout ?? START_TIMEOUT;
  if (typeof asked !== "number" || !(asked > 0)) {
    throw new RangeError(
      `${caller}(): options.startTimeout must be a positive number of milliseconds, got ${shown(asked)}`,
    );
  }
  if (threads > 1 && !shareable) {
    throw new Error(
      `${caller}(): ${threads} threads need a shared wasm memory (SharedArrayBuffer and wasm SIMD), which this context lacks` +
        `; a page must be cross-origin isolated (Cross-Origin-Opener-Policy: same-origin, Cross-Origin-Embedder-Policy: require-corp)`,
    );
  }
  // one thread where memory cannot be shared: the plain module on a memory of its own
  if (!shareable) return new ThreadPool((await loadFresh(false)).engine, []);
  const { module, memory, engine } = await loadFresh({ caller });
  const doorbells = await startDoorbells(url, threads, Math.min(asked, MAX_TIMER_MS), { module, memory }, caller);
  return new ThreadPool(engine, doorbells, exportNames(module));
}
