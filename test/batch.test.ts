// Batches of gate sets: phase 1 (values and pooled sums) and phase 2 (the weighted gradient
// sum) against a loop of single calls, bit for bit, for CSR and dense sets.
import { beforeAll, describe, expect, it } from "vitest";
import { batchGradient, batchPooled, gradient, pooled, value, type FloatArray, type GateSets } from "../src/index.js";
import { init } from "../src/wasm/init.js";
import { firstBitDifference, randomProblem, rng } from "./helpers.js";

beforeAll(() => init());

/** `count` random sets: each picks rows of A and of B, some with real weights. */
function randomSets(
  rows: number,
  count: number,
  perSet: number,
  Type: typeof Float32Array | typeof Float64Array,
  seed: number,
) {
  const random = rng(seed);
  const indptr = new Uint32Array(count + 1);
  const index: number[] = [],
    weight: number[] = [];
  for (let b = 0; b < count; b++) {
    const chosen = new Set<number>();
    while (chosen.size < Math.min(perSet, rows)) chosen.add(Math.floor(random() * rows));
    for (const r of [...chosen].sort((x, y) => x - y)) {
      index.push(r);
      weight.push(random() < 0.7 ? 1 : 4 * random() - 2);
    }
    indptr[b + 1] = index.length;
  }
  return { indptr, index: Uint32Array.from(index), weight: Type.from(weight) as FloatArray };
}

describe.each(["f32", "f64"] as const)("%s batches", (precision) => {
  const shape = { n: 700, m: 900, k: 21 };
  const { phi } = randomProblem(shape, precision, "on", 50);
  const Type = phi.constructor as typeof Float32Array;
  const sets: GateSets = randomSets(shape.n + shape.m, 9, 40, Type, 51);
  const one = (b: number) => ({
    index: sets.index.subarray(sets.indptr[b], sets.indptr[b + 1]),
    weight: sets.weight!.subarray(sets.indptr[b], sets.indptr[b + 1]),
  });
  const weights = Array.from({ length: 9 }, (_, b) => (b % 3) - 1.25);

  it("CSR sets: values and pooled sums equal single calls, bit for bit", () => {
    const p = batchPooled(phi, sets, shape);
    for (let b = 0; b < 9; b++) {
      expect(p.values[b]).toBe(value(phi, one(b), shape));
      const single = pooled(phi, one(b), shape);
      expect(firstBitDifference(p.u.subarray(b * shape.k, (b + 1) * shape.k), single.u)).toBe(-1);
      expect(firstBitDifference(p.v.subarray(b * shape.k, (b + 1) * shape.k), single.v)).toBe(-1);
    }
  });

  it("CSR sets: the weighted gradient sum equals a loop of single accumulating calls", () => {
    const p = batchPooled(phi, sets, shape);
    const loop = new Type(phi.length);
    for (let b = 0; b < 9; b++) gradient(phi, one(b), shape, { out: loop, scale: 0.5 * weights[b], accumulate: true });
    const batched = batchGradient(sets, shape, p, weights, { out: new Type(phi.length).fill(3), scale: 0.5 });
    expect(firstBitDifference(batched, loop)).toBe(-1);
    // one gradient row per entry, in CSR order
    const entries = batchGradient(sets, shape, p, weights, { scale: 0.5 });
    expect(entries.length).toBe(sets.index.length * shape.k);
    for (let b = 0; b < 9; b++) {
      const rows = gradient(phi, one(b), shape, { scale: 0.5 * weights[b] });
      expect(firstBitDifference(entries.subarray(sets.indptr[b] * shape.k, sets.indptr[b + 1] * shape.k), rows)).toBe(
        -1,
      );
    }
  });

  it("dense sets: values and the gradient sum equal single dense calls", () => {
    const random = rng(52);
    const count = 4;
    const gates = new Type(count * (shape.n + shape.m)).map(() => (random() < 0.5 ? 1 : 0));
    const dense = { gates, count };
    const p = batchPooled(phi, dense, shape);
    const loop = new Type(phi.length);
    for (let b = 0; b < count; b++) {
      const h = gates.subarray(b * (shape.n + shape.m), (b + 1) * (shape.n + shape.m));
      expect(p.values[b]).toBe(value(phi, h, shape));
      gradient(phi, h, shape, { out: loop, scale: weights[b], accumulate: true });
    }
    expect(firstBitDifference(batchGradient(dense, shape, p, weights.slice(0, count)), loop)).toBe(-1);
  });

  it("accumulate into out when asked, set after set", () => {
    const p = batchPooled(phi, sets, shape);
    const loop = new Type(phi.length).fill(2);
    for (let b = 0; b < 9; b++) gradient(phi, one(b), shape, { out: loop, scale: weights[b], accumulate: true });
    const added = batchGradient(sets, shape, p, weights, { out: new Type(phi.length).fill(2), accumulate: true });
    expect(firstBitDifference(added, loop)).toBe(-1);
    // one row per entry, in CSR order, added to what out holds
    const entries = batchGradient(sets, shape, p, weights, { scale: 0.5 });
    const onto = batchGradient(sets, shape, p, weights, { scale: 0.5, out: entries.map(() => 2), accumulate: true });
    expect(
      firstBitDifference(
        onto,
        entries.map((x) => 2 + x),
      ),
    ).toBe(-1);
  });
});

