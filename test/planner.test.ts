// The planner (src/planner.ts): the first dense call of a size class times both pooling loops
// and keeps the faster; wisdom exports and imports those choices; init({ plan: "fixed" })
// keeps the one rule. Whatever it picks, the bits are the same (kernel-suite.ts checks every
// kernel both ways). Portable: runs in every runtime and browser.
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import {
  createProblem,
  exportWisdom,
  importWisdom,
  init,
  planEntries,
  PLAN_BUDGET_MS,
  value,
  valueAndGradient,
  type Wisdom,
} from "../src/index.js";
import { fixedLoop, resetPlan, sizeClass } from "../src/planner.js";
import { firstBitDifference, randomProblem } from "./helpers.js";

beforeAll(() => init());
afterEach(async () => {
  await init({ plan: "measure" });
  resetPlan();
});

describe("the planner", () => {
  it("times both loops on the first dense call of a size class, at least twice each, and keeps the faster", () => {
    resetPlan();
    const shape = { n: 3000, m: 1000, k: 64 };
    const { phi, h } = randomProblem(shape, "f32", "binary", 5);
    value(phi, h, shape);
    const entries = planEntries();
    expect(entries).toHaveLength(1);
    const [entry] = entries;
    expect(entry.sizeClass).toBe(sizeClass("f32", 4000 * 64 * 4, 64 * 4));
    expect(entry.sizeClass).toBe("f32 phi<=2^20 row<=2^8");
    expect(entry.source).toBe("measured");
    expect(entry.runs).toBeGreaterThanOrEqual(2);
    const { compacted, streaming } = entry.ms!;
    expect(compacted).toBeGreaterThanOrEqual(0);
    expect(streaming).toBeGreaterThanOrEqual(0);
    expect(entry.loop).toBe(
      compacted === streaming ? fixedLoop(4000 * 64 * 4, 256) : compacted < streaming ? "compacted" : "streaming",
    );
    // the same class is never timed again; another class is
    value(phi, h, shape);
    createProblem(shape).dispose();
    expect(planEntries()).toHaveLength(1);
    const wide = { n: 300, m: 100, k: 64 };
    const small = randomProblem(wide, "f64", "real", 6);
    valueAndGradient(small.phi, small.h, wide);
    expect(planEntries().map((e) => e.sizeClass)).toEqual([entry.sizeClass, "f64 phi<=2^18 row<=2^9"]);
    expect(PLAN_BUDGET_MS).toBe(20);
  });

  it("does not time a class on gates mostly off (the compacted loop would skip them), but on the next call with 1/8 on", () => {
    resetPlan();
    const shape = { n: 600, m: 400, k: 32 };
    const { phi, h } = randomProblem(shape, "f32", "binary", 9);
    const p = createProblem(shape);
    p.phi.set(phi);
    // a new Problem's gates are all 0; then 1 row in 10 on
    expect(p.value()).toBe(0);
    p.h.set(Array.from({ length: 1000 }, (_, i) => (i % 10 === 0 ? 1 : 0)));
    p.value();
    value(phi, new Float32Array(1000), shape);
    expect(planEntries()).toEqual([]);
    p.h.set(h);
    const F = p.value();
    expect(planEntries()).toHaveLength(1);
    expect(planEntries()[0].source).toBe("measured");
    expect(F).toBe(value(phi, h, shape));
    p.dispose();
  });

  it("exports its choices as wisdom, and imported wisdom is used instead of timing", () => {
    resetPlan();
    const shape = { n: 500, m: 700, k: 16 };
    const { phi, h } = randomProblem(shape, "f32", "binary", 7);
    const before = valueAndGradient(phi, h, shape);
    const wisdom = exportWisdom();
    expect(wisdom).toEqual({
      format: "crossgrad-wisdom",
      version: 1,
      loops: { [planEntries()[0].sizeClass]: planEntries()[0].loop },
    });
    expect(JSON.parse(JSON.stringify(wisdom))).toEqual(wisdom);
    // the other loop, imported: no timing, and the same bits
    resetPlan();
    const key = Object.keys(wisdom.loops)[0];
    const other = wisdom.loops[key] === "compacted" ? "streaming" : "compacted";
    importWisdom({ format: "crossgrad-wisdom", version: 1, loops: { [key]: other } });
    const after = valueAndGradient(phi, h, shape);
    expect(planEntries()).toEqual([{ sizeClass: key, loop: other, source: "imported" }]);
    expect(after.value).toBe(before.value);
    expect(firstBitDifference(after.gradient, before.gradient)).toBe(-1);
  });

  it("refuses what is not wisdom, naming it, and adds nothing then", () => {
    resetPlan();
    const good = { "f32 phi<=2^20 row<=2^8": "compacted" } as const;
    const cases: [unknown, RegExp][] = [
      [null, /wisdom must be the object exportWisdom\(\) returns, got null/],
      [[1], /wisdom must be the object exportWisdom\(\) returns, got Array/],
      [{ format: "fftw", version: 1, loops: good }, /wisdom\.format must be "crossgrad-wisdom"/],
      [{ format: "crossgrad-wisdom", version: 2, loops: good }, /and wisdom\.version 1, got "crossgrad-wisdom" and 2/],
      [{ format: "crossgrad-wisdom", version: 1, loops: "x" }, /wisdom\.loops must be an object, got string/],
      [
        { format: "crossgrad-wisdom", version: 1, loops: { ...good, "f16 phi<=2^3 row<=2^2": "compacted" } },
        /wisdom\.loops has "f16 phi<=2\^3 row<=2\^2", which is not a size class/,
      ],
      [
        { format: "crossgrad-wisdom", version: 1, loops: { ...good, "f64 phi<=2^70 row<=2^2": "streaming" } },
        /not a size class/,
      ],
      [
        { format: "crossgrad-wisdom", version: 1, loops: { ...good, "f64 phi<=2^20 row<=2^4": "fast" } },
        /wisdom\.loops\["f64 phi<=2\^20 row<=2\^4"\] must be "compacted" or "streaming", got "fast"/,
      ],
    ];
    for (const [wisdom, message] of cases) {
      expect(() => importWisdom(wisdom as Wisdom)).toThrow(TypeError);
      expect(() => importWisdom(wisdom as Wisdom)).toThrow(message);
      expect(planEntries()).toEqual([]);
    }
  });

  it('init({ plan: "fixed" }) keeps the one rule and times nothing; a later init may measure again', async () => {
    resetPlan();
    await init({ plan: "fixed" });
    const shape = { n: 2000, m: 2000, k: 32 };
    const { phi, h } = randomProblem(shape, "f32", "binary", 8);
    const fixed = valueAndGradient(phi, h, shape);
    const p = createProblem(shape);
    p.phi.set(phi);
    p.h.set(h);
    expect(p.value()).toBe(fixed.value);
    p.dispose();
    expect(planEntries()).toEqual([]);
    await init({ plan: "measure" });
    const measured = valueAndGradient(phi, h, shape);
    expect(planEntries()).toHaveLength(1);
    expect(measured.value).toBe(fixed.value);
    expect(firstBitDifference(measured.gradient, fixed.gradient)).toBe(-1);
    await expect(init({ plan: "fast" as never })).rejects.toThrow(
      new TypeError('init(): options.plan must be "measure", "fixed" or undefined, got "fast"'),
    );
  });

  it("keeps the fixed rule measured on one machine: compacted up to 16 MiB of phi, for rows of 128 bytes and more", () => {
    expect(fixedLoop(16 * 2 ** 20, 128)).toBe("compacted");
    expect(fixedLoop(16 * 2 ** 20 + 1, 128)).toBe("streaming");
    expect(fixedLoop(2 ** 20, 64)).toBe("streaming");
  });
});
