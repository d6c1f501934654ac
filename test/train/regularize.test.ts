// Regularization per occurrence (src/train/regularize.ts): one sgd step against the update by
// hand, in which row r's gradient gains 2 (c_r / B)(reg + regFixed / max(1, n_r)) regWeight_r
// phi_r (and its w_r alike; w0 never), c_r being its sample-weighted occurrences in the batch,
// B the batch's sample weight and n_r the row's sample-weighted occurrences in the data.
import { beforeAll, describe, expect, it } from "vitest";
import { createModel, type FitOptions, type Model, type Observations, type Precision } from "../../src/index.js";
import { init } from "../../src/wasm/init.js";
import { Random } from "../../src/util/random.js";
import { shuffled } from "../../src/train/minibatch.js";
import { firstBitDifference, rng } from "../helpers.js";
import {
  addPenaltyGradient,
  batchLoss,
  block,
  paramsOf,
  sampleWeights,
  sgdStep,
  worstError,
  type Gradient,
  type Params,
} from "./oracle.js";

beforeAll(() => init());

const Types = { f32: Float32Array, f64: Float64Array } as const;
const shape = { n: 4, m: 6, k: 3 };
const rows = shape.n + shape.m;

/**
 * Rows 0..9: row 0 occurs 3 times, 4 and 6 twice, 1, 2, 5 and 7 once, 9 never, 3 only in an
 * observation of sample weight 0 (listed in the batch, but occurring with weight 0), and 8 only
 * in one of sample weight 0.5 (its n_r, below 1, counts as 1); gates besides 1.
 */
function observations(precision: Precision): Observations {
  const sets = [[0, 4, 6], [0, 1, 5], [0, 4, 8], [2, 6, 7], [3]];
  const gates = [[1, 0.5, 2], [1, 1, -1], [1.5, 1, 0.5], [1, 1, 0.25], [1]];
  return {
    indptr: Uint32Array.from([0, 3, 6, 9, 12, 13]),
    index: Uint32Array.from(sets.flat()),
    weight: Types[precision].from(gates.flat()),
    y: [0.5, -1, 2, 0.25, 0.75],
    sampleWeight: [1, 2, 0.5, 1.5, 0],
  };
}

/** A linear model with random phi, w and w0. */
function model(precision: Precision, seed = 3): Model {
  const random = rng(seed);
  const model = createModel(shape, { precision, seed, scale: 0.7, linear: true });
  model.w.set(Array.from({ length: rows }, () => 2 * random() - 1));
  model.w0 = 0.25;
  return model;
}

interface Penalty {
  readonly reg?: number;
  readonly regFixed?: number;
  readonly regWeight?: readonly number[];
}

/**
 * The gradient of a batch by hand: the mean loss's, plus each listed row's penalty with
 * c_r / B its share of the batch and n_r its occurrences in all of `data`.
 */
function gradientByHand(p: Params, data: Observations, ids: readonly number[], penalty: Penalty): Gradient {
  const { gradient } = batchLoss(p, data, "squared", ids);
  const s = sampleWeights(data);
  const occurrences = new Float64Array(rows),
    shares = new Float64Array(rows),
    listed = new Set<number>();
  const batchWeight = ids.reduce((sum, b) => sum + s[b], 0);
  for (let b = 0; b < s.length; b++) {
    for (let e = data.indptr[b]; e < data.indptr[b + 1]; e++) {
      const r = data.index[e];
      occurrences[r] += s[b];
      if (ids.includes(b)) {
        shares[r] += s[b] / batchWeight;
        listed.add(r);
      }
    }
  }
  const { reg = 0, regFixed = 0, regWeight } = penalty;
  for (const r of listed) {
    const perOccurrence = (regWeight ? regWeight[r] : 1) * (reg + regFixed / Math.max(1, occurrences[r]));
    addPenaltyGradient(p, r, shares[r] * perOccurrence, gradient);
  }
  return gradient;
}

const sgd = (lr: number, extra: FitOptions = {}): FitOptions => ({
  epochs: 1,
  batchSize: 100,
  optimizer: { type: "sgd", learningRate: lr },
  ...extra,
});

const PENALTIES: [string, Penalty][] = [
  ["reg", { reg: 0.05 }],
  ["regFixed", { regFixed: 0.4 }],
  ["reg and regFixed", { reg: 0.05, regFixed: 0.4 }],
  [
    "reg and regFixed, regWeight with a 0",
    { reg: 0.05, regFixed: 0.4, regWeight: [1, 0.5, 0, 2, 1, 3, 0.25, 1, 1.5, 1] },
  ],
];

