// Batches of gate sets of the factorization-machine family (docs/design.md §16): fieldBatchValues
// and fieldBatchGradient against a loop of fieldValue and fieldGradients over the sets, bit for
// bit, for every shape of the family's suite, f32 and f64, with and without row weights.
import { beforeAll, describe, expect, it } from "vitest";
import { type FieldShape, type FloatArray, type GateSets } from "../src/index.js";
import { fieldBatchGradient, fieldBatchValues, fieldGradients, fieldValue } from "../src/fields.js";
import { init } from "../src/wasm/init.js";
import { Random } from "../src/util/random.js";
import { problem, shapes, starts } from "./fields-helpers.js";
import { firstBitDifference } from "./helpers.js";

beforeAll(() => init());

/** `count` random CSR sets over `rows` rows (an empty one among them), some entries with real weights. */
function randomSets(rows: number, count: number, Type: typeof Float32Array | typeof Float64Array, seed: number) {
  const random = new Random(seed);
  const indptr = new Uint32Array(count + 1);
  const index: number[] = [],
    weight: number[] = [];
  for (let b = 0; b < count; b++) {
    const listed = b === 1 ? [] : [...Array(rows).keys()].filter(() => random.next() < 0.6);
    for (const r of listed) {
      index.push(r);
      weight.push(random.next() < 0.7 ? 1 : 2 * random.normal());
    }
    indptr[b + 1] = index.length;
  }
  return { indptr, index: Uint32Array.from(index), weight: Type.from(weight) as FloatArray };
}

const setOf = (sets: GateSets, b: number) => ({
  index: sets.index.subarray(sets.indptr[b], sets.indptr[b + 1]),
  ...(sets.weight && { weight: sets.weight.subarray(sets.indptr[b], sets.indptr[b + 1]) }),
});

describe.each(["f32", "f64"] as const)("%s field batches", (precision) => {
  const Type = precision === "f32" ? Float32Array : Float64Array;
  describe.each(shapes())("$name", ({ shape }) => {
    const rows = starts(shape.fields)[shape.fields.length];
    const x = problem(shape, "real", 31);
    const phi = Type.from(x.phi);
    const params = { rho: x.rho, w: Type.from(x.w), w0: x.w0 };
    const weighted = randomSets(rows, 7, Type, 41);
    const unweighted: GateSets = { indptr: weighted.indptr, index: weighted.index };

    it.each([
      ["weighted", weighted],
      ["unweighted", unweighted],
    ] as const)("gives every %s set's F with the bits of fieldValue of that set", (_, sets) => {
      const values = fieldBatchValues(phi, sets, shape, params);
      expect(values).toBeInstanceOf(Float64Array);
      const expected = Float64Array.from({ length: 7 }, (_, b) => fieldValue(phi, setOf(sets, b), shape, params));
      expect(firstBitDifference(values, expected)).toBe(-1);
    });

    it.each([
      ["weighted", weighted],
      ["unweighted", unweighted],
    ] as const)(
      "sums the %s sets' slope-weighted gradients with the bits of fieldGradients, set after set",
      (_, sets) => {
        const slopes = Float64Array.from({ length: 7 }, (_, b) => (b % 3) - 1.25);
        const r = fieldBatchGradient(phi, sets, shape, slopes, params, { scale: 0.5 });
        const gradient = new Type(rows * shape.k);
        const pairGradient = new Float64Array(shape.pairs.length);
        for (let b = 0; b < 7; b++) {
          const one = fieldGradients(phi, setOf(sets, b), shape, params, {
            out: gradient,
            scale: 0.5 * slopes[b],
            accumulate: true,
          });
          for (let p = 0; p < pairGradient.length; p++) pairGradient[p] += 0.5 * slopes[b] * one.pairGradient[p];
        }
        expect(firstBitDifference(r.gradient, gradient)).toBe(-1);
        expect(firstBitDifference(r.pairGradient, pairGradient)).toBe(-1);
      },
    );
  });

  it("adds to options.out with accumulate, and writes over it without", () => {
    const shape: FieldShape = {
      fields: [3, 2],
      k: 3,
      pairs: [
        [0, 1],
        [1, 1],
      ],
    };
    const x = problem(shape, "real", 5);
    const phi = Type.from(x.phi);
    const sets = randomSets(5, 4, Type, 6);
    const slopes = [1, 2, -1, 0.5];
    const fresh = fieldBatchGradient(phi, sets, shape, slopes).gradient;
    const out = new Type(15).fill(1);
    fieldBatchGradient(phi, sets, shape, slopes, undefined, { out, accumulate: true });
    const expected = new Type(15).fill(1);
    slopes.forEach((slope, b) =>
      fieldGradients(phi, setOf(sets, b), shape, undefined, { out: expected, scale: slope, accumulate: true }),
    );
    expect(firstBitDifference(out, expected)).toBe(-1);
    expect(fieldBatchGradient(phi, sets, shape, slopes, undefined, { out }).gradient).toBe(out);
    expect(firstBitDifference(out, fresh)).toBe(-1);
  });
});

describe("field batches refuse", () => {
  const shape: FieldShape = { fields: [2, 2], k: 1, pairs: [[0, 1]] };
  const phi = new Float64Array(4);
  const sets = { indptr: new Uint32Array([0, 2]), index: new Uint32Array([0, 3]) };
  it.each([
    [
      "a row past the shape's rows",
      () => fieldBatchValues(phi, { ...sets, index: new Uint32Array([0, 4]) }, shape),
      /sets\.index/,
    ],
    [
      "dense gate sets",
      () => fieldBatchValues(phi, { gates: new Uint8Array(4), count: 1 } as never, shape),
      /sets must be CSR/,
    ],
    ["phi of another length", () => fieldBatchValues(new Float64Array(5), sets, shape), /phi\.length/],
    ["rho of another length", () => fieldBatchValues(phi, sets, shape, { rho: [1, 2] }), /params\.rho/],
    ["a pair past the fields", () => fieldBatchValues(phi, sets, { ...shape, pairs: [[0, 2]] }), /shape\.pairs\[0\]/],
    ["slopes of another length", () => fieldBatchGradient(phi, sets, shape, [1, 2]), /slopes/],
    [
      "an out of another length",
      () => fieldBatchGradient(phi, sets, shape, [1], undefined, { out: new Float64Array(3) }),
      /options\.out/,
    ],
    [
      "an out of another type",
      () => fieldBatchGradient(phi, sets, shape, [1], undefined, { out: new Float32Array(4) as never }),
      /options\.out/,
    ],
  ])("%s, naming the argument", (_, call, message) => {
    expect(call).toThrow(message);
  });
});
