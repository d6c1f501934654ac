// Training: optimizer steps against plain JS, convergence on planted data for each loss,
// reproducibility, divergence handling, early stopping, save/load.
import { beforeAll, describe, expect, it } from "vitest";
import { plantedProblem, sliceObservations } from "../examples/planted.js";
import {
  auc,
  createModel,
  createProblem,
  loadModel,
  logLoss,
  mae,
  rmse,
  sigmoid,
  value,
  type FloatArray,
  type Precision,
} from "../src/index.js";
import { info, init, requireEngine } from "../src/wasm/init.js";
import type { PrecisionKernels } from "../src/wasm/loader.js";
import { Random } from "../src/util/random.js";
import { Catalogue } from "../src/train/pairs.js";
import { crc32 } from "../src/train/persist.js";
import { firstBitDifference, rng } from "./helpers.js";

beforeAll(() => init());

type Step = {
  lr: number;
  mu: number;
  nesterov: boolean;
  b1: number;
  b2: number;
  eps: number;
  decay: number;
  scale: number;
  t: number;
};

/** The textbook update rules, in float64 with the kernel's rounding of the coefficients to T. */
function reference(
  kind: "sgd" | "adagrad" | "adam",
  phi: number[],
  grad: number[],
  s1: number[],
  s2: number[],
  p: Step,
  round: (x: number) => number,
) {
  for (let i = 0; i < phi.length; i++) {
    const g = round(p.scale) * grad[i];
    if (kind === "sgd") {
      let step = g;
      if (p.mu !== 0) {
        s1[i] = round(p.mu) * s1[i] + g;
        step = p.nesterov ? g + round(p.mu) * s1[i] : s1[i];
      }
      phi[i] = phi[i] - round(p.lr) * step - round(p.lr) * round(p.decay) * phi[i];
    } else if (kind === "adagrad") {
      s1[i] += g * g;
      phi[i] = phi[i] - (round(p.lr) * g) / (Math.sqrt(s1[i]) + round(p.eps)) - round(p.lr) * round(p.decay) * phi[i];
    } else {
      s1[i] = round(p.b1) * s1[i] + round(1 - p.b1) * g;
      s2[i] = round(p.b2) * s2[i] + round(1 - p.b2) * g * g;
      const c1 = round(1 - p.b1 ** p.t),
        c2 = round(1 - p.b2 ** p.t);
      phi[i] =
        phi[i] -
        (round(p.lr) * (s1[i] / c1)) / (Math.sqrt(s2[i] / c2) + round(p.eps)) -
        round(p.lr) * round(p.decay) * phi[i];
    }
  }
}

/** One step of an optimizer kernel over `count` listed rows (pointers). */
function stepKernel(
  K: PrecisionKernels,
  kind: "sgd" | "adagrad" | "adam",
  p: Step,
  at: { count: number; list: number; k: number; phi: number; grad: number; s1: number; s2: number },
): void {
  const { count, list, k, phi, grad, s1, s2 } = at;
  if (kind === "sgd")
    K.sgdRows({
      count,
      list,
      k,
      phi,
      grad,
      velocity: p.mu ? s1 : 0,
      lr: p.lr,
      mu: p.mu,
      nesterov: p.nesterov,
      decay: p.decay,
      gradScale: p.scale,
    });
  else if (kind === "adagrad")
    K.adagradRows({
      count,
      list,
      k,
      phi,
      grad,
      accum: s1,
      lr: p.lr,
      eps: p.eps,
      decay: p.decay,
      gradScale: p.scale,
    });
  else
    K.adamRows({
      count,
      list,
      k,
      phi,
      grad,
      mom: s1,
      vel: s2,
      lr: p.lr,
      b1: p.b1,
      b2: p.b2,
      eps: p.eps,
      c1: 1 - p.b1 ** p.t,
      c2: 1 - p.b2 ** p.t,
      decay: p.decay,
      gradScale: p.scale,
    });
}

describe.each(["f32", "f64"] as const)("%s optimizer steps", (precision: Precision) => {
  const k = 11,
    rows = 9;
  const cases = [
    ["sgd", { mu: 0, nesterov: false }],
    ["sgd", { mu: 0.9, nesterov: false }],
    ["sgd", { mu: 0.9, nesterov: true }],
    ["adagrad", {}],
    ["adam", {}],
  ] as const;
  it.each(cases)("%s %o matches the plain-JS update on the listed rows only, for 3 steps", (kind, extra) => {
    const engine = requireEngine("test");
    const K = engine[precision];
    const bytes = rows * k * K.bytesPerElement;
    const [phiAt, gradAt, s1At, s2At, listAt] = [0, 1, 2, 3, 4].map(() => engine.memory.alloc(bytes));
    const view = (at: number) => new K.ArrayType(engine.memory.buffer, at, rows * k);
    const random = rng(9);
    view(phiAt).set(Array.from({ length: rows * k }, () => 2 * random() - 1));
    view(s1At).fill(0);
    view(s2At).fill(0);
    const listed = [1, 4, 8];
    new Uint32Array(engine.memory.buffer, listAt, 3).set(listed);
    const round = precision === "f32" ? Math.fround : (x: number) => x;
    const js = { phi: Array.from(view(phiAt)), s1: new Array(rows * k).fill(0), s2: new Array(rows * k).fill(0) };
    const untouched = view(phiAt).slice();
    for (let t = 1; t <= 3; t++) {
      const grad = Array.from({ length: rows * k }, () => 2 * random() - 1);
      view(gradAt).set(grad);
      const p: Step = {
        lr: 0.05,
        b1: 0.9,
        b2: 0.999,
        eps: 1e-7,
        decay: 0.01,
        scale: 0.7,
        t,
        mu: 0,
        nesterov: false,
        ...extra,
      };
      stepKernel(K, kind, p, {
        count: 3,
        list: listAt,
        k,
        phi: phiAt,
        grad: gradAt,
        s1: s1At,
        s2: s2At,
      });
      // the listed rows' gradient is used up (zero), the others' untouched
      const used = view(gradAt);
      for (let i = 0; i < rows * k; i++) expect(used[i]).toBe(listed.includes(Math.floor(i / k)) ? 0 : round(grad[i]));
      for (const r of listed) {
        const at = (a: number[]) => a.slice(r * k, (r + 1) * k);
        const [phi, g, s1, s2] = [at(js.phi), at(grad), at(js.s1), at(js.s2)];
        reference(kind, phi, g, s1, s2, p, round);
        js.phi.splice(r * k, k, ...phi);
        js.s1.splice(r * k, k, ...s1);
        js.s2.splice(r * k, k, ...s2);
      }
    }
    const got = view(phiAt);
    const tol = precision === "f32" ? 2e-6 : 1e-14;
    for (let i = 0; i < rows * k; i++) {
      const r = Math.floor(i / k);
      if (listed.includes(r)) expect(Math.abs(got[i] - js.phi[i])).toBeLessThanOrEqual(tol * (1 + Math.abs(js.phi[i])));
      else expect(got[i]).toBe(untouched[i]); // rows not listed are never touched
    }
    for (const at of [phiAt, gradAt, s1At, s2At, listAt]) engine.memory.free(at);
  });
});