describe.each(["f32", "f64"] as const)("%s: one sgd step over every observation", (precision) => {
  const lr = 0.25;
  const tol = precision === "f32" ? 3e-6 : 1e-13;

  it.each(PENALTIES)("with %s equals the update by hand, penalty per occurrence included", (_, penalty) => {
    const data = observations(precision);
    const trained = model(precision),
      plain = model(precision);
    const p = paramsOf(trained);
    const expected = sgdStep(p, gradientByHand(p, data, [0, 1, 2, 3, 4], penalty), lr);
    trained.fit(data, sgd(lr, penalty));
    plain.fit(data, sgd(lr));
    const got = paramsOf(trained),
      without = paramsOf(plain);
    expect(worstError(got.phi, expected.phi, tol, 1)).toBeLessThanOrEqual(1);
    expect(worstError(got.w, expected.w, tol, 1)).toBeLessThanOrEqual(1);
    // w0 is never penalized: the same bits as the step without a penalty
    expect(Object.is(got.w0, without.w0)).toBe(true);
    expect(got.w0).not.toBe(p.w0);
    // row 9 is listed nowhere, row 3 only with sample weight 0: untouched, as in the plain step
    for (const r of [3, 9]) {
      expect(Array.from(got.phi.subarray(r * 3, r * 3 + 3))).toEqual(Array.from(p.phi.subarray(r * 3, r * 3 + 3)));
      expect(got.w[r]).toBe(p.w[r]);
    }
    // a row of regWeight 0 steps exactly as without the penalty; every other listed row does not
    for (const r of [0, 1, 2, 4, 5, 6, 7, 8]) {
      const same =
        firstBitDifference(
          trained.phi.subarray(r * 3, r * 3 + 3),
          plain.phi.subarray(r * 3, r * 3 + 3) as typeof trained.phi,
        ) === -1;
      expect(same, `row ${r}`).toBe(penalty.regWeight?.[r] === 0);
      expect(got.w[r] === without.w[r], `w of row ${r}`).toBe(penalty.regWeight?.[r] === 0);
    }
    trained.dispose();
    plain.dispose();
  });

  it("penalizes by occurrence with reg and by row with regFixed: the step's difference from the plain one", () => {
    // isolated from the loss: (plain - penalized) / lr = 2 (c_r / B)(reg + regFixed / n_r) phi_r
    const data = observations(precision);
    const baseModel = model(precision);
    const base = paramsOf(baseModel);
    baseModel.dispose();
    const penaltyOf = (penalty: Penalty) => {
      const a = model(precision),
        b = model(precision);
      a.fit(data, sgd(lr, penalty));
      b.fit(data, sgd(lr));
      const [pa, pb] = [paramsOf(a), paramsOf(b)];
      a.dispose();
      b.dispose();
      return Array.from({ length: rows }, (_, r) => (pb.w[r] - pa.w[r]) / lr / (2 * base.w[r]));
    };
    const s = sampleWeights(data);
    const total = s.reduce((x, y) => x + y, 0);
    // occurrences of each row, sample-weighted: row 0 in observations 0, 1, 2
    const occurrences = [1 + 2 + 0.5, 2, 1.5, 0, 1 + 0.5, 2, 1 + 1.5, 1.5, 0.5, 0];
    const reg = 0.05,
      regFixed = 0.4;
    const byOccurrence = penaltyOf({ reg });
    const byRow = penaltyOf({ regFixed });
    const close = (x: number, y: number) => Math.abs(x - y) <= (precision === "f32" ? 1e-4 : 1e-10) * Math.abs(y);
    for (let r = 0; r < rows; r++) {
      if (occurrences[r] === 0) {
        expect(byOccurrence[r] === 0 && byRow[r] === 0, `row ${r}`).toBe(true);
        continue;
      }
      // reg: in proportion to the row's share of the batch (its occurrences / B)
      expect(close(byOccurrence[r], (occurrences[r] / total) * reg), `reg, row ${r}`).toBe(true);
      // regFixed: the same for every row, however often it occurs (one batch is the epoch),
      // but for row 8, whose n_r of 0.5 counts as 1
      const perRow = (occurrences[r] / Math.max(1, occurrences[r]) / total) * regFixed;
      expect(close(byRow[r], perRow), `regFixed, row ${r}`).toBe(true);
    }
  });

  it("with reg and regFixed 0, or every regWeight 0, is the plain step bit for bit", () => {
    const data = observations(precision);
    const run = (extra: FitOptions) => {
      const m = model(precision);
      m.fit(data, { ...sgd(lr), batchSize: 2, epochs: 2, seed: 9, ...extra });
      const params = block(m);
      m.dispose();
      return params;
    };
    const plain = run({});
    expect(firstBitDifference(run({ reg: 0, regFixed: 0 }), plain)).toBe(-1);
    expect(firstBitDifference(run({ reg: 0, regFixed: 0, regWeight: new Array(rows).fill(3) }), plain)).toBe(-1);
    expect(firstBitDifference(run({ reg: 0.5, regFixed: 2, regWeight: new Array(rows).fill(0) }), plain)).toBe(-1);
    expect(firstBitDifference(run({ reg: 0.5 }), plain)).not.toBe(-1);
  });

  it("in batches takes c_r and B from the batch, n_r from all the observations", () => {
    // batches of two in the order the fit's seeded shuffle makes (Random(seed), Fisher-Yates)
    const data = observations(precision);
    const seed = 17;
    const order = Array.from(shuffled(5, new Random(seed)));
    const batches = [order.slice(0, 2), order.slice(2, 4), order.slice(4)];
    const penalty = { reg: 0.05, regFixed: 0.4, regWeight: [1, 0.5, 0, 2, 1, 3, 0.25, 1, 1.5, 1] };
    const m = model(precision);
    const p0 = paramsOf(m);
    let p = p0;
    for (const ids of batches) p = sgdStep(p, gradientByHand(p, data, ids, penalty), lr);
    m.fit(data, { ...sgd(lr, penalty), batchSize: 2, seed });
    const got = paramsOf(m);
    expect(worstError(got.phi, p.phi, tol, 1)).toBeLessThanOrEqual(1);
    expect(worstError(got.w, p.w, tol, 1)).toBeLessThanOrEqual(1);
    expect(worstError([got.w0], [p.w0], tol, 1)).toBeLessThanOrEqual(1);
    // what a penalty with n_r counted in the batch would give is told apart
    let wrong = p0;
    for (const ids of batches) {
      const only = { ...data, sampleWeight: sampleWeights(data).map((x, b) => (ids.includes(b) ? x : 0)) };
      wrong = sgdStep(wrong, gradientByHand(wrong, only, ids, penalty), lr);
    }
    expect(worstError(got.phi, wrong.phi, tol, 1)).toBeGreaterThan(1);
    m.dispose();
  });
});

