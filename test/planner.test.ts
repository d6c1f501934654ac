// The planner (src/wasm/planner.ts): the first calls of each size class and kernel run its loop
// variants in turn, timed, and the class keeps the fastest; wisdom exports and imports those
// choices; init({ plan: "fixed" }) keeps the one rule. Whatever it picks, the bits are the same
// (kernel-suite.ts checks every variant of every kernel). Portable: runs in every runtime and browser.
import { afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import {
  batchPooled,
  createProblem,
  exportWisdom,
  gateGradient,
  importWisdom,
  planEntries,
  PLAN_BUDGET_MS,
  value,
  valueAndGradient,
  type PlanEntry,
  type Wisdom,
} from "../src/index.js";
import { init, requireEngine } from "../src/wasm/init.js";
import {
  fixedLoop,
  layoutOf,
  resetPlan,
  settledBits,
  sizeClass,
  variantsOf,
  type PlanJob,
} from "../src/wasm/planner.js";
import { firstBitDifference, randomProblem } from "./helpers.js";

beforeAll(() => init());
afterEach(async () => {
  vi.restoreAllMocks();
  await init({ plan: "measure" });
  resetPlan();
});

const entryOf = (job: PlanJob, sizeClassKey?: string): PlanEntry | undefined =>
  planEntries().find((e) => e.job === job && (sizeClassKey === undefined || e.sizeClass === sizeClassKey));

/** The layout the planner sees for an f32 or f64 call of this shape. */
function layout(shape: { n: number; m: number; k: number }, precision: "f32" | "f64" = "f32") {
  const engine = requireEngine("test");
  return layoutOf(engine, engine[precision], (shape.n + shape.m) * shape.k, shape.k);
}

describe("the planner", () => {
  it("runs each variant of a class in turn on its first calls, a turn to warm up, then timed, and keeps the fastest by minimum time", () => {
    const shape = { n: 3000, m: 1000, k: 64 };
    const { phi, h } = randomProblem(shape, "f32", "binary", 5);
    const variants = variantsOf("value", layout(shape));
    // the fixed rule's loop first (a tie keeps it), then the other pooling loop
    expect(variants.slice(0, 2)).toEqual(["compacted", "streaming"]);
    const F = value(phi, h, shape);
    let calls = 1;
    while (!entryOf("value")!.settled) {
      // every call, whichever variant it ran, gives the same bits
      expect(value(phi, h, shape)).toBe(F);
      calls++;
      expect(calls).toBeLessThanOrEqual(26 * variants.length);
    }
    const entry = entryOf("value")!;
    expect(entry.sizeClass).toBe(sizeClass("f32", 4000 * 64 * 4, 64 * 4));
    expect(entry.sizeClass).toBe("f32 phi<=2^20 row<=2^8");
    expect(entry.source).toBe("measured");
    expect(Object.keys(entry.timings!)).toEqual(variants);
    const runs = Object.values(entry.timings!).map((t) => t.runs);
    // turn by turn: every variant ran at least 3 times, none more than once more than another
    expect(Math.min(...runs)).toBeGreaterThanOrEqual(3);
    expect(Math.max(...runs) - Math.min(...runs)).toBeLessThanOrEqual(1);
    // the first turn is not timed
    expect(runs.reduce((a, b) => a + b)).toBe(calls - variants.length);
    const ms = variants.map((v) => entry.timings![v].ms);
    expect(entry.variant).toBe(variants[ms.indexOf(Math.min(...ms))]);
    // settled: later calls are not timed; another kernel and another class are planned apart
    value(phi, h, shape);
    expect(entryOf("value")!.timings).toEqual(entry.timings);
    valueAndGradient(phi, h, shape);
    expect(entryOf("valueAndGradient", entry.sizeClass)!.settled).toBe(false);
    const wide = { n: 300, m: 100, k: 64 };
    const small = randomProblem(wide, "f64", "real", 6);
    gateGradient(small.phi, small.h, wide);
    expect(entryOf("gateGradient")!.sizeClass).toBe("f64 phi<=2^18 row<=2^9");
    expect(PLAN_BUDGET_MS).toBe(20);
  });

  it("settles once every variant ran 3 times and the timed calls add up to 20 ms, the fastest by its least disturbed run", () => {
    const shape = { n: 500, m: 400, k: 32 };
    const { phi, h } = randomProblem(shape, "f32", "binary", 3);
    const variants = variantsOf("value", layout(shape));
    expect(variants).toEqual(["compacted", "streaming", "wide-strips"]);
    // a clock under the test's control: after the untimed first turn, timed call j runs variant
    // j % 3 and takes cost[j % 3] ms, but the 5th (variant 1, streaming) is disturbed
    const cost = [4, 3, 3.5];
    let t = 0,
      reads = 0;
    vi.spyOn(performance, "now").mockImplementation(() => {
      const call = Math.floor(reads / 2);
      if (reads++ % 2) t += call === 4 ? 50 : cost[call % 3];
      return t;
    });
    for (let call = 0; call < 3 + 9; call++) {
      value(phi, h, shape);
      // 20 ms and 3 runs each are reached at the 9th timed call (4 + 3 + 3.5 per turn, plus the disturbed 50)
      expect(entryOf("value")!.settled).toBe(call === 3 + 8);
    }
    const entry = entryOf("value")!;
    expect(entry.timings).toEqual({
      compacted: { ms: 4, runs: 3 },
      streaming: { ms: 3, runs: 3 },
      "wide-strips": { ms: 3.5, runs: 3 },
    });
    expect(entry.variant).toBe("streaming");
  });

  it("keeps the fixed rule's variant when the clock cannot tell the variants apart", () => {
    const shape = { n: 500, m: 400, k: 32 };
    const { phi, h } = randomProblem(shape, "f32", "binary", 3);
    vi.spyOn(performance, "now").mockReturnValue(1);
    // 20 ms are never spent: 25 runs each end it
    for (let call = 0; call < 3 + 75; call++) value(phi, h, shape);
    expect(entryOf("value")).toMatchObject({ settled: true, variant: fixedLoop(900 * 32 * 4, 128) });
  });

  it("plans valueAndGradient over the pooling loops and the ways to write the gradient, gateGradient over the loops", () => {
    const shape = { n: 3000, m: 1000, k: 8 };
    expect(variantsOf("valueAndGradient", layout(shape))).toEqual(
      ["streaming", "compacted", "multi-block"].flatMap((l) =>
        [l, `${l}+fused`].flatMap((p) => [p, `${p}+fill-first`, `${p}+touch-ahead`]),
      ),
    );
    expect(variantsOf("gateGradient", layout(shape))).toEqual(["streaming", "compacted", "multi-block"]);
    // the scalar build has no wide strips or multi-block loop: they would run streaming's code
    expect(variantsOf("value", { ...layout(shape), simd: false })).toEqual(["streaming", "compacted"]);
    expect(variantsOf("value", layout({ n: 10, m: 10, k: 100 }))).toEqual(["compacted", "streaming"]);
    const { phi, h } = randomProblem(shape, "f32", "binary", 2);
    const first = valueAndGradient(phi, h, shape);
    for (let call = 0; call < 18 + 17; call++) {
      const again = valueAndGradient(phi, h, shape);
      expect(again.value).toBe(first.value);
      expect(firstBitDifference(again.gradient, first.gradient)).toBe(-1);
    }
    expect(Object.keys(entryOf("valueAndGradient")!.timings!)).toHaveLength(18);
  });

  it("does not time calls on gates mostly off (the compacted loop would skip them) nor accumulating calls, but the next ones", () => {
    const shape = { n: 600, m: 400, k: 32 };
    const { phi, h } = randomProblem(shape, "f32", "binary", 9);
    const p = createProblem(shape);
    p.phi.set(phi);
    // a new Problem's gates are all 0; then 1 row in 10 on
    expect(p.value()).toBe(0);
    p.h.set(Array.from({ length: 1000 }, (_, i) => (i % 10 === 0 ? 1 : 0)));
    p.value();
    value(phi, new Float32Array(1000), shape);
    expect(entryOf("value")!.timings).toBeUndefined();
    // accumulating calls: the fused pass and fill-first do not apply, so they would time nothing
    valueAndGradient(phi, h, shape);
    const timed = entryOf("valueAndGradient")!.timings;
    p.h.set(h);
    p.gradient({ accumulate: true });
    expect(entryOf("valueAndGradient")!.timings).toEqual(timed);
    // the first turn of the class's variants, untimed, then the first timed call
    for (let call = 0; call < variantsOf("value", layout(shape)).length; call++) p.value();
    expect(entryOf("value")!.timings).toBeUndefined();
    const F = p.value();
    expect(Object.values(entryOf("value")!.timings!)).toEqual([{ ms: expect.any(Number), runs: 1 }]);
    expect(F).toBe(value(phi, h, shape));
    p.dispose();
  });

  it("plans a class whose calls keep few gates on on those calls, after its first three (and reads the gates no more)", () => {
    const shape = { n: 600, m: 400, k: 32 };
    const { phi } = randomProblem(shape, "f32", "binary", 9);
    const sparse = Float32Array.from({ length: 1000 }, (_, i) => (i % 20 === 0 ? 1 : 0));
    const turn = variantsOf("value", layout(shape)).length;
    // 3 calls untimed for their gates, a turn untimed to warm up, then timed calls
    for (let call = 0; call < 3 + turn; call++) value(phi, sparse, shape);
    expect(entryOf("value")!.timings).toBeUndefined();
    value(phi, sparse, shape);
    expect(Object.values(entryOf("value")!.timings!)).toEqual([{ ms: expect.any(Number), runs: 1 }]);
  });

  it("exports its settled choices as wisdom, and imported wisdom is used instead of timing", () => {
    const shape = { n: 500, m: 700, k: 16 };
    const { phi, h } = randomProblem(shape, "f32", "binary", 7);
    const before = valueAndGradient(phi, h, shape);
    // nothing settled yet: nothing to export
    const key = exportWisdom().key;
    expect(exportWisdom()).toEqual({ format: "crossgrad-wisdom", version: 3, key, mode: "measure", plans: {} });
    while (!entryOf("valueAndGradient")!.settled) valueAndGradient(phi, h, shape);
    const wisdom = exportWisdom();
    const sizeClassKey = entryOf("valueAndGradient")!.sizeClass;
    expect(wisdom).toEqual({
      format: "crossgrad-wisdom",
      version: 3,
      key,
      mode: "measure",
      plans: { [sizeClassKey]: { valueAndGradient: entryOf("valueAndGradient")!.variant } },
    });
    expect(JSON.parse(JSON.stringify(wisdom))).toEqual(wisdom);
    // another variant, imported: no timing, and the same bits; a Problem's memo of the old choice is dropped
    const p = createProblem(shape);
    p.phi.set(phi);
    p.h.set(h);
    p.valueAndGradient();
    resetPlan();
    importWisdom({ ...wisdom, plans: { [sizeClassKey]: { valueAndGradient: "compacted+fused" } } });
    const after = valueAndGradient(phi, h, shape);
    const viaProblem = p.valueAndGradient();
    expect(planEntries()).toEqual([
      {
        sizeClass: sizeClassKey,
        job: "valueAndGradient",
        variant: "compacted+fused",
        settled: true,
        source: "imported",
        mode: "measure",
      },
    ]);
    expect(after.value).toBe(before.value);
    expect(firstBitDifference(after.gradient, before.gradient)).toBe(-1);
    expect(firstBitDifference(viaProblem.gradient, before.gradient)).toBe(-1);
    p.dispose();
    // version 1 (a pooling loop per class, no key) is read as the value kernel's choice, if accepted
    importWisdom(
      { format: "crossgrad-wisdom", version: 1, loops: { [sizeClassKey]: "streaming" } } as unknown as Wisdom,
      {
        acceptForeign: true,
      },
    );
    expect(entryOf("value", sizeClassKey)).toMatchObject({ variant: "streaming", settled: true, source: "imported" });
  });

  it("refuses what is not wisdom, naming it, and adds nothing then", () => {
    const good = { "f32 phi<=2^20 row<=2^8": { value: "compacted" } };
    const key = exportWisdom().key;
    const wisdom = (plans: unknown, more = {}) => ({
      format: "crossgrad-wisdom",
      version: 3,
      key,
      mode: "measure",
      plans,
      ...more,
    });
    const cases: [unknown, RegExp][] = [
      [null, /wisdom must be the object exportWisdom\(\) returns, got null/],
      [[1], /wisdom must be the object exportWisdom\(\) returns, got Array/],
      [{ format: "fftw", version: 2, plans: good }, /wisdom\.format must be "crossgrad-wisdom"/],
      [
        { format: "crossgrad-wisdom", version: 4, plans: good },
        /and wisdom\.version 3 \(or 2 or 1\), got "crossgrad-wisdom" and 4/,
      ],
      [wisdom(good, { key: "here" }), /wisdom\.key must be an object, got string/],
      [wisdom(good, { key: { ...key, cpu: 8 } }), /wisdom\.key\.cpu must be a string, got number/],
      [wisdom(good, { mode: "estimate" }), /wisdom\.mode must be "measure" or "patient", got "estimate"/],
      [wisdom("x"), /wisdom\.plans must be an object, got string/],
      [{ format: "crossgrad-wisdom", version: 1, loops: [] }, /wisdom\.loops must be an object, got Array/],
      [
        wisdom({ ...good, "f16 phi<=2^3 row<=2^2": {} }),
        /wisdom\.plans has "f16 phi<=2\^3 row<=2\^2", which is not a size class/,
      ],
      [wisdom({ ...good, "f64 phi<=2^70 row<=2^2": {} }), /not a size class/],
      [
        wisdom({ "f64 phi<=2^20 row<=2^4": "streaming" }),
        /wisdom\.plans\["f64 phi<=2\^20 row<=2\^4"\] must be an object of variants by kernel, got string/,
      ],
      [
        wisdom({ "f64 phi<=2^20 row<=2^4": { fit: "streaming" } }),
        /has "fit", which is not value, valueAndGradient or gateGradient/,
      ],
      [
        wisdom({ "f64 phi<=2^20 row<=2^4": { value: "fast" } }),
        /wisdom\.plans\["f64 phi<=2\^20 row<=2\^4"\]\.value must be a variant such as "streaming", got "fast"/,
      ],
      [
        wisdom({ "f64 phi<=2^20 row<=2^4": { value: "streaming+fused" } }),
        /\.value must be a variant such as "streaming", got "streaming\+fused"/,
      ],
      [
        wisdom({ "f64 phi<=2^20 row<=2^4": { valueAndGradient: "streaming+fill-first+fused" } }),
        /\.valueAndGradient must be a variant such as "streaming\+fused"/,
      ],
      [
        wisdom({ "f64 phi<=2^20 row<=2^4": { valueAndGradient: "compacted+fill-first+touch-ahead" } }),
        /got "compacted\+fill-first\+touch-ahead"/,
      ],
      [
        { format: "crossgrad-wisdom", version: 1, loops: { "f64 phi<=2^20 row<=2^4": "wide-strips" } },
        /wisdom\.loops\["f64 phi<=2\^20 row<=2\^4"\] must be "compacted" or "streaming", got "wide-strips"/,
      ],
    ];
    for (const [bad, message] of cases) {
      expect(() => importWisdom(bad as Wisdom)).toThrow(TypeError);
      expect(() => importWisdom(bad as Wisdom)).toThrow(message);
      expect(planEntries()).toEqual([]);
    }
  });

  it("gives batches, chunks and thread pools a class's settled choice, and the fixed rule before", () => {
    const shape = { n: 2000, m: 2000, k: 32 };
    const l = layout(shape);
    const fixed = settledBits("value", l);
    expect(fixed).toBe(l.bits.compact * (fixedLoop(l.phiBytes, l.rowBytes) === "compacted" ? 1 : 0));
    importWisdom({
      ...exportWisdom(),
      plans: {
        [sizeClass("f32", l.phiBytes, l.rowBytes)]: { value: "wide-strips", valueAndGradient: "compacted+fill-first" },
      },
    });
    expect(settledBits("value", l)).toBe(l.bits.wideStrips);
    expect(settledBits("valueAndGradient", l)).toBe(l.bits.compact | l.bits.fillFirst);
    // a batch of dense gate sets pools with it, and gives the bits of single calls
    const { phi, h } = randomProblem(shape, "f32", "binary", 4);
    const batch = batchPooled(phi, { gates: h, count: 1 }, shape);
    expect(batch.values[0]).toBe(value(phi, h, shape));
  });

  it('init({ plan: "fixed" }) keeps the one rule and times nothing; a later init may measure again', async () => {
    await init({ plan: "fixed" });
    const shape = { n: 2000, m: 2000, k: 32 };
    const { phi, h } = randomProblem(shape, "f32", "binary", 8);
    const fixed = valueAndGradient(phi, h, shape);
    const p = createProblem(shape);
    p.phi.set(phi);
    p.h.set(h);
    expect(p.value()).toBe(fixed.value);
    expect(planEntries()).toEqual([]);
    await init({ plan: "measure" });
    const measured = valueAndGradient(phi, h, shape);
    expect(p.value()).toBe(fixed.value);
    expect(planEntries().map((e) => e.job)).toEqual(["valueAndGradient", "value"]);
    expect(measured.value).toBe(fixed.value);
    expect(firstBitDifference(measured.gradient, fixed.gradient)).toBe(-1);
    p.dispose();
    await expect(init({ plan: "fast" as never })).rejects.toThrow(
      new TypeError(
        'init(): options.plan must be "estimate", "measure", "patient", "wisdom-only", "fixed" or undefined, got "fast"',
      ),
    );
  });

  it("keeps the fixed rule measured on one machine: compacted up to 16 MiB of phi, for rows of 128 bytes and more", () => {
    expect(fixedLoop(16 * 2 ** 20, 128)).toBe("compacted");
    expect(fixedLoop(16 * 2 ** 20 + 1, 128)).toBe("streaming");
    expect(fixedLoop(2 ** 20, 64)).toBe("streaming");
  });
});
