// Small calls (docs/speed.md "Small calls"): what a loop of small calls keeps from one call to the
// next (the memory owner's views, a Problem's pointers and output regions, a settled plan) and
// what it reads again every time (the shape, the options, every array), and where the planner is
// not asked at all (docs/design.md §6). Portable: runs in every runtime and browser.
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import {
  createProblem,
  gateGradient,
  gradient,
  planEntries,
  pooled,
  value,
  valueAndGradient,
  type Problem,
} from "../src/index.js";
import { info, init, requireEngine } from "../src/wasm/init.js";
import { resetPlan } from "../src/wasm/planner.js";
import { firstBitDifference, randomProblem } from "./helpers.js";

beforeAll(() => init());
afterEach(() => resetPlan());

/** Grows wasm memory past what it holds now (a Problem of 64 MiB more), then frees that Problem. */
function growMemory(): void {
  const before = info().memoryBytes;
  const rows = Math.max(1 << 19, before / 32);
  const big = createProblem({ n: rows, m: rows, k: 16 });
  expect(info().memoryBytes).toBeGreaterThan(before);
  big.dispose();
}

/** A Problem of this shape holding phi and h. */
function problemOf(shape: { n: number; m: number; k: number }, phi: Float32Array, h: Float32Array): Problem<"f32"> {
  const p = createProblem(shape);
  p.phi.set(phi);
  p.h.set(h);
  return p;
}

describe("a loop of small copying calls", () => {
  it("reads the shape object again on every call: one mutated between calls gives its new shape's result", () => {
    const shape = { n: 2, m: 2, k: 8 };
    const first = randomProblem(shape, "f32", "binary", 1);
    const out = new Float32Array(32);
    valueAndGradient(first.phi, first.h, shape, { out });
    const F = value(first.phi, first.h, { n: 2, m: 2, k: 8 });
    // the same object, now 3 x 5 x 3: each call sizes and checks it anew
    Object.assign(shape, { n: 3, m: 5, k: 3 });
    const second = randomProblem(shape, "f32", "real", 2);
    const fresh = { n: 3, m: 5, k: 3 };
    expect(value(second.phi, second.h, shape)).toBe(value(second.phi, second.h, fresh));
    const out2 = new Float32Array(24);
    const { value: F2, gradient: g2 } = valueAndGradient(second.phi, second.h, shape, { out: out2 });
    expect(F2).toBe(value(second.phi, second.h, fresh));
    expect(firstBitDifference(g2, gradient(second.phi, second.h, fresh))).toBe(-1);
    expect(
      firstBitDifference(gateGradient(second.phi, second.h, shape), gateGradient(second.phi, second.h, fresh)),
    ).toBe(-1);
    // the old arrays no longer fit it: refused, as any call of the wrong length is
    expect(() => value(first.phi, first.h, shape)).toThrow(
      /value\(\): phi\.length must be \(n \+ m\) \* k = 24, got 32/,
    );
    // and back: the first shape's result again, bit for bit
    Object.assign(shape, { n: 2, m: 2, k: 8 });
    expect(value(first.phi, first.h, shape)).toBe(F);
  });

  it("reads each field of a shape and of the options once a call, however many calls there are", () => {
    const { phi, h } = randomProblem({ n: 2, m: 2, k: 8 }, "f32", "binary", 3);
    const reads: string[] = [];
    const counted = <O extends object>(object: O): O =>
      new Proxy(object, { get: (target, key) => (reads.push(String(key)), Reflect.get(target, key)) });
    const shape = counted({ n: 2, m: 2, k: 8 });
    const options = counted({ out: new Float32Array(32), scale: 2 });
    for (let call = 0; call < 3; call++) valueAndGradient(phi, h, shape, options);
    expect(reads).toEqual(Array(3).fill(["n", "m", "k", "out", "scale", "accumulate"]).flat());
  });

  it("copies the caller's arrays in on every call: a change between calls is seen, and results are never shared", () => {
    const shape = { n: 2, m: 2, k: 8 };
    const { phi, h } = randomProblem(shape, "f32", "on", 4);
    const first = gradient(phi, h, shape);
    const kept = first.slice();
    phi[0] += 1;
    h[3] = 0;
    const second = gradient(phi, h, shape);
    // a new array each time, the first one untouched by the second call
    expect(second).not.toBe(first);
    expect(firstBitDifference(first, kept)).toBe(-1);
    expect(firstBitDifference(second, gradient(phi.slice(), h.slice(), { ...shape }))).toBe(-1);
    const { u, v } = pooled(phi, h, shape);
    expect(u).not.toBe(v);
    expect(firstBitDifference(u, pooled(phi.slice(), h.slice(), { ...shape }).u)).toBe(-1);
  });

  it("gives the same bits before and after wasm memory grew between two calls", () => {
    const shape = { n: 2, m: 2, k: 8 };
    const { phi, h } = randomProblem(shape, "f32", "real", 5);
    const out = new Float32Array(32);
    const F = valueAndGradient(phi, h, shape, { out }).value;
    const g = out.slice();
    const dots = gateGradient(phi, h, shape);
    growMemory();
    out.fill(7);
    expect(valueAndGradient(phi, h, shape, { out }).value).toBe(F);
    expect(firstBitDifference(out, g)).toBe(-1);
    expect(firstBitDifference(gateGradient(phi, h, shape), dots)).toBe(-1);
    // accumulating into out reads it in after the growth too
    valueAndGradient(phi, h, shape, { out, accumulate: true, scale: -1 });
    expect(out.every((x) => x === 0)).toBe(true);
  });
});

