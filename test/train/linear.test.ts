// Linear terms: F = <u, v> + sum_r h_r w_r + w0. Predictions against float64 by hand, one
// step's gradient of phi, w and w0 against central finite differences of the batch loss, the
// float64 gradient by hand and TensorFlow.js tf.grads of the literal loss (the double sum over
// pairs of rows), clipping and adam over the whole parameter block, and model files (version 2
// with linear terms, version 1 without).
import * as tf from "@tensorflow/tfjs";
import { beforeAll, describe, expect, it } from "vitest";
import { createModel, loadModel, type Model, type Observations, type Precision } from "../../src/index.js";
import { init } from "../../src/wasm/init.js";
import { crc32 } from "../../src/train/persist.js";
import { firstBitDifference, rng } from "../helpers.js";
import {
  addScoreGradient,
  batchLoss,
  block,
  magnitude,
  paramsOf,
  pointLoss,
  score,
  setOf,
  sgdStep,
  worstError,
  zeroGradient,
  type Gradient,
  type Params,
} from "./oracle.js";

beforeAll(async () => {
  await init();
  // the cpu backend is the oracle here; this silences its advice to install tfjs-node
  tf.env().set("IS_NODE", false);
  await tf.setBackend("cpu");
});

const Types = { f32: Float32Array, f64: Float64Array } as const;
const PRECISIONS: readonly Precision[] = ["f32", "f64"];

const shape = { n: 5, m: 6, k: 7 };

/**
 * Observations over rows 0..10 (A: 0..4, B: 5..10) with gates that are exact in f32: several
 * rows a group, a gate of 0 (its w adds nothing), a negative gate, only A rows, only B rows, one
 * row, and an empty set (F = w0).
 */
function observations(precision: Precision, loss: "squared" | "logistic" = "squared"): Observations {
  const sets: [number, number][][] = [
    [
      [0, 1],
      [2, 0.5],
      [5, 2],
      [9, -1.25],
    ],
    [
      [1, 1.5],
      [6, 1],
      [7, 0],
      [10, 0.75],
    ],
    [
      [3, -0.5],
      [4, 2],
    ],
    [
      [6, 1],
      [8, 3],
    ],
    [[2, 1]],
    [],
    [
      [0, 0.25],
      [1, 1],
      [2, 1],
      [3, -2],
      [4, 1],
      [5, 1],
      [6, 0.5],
      [7, 1],
      [8, 1],
      [9, 1],
      [10, -1],
    ],
  ];
  const indptr = new Uint32Array(sets.length + 1);
  sets.forEach((set, b) => (indptr[b + 1] = indptr[b] + set.length));
  const y =
    loss === "squared" ? [0.5, -1, 2, 0.25, -0.75, 1, -2] : sets.map((_, b) => [1, 0, 0, 1, 1, 0, 1][b] as number);
  return {
    indptr,
    index: Uint32Array.from(sets.flat().map(([r]) => r)),
    weight: Types[precision].from(sets.flat().map(([, h]) => h)),
    y,
    sampleWeight: [1, 2, 0.5, 1, 0, 1.5, 1],
  };
}

/** A linear model of `shape` with random phi, w and w0 (read back: f32 rounds them). */
function linearModel(precision: Precision, seed: number): Model {
  const random = rng(seed);
  const model = createModel(shape, { precision, seed, scale: 0.5, linear: true });
  model.w.set(Array.from({ length: shape.n + shape.m }, () => 2 * random() - 1));
  model.w0 = 0.375 - random();
  return model;
}

/** One sgd step of a fit on every observation at once: the step's gradient, (before - after) / lr. */
function stepGradient(model: Model, data: Observations, loss: "squared" | "logistic", lr: number): Gradient {
  const before = paramsOf(model);
  model.fit(data, { loss, epochs: 1, batchSize: 1000, optimizer: { type: "sgd", learningRate: lr } });
  const after = paramsOf(model);
  return {
    phi: before.phi.map((x, i) => (x - after.phi[i]) / lr),
    w: before.w.map((x, r) => (x - after.w[r]) / lr),
    w0: (before.w0 - after.w0) / lr,
  };
}

