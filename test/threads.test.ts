// Threads: workers on one shared memory give the bits of a single call, whatever their number;
// without SharedArrayBuffer the pool computes on the calling thread and says so. Runs in Node
// (worker_threads) and in Chromium (Web Workers, the test server being cross-origin isolated).
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import {
  createProblem,
  createThreadPool,
  exportWisdom,
  importWisdom,
  TILE_ROWS,
  type ThreadPool,
} from "../src/index.js";
import { init, requireEngine } from "../src/wasm/init.js";
import { layoutOf, resetPlan, sizeClass } from "../src/wasm/planner.js";
import { WORKER_PROTOCOL } from "../src/threads/workers.js";
import { firstBitDifference, randomProblem } from "./helpers.js";

// the built worker script (npm test and npm run test:browser build first)
const workerUrl = new URL("../dist/worker.js", import.meta.url);

beforeAll(() => init());

describe.each(["f32", "f64"] as const)("%s thread pools", (precision) => {
  const pools: ThreadPool[] = [];
  afterAll(async () => {
    for (const pool of pools) await pool.terminate();
  });

  it("give the bits of a single call with 1, 2 and 3 threads", async () => {
    // 3 tiles of A and 2 of B, the last ones partial
    const shape = { n: 2 * TILE_ROWS + 700, m: TILE_ROWS + 300, k: 9 };
    const { phi, h } = randomProblem(shape, precision, "real", 61);
    const single = createProblem(shape, { precision });
    single.phi.set(phi);
    single.h.set(h);
    const expected = {
      value: single.value(),
      gradient: single.valueAndGradient({ scale: 0.5 }).gradient.slice(),
      gateGradient: single.gateGradient().slice(),
      pooled: single.pooled(),
    };
    single.dispose();
    for (const threads of [1, 2, 3]) {
      const pool = await createThreadPool({ threads, workerUrl });
      pools.push(pool);
      expect([pool.threads, pool.shared]).toEqual([threads, true]);
      const p = pool.createProblem(shape, { precision });
      p.phi.set(phi);
      p.h.set(h);
      expect(await p.value()).toBe(expected.value);
      const { value, gradient } = await p.valueAndGradient({ scale: 0.5 });
      expect(value).toBe(expected.value);
      expect(firstBitDifference(gradient, expected.gradient)).toBe(-1);
      expect(firstBitDifference(await p.gateGradient(), expected.gateGradient)).toBe(-1);
      const { u, v } = await p.pooled();
      expect(firstBitDifference(u, expected.pooled.u)).toBe(-1);
      expect(firstBitDifference(v, expected.pooled.v)).toBe(-1);
      p.dispose();
      expect(() => p.phi).toThrow("ThreadedProblem.phi: this ThreadedProblem was disposed");
    }
  });
});

describe.each(["f32", "f64"] as const)("%s thread pools' fused valueAndGradient", (precision) => {
  afterEach(() => resetPlan());

  it.each([
    ["A", { n: 2 * TILE_ROWS + 700, m: TILE_ROWS + 300, k: 9 }],
    ["B", { n: 300, m: 2 * TILE_ROWS + 5, k: 16 }],
    ["B, A empty", { n: 0, m: TILE_ROWS + 5, k: 3 }],
    ["A, B empty", { n: TILE_ROWS + 5, m: 0, k: 3 }],
  ])(
    "fuses the larger group (%s) where the planner chose a fused pass, with the bits of a single call",
    async (_, shape) => {
      // the class's choice, as if measured: a fused pass (not where the gradient accumulates)
      const engine = requireEngine("test");
      const l = layoutOf(engine, engine[precision], (shape.n + shape.m) * shape.k, shape.k);
      const key = sizeClass(precision, l.phiBytes, l.rowBytes);
      importWisdom({ ...exportWisdom(), plans: { [key]: { valueAndGradient: "streaming+fused" } } });
      const { phi, h } = randomProblem(shape, precision, "real", 63);
      const single = createProblem(shape, { precision });
      single.phi.set(phi);
      single.h.set(h);
      const start = Float64Array.from({ length: phi.length }, (_, i) => Math.cos(i));
      const region = single.valueAndGradient({ scale: -0.25 }).gradient;
      const fused = region.slice();
      region.set(start);
      const expected = { fused, accumulated: single.gradient({ scale: 2, accumulate: true }).slice() };
      for (const threads of [1, 2, 3]) {
        const pool = await createThreadPool({ threads, workerUrl });
        const p = pool.createProblem(shape, { precision });
        p.phi.set(phi);
        p.h.set(h);
        const { value, gradient } = await p.valueAndGradient({ scale: -0.25 });
        expect(value).toBe(single.value());
        expect(firstBitDifference(gradient, expected.fused)).toBe(-1);
        gradient.set(start);
        expect(firstBitDifference(await p.gradient({ scale: 2, accumulate: true }), expected.accumulated)).toBe(-1);
        await pool.terminate();
      }
      single.dispose();
    },
  );
});

