// The pairwise losses (src/train/pairing.ts, pairs.ts): the catalogue and its draws, BPR,
// WARP and k-OS WARP against pairs chosen by hand from the same seeded stream (./draws.ts),
// through evaluate() and through one sgd step (penalty per occurrence included), the weight
// and its cap, no violator no step, and the same bits from the same seed.
import { beforeAll, describe, expect, it } from "vitest";
import { createModel, type FitOptions, type Observations, type Precision } from "../../src/index.js";
import { init } from "../../src/wasm/init.js";
import { Random } from "../../src/util/random.js";
import { shuffled, type CheckedObservations } from "../../src/train/minibatch.js";
import { Catalogue } from "../../src/train/pairs.js";
import { firstBitDifference, rng } from "../helpers.js";
import { Items, pairsByHand, type Draws, type PairByHand } from "./draws.js";
import {
  addPenaltyGradient,
  addScoreGradient,
  block,
  bprLoss,
  joined,
  paramsOf,
  sampleWeights,
  score,
  sgdStep,
  worstError,
  zeroGradient,
  type Gradient,
  type Params,
} from "./oracle.js";

beforeAll(() => init());

const Types = { f32: Float32Array, f64: Float64Array } as const;

/** Observations from [user rows, user gates, item rows, item gates] each (rows increasing). */
function observationsOf(
  precision: Precision,
  sets: readonly (readonly [number[], number[], number[], number[]])[],
  sampleWeight?: number[],
): Observations {
  const indptr = new Uint32Array(sets.length + 1);
  sets.forEach(([a, , b], i) => (indptr[i + 1] = indptr[i] + a.length + b.length));
  return {
    indptr,
    index: Uint32Array.from(sets.flatMap(([a, , b]) => [...a, ...b])),
    weight: Types[precision].from(sets.flatMap(([, ga, , gb]) => [...ga, ...gb])),
    ...(sampleWeight && { sampleWeight }),
  };
}

/** Observations as training checks them (the shape Catalogue reads): their splits found by n. */
function checked(data: Observations, n: number): CheckedObservations {
  const count = data.indptr.length - 1;
  return {
    count,
    indptr: data.indptr,
    index: data.index,
    weight: data.weight,
    splits: Uint32Array.from({ length: count }, (_, b) => {
      let e = data.indptr[b];
      while (e < data.indptr[b + 1] && data.index[e] < n) e++;
      return e;
    }),
    sampleWeight: Float64Array.from(sampleWeights(data)),
    unitWeights: sampleWeights(data).every((x) => x === 1),
    widest: 1,
  };
}

// --- the catalogue ------------------------------------------------------------------------

/** Random observations: `users` users of 1 or 2 rows of A, items of 1 row, or of 1 to 3 rows with gates. */
function randomObservations(seed: number, n: number, m: number, oneRow: boolean): Observations {
  const random = rng(seed);
  const users = Array.from({ length: 1 + Math.floor(random() * 5) }, () => {
    const first = Math.floor(random() * n);
    return random() < 0.5 || first === n - 1 ? [first] : [first, first + 1];
  });
  const sets = Array.from({ length: 1 + Math.floor(random() * 12) }, () => {
    const user = users[Math.floor(random() * users.length)];
    const first = n + Math.floor(random() * m);
    const rows = oneRow || random() < 0.5 || first === n + m - 1 ? [first] : [first, first + 1];
    const gates = rows.map(() => (oneRow ? 1 : [1, 2, 0.5][Math.floor(random() * 3)]));
    return [user, user.map(() => 1), rows, gates] as [number[], number[], number[], number[]];
  });
  return observationsOf("f64", sets);
}

