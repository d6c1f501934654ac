// Property-based tests (fast-check) over random shapes, values and gates.
import fc from "fast-check";
import { beforeAll, describe, expect, it } from "vitest";
import { gateGradient, gradient, pooled, value, type Precision } from "../src/index.js";
import { init } from "../src/wasm/init.js";
import { referenceGateGradient, referenceGradient, referenceValue } from "../src/reference.js";
import { firstBitDifference } from "./helpers.js";
import { scaledErrors } from "./kernel-suite.js";

beforeAll(() => init());

const Types = { f32: Float32Array, f64: Float64Array } as const;

/**
 * A random problem: shape, phi and gates, from small integers, from binary fractions (no
 * underflow: scaling by powers of two is exact) or from any floats (subnormals included).
 */
function problemArbitrary(precision: Precision, values: "integers" | "fractions" | "floats") {
  return fc.record({ n: fc.nat(140), m: fc.nat(140), k: fc.nat(40) }).chain((shape) => {
    const rows = shape.n + shape.m;
    const fraction = fc.integer({ min: -(2 ** 20), max: 2 ** 20 }).map((x) => x / 1024);
    const entry =
      values === "integers"
        ? fc.integer({ min: -8, max: 8 })
        : values === "fractions"
          ? fraction
          : fc.double({ min: -1e3, max: 1e3, noNaN: true, noDefaultInfinity: true });
    const gate =
      values === "integers"
        ? fc.integer({ min: -2, max: 3 })
        : fc.oneof(
            fc.constant(0),
            fc.constant(1),
            values === "fractions" ? fraction.map((x) => x / 256) : fc.double({ min: -4, max: 4, noNaN: true }),
          );
    return fc.record({
      shape: fc.constant(shape),
      phi: fc
        .array(entry, { minLength: rows * shape.k, maxLength: rows * shape.k })
        .map((a) => Types[precision].from(a)),
      h: fc.array(gate, { minLength: rows, maxLength: rows }),
    });
  });
}

describe.each(["f32", "f64"] as const)("%s properties", (precision) => {
  it("every result is within the bounds of docs/design.md §5 of the float64 reference", () => {
    fc.assert(
      fc.property(problemArbitrary(precision, "floats"), ({ shape, phi, h }) => {
        for (const [what, error] of Object.entries(scaledErrors(phi, h, shape))) {
          if (!(error <= 1)) throw new Error(`${what}: error / bound = ${error}`);
        }
      }),
      { numRuns: 150 },
    );
  });

  it("small integer data gives exactly the reference's results (every sum is exact)", () => {
    // |phi| <= 8, |h| <= 3, at most 140 rows and 40 columns: every partial sum is an integer
    // far below 2^24, so both precisions must be exact, whatever the summation order
    fc.assert(
      fc.property(problemArbitrary(precision, "integers"), ({ shape, phi, h }) => {
        expect(value(phi, h, shape)).toBe(referenceValue(phi, h, shape));
        expect(Array.from(gradient(phi, h, shape))).toEqual(Array.from(referenceGradient(phi, h, shape)));
        expect(Array.from(gateGradient(phi, h, shape))).toEqual(Array.from(referenceGateGradient(phi, h, shape)));
      }),
      { numRuns: 150 },
    );
  });

  it("swapping the groups swaps u and v and leaves F's bits unchanged", () => {
    fc.assert(
      fc.property(problemArbitrary(precision, "floats"), ({ shape, phi, h }) => {
        const { n, m, k } = shape;
        const swapped = new Types[precision](phi.length);
        swapped.set(phi.subarray(n * k), 0);
        swapped.set(phi.subarray(0, n * k), m * k);
        const hSwapped = [...h.slice(n), ...h.slice(0, n)];
        const swappedShape = { n: m, m: n, k };
        expect(Object.is(value(swapped, hSwapped, swappedShape), value(phi, h, shape))).toBe(true);
        const a = pooled(phi, h, shape),
          b = pooled(swapped, hSwapped, swappedShape);
        expect(firstBitDifference(a.u, b.v)).toBe(-1);
        expect(firstBitDifference(a.v, b.u)).toBe(-1);
      }),
      { numRuns: 100 },
    );
  });

  it("a power-of-two scale scales the gradient exactly", () => {
    fc.assert(
      fc.property(problemArbitrary(precision, "fractions"), fc.integer({ min: -6, max: 6 }), ({ shape, phi, h }, e) => {
        const g = gradient(phi, h, shape);
        const scaled = gradient(phi, h, shape, { scale: -(2 ** e) });
        const expected = g.map((x) => -(2 ** e) * x);
        expect(
          firstBitDifference(
            scaled.map((x) => x + 0),
            expected.map((x) => x + 0),
          ),
        ).toBe(-1);
      }),
      { numRuns: 100 },
    );
  });
});
