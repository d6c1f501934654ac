// A worker's doorbell (docs/design.md §6, §7): a small shared block through which the host hands a
// worker its kernel calls and the worker says it is done, with Atomics instead of messages: a
// pass on one worker cost 90 us through messages, 40 us through a ring (AMD EPYC; a tiny
// problem's calls back to back), a few percent of a 65,536 x 64 pass. The worker (src/worker.ts)
// blocks in Atomics.wait between calls; the host waits with Atomics.waitAsync, or where the host
// has none, for a message the worker then sends as well. The block's layout is sent to the worker
// at init, so that it is defined here only.

import type { WasmModuleLike } from "../wasm/wasm-types.js";
import { spawn, started, type WorkerHandle } from "./workers.js";

/** A kernel call as a worker runs it: the export's index in the module's exports, and its arguments. */
export type Call = readonly [index: number, args: readonly (number | boolean)[]];

/** The block's Int32 slots (the host rings SEQ; the worker answers DONE with the same number). */
const SLOT = { seq: 0, done: 1, failed: 2, calls: 3, messages: 4, errorLength: 5 } as const;
/** Where the worker writes an error's text (UTF-16 code units), and how many it may write. */
const ERROR_AT = 64;
const ERROR_UNITS = 1024;
/** Where the calls are: per call, its export's index, its argument count, its result, its arguments (float64). */
const CALLS_AT = ERROR_AT + 2 * ERROR_UNITS;
/** The block's bytes: calls beyond what fits take several rings, one after another. */
const BLOCK_BYTES = 64 * 1024;

/** What a worker is sent at init to serve a doorbell (src/worker.ts reads it). */
export interface DoorbellInit {
  readonly buffer: SharedArrayBuffer;
  readonly slot: typeof SLOT;
  readonly errorAt: number;
  readonly errorUnits: number;
  readonly callsAt: number;
  /** The module's exported functions in the order calls name them. */
  readonly names: readonly string[];
}

/** The names of a module's exported functions, in the order calls index them. */
export function exportNames(module: WasmModuleLike): string[] {
  return WebAssembly.Module.exports(module as WebAssembly.Module)
    .filter((e) => e.kind === "function")
    .map((e) => e.name);
}

/** Whether this host can wait for a worker without a message. */
function hostWaitsAsync(): boolean {
  return typeof (Atomics as { waitAsync?: unknown }).waitAsync === "function";
}

/** One worker and the block it is rung through; its runs go one after another. */
export class Doorbell {
  readonly worker: WorkerHandle;
  readonly #ints: Int32Array;
  readonly #floats: Float64Array;
  readonly #errors: Uint16Array;
  /** Where the host has no Atomics.waitAsync, the worker also posts { done } and the host waits for it. */
  readonly #messages: boolean;
  #rung = 0;
  #tail: Promise<unknown> = Promise.resolve();
  /** The run in progress: settled by its answer or by the worker's failure. */
  #waiting: { seq: number; resolve: () => void; reject: (e: Error) => void } | undefined;
  #failure: Error | undefined;