describe("the catalogue", () => {
  it("holds the users, items and positives a naive reading of the rule finds, for 200 random collections", () => {
    for (let seed = 0; seed < 200; seed++) {
      const shape = { n: 6, m: 4 + (seed % 9) };
      const oneRow = seed % 3 !== 0;
      const train = randomObservations(seed, shape.n, shape.m, oneRow);
      const validation = randomObservations(1000 + seed, shape.n, shape.m, oneRow);
      const catalogue = new Catalogue(shape, checked(train, shape.n), checked(validation, shape.n));
      const naive = new Items(shape, train, validation);
      const where = `seed ${seed}`;
      expect(catalogue.items, where).toBe(naive.items.length);
      expect(catalogue.users, where).toBe(naive.users.length);
      for (let item = 0; item < naive.items.length; item++) {
        const rows = catalogue.itemIndex.subarray(catalogue.itemIndptr[item], catalogue.itemIndptr[item + 1]);
        expect(Array.from(rows), where).toEqual(naive.items[item].rows);
        const gates = Array.from(rows, (_, e) => catalogue.itemWeight?.[catalogue.itemIndptr[item] + e] ?? 1);
        expect(gates, where).toEqual(naive.items[item].gates);
      }
      for (const c of [0, 1]) {
        expect(Array.from(catalogue.userOf[c]), where).toEqual(naive.userOf[c]);
        expect(Array.from(catalogue.itemOf[c]), where).toEqual(naive.itemOf[c]);
      }
      // each collection knows the positives of itself and of those before it
      for (const c of [0, 1]) {
        for (let user = 0; user < naive.users.length; user++) {
          const { positives, positivesIndptr } = catalogue;
          const mine = positives[c].subarray(positivesIndptr[c][user], positivesIndptr[c][user + 1]);
          expect(Array.from(mine), `${where}, collection ${c}`).toEqual(naive.positives[c][user]);
          expect(catalogue.positiveCount(user, c)).toBe(mine.length);
        }
      }
    }
  });

  it("never draws a user's positive as a negative, and draws each other item uniformly, the same as the naive draw", () => {
    for (let seed = 0; seed < 40; seed++) {
      const shape = { n: 6, m: 5 + seed };
      const data = randomObservations(seed, shape.n, shape.m, seed % 2 === 0);
      const catalogue = new Catalogue(shape, checked(data, shape.n));
      const naive = new Items(shape, data);
      for (let user = 0; user < catalogue.users; user++) {
        const [a, b] = [new Random(seed), new Random(seed)];
        const unseen = naive.unseen(user);
        const mine = new Set(naive.positives[0][user]);
        const counts = new Map<number, number>();
        const draws = Math.max(10, 200 * unseen.length);
        let mismatch = -1,
          notPositive = -1;
        for (let i = 0; i < draws; i++) {
          const item = catalogue.drawNegative(user, a);
          // the binary search lands on the item the filter does, draw for draw
          if (mismatch < 0 && item !== naive.drawNegative(user, b)) mismatch = i;
          counts.set(item, (counts.get(item) ?? 0) + 1);
          if (notPositive < 0 && !mine.has(catalogue.drawPositive(user, a))) notPositive = i;
          b.next();
        }
        expect([mismatch, notPositive], `seed ${seed}, user ${user}`).toEqual([-1, -1]);
        if (unseen.length === 0) {
          expect([...counts.keys()]).toEqual([-1]);
          continue;
        }
        expect([...counts.keys()].sort((x, y) => x - y)).toEqual(unseen);
        // 200 expected each: within 6 standard deviations (about 6 * 14)
        for (const count of counts.values()) expect(Math.abs(count - 200)).toBeLessThan(85);
      }
    }
  });
});

/** A linear model with random phi, w and w0. */
function linearModel(shape: { n: number; m: number; k: number }, precision: Precision, seed: number, spread = 2) {
  const random = rng(seed);
  const model = createModel(shape, { precision, seed, scale: 0.5, linear: true });
  model.w.set(Array.from({ length: shape.n + shape.m }, () => spread * (2 * random() - 1)));
  model.w0 = 0.125;
  return model;
}

