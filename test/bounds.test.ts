// Work that cannot be placed in wasm32 memory is refused with a RangeError before anything is
// written (every size is computed without wrapping); views of freed memory are refused; an
// `out` that overlaps an input still gives the right answer. The memory guard (test/setup.ts)
// checks the canaries around every region after every kernel call.
import { afterAll, describe, expect, it } from "vitest";
import {
  batchGradient,
  batchPooled,
  combinePooled,
  createModel,
  createProblem,
  createThreadPool,
  gateGradient,
  gateGradientChunk,
  gradient,
  gradientChunk,
  pooled,
  poolChunk,
  value,
  valueAndGradient,
  type Precision,
  type Problem,
} from "../src/index.js";
import { info, init } from "../src/wasm/init.js";
import { firstBitDifference, randomProblem } from "./helpers.js";

await init();

const Types = { f32: Float32Array, f64: Float64Array } as const;

/** A live Problem whose arrays must survive every refused call. */
function witness(precision: Precision) {
  const shape = { n: 300, m: 200, k: 9 };
  const p = createProblem(shape, { precision }) as Problem;
  const { phi, h } = randomProblem(shape, precision, "real", 7);
  p.phi.set(phi);
  p.h.set(h);
  const expected = {
    value: p.value(),
    gradient: p.valueAndGradient().gradient.slice(),
    phi: p.phi.slice(),
    h: p.h.slice(),
  };
  return {
    p,
    intact() {
      expect(firstBitDifference(p.phi, expected.phi)).toBe(-1);
      expect(firstBitDifference(p.h, expected.h)).toBe(-1);
      expect(p.value()).toBe(expected.value);
      expect(firstBitDifference(p.valueAndGradient().gradient, expected.gradient)).toBe(-1);
    },
  };
}

// k such that an empty problem's scratch (u, v, their float64 sums, a block slot, the tree)
// passes 4 GiB: its size wrapped in 32 bits before
const HUGE_K = [2 ** 32 - 1, 2 ** 31, 2 ** 30, 1e8, 2 ** 27];
const BYTES_NEEDED = /needs [\d,]+ bytes \([\d.]+ GiB\) of wasm memory, more than the 4,294,967,296 bytes/;

describe.each(["f32", "f64"] as const)("%s work beyond 4 GiB", (precision) => {
  const Type = Types[precision];
  const w = witness(precision);
  afterAll(() => w.p.dispose());

  const empty = () => new Type(0);
  const calls: Record<string, (k: number) => unknown> = {
    value: (k) => value(empty(), empty(), { n: 0, m: 0, k }),
    "value with sparse gates": (k) => value(empty(), { index: new Uint32Array(0) }, { n: 0, m: 0, k }),
    gradient: (k) => gradient(empty(), empty(), { n: 0, m: 0, k }),
    gateGradient: (k) => gateGradient(empty(), empty(), { n: 0, m: 0, k }),
    valueAndGradient: (k) => valueAndGradient(empty(), empty(), { n: 0, m: 0, k }),
    pooled: (k) => pooled(empty(), empty(), { n: 0, m: 0, k }),
    createProblem: (k) => createProblem({ n: 0, m: 0, k }, { precision }),
    createModel: (k) => createModel({ n: 0, m: 0, k }, { precision }),
    batchPooled: (k) =>
      batchPooled(empty(), { indptr: new Uint32Array([0, 0]), index: new Uint32Array(0) }, { n: 0, m: 0, k }),
    batchGradient: (k) =>
      batchGradient(
        { gates: new Uint8Array(0), count: 0 },
        { n: 0, m: 0, k },
        { values: empty(), u: empty(), v: empty() },
        [],
      ),
  };

  it.each(Object.keys(calls))("%s refuses it with the bytes it needs, before writing anything", (name) => {
    const before = info().memoryBytes;
    for (const k of HUGE_K) {
      expect(() => calls[name](k)).toThrow(RangeError);
      expect(() => calls[name](k)).toThrow(BYTES_NEEDED);
    }
    expect(info().memoryBytes).toBe(before);
    w.intact();
  });

  it("poolChunk, gradientChunk and gateGradientChunk refuse it too", () => {
    const before = info().memoryBytes;
    for (const k of HUGE_K) {
      const shape = { n: 0, m: 0, k };
      expect(() => poolChunk(empty(), empty(), shape, 0)).toThrow(BYTES_NEEDED);
      // the pooled sums of such a table cannot exist (k elements each): a RangeError names them
      expect(() => gradientChunk(empty(), shape, 0, { u: empty(), v: empty() })).toThrow(RangeError);
      expect(() => gateGradientChunk(empty(), shape, 0, { u: empty(), v: empty() })).toThrow(RangeError);
    }
    expect(info().memoryBytes).toBe(before);
    w.intact();
  });

  it("a thread pool refuses it too", async () => {
    const pool = await createThreadPool({ threads: 1, workerUrl: new URL("../dist/worker.js", import.meta.url) });
    for (const k of HUGE_K) expect(() => pool.createProblem({ n: 0, m: 0, k }, { precision })).toThrow(BYTES_NEEDED);
    await pool.terminate();
    w.intact();
  });

  it("counts blocks without wrapping at 2^32 - 1 rows", () => {
    // k = 0: nothing to store, so the shape is placeable; the sparse gates list two rows
    const shape = { n: 2 ** 32 - 2, m: 1, k: 0 };
    const gates = { index: new Uint32Array([5, 2 ** 32 - 2]) };
    expect(value(empty(), gates, shape)).toBe(0);
    expect(gradient(empty(), gates, shape).length).toBe(0);
    expect(Array.from(gateGradient(empty(), gates, shape))).toEqual([0, 0]);
    w.intact();
  });
});