  constructor(worker: WorkerHandle) {
    this.worker = worker;
    const buffer = new SharedArrayBuffer(BLOCK_BYTES);
    this.#ints = new Int32Array(buffer);
    this.#floats = new Float64Array(buffer, CALLS_AT);
    this.#errors = new Uint16Array(buffer, ERROR_AT, ERROR_UNITS);
    this.#messages = !hostWaitsAsync();
    this.#ints[SLOT.messages] = this.#messages ? 1 : 0;
    worker.onReply((reply) => {
      if (reply.done !== undefined && reply.done === this.#waiting?.seq) this.#answered();
    });
    worker.onError((message) => this.fail(new Error(`a crossgrad worker failed: ${message}`)));
  }

  /** What the worker needs to serve this doorbell. */
  init(names: readonly string[]): DoorbellInit {
    const buffer = this.#ints.buffer as SharedArrayBuffer;
    return { buffer, slot: SLOT, errorAt: ERROR_AT, errorUnits: ERROR_UNITS, callsAt: CALLS_AT, names };
  }

  /**
   * Runs `calls` on the worker, after every run asked for before; their results in order.
   * Rejects with the worker's error if a call threw, or if the worker failed or was stopped.
   */
  run(calls: readonly Call[]): Promise<number[]> {
    const run = this.#tail.then(() => this.#runNow(calls));
    this.#tail = run.catch(() => {});
    return run;
  }

  /** Makes the run in progress, and every later one, reject with `error`. */
  fail(error: Error): void {
    this.#failure ??= error;
    this.#waiting?.reject(this.#failure);
    this.#waiting = undefined;
    // a host wait on the answer ends (it finds nothing waiting any more)
    Atomics.notify(this.#ints, SLOT.done);
  }

  /**
   * Asks the worker to leave its loop and stops it; settles once it has stopped, and only then
   * rejects a run still waiting (so that no kernel writes after it settles).
   */
  async stop(): Promise<void> {
    this.#ints[SLOT.calls] = -1;
    Atomics.store(this.#ints, SLOT.seq, ++this.#rung);
    Atomics.notify(this.#ints, SLOT.seq);
    await this.worker.terminate();
    this.fail(new Error("the pool was terminated while working"));
  }

  async #runNow(calls: readonly Call[]): Promise<number[]> {
    const results: number[] = [];
    this.worker.hold(true);
    try {
      for (let first = 0; first < calls.length;) {
        const last = this.#write(calls, first);
        await this.#ring(last - first);
        this.#read(last - first, results);
        first = last;
      }
    } finally {
      this.worker.hold(false);
    }
    return results;
  }

  /** Writes calls from `first` on into the block, as many as fit (at least one); the index after the last. */
  #write(calls: readonly Call[], first: number): number {
    const floats = this.#floats;
    let at = 0,
      c = first;
    for (; c < calls.length; c++) {
      const [index, args] = calls[c];
      if (at + 3 + args.length > floats.length) {
        if (c === first) throw new Error(`a kernel call of ${args.length} arguments does not fit a doorbell`);
        break;
      }
      floats[at] = index;
      floats[at + 1] = args.length;
      floats[at + 2] = 0;
      for (let a = 0; a < args.length; a++) floats[at + 3 + a] = Number(args[a]);
      at += 3 + args.length;
    }
    return c;
  }

  #read(count: number, results: number[]): void {
    for (let c = 0, at = 0; c < count; c++) {
      results.push(this.#floats[at + 2]);
      at += 3 + this.#floats[at + 1];
    }
  }

  /** Rings for `count` calls and waits for the answer; rejects with the worker's error. */
  async #ring(count: number): Promise<void> {
    if (this.#failure) throw this.#failure;
    const ints = this.#ints;
    const seq = ++this.#rung;
    ints[SLOT.calls] = count;
    const answered = new Promise<void>((resolve, reject) => (this.#waiting = { seq, resolve, reject }));
    Atomics.store(ints, SLOT.seq, seq);
    Atomics.notify(ints, SLOT.seq);
    if (!this.#messages) void this.#watch(seq);
    await answered;
    // an acquire of the worker's answer (a message alone orders nothing in shared memory)
    Atomics.load(ints, SLOT.done);
    if (ints[SLOT.failed]) {
      const text = String.fromCharCode(...this.#errors.subarray(0, ints[SLOT.errorLength]));
      throw new Error(`a crossgrad worker failed: ${text}`);
    }
  }

  /** Waits for the worker's answer to `seq` without a message. */
  async #watch(seq: number): Promise<void> {
    const { waitAsync } = Atomics as unknown as { waitAsync: WaitAsync };
    for (;;) {
      if (this.#waiting?.seq !== seq) return; // failed or stopped meanwhile
      const done = Atomics.load(this.#ints, SLOT.done);
      if (done === seq) return this.#answered();
      const wait = waitAsync(this.#ints, SLOT.done, done);
      if (wait.async) await wait.value;
    }
  }

  #answered(): void {
    const waiting = this.#waiting;
    this.#waiting = undefined;
    waiting?.resolve();
  }
}

type WaitAsync = (
  array: Int32Array,
  index: number,
  value: number,
) => { async: false; value: string } | { async: true; value: Promise<string> };

/** Starts `threads` workers on the shared module and memory, each with its doorbell; rejects (every worker stopped) if one does not start. */
export async function startDoorbells(
  url: string | URL,
  threads: number,
  timeout: number,
  init: { module: WasmModuleLike; memory: unknown },
  caller: string,
): Promise<Doorbell[]> {
  const workers: WorkerHandle[] = [];
  try {
    for (let i = 0; i < threads; i++) workers.push(await spawn(url));
    const names = exportNames(init.module);
    return await Promise.all(
      workers.map(async (worker) => {
        // held while it starts: an awaited start must keep Node running
        worker.hold(true);
        // listening first: a worker's error that came before is handed to the first listener
        const ready = started(worker, url, timeout, caller);
        const doorbell = new Doorbell(worker);
        worker.post({ init: { ...init, doorbell: doorbell.init(names) } });
        await ready.finally(() => worker.hold(false));
        return doorbell;
      }),
    );
  } catch (error) {
    await Promise.all(workers.map((worker) => worker.terminate()));
    const message = String((error as Error)?.message ?? error);
    if (message.startsWith(caller)) throw error;
    // new URL() or new Worker() refused the URL
    throw new (error instanceof TypeError ? TypeError : Error)(
      `${caller}(): options.workerUrl could not start a worker: ${message}`,
      { cause: error },
    );
  }
}