describe.each(PRECISIONS)("%s linear terms", (precision) => {
  it("start at 0 and are live views: predict = <u, v> + sum h w + w0 against float64 by hand", () => {
    const model = createModel(shape, { precision, seed: 3, linear: true });
    expect(model.linear).toBe(true);
    expect(model.w).toBeInstanceOf(Types[precision]);
    expect(Array.from(model.w)).toEqual(new Array(shape.n + shape.m).fill(0));
    expect(model.w0).toBe(0);
    const data = observations(precision);
    // without w and w0, a linear model scores as one without linear terms, bit for bit
    const plain = createModel(shape, { precision, seed: 3 });
    expect(firstBitDifference(model.predict(data), plain.predict(data))).toBe(-1);
    plain.dispose();
    const random = rng(4);
    model.w.set(Array.from({ length: shape.n + shape.m }, () => 4 * random() - 2));
    model.w0 = 0.3;
    expect(model.w0).toBe(precision === "f32" ? Math.fround(0.3) : 0.3);
    const p = paramsOf(model);
    const got = model.predict(data);
    const u = precision === "f32" ? 2 ** -24 : 2 ** -53;
    for (let b = 0; b < got.length; b++) {
      const set = setOf(data, b);
      // f32: the pooled sums' and the dot's roundings (at most 11 rows a set), and F's to f32
      const bound = 40 * u * magnitude(p, set);
      expect(Math.abs(got[b] - score(p, set).F), `observation ${b}`).toBeLessThanOrEqual(bound);
    }
    // the empty set scores w0
    expect(got[5]).toBe(model.w0);
    model.dispose();
  });

  it("w0 refuses what is not a finite number, naming it; w is n + m long and writable", () => {
    const model = createModel(shape, { precision, linear: true });
    for (const bad of [NaN, Infinity, "1"]) {
      expect(() => (model.w0 = bad as number)).toThrow(RangeError);
      expect(() => (model.w0 = bad as number)).toThrow(`Model.w0: the offset must be a finite number, got ${bad}`);
    }
    expect(model.w0).toBe(0);
    model.w[shape.n] = 2; // the first row of group B
    const F = model.predict({ indptr: new Uint32Array([0, 1]), index: new Uint32Array([shape.n]) });
    expect(F[0]).toBe(2);
    model.dispose();
  });
});

describe("a model without linear terms", () => {
  it("has no w or w0: reading or setting them throws an Error naming them", () => {
    const model = createModel(shape, { seed: 1 });
    expect(model.linear).toBe(false);
    const message = (member: string) =>
      `${member}: this model has no linear terms (createModel(shape, { linear: true }) makes them)`;
    expect(() => model.w).toThrow(message("Model.w"));
    expect(() => model.w0).toThrow(message("Model.w0"));
    expect(() => (model.w0 = 1)).toThrow(message("Model.w0"));
    // an Error (of state), not a TypeError or RangeError
    const thrown = (() => {
      try {
        void model.w;
      } catch (error) {
        return error;
      }
    })();
    expect((thrown as Error).constructor).toBe(Error);
    expect(() => createModel(shape, { linear: "yes" as never })).toThrow(/options\.linear must be a boolean/);
    model.dispose();
    // as phi, a member of a disposed model is named as a call
    expect(() => model.w).toThrow("Model.w(): this Model was disposed");
  });
});

