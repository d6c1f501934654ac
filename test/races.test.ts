// Races: dispose() and terminate() against calls in flight, in every order, and many calls at
// once on one pool. A call in flight finishes or rejects before its memory is freed; memory
// handed out meanwhile is never written by it; every promise settles. The memory guard
// (test/setup.ts) checks the canaries after every call. Runs in Node and in Chromium.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createProblem, createThreadPool, type ThreadedProblem, type ThreadPool } from "../src/index.js";
import { init } from "../src/wasm/init.js";
import { firstBitDifference, randomProblem } from "./helpers.js";

const workerUrl = new URL("../dist/worker.js", import.meta.url);
await init();

// large enough that a call takes a few milliseconds on two threads
const shape = { n: 3 * 16384 + 100, m: 2 * 16384 + 7, k: 16 };
const data = randomProblem(shape, "f32", "binary", 91);
const METHODS = ["value", "valueAndGradient", "gradient", "gateGradient", "pooled"] as const;
type Method = (typeof METHODS)[number];

const joined = (a: Float32Array, b: Float32Array) => Float32Array.of(...a, ...b);

/** What each method returns on a single-thread Problem. */
const expected = (() => {
  const p = createProblem(shape);
  p.phi.set(data.phi);
  p.h.set(data.h);
  const result: Record<Method, Float32Array> = {
    value: Float32Array.of(p.value()),
    valueAndGradient: p.valueAndGradient().gradient.slice(),
    gradient: p.gradient().slice(),
    gateGradient: p.gateGradient().slice(),
    pooled: joined(p.pooled().u, p.pooled().v),
  };
  p.dispose();
  return result;
})();

/** A call's result, copied at once (a returned view is rewritten by the next call). */
async function call(p: ThreadedProblem<"f32">, method: Method): Promise<Float32Array> {
  switch (method) {
    case "value":
      return Float32Array.of(await p.value());
    case "valueAndGradient":
      return (await p.valueAndGradient()).gradient.slice();
    case "gradient":
      return (await p.gradient()).slice();
    case "gateGradient":
      return (await p.gateGradient()).slice();
    case "pooled": {
      const { u, v } = await p.pooled();
      return joined(u, v);
    }
  }
}

/** The outcome of a call, with its rejection handled at once (it may come before anyone awaits). */
function outcome<T>(promise: Promise<T>): Promise<{ result: T } | { error: Error }> {
  return promise.then(
    (result) => ({ result }),
    (error: Error) => ({ error }),
  );
}

function same(actual: Float32Array, method: Method): void {
  expect(firstBitDifference(actual, expected[method])).toBe(-1);
}

function filled(pool: ThreadPool) {
  const p = pool.createProblem(shape);
  p.phi.set(data.phi);
  p.h.set(data.h);
  return p;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe("dispose() against calls in flight", () => {
  let pool: ThreadPool;
  beforeAll(async () => void (pool = await createThreadPool({ threads: 2, workerUrl })));
  afterAll(() => pool.terminate());

  it.each(METHODS)("%s() rejects or finishes, and the memory handed out meanwhile is never written", async (method) => {
    for (const delay of [-1, 0, 1, 3, 8]) {
      const p = filled(pool);
      const pending = outcome(call(p, method));
      if (delay >= 0) await sleep(delay);
      p.dispose();
      // new problems made now must not get memory the call may still write
      const intruders = [filled(pool), filled(pool)];
      const settled = await pending;
      if ("error" in settled)
        expect(settled.error.message).toMatch(
          /^ThreadedProblem\.\w+\(\): the problem was disposed while the call was queued or running/,
        );
      else same(settled.result, method);
      for (const q of intruders) {
        expect(firstBitDifference(q.phi, data.phi)).toBe(-1);
        expect(firstBitDifference(q.h, data.h)).toBe(-1);
        same(await call(q, method), method);
        q.dispose();
      }
    }
  });

  it("rejects calls queued behind a running one, and those made after", async () => {
    const p = filled(pool);
    const calls = METHODS.map((method) => outcome(call(p, method)));
    p.dispose();
    for (const o of await Promise.all(calls)) expect("error" in o).toBe(true);
    await expect(p.value()).rejects.toThrow("ThreadedProblem.value(): this ThreadedProblem was disposed");
    expect(() => p.phi).toThrow("ThreadedProblem.phi: this ThreadedProblem was disposed");
  });

  it("leaves the pool usable, with the results of a single call", async () => {
    const q = filled(pool);
    for (const method of METHODS) same(await call(q, method), method);
    q.dispose();
  });
});

describe("terminate() against calls in flight", () => {
  it.each([-1, 0, 2, 6])("rejects every call once the workers have stopped (after %i ms)", async (delay) => {
    const pool = await createThreadPool({ threads: 2, workerUrl });
    const problems = [filled(pool), filled(pool)];
    const calls = problems.flatMap((p) =>
      METHODS.map((method) => outcome(call(p, method)).then((o) => [method, o] as const)),
    );
    if (delay >= 0) await sleep(delay);
    const stopped = pool.terminate();
    expect(pool.terminate()).toBe(stopped); // the same promise
    await stopped;
    for (const [method, o] of await Promise.all(calls)) {
      if ("error" in o)
        expect(o.error.message).toMatch(
          /^ThreadedProblem\.\w+\(\): (a crossgrad worker failed: )?(the pool was terminated while working|this pool was terminated)/,
        );
      else same(o.result, method);
    }
    await expect(problems[0].value()).rejects.toThrow("ThreadedProblem.value(): this pool was terminated");
    expect(() => pool.createProblem(shape)).toThrow("ThreadPool.createProblem(): this pool was terminated");
    // phi and h stay readable until disposed
    expect(firstBitDifference(problems[0].phi, data.phi)).toBe(-1);
    for (const p of problems) p.dispose();
  });
});

describe("many calls at once on one pool", () => {
  let pool: ThreadPool;
  beforeAll(async () => void (pool = await createThreadPool({ threads: 3, workerUrl })));
  afterAll(() => pool.terminate());

  it("give every call the results of a single call, on one problem and across problems", async () => {
    const problems = [filled(pool), filled(pool), filled(pool)];
    const calls: Promise<[Method, Float32Array]>[] = [];
    for (let round = 0; round < 4; round++) {
      for (const p of problems) {
        for (const method of METHODS) calls.push(call(p, method).then((r) => [method, r]));
      }
    }
    for (const [method, result] of await Promise.all(calls)) same(result, method);
    for (const p of problems) p.dispose();
  });
});