describe("the catalogue in training", () => {
  it("of one-row items is every row of B: rows no observation lists are drawn as negatives, positives never", () => {
    // one user (row 0), its positives items 0..4 (rows 1..5); rows 6..12 are in no observation
    const shape = { n: 1, m: 12, k: 2 };
    const data = observationsOf(
      "f32",
      [1, 2, 3, 4, 5].map((r) => [[0], [1], [r], [1]]),
    );
    const model = createModel(shape, { seed: 1, linear: true });
    const before = paramsOf(model);
    model.fit(data, { loss: "bpr", epochs: 30, batchSize: 1, optimizer: { type: "sgd", learningRate: 0.05 } });
    const after = paramsOf(model);
    // a positive's w only rises (slope of F+ < 0), a negative's only falls
    for (let r = 1; r <= 5; r++) expect(after.w[r], `positive row ${r}`).toBeGreaterThan(before.w[r]);
    for (let r = 6; r <= 12; r++) expect(after.w[r], `unlisted row ${r}`).toBeLessThan(before.w[r]);
    model.dispose();
  });

  it("of items of several rows (or gates) is their distinct parts, validation's included: other rows are never drawn", () => {
    // items {5, 6}, {7}, {8 with gate 2}; validation adds {9, 10}; rows 11 and 12 are in no item
    const shape = { n: 2, m: 11, k: 2 };
    const train = observationsOf("f32", [
      [[0], [1], [5, 6], [1, 1]],
      [[0], [1], [7], [1]],
      [[1], [1], [8], [2]],
      [[1], [1], [7], [1]],
    ]);
    const validation = observationsOf("f32", [[[1], [1], [9, 10], [1, 1]]]);
    for (const loss of ["bpr", "warp", "warp-kos"] as const) {
      const model = linearModel(shape, "f32", 2, 0);
      const before = paramsOf(model);
      model.fit(train, {
        loss,
        epochs: 20,
        batchSize: 2,
        validation,
        optimizer: { type: "sgd", learningRate: 0.05 },
      });
      const after = paramsOf(model);
      // validation's item is a negative for both users: drawn, it moves
      for (const r of [9, 10]) expect(after.w[r], `${loss}: row ${r}`).toBeLessThan(before.w[r]);
      // rows of B in no item part never move, not even by a penalty
      for (const r of [2, 3, 4, 11, 12]) {
        const row = (p: Params) => Array.from(p.phi.subarray(2 * r, 2 * r + 2));
        expect(row(after), `${loss}: row ${r}`).toEqual(row(before));
        expect(after.w[r]).toBe(before.w[r]);
      }
      model.dispose();
    }
  });
});

describe("validation in a pairwise fit", () => {
  it.each(["bpr", "warp", "warp-kos"] as const)(
    "%s: training does not know validation's positives: they are negatives to it, never its positives",
    (loss) => {
      // users rows 0 and 1, items rows 2..9; validation gives both users item row 6, which
      // scores highest: a k-OS draw among validation's positives would take it, and as a
      // training negative it violates
      const shape = { n: 2, m: 8, k: 2 };
      const train = observationsOf("f32", [
        [[0], [1], [2], [1]],
        [[0], [1], [3], [1]],
        [[0], [1], [4], [1]],
        [[1], [1], [5], [1]],
      ]);
      const validation = observationsOf("f32", [
        [[0], [1], [6], [1]],
        [[1], [1], [6], [1]],
      ]);
      const model = createModel(shape, { seed: 5, scale: 0.1, linear: true });
      model.w[6] = 3;
      const before = paramsOf(model);
      let last = before.w[6],
        rose = false;
      model.fit(train, {
        loss,
        epochs: 5,
        batchSize: 2,
        validation,
        kos: { k: 1, n: 10 },
        optimizer: { type: "sgd", learningRate: 0.05 },
        onBatch: () => {
          rose ||= model.w[6] > last;
          last = model.w[6];
        },
      });
      // only ever drawn as a negative: its w falls, and never rises on the way
      expect(rose).toBe(false);
      expect(paramsOf(model).w[6]).toBeLessThan(before.w[6]);
      model.dispose();
    },
  );
  it("refuses a fit whose training users have seen every item, although a validation user has not", () => {
    // rows 2 and 3 are every item; training's only user (row 0) has both, validation's (row 1) one
    const shape = { n: 2, m: 2, k: 1 };
    const train = observationsOf("f32", [
      [[0], [1], [2], [1]],
      [[0], [1], [3], [1]],
    ]);
    const validation = observationsOf("f32", [[[1], [1], [2], [1]]]);
    const model = createModel(shape, { seed: 1 });
    for (const loss of ["bpr", "warp", "warp-kos"] as const) {
      expect(() => model.fit(train, { loss, validation })).toThrow(
        `Model.fit(): observations: every user has seen all 2 items, so ${loss} has no negative to draw`,
      );
    }
    model.dispose();
  });
});

// --- the pairs ----------------------------------------------------------------------------

const pairShape = { n: 4, m: 14, k: 3 };

/**
 * Users of one or two rows of A (gates too), items of one row of gate 1 (so every row of B is
 * an item: rows 13..17 only as negatives), sample weights.
 */
function pairObservations(precision: Precision): Observations {
  const users: [number[], number[]][] = [
    [[0], [1]],
    [
      [1, 2],
      [1, 0.5],
    ],
    [[3], [2]],
    [
      [0, 3],
      [1, 1],
    ],
  ];
  const items = [[4, 5, 6], [5, 9], [4, 7, 8, 10, 11], [12]];
  const sets = items.flatMap((rows, u) =>
    rows.map((r) => [...users[u], [r], [1]] as [number[], number[], number[], number[]]),
  );
  return observationsOf(
    precision,
    sets,
    sets.map((_, b) => [1, 2, 0.5, 1, 1.5, 1, 0.25, 1, 2, 1, 1][b]),
  );
}