describe("fit on planted data", () => {
  const shape = { n: 300, m: 300, k: 8 };

  it("reaches the noise floor with squared loss (validation MSE within 25% of noise^2 = 0.01)", () => {
    const { observations } = plantedProblem({ ...shape, count: 66000, noise: 0.1, seed: 11 });
    const train = sliceObservations(observations, 0, 60000),
      validation = sliceObservations(observations, 60000, 66000);
    const model = createModel(shape, { seed: 2 });
    const history = model.fit(train, {
      epochs: 25,
      validation,
      optimizer: { type: "adam", learningRate: (e) => 0.02 * 0.85 ** Math.max(0, e - 5) },
    });
    const last = history.epochs.at(-1)!;
    expect(last.validationLoss).toBeLessThan(0.0125);
    expect(last.loss).toBeLessThan(0.0125);
    expect(rmse(model.predict(validation), validation.y!)).toBeCloseTo(Math.sqrt(last.validationLoss!), 10);
    model.dispose();
  });

  it("learns labels with logistic loss (validation log-loss within 0.04 of the Bayes rate, AUC within 0.02)", () => {
    // labels drawn with probability sigmoid(3 F*): F holds the Bayes-optimal logits
    const { observations, F } = plantedProblem({ ...shape, count: 130000, loss: "logistic", seed: 12 });
    const train = sliceObservations(observations, 0, 120000),
      validation = sliceObservations(observations, 120000, 130000);
    const model = createModel(shape, { seed: 3 });
    model.fit(train, {
      loss: "logistic",
      epochs: 15,
      optimizer: { type: "adam", learningRate: (e) => 0.02 * 0.8 ** Math.max(0, e - 3) },
    });
    const bayes = F.subarray(120000);
    const scores = model.predict(validation);
    expect(logLoss(scores, validation.y!)).toBeLessThan(logLoss(bayes, validation.y!) + 0.04);
    expect(auc(scores, validation.y!)).toBeGreaterThan(auc(bayes, validation.y!) - 0.02);
    model.dispose();
  });

  it("ranks positives first with bpr (validation bpr loss below the planted phi*'s own, from log 2 untrained)", () => {
    // each positive is the best of 8 random B rows under phi*; negatives are drawn uniformly
    const { observations, phi } = plantedProblem({ ...shape, count: 33000, loss: "bpr", seed: 13 });
    const train = sliceObservations(observations, 0, 30000),
      validation = sliceObservations(observations, 30000, 33000);
    const planted = createModel(shape, { phi, precision: "f64" });
    const model = createModel(shape, { seed: 4, scale: 0.01 });
    expect(model.evaluate(validation, "bpr")).toBeCloseTo(Math.log(2), 2);
    const history = model.fit(train, {
      loss: "bpr",
      epochs: 10,
      validation,
      optimizer: { type: "adam", learningRate: 0.01 },
    });
    expect(history.epochs.at(-1)!.validationLoss).toBeLessThan(planted.evaluate(validation, "bpr"));
    model.dispose();
    planted.dispose();
  });

  it.each(["sgd", "adagrad", "adam"] as const)(
    "lowers the loss with %s, momentum, an L2 per occurrence, decay and clipping",
    (type) => {
      const { observations } = plantedProblem({ ...shape, count: 20000, seed: 14 });
      const model = createModel(shape, { seed: 5 });
      const before = model.evaluate(observations);
      const optimizer =
        type === "sgd"
          ? { type, learningRate: 0.5, momentum: 0.9, nesterov: true, weightDecay: 1e-4 }
          : { type, weightDecay: 1e-4 };
      model.fit(observations, { epochs: 5, reg: 1e-3, regFixed: 1e-2, clipNorm: 5, optimizer });
      expect(model.evaluate(observations)).toBeLessThan(before / 4);
      model.dispose();
    },
  );
});