describe.each(["squared", "logistic"] as const)("one sgd step with %s loss", (loss) => {
  it("follows the batch loss's gradient: central finite differences of evaluate() and float64 by hand (f64)", () => {
    const data = observations("f64", loss);
    const model = linearModel("f64", 11);
    const p = paramsOf(model);
    // the step's gradient, from a copy: fit() on every observation at once, lr 1
    const copy = loadModel(model.save());
    const g = stepGradient(copy, data, loss, 1);
    copy.dispose();
    // evaluate() is the batch loss: the sample-weighted mean over the one batch
    expect(model.evaluate(data, loss)).toBeCloseTo(batchLoss(p, data, loss).loss, 12);
    const h = 1e-5;
    const difference = (nudge: (x: number) => void) => {
      nudge(h);
      const up = model.evaluate(data, loss);
      nudge(-2 * h);
      const down = model.evaluate(data, loss);
      nudge(h);
      return (up - down) / (2 * h);
    };
    const rows = shape.n + shape.m;
    const fdW = Array.from({ length: rows }, (_, r) => difference((d) => void (model.w[r] += d)));
    const fdW0 = difference((d) => void (model.w0 += d));
    const phiEntries = [0, 3, 2 * 7 + 6, 5 * 7 + 1, 9 * 7 + 4, 10 * 7 + 6];
    const fdPhi = phiEntries.map((i) => difference((d) => void (model.phi[i] += d)));
    expect(worstError(g.w, fdW, 1e-6, 1)).toBeLessThanOrEqual(1);
    expect(worstError([g.w0], [fdW0], 1e-6, 1)).toBeLessThanOrEqual(1);
    expect(
      worstError(
        phiEntries.map((i) => g.phi[i]),
        fdPhi,
        1e-6,
        1,
      ),
    ).toBeLessThanOrEqual(1);
    // and every entry against the gradient by hand
    const byHand = batchLoss(p, data, loss).gradient;
    expect(worstError(g.w, byHand.w, 1e-12, 1)).toBeLessThanOrEqual(1);
    expect(worstError([g.w0], [byHand.w0], 1e-12, 1)).toBeLessThanOrEqual(1);
    expect(worstError(g.phi, byHand.phi, 1e-12, 1)).toBeLessThanOrEqual(1);
    model.dispose();
  });

  it("agrees with TensorFlow.js tf.grads of the literal loss over pairs of rows (f32)", () => {
    const data = observations("f32", loss);
    const model = linearModel("f32", 12);
    const p = paramsOf(model);
    // lr a power of 2: (before - after) / lr recovers the f32 gradient to about f32's precision
    const g = stepGradient(model, data, loss, 1024);
    model.dispose();
    const oracle = literalGradient(p, data, loss);
    const scale = (xs: ArrayLike<number>) => Math.max(...Array.from(xs, Math.abs));
    // errors relative to each part's largest entry: both sides round in float32
    const close = (ours: ArrayLike<number>, theirs: ArrayLike<number>) => worstError(ours, theirs, 2e-5, scale(theirs));
    expect(close(g.w, oracle.w)).toBeLessThanOrEqual(1);
    expect(close([g.w0], [oracle.w0])).toBeLessThanOrEqual(1);
    expect(close(g.phi, oracle.phi)).toBeLessThanOrEqual(1);
    // the oracle tells a wrong gradient apart: dF/dw_r taken as 1 instead of the gate h_r
    const wrong = zeroGradient(p);
    const s = data.sampleWeight!;
    const total = Array.from(s).reduce((a, x) => a + x, 0);
    for (let b = 0; b < s.length; b++) {
      const set = setOf(data, b);
      const slope = pointLoss(loss, score(p, set).F, data.y![b])[1];
      addScoreGradient(p, { rows: set.rows, gates: set.rows.map(() => 1) }, (s[b] / total) * slope, wrong);
    }
    expect(close(wrong.w, oracle.w)).toBeGreaterThan(10);
  });
});

/**
 * The gradient of the mean loss with respect to phi, w and w0 by TensorFlow.js autodiff of the
 * literal score F_b = sum_{i in A} sum_{j in B} h_i h_j <phi_i, phi_j> + sum_r h_r w_r + w0
 * (every pair of rows through the Gram matrix phi phi^T), in float32.
 */
function literalGradient(p: Params, data: Observations, loss: "squared" | "logistic"): Gradient {
  const count = data.indptr.length - 1,
    rows = p.w.length,
    { n, k } = p;
  const gatesA = new Float32Array(count * rows),
    gatesB = new Float32Array(count * rows);
  for (let b = 0; b < count; b++) {
    const set = setOf(data, b);
    set.rows.forEach((r, e) => ((r < n ? gatesA : gatesB)[b * rows + r] = set.gates[e]));
  }
  const s = Float32Array.from({ length: count }, (_, b) => data.sampleWeight![b]);
  const total = s.reduce((a, x) => a + x, 0);
  let gradient: Gradient | undefined;
  // tidy frees every tensor made inside; the gradient leaves it as plain arrays
  tf.tidy(() => {
    const HA = tf.tensor2d(gatesA, [count, rows]),
      HB = tf.tensor2d(gatesB, [count, rows]);
    const y = tf.tensor1d(Float32Array.from(data.y!)),
      weights = tf.tensor1d(s);
    const meanLoss = (phi: tf.Tensor, w: tf.Tensor, w0: tf.Tensor): tf.Scalar => {
      const gram = tf.matMul(phi, phi, false, true); // <phi_i, phi_j>
      const pairs = tf.sum(tf.mul(tf.matMul(HA, gram), HB), 1); // sum_i sum_j h_i h_j <phi_i, phi_j>
      const F = tf.add(tf.add(pairs, tf.squeeze(tf.matMul(tf.add(HA, HB), tf.reshape(w, [rows, 1])), [1])), w0);
      const each =
        loss === "squared" ? tf.square(tf.sub(F, y)) : tf.softplus(tf.neg(tf.mul(tf.sub(tf.mul(y, 2), 1), F))); // log(1 + exp(-s F))
      return tf.div(tf.sum(tf.mul(weights, each)), total);
    };
    const [dphi, dw, dw0] = tf.grads(meanLoss)([
      tf.tensor2d(Float32Array.from(p.phi), [rows, k]),
      tf.tensor1d(Float32Array.from(p.w)),
      tf.scalar(p.w0),
    ]);
    gradient = {
      phi: Float64Array.from(dphi.dataSync()),
      w: Float64Array.from(dw.dataSync()),
      w0: dw0.dataSync()[0],
    };
  });
  return gradient!;
}

