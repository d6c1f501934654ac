// The planner's modes (src/wasm/planner.ts, docs/planner.md): estimate picks from a model and
// never times, patient times longer, wisdom-only takes imported wisdom or the fixed rule, a
// budget caps the measuring, init plans shapes given in advance, and wisdom is keyed to what
// measured it. Clocks are mocked where a count of runs matters: no assertion depends on speed.
// Portable: runs in every runtime and browser.
import { afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { createProblem, exportWisdom, importWisdom, planEntries, value, type Wisdom } from "../src/index.js";
import { simdWasm } from "../src/wasm/generated/simd.js";
import { scalarWasm } from "../src/wasm/generated/scalar.js";
import { init, requireEngine } from "../src/wasm/init.js";
import {
  estimatedVariant,
  fixedLoop,
  layoutOf,
  resetPlan,
  settledBits,
  sizeClass,
  variantBits,
  variantsOf,
  type PlanJob,
} from "../src/wasm/planner.js";
import { fnv1a } from "../src/wasm/wisdom.js";
import { firstBitDifference, randomProblem } from "./helpers.js";

beforeAll(() => init());
afterEach(async () => {
  vi.restoreAllMocks();
  await init({ plan: "measure", planBudget: Infinity });
  resetPlan();
});

const JOBS: PlanJob[] = ["value", "valueAndGradient", "gateGradient"];
const shape = { n: 600, m: 400, k: 32 };
const layout = (s = shape, simd = true) => {
  const engine = requireEngine("test");
  return { ...layoutOf(engine, engine.f32, (s.n + s.m) * s.k, s.k), simd };
};
const entryOf = (job: PlanJob) => planEntries().find((e) => e.job === job);
/** The plan bits each call of the f32 value kernel ran with. */
function planOfValueCalls(): number[] {
  const K = requireEngine("test").f32;
  const plans: number[] = [];
  const original = K.value;
  vi.spyOn(K, "value").mockImplementation((args) => (plans.push(args.plan), original(args)));
  return plans;
}
/** A clock that advances `ms` at every second read (a call's end), so each timed call takes `ms`. */
const clockOf = (ms: number) => {
  let reads = 0;
  vi.spyOn(performance, "now").mockImplementation(() => Math.floor(++reads / 2) * ms);
};

describe("estimate's model", () => {
  it("picks one of the class's variants for every layout, build and kernel", () => {
    for (const simd of [true, false])
      for (const k of [1, 2, 4, 8, 16, 24, 32, 33, 64, 65, 256])
        for (const n of [4, 300, 70_000])
          for (const job of JOBS) {
            const l = layout({ n, m: n, k }, simd);
            expect(variantsOf(job, l)).toContain(estimatedVariant(job, l));
          }
  });

  it("pools compacted in cache (rows of 128 bytes and more; F and dF/dh 32), streams beyond 16 MiB, multi-block for rows of 16 to 64 bytes, and fuses the gradient", () => {
    const inCache = layout({ n: 4096, m: 4096, k: 64 });
    const outOfCache = layout({ n: 65536, m: 65536, k: 64 });
    const narrow = layout({ n: 16384, m: 16384, k: 8 });
    const narrowest = layout({ n: 16384, m: 16384, k: 6 });
    const wide = layout({ n: 500_000, m: 500_000, k: 32 });
    expect(JOBS.map((job) => estimatedVariant(job, inCache))).toEqual(["compacted", "compacted+fused", "compacted"]);
    expect(JOBS.map((job) => estimatedVariant(job, outOfCache))).toEqual(["streaming", "streaming+fused", "streaming"]);
    expect(JOBS.map((job) => estimatedVariant(job, narrow))).toEqual(["compacted", "streaming+fused", "compacted"]);
    expect(JOBS.map((job) => estimatedVariant(job, narrowest))).toEqual([
      "multi-block",
      "streaming+fused",
      "multi-block",
    ]);
    expect(estimatedVariant("gateGradient", { ...narrow, simd: false })).toBe("streaming");
    expect(JOBS.map((job) => estimatedVariant(job, { ...narrow, phiBytes: 17 * 2 ** 20 }))).toEqual([
      "multi-block",
      "streaming+fused",
      "multi-block",
    ]);
    expect(JOBS.map((job) => estimatedVariant(job, wide))).toEqual(["wide-strips", "wide-strips+fused", "wide-strips"]);
    expect(estimatedVariant("value", { ...wide, simd: false })).toBe("streaming");
  });
});

describe("the planner's modes", () => {
  it("estimate runs the model's variant, times nothing, and gives batches the same; a Problem too", async () => {
    await init({ plan: "estimate" });
    const now = vi.spyOn(performance, "now");
    const plans = planOfValueCalls();
    const { phi, h } = randomProblem(shape, "f32", "binary", 1);
    const F = value(phi, h, shape);
    const p = createProblem(shape);
    p.phi.set(phi);
    p.h.set(h);
    expect(p.value()).toBe(F);
    p.dispose();
    const bits = variantBits(estimatedVariant("value", layout()), layout().bits);
    expect(plans).toEqual([bits, bits]);
    expect(settledBits("value", layout())).toBe(bits);
    expect(now).not.toHaveBeenCalled();
    expect(planEntries()).toEqual([]);
  });

  it("estimate and wisdom-only run imported wisdom first; wisdom-only takes the fixed rule otherwise", async () => {
    const l = layout();
    const key = sizeClass("f32", l.phiBytes, l.rowBytes);
    const { phi, h } = randomProblem(shape, "f32", "binary", 2);
    for (const mode of ["estimate", "wisdom-only"] as const) {
      await init({ plan: mode });
      const plans = planOfValueCalls();
      value(phi, h, shape);
      importWisdom({ ...exportWisdom(), plans: { [key]: { value: "streaming" } } });
      value(phi, h, shape);
      const rule = mode === "estimate" ? estimatedVariant("value", l) : fixedLoop(l.phiBytes, l.rowBytes);
      expect(rule).toBe("compacted");
      expect(plans).toEqual([l.bits.compact, 0]);
      expect(planEntries().map((e) => e.source)).toEqual(["imported"]);
      vi.restoreAllMocks();
      resetPlan();
    }
  });

  it("patient times every variant 10 times after two untimed turns, and 200 ms, then re-plans a class that measure settled", async () => {
    const { phi, h } = randomProblem(shape, "f32", "binary", 3);
    const variants = variantsOf("value", layout()).length;
    clockOf(1);
    // measure: a turn untimed, then 3 runs each and 20 ms
    let calls = 0;
    for (; !entryOf("value")?.settled; calls++) value(phi, h, shape);
    expect(calls).toBe(variants + Math.max(3 * variants, 20));
    await init({ plan: "patient" });
    calls = 0;
    for (; !entryOf("value")?.settled || entryOf("value")!.mode !== "patient"; calls++) value(phi, h, shape);
    expect(calls).toBe(2 * variants + Math.max(10 * variants, 200));
    expect(Object.values(entryOf("value")!.timings!).every((t) => t.runs >= 10)).toBe(true);
    expect(exportWisdom().mode).toBe("patient");
    // patient wisdom stays settled in patient mode; measure wisdom would be measured again
    const wisdom = exportWisdom();
    resetPlan();
    importWisdom({ ...wisdom, mode: "measure" });
    value(phi, h, shape);
    expect(entryOf("value")).toMatchObject({ settled: false, mode: "patient", source: "measured" });
    resetPlan();
    importWisdom(wisdom);
    value(phi, h, shape);
    expect(entryOf("value")).toMatchObject({ settled: true, mode: "patient", source: "imported" });
  });

  it("a budget ends a class's measuring once its calls spent it: the fastest timed so far, or estimate's choice if none was", async () => {
    const { phi, h } = randomProblem(shape, "f32", "binary", 4);
    const variants = variantsOf("value", layout());
    await init({ planBudget: variants.length + 2 });
    clockOf(1);
    // the untimed turn is clocked for the budget: it ends at the 2nd timed call
    for (let call = 0; call < variants.length + 2; call++) {
      expect(entryOf("value")?.settled ?? false).toBe(false);
      value(phi, h, shape);
    }
    expect(entryOf("value")).toMatchObject({ settled: true, variant: variants[0] });
    expect(Object.values(entryOf("value")!.timings!).map((t) => t.runs)).toEqual([1, 1]);
    resetPlan();
    await init({ planBudget: 0 });
    value(phi, h, shape);
    expect(entryOf("value")).toMatchObject({ settled: true, variant: estimatedVariant("value", layout()) });
    await expect(init({ planBudget: -1 })).rejects.toThrow(
      new TypeError("init(): options.planBudget must be a number of ms >= 0 or undefined, got -1"),
    );
  });

  it("init plans the shapes given in advance: every kernel of their classes settles, and later calls are not timed", async () => {
    await init({ planShapes: [shape, { n: 30, m: 20, k: 16, precision: "f64" }] });
    const entries = planEntries();
    expect(entries.map((e) => [e.sizeClass, e.job, e.settled])).toEqual([
      ...JOBS.map((job) => [sizeClass("f32", 1000 * 32 * 4, 128), job, true]),
      ...JOBS.map((job) => [sizeClass("f64", 50 * 16 * 8, 128), job, true]),
    ]);
    const { phi, h } = randomProblem(shape, "f32", "binary", 5);
    const now = vi.spyOn(performance, "now");
    const before = value(phi, h, shape);
    expect(now).not.toHaveBeenCalled();
    // the settled choice gives the bits of any other variant
    await init({ plan: "fixed" });
    expect(value(phi, h, shape)).toBe(before);
    // modes that time nothing plan nothing at init
    resetPlan();
    await init({ plan: "estimate", planShapes: [shape] });
    expect(planEntries()).toEqual([]);
  });

  it("refuses bad shapes to plan, naming the element", async () => {
    const cases: [unknown, RegExp][] = [
      [{ n: 4, m: 4, k: 2 }, /options\.planShapes must be an array of shapes, got Object/],
      [[null], /options\.planShapes\[0\] must be a shape \{ n, m, k, precision\? \}, got null/],
      [[shape, { n: 0, m: 4, k: 2 }], /options\.planShapes\[1\]\.n must be a whole number from 1 to 2\^28, got 0/],
      [[{ n: 4, m: 4, k: 2.5 }], /options\.planShapes\[0\]\.k must be a whole number/],
      [[{ ...shape, precision: "f16" }], /options\.planShapes\[0\]\.precision must be "f32", "f64" or undefined/],
    ];
    for (const [planShapes, message] of cases)
      await expect(init({ planShapes: planShapes as never })).rejects.toThrow(message);
    expect(planEntries()).toEqual([]);
  });
});

describe("wisdom's key", () => {
  it("names the build by the hash of its bytes, the engine and the CPU, and the mode that made it", () => {
    const wisdom = exportWisdom();
    const simd = requireEngine("test").simd;
    expect(wisdom.key.build).toBe(fnv1a(simd ? simdWasm : scalarWasm));
    expect(fnv1a(simdWasm)).not.toBe(fnv1a(scalarWasm));
    // FNV-1a's own test vectors
    expect([fnv1a(""), fnv1a("a"), fnv1a(new Uint8Array([97]))]).toEqual(["811c9dc5", "e40c292c", "e40c292c"]);
    expect(wisdom.key.engine).toMatch(simd ? /^SIMD build, \S/ : /^scalar build, \S/);
    expect(wisdom.key.cpu).toMatch(/, (\d+|\?) threads$/);
    expect(wisdom.mode).toBe("measure");
  });

  it("refuses wisdom that another build, engine or CPU measured, naming what differs; acceptForeign imports it", () => {
    const own = exportWisdom();
    const plans = { "f32 phi<=2^20 row<=2^8": { value: "streaming" } };
    const foreign: Wisdom = { ...own, key: { ...own.key, cpu: "Some Other CPU, 64 threads" }, plans };
    expect(() => importWisdom(foreign)).toThrow(
      new Error(
        `importWisdom(): the wisdom was measured elsewhere: its cpu "Some Other CPU, 64 threads" is not this one's ` +
          `${JSON.stringify(own.key.cpu)}; pass { acceptForeign: true } to import it anyway`,
      ),
    );
    const twoAway = { ...foreign, key: { ...foreign.key, build: "00000000" } };
    expect(() => importWisdom(twoAway)).toThrow(/its build "00000000" is not this one's "[0-9a-f]{8}", its cpu /);
    expect(planEntries()).toEqual([]);
    importWisdom(twoAway, { acceptForeign: true });
    expect(planEntries()).toMatchObject([{ variant: "streaming", settled: true, source: "imported" }]);
    expect(() => importWisdom(own, { acceptForeign: "yes" as never })).toThrow(
      new TypeError("importWisdom(): options.acceptForeign must be a boolean or undefined, got string"),
    );
  });

  it("treats version 2 wisdom, which has no key, as foreign", () => {
    const v2 = { format: "crossgrad-wisdom", version: 2, plans: { "f32 phi<=2^20 row<=2^8": { value: "streaming" } } };
    expect(() => importWisdom(v2 as unknown as Wisdom)).toThrow(
      new Error(
        "importWisdom(): wisdom of version 2 has no key of the build, engine and CPU that measured it; " +
          "pass { acceptForeign: true } to import it anyway",
      ),
    );
    expect(planEntries()).toEqual([]);
    importWisdom(v2 as unknown as Wisdom, { acceptForeign: true });
    expect(planEntries()).toMatchObject([{ variant: "streaming", source: "imported", mode: "measure" }]);
  });

  it("imports its own export in a later run: the same choices, the same bits", () => {
    const { phi, h } = randomProblem(shape, "f32", "binary", 6);
    while (!entryOf("value")?.settled) value(phi, h, shape);
    const F = value(phi, h, shape);
    const wisdom = JSON.parse(JSON.stringify(exportWisdom()));
    resetPlan();
    importWisdom(wisdom);
    expect(exportWisdom().plans).toEqual(wisdom.plans);
    expect(firstBitDifference(Float64Array.of(value(phi, h, shape)), Float64Array.of(F))).toBe(-1);
  });
});
