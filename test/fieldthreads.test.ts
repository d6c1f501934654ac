// The factorization-machine family on a thread pool (docs/design.md §4, §16): tiles of every field
// pooled and run on workers give the bits of one call for 1, 2 and 3 threads; checks and lifetime
// as a ThreadedProblem's. Runs in Node (worker_threads) and in Chromium (Web Workers).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createThreadPool, TILE_ROWS, type ThreadPool } from "../src/index.js";
import { createFieldProblem, createThreadedFieldProblem } from "../src/fields.js";
import { init } from "../src/wasm/init.js";
import { firstBitDifference } from "./helpers.js";
import { blockCases, expected, inputs, type Case } from "./fieldpaths-helpers.js";

// the built worker script (npm test and npm run test:browser build first)
const workerUrl = new URL("../dist/worker.js", import.meta.url);

beforeAll(() => init());

const pools = new Map<number, ThreadPool>();
afterAll(async () => {
  for (const pool of pools.values()) await pool.terminate();
});
async function poolOf(threads: number): Promise<ThreadPool> {
  if (!pools.has(threads)) pools.set(threads, await createThreadPool({ threads, workerUrl }));
  return pools.get(threads)!;
}

// fields of several tiles (the last ones partial), an empty one, one smaller than a block
const tiled = (k: number, gates: "binary" | "real"): Case => ({
  name: `fields 2 tiles + 700, 0, 100, a tile + 300, k=${k}, ${gates} gates`,
  shape: {
    fields: [2 * TILE_ROWS + 700, 0, 100, TILE_ROWS + 300],
    k,
    pairs: [
      [0, 0],
      [0, 1],
      [0, 3],
      [1, 2],
      [2, 2],
      [2, 3],
      [3, 3],
    ],
  },
  gates,
});
const small = blockCases().filter((_, i) => i % 7 === 0);
const cases = [tiled(9, "binary"), tiled(33, "real"), tiled(0, "real"), ...small];

describe.each(["f32", "f64"] as const)("%s threaded field problems", (precision) => {
  it.each(cases.map((c, i) => [c.name, c, i] as const))(
    "give the bits of one call with 1, 2 and 3 threads: %s",
    async (_, c, seed) => {
      const x = inputs(c, precision, 300 + seed);
      const want = expected(c, x, 0.5);
      for (const threads of [1, 2, 3]) {
        const pool = await poolOf(threads);
        const p = createThreadedFieldProblem(pool, c.shape, { precision });
        p.phi.set(x.phi);
        p.h.set(x.h);
        p.w.set(x.w);
        p.rho.set(x.rho);
        p.w0 = x.w0;
        expect(await p.value()).toBe(want.value);
        const r = await p.gradients({ scale: 0.5 });
        expect(r.value).toBe(want.value);
        expect(firstBitDifference(r.gradient, want.gradient)).toBe(-1);
        expect(firstBitDifference(r.gateGradient!, want.gateGradient)).toBe(-1);
        expect(firstBitDifference(r.pairGradient, want.pairGradient)).toBe(-1);
        // accumulating adds to the region, as the zero-copy problem's does
        const single = createFieldProblem(c.shape, { precision });
        [single.phi, single.h, single.w].forEach((a, i) => a.set([x.phi, x.h, x.w][i]));
        single.rho.set(x.rho);
        single.w0 = x.w0;
        single.gradients({ scale: 0.5 });
        const once = single.gradients({ scale: -2, accumulate: true, gateGradient: false }).gradient.slice();
        single.dispose();
        const again = await p.gradients({ scale: -2, accumulate: true, gateGradient: false });
        expect(again.gateGradient).toBeUndefined();
        expect(firstBitDifference(again.gradient, once)).toBe(-1);
        p.dispose();
      }
    },
  );
});

describe("a threaded field problem's checks and lifetime", () => {
  it("checks its shape and options, naming the argument; a refused call changes nothing", async () => {
    const pool = await poolOf(2);
    expect(() => createThreadedFieldProblem(pool, { fields: [3], k: -1, pairs: [] })).toThrow(
      /createThreadedFieldProblem\(\): shape\.k must be an integer/,
    );
    const p = createThreadedFieldProblem(pool, { fields: [3], k: 2, pairs: [[0, 0]] }, { precision: "f64" });
    p.phi.set([1, 0, 0, 1, 1, 1]);
    p.h.fill(1);
    const r = await p.gradients();
    expect([r.value, [...r.gradient], [...r.gateGradient!], [...r.pairGradient]]).toEqual([
      2,
      [1, 2, 2, 1, 1, 1],
      [1, 1, 2],
      [2],
    ]);
    await expect(p.gradients({ accumulate: 1 as unknown as boolean })).rejects.toThrow(
      /ThreadedFieldProblem\.gradients\(\): options\.accumulate must be a boolean/,
    );
    expect([...(await p.gradients({ accumulate: true })).gradient]).toEqual([2, 4, 4, 2, 2, 2]);
    p.dispose();
    await expect(p.value()).rejects.toThrow("ThreadedFieldProblem.value(): this ThreadedFieldProblem was disposed");
    expect(() => p.rho).toThrow("ThreadedFieldProblem.rho: this ThreadedFieldProblem was disposed");
  });

  it("rejects a call queued when the problem is disposed, and frees its memory once the call has ended", async () => {
    const pool = await poolOf(2);
    const p = createThreadedFieldProblem(pool, { fields: [TILE_ROWS, 500], k: 4, pairs: [[0, 1]] });
    p.h.fill(1);
    const first = p.value();
    const queued = p.gradients();
    p.dispose();
    await expect(first).rejects.toThrow(/disposed while the call was queued or running/);
    await expect(queued).rejects.toThrow(/disposed while the call was queued or running/);
  });
});
