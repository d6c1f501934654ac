// Threads: workers (Web Workers in browsers, worker_threads in Node) instantiate the same
// module on one shared WebAssembly.Memory. The host owns the layout and splits the rows into
// fixed tiles; a tile's pooled sums are the tree nodes it completes (poolRange), the host
// combines all tiles' nodes in order, then the workers write their tiles' gradient or dF/dh
// rows. The partition and the reduction order do not depend on the thread count, so neither
// do the bits: they are those of a single call (the canonical tree of pool.ts and tree.ts).

import { shapeText } from "../ops/call.js";
import type { KernelName, Kernels } from "../wasm/generated/kernels.js";
import {
  BLOCK_ROWS,
  engineOf,
  hostHasSimd,
  instantiate,
  simdBytes,
  type Engine,
  type PrecisionKernels,
} from "../wasm/loader.js";
import { allocParts, allocRegion, layout, partsAt, Slots } from "../wasm/memory.js";
import { combineNodes, readNodes, type PooledNodes } from "../ops/tree.js";
import { layoutOf, settledBits, type Layout } from "../wasm/planner.js";
import type { FloatArrayOf, Precision, Shape } from "../util/types.js";
import {
  checkGradientOptions,
  checkOptions,
  checkPrecision,
  checkShape,
  describe,
  shown,
  type CheckedShape,
} from "../ops/checks.js";
import { scalarWasm } from "../wasm/generated/wasm.js";

/**
 * Rows a tile of a thread pool's work covers: 64 blocks, a unit large enough to amortise a
 * message. A problem of fewer rows per group keeps one thread busy per group.
 *
 * @example
 * ```ts
 * Math.ceil(n / TILE_ROWS) + Math.ceil(m / TILE_ROWS); // tiles the threads share
 * ```
 */
export const TILE_ROWS = 64 * BLOCK_ROWS;

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
export const MAX_TIMER_MS = 2 ** 31 - 1;

/** Options of {@link createThreadPool}. */
export interface ThreadPoolOptions {
  /**
   * Worker threads, at most {@link MAX_THREADS}. Default: the host's hardware threads where it
   * says (browsers, Node 21+), else 2; 1 where SharedArrayBuffer is missing. Asking for more
   * than 1 there rejects.
   */
  readonly threads?: number;
  /** Where the worker script is (dist/worker.js). Default: next to this module. */
  readonly workerUrl?: string | URL;
  /**
   * Milliseconds a worker may take to load and report ready before createThreadPool rejects
   * (a workerUrl that is not crossgrad's worker never reports). Default 30,000. Longer waits
   * (Infinity too) are clamped to 2^31 - 1 ms, about 24.8 days, the most a host timer holds.
   */
  readonly startTimeout?: number;
}

/** A reply of the worker (worker.ts). */
interface Reply {
  readonly id?: number;
  readonly ready?: boolean;
  readonly results?: number[];
  readonly error?: string;
}

/** The part of a worker the pool uses: Web Worker and worker_threads alike. */
interface WorkerHandle {
  post(message: unknown): void;
  onReply(listener: (reply: Reply) => void): void;
  /** A worker that could not load, crashed or exited. */
  onError(listener: (message: string) => void): void;
  /** Stops the worker; settles once it has stopped (Node), or at once (browsers). */
  terminate(): Promise<void>;
  /** Node: a worker with work is held (keeps the process alive); held and released in pairs. */
  hold(busy: boolean): void;
}

/** The part of worker_threads' Worker used here (typed locally: the package has no Node types). */
interface NodeWorker {
  postMessage(message: unknown): void;
  on(event: string, listener: (value: never) => void): void;
  terminate(): Promise<number>;
  ref(): void;
  unref(): void;
}