describe.each(PRECISIONS)("%s training of a linear model", (precision) => {
  it("clips the norm of the whole step: phi's, w's and w0's gradient together", () => {
    const data = observations(precision);
    const model = linearModel(precision, 13);
    const p = paramsOf(model);
    const full = batchLoss(p, data, "squared").gradient;
    const norm = Math.hypot(...full.phi, ...full.w, full.w0);
    const clipNorm = norm / 8;
    const lr = 0.5;
    model.fit(data, { epochs: 1, batchSize: 100, clipNorm, optimizer: { type: "sgd", learningRate: lr } });
    const expected = sgdStep(p, { phi: full.phi.map((x) => x / 8), w: full.w.map((x) => x / 8), w0: full.w0 / 8 }, lr);
    const tol = precision === "f32" ? 2e-6 : 1e-13;
    const got = paramsOf(model);
    expect(worstError(got.phi, expected.phi, tol, 1)).toBeLessThanOrEqual(1);
    expect(worstError(got.w, expected.w, tol, 1)).toBeLessThanOrEqual(1);
    expect(worstError([got.w0], [expected.w0], tol, 1)).toBeLessThanOrEqual(1);
    model.dispose();
  });

  it("steps w and w0 with adam state of their own: two steps match adam by hand over the whole block", () => {
    const data = observations(precision);
    const model = linearModel(precision, 14);
    let p = paramsOf(model);
    const [b1, b2, eps, lr] = [0.9, 0.999, 1e-7, 0.01];
    const moments = (length: number) => ({ m: new Float64Array(length), v: new Float64Array(length) });
    const state = { phi: moments(p.phi.length), w: moments(p.w.length), w0: moments(1) };
    for (let t = 1; t <= 2; t++) {
      const g = batchLoss(p, data, "squared").gradient;
      const step = (x: Float64Array, grad: ArrayLike<number>, s: { m: Float64Array; v: Float64Array }) =>
        x.map((xi, i) => {
          // a row no observation lists is not stepped (lazy): every row here is listed
          s.m[i] = b1 * s.m[i] + (1 - b1) * grad[i];
          s.v[i] = b2 * s.v[i] + (1 - b2) * grad[i] ** 2;
          return xi - (lr * (s.m[i] / (1 - b1 ** t))) / (Math.sqrt(s.v[i] / (1 - b2 ** t)) + eps);
        });
      p = {
        ...p,
        phi: step(p.phi, g.phi, state.phi),
        w: step(p.w, g.w, state.w),
        w0: step(Float64Array.of(p.w0), [g.w0], state.w0)[0],
      };
    }
    model.fit(data, { epochs: 2, batchSize: 100, optimizer: { type: "adam", learningRate: lr } });
    const got = paramsOf(model);
    // adam's step is about lr per entry: its error is relative to lr, not to the parameter
    const tol = precision === "f32" ? 1e-4 : 1e-9;
    expect(worstError(got.phi, p.phi, tol * lr, 1)).toBeLessThanOrEqual(1);
    expect(worstError(got.w, p.w, tol * lr, 1)).toBeLessThanOrEqual(1);
    expect(worstError([got.w0], [p.w0], tol * lr, 1)).toBeLessThanOrEqual(1);
    model.dispose();
  });

  it("continues with fitPartial exactly as one longer fit, w and w0 included", () => {
    const data = observations(precision);
    const options = { epochs: 2, batchSize: 3, seed: 5, optimizer: { type: "adam" as const } };
    const a = linearModel(precision, 15);
    const b = loadModel(a.save());
    a.fit(data, { ...options, epochs: 4 });
    b.fit(data, options);
    b.fitPartial(data, options);
    expect(firstBitDifference(block(a), block(b))).toBe(-1);
    a.dispose();
    b.dispose();
  });
});

