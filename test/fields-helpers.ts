// Shared by the factorization-machine family's tests (docs/design.md §16): random problems, a
// list of shapes over G = 1..5, F by its literal double sums, and TensorFlow.js tf.grads of them.
import * as tf from "@tensorflow/tfjs";
import { expect } from "vitest";
import type { FieldShape } from "../src/reference.js";
import { Random } from "../src/util/random.js";

export interface Params {
  phi: Float64Array;
  h: Float64Array;
  w: Float64Array;
  w0: number;
  rho: Float64Array;
}

/** Field g's first row. */
export const starts = (fields: ArrayLike<number>) => {
  const s = [0];
  for (let g = 0; g < fields.length; g++) s.push(s[g] + fields[g]);
  return s;
};

/** F from its definition: every pair of rows of every pair of fields, one at a time. */
export function literal(shape: FieldShape, { phi, h, w, w0, rho }: Params): number {
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
export function problem(shape: FieldShape, gates: "binary" | "real", seed: number): Params {
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
export function shapes(): { name: string; shape: FieldShape }[] {
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

/** F, and its gradient for every parameter, by TensorFlow.js autodiff of the literal sum (float32). */
export function oracle(shape: FieldShape, x: Params) {
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

/**
 * Each element of `array` (a parameter of x) moved by +-1e-4: the literal sum's central difference
 * is `grad`'s element. F is a polynomial of degree at most 4 in any one parameter, so the difference
 * is exact up to the third derivative's e^2 / 6 term and rounding.
 */
export function expectCentralDifferences(shape: FieldShape, x: Params, array: Float64Array, grad: ArrayLike<number>) {
  const e = 1e-4;
  for (let i = 0; i < array.length; i++) {
    const kept = array[i];
    array[i] = kept + e;
    const up = literal(shape, x);
    array[i] = kept - e;
    const down = literal(shape, x);
    array[i] = kept;
    expect(Math.abs(grad[i] - (up - down) / (2 * e))).toBeLessThan(1e-5 * (1 + Math.abs(grad[i])));
  }
}