async function spawn(url: string | URL): Promise<WorkerHandle> {
  if (typeof Worker === "function") {
    const worker = new Worker(url, { type: "module" });
    // errors are taken from the start, and kept until a listener asks for them: Deno may report
    // a script that fails to load before the caller's next step, and an error nobody cancels
    // reaches the host as uncaught (Deno then fails the process; a page logs it)
    const errors: string[] = [];
    const listeners: ((message: string) => void)[] = [];
    const failed = (message: string) => {
      if (listeners.length) for (const listener of listeners) listener(message);
      else errors.push(message);
    };
    worker.addEventListener("error", (e) => {
      // handled here: the pool rejects with it
      e.preventDefault();
      failed(e.message || `could not load ${String(url)}`);
    });
    worker.addEventListener("messageerror", () => failed("a message could not be read"));
    return {
      post: (m) => worker.postMessage(m),
      onReply: (listener) => worker.addEventListener("message", (e) => listener(e.data)),
      onError: (listener) => {
        listeners.push(listener);
        for (const message of errors.splice(0)) listener(message);
      },
      terminate: async () => worker.terminate(),
      hold: () => {},
    };
  }
  // Node: worker_threads (the specifier is computed, so that bundlers leave it alone)
  const specifier = "node:worker_threads";
  const threads = (await import(/* @vite-ignore */ specifier)) as {
    Worker: new (url: URL, options: object) => NodeWorker;
  };
  // no flags: the worker script needs none, and a worker refuses the parent's process-wide
  // ones (--max-old-space-size, --title, ...) with ERR_WORKER_INVALID_EXEC_ARGV
  const worker = new threads.Worker(url instanceof URL ? url : new URL(url), { execArgv: [] });
  worker.unref();
  let holds = 0,
    stopping = false;
  return {
    post: (m) => worker.postMessage(m),
    onReply: (listener) => worker.on("message", listener as (value: never) => void),
    onError: (listener) => {
      worker.on("error", (e: Error) => listener(String(e?.message ?? e)));
      worker.on("exit", (code: number) => void (stopping || listener(`the worker exited with code ${code}`)));
    },
    terminate: async () => {
      stopping = true;
      // held until it has stopped: an awaited terminate (a failed start's, say) must keep Node
      // running until it settles, or the process ends with the promise pending
      worker.ref();
      await worker.terminate();
    },
    hold: (busy) => {
      holds += busy ? 1 : -1;
      // a stopping worker stays held until it has stopped (terminate), whatever settles meanwhile
      if (stopping) return;
      if (busy && holds === 1) worker.ref();
      else if (!busy && holds === 0) worker.unref();
    },
  };
}

/** Whether this context can share wasm memory between threads. */
function canShare(): boolean {
  const g = globalThis as { SharedArrayBuffer?: unknown; crossOriginIsolated?: boolean };
  return typeof g.SharedArrayBuffer === "function" && g.crossOriginIsolated !== false && hostHasSimd();
}

/**
 * @internal
 * The same module with its imported memory marked shared: the limits flag of the memory import
 * (0x01: minimum and maximum) becomes 0x03 (shared, minimum and maximum).
 */
export function withSharedMemory(bytes: Uint8Array): Uint8Array<ArrayBuffer> {
  const out = Uint8Array.from(bytes);
  let p = 8;
  const leb = (): number => {
    let result = 0,
      shift = 0,
      byte: number;
    do {
      byte = out[p++];
      result |= (byte & 0x7f) << shift;
      shift += 7;
    } while (byte & 0x80);
    return result >>> 0;
  };
  const name = (): string => {
    const length = leb();
    p += length;
    return String.fromCharCode(...out.subarray(p - length, p));
  };
  while (p < out.length) {
    const id = out[p++],
      size = leb(),
      end = p + size;
    if (id === 2) {
      for (let i = leb(); i > 0; i--) {
        const module = name(),
          field = name(),
          kind = out[p++];
        if (kind === 2 && module === "env" && field === "memory") {
          if (out[p] !== 0x01) throw new Error(`internal: the memory import's limits flag is ${out[p]}, not 1`);
          out[p] = 0x03;
          return out;
        }
        if (kind === 0) leb();
        else if (kind === 1 || kind === 2) {
          if (kind === 1) p++;
          const flags = out[p++];
          leb();
          if (flags & 1) leb();
        } else p += 2;
      }
    }
    p = end;
  }
  throw new Error("internal: the module imports no memory to share");
}