/** A pair's loss and its slope with respect to F+ (bpr's, or warp's weighted hinge). */
function pairLoss(p: Params, items: Items, pair: PairByHand, loss: Draws["loss"]) {
  const positive = joined(pair.user, items.items[pair.positive]),
    negative = joined(pair.user, items.items[pair.negative]);
  const [Fp, Fn] = [score(p, positive).F, score(p, negative).F];
  const [L, slope] =
    loss === "bpr" ? bprLoss(Fp, Fn) : 1 - Fp + Fn > 0 ? [pair.weight * (1 - Fp + Fn), -pair.weight] : [0, 0];
  return { L, slope, positive, negative };
}

/** The mean loss of observations under their pairs (an observation without one adds 0). */
function meanPairLoss(p: Params, data: Observations, items: Items, pairs: PairByHand[], loss: Draws["loss"]): number {
  const s = sampleWeights(data);
  const sum = pairs.reduce((total, pair) => total + s[pair.id] * pairLoss(p, items, pair, loss).L, 0);
  return sum / s.reduce((a, b) => a + b, 0);
}

/**
 * The gradient of one batch of pairs: each pair's slope on its positive and negative sets
 * (shares of the batch's sample weight), and the penalty per occurrence: a pair's user and
 * positive rows occur once, its negative's rows once; n_r from the training observations.
 */
function pairGradient(
  p: Params,
  data: Observations,
  items: Items,
  ids: readonly number[],
  pairs: PairByHand[],
  loss: Draws["loss"],
  penalty: { reg: number; regFixed: number; regWeight: number[] },
): Gradient {
  const s = sampleWeights(data);
  const batchWeight = ids.reduce((a, b) => a + s[b], 0);
  const g = zeroGradient(p);
  const occurrences = new Float64Array(p.w.length),
    shares = new Float64Array(p.w.length);
  s.forEach((weight, b) => {
    for (let e = data.indptr[b]; e < data.indptr[b + 1]; e++) occurrences[data.index[e]] += weight;
  });
  const listed = new Set<number>();
  for (const pair of pairs) {
    const share = s[pair.id] / batchWeight;
    const { slope, positive, negative } = pairLoss(p, items, pair, loss);
    addScoreGradient(p, positive, share * slope, g);
    addScoreGradient(p, negative, -share * slope, g);
    for (const r of [...positive.rows, ...items.items[pair.negative].rows]) {
      shares[r] += share;
      listed.add(r);
    }
    for (const r of pair.user.rows) listed.add(r);
  }
  for (const r of listed) {
    const perOccurrence = penalty.regWeight[r] * (penalty.reg + penalty.regFixed / Math.max(1, occurrences[r]));
    addPenaltyGradient(p, r, shares[r] * perOccurrence, g);
  }
  return g;
}

const LOSSES: [Draws["loss"], Draws][] = [
  ["bpr", { loss: "bpr", maxSampled: 10, kos: { k: 5, n: 10 } }],
  ["warp", { loss: "warp", maxSampled: 10, kos: { k: 5, n: 10 } }],
  ["warp", { loss: "warp", maxSampled: 3, kos: { k: 5, n: 10 } }],
  ["warp-kos", { loss: "warp-kos", maxSampled: 10, kos: { k: 5, n: 10 } }],
  ["warp-kos", { loss: "warp-kos", maxSampled: 4, kos: { k: 2, n: 3 } }],
];

