// The memory owner: growth while Problems are live, dead views, reuse of freed regions, flat
// memory under a long run of calls, and isolation of problems from each other's NaN.
import { beforeAll, describe, expect, it } from "vitest";
import { createProblem, gateGradient, gradient, pooled, value, valueAndGradient, type Problem } from "../src/index.js";
import { info, init, requireEngine } from "../src/wasm/init.js";
import { verifyMemories } from "../src/wasm/memory.js";
import { firstBitDifference, randomProblem } from "./helpers.js";

beforeAll(() => init());

function filled(
  shape: { n: number; m: number; k: number },
  precision: "f32" | "f64",
  seed: number,
): Problem<"f32" | "f64"> {
  const p = createProblem(shape, { precision });
  const { phi, h } = randomProblem(shape, precision, "real", seed);
  p.phi.set(phi);
  p.h.set(h);
  return p;
}

describe("wasm memory", () => {
  it("keeps a live Problem's data when memory grows, and rebuilds its views", () => {
    const a = filled({ n: 50, m: 60, k: 7 }, "f32", 1);
    const phiBefore = a.phi.slice();
    const viewBefore = a.phi;
    const F = a.value();
    const before = info().memoryBytes;
    const big = createProblem({ n: 1 << 19, m: 1 << 19, k: 16 }); // 64 MiB: forces growth
    expect(info().memoryBytes).toBeGreaterThan(before);
    // the old view is dead: growth detached its buffer
    expect(viewBefore.length).toBe(0);
    // the getter gives a live view of the same data
    expect(firstBitDifference(a.phi, phiBefore)).toBe(-1);
    expect(a.value()).toBe(F);
    big.dispose();
    a.dispose();
  });

  it("reuses the regions of disposed Problems", () => {
    const shape = { n: 1000, m: 1000, k: 32 };
    createProblem(shape).dispose(); // warm-up
    const before = info().memoryBytes;
    for (let i = 0; i < 200; i++) {
      const p = createProblem(shape, { precision: i % 2 ? "f32" : "f64" });
      p.h.fill(1);
      p.valueAndGradient();
      p.gateGradient();
      p.pooled();
      p.dispose();
    }
    expect(info().memoryBytes).toBe(before);
  });

  it("stays flat over 100,000 calls cycling through a fixed set of shapes", () => {
    const shapes = [
      { n: 3, m: 5, k: 4 },
      { n: 64, m: 65, k: 33 },
      { n: 0, m: 7, k: 9 },
      { n: 200, m: 100, k: 8 },
      { n: 17, m: 1, k: 70 },
    ];
    const inputs = shapes.flatMap((shape, i) =>
      (["f32", "f64"] as const).map((precision) => ({ shape, ...randomProblem(shape, precision, "binary", i) })),
    );
    const run = (i: number) => {
      const { shape, phi, h } = inputs[i % inputs.length];
      switch (i % 5) {
        case 0:
          return value(phi, h, shape);
        case 1:
          return gradient(phi, h, shape);
        case 2:
          return gateGradient(phi, h, shape);
        case 3:
          return valueAndGradient(phi, h, shape);
        default:
          return pooled(phi, h, shape);
      }
    };
    for (let i = 0; i < 2 * inputs.length * 5; i++) run(i); // warm-up: every shape, precision and call
    const before = info().memoryBytes;
    for (let i = 0; i < 100_000; i++) run(i);
    expect(info().memoryBytes).toBe(before);
  });

  it("keeps NaN and Infinity in one Problem out of another's results", () => {
    const shape = { n: 70, m: 70, k: 16 };
    const clean = filled(shape, "f32", 2);
    const F = clean.value();
    const g = clean.gradient().slice();
    const dirty = filled(shape, "f32", 3);
    dirty.phi.fill(NaN);
    dirty.phi[5] = Infinity;
    expect(dirty.value()).toBeNaN();
    dirty.gradient();
    dirty.gateGradient();
    expect(clean.value()).toBe(F);
    expect(firstBitDifference(clean.gradient(), g)).toBe(-1);
    clean.dispose();
    dirty.dispose();
  });

  it("returns Problem results as views of its own regions, rewritten by the next call", () => {
    const p = filled({ n: 5, m: 6, k: 3 }, "f64", 4);
    const first = p.gradient();
    const copy = first.slice();
    expect(p.gradient()).toBe(first); // same view while memory did not grow
    p.h.fill(0);
    p.gradient();
    expect(first.every((x) => x === 0)).toBe(true);
    expect(copy.some((x) => x !== 0)).toBe(true);
    p.dispose();
  });

  it("accepts a Problem's views in the copying API without copying them, and writes out in place", () => {
    const shape = { n: 40, m: 30, k: 12 };
    const p = filled(shape, "f64", 5);
    const out = createProblem(shape, { precision: "f64" }); // its phi region serves as an out
    const expected = p.gradient().slice();
    const returned = gradient(p.phi, p.h, shape, { out: out.phi });
    expect(returned).toBe(out.phi);
    expect(firstBitDifference(out.phi, expected)).toBe(-1);
    expect(value(p.phi, p.h, shape)).toBe(p.value());
    p.dispose();
    out.dispose();
  });
});

describe("the memory guard of the test build", () => {
  it("catches a write past a region, before a region and into free memory, and names it", () => {
    const { memory } = requireEngine("test");
    expect(memory.guarded).toBe(true);
    const p = createProblem({ n: 10, m: 10, k: 4 });
    const end = p.phi.byteOffset + p.phi.byteLength; // phi, h and the scratch are one region: its end is further on
    const bytes = new Uint8Array(memory.buffer);
    const poke = (at: number, run: () => void) => {
      const saved = bytes[at];
      bytes[at] ^= 0xff;
      try {
        run();
      } finally {
        bytes[at] = saved;
      }
    };
    // find the region's real end: the first canary byte after phi
    let regionEnd = end;
    while (bytes[regionEnd] !== 0xa5 || bytes[regionEnd + 1] !== 0xa5) regionEnd++;
    poke(regionEnd, () =>
      expect(() => verifyMemories()).toThrow(/crossgrad memory guard: a write past the end of the region at \d+/),
    );
    poke(p.phi.byteOffset - 1, () => expect(() => verifyMemories()).toThrow(/a write before the region at \d+/));
    poke(p.phi.byteOffset - 1, () => expect(() => p.value()).toThrow(/crossgrad memory guard/)); // checked after every kernel call
    const freed = p.phi.byteOffset;
    p.dispose();
    poke(freed, () => expect(() => verifyMemories()).toThrow(/a write into free memory at \d+/));
    verifyMemories();
  });
});