/** The module's exports as a worker calls them: by name. */
type ByName = Record<string, (...args: (number | boolean)[]) => number>;

/** A kernel call for a worker: an export's name and its counts, pointers and flags. */
type KernelCall = readonly [string, readonly (number | boolean)[]];

/** A call of one of K's kernels, as a worker makes it: by its export name. */
function kernelCall<N extends KernelName>(K: PrecisionKernels, name: N, ...args: Parameters<Kernels[N]>): KernelCall {
  return [K.names[name], args];
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
  readonly #workers: WorkerHandle[];
  readonly #exports: ByName;
  #next = 0;
  readonly #pending = new Map<
    number,
    { resolve: (r: number[]) => void; reject: (e: Error) => void; worker: WorkerHandle }
  >();
  /** Why the pool cannot compute any more: terminated, or a worker failed. */
  #broken: string | undefined;
  #terminating: Promise<void> | undefined;

  /** @internal Use {@link createThreadPool}. */
  constructor(engine: Engine, exports: ByName, workers: WorkerHandle[]) {
    this.engine = engine;
    this.#exports = exports;
    this.#workers = workers;
    this.threads = Math.max(1, workers.length);
    this.shared = workers.length > 0;
    for (const worker of workers) {
      worker.onError((message) => {
        // a worker that failed may hold a job forever: the pool stops taking work
        this.#broken ??= `a crossgrad worker failed (${message}); create a new pool`;
        for (const [id, job] of this.#pending) {
          if (job.worker !== worker) continue;
          this.#pending.delete(id);
          job.reject(new Error(`a crossgrad worker failed: ${message}`));
        }
      });
      worker.onReply((reply) => {
        const job = reply.id === undefined ? undefined : this.#pending.get(reply.id);
        if (!job) return;
        this.#pending.delete(reply.id!);
        if (reply.error) job.reject(new Error(`a crossgrad worker failed: ${reply.error}`));
        else job.resolve(reply.results!);
      });
    }
  }

  /** @internal Error unless the pool can take work. */
  live(caller: string): void {
    if (this.#broken) throw new Error(`${caller}(): ${this.#broken}`);
  }

  /**
   * @internal Runs lists of kernel calls, list i on thread i % threads; results in call order.
   * Settles only once every thread is done with its list, also when one of them failed, so
   * that no kernel still writes when the caller goes on.
   */
  async run(caller: string, calls: KernelCall[]): Promise<number[]> {
    this.live(caller);
    if (!this.shared) {
      const results = calls.map(([kernel, args]) => this.#exports[kernel](...args));
      this.engine.memory.verify();
      return results;
    }
    const lists = this.#workers.map((): number[] => []);
    calls.forEach((_, i) => lists[i % lists.length].push(i));
    const replies = await Promise.allSettled(
      lists.map((list, w) =>
        list.length
          ? this.#post(
              this.#workers[w],
              list.map((i) => calls[i]),
            )
          : [],
      ),
    );
    const failed = replies.find((r) => r.status === "rejected");
    if (failed) throw new Error(`${caller}(): ${(failed.reason as Error).message}`);
    this.engine.memory.verify();
    const results = new Array<number>(calls.length);
    lists.forEach((list, w) =>
      list.forEach((i, j) => (results[i] = (replies[w] as PromiseFulfilledResult<number[]>).value[j])),
    );
    return results;
  }

  #post(worker: WorkerHandle, calls: KernelCall[]): Promise<number[]> {
    const id = this.#next++;
    worker.hold(true);
    return new Promise<number[]>((resolve, reject) => {
      this.#pending.set(id, { resolve, reject, worker });
      worker.post({ id, calls });
    }).finally(() => worker.hold(false));
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
    const s = checkShape(shape, caller);
    const precision = checkPrecision(
      checkOptions<{ precision: P }>(options, caller, ["precision"]).precision,
      caller,
    ) as P;
    return new ThreadedProblem(this, s, precision);
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
    this.#terminating ??= Promise.all(this.#workers.map((w) => w.terminate())).then(() => {
      for (const job of this.#pending.values()) job.reject(new Error("the pool was terminated while working"));
      this.#pending.clear();
    });
    return this.#terminating;
  }
}