describe("a thread pool's doorbells", () => {
  it("run the calls that do not fit one ring in several, results in order", async () => {
    const pool = await createThreadPool({ threads: 2, workerUrl });
    const K = pool.engine.f64;
    const memory = pool.engine.memory;
    const count = 5000;
    const at = memory.alloc(16 * count);
    const values = memory.view(Float64Array, at, 2 * count);
    for (let i = 0; i < count; i++) [values[2 * i], values[2 * i + 1]] = [i, 1];
    // dot64 of one element: u64[0] * v64[0] = i
    const jobs = Array.from({ length: count }, (_, i) => ({
      kernel: "dot64" as const,
      args: { k: 1, u64: at + 16 * i, v64: at + 16 * i + 8 },
    }));
    const results = await pool.run("test", K, jobs);
    expect(results).toEqual(Array.from({ length: count }, (_, i) => i));
    memory.free(at);
    await pool.terminate();
  });

  it("reject a call whose kernel traps with the worker's error, and serve the next", async () => {
    const pool = await createThreadPool({ threads: 1, workerUrl });
    const K = pool.engine.f64;
    const beyond = { kernel: "dot64" as const, args: { k: 1, u64: 2 ** 32 - 8, v64: 2 ** 32 - 8 } };
    await expect(pool.run("test", K, [beyond])).rejects.toThrow(
      // V8: memory access out of bounds; SpiderMonkey: index out of bounds; JavaScriptCore: Out of bounds memory access
      /^test\(\): a crossgrad worker failed: RuntimeError: .*out of bounds/i,
    );
    const at = pool.engine.memory.alloc(16);
    pool.engine.memory.view(Float64Array, at, 2).set([3, 4]);
    expect(await pool.run("test", K, [{ kernel: "dot64", args: { k: 1, u64: at, v64: at + 8 } }])).toEqual([12]);
    await pool.terminate();
  });

  it("reject the call in flight and every later one when a worker fails", async () => {
    // a Web Worker that starts and then never answers its doorbell, until it fails
    const Real = globalThis.Worker;
    const workers: EventTarget[] = [];
    class SilentWorker extends EventTarget {
      constructor() {
        super();
        workers.push(this);
      }
      postMessage(message: { init?: unknown }) {
        if (message.init)
          queueMicrotask(() =>
            this.dispatchEvent(new MessageEvent("message", { data: { ready: true, protocol: WORKER_PROTOCOL } })),
          );
      }
      terminate() {}
    }
    globalThis.Worker = SilentWorker as unknown as typeof Worker;
    try {
      // one worker: a call settles once every worker it went to has answered or failed
      const pool = await createThreadPool({ threads: 1, workerUrl });
      const p = pool.createProblem({ n: 3, m: 2, k: 2 });
      const call = p.value();
      await new Promise((resolve) => setTimeout(resolve, 20));
      const event = new Event("error", { cancelable: true }) as Event & { message: string };
      event.message = "out of memory";
      workers[0].dispatchEvent(event);
      await expect(call).rejects.toThrow("ThreadedProblem.value(): a crossgrad worker failed: out of memory");
      await expect(p.value()).rejects.toThrow(
        "ThreadedProblem.value(): a crossgrad worker failed (out of memory); create a new pool",
      );
      await pool.terminate();
    } finally {
      globalThis.Worker = Real;
    }
  });

  it("wait for a message where the host has no Atomics.waitAsync", async () => {
    const atomics = Atomics as { waitAsync?: unknown };
    const real = atomics.waitAsync;
    atomics.waitAsync = undefined;
    try {
      const shape = { n: TILE_ROWS + 9, m: 2 * TILE_ROWS, k: 3 };
      const { phi, h } = randomProblem(shape, "f32", "real", 64);
      const single = createProblem(shape);
      single.phi.set(phi);
      single.h.set(h);
      const pool = await createThreadPool({ threads: 2, workerUrl });
      const p = pool.createProblem(shape);
      p.phi.set(phi);
      p.h.set(h);
      for (let call = 0; call < 3; call++) {
        const { value, gradient } = await p.valueAndGradient();
        expect(value).toBe(single.value());
        expect(firstBitDifference(gradient, single.valueAndGradient().gradient)).toBe(-1);
      }
      await pool.terminate();
      single.dispose();
    } finally {
      atomics.waitAsync = real;
    }
  });
});

