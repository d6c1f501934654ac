// The factorization-machine family's reference (docs/design.md §16) proved three ways: against
// the literal double sums over pairs of rows (float64, knowing nothing of u_g or contexts),
// against central differences of that literal sum for every parameter, and against TensorFlow.js
// tf.grads of the literal sum (float32). And two fields with one pair of weight 1 are §1's F.
import * as tf from "@tensorflow/tfjs";
import { beforeAll, describe, expect, it } from "vitest";
import { referenceFields, referenceGateGradient, referenceGradient, referenceValue } from "../src/reference.js";
import { expectCentralDifferences, literal, oracle, problem, shapes } from "./fields-helpers.js";

beforeAll(async () => {
  tf.env().set("IS_NODE", false);
  await tf.setBackend("cpu");
});

describe("referenceFields: F of G fields and pairs of them (docs/design.md §16)", () => {
  const cases = shapes().flatMap(({ name, shape }) =>
    (["binary", "real"] as const).map((gates) => ({ name: `${name}, gates ${gates}`, shape, gates })),
  );

  it.each(cases)("F is the literal double sum: $name", ({ shape, gates }) => {
    for (const seed of [1, 2]) {
      const x = problem(shape, gates, seed);
      const ours = referenceFields(x.phi, x.h, shape, x);
      expect(ours.value).toBeCloseTo(literal(shape, x), 10);
    }
  });

  it.each(cases)("every gradient is the literal sum's central difference: $name", ({ shape, gates }) => {
    const x = problem(shape, gates, 3);
    const ours = referenceFields(x.phi, x.h, shape, x);
    const check = (array: Float64Array, grad: ArrayLike<number>) => expectCentralDifferences(shape, x, array, grad);
    check(x.phi, ours.gradient);
    check(x.h, ours.gateGradient);
    check(x.w, ours.weightGradient);
    check(x.rho, ours.pairGradient);
    const w0 = x.w0;
    x.w0 = w0 + 1;
    const up = literal(shape, x);
    x.w0 = w0;
    expect(up - literal(shape, x)).toBeCloseTo(ours.offsetGradient, 9);
  });

  it.each(cases)("a row whose gate is 0 has dF/dphi exactly 0, and adds nothing even as NaN: $name", ({ shape }) => {
    const x = problem(shape, "binary", 4);
    const off = Array.from(x.h.keys()).filter((r) => x.h[r] === 0);
    const before = referenceFields(x.phi, x.h, shape, x);
    for (const r of off) x.phi.fill(NaN, r * shape.k, (r + 1) * shape.k);
    const after = referenceFields(x.phi, x.h, shape, x);
    expect(after.value).toBe(before.value);
    for (const r of off)
      for (let l = 0; l < shape.k; l++) expect(Object.is(after.gradient[r * shape.k + l], 0)).toBe(true);
  });

  it("with two fields and their one pair of weight 1 is §1's F, dF/dphi and dF/dh", () => {
    for (const [n, m, k] of [
      [3, 4, 5],
      [0, 3, 2],
      [7, 0, 9],
      [17, 20, 33],
    ]) {
      const x = problem({ fields: [n, m], k, pairs: [[0, 1]] }, "real", n + m + k);
      const shape = { n, m, k };
      const ours = referenceFields(x.phi, x.h, { fields: [n, m], k, pairs: [[0, 1]] });
      expect(ours.value).toBeCloseTo(referenceValue(x.phi, x.h, shape), 12);
      const g = referenceGradient(x.phi, x.h, shape),
        dh = referenceGateGradient(x.phi, x.h, shape);
      ours.gradient.forEach((v, i) => expect(v).toBeCloseTo(g[i], 12));
      ours.gateGradient.forEach((v, i) => expect(v).toBeCloseTo(dh[i], 12));
    }
  });

  it("a classic FM (one field, its self pair) is the sum over pairs of distinct rows", () => {
    const phi = [1, 0, 0, 1, 1, 1];
    expect(referenceFields(phi, [1, 1, 1], { fields: [3], k: 2, pairs: [[0, 0]] }).value).toBe(2);
    expect(referenceFields(phi, [1, 1, 1], { fields: [3], k: 2, pairs: [[0, 0]] }).gradient).toEqual(
      Float64Array.of(1, 2, 2, 1, 1, 1), // u - phi_r: (2, 2) less each row
    );
  });

  it("refuses a pair out of order, repeated or past the fields, and arrays of the wrong size", () => {
    const phi = new Float64Array(6),
      h = new Float64Array(3);
    for (const pairs of [
      [[1, 0]],
      [[0, 2]],
      [
        [0, 0],
        [0, 0],
      ],
      [[0.5, 1]],
    ] as [number, number][][])
      expect(() => referenceFields(phi, h, { fields: [1, 2], k: 2, pairs })).toThrow(/shape\.pairs\[\d\]/);
    expect(() => referenceFields(phi, h, { fields: [1, -1], k: 2, pairs: [] })).toThrow("shape.fields[1]");
    expect(() => referenceFields(phi, h, { fields: [1, 1], k: 2, pairs: [] })).toThrow("phi must hold");
    expect(() => referenceFields(phi, h, { fields: [1, 2], k: 2, pairs: [[0, 1]] }, { rho: [] })).toThrow("short");
  });
});

describe("referenceFields against TensorFlow.js tf.grads of the literal double sums (float32)", () => {
  const cases = shapes().filter(({ shape }) => shape.k > 0 && shape.pairs.length > 0);
  it.each(cases)("agrees on F and every gradient: $name", ({ shape }) => {
    for (const gates of ["binary", "real"] as const) {
      const x = problem(shape, gates, 11);
      // float32 inputs on both sides: the reference sees the oracle's numbers
      for (const a of [x.phi, x.h, x.w, x.rho]) a.set(Float32Array.from(a));
      x.w0 = Math.fround(x.w0);
      const ours = referenceFields(x.phi, x.h, shape, x);
      const theirs = oracle(shape, x);
      const near = (a: number, b: number) => expect(Math.abs(a - b)).toBeLessThan(1e-4 * (1 + Math.abs(a)));
      near(ours.value, theirs.value);
      near(ours.offsetGradient, theirs.offsetGradient);
      for (const key of ["gradient", "gateGradient", "weightGradient", "pairGradient"] as const)
        ours[key].forEach((v, i) => near(v, theirs[key][i]));
    }
  });
});