describe("training runs", () => {
  const shape = { n: 120, m: 80, k: 5 };
  const { observations } = plantedProblem({ ...shape, count: 5000, seed: 21 });

  it("are reproducible bit for bit with the same seed, and differ with another", () => {
    const run = (seed: number) => {
      const model = createModel(shape, { seed: 1 });
      model.fit(observations, { epochs: 3, seed, batchSize: 64 });
      const phi = model.phi.slice();
      model.dispose();
      return phi;
    };
    expect(firstBitDifference(run(7), run(7))).toBe(-1);
    expect(firstBitDifference(run(7), run(8))).not.toBe(-1);
  });

  it("train bit for bit alike without sample weights, with every weight 1, and (the same shares) every weight 2", () => {
    const run = (sampleWeight?: number[]) => {
      const model = createModel(shape, { seed: 1 });
      const { epochs } = model.fit({ ...observations, ...(sampleWeight && { sampleWeight }) }, { epochs: 2 });
      const result = { phi: model.phi.slice(), loss: epochs[1].loss };
      model.dispose();
      return result;
    };
    const none = run(),
      ones = run(new Array(5000).fill(1)),
      twos = run(new Array(5000).fill(2));
    expect(firstBitDifference(ones.phi, none.phi)).toBe(-1);
    expect(ones.loss).toBe(none.loss);
    expect(firstBitDifference(twos.phi, none.phi)).toBe(-1);
    expect(twos.loss).toBe(none.loss);
  });

  it("continue with fitPartial exactly as one longer fit", () => {
    const options = {
      epochs: 2,
      seed: 3,
      optimizer: { type: "adam" as const, learningRate: (e: number) => 0.02 / (1 + e) },
    };
    const a = createModel(shape, { seed: 1 });
    a.fit(observations, { ...options, epochs: 4 });
    const b = createModel(shape, { seed: 1 });
    b.fit(observations, options);
    const history = b.fitPartial(observations, options);
    expect(history.epochs.map((e) => e.epoch)).toEqual([2, 3]);
    expect(firstBitDifference(a.phi, b.phi)).toBe(-1);
    a.dispose();
    b.dispose();
  });

  it("leave the rows no observation lists untouched", () => {
    const model = createModel({ n: 200, m: 100, k: 4 }, { seed: 1 });
    const before = model.phi.slice();
    const listed = { indptr: new Uint32Array([0, 2, 4]), index: new Uint32Array([3, 250, 7, 260]), y: [1, -1] };
    model.fit(listed, { epochs: 3 });
    const after = model.phi;
    for (let r = 0; r < 300; r++) {
      const same = firstBitDifference(after.subarray(r * 4, r * 4 + 4), before.subarray(r * 4, r * 4 + 4)) === -1;
      expect(same).toBe(![3, 7, 250, 260].includes(r));
    }
    model.dispose();
  });

  it("throw a clear error when the loss diverges, with the parameters of the last good epoch restored", () => {
    const model = createModel(shape, { seed: 1 });
    let lastGood: FloatArray | undefined;
    let lastGoodScores: Float64Array | undefined;
    const options = {
      epochs: 40,
      optimizer: { type: "sgd" as const, learningRate: (e: number) => (e < 2 ? 0.01 : 1e6) },
      onEpoch: () => void ((lastGood = model.phi.slice()), (lastGoodScores = model.predict(observations))),
    };
    expect(() => model.fit(observations, options)).toThrow(
      /training diverged in epoch 2 \((loss (NaN|Infinity)|row \d+ of phi became non-finite) in batch \d+\); the parameters were restored to the end of epoch 1/,
    );
    expect(firstBitDifference(model.phi, lastGood!)).toBe(-1);
    expect(firstBitDifference(model.predict(observations), lastGoodScores!)).toBe(-1);
    model.dispose();
  });

  it("stop early on the validation loss and restore the best epoch", () => {
    const train = sliceObservations(observations, 0, 200),
      validation = sliceObservations(observations, 4000, 5000);
    const model = createModel(shape, { seed: 1 });
    let best: FloatArray | undefined;
    let bestLoss = Infinity;
    const history = model.fit(train, {
      epochs: 200,
      patience: 3,
      validation,
      optimizer: { type: "adam", learningRate: 0.05 },
      onEpoch: (r) => {
        if (r.validationLoss! < bestLoss) [bestLoss, best] = [r.validationLoss!, model.phi.slice()];
      },
    });
    expect(history.stoppedEarly).toBe(true);
    expect(history.epochs.length).toBeLessThan(200);
    expect(history.epochs.length - 1 - history.bestEpoch).toBe(3);
    expect(firstBitDifference(model.phi, best!)).toBe(-1);
    model.dispose();
  });

  it("report epochs, losses, the learning rate and the elapsed time to onEpoch", () => {
    const model = createModel(shape, { seed: 1 });
    const reports: unknown[] = [];
    let batches = 0;
    const history = model.fit(observations, {
      epochs: 2,
      batchSize: 1000,
      onEpoch: (r) => void reports.push(r),
      onBatch: () => void batches++,
    });
    expect(reports).toEqual(history.epochs);
    expect(batches).toBe(10);
    const stopped = model.fit(observations, { epochs: 5, onEpoch: (r, stop) => r.epoch === 1 && stop() });
    expect(stopped.epochs.length).toBe(2);
    expect(stopped.stoppedEarly).toBe(true);
    expect(history.epochs[1]).toMatchObject({ epoch: 1, learningRate: 0.01 });
    expect(history.epochs[1].elapsed).toBeGreaterThan(history.epochs[0].elapsed);
    model.dispose();
  });

  it("predict F of every observation, as value() does", () => {
    const model = createModel(shape, { seed: 1 });
    model.fit(observations, { epochs: 1 });
    const scores = model.predict(observations);
    for (const b of [0, 17, 4999]) {
      const index = observations.index.subarray(observations.indptr[b], observations.indptr[b + 1]);
      expect(scores[b]).toBe(value(model.phi, { index }, shape));
    }
    model.dispose();
  });

  it("refuse bad options and observations with the argument named", () => {
    const model = createModel(shape);
    expect(() => model.fit(observations, { loss: "hinge" as never })).toThrow(
      'options.loss must be one of "squared", "logistic", "bpr", "warp", "warp-kos", got "hinge"',
    );
    expect(() => model.fit(observations, { batchSize: 0 })).toThrow(
      "options.batchSize must be an integer of at least 1, got 0",
    );
    expect(() => model.fit({ ...observations, y: [1] })).toThrow(
      "observations.y.length must be the number of observations = 5000, got 1",
    );
    expect(() => model.fit({ ...observations }, { loss: "logistic" })).toThrow("observations.y[0] must be 0 or 1");
    expect(() => model.fit({ indptr: new Uint32Array([0, 1]), index: new Uint32Array([0]) }, { loss: "bpr" })).toThrow(
      "observations: observation 0 lists no row of group B; bpr needs its item",
    );
    model.dispose();
    expect(() => model.fit(observations)).toThrow("Model.fit(): this Model was disposed");
  });
});

