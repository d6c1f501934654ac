// Chunked passes: a table processed a block-aligned chunk of rows at a time gives the bits
// of one call over the whole table, whatever the chunking and the order of the parts.
import { beforeAll, describe, expect, it } from "vitest";
import {
  CHUNK_ALIGNMENT,
  combinePooled,
  gateGradient,
  gateGradientChunk,
  gradient,
  gradientChunk,
  createProblem,
  pooled,
  poolChunk,
  value,
} from "../src/index.js";
import { info, init } from "../src/wasm/init.js";
import { firstBitDifference, randomProblem, rng } from "./helpers.js";

beforeAll(() => init());

/** Random chunk boundaries: block-aligned in each group, with n and n + m among them. */
function boundaries(n: number, m: number, seed: number): number[] {
  const random = rng(seed);
  const cuts = new Set([0, n, n + m]);
  for (let i = 0; i < 6; i++) {
    const group = random() < 0.5;
    const rows = group ? n : m;
    const cut = Math.floor((random() * rows) / CHUNK_ALIGNMENT) * CHUNK_ALIGNMENT + (group ? 0 : n);
    cuts.add(cut);
  }
  // sometimes let a chunk run across n
  if (random() < 0.5 && n % CHUNK_ALIGNMENT === 0) cuts.delete(n);
  return [...cuts].sort((a, b) => a - b);
}

describe.each(["f32", "f64"] as const)("%s chunks", (precision) => {
  it.each([
    { n: 3000, m: 1500, k: 37 },
    { n: 1024, m: 2600, k: 64 },
    { n: 700, m: 10, k: 8 },
    { n: 5000, m: 5000, k: 3 },
  ])("give the bits of one call at $n, $m, $k", (shape) => {
    const { phi, h } = randomProblem(shape, precision, "real", shape.n + shape.k);
    const { k } = shape;
    for (const seed of [1, 2, 3]) {
      const cuts = boundaries(shape.n, shape.m, seed);
      const chunks = cuts.slice(0, -1).map((start, i) => ({ start, rows: cuts[i + 1] - start }));
      const parts = chunks.map(({ start, rows }) =>
        poolChunk(phi.subarray(start * k, (start + rows) * k), h.subarray(start, start + rows), shape, start),
      );
      const combined = combinePooled(parts.reverse());
      const whole = pooled(phi, h, shape);
      expect(firstBitDifference(combined.u, whole.u)).toBe(-1);
      expect(firstBitDifference(combined.v, whole.v)).toBe(-1);
      expect(combined.value).toBe(value(phi, h, shape));
      const g = gradient(phi, h, shape),
        dh = gateGradient(phi, h, shape);
      for (const { start, rows } of chunks) {
        expect(
          firstBitDifference(
            gradientChunk(h.subarray(start, start + rows), shape, start, combined),
            g.subarray(start * k, (start + rows) * k),
          ),
        ).toBe(-1);
        const dhChunk = gateGradientChunk(phi.subarray(start * k, (start + rows) * k), shape, start, combined);
        expect(firstBitDifference(dhChunk, dh.subarray(start, start + rows))).toBe(-1);
      }
    }
  });

  it("give groups of at most 16 rows (pooled row by row, whatever the plan) the bits of the block pass", () => {
    // poolChunk takes the block pass (poolRange) at every size; value() and pooled() take the
    // row-by-row path below 17 rows: the two must agree bit for bit, at every k around the vector steps
    for (let seed = 1; seed <= 60; seed++) {
      const random = rng(seed);
      const shape = { n: 1 + Math.floor(random() * 16), m: 1 + Math.floor(random() * 16), k: (seed * 7) % 41 };
      const { phi, h } = randomProblem(shape, precision, seed % 2 ? "real" : "binary", seed);
      const combined = combinePooled([poolChunk(phi, h, shape, 0)]);
      const whole = pooled(phi, h, shape);
      expect(firstBitDifference(combined.u, whole.u)).toBe(-1);
      expect(firstBitDifference(combined.v, whole.v)).toBe(-1);
      expect(combined.value).toBe(value(phi, h, shape));
    }
  });

  it("count a missing chunk as rows whose gates are all 0", () => {
    const shape = { n: 2048, m: 1000, k: 16 };
    const { phi, h } = randomProblem(shape, precision, "binary", 5);
    const k = shape.k;
    const kept = [
      [0, 512],
      [1024, 1024],
      [2048, 1000],
    ];
    const parts = kept.map(([start, rows]) =>
      poolChunk(phi.subarray(start * k, (start + rows) * k), h.subarray(start, start + rows), shape, start),
    );
    const absent = h.slice();
    absent.fill(0, 512, 1024);
    expect(combinePooled(parts).value).toBe(value(phi, absent, shape));
  });

  it("accumulate a chunk's gradient into out", () => {
    const shape = { n: 512, m: 256, k: 5 };
    const { phi, h } = randomProblem(shape, precision, "real", 6);
    const p = pooled(phi, h, shape);
    const out = new (phi.constructor as typeof Float32Array)(256 * 5).fill(1);
    gradientChunk(h.subarray(256, 512), shape, 256, p, { out, scale: 2, accumulate: true });
    const g = gradient(phi, h, shape, { scale: 2 }).subarray(256 * 5, 512 * 5);
    const round = precision === "f32" ? Math.fround : Number;
    expect(Array.from(out)).toEqual(Array.from(g, (x) => round(1 + x)));
  });
});

