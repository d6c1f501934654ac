// A thread pool's worker (src/threads/pool.ts): runs in a Web Worker or a worker_threads Worker.
// It instantiates the module it is sent on the pool's shared memory, answers ready, and from then
// on serves its doorbell (src/threads/doorbell.ts, docs/design.md §6): it blocks in Atomics.wait
// until the host rings, runs the kernel calls written in the block (an export's index and its
// counts and pointers), writes their results, and wakes the host. It imports nothing, so the file
// works as it is wherever it is served from.

type Kernel = (...args: number[]) => number | undefined;

/** The doorbell's layout, as the host sends it (DoorbellInit). */
interface Doorbell {
  readonly buffer: SharedArrayBuffer;
  readonly slot: {
    readonly seq: number;
    readonly done: number;
    readonly failed: number;
    readonly calls: number;
    readonly messages: number;
    readonly errorLength: number;
  };
  readonly errorAt: number;
  readonly errorUnits: number;
  readonly callsAt: number;
  readonly names: readonly string[];
}

// typed as `object`: the declaration must not need the DOM library's WebAssembly namespace
type Message = { readonly init: { readonly module: object; readonly memory: object; readonly doorbell: Doorbell } };

/** An error's name and message, then its stack (Firefox's stack names neither). */
function described(error: unknown): string {
  const head = String(error);
  const stack = (error as Error)?.stack;
  return !stack || stack.startsWith(head) ? (stack ?? head) : `${head}\n${stack}`;
}

/** Runs the calls the host rings for, until it asks the worker to stop (a negative count). */
function serve(exports: Record<string, unknown>, doorbell: Doorbell, post: (reply: unknown) => void): void {
  const { slot } = doorbell;
  const ints = new Int32Array(doorbell.buffer);
  const floats = new Float64Array(doorbell.buffer, doorbell.callsAt);
  const errors = new Uint16Array(doorbell.buffer, doorbell.errorAt, doorbell.errorUnits);
  const kernels = doorbell.names.map((name) => exports[name] as Kernel);
  for (let seen = 0; ;) {
    Atomics.wait(ints, slot.seq, seen);
    const seq = Atomics.load(ints, slot.seq);
    if (seq === seen) continue;
    seen = seq;
    const calls = ints[slot.calls];
    if (calls < 0) return;
    let failed = 0;
    try {
      for (let c = 0, at = 0; c < calls; c++) {
        const argc = floats[at + 1];
        const args = Array.from(floats.subarray(at + 3, at + 3 + argc));
        floats[at + 2] = kernels[floats[at]](...args) ?? 0;
        at += 3 + argc;
      }
    } catch (error) {
      const text = described(error).slice(0, errors.length);
      for (let i = 0; i < text.length; i++) errors[i] = text.charCodeAt(i);
      ints[slot.errorLength] = text.length;
      failed = 1;
    }
    ints[slot.failed] = failed;
    Atomics.store(ints, slot.done, seq);
    Atomics.notify(ints, slot.done);
    if (ints[slot.messages]) post({ done: seq });
  }
}

function handle(message: Message, post: (reply: unknown) => void): void {
  let instance: WebAssembly.Instance;
  try {
    const { module, memory } = message.init as { module: WebAssembly.Module; memory: WebAssembly.Memory };
    instance = new WebAssembly.Instance(module, { env: { memory } });
  } catch (error) {
    post({ error: described(error) });
    return;
  }
  // the protocol of src/threads/workers.ts (WORKER_PROTOCOL): this file imports nothing
  post({ ready: true, protocol: 2 });
  serve(instance.exports, message.init.doorbell, post);
}

const scope = globalThis as unknown as { postMessage?: (m: unknown) => void; onmessage?: unknown };
if (typeof scope.postMessage === "function") {
  // a Web Worker
  scope.onmessage = (event: MessageEvent<Message>) => handle(event.data, (reply) => scope.postMessage!(reply));
} else {
  // a worker_threads Worker (the specifier is computed, so that bundlers leave it alone)
  const specifier = "node:worker_threads";
  const { parentPort } = (await import(/* @vite-ignore */ specifier)) as {
    parentPort: { on(event: "message", listener: (message: Message) => void): void; postMessage(reply: unknown): void };
  };
  parentPort.on("message", (message) => handle(message, (reply) => parentPort.postMessage(reply)));
}

export {};
