// An independent oracle: TensorFlow.js differentiates the literal double sum
// F = sum_i sum_j h_i h_j <phi_i, phi_j> (all n x m pairs, float32) with tf.grads, knowing
// nothing of the factorisation through u and v. crossgrad's f32 results must agree, and the
// wrong formulas of docs/design.md §1 must not.
import * as tf from "@tensorflow/tfjs";
import { beforeAll, describe, expect, it } from "vitest";
import { gateGradient, valueAndGradient } from "../src/index.js";
import { init } from "../src/wasm/init.js";
import { wrongFormulas } from "./gradient-checks.js";
import { magnitudes, randomProblem, type GateKind } from "./helpers.js";

beforeAll(async () => {
  await init();
  // the cpu backend is the oracle here; this silences its advice to install tfjs-node
  tf.env().set("IS_NODE", false);
  await tf.setBackend("cpu");
});

/** F, dF/dphi and dF/dh by TensorFlow.js autodiff of the double sum over all pairs. */
function oracle(phi: Float32Array, h: Float32Array, shape: { n: number; m: number; k: number }) {
  const { n, m, k } = shape;
  return tf.tidy(() => {
    const doubleSum = (p: tf.Tensor, g: tf.Tensor): tf.Scalar => {
      const pairs = tf.matMul(p.slice([0, 0], [n, k]), p.slice([n, 0], [m, k]), false, true); // <phi_i, phi_j>
      const gates = tf.outerProduct(g.slice([0], [n]) as tf.Tensor1D, g.slice([n], [m]) as tf.Tensor1D); // h_i h_j
      return tf.sum(tf.mul(gates, pairs));
    };
    const p = tf.tensor2d(phi, [n + m, k]);
    const g = tf.tensor1d(h);
    const [dphi, dh] = tf.grads(doubleSum)([p, g]);
    return {
      value: doubleSum(p, g).dataSync()[0],
      gradient: dphi.dataSync() as Float32Array,
      gateGradient: dh.dataSync() as Float32Array,
    };
  });
}

/** Worst |a - b| over the magnitude behind each entry. */
function worst(a: ArrayLike<number>, b: ArrayLike<number>, scale: ArrayLike<number>, floor: number): number {
  let w = 0;
  for (let i = 0; i < a.length; i++) w = Math.max(w, Math.abs(a[i] - b[i]) / (scale[i] + floor));
  return w;
}

const CASES: { n: number; m: number; k: number; gates: GateKind }[] = [
  { n: 2, m: 3, k: 4, gates: "on" },
  { n: 5, m: 7, k: 9, gates: "real" },
  { n: 12, m: 9, k: 33, gates: "binary" },
  { n: 17, m: 20, k: 70, gates: "real" },
];

describe("TensorFlow.js tf.grads of the literal double sum (float32)", () => {
  it.each(CASES)("agrees with F, dF/dphi and dF/dh at n=$n m=$m k=$k, gates $gates", ({ gates, ...shape }) => {
    const { phi, h } = randomProblem(shape, "f32", gates, 31) as { phi: Float32Array; h: Float32Array };
    const tfResult = oracle(phi, h, shape);
    const ours = valueAndGradient(phi, h, shape);
    const mag = magnitudes(phi, h, shape);
    // both sides round in float32: 1e-5 of the sum of |terms| leaves room for the oracle's own
    // n*m-term sums, and is still 10^5 below what a wrong formula is off by
    expect(Math.abs(ours.value - tfResult.value) / mag.value).toBeLessThan(1e-5);
    expect(worst(ours.gradient, tfResult.gradient, mag.gradient, 1e-6)).toBeLessThan(1e-5);
    expect(worst(gateGradient(phi, h, shape), tfResult.gateGradient, mag.gate, 1e-6)).toBeLessThan(1e-5);
  });

  it.each(CASES)("rejects the wrong formulas at n=$n m=$m k=$k", ({ gates, ...shape }) => {
    const { phi, h } = randomProblem(shape, "f32", gates, 32) as { phi: Float32Array; h: Float32Array };
    const tfResult = oracle(phi, h, shape);
    const mag = magnitudes(phi, h, shape);
    for (const wrong of [
      wrongFormulas.sumsOverTheRow(phi, h, shape),
      wrongFormulas.quadraticInTheRow(phi, h, shape),
      wrongFormulas.factorTwo(tfResult.gradient),
    ]) {
      expect(worst(wrong, tfResult.gradient, mag.gradient, 1e-6)).toBeGreaterThan(1e-2);
    }
  });
});