describe.each(["f32", "f64"] as const)("%s views of freed memory", (precision) => {
  const shape = { n: 40, m: 30, k: 5 };
  const { phi, h } = randomProblem(shape, precision, "binary", 3);
  const FREED = /is a view of crossgrad memory that was freed/;

  it("are refused as inputs and as out, and the Problem now in that memory is untouched", () => {
    const p = createProblem(shape, { precision });
    const stale = { phi: p.phi, h: p.h, gradient: p.gradient() };
    p.dispose();
    const q = createProblem(shape, { precision }); // first fit: the same memory
    q.phi.set(phi);
    q.h.set(h);
    const expected = q.valueAndGradient().gradient.slice();
    expect(() => value(stale.phi, h, shape)).toThrow(Error);
    expect(() => value(stale.phi, h, shape)).toThrow(FREED);
    expect(() => value(phi, stale.h, shape)).toThrow("value(): h is a view of crossgrad memory that was freed");
    expect(() => gradient(phi, h, shape, { out: stale.gradient })).toThrow("gradient(): options.out is a view");
    expect(() => gradient(phi, h, shape, { out: stale.phi })).toThrow(FREED);
    expect(() => batchPooled(stale.phi, { gates: new Uint8Array(shape.n + shape.m), count: 1 }, shape)).toThrow(FREED);
    expect(firstBitDifference(q.phi, phi)).toBe(-1);
    expect(firstBitDifference(q.valueAndGradient().gradient, expected)).toBe(-1);
    q.dispose();
  });

  it("of a Model are refused as well", () => {
    const model = createModel(shape, { precision });
    const stale = model.phi;
    model.dispose();
    const q = createProblem(shape, { precision });
    expect(() => gradient(phi, h, shape, { out: stale })).toThrow(FREED);
    q.dispose();
  });

  it("of a thread pool's problem are refused, though they live in another memory", async () => {
    const pool = await createThreadPool({ threads: 1, workerUrl: new URL("../dist/worker.js", import.meta.url) });
    const p = pool.createProblem(shape, { precision });
    const stale = p.phi;
    p.dispose();
    const q = pool.createProblem(shape, { precision });
    q.phi.set(phi);
    expect(() => gradient(phi, h, shape, { out: stale })).toThrow(FREED);
    expect(() => value(stale, h, shape)).toThrow(FREED);
    expect(firstBitDifference(q.phi, phi)).toBe(-1);
    await pool.terminate();
  });

  it("but live views are used in place, also a thread pool's", async () => {
    const pool = await createThreadPool({ threads: 1, workerUrl: new URL("../dist/worker.js", import.meta.url) });
    const p = pool.createProblem(shape, { precision });
    p.phi.set(phi);
    expect(value(p.phi, h, shape)).toBe(value(phi, h, shape));
    await pool.terminate();
  });
});