describe("a chunk's gradient into an out in wasm memory", () => {
  it("returns every element when the call grows memory, as gradient() does", () => {
    // out is a Problem's view; the call's own arrays then need more memory than is free, so
    // memory grows during the call and out's buffer is detached
    const rows = 1 << 22,
      k = 1,
      shape = { n: rows, m: 0, k };
    const holder = createProblem({ n: rows, m: 0, k });
    const before = info().memoryBytes;
    const h = new Float32Array(rows).fill(1);
    const pooledSums = { u: new Float32Array([2]), v: new Float32Array([3]) };
    const g = gradientChunk(h, shape, 0, pooledSums, { out: holder.phi });
    expect(info().memoryBytes).toBeGreaterThan(before);
    expect(g.length).toBe(rows * k);
    expect(g[0]).toBe(3); // rows of A get v
    expect(g[rows - 1]).toBe(3);
    expect(firstBitDifference(g, holder.phi)).toBe(-1);
    holder.dispose();
  });
});

describe("bad chunks", () => {
  const shape = { n: 600, m: 300, k: 2 };
  const phi = new Float32Array(900 * 2).fill(1);
  const h = new Float32Array(900).fill(1);
  it("refuse a chunk that does not start or end on a block boundary", () => {
    expect(() => poolChunk(phi.subarray(200, 800), h.subarray(100, 400), shape, 100)).toThrow(
      /poolChunk\(\): start = 100 and phi\.length \/ shape\.k = 300 give a chunk of rows 100\.\.399, which does not start and end on a block boundary/,
    );
    expect(() => poolChunk(phi.subarray(0, 600), h.subarray(0, 300), shape, 0)).toThrow(RangeError);
    // chunks may end at n and start at n
    expect(() => poolChunk(phi.subarray(1024, 1200), h.subarray(512, 600), shape, 512)).not.toThrow();
    expect(() => poolChunk(phi.subarray(1200, 1800), h.subarray(600, 900), shape, 600)).not.toThrow();
  });
  it("refuse overlapping parts and parts of another table", () => {
    const a = poolChunk(phi.subarray(0, 1024), h.subarray(0, 512), shape, 0);
    expect(() => combinePooled([a, a])).toThrow("combinePooled(): parts overlap: rows 0..511 and 0..511");
    const other = poolChunk(new Float32Array(512 * 2), new Float32Array(512), { n: 512, m: 0, k: 2 }, 0);
    expect(() => combinePooled([a, other])).toThrow(/every part must come from the same/);
  });

  it("refuse a part relabelled to other rows, sums too short, and parts that are not poolChunk results", () => {
    const k = 2,
      table = { n: 1024, m: 512, k };
    const data = randomProblem(table, "f32", "binary", 5);
    const chunk = (start: number, rows: number) =>
      poolChunk(data.phi.subarray(start * k, (start + rows) * k), data.h.subarray(start, start + rows), table, start);
    const parts = [chunk(0, 512), chunk(512, 512), chunk(1024, 512)];
    // a duplicate of the first part claiming to be the second: its nodes lie in blocks 0-1, not 2-3
    expect(() => combinePooled([parts[0], { ...parts[0], start: 512 }, parts[2]])).toThrow(
      /^combinePooled\(\): parts\[1\]\.a node 0 \(block 0, level 1\) does not belong to the chunk's blocks 2\.\.3 of group A/,
    );
    const short = { ...parts[1], a: { ...parts[1].a, sums: parts[1].a.sums.subarray(1) } };
    expect(() => combinePooled([parts[0], short, parts[2]])).toThrow(
      "combinePooled(): parts[1].a.sums.length must be blocks.length * k = 2, got 1",
    );
    expect(() => combinePooled([parts[0], null as never])).toThrow(TypeError);
    expect(() => combinePooled([parts[0], null as never])).toThrow(
      "combinePooled(): parts[1] must be a poolChunk() result, got null",
    );
    expect(() => combinePooled([{ ...parts[0], a: undefined } as never])).toThrow(
      "combinePooled(): parts[0].a must be { blocks, levels, sums }, got undefined",
    );
    expect(() => combinePooled([{ ...parts[0], precision: "f16" } as never])).toThrow(
      'combinePooled(): parts[0].precision must be "f32" or "f64", got "f16"',
    );
    expect(() => combinePooled([{ ...parts[0], start: 100 }])).toThrow(
      /parts\[0\]\.start|does not start and end on a block boundary/,
    );
    // errors of the chunk functions name their own arguments
    const sums = combinePooled(parts);
    expect(() => gradientChunk(data.h.subarray(0, 512), table, 0, { u: "u" } as never)).toThrow(
      "gradientChunk(): pooled.u must be a Float32Array or a Float64Array, got string",
    );
    expect(() => gradientChunk(data.h.subarray(0, 512), table, 0, { u: sums.u, v: new Float32Array(3) })).toThrow(
      "gradientChunk(): pooled.v.length must be k = 2, got 3",
    );
    expect(() => gradientChunk(data.h.subarray(0, 512), table, 0, sums as never, { out: new Float32Array(3) })).toThrow(
      "gradientChunk(): options.out.length must be rows * k = 1024, got 3",
    );
    expect(() => gradientChunk(data.h.subarray(0, 512), table, 0, sums as never, { scale: "2" as never })).toThrow(
      "gradientChunk(): options.scale must be a number, got string",
    );
    expect(() => poolChunk(data.phi.subarray(0, 1024), data.h.subarray(0, 500), table, 0)).toThrow(
      "poolChunk(): h.length must be rows = 512, got 500",
    );
    expect(() => gateGradientChunk(data.phi.subarray(0, 1024), { ...table, k: 0 }, 0, sums as never)).toThrow(
      /gateGradientChunk\(\): (pooled\.u\.length|shape\.k = 0)/,
    );
    const good = combinePooled(parts);
    expect(firstBitDifference(good.u, pooled(data.phi, data.h, table).u)).toBe(-1);
  });

  it("take each field of a part once: what was checked is what is combined", () => {
    const table = { n: 512, m: 512, k: 2 };
    const data = randomProblem(table, "f32", "binary", 6);
    const part = poolChunk(data.phi, data.h, table, 0);
    // a getter that hands over the checked nodes once, then nodes that lie outside the chunk
    let reads = 0;
    const stray = { blocks: new Uint32Array([4096]), levels: new Uint32Array([20]), sums: new Float64Array(2) };
    const shifty = {
      ...part,
      get a() {
        reads++;
        return reads === 1 ? part.a : stray;
      },
    };
    const got = combinePooled([shifty]);
    expect(reads).toBe(1);
    expect(got.value).toBe(value(data.phi, data.h, table));
  });
});