describe("training under misuse", () => {
  const shape = { n: 120, m: 80, k: 5 };
  const { observations } = plantedProblem({ ...shape, count: 3000, seed: 31 });
  const small = sliceObservations(observations, 0, 600);

  /** A model trained for two epochs, the state every refused call must leave as it was. */
  function trained() {
    const model = createModel(shape, { seed: 1 });
    model.fit(small, { epochs: 2, seed: 5, optimizer: { type: "sgd", learningRate: 0.05, momentum: 0.9 } });
    return model;
  }

  it("a refused fit or fitPartial changes nothing: parameters, optimizer, epoch count and random stream", () => {
    const reference = trained();
    reference.fitPartial(small, { epochs: 2, optimizer: { type: "sgd", learningRate: 0.05, momentum: 0.9 } });
    const model = trained();
    const before = model.phi.slice();
    const refusals: [unknown, RegExp | string][] = [
      [{ epochs: -1 }, "Model.fit(): options.epochs must be an integer of at least 0, got -1"],
      [null, "Model.fit(): options must be an object or undefined, got null"],
      [{ seed: 1.5 }, "Model.fit(): options.seed must be an integer from 0 to 4294967295, got 1.5"],
      [
        { validation: { indptr: new Uint32Array([0, 1]), index: new Uint32Array([999]) } },
        /options\.validation\.index\[0\] = 999 is out of range/,
      ],
      [
        { optimizer: { type: "adam", beta1: NaN } },
        "Model.fit(): options.optimizer.beta1 must be a finite number from 0 to 1 (excluded), got NaN",
      ],
      [
        { optimizer: { type: "sgd", learningRate: () => -1 } },
        "Model.fit(): options.optimizer.learningRate(0) returned -1",
      ],
      [{ onEpoch: 5 }, "Model.fit(): options.onEpoch must be a function, got number"],
    ];
    for (const [options, message] of refusals) {
      expect(() => model.fit(small, options as never)).toThrow(message);
      expect(firstBitDifference(model.phi, before)).toBe(-1);
    }
    expect(() => model.fit(small, { loss: "logistic" })).toThrow("Model.fit(): observations.y[0] must be 0 or 1");
    // the model goes on exactly as if none of the refused calls had been made
    const history = model.fitPartial(small, {
      epochs: 2,
      optimizer: { type: "sgd", learningRate: 0.05, momentum: 0.9 },
    });
    expect(history.epochs.map((e) => e.epoch)).toEqual([2, 3]);
    expect(firstBitDifference(model.phi, reference.phi)).toBe(-1);
    model.dispose();
    reference.dispose();
  });

  it.each([
    [{ type: "adam", beta1: 1 }, "options.optimizer.beta1 must be a finite number from 0 to 1 (excluded), got 1"],
    [{ type: "adam", beta2: -0.1 }, "options.optimizer.beta2 must be a finite number from 0 to 1 (excluded), got -0.1"],
    [{ type: "adam", epsilon: 0 }, "options.optimizer.epsilon must be positive, got 0"],
    [
      { type: "adagrad", epsilon: Infinity },
      "options.optimizer.epsilon must be a finite number of at least 0, got Infinity",
    ],
    [{ type: "sgd", momentum: "x" }, 'options.optimizer.momentum must be a finite number of at least 0, got "x"'],
    [{ type: "sgd", nesterov: "yes" }, "options.optimizer.nesterov must be a boolean, got string"],
    [{ type: "sgd", weightDecay: -1 }, "options.optimizer.weightDecay must be a finite number of at least 0, got -1"],
    [
      { type: "adam", learningRate: Infinity },
      "options.optimizer.learningRate must be a finite number of at least 0, got Infinity",
    ],
    [{ type: "rmsprop" }, 'options.optimizer.type must be "sgd", "adagrad" or "adam", got "rmsprop"'],
    ["adam", "options.optimizer must be an object or undefined, got string"],
  ])("refuses the optimizer %o, naming the hyper-parameter", (optimizer, message) => {
    const model = createModel(shape, { seed: 1 });
    const before = model.phi.slice();
    expect(() => model.fit(small, { optimizer: optimizer as never })).toThrow(message);
    expect(firstBitDifference(model.phi, before)).toBe(-1);
    model.dispose();
  });

  it.each([
    [{ reg: NaN }, "options.reg must be a finite number of at least 0, got NaN"],
    [{ regFixed: -1 }, "options.regFixed must be a finite number of at least 0, got -1"],
    [{ regWeight: [1, 2] }, "options.regWeight.length must be n + m"],
    [{ maxSampled: 0 }, "options.maxSampled must be an integer from 1 to 1048576, got 0"],
    [{ kos: { k: 4, n: 3 } }, "options.kos.k must be an integer from 1 to 3, got 4"],
    [{ clipNorm: -1 }, "options.clipNorm must be a finite number of at least 0, got -1"],
    [{ patience: 0 }, "options.patience must be an integer of at least 1, got 0"],
    [{ batchSize: 2.5 }, "options.batchSize must be an integer of at least 1, got 2.5"],
    [{ onBatch: "x" }, "options.onBatch must be a function, got string"],
  ])("refuses the fit option %o", (options, message) => {
    const model = createModel(shape, { seed: 1 });
    expect(() => model.fit(small, options as never)).toThrow(message);
    model.dispose();
  });

  it("refuses a learning-rate schedule's bad rate at the epoch it is asked for, with the previous epoch's parameters", () => {
    const model = createModel(shape, { seed: 1 });
    let endOfEpoch1: FloatArray | undefined;
    for (const bad of [NaN, -1, Infinity, "0.1"]) {
      model.fit(small, { epochs: 1 }); // a clean start for each case
      const options = {
        epochs: 5,
        optimizer: { type: "sgd" as const, learningRate: (e: number) => (e < 2 ? 0.01 : (bad as number)) },
        onEpoch: (r: { epoch: number }) => void (r.epoch === 1 && (endOfEpoch1 = model.phi.slice())),
      };
      expect(() => model.fit(small, options)).toThrow(
        `Model.fit(): options.optimizer.learningRate(2) returned ${typeof bad === "string" ? '"0.1"' : bad}`,
      );
      expect(firstBitDifference(model.phi, endOfEpoch1!)).toBe(-1);
    }
    model.dispose();
  });

  it("applies momentum given to fitPartial after a fit without it", () => {
    const run = (momentum: number) => {
      const model = createModel(shape, { seed: 1 });
      model.fit(small, { epochs: 1, batchSize: 100, optimizer: { type: "sgd", learningRate: 0.05 } });
      model.fitPartial(small, { epochs: 2, batchSize: 100, optimizer: { type: "sgd", learningRate: 0.05, momentum } });
      const phi = model.phi.slice();
      model.dispose();
      return phi;
    };
    expect(firstBitDifference(run(0.9), run(0))).not.toBe(-1);
    expect(firstBitDifference(run(0.9), run(0.9))).toBe(-1);
  });

  it("never returns normally with parameters that are not finite, and restores finite ones", () => {
    const model = createModel(shape, { seed: 1 });
    const initial = model.phi.slice();
    // one epoch at a rate that blows up: the last update of the epoch is checked too
    expect(() => model.fit(small, { epochs: 1, optimizer: { type: "sgd", learningRate: 1e30 } })).toThrow(
      /Model\.fit\(\): training diverged in epoch 0 \(.*\); the parameters were restored to where this fit\(\) began/,
    );
    expect(firstBitDifference(model.phi, initial)).toBe(-1);
    expect(model.predict(small).every(Number.isFinite)).toBe(true);
    // a later epoch: restored to the end of the one before, finite
    let endOfEpoch0: FloatArray | undefined;
    const options = {
      epochs: 3,
      optimizer: { type: "sgd" as const, learningRate: (e: number) => (e === 0 ? 0.01 : 1e30) },
      onEpoch: (r: { epoch: number }) => void (r.epoch === 0 && (endOfEpoch0 = model.phi.slice())),
    };
    expect(() => model.fit(small, options)).toThrow(/diverged in epoch 1 .* restored to the end of epoch 0/);
    expect(firstBitDifference(model.phi, endOfEpoch0!)).toBe(-1);
    expect(model.phi.every(Number.isFinite)).toBe(true);
    model.dispose();
  });

  // one batch an epoch: every step of an epoch is its last, scored by no batch of that epoch
  it.each([
    ["f32", 1, 1e30],
    ["f64", 1, 1e200],
    ["f32", 3, 1e30],
    ["f64", 3, 1e30],
  ] as const)(
    "never leaves a %s model whose training observations score NaN or infinite (%i epochs of sgd at %d)",
    (precision, epochs, learningRate) => {
      const model = createModel(shape, { seed: 1, precision });
      const initial = { phi: model.phi.slice(), scores: model.predict(small) };
      const options = { epochs, batchSize: 600, optimizer: { type: "sgd" as const, learningRate } };
      expect(() => model.fit(small, options)).toThrow(
        /^Model\.fit\(\): training diverged in epoch \d+ \(.*\); the parameters were restored to where this fit\(\) began/,
      );
      // the restored parameters are the initial ones, and score like them: finitely, finite losses
      const scores = model.predict(small);
      expect(scores.every(Number.isFinite)).toBe(true);
      expect(Number.isFinite(model.evaluate(small))).toBe(true);
      expect(firstBitDifference(scores, initial.scores)).toBe(-1);
      expect(firstBitDifference(model.phi, initial.phi)).toBe(-1);
      // and the epoch count went back with them
      expect(model.fitPartial(small, { epochs: 1 }).epochs[0].epoch).toBe(0);
      model.dispose();
    },
  );

  it("restores where the call began when the diverging epoch's start scores an observation as infinite", () => {
    // epochs 0 and 1 train; epoch 2's one step leaves finite parameters whose scores overflow, so
    // the start of epoch 3, where the loss turns infinite, is no place to go back to
    const model = createModel(shape, { seed: 1 });
    const initial = model.predict(small);
    let endOfEpoch2: Float64Array | undefined;
    const options = {
      epochs: 5,
      batchSize: 600,
      optimizer: { type: "sgd" as const, learningRate: (e: number) => (e < 2 ? 0.01 : 1e30) },
      onEpoch: (r: { epoch: number }) => void (r.epoch === 2 && (endOfEpoch2 = model.predict(small))),
    };
    expect(() => model.fit(small, options)).toThrow(
      /training diverged in epoch 3 \(loss Infinity in batch 0\); the parameters were restored to where this fit\(\) began/,
    );
    expect(endOfEpoch2!.some((F) => !Number.isFinite(F))).toBe(true);
    expect(firstBitDifference(model.predict(small), initial)).toBe(-1);
    model.dispose();
  });

  it("checks the scores of a batch, not only its loss (a logistic loss is 0 at F = Infinity, y = 1)", () => {
    // epoch 0's step makes both rows about 3e29: F = <u, v> overflows f32, with a loss of 0
    const model = createModel({ n: 2, m: 2, k: 1 }, { phi: [1, 0, 1, 0] });
    const ones = { indptr: new Uint32Array([0, 2]), index: new Uint32Array([0, 2]), y: [1] };
    const options = { loss: "logistic" as const, epochs: 2, optimizer: { type: "sgd" as const, learningRate: 1e30 } };
    expect(() => model.fit(ones, options)).toThrow(
      "Model.fit(): training diverged in epoch 1 (observation 0 scored NaN or an infinity in batch 0); the parameters were restored to where this fit() began",
    );
    expect(Array.from(model.phi)).toEqual([1, 0, 1, 0]);
    model.dispose();
  });

  it("refuses to train parameters that are not finite, changing nothing", () => {
    const model = createModel(shape, { seed: 1 });
    model.phi[7 * shape.k + 2] = NaN;
    const before = model.phi.slice();
    expect(() => model.fit(small)).toThrow(
      "Model.fit(): row 7 of the model's phi is not finite; training needs finite parameters",
    );
    expect(firstBitDifference(model.phi, before)).toBe(-1);
    model.dispose();
  });

  it.each(["onEpoch", "onBatch", "learningRate"] as const)(
    "stops at once when %s disposes the model, and frees its memory only when fit returns",
    (callback) => {
      const model = createModel(shape, { seed: 1 });
      let intruder: ReturnType<typeof createModel> | undefined;
      const dispose = () => {
        if (intruder) return 0.01;
        model.dispose();
        // memory the model still trains in must not be handed out meanwhile
        intruder = createModel(shape, { seed: 2 });
        return 0.01;
      };
      const options = {
        epochs: 3,
        batchSize: 100,
        onEpoch: callback === "onEpoch" ? dispose : undefined,
        onBatch: callback === "onBatch" ? dispose : undefined,
        optimizer: { type: "adam" as const, learningRate: callback === "learningRate" ? dispose : 0.01 },
      };
      const copy = () => intruder!.phi.slice();
      expect(() => model.fit(small, options)).toThrow(
        "Model.fit(): the Model was disposed during training (by a callback); training stopped",
      );
      const after = copy();
      const fresh = createModel(shape, { seed: 2 });
      expect(firstBitDifference(after, fresh.phi)).toBe(-1);
      expect(model.disposed).toBe(true);
      expect(() => model.predict(small)).toThrow("Model.predict(): this Model was disposed");
      for (const m of [intruder!, fresh]) m.dispose();
    },
  );

  it("lets callbacks predict, evaluate and save, but not fit, fitPartial or load", () => {
    const model = createModel(shape, { seed: 1 });
    const seen: string[] = [];
    model.fit(small, {
      epochs: 1,
      onEpoch: () => {
        expect(model.predict(small).length).toBe(600);
        expect(model.evaluate(small)).toBeGreaterThan(0);
        const bytes = model.save();
        for (const [name, call] of [
          ["fit", () => model.fit(small)],
          ["fitPartial", () => model.fitPartial(small)],
          ["load", () => model.load(bytes)],
        ] as const) {
          expect(call).toThrow(`Model.${name}(): this Model is training (fit() is running)`);
          seen.push(name);
        }
      },
    });
    expect(seen).toEqual(["fit", "fitPartial", "load"]);
    model.dispose();
  });

  it("refuses a pairwise loss with no negative to draw: every user has seen every item", () => {
    const model = createModel({ n: 4, m: 3, k: 2 });
    const all = { indptr: new Uint32Array([0, 4]), index: new Uint32Array([0, 4, 5, 6]) };
    const message = "observations: every user has seen all 1 items, so bpr has no negative to draw";
    expect(() => model.evaluate(all, "bpr")).toThrow(`Model.evaluate(): ${message}`);
    expect(() => model.fit(all, { loss: "warp" })).toThrow(
      "Model.fit(): observations: every user has seen all 1 items",
    );
    expect(() => model.evaluate(all, "hinge" as never)).toThrow(
      'Model.evaluate(): loss must be one of "squared", "logistic", "bpr", "warp", "warp-kos", got "hinge"',
    );
    expect(() => model.evaluate(all, "bpr", -1)).toThrow(
      "Model.evaluate(): seed must be an integer from 0 to 4294967295, got -1",
    );
    model.dispose();
  });

  it("draws negatives uniformly among the items a user has not seen, in bounded work", () => {
    // ten items (rows 7..16 of group B), one observation each for user row 0, and items 1 and 5
    // for user row 1: user 1's negatives are the 8 others, each equally likely
    const n = 7;
    const indptr = Uint32Array.from({ length: 13 }, (_, b) => 2 * b);
    const pairs = [...Array.from({ length: 10 }, (_, j) => [0, n + j]), [1, n + 1], [1, n + 5]];
    const observations = {
      count: 12,
      indptr,
      index: Uint32Array.from(pairs.flat()),
      splits: Uint32Array.from({ length: 12 }, (_, b) => 2 * b + 1),
      sampleWeight: new Float64Array(12).fill(1),
      unitWeights: true,
      widest: 2,
    };
    const catalogue = new Catalogue({ n, m: 10 }, observations);
    expect(catalogue.items).toBe(10);
    expect(catalogue.itemOf[0][3]).toBe(3); // a one-row item is its place in group B
    const user = catalogue.userOf[0][10];
    const positives = [catalogue.itemOf[0][10], catalogue.itemOf[0][11]];
    const counts = new Array(10).fill(0);
    const random = new Random(3);
    const draws = 40000;
    for (let i = 0; i < draws; i++) counts[catalogue.drawNegative(user, random)]++;
    for (const p of positives) expect(counts[p]).toBe(0);
    // each of the 8 others expected 5,000 times: within 5 standard deviations (about 5 * 66)
    for (let j = 0; j < 10; j++) if (!positives.includes(j)) expect(Math.abs(counts[j] - draws / 8)).toBeLessThan(330);
    // user 0 has seen every item: nothing to draw
    expect(catalogue.drawNegative(catalogue.userOf[0][0], random)).toBe(-1);
    // rows of group B no observation lists are items too (LightFM draws from every item)
    const wider = new Catalogue({ n, m: 12 }, observations);
    expect(wider.items).toBe(12);
    const unseen = new Set(Array.from({ length: 200 }, () => wider.drawNegative(wider.userOf[0][0], random)));
    expect([...unseen].sort()).toEqual([10, 11]);
  });

  it("makes items of distinct item parts when an item has more than one row, or weights", () => {
    // items {7, 8}, {7}, {7, 8} again, {9} with weight 2: three distinct parts
    const observations = {
      count: 4,
      indptr: Uint32Array.from([0, 3, 5, 8, 10]),
      index: Uint32Array.from([0, 7, 8, 1, 7, 2, 7, 8, 0, 9]),
      weight: Float64Array.from([1, 1, 1, 1, 1, 1, 1, 1, 1, 2]),
      splits: Uint32Array.from([1, 4, 6, 9]),
      sampleWeight: new Float64Array(4).fill(1),
      unitWeights: true,
      widest: 3,
    };
    const catalogue = new Catalogue({ n: 7, m: 3 }, observations);
    expect(catalogue.items).toBe(3);
    expect([...catalogue.itemOf[0]]).toEqual([0, 1, 0, 2]);
    expect([...catalogue.itemIndptr]).toEqual([0, 2, 3, 4]);
    expect([...catalogue.itemIndex]).toEqual([7, 8, 7, 9]);
    expect([...catalogue.itemWeight!]).toEqual([1, 1, 1, 2]);
    expect(catalogue.users).toBe(3);
    // user row 0 has items 0 and 2: only item 1 is left
    expect(catalogue.drawNegative(catalogue.userOf[0][0], new Random(1))).toBe(1);
  });

  it("keeps a batch that lists every row, some twice, inside the model's memory", () => {
    // the list of a batch's distinct rows has one entry per row of the table: a batch that
    // lists every row and then some wrote one entry past it
    // 16 rows: the list ends on a region boundary, so the next region would take the write
    const tiny = { n: 8, m: 8, k: 1 };
    const model = createModel(tiny, { seed: 1 });
    const neighbour = createProblem({ n: 16, m: 0, k: 1 });
    neighbour.phi.fill(7);
    const rows = Array.from({ length: 16 }, (_, r) => r);
    const everyRowTwice = {
      indptr: new Uint32Array([0, 16, 32]),
      index: Uint32Array.from([...rows, ...rows]),
      y: [1, -1],
    };
    model.fit(everyRowTwice, { epochs: 2, batchSize: 2 });
    expect(neighbour.phi.every((x) => x === 7)).toBe(true);
    model.dispose();
    neighbour.dispose();
  });

  it("refuses initial parameters that are not numbers", () => {
    expect(() => createModel({ n: 1, m: 1, k: 1 }, { phi: ["1", 2] as never })).toThrow(
      "createModel(): options.phi must hold numbers, but options.phi[0] is string",
    );
    expect(() => createModel({ n: 1, m: 1, k: 1 }, { phi: { length: 2 } as never })).toThrow(
      "createModel(): options.phi must be an array of numbers, got Object",
    );
    expect(() => createModel({ n: 1, m: 1, k: 1 }, { phi: [1, 2, 3] })).toThrow(
      "createModel(): options.phi.length must be (n + m) * k = 2, got 3",
    );
  });
});