describe.each(["f32", "f64"] as const)("%s an out that overlaps an input", (precision) => {
  const shape = { n: 33, m: 20, k: 1 };
  const { phi, h } = randomProblem(shape, precision, "real", 4);

  it("gives the result computed from the inputs as they were", () => {
    const expected = { gradient: gradient(phi, h, shape), gate: gateGradient(phi, h, shape) };
    const p = createProblem(shape, { precision });
    // k = 1: phi and h have the same length, so each can be the other's out
    p.phi.set(phi);
    p.h.set(h);
    const g = gradient(p.phi, p.h, shape, { out: p.phi });
    expect(firstBitDifference(g, expected.gradient)).toBe(-1);
    p.phi.set(phi);
    expect(firstBitDifference(gradient(p.phi, p.h, shape, { out: p.h }), expected.gradient)).toBe(-1);
    p.h.set(h);
    expect(firstBitDifference(gateGradient(p.phi, p.h, shape, { out: p.h }), expected.gate)).toBe(-1);
    p.h.set(h);
    expect(firstBitDifference(gateGradient(p.phi, p.h, shape, { out: p.phi }), expected.gate)).toBe(-1);
    p.dispose();
  });
});

describe("a view of crossgrad memory that a call copies, while the call grows the memory", () => {
  // Views the library copies from (another precision's, or one overlapping `out`) are detached
  // when the call's own allocation grows the memory. Each test sizes its call past the memory
  // as it stands, so the call must grow it (checked: the source view is detached after it),
  // and computes the expected answer only after it, so that nothing grows the memory before.
  const rowsPastMemory = () => Math.ceil(info().memoryBytes / 8);

  it("as a chunk's sums, is combined as it was", () => {
    // combining takes about 5 * 8k bytes: u, v, their float64 sums, the nodes' sums
    const k = Math.ceil(info().memoryBytes / 32);
    // the one chunk of a 1 + 1 row table, as poolChunk() gives it: one node per group (a
    // part made by poolChunk would grow the memory to more than combining it needs)
    const shape = { n: 1, m: 1, k };
    const { phi } = randomProblem(shape, "f64", "real", 14);
    const node = (g: number) => ({
      blocks: new Uint32Array([0]),
      levels: new Uint32Array([0]),
      sums: Float64Array.from(phi.subarray(g * k, (g + 1) * k)),
    });
    const part = { shape, precision: "f64" as const, start: 0, rows: 2, a: node(0), b: node(1) };
    const q = createProblem({ n: 0, m: 1, k }, { precision: "f64" });
    q.phi.set(part.a.sums);
    const sums = q.phi;
    const got = combinePooled([{ ...part, a: { ...part.a, sums } }]);
    expect(sums.length).toBe(0);
    const expected = combinePooled([part]);
    expect(got.value).toBe(expected.value);
    expect(firstBitDifference(got.u, expected.u)).toBe(-1);
    expect(firstBitDifference(got.v, expected.v)).toBe(-1);
    q.dispose();
  });

  it("of another precision, as gates, gives the answer of a plain array", () => {
    const r = rowsPastMemory();
    const shape = { n: r, m: r, k: 1 };
    const { phi, h } = randomProblem(shape, "f32", "real", 11);
    const q = createProblem({ n: r, m: r, k: 1 }, { precision: "f64" });
    q.phi.set(h);
    const gates = q.phi;
    const got = value(phi, gates, shape);
    expect(gates.length).toBe(0); // the call grew the memory
    expect(got).toBe(value(phi, Float64Array.from(h), shape));
    q.dispose();
  });

  it("overlapping the out it is written to, gives the gradient of the input as it was", () => {
    const r = rowsPastMemory();
    const shape = { n: r, m: r, k: 1 };
    const { phi, h } = randomProblem(shape, "f32", "real", 12);
    const p = createProblem(shape, { precision: "f32" });
    p.phi.set(phi);
    const stale = p.phi;
    const got = gradient(p.phi, h, shape, { out: p.phi }).slice(); // a view, which the next call may detach
    expect(stale.length).toBe(0);
    const expected = gradient(phi, h, shape);
    expect(firstBitDifference(got, expected)).toBe(-1);
    expect(firstBitDifference(p.phi, expected)).toBe(-1);
    p.dispose();
  });

  it("as a Model's initial phi, is taken as it was", () => {
    // a model's region holds phi (16r bytes in f64, the whole memory before) and a scratch; the
    // f32 problem's 8r-byte phi is copied (another element type)
    const r = Math.ceil(info().memoryBytes / 16);
    const shape = { n: r, m: r, k: 1 };
    const q = createProblem(shape, { precision: "f32" });
    const { phi } = randomProblem(shape, "f32", "real", 13);
    q.phi.set(phi);
    const initial = q.phi;
    const model = createModel(shape, { precision: "f64", phi: initial });
    expect(initial.length).toBe(0);
    expect(firstBitDifference(model.phi, Float64Array.from(phi))).toBe(-1);
    model.dispose();
    q.dispose();
  });
});
