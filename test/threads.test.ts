// Threads: workers on one shared memory give the bits of a single call, whatever their number;
// without SharedArrayBuffer the pool computes on the calling thread and says so. Runs in Node
// (worker_threads) and in Chromium (Web Workers, the test server being cross-origin isolated).
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { createProblem, createThreadPool, TILE_ROWS, type ThreadPool } from "../src/index.js";
import { init } from "../src/wasm/init.js";
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