/** A tile of a group: rows [first, first + count) of the table, starting at block `block` of its group. */
interface Tile {
  readonly group: 0 | 1;
  readonly first: number;
  readonly count: number;
  readonly block: number;
}

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
export class ThreadedProblem<P extends Precision = Precision> {
  readonly shape: Shape;
  readonly precision: P;
  readonly #pool: ThreadPool;
  readonly #K: PrecisionKernels;
  readonly #s: CheckedShape;
  readonly #tiles: Tile[];
  /** Regions to free: the problem's, then its outputs once made. */
  readonly #regions: number[] = [];
  /** Where each part of the problem's region is (phi, h, tile nodes, thread scratch, pooled u and v). */
  readonly #at: Record<"phi" | "h" | "nodes" | "scratch" | "u" | "v", number>;
  /** A tile's node slot (metadata, then k float64 sums a node), and a thread's scratch slot. */
  readonly #nodeSlots: Slots;
  readonly #nodeSlot: Record<"meta" | "sums", number>;
  readonly #scratchSlots: Slots;
  #gradient = 0;
  #gateGradient = 0;
  #disposed = false;
  /** The last call queued: the next one starts when it has settled. */
  #tail: Promise<unknown> = Promise.resolve();
  /** Calls queued or running: the memory is freed when they are none. */
  #calls = 0;

  /** @internal Use {@link ThreadPool.createProblem}. */
  constructor(pool: ThreadPool, s: CheckedShape, precision: P) {
    this.#pool = pool;
    const engine = pool.engine;
    const K = (this.#K = engine[precision]);
    this.#s = s;
    this.shape = Object.freeze({ n: s.n, m: s.m, k: s.k });
    this.precision = precision;
    const k = s.k,
      bytes = K.bytesPerElement;
    this.#tiles = [];
    for (const [group, first, rows] of [
      [0, 0, s.n],
      [1, s.n, s.m],
    ] as const) {
      for (let start = 0; start < rows; start += TILE_ROWS) {
        const count = Math.min(TILE_ROWS, rows - start);
        this.#tiles.push({ group, first: first + start, count, block: start / BLOCK_ROWS });
      }
    }
    const nodes = layout({ meta: 8 * engine.maxRangeNodes, sums: 8 * k * engine.maxRangeNodes });
    this.#nodeSlot = nodes.offsets;
    this.#nodeSlots = new Slots(this.#tiles.length, nodes.bytes);
    // a thread's scratch serves a tile's pooling pass, then its gradient rows
    const lastBlock = Math.ceil(Math.max(s.n, s.m) / BLOCK_ROWS);
    this.#scratchSlots = new Slots(
      pool.threads,
      Math.max(K.rangeScratchBytes(TILE_ROWS, lastBlock, k), K.rowScratchBytes(k)),
    );
    const parts = {
      phi: s.elements * bytes,
      h: s.rows * bytes,
      nodes: this.#nodeSlots,
      scratch: this.#scratchSlots,
      u: k * bytes,
      v: k * bytes,
    };
    const { base, at } = allocParts(
      engine.memory,
      parts,
      "ThreadPool.createProblem",
      `a threaded ${shapeText(s)} ${precision} problem`,
    );
    this.#regions.push(base);
    this.#at = at;
    this.#view(at.phi, s.elements).fill(0);
    this.#view(at.h, s.rows).fill(0);
  }

