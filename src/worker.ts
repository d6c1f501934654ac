// A thread pool's worker (threads.ts): runs in a Web Worker or a worker_threads Worker. It
// instantiates the module it is sent on the pool's shared memory, then runs lists of kernel
// calls (an export's name and its counts and pointers) and answers with their results. It
// imports nothing, so the file works as it is wherever it is served from.

interface Exports {
  [kernel: string]: (...args: (number | boolean)[]) => number;
}

type Message =
  // typed as `object`: the declaration must not need the DOM library's WebAssembly namespace
  | { readonly init: { readonly module: object; readonly memory: object } }
  | { readonly id: number; readonly calls: readonly (readonly [string, readonly (number | boolean)[]])[] };

let exports: Exports | undefined;

function handle(message: Message, post: (reply: unknown) => void): void {
  try {
    if ("init" in message) {
      const { module, memory } = message.init as { module: WebAssembly.Module; memory: WebAssembly.Memory };
      const instance = new WebAssembly.Instance(module, { env: { memory } });
      exports = instance.exports as unknown as Exports;
      post({ ready: true });
      return;
    }
    const results = message.calls.map(([kernel, args]) => exports![kernel](...args));
    post({ id: message.id, results });
  } catch (error) {
    post({ id: "id" in message ? message.id : -1, error: String((error as Error)?.stack ?? error) });
  }
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
