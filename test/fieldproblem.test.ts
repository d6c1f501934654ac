// The factorization-machine family's zero-copy Problem (docs/design.md §16): the bits of the
// copying call on the same inputs, views of its own regions, its checks and its lifetime.
import { beforeAll, describe, expect, it } from "vitest";
import { type FloatArray } from "../src/index.js";
import { createFieldProblem, fieldGradients, fieldValue } from "../src/fields.js";
import { init } from "../src/wasm/init.js";
import { firstBitDifference } from "./helpers.js";
import { blockCases, expected, inputs } from "./fieldpaths-helpers.js";

beforeAll(() => init());

describe.each(["f32", "f64"] as const)("an %s FieldProblem", (precision) => {
  it.each(blockCases().map((c, i) => [c.name, c, i] as const))("gives the copying call's bits: %s", (_, c, seed) => {
    const x = inputs(c, precision, 100 + seed);
    const want = expected(c, x, 0.5);
    const p = createFieldProblem(c.shape, { precision });
    p.phi.set(x.phi);
    p.h.set(x.h);
    p.w.set(x.w);
    p.rho.set(x.rho);
    p.w0 = x.w0;
    expect(p.value()).toBe(fieldValue(x.phi as FloatArray, x.h, c.shape, { rho: x.rho, w: x.w, w0: x.w0 }));
    const r = p.gradients({ scale: 0.5 });
    expect(r.value).toBe(want.value);
    expect(firstBitDifference(r.gradient, want.gradient)).toBe(-1);
    expect(firstBitDifference(r.gateGradient!, want.gateGradient)).toBe(-1);
    expect(firstBitDifference(r.pairGradient, want.pairGradient)).toBe(-1);
    // accumulating adds to the region: the copying call's accumulate into a copy of it
    const before = r.gradient.slice();
    const again = p.gradients({ scale: -2, accumulate: true, gateGradient: false });
    const copy = fieldGradients(
      x.phi as FloatArray,
      x.h,
      c.shape,
      { rho: x.rho, w: x.w, w0: x.w0 },
      {
        out: before,
        scale: -2,
        accumulate: true,
        gateGradient: false,
      },
    );
    expect(again.gateGradient).toBeUndefined();
    expect(firstBitDifference(again.gradient, copy.gradient)).toBe(-1);
    p.dispose();
  });

  it("starts from zeros, rho ones and w0 0", () => {
    const p = createFieldProblem(
      {
        fields: [2, 1],
        k: 2,
        pairs: [
          [0, 1],
          [1, 1],
        ],
      },
      { precision },
    );
    expect([...p.phi, ...p.h, ...p.w, p.w0]).toEqual(Array(13).fill(0));
    expect([...p.rho]).toEqual([1, 1]);
    expect(p.shape).toEqual({
      fields: [2, 1],
      k: 2,
      pairs: [
        [0, 1],
        [1, 1],
      ],
    });
    expect(p.precision).toBe(precision);
    p.dispose();
  });

  it("answers the documented example", () => {
    const p = createFieldProblem({ fields: [3], k: 2, pairs: [[0, 0]] }, { precision });
    p.phi.set([1, 0, 0, 1, 1, 1]);
    p.h.fill(1);
    const r = p.gradients();
    expect([r.value, [...r.gradient], [...r.gateGradient!], [...r.pairGradient]]).toEqual([
      2,
      [1, 2, 2, 1, 1, 1],
      [1, 1, 2],
      [2],
    ]);
    p.w.fill(1);
    p.w0 = 0.5;
    expect(p.value()).toBe(5.5);
    p.dispose();
  });
});

describe("a FieldProblem's checks and lifetime", () => {
  it("checks its shape and options once, naming the argument", () => {
    expect(() => createFieldProblem({ fields: [2, -1], k: 2, pairs: [] })).toThrow(
      /createFieldProblem\(\): shape\.fields\[1\] must be a row count/,
    );
    expect(() => createFieldProblem({ fields: [2], k: 2, pairs: [[0, 1]] })).toThrow(
      /createFieldProblem\(\): shape\.pairs\[0\] must be a pair/,
    );
    expect(() => createFieldProblem({ fields: [2], k: 2, pairs: [] }, { precision: "f16" as "f32" })).toThrow(
      /createFieldProblem\(\): options\.precision/,
    );
    const p = createFieldProblem({ fields: [2], k: 2, pairs: [[0, 0]] });
    expect(() => p.gradients({ scale: "1" as unknown as number })).toThrow(
      /FieldProblem\.gradients\(\): options\.scale must be a number/,
    );
    expect(() => p.gradients({ gateGradient: 1 as unknown as boolean })).toThrow(
      /FieldProblem\.gradients\(\): options\.gateGradient must be a boolean/,
    );
    expect(() => {
      p.w0 = "1" as unknown as number;
    }).toThrow(/FieldProblem\.w0: the offset must be a number/);
    expect(p.w0).toBe(0);
    p.dispose();
  });

  it("refuses a shape too large for wasm32 memory with the bytes, and stays usable", () => {
    expect(() => createFieldProblem({ fields: [2 ** 31, 2 ** 31 - 1], k: 4, pairs: [[0, 1]] })).toThrow(RangeError);
    const p = createFieldProblem({ fields: [1, 1], k: 1, pairs: [[0, 1]] }, { precision: "f64" });
    p.phi.set([2, 3]);
    p.h.fill(1);
    expect(p.value()).toBe(6);
    p.dispose();
  });

  it("refuses every call once disposed, and a second dispose is a no-op", () => {
    const p = createFieldProblem({ fields: [2], k: 2, pairs: [[0, 0]] });
    p.dispose();
    p.dispose();
    expect(p.disposed).toBe(true);
    for (const use of [
      () => p.value(),
      () => p.gradients(),
      () => p.phi,
      () => p.h,
      () => p.w,
      () => p.rho,
      () => p.w0,
    ])
      expect(use).toThrow(/^FieldProblem\.\w+(\(\))?: this FieldProblem was disposed$/);
  });
});