describe("a loop of a small Problem's calls", () => {
  it("still works when memory grew between two calls: the same bits, in live views", () => {
    const shape = { n: 2, m: 2, k: 8 };
    const { phi, h } = randomProblem(shape, "f32", "binary", 6);
    const p = problemOf(shape, phi as Float32Array, h as Float32Array);
    const { value: F, gradient: before } = p.valueAndGradient();
    const g = before.slice();
    const dots = p.gateGradient().slice();
    const { u } = p.pooled();
    const buffer = requireEngine("test").memory.buffer;
    growMemory();
    expect(before.length).toBe(0); // growth detached the view the first call returned
    const after = p.valueAndGradient();
    expect(after.value).toBe(F);
    expect(after.gradient.buffer).not.toBe(buffer);
    expect(firstBitDifference(after.gradient, g)).toBe(-1);
    expect(p.value()).toBe(F);
    expect(firstBitDifference(p.gateGradient(), dots)).toBe(-1);
    expect(firstBitDifference(p.pooled().u, u)).toBe(-1);
    // its arrays are still its own: a change through a fresh view is seen by the next call
    p.h.fill(0);
    expect(p.value()).toBe(0);
    expect(p.gradient().every((x) => x === 0)).toBe(true);
    p.dispose();
    expect(() => p.valueAndGradient()).toThrow(/Problem\.valueAndGradient\(\): this Problem was disposed/);
  });

  it("sees a change of phi and h made between calls, and accumulates into its gradient region", () => {
    const shape = { n: 3, m: 4, k: 5 };
    const { phi, h } = randomProblem(shape, "f32", "real", 7);
    const p = problemOf(shape, phi as Float32Array, h as Float32Array);
    p.valueAndGradient();
    p.phi[0] = 3;
    const expected = gradient(p.phi.slice(), p.h.slice(), shape);
    expect(firstBitDifference(p.gradient(), expected)).toBe(-1);
    const twice = p.gradient({ accumulate: true });
    const sum = gradient(p.phi.slice(), p.h.slice(), shape, { out: expected.slice(), accumulate: true });
    expect(firstBitDifference(twice, sum)).toBe(-1);
    p.dispose();
  });
});

describe("the planner", () => {
  it("is not asked where every variant runs one loop: value, pooled and gateGradient of groups of at most 16 rows", () => {
    const smallRows = requireEngine("test").smallRows;
    expect(smallRows).toBe(16);
    const small = { n: 16, m: 3, k: 8 };
    const { phi, h } = randomProblem(small, "f32", "binary", 8);
    for (let call = 0; call < 100; call++) {
      value(phi, h, small);
      pooled(phi, h, small);
      gateGradient(phi, h, small);
    }
    const p = problemOf(small, phi as Float32Array, h as Float32Array);
    for (let call = 0; call < 100; call++) {
      p.value();
      p.pooled();
      p.gateGradient();
    }
    expect(planEntries()).toEqual([]);
    // valueAndGradient's variants differ at every size (the fused pass, the ways to write): planned
    p.valueAndGradient();
    valueAndGradient(phi, h, small);
    expect(planEntries().map((e) => e.job)).toEqual(["valueAndGradient"]);
    // one large group: compacted, gateGradient pools it (streaming, it reads it for its sum and dots): planned
    const lopsided = { n: 2, m: 3000, k: 8 };
    const wide = randomProblem(lopsided, "f32", "binary", 9);
    gateGradient(wide.phi, wide.h, lopsided);
    expect(planEntries().map((e) => e.job)).toEqual(["valueAndGradient", "gateGradient"]);
    // and past 16 rows in a group, value is planned as before
    const larger = { n: 17, m: 3, k: 8 };
    const l = randomProblem(larger, "f32", "binary", 10);
    value(l.phi, l.h, larger);
    value(wide.phi, wide.h, lopsided);
    expect(planEntries().filter((e) => e.job === "value")).toHaveLength(2);
    p.dispose();
  });

  it("plans only valueAndGradient of a small shape given to init() to plan", async () => {
    await init({ planShapes: [{ n: 2, m: 2, k: 8 }] });
    expect(planEntries().map((e) => [e.job, e.settled])).toEqual([["valueAndGradient", true]]);
  });
});