describe("saving models", () => {
  const shape = { n: 10, m: 7, k: 3 };
  it.each(["f32", "f64"] as const)("round-trips a %s model bit for bit", (precision) => {
    const model = createModel(shape, { precision, seed: 9 });
    const copy = loadModel(model.save());
    expect(copy.precision).toBe(precision);
    expect(copy.shape).toEqual(shape);
    expect(firstBitDifference(copy.phi, model.phi)).toBe(-1);
    const other = createModel(shape, { precision, seed: 10 });
    other.load(model.save());
    expect(firstBitDifference(other.phi, model.phi)).toBe(-1);
    for (const m of [model, copy, other]) m.dispose();
  });

  it("refuses a corrupt, truncated, foreign or mismatched file with a clear error, changing nothing", () => {
    const model = createModel(shape, { seed: 9 });
    const bytes = model.save();
    const target = createModel(shape, { seed: 11 });
    const before = target.phi.slice();
    const flipped = bytes.slice();
    flipped[40] ^= 1;
    const version = bytes.slice();
    version[4] = 9;
    const reserved = bytes.slice();
    reserved[10] = 1;
    const flags = bytes.slice();
    flags[9] = 2;
    const cases: [Uint8Array, RegExp][] = [
      [flipped, /checksum mismatch .*: the file is corrupt/],
      [bytes.subarray(0, bytes.length - 5), /truncated or padded/],
      [new TextEncoder().encode("hello, this is not a model file at all"), /does not start with "CGRD"/],
      [version, /format version 9; this crossgrad reads versions 1 and 2/],
      [reserved, /reserved bytes 10-11 are 1, 0, not 0/],
      [flags, /flags byte 9 is 2; version 2 knows bit 0 \(linear terms\)/],
      [createModel(shape, { seed: 9, linear: true }).save(), /model with linear terms, this model is .* f32 model$/],
      [
        createModel({ n: 10, m: 7, k: 4 }).save(),
        /bytes hold a \{ n: 10, m: 7, k: 4 \} f32 model, this model is \{ n: 10, m: 7, k: 3 \} f32/,
      ],
      [createModel(shape, { precision: "f64" }).save(), /f64 model, this model is .* f32/],
    ];
    for (const [file, message] of cases) {
      expect(() => target.load(file)).toThrow(message);
      expect(firstBitDifference(target.phi, before)).toBe(-1);
    }
    expect(() => loadModel(flipped)).toThrow(
      "loadModel(): bytes are not a valid crossgrad model file: checksum mismatch",
    );
    model.dispose();
    target.dispose();
  });
});