describe("bad batches", () => {
  const shape = { n: 2, m: 2, k: 3 };
  const phi = new Float32Array(12).fill(1);
  it.each([
    [
      { indptr: [0, 1], index: new Uint32Array([0]) },
      TypeError,
      "batchPooled(): sets.indptr must be a Uint32Array, got Array",
    ],
    [
      { indptr: new Uint32Array([1, 1]), index: new Uint32Array([0]) },
      RangeError,
      "batchPooled(): sets.indptr[0] must be 0, got 1",
    ],
    [
      { indptr: new Uint32Array([0, 2]), index: new Uint32Array([0]) },
      RangeError,
      "batchPooled(): sets.indptr[1] must be index.length = 1, got 2",
    ],
    [
      { indptr: new Uint32Array([0, 2]), index: new Uint32Array([3, 1]) },
      RangeError,
      "batchPooled(): sets.index[1] = 1 is less than sets.index[0] = 3",
    ],
    [
      { indptr: new Uint32Array([0, 1]), index: new Uint32Array([4]) },
      RangeError,
      "batchPooled(): sets.index[0] = 4 is out of range",
    ],
    [
      { gates: new Uint8Array(7), count: 2 },
      RangeError,
      "batchPooled(): sets.gates.length must be count * (n + m) = 8, got 7",
    ],
  ])("refuse %o", (sets, type, message) => {
    expect(() => batchPooled(phi, sets as never, shape)).toThrow(type);
    expect(() => batchPooled(phi, sets as never, shape)).toThrow(message);
  });
  it("refuse weights of the wrong length and pooled sums of the wrong shape", () => {
    const sets = { indptr: new Uint32Array([0, 1, 2]), index: new Uint32Array([0, 3]) };
    const p = batchPooled(phi, sets, shape);
    expect(() => batchGradient(sets, shape, p, [1])).toThrow(
      "batchGradient(): weights.length must be the number of sets = 2, got 1",
    );
    expect(() => batchGradient(sets, shape, { ...p, u: p.u.subarray(1) }, [1, 1])).toThrow(
      "pooled.u.length must be sets * k = 6, got 5",
    );
  });
  it("refuse weights that are not numbers, and name pooled sums and out as arguments", () => {
    const sets = { indptr: new Uint32Array([0, 1, 2]), index: new Uint32Array([0, 3]) };
    const p = batchPooled(phi, sets, shape);
    expect(() => batchGradient(sets, shape, p, ["1", "x"] as never)).toThrow(TypeError);
    expect(() => batchGradient(sets, shape, p, ["1", "x"] as never)).toThrow(
      "batchGradient(): weights must hold numbers, but weights[0] is string",
    );
    expect(() => batchGradient(sets, shape, p, { length: 2 } as never)).toThrow(
      "batchGradient(): weights must be an array of numbers, got Object",
    );
    expect(() => batchGradient(sets, shape, { ...p, v: [1] } as never, [1, 1])).toThrow(
      "batchGradient(): pooled.v must be a",
    );
    expect(() => batchGradient(sets, shape, { ...p, u: "u" } as never, [1, 1])).toThrow(
      "batchGradient(): pooled.u must be a Float32Array or a Float64Array, got string",
    );
    expect(() => batchGradient(sets, shape, p, [1, 1], 7 as never)).toThrow(
      "batchGradient(): options must be an object or undefined, got number",
    );
    expect(() => batchGradient(sets, shape, p, [1, 1], { out: new Int8Array(6) as never })).toThrow(
      "batchGradient(): options.out must be a",
    );
    expect(() => batchPooled(phi, { gates: new Uint8Array(4), count: -1 }, shape)).toThrow(
      "batchPooled(): sets.count must be a non-negative integer, got -1",
    );
  });
});
