// The factorization-machine family's reference (docs/design.md §16) proved three ways: against
// the literal double sums over pairs of rows (float64, knowing nothing of u_g or contexts),
// against central differences of that literal sum for every parameter, and against TensorFlow.js
// tf.grads of the literal sum (float32). And two fields with one pair of weight 1 are §1's F.
import * as tf from "@tensorflow/tfjs";
import { beforeAll, describe, expect, it } from "vitest";
import {
  referenceFields,
  referenceGateGradient,
  referenceGradient,
  referenceValue,
  type FieldShape,
} from "../src/reference.js";
import { Random } from "../src/util/random.js";

beforeAll(async () => {
  tf.env().set("IS_NODE", false);
  await tf.setBackend("cpu");
});

interface Params {
  phi: Float64Array;
  h: Float64Array;
  w: Float64Array;
  w0: number;
  rho: Float64Array;
}

/** Field g's first row. */
const starts = (fields: ArrayLike<number>) => {
  const s = [0];
  for (let g = 0; g < fields.length; g++) s.push(s[g] + fields[g]);
  return s;
};

/** F from its definition: every pair of rows of every pair of fields, one at a time. */
function literal(shape: FieldShape, { phi, h, w, w0, rho }: Params): number {
  const { fields, k, pairs } = shape;
  const s = starts(fields);
  const dot = (i: number, j: number) => {
    let d = 0;
    for (let l = 0; l < k; l++) d += phi[i * k + l] * phi[j * k + l];
    return d;
  };
  let F = w0;
  for (let r = 0; r < h.length; r++) F += h[r] * w[r];
  for (let p = 0; p < pairs.length; p++) {
    const [a, b] = pairs[p];
    let pair = 0;
    for (let i = s[a]; i < s[a + 1]; i++)
      for (let j = a === b ? i + 1 : s[b]; j < s[b + 1]; j++) pair += h[i] * h[j] * dot(i, j);
    F += rho[p] * pair;
  }
  return F;
}

/** A random problem: gates 0/1 (about half on) or real, everything else normal. */
function problem(shape: FieldShape, gates: "binary" | "real", seed: number): Params {
  const random = new Random(seed);
  const rows = starts(shape.fields)[shape.fields.length];
  return {
    phi: Float64Array.from({ length: rows * shape.k }, () => random.normal()),
    h: Float64Array.from({ length: rows }, () => (gates === "binary" ? +(random.next() < 0.5) : random.normal())),
    w: Float64Array.from({ length: rows }, () => random.normal()),
    w0: random.normal(),
    rho: Float64Array.from({ length: shape.pairs.length }, () => random.normal()),
  };
}

/** Shapes over G = 1..5: every field's self pair or none, cross pairs, empty fields. */
function shapes(): { name: string; shape: FieldShape }[] {
  const out: { name: string; shape: FieldShape }[] = [];
  const random = new Random(7);
  for (let G = 1; G <= 5; G++)
    for (const kind of ["all pairs", "cross pairs", "self pairs", "some pairs"] as const) {
      const pairs: [number, number][] = [];
      for (let a = 0; a < G; a++)
        for (let b = a; b < G; b++) {
          const self = a === b;
          if (
            kind === "all pairs" ||
            (kind === "cross pairs" && !self) ||
            (kind === "self pairs" && self) ||
            (kind === "some pairs" && random.next() < 0.5)
          )
            pairs.push([a, b]);
        }
      // rows around small sizes, one field empty where there are several
      const fields = Array.from({ length: G }, (_, g) => (G > 2 && g === 1 ? 0 : 1 + ((g * 3 + G) % 4)));
      const k = (G * 2 + pairs.length) % 10; // 0..9
      out.push({
        name: `G=${G}, ${kind} (${pairs.length}), fields ${fields.join("+")}, k=${k}`,
        shape: { fields, k, pairs },
      });
    }
  return out;
}

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
    // F is a polynomial of degree at most 4 in any one parameter: a central difference is exact
    // up to the third derivative's e^2 / 6 term and rounding
    const e = 1e-4;
    const check = (array: Float64Array, grad: ArrayLike<number>) => {
      for (let i = 0; i < array.length; i++) {
        const kept = array[i];
        array[i] = kept + e;
        const up = literal(shape, x);
        array[i] = kept - e;
        const down = literal(shape, x);
        array[i] = kept;
        expect(Math.abs(grad[i] - (up - down) / (2 * e))).toBeLessThan(1e-5 * (1 + Math.abs(grad[i])));
      }
    };
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

/** F, and its gradient for every parameter, by TensorFlow.js autodiff of the literal sum (float32). */
function oracle(shape: FieldShape, x: Params) {
  const { fields, k, pairs } = shape;
  const s = starts(fields);
  const rows = s[fields.length];
  return tf.tidy(() => {
    const literalSum = (phi: tf.Tensor, h: tf.Tensor, w: tf.Tensor, w0: tf.Tensor, rho: tf.Tensor): tf.Scalar => {
      let F = tf.add(w0.reshape([]), tf.sum(tf.mul(h, w)));
      for (let p = 0; p < pairs.length; p++) {
        const [a, b] = pairs[p];
        if (fields[a] === 0 || fields[b] === 0) continue;
        const dots = tf.matMul(phi.slice([s[a], 0], [fields[a], k]), phi.slice([s[b], 0], [fields[b], k]), false, true);
        let gates = tf.outerProduct(
          h.slice([s[a]], [fields[a]]) as tf.Tensor1D,
          h.slice([s[b]], [fields[b]]) as tf.Tensor1D,
        );
        // a self pair: the pairs i < j alone
        if (a === b)
          gates = tf.mul(
            gates,
            tf.tensor2d(
              Float32Array.from({ length: fields[a] ** 2 }, (_, e) => +(e % fields[a] > Math.floor(e / fields[a]))),
              [fields[a], fields[a]],
            ),
          );
        F = tf.add(F, tf.mul(rho.slice([p], [1]).reshape([]), tf.sum(tf.mul(gates, dots))));
      }
      return F as tf.Scalar;
    };
    const inputs = [
      tf.tensor2d(Float32Array.from(x.phi), [rows, k]),
      tf.tensor1d(Float32Array.from(x.h)),
      tf.tensor1d(Float32Array.from(x.w)),
      tf.tensor1d([x.w0]),
      tf.tensor1d(Float32Array.from(x.rho)),
    ];
    const f = (...t: tf.Tensor[]) => literalSum(t[0], t[1], t[2], t[3], t[4]);
    const grads = tf.grads(f)(inputs);
    return {
      value: f(...inputs).dataSync()[0],
      gradient: grads[0].dataSync(),
      gateGradient: grads[1].dataSync(),
      weightGradient: grads[2].dataSync(),
      offsetGradient: grads[3].dataSync()[0],
      pairGradient: grads[4].dataSync(),
    };
  });
}

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