describe.each(["f32", "f64"] as const)("%s pairs as LightFM defines them", (precision) => {
  const tol = precision === "f32" ? 3e-6 : 1e-12;
  // no warp decision may be within rounding of its threshold (the seeds below leave room)
  const margin = precision === "f32" ? 1e-4 : 1e-9;

  it.each(["bpr", "warp", "warp-kos"] as const)(
    "evaluate(%s) is the mean loss of the pairs drawn by hand from the same seed: the first violator in draw order",
    (loss) => {
      const data = pairObservations(precision);
      const model = linearModel(pairShape, precision, 31);
      const p = paramsOf(model);
      const items = new Items(pairShape, data);
      const draws = { loss, maxSampled: 10, kos: { k: 5, n: 10 } };
      const ids = Array.from({ length: 11 }, (_, b) => b);
      for (const seed of [1, 2, 3]) {
        const margins: number[] = [];
        const pairs = pairsByHand(p, data, items, ids, draws, new Random(seed), { margins });
        expect(Math.min(...margins)).toBeGreaterThan(margin);
        const expected = meanPairLoss(p, data, items, pairs, loss);
        const got = model.evaluate(data, loss, seed);
        expect(Math.abs(got - expected), `seed ${seed}`).toBeLessThanOrEqual(tol * (1 + expected));
        if (loss === "bpr") continue;
        // the rule matters: the last violator instead of the first, or (k-OS) the observation's
        // own positive instead of the k-th best, give other losses
        expect(pairs.length).toBeGreaterThan(3);
        const variants = [{ lastViolator: true }, ...(loss === "warp-kos" ? [{ ownPositive: true }] : [])];
        for (const variant of variants) {
          const other = pairsByHand(p, data, items, ids, draws, new Random(seed), { wrong: variant });
          expect(Math.abs(meanPairLoss(p, data, items, other, loss) - got), JSON.stringify(variant)).toBeGreaterThan(
            1e-3,
          );
        }
      }
      model.dispose();
    },
  );

  it.each(LOSSES)("one sgd step of %s (%o) is the step by hand, penalty per occurrence included", (loss, draws) => {
    const data = pairObservations(precision);
    const model = linearModel(pairShape, precision, 32);
    const p = paramsOf(model);
    const items = new Items(pairShape, data);
    const seed = 7;
    const penalty = {
      reg: 0.02,
      regFixed: 0.3,
      regWeight: Array.from({ length: 18 }, (_, r) => [1, 0.5, 2, 0][r % 4]),
    };
    // the fit shuffles first, then draws for the batch in its order
    const random = new Random(seed);
    const ids = Array.from(shuffled(11, random));
    const margins: number[] = [];
    const pairs = pairsByHand(p, data, items, ids, draws, random, { margins });
    expect(Math.min(...margins)).toBeGreaterThan(margin);
    if (loss !== "bpr") expect(pairs.length).toBeGreaterThan(3);
    const lr = 0.5;
    const expected = sgdStep(p, pairGradient(p, data, items, ids, pairs, loss, penalty), lr);
    const history = model.fit(data, {
      loss,
      epochs: 1,
      batchSize: 100,
      seed,
      maxSampled: draws.maxSampled,
      kos: draws.kos,
      ...penalty,
      optimizer: { type: "sgd", learningRate: lr },
    });
    const got = paramsOf(model);
    expect(worstError(got.phi, expected.phi, tol, 1)).toBeLessThanOrEqual(1);
    expect(worstError(got.w, expected.w, tol, 1)).toBeLessThanOrEqual(1);
    // w0 is in both sets of a pair: its gradient cancels, and it is never penalized
    expect(got.w0).toBe(p.w0);
    // the epoch's loss is the pairs' (before the step)
    expect(Math.abs(history.epochs[0].loss - meanPairLoss(p, data, items, pairs, loss))).toBeLessThanOrEqual(tol * 10);
    model.dispose();
  });

  it.each(["bpr", "warp", "warp-kos"] as const)(
    "%s: the validation loss is validation's pairs' by hand, from a stream of its own, in the catalogue of both",
    (loss) => {
      const train = pairObservations(precision);
      // user row 0 with an item no training observation lists, a user of training with one of
      // its training items, and a user only validation has
      const validation = observationsOf(
        precision,
        [
          [[0], [1], [13], [1]],
          [[1, 2], [1, 0.5], [4], [1]],
          [[2], [1], [7], [1]],
          [[2], [1], [16], [1]],
        ],
        [1, 0.5, 2, 1],
      );
      const model = linearModel(pairShape, precision, 34);
      const seed = 8;
      const draws = { loss, maxSampled: 5, kos: { k: 2, n: 4 } };
      const history = model.fit(train, {
        loss,
        epochs: 1,
        batchSize: 4,
        seed,
        validation,
        maxSampled: draws.maxSampled,
        kos: draws.kos,
        optimizer: { type: "sgd", learningRate: 0.1 },
      });
      const after = paramsOf(model);
      const items = new Items(pairShape, train, validation);
      const margins: number[] = [];
      const ids = [0, 1, 2, 3];
      const random = new Random(seed + 0x9e3779b9);
      const pairs = pairsByHand(after, validation, items, ids, draws, random, { margins, collection: 1 });
      expect(Math.min(...margins, Infinity)).toBeGreaterThan(margin);
      const expected = meanPairLoss(after, validation, items, pairs, loss);
      expect(expected).toBeGreaterThan(0);
      const got = history.epochs[0].validationLoss!;
      expect(Math.abs(got - expected)).toBeLessThanOrEqual(tol * (1 + expected));
      model.dispose();
    },
  );

  it.each([4, 5, 8, 101, 30000])(
    "weights the first draw's pair log(max(1, floor(ranks / 1))), at most 10, with %i items",
    (m) => {
      // one user (row 0) with positives items 0, 1, 2 (rows 1..3), F+ = 0; every other item
      // scores 5 > F+ - 1, so the first draw violates, and the loss is weight (1 - 0 + 5)
      const shape = { n: 1, m, k: 1 };
      const model = createModel(shape, { precision, phi: new Array(m + 1).fill(0), linear: true });
      model.w.fill(5);
      model.w.fill(0, 0, 4);
      const data = observationsOf(
        precision,
        [1, 2, 3].map((r) => [[0], [1], [r], [1]]),
      );
      const warp = Math.min(10, Math.log(Math.max(1, m - 1)));
      const kos = Math.min(10, Math.log(Math.max(1, m - 3)));
      expect(model.evaluate(data, "warp", 3)).toBeCloseTo(6 * warp, precision === "f32" ? 5 : 12);
      expect(model.evaluate(data, "warp-kos", 3)).toBeCloseTo(6 * kos, precision === "f32" ? 5 : 12);
      // one step of warp moves each positive's w by lr * share * weight, each share 1/3
      model.fit(data, { loss: "warp", epochs: 1, batchSize: 3, optimizer: { type: "sgd", learningRate: 0.5 } });
      for (const r of [1, 2, 3]) expect(model.w[r]).toBeCloseTo((0.5 * warp) / 3, precision === "f32" ? 6 : 12);
      model.dispose();
    },
  );

  it.each(["warp", "warp-kos"] as const)(
    "%s: a batch whose draws all score below F+ - 1 has no pair and takes no step, penalty included, but is reported to onBatch",
    (loss) => {
      const shape = { n: 2, m: 6, k: 2 };
      const model = createModel(shape, { precision, seed: 4, scale: 0.05, linear: true });
      // both users' positives (items 0 and 1) score about 10, every other item about 0: no draw violates
      model.w[2] = 10;
      model.w[3] = 10;
      const data = observationsOf(precision, [
        [[0], [1], [2], [1]],
        [[0], [1], [3], [1]],
        [[1], [1], [2], [1]],
        [[1], [1], [3], [1]],
      ]);
      const before = block(model);
      expect(model.evaluate(data, loss)).toBe(0);
      const reported: string[] = [];
      const history = model.fit(data, {
        loss,
        epochs: 3,
        batchSize: 2,
        reg: 0.1,
        regFixed: 1,
        optimizer: { type: "sgd", learningRate: 0.5 },
        onBatch: (batch, batches) => void reported.push(`${batch}/${batches}`),
      });
      expect(history.epochs.map((e) => e.loss)).toEqual([0, 0, 0]);
      expect(firstBitDifference(block(model), before)).toBe(-1);
      // onBatch is called after every mini-batch (a progress bar), with a step or without
      expect(reported).toEqual(["1/2", "2/2", "1/2", "2/2", "1/2", "2/2"]);
      // bpr has a pair for every observation: it steps
      model.fit(data, { loss: "bpr", epochs: 1, optimizer: { type: "sgd", learningRate: 0.5 } });
      expect(firstBitDifference(block(model), before)).not.toBe(-1);
      model.dispose();
    },
  );

  it.each(["bpr", "warp", "warp-kos"] as const)(
    "%s gives the same bits from the same seed, and other bits from another",
    (loss) => {
      const data = pairObservations(precision);
      const run = (seed: number) => {
        const model = linearModel(pairShape, precision, 33);
        const options: FitOptions = {
          loss,
          epochs: 3,
          batchSize: 4,
          seed,
          reg: 0.01,
          regFixed: 0.1,
          kos: { k: 2, n: 3 },
          optimizer: { type: "adam", learningRate: 0.05 },
        };
        model.fit(data, options);
        const params = block(model);
        const evaluated = model.evaluate(data, loss, seed);
        model.dispose();
        return { params, evaluated };
      };
      const [a, b, c] = [run(5), run(5), run(6)];
      expect(firstBitDifference(a.params, b.params)).toBe(-1);
      expect(Object.is(a.evaluated, b.evaluated)).toBe(true);
      expect(firstBitDifference(a.params, c.params)).not.toBe(-1);
    },
  );
});