  /** A lazily made output region of `bytes`, freed with the problem. */
  #output(bytes: number, caller: string, what: string): number {
    const ptr = allocRegion(
      this.#pool.engine.memory,
      bytes,
      caller,
      `${what} of a threaded ${shapeText(this.#s)} problem`,
    );
    this.#regions.push(ptr);
    return ptr;
  }

  #free(): void {
    for (const ptr of this.#regions.splice(0)) this.#pool.engine.memory.free(ptr);
  }

  #live(caller: string): void {
    if (this.#disposed) throw new Error(`ThreadedProblem.${caller}: this problem was disposed`);
  }

  /**
   * Runs `work` after every call made before it has settled. The problem's memory stays
   * allocated while any call is queued or running, even if it is disposed meanwhile: such a
   * call rejects at its next step, and the memory is freed when the last one settles.
   */
  #exclusive<R>(method: string, work: (caller: string) => Promise<R>): Promise<R> {
    const caller = `ThreadedProblem.${method}`;
    try {
      this.#live(`${method}()`);
    } catch (error) {
      return Promise.reject(error);
    }
    this.#calls++;
    const run = this.#tail.then(() => {
      this.#step(caller);
      return work(caller);
    });
    this.#tail = run.catch(() => {});
    return run.finally(() => {
      if (--this.#calls === 0 && this.#disposed) this.#free();
    });
  }

  /** Between the steps of a call: Error if the problem was disposed or its pool stopped. */
  #step(caller: string): void {
    if (this.#disposed) throw new Error(`${caller}(): the problem was disposed while the call was queued or running`);
    this.#pool.live(caller);
  }

  #view(ptr: number, length: number): FloatArrayOf<P> {
    return this.#pool.engine.memory.lease(this.#K.ArrayType, ptr, length) as FloatArrayOf<P>;
  }

  /**
   * phi, (n + m) x k, a live view of the shared memory (read it again after memory grew).
   *
   * @example
   * ```ts
   * p.phi.set(embeddings);
   * ```
   */
  get phi(): FloatArrayOf<P> {
    this.#live("phi");
    return this.#view(this.#at.phi, this.#s.elements);
  }

  /**
   * The gates, one per row, a live view of the shared memory.
   *
   * @example
   * ```ts
   * p.h.fill(1);
   * ```
   */
  get h(): FloatArrayOf<P> {
    this.#live("h");
    return this.#view(this.#at.h, this.#s.rows);
  }

  /** True once {@link dispose} was called. */
  get disposed(): boolean {
    return this.#disposed;
  }

  /** What the planner plans this problem's calls by (docs/design.md §6). */
  #layout(elements: number, k: number): Layout {
    return layoutOf(this.#pool.engine, this.#K, elements, k);
  }

  /** The pointer of a tile's first row in an array of `perRow` elements a row at `array`. */
  #rowsOf(array: number, t: Tile, perRow: number): number {
    return array + t.first * perRow * this.#K.bytesPerElement;
  }

  /** The scratch slot of the thread that runs tile i (run() gives tile i to thread i % threads). */
  #scratchOf(i: number): number {
    return this.#scratchSlots.at(this.#at.scratch, i % this.#pool.threads);
  }

  /**
   * Pooled sums on the threads: each tile's nodes, combined here in tile order (the bits of a
   * single call, docs/design.md §4); u and v go to the problem's region for the gradient phase.
   */
  async #pooled(caller: string): Promise<{ u: FloatArrayOf<P>; v: FloatArrayOf<P>; value: number }> {
    const { n, m, k, elements } = this.#s;
    const K = this.#K,
      engine = this.#pool.engine;
    const plan = settledBits("value", this.#layout(elements, k));
    const slot = (i: number) => partsAt(this.#nodeSlots.at(this.#at.nodes, i), this.#nodeSlot);
    const counts = await this.#pool.run(
      caller,
      this.#tiles.map((t, i) => {
        const { meta, sums } = slot(i);
        const phi = this.#rowsOf(this.#at.phi, t, k),
          h = this.#rowsOf(this.#at.h, t, 1);
        return kernelCall(K, "poolRange", t.count, k, phi, h, t.block, meta, sums, this.#scratchOf(i), plan);
      }),
    );
    this.#step(caller);
    const groups: [PooledNodes[], PooledNodes[]] = [[], []];
    this.#tiles.forEach((t, i) => groups[t.group].push(readNodes(engine, slot(i).meta, slot(i).sums, counts[i], k)));
    const pooled = combineNodes(
      engine,
      K,
      k,
      groups,
      [n, m],
      caller,
      `combining a threaded ${shapeText(this.#s)} problem`,
    );
    this.#view(this.#at.u, k).set(pooled.u);
    this.#view(this.#at.v, k).set(pooled.v);
    return pooled as { u: FloatArrayOf<P>; v: FloatArrayOf<P>; value: number };
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
    return this.#exclusive("value", async (caller) => (await this.#pooled(caller)).value);
  }

  /**
   * The pooled sums u and v, as new arrays.
   *
   * @example
   * ```ts
   * const { u, v } = await p.pooled();
   * ```
   */
  pooled(): Promise<{ u: FloatArrayOf<P>; v: FloatArrayOf<P> }> {
    return this.#exclusive("pooled", async (caller) => {
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
  valueAndGradient(options?: {
    scale?: number;
    accumulate?: boolean;
  }): Promise<{ value: number; gradient: FloatArrayOf<P> }> {
    return this.#valueAndGradient("valueAndGradient", options);
  }

  #valueAndGradient(method: string, options: { scale?: number; accumulate?: boolean } | undefined) {
    let checked: { scale: number; accumulate: boolean };
    try {
      const caller = `ThreadedProblem.${method}`;
      checked = checkGradientOptions(checkOptions(options, caller, ["scale", "accumulate"]), caller);
    } catch (error) {
      return Promise.reject(error);
    }
    return this.#exclusive(method, async (caller) => {
      const { scale, accumulate } = checked;
      const { k, elements } = this.#s;
      if (!this.#gradient) {
        this.#gradient = this.#output(elements * this.#K.bytesPerElement, caller, "the gradient");
        this.#view(this.#gradient, elements).fill(0);
      }
      const { value } = await this.#pooled(caller);
      // the gradient rows take the writes the planner chose for valueAndGradient (fill-first or not)
      const plan = settledBits("valueAndGradient", this.#layout(elements, k));
      await this.#pool.run(
        caller,
        this.#tiles.map((t, i) => {
          // rows of A get v, rows of B get u
          const h = this.#rowsOf(this.#at.h, t, 1),
            out = this.#rowsOf(this.#gradient, t, k);
          const w = t.group === 0 ? this.#at.v : this.#at.u;
          return kernelCall(
            this.#K,
            "gradientRows",
            t.count,
            k,
            h,
            w,
            scale,
            out,
            accumulate,
            this.#scratchOf(i),
            plan,
          );
        }),
      );
      this.#step(caller);
      return { value, gradient: this.#view(this.#gradient, elements) };
    });
  }

  /**
   * dF/dphi, as {@link valueAndGradient}.
   *
   * @example
   * ```ts
   * const g = await p.gradient({ scale: 0.5 });
   * ```
   */
  async gradient(options?: { scale?: number; accumulate?: boolean }): Promise<FloatArrayOf<P>> {
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
    return this.#exclusive("gateGradient", async (caller) => {
      const { k, rows } = this.#s;
      if (!this.#gateGradient)
        this.#gateGradient = this.#output(rows * this.#K.bytesPerElement, caller, "the gate gradient");
      await this.#pooled(caller);
      await this.#pool.run(
        caller,
        this.#tiles.map((t) => {
          // rows of A dot v, rows of B dot u
          const phi = this.#rowsOf(this.#at.phi, t, k),
            out = this.#rowsOf(this.#gateGradient, t, 1);
          return kernelCall(this.#K, "rowDots", t.count, k, phi, t.group === 0 ? this.#at.v : this.#at.u, out);
        }),
      );
      this.#step(caller);
      return this.#view(this.#gateGradient, rows);
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
    if (this.#disposed) return;
    this.#disposed = true;
    if (this.#calls === 0) this.#free();
  }
}

