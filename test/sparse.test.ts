// Sparse gates { index, weight? }: the same results as the dense path over the same gates,
// bit for bit (sparse pooling pushes its blocks at their own places in the same tree), the
// gradient's two layouts, and the errors of docs/design.md §7 for bad indices.
import { beforeAll, describe, expect, it } from "vitest";
import {
  createProblem,
  gateGradient,
  gradient,
  pooled,
  value,
  valueAndGradient,
  type FloatArray,
  type Precision,
} from "../src/index.js";
import { init } from "../src/wasm/init.js";
import { firstBitDifference, randomProblem, rng } from "./helpers.js";

beforeAll(() => init());

/** The sparse form of dense gates: the rows whose gate is not 0, with their gates as weights. */
function sparseOf(h: FloatArray): { index: Uint32Array; weight: FloatArray } {
  const rows = Array.from(h.keys()).filter((r) => h[r] !== 0);
  return {
    index: Uint32Array.from(rows),
    weight: (h.constructor as typeof Float32Array).from(rows.map((r) => h[r])) as FloatArray,
  };
}

/** Random gates with about `density` of them on, some real. */
function sparseProblem(
  shape: { n: number; m: number; k: number },
  precision: Precision,
  density: number,
  seed: number,
) {
  const { phi, h } = randomProblem(shape, precision, "on", seed);
  const random = rng(seed + 1);
  for (let r = 0; r < h.length; r++) h[r] = random() < density ? (random() < 0.5 ? 1 : 4 * random() - 2) : 0;
  return { phi, h };
}

const SHAPES = [
  { n: 1000, m: 700, k: 37 },
  { n: 3, m: 2000, k: 64 },
  // rows of whole 4-vector steps: the dense path's dots take groups of rows, the listed rows' go one by one
  { n: 411, m: 389, k: 16 },
  { n: 250, m: 530, k: 48 },
  { n: 5000, m: 4, k: 8 },
  { n: 0, m: 300, k: 5 },
  { n: 600, m: 600, k: 0 },
];