describe("penalty options", () => {
  const data = observations("f32");

  it.each([0.01, 0])("refuse l2 (given as %s) with a TypeError that names reg, changing nothing", (l2) => {
    const m = model("f32");
    const before = block(m);
    const call = () => m.fit(data, { l2 } as never);
    expect(call).toThrow(TypeError);
    expect(call).toThrow(
      "Model.fit(): options.l2 was replaced by options.reg, an L2 per occurrence as Surprise's reg (docs/training.md), and options.regFixed",
    );
    expect(() => m.fitPartial(data, { l2 } as never)).toThrow(
      "Model.fitPartial(): options.l2 was replaced by options.reg",
    );
    expect(firstBitDifference(block(m), before)).toBe(-1);
    m.dispose();
  });

  it.each([
    [
      { regWeight: [1, 1, 1, -1, 1, 1, 1, 1, 1, 1] },
      RangeError,
      "options.regWeight[3] must be finite and non-negative, got -1",
    ],
    [
      { regWeight: [1, 1, 1, 1, 1, 1, 1, 1, NaN, 1] },
      RangeError,
      "options.regWeight[8] must be finite and non-negative",
    ],
    [{ regWeight: new Array(9).fill(1) }, RangeError, "options.regWeight.length must be n + m = 10, got 9"],
    [{ reg: -0.1 }, RangeError, "options.reg must be a finite number of at least 0, got -0.1"],
    [{ regFixed: Infinity }, RangeError, "options.regFixed must be a finite number of at least 0, got Infinity"],
  ])("refuse %o, naming it", (options, type, message) => {
    const m = model("f32");
    expect(() => m.fit(data, options as FitOptions)).toThrow(type);
    expect(() => m.fit(data, options as FitOptions)).toThrow(message);
    m.dispose();
  });
});
