// The workers a thread pool runs on, behind one handle: Web Workers in browsers (and Deno, Bun),
// worker_threads in Node. A handle posts messages, reports replies and failures (kept from the
// worker's creation until someone listens), stops its worker, and in Node holds the process
// alive while the worker has work or is stopping (docs/design.md §7).

/** A message of the worker script (src/worker.ts): ready or not after init, and done (doorbell.ts). */
export interface Reply {
  readonly ready?: boolean;
  /** The worker's protocol, with ready (WORKER_PROTOCOL). */
  readonly protocol?: number;
  readonly error?: string;
  /** The ring a worker answered, where the host waits for a message (no Atomics.waitAsync). */
  readonly done?: number;
}

/** The part of a worker the pool uses: Web Worker and worker_threads alike. */
export interface WorkerHandle {
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

/** Starts a worker running the script at `url`. */
export async function spawn(url: string | URL): Promise<WorkerHandle> {
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

/**
 * The protocol between a pool and its workers (src/worker.ts answers ready with it): a worker
 * script copied from another crossgrad version would start and then never answer a call.
 */
export const WORKER_PROTOCOL = 2;

/** Waits for a worker's ready reply, at most `timeout` ms; rejects if it fails to load or start. */
export function started(worker: WorkerHandle, url: string | URL, timeout: number, caller: string): Promise<void> {
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
    worker.onReply((reply) => {
      if (reply.error) settle(failed(reply.error));
      else if (reply.ready && reply.protocol === WORKER_PROTOCOL) settle();
      else if (reply.ready)
        settle(
          failed(
            `it is the worker script of another crossgrad version (protocol ${shownProtocol(reply.protocol)}, ` +
              `expected ${WORKER_PROTOCOL}); serve this version's dist/worker.js`,
          ),
        );
    });
    worker.onError((message) => settle(failed(message)));
  });
}

const shownProtocol = (protocol: unknown): string => (typeof protocol === "number" ? String(protocol) : "1");