describe("a model's memory", () => {
  /** A model file (src/train/persist.ts, version 1) of an f32 model with k = 0: 36 bytes for any n. */
  function emptyRowsFile(n: number): Uint8Array {
    const bytes = new Uint8Array(36);
    const view = new DataView(bytes.buffer);
    bytes.set([0x43, 0x47, 0x52, 0x44]); // "CGRD"
    view.setUint32(4, 1, true); // format version
    view.setUint8(8, 1); // f32
    view.setUint32(12, n, true); // n; m = k = 0, and so 0 bytes of phi
    view.setUint32(32, crc32(bytes.subarray(0, 32)), true);
    return bytes;
  }
  const ends = { indptr: new Uint32Array([0, 1, 2]), index: new Uint32Array([0, 2 ** 27 - 1]) };

  it("of a loaded 36-byte file with 2^27 rows of k = 0 grows wasm memory by less than 1 MiB, and predicts", () => {
    // 1 MiB: the model holds phi (0 bytes here) and the scratch of a call, whose size depends on
    // k and on the number of blocks' tree levels, not on the rows; the step buffers of training
    // (a byte and a u32 a row: 640 MiB here) come with the first fit
    const before = info().memoryBytes;
    const model = loadModel(emptyRowsFile(2 ** 27));
    expect(model.shape).toEqual({ n: 2 ** 27, m: 0, k: 0 });
    expect(info().memoryBytes - before).toBeLessThan(2 ** 20);
    expect(Array.from(model.predict(ends))).toEqual([0, 0]);
    model.dispose();
  });

  it("refuses a fit whose step buffers do not fit in wasm memory, changing nothing", () => {
    // 2^30 rows: a byte, a u32 and a coefficient (f32) a row are 9 GiB, past the 4 GiB of a wasm32 memory
    const model = loadModel(emptyRowsFile(2 ** 30));
    const observations = { indptr: new Uint32Array([0, 1]), index: new Uint32Array([5]), y: [1] };
    const before = info().memoryBytes;
    expect(() => model.fit(observations)).toThrow(
      "Model.fit(): the step buffers of a { n: 1073741824, m: 0, k: 0 } f32 model " +
        "needs 9,663,676,480 bytes (9.00 GiB) of wasm memory, more than the 4,294,967,296 bytes (4.00 GiB) a wasm32 memory can hold",
    );
    expect(info().memoryBytes).toBe(before);
    expect(Array.from(model.predict(observations))).toEqual([0]);
    model.dispose();
  });

  it.each(["f32", "f64"] as const)(
    "of a loaded %s model trains exactly as one created with the same parameters",
    (precision) => {
      const shape = { n: 120, m: 80, k: 5 };
      const { observations } = plantedProblem({ ...shape, count: 2000, seed: 41 });
      const created = createModel(shape, { precision, seed: 3 });
      const loaded = loadModel(created.save());
      const options = { epochs: 2, batchSize: 100, seed: 4, optimizer: { type: "adam" as const } };
      for (const model of [created, loaded]) {
        model.fit(observations, options);
        model.fitPartial(observations, { ...options, epochs: 1 });
      }
      expect(firstBitDifference(loaded.phi, created.phi)).toBe(-1);
      expect(firstBitDifference(loaded.predict(observations), created.predict(observations))).toBe(-1);
      created.dispose();
      loaded.dispose();
    },
  );
});

describe("metrics", () => {
  it("compute RMSE, MAE, log-loss from logits and AUC with ties", () => {
    expect(rmse([1, 2, 3], [1, 2, 5])).toBeCloseTo(Math.sqrt(4 / 3), 15);
    expect(mae([1, 2, 3.5], [1, 2.5, 5])).toBe((0 + 0.5 + 1.5) / 3);
    expect(mae([], [])).toBeNaN();
    expect(() => mae([1], [1, 2])).toThrow("mae(): targets.length must be predictions.length = 1, got 2");
    expect(() => mae("12" as never, [1, 2])).toThrow(TypeError);
    expect(logLoss([0, 0], [0, 1])).toBeCloseTo(Math.log(2), 15);
    expect(logLoss([40, -40], [1, 0])).toBeCloseTo(Math.log1p(Math.exp(-40)), 20);
    expect(auc([0.1, 0.4, 0.35, 0.8], [0, 0, 1, 1])).toBe(0.75);
    expect(auc([1, 1, 1, 1], [0, 1, 0, 1])).toBe(0.5);
    expect(sigmoid(-800)).toBe(0);
    expect(() => rmse([1], [1, 2])).toThrow(RangeError);
  });
});