/** Waits for a worker's ready reply, at most `timeout` ms; rejects if it fails to load or start. */
function started(worker: WorkerHandle, url: string | URL, timeout: number, caller: string): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const timer = setTimeout(
      () =>
        reject(
          new Error(
            `${caller}(): the worker at ${String(url)} did not report ready within ${timeout} ms; options.workerUrl must be crossgrad's worker script (dist/worker.js)`,
          ),
        ),
      timeout,
    );
    const settle = (error?: Error) => {
      clearTimeout(timer);
      if (error) reject(error);
      else resolve();
    };
    const failed = (why: string) =>
      new Error(`${caller}(): the worker at options.workerUrl = ${String(url)} failed to start: ${why}`);
    worker.onReply((reply) => (reply.ready ? settle() : reply.error ? settle(failed(reply.error)) : undefined));
    worker.onError((message) => settle(failed(message)));
  });
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
  const o = checkOptions<ThreadPoolOptions>(options, caller, ["threads", "workerUrl", "startTimeout"]);
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
  const timeout = Math.min(asked, MAX_TIMER_MS);
  if (threads > 1 && !shareable) {
    throw new Error(
      `${caller}(): ${threads} threads need a shared wasm memory (SharedArrayBuffer and wasm SIMD), which this context lacks` +
        `; a page must be cross-origin isolated (Cross-Origin-Opener-Policy: same-origin, Cross-Origin-Embedder-Policy: require-corp)`,
    );
  }
  if (threads === 1 && !shareable) {
    // one thread, on this one: the plain module on a memory of its own
    const module = await WebAssembly.compile(
      hostHasSimd() ? simdBytes() : Uint8Array.from(atob(scalarWasm), (c) => c.charCodeAt(0)),
    );
    const exports = await instantiate(module);
    return new ThreadPool(engineOf(exports), exports as unknown as ByName, []);
  }
  const module = await WebAssembly.compile(withSharedMemory(simdBytes()));
  let memory: WebAssembly.Memory;
  try {
    memory = new WebAssembly.Memory({ initial: 1, maximum: 65536, shared: true });
  } catch (error) {
    // a shared memory reserves its whole maximum (4 GiB) at once, and engines cap how many
    // live: JavaScriptCore about 15, V8 about 120 (docs/design.md §11)
    throw new RangeError(
      `${caller}(): this engine refused another shared wasm memory of 4 GiB (${(error as Error).message})` +
        `; too many thread pools are alive: terminate() the ones you are done with and drop every reference to them`,
      { cause: error },
    );
  }
  const exports = await instantiate(module, memory);
  const workers: WorkerHandle[] = [];
  try {
    for (let i = 0; i < threads; i++) workers.push(await spawn(url));
    await Promise.all(
      workers.map((worker) => {
        // held while it starts: an awaited start must keep Node running
        worker.hold(true);
        const ready = started(worker, url, timeout, caller);
        worker.post({ init: { module, memory } });
        return ready.finally(() => worker.hold(false));
      }),
    );
  } catch (error) {
    await Promise.all(workers.map((worker) => worker.terminate()));
    const message = String((error as Error)?.message ?? error);
    if (message.startsWith(caller)) throw error;
    // new URL() or new Worker() refused the URL
    throw new (error instanceof TypeError ? TypeError : Error)(
      `${caller}(): options.workerUrl could not start a worker: ${message}`,
    );
  }
  return new ThreadPool(engineOf(exports), exports as unknown as ByName, workers);
}