describe("a linear model in training", () => {
  it("that diverges through w is restored, w and w0 with phi, and the error names the row of w", () => {
    // k = 0: F is the linear terms alone; a step of lr 1e308 sends w past the largest f64
    const tiny = { n: 2, m: 2, k: 0 };
    const model = createModel(tiny, { precision: "f64", linear: true });
    model.w.set([0.5, -0.25, 0.125, 1]);
    model.w0 = 0.5;
    const before = block(model);
    const data = { indptr: new Uint32Array([0, 2]), index: new Uint32Array([1, 3]), y: [10] };
    expect(() => model.fit(data, { epochs: 2, optimizer: { type: "sgd", learningRate: 1e308 } })).toThrow(
      "Model.fit(): training diverged in epoch 0 (w of row 1 became non-finite in batch 0); the parameters were restored to where this fit() began",
    );
    expect(firstBitDifference(block(model), before)).toBe(-1);
    model.dispose();
  });

  it("refuses a new w0 from a callback while it trains, as every change to the model", () => {
    const model = linearModel("f32", 16);
    const data = observations("f32");
    let refused = "";
    model.fit(data, {
      epochs: 1,
      onEpoch: () => {
        try {
          model.w0 = 1;
        } catch (error) {
          refused = (error as Error).message;
        }
      },
    });
    expect(refused).toBe(
      "Model.w0(): this Model is training (fit() is running); its callbacks may predict, evaluate and save, not change the model",
    );
    expect(model.w0).not.toBe(1);
    model.dispose();
  });
});

describe("model files with linear terms", () => {
  it.each(PRECISIONS)("round-trip a %s model's phi, w and w0 bit for bit", (precision) => {
    const model = linearModel(precision, 21);
    const data = observations(precision);
    const bytes = model.save();
    // version 2, flags bit 0 set, and the parameters' byte length counts w and w0
    const view = new DataView(bytes.buffer, bytes.byteOffset);
    const size = precision === "f32" ? 4 : 8;
    expect([view.getUint32(4, true), bytes[9]]).toEqual([2, 1]);
    expect(Number(view.getBigUint64(24, true))).toBe((11 * 7 + 11 + 1) * size);
    expect(bytes.length).toBe(32 + (11 * 7 + 11 + 1) * size + 4);
    const copy = loadModel(bytes);
    expect(copy.linear).toBe(true);
    expect(copy.precision).toBe(precision);
    expect(firstBitDifference(block(copy), block(model))).toBe(-1);
    expect(firstBitDifference(copy.predict(data), model.predict(data))).toBe(-1);
    // load() into a linear model of the same shape replaces w and w0 too
    const other = createModel(shape, { precision, seed: 2, linear: true });
    other.load(bytes);
    expect(firstBitDifference(block(other), block(model))).toBe(-1);
    // a model without linear terms refuses the file, and the file of one is refused by a linear model
    const plain = createModel(shape, { precision });
    expect(() => plain.load(bytes)).toThrow(`with linear terms, this model is { n: 5, m: 6, k: 7 } ${precision} model`);
    expect(() => other.load(plain.save())).toThrow(`${precision} model, this model is { n: 5, m: 6, k: 7 }`);
    for (const m of [model, copy, other, plain]) m.dispose();
  });

  /** A version 1 file (no flags byte in use) of an f32 model, written field by field. */
  function versionOne(phi: Float32Array, flags = 0): Uint8Array {
    const bytes = new Uint8Array(32 + 4 * phi.length + 4);
    const view = new DataView(bytes.buffer);
    bytes.set([0x43, 0x47, 0x52, 0x44]); // "CGRD"
    view.setUint32(4, 1, true);
    view.setUint8(8, 1); // f32
    view.setUint8(9, flags);
    view.setUint32(12, shape.n, true);
    view.setUint32(16, shape.m, true);
    view.setUint32(20, shape.k, true);
    view.setBigUint64(24, BigInt(4 * phi.length), true);
    phi.forEach((x, i) => view.setFloat32(32 + 4 * i, x, true));
    view.setUint32(32 + 4 * phi.length, crc32(bytes.subarray(0, 32 + 4 * phi.length)), true);
    return bytes;
  }

  it("load a hand-made version 1 file as a model without linear terms", () => {
    const random = rng(22);
    const phi = Float32Array.from({ length: 11 * 7 }, () => 2 * random() - 1);
    const model = loadModel(versionOne(phi));
    expect(model.linear).toBe(false);
    expect(model.shape).toEqual(shape);
    expect(firstBitDifference(model.phi, phi)).toBe(-1);
    expect(() => model.w).toThrow("Model.w: this model has no linear terms");
    // it saves as version 2 with flags 0, and loads back the same
    const saved = model.save();
    expect([new DataView(saved.buffer).getUint32(4, true), saved[9]]).toEqual([2, 0]);
    const again = loadModel(saved);
    expect(firstBitDifference(again.phi, phi)).toBe(-1);
    // a version 1 file knows no flags
    expect(() => loadModel(versionOne(phi, 1))).toThrow("flags byte 9 is 1; version 1 knows none");
    model.dispose();
    again.dispose();
  });
});