describe("a thread pool without SharedArrayBuffer", () => {
  beforeAll(() => void vi.stubGlobal("SharedArrayBuffer", undefined));
  afterAll(() => void vi.unstubAllGlobals());

  it("refuses more than one thread, saying why", async () => {
    await expect(createThreadPool({ threads: 2, workerUrl })).rejects.toThrow(
      /createThreadPool\(\): 2 threads need a shared wasm memory \(SharedArrayBuffer and wasm SIMD\), which this context lacks; a page must be cross-origin isolated/,
    );
  });

  it("computes on the calling thread by default, and says so", async () => {
    const pool = await createThreadPool({ workerUrl });
    expect([pool.threads, pool.shared]).toEqual([1, false]);
    const shape = { n: 300, m: 200, k: 5 };
    const { phi, h } = randomProblem(shape, "f32", "binary", 62);
    const p = pool.createProblem(shape);
    p.phi.set(phi);
    p.h.set(h);
    const q = createProblem(shape);
    q.phi.set(phi);
    q.h.set(h);
    expect(await p.value()).toBe(q.value());
    await pool.terminate();
    await expect(p.value()).rejects.toThrow("ThreadedProblem.value(): this pool was terminated");
  });
});

describe("starting a thread pool", () => {
  it("rejects after startTimeout when the worker script is not crossgrad's, and stops its workers", async () => {
    const silent = new URL("./fixtures/silent-worker.js", import.meta.url);
    const started = Date.now();
    await expect(createThreadPool({ threads: 2, workerUrl: silent, startTimeout: 400 })).rejects.toThrow(
      /createThreadPool\(\): the worker at .*silent-worker\.js did not report ready within 400 ms; options\.workerUrl must be crossgrad's worker script/,
    );
    expect(Date.now() - started).toBeLessThan(10_000);
  });

  it("refuses the worker script of another crossgrad version at once, saying so", async () => {
    const old = new URL("./fixtures/old-protocol-worker.js", import.meta.url);
    const started = Date.now();
    await expect(createThreadPool({ threads: 2, workerUrl: old, startTimeout: 20_000 })).rejects.toThrow(
      /createThreadPool\(\): the worker at options\.workerUrl = .*old-protocol-worker\.js failed to start: it is the worker script of another crossgrad version \(protocol 1, expected 2\); serve this version's dist\/worker\.js/,
    );
    expect(Date.now() - started).toBeLessThan(10_000);
  });

  it("rejects when the worker script is missing or ends, without waiting for the timeout", async () => {
    for (const name of ["missing-worker.js", "exiting-worker.js"]) {
      const url = new URL(`./fixtures/${name}`, import.meta.url);
      const started = Date.now();
      const result = createThreadPool({
        threads: 1,
        workerUrl: url,
        startTimeout: name === "exiting-worker.js" ? 3000 : 60_000,
      });
      // a browser keeps an ended worker idle (no exit event): then the timeout decides
      await expect(result).rejects.toThrow(
        /createThreadPool\(\): the worker at (options\.workerUrl = .* failed to start|.* did not report ready)/,
      );
      expect(Date.now() - started).toBeLessThan(30_000);
    }
  });

  it("rejects with a worker's error even when it comes before the pool listens (Deno may report a failed load that soon)", async () => {
    // a Web Worker that fails at once: its error event is dispatched before createThreadPool's next step
    const Real = globalThis.Worker;
    class FailingWorker extends EventTarget {
      constructor() {
        super();
        queueMicrotask(() => {
          const event = new Event("error", { cancelable: true }) as Event & { message: string };
          event.message = "Module not found";
          this.dispatchEvent(event);
          if (!event.defaultPrevented) throw new Error("the worker's error was not handled");
        });
      }
      postMessage() {}
      terminate() {}
    }
    globalThis.Worker = FailingWorker as unknown as typeof Worker;
    try {
      const result = createThreadPool({ threads: 1, workerUrl, startTimeout: 20_000 });
      await expect(result).rejects.toThrow(
        /createThreadPool\(\): the worker at options\.workerUrl = .* failed to start: Module not found/,
      );
    } finally {
      globalThis.Worker = Real;
    }
  });

  it("says so when the engine refuses another shared memory (too many live pools), and starts the next one", async () => {
    // JavaScriptCore refuses a 16th live shared memory of 4 GiB with "RangeError: Out of memory"
    const Memory = WebAssembly.Memory;
    WebAssembly.Memory = function (descriptor: WebAssembly.MemoryDescriptor) {
      if (descriptor.shared) throw new RangeError("Out of memory");
      return new Memory(descriptor);
    } as unknown as typeof WebAssembly.Memory;
    try {
      await expect(createThreadPool({ threads: 1, workerUrl })).rejects.toThrow(
        new RangeError(
          "createThreadPool(): this engine refused another shared wasm memory of 4 GiB (Out of memory); too many thread pools are alive: terminate() the ones you are done with and drop every reference to them",
        ),
      );
    } finally {
      WebAssembly.Memory = Memory;
    }
    const pool = await createThreadPool({ threads: 1, workerUrl });
    expect([pool.threads, pool.shared]).toEqual([1, true]);
    await pool.terminate();
  });

  it.each([
    [{ threads: 0 }, RangeError, "createThreadPool(): options.threads must be an integer from 1 to 64, got 0"],
    [{ threads: 1000 }, RangeError, "createThreadPool(): options.threads must be an integer from 1 to 64, got 1000"],
    [{ threads: "2" }, RangeError, 'createThreadPool(): options.threads must be an integer from 1 to 64, got "2"'],
    [{ threads: 1.5 }, RangeError, "got 1.5"],
    [{ workerUrl: 5 }, TypeError, "createThreadPool(): options.workerUrl must be a string or a URL, got number"],
    [
      { startTimeout: -1 },
      RangeError,
      "createThreadPool(): options.startTimeout must be a positive number of milliseconds, got -1",
    ],
    [{ startTimeout: NaN }, RangeError, "got NaN"],
    [null, TypeError, "createThreadPool(): options must be an object or undefined, got null"],
    // Node refuses the URL; a browser resolves it against the page and fails to load it
    [
      { workerUrl: "not a url" },
      Error,
      /^createThreadPool\(\): (options\.workerUrl could not start a worker|the worker at options\.workerUrl = not a url failed to start)/,
    ],
  ])("refuses the options %o, naming the one at fault", async (options, type, message) => {
    const result = createThreadPool(options as never);
    await expect(result).rejects.toThrow(type);
    await expect(result).rejects.toThrow(message);
  });
});