describe.each(["f32", "f64"] as const)("%s sparse gates", (precision) => {
  it.each(SHAPES)("give the bits of the dense path at $n, $m, $k", (shape) => {
    for (const density of [0.01, 0.3, 1]) {
      const { phi, h } = sparseProblem(shape, precision, density, 40 + shape.k);
      const sparse = sparseOf(h);
      expect(value(phi, sparse, shape)).toBe(value(phi, h, shape));
      const [ps, pd] = [pooled(phi, sparse, shape), pooled(phi, h, shape)];
      expect(firstBitDifference(ps.u, pd.u)).toBe(-1);
      expect(firstBitDifference(ps.v, pd.v)).toBe(-1);
      // the dense gradient restricted to the listed rows, and scattered back
      const dense = gradient(phi, h, shape, { scale: 0.5 });
      const listed = gradient(phi, sparse, shape, { scale: 0.5 });
      const k = shape.k;
      const expected = new (phi.constructor as typeof Float32Array)(sparse.index.length * k);
      sparse.index.forEach((r, e) => expected.set(dense.subarray(r * k, (r + 1) * k), e * k));
      expect(firstBitDifference(listed, expected)).toBe(-1);
      const scattered = gradient(phi, sparse, shape, { scale: 0.5, out: phi.map(() => 7) });
      expect(firstBitDifference(scattered, dense)).toBe(-1);
      // dF/dh at the listed rows
      const dh = gateGradient(phi, h, shape);
      const dhListed = (phi.constructor as typeof Float32Array).from(sparse.index, (r) => dh[r]) as FloatArray;
      expect(firstBitDifference(gateGradient(phi, sparse, shape), dhListed)).toBe(-1);
    }
  });

  it("give the bits of the dense path for a few rows in each of a few blocks, at every block count to 40", () => {
    // the sparse pass merges its blocks' leaves as they come, sums up to 4 rows of a block
    // without strips, and a group of up to 4 rows in one or two blocks without the tree's
    // stack: every pattern of touched blocks must meet the dense pass's tree
    const random = rng(17);
    const gate = () => (random() < 0.6 ? 1 : random() < 0.3 ? 0 : 3 * random() - 1);
    for (let blocks = 1; blocks <= 40; blocks++) {
      for (const k of [1, 4, 8, 13]) {
        for (const few of [false, true]) {
          const n = 256 * blocks - (blocks % 3) * 50,
            m = 256 * (1 + (blocks % 4));
          const shape = { n, m, k };
          const { phi, h } = randomProblem(shape, precision, "on", 100 + blocks);
          h.fill(0);
          for (const [first, rows] of [
            [0, n],
            [n, m],
          ]) {
            if (few) {
              // 1 to 4 rows anywhere in the group (some in one block, some in two or more)
              const near = random() < 0.5 ? Math.floor(random() * Math.max(1, rows - 512)) : 0;
              for (let c = 1 + Math.floor(random() * 4); c > 0; c--)
                h[first + Math.min(rows - 1, near + Math.floor(random() * (near ? 512 : rows)))] = gate();
              continue;
            }
            // a random subset of the group's blocks, each with 1 to 6 listed rows of gate 1, 0 or real
            for (let b = 0; b * 256 < rows; b++) {
              if (random() < 0.6) continue;
              const size = Math.min(256, rows - b * 256);
              for (let c = 1 + Math.floor(random() * 6); c > 0; c--)
                h[first + b * 256 + Math.floor(random() * size)] = gate();
            }
          }
          // rows of gate 0 are listed too now and then (with weight 0: absent)
          const listed = Array.from(h.keys()).filter((r) => h[r] !== 0 || random() < 0.002);
          const sparse = {
            index: Uint32Array.from(listed),
            weight: (h.constructor as typeof Float32Array).from(listed, (r) => h[r]) as FloatArray,
          };
          const where = `${blocks} blocks, k = ${k}${few ? ", a few rows" : ""}`;
          const [ps, pd] = [pooled(phi, sparse, shape), pooled(phi, h, shape)];
          expect(firstBitDifference(ps.u, pd.u), where).toBe(-1);
          expect(firstBitDifference(ps.v, pd.v), where).toBe(-1);
          expect(value(phi, sparse, shape), where).toBe(value(phi, h, shape));
          expect(value(phi, { index: sparse.index }, shape), where).toBe(
            value(
              phi,
              h.map((g, r) => (listed.includes(r) ? 1 : 0)),
              shape,
            ),
          );
        }
      }
    }
  });

  it("without weights count every listed row with gate 1", () => {
    const shape = { n: 300, m: 400, k: 19 };
    const { phi, h } = sparseProblem(shape, precision, 0.2, 5);
    const binary = h.map((g) => (g !== 0 ? 1 : 0));
    const index = sparseOf(binary).index;
    expect(value(phi, { index }, shape)).toBe(value(phi, binary, shape));
    expect(
      firstBitDifference(
        gradient(phi, { index }, shape, { out: new (phi.constructor as typeof Float32Array)(phi.length) }),
        gradient(phi, binary, shape),
      ),
    ).toBe(-1);
  });

  it("treat a listed row of weight 0 as absent, even with NaN in phi", () => {
    const shape = { n: 50, m: 50, k: 9 };
    const { phi, h } = sparseProblem(shape, precision, 0.5, 6);
    const sparse = sparseOf(h);
    // list row 3 with weight 0 and fill it with NaN: F does not change
    const rows = [...new Set([...sparse.index, 3])].sort((a, b) => a - b);
    const weight = (phi.constructor as typeof Float32Array).from(rows, (r) => (r === 3 ? 0 : h[r])) as FloatArray;
    const dirty = phi.slice();
    dirty.fill(NaN, 3 * shape.k, 4 * shape.k);
    const withZero = { index: Uint32Array.from(rows), weight };
    h[3] = 0;
    expect(value(dirty, withZero, shape)).toBe(value(phi, h, shape));
    const g = gradient(dirty, withZero, shape);
    const at = rows.indexOf(3);
    expect(g.subarray(at * shape.k, (at + 1) * shape.k).every((x) => Object.is(x, 0))).toBe(true);
  });

  it("accumulate into a dense out only at the listed rows", () => {
    const shape = { n: 40, m: 60, k: 6 };
    const { phi, h } = sparseProblem(shape, precision, 0.3, 7);
    const sparse = sparseOf(h);
    const out = phi.map(() => 1);
    gradient(phi, sparse, shape, { out, accumulate: true });
    const dense = gradient(phi, h, shape);
    for (let r = 0; r < shape.n + shape.m; r++) {
      for (let l = 0; l < shape.k; l++)
        expect(out[r * shape.k + l]).toBe((precision === "f32" ? Math.fround : Number)(1 + dense[r * shape.k + l]));
    }
  });

  it("work on a Problem's phi in place (cost grows with the listed rows only)", () => {
    const shape = { n: 20000, m: 20000, k: 16 };
    const p = createProblem(shape, { precision });
    const { phi, h } = sparseProblem(shape, precision, 0.001, 8);
    p.phi.set(phi);
    const sparse = sparseOf(h);
    const both = valueAndGradient(p.phi, sparse, shape);
    expect(both.value).toBe(value(phi, h, shape));
    expect(both.gradient.length).toBe(sparse.index.length * shape.k);
    p.dispose();
  });
});

describe("bad sparse gates", () => {
  const shape = { n: 3, m: 3, k: 2 };
  const phi = new Float32Array(12).fill(1);
  it.each([
    [[0, 2, 2], "value(): h.index[2] = 2 repeats h.index[1] = 2: indices must be strictly increasing"],
    [[0, 4, 1], "value(): h.index[2] = 1 is less than h.index[1] = 4: indices must be strictly increasing"],
    [[1, 6], "value(): h.index[1] = 6 is out of range: rows go from 0 to n + m - 1 = 5"],
  ])("refuse index %o with RangeError naming the first bad entry", (index, message) => {
    expect(() => value(phi, { index: Uint32Array.from(index) }, shape)).toThrow(RangeError);
    expect(() => value(phi, { index: Uint32Array.from(index) }, shape)).toThrow(message);
  });
  it("refuse an index that is not a Uint32Array, and weights of another type or length", () => {
    expect(() => value(phi, { index: [0, 1] as never }, shape)).toThrow(
      "value(): h.index must be a Uint32Array, got Array",
    );
    expect(() => value(phi, { index: new Uint32Array([0, 4]), weight: new Float64Array(2) as never }, shape)).toThrow(
      "value(): h.weight must be a Float32Array like phi, got Float64Array",
    );
    expect(() => value(phi, { index: new Uint32Array([0, 4]), weight: new Float32Array(3) }, shape)).toThrow(
      "value(): h.weight.length must be index.length = 2, got 3",
    );
  });
  it("refuse an out of neither layout", () => {
    expect(() => gradient(phi, { index: new Uint32Array([0, 4]) }, shape, { out: new Float32Array(5) })).toThrow(
      "gradient(): options.out.length must be index.length * k (or (n + m) * k for every row) = 4, got 5",
    );
  });
});
