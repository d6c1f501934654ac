// Fitting chosen rows with the rest frozen (FitOptions.trainable) and growing a model
// (Model.withNewRows): the frozen rows keep their bits, every row trainable is the plain fit,
// a diverging fit of chosen rows restores them, and the grown model keeps every row in place.
import { beforeAll, describe, expect, it } from "vitest";
import { createModel, init } from "../../src/index.js";
import { Random } from "../../src/util/random.js";

beforeAll(() => init());

const shape = { n: 6, m: 5, k: 3 };

/** Observations of (A row, B row) pairs with targets. */
function pairs(count: number, seed = 1) {
  const random = new Random(seed);
  const index: number[] = [];
  for (let b = 0; b < count; b++) index.push(random.below(shape.n), shape.n + random.below(shape.m));
  return {
    indptr: Uint32Array.from({ length: count + 1 }, (_, b) => 2 * b),
    index: Uint32Array.from(index),
    y: Array.from({ length: count }, () => random.normal()),
  };
}

describe("FitOptions.trainable", () => {
  it("changes the chosen rows' phi and w only, and never w0", () => {
    const model = createModel(shape, { seed: 2, linear: true, precision: "f64" });
    model.w0 = 0.25;
    model.w.set([0.1, -0.2, 0.3, 0, 0, 0, 0.5, 0, 0, 0, -0.1]);
    const phi = model.phi.slice(),
      w = model.w.slice();
    model.fit(pairs(40), { epochs: 3, batchSize: 8, reg: 0.01, regFixed: 0.5, trainable: [1, 7] });
    for (let r = 0; r < shape.n + shape.m; r++) {
      const row = Array.from(model.phi.subarray(r * 3, r * 3 + 3)),
        before = Array.from(phi.subarray(r * 3, r * 3 + 3));
      if (r === 1 || r === 7) {
        expect(row).not.toEqual(before);
        expect(model.w[r]).not.toBe(w[r]);
      } else {
        expect(row, `row ${r}`).toEqual(before);
        expect(model.w[r], `w of row ${r}`).toBe(w[r]);
      }
    }
    expect(model.w0).toBe(0.25);
    model.dispose();
  });

  it("with every row trainable is the plain fit, bit for bit (no linear terms: nothing else to freeze)", () => {
    for (const optimizer of [{ type: "adam" }, { type: "adagrad" }, { type: "sgd", momentum: 0.9 }] as const) {
      const a = createModel(shape, { seed: 3 }),
        b = createModel(shape, { seed: 3 });
      const options = { epochs: 2, batchSize: 7, optimizer, reg: 0.02, clipNorm: 0.5 };
      a.fit(pairs(30), options);
      b.fit(pairs(30), { ...options, trainable: Array.from({ length: 11 }, (_, r) => r) });
      expect(b.phi).toEqual(a.phi);
      a.dispose();
      b.dispose();
    }
  });

  it("restores the chosen rows when the fit diverges, and refuses bad rows by name", () => {
    const model = createModel(shape, { seed: 4 });
    const phi = model.phi.slice();
    expect(() =>
      model.fit(pairs(20), {
        epochs: 1,
        batchSize: 1,
        optimizer: { type: "sgd", learningRate: 1e30 },
        trainable: [0, 6],
      }),
    ).toThrow(/training diverged in epoch 0 .* restored to where this fit\(\) began/);
    expect(model.phi).toEqual(phi);
    expect(() => model.fit(pairs(4), { trainable: [11] })).toThrow(
      "Model.fit(): options.trainable[0] = 11 is not a row (from 0 to 10)",
    );
    expect(() => model.fit(pairs(4), { trainable: [2, 2] })).toThrow(
      "Model.fit(): options.trainable[1] = 2 repeats options.trainable[0]",
    );
    expect(() => model.fit(pairs(4), { trainable: [0.5] })).toThrow("options.trainable[0] = 0.5 is not a row");
    expect(() => model.fit(pairs(4), { trainable: "1" as never })).toThrow(TypeError);
    model.dispose();
  });
});

describe("Model.withNewRows", () => {
  it("keeps every row in place, draws the new ones seeded, and leaves the model as it was", () => {
    const model = createModel(shape, { seed: 5, linear: true });
    model.w.set(Array.from({ length: 11 }, (_, r) => r / 10));
    model.w0 = 3.5;
    const grown = model.withNewRows({ a: 2, b: 1 }, { seed: 9, scale: 0.5 });
    expect(grown.shape).toEqual({ n: 8, m: 6, k: 3 });
    expect(grown.linear).toBe(true);
    const k = 3;
    expect(grown.phi.subarray(0, 6 * k)).toEqual(model.phi.subarray(0, 6 * k));
    expect(grown.phi.subarray(8 * k, 13 * k)).toEqual(model.phi.subarray(6 * k, 11 * k));
    expect(Array.from(grown.w.subarray(0, 6))).toEqual(Array.from(model.w.subarray(0, 6)));
    expect(Array.from(grown.w.subarray(8, 13))).toEqual(Array.from(model.w.subarray(6, 11)));
    expect([grown.w[6], grown.w[7], grown.w[13]]).toEqual([0, 0, 0]);
    expect(grown.w0).toBe(3.5);
    const random = new Random(9);
    const drawn = Array.from({ length: 3 * k }, () => Math.fround(0.5 * random.normal()));
    expect([...grown.phi.subarray(6 * k, 8 * k), ...grown.phi.subarray(13 * k, 14 * k)]).toEqual(drawn);
    expect(model.shape).toEqual(shape);
    expect(model.withNewRows({}).phi).toEqual(model.phi);
    expect(() => model.withNewRows({ a: -1 })).toThrow("Model.withNewRows(): rows.a must be an integer");
    expect(() => model.withNewRows({ c: 1 } as never, { seed: 1.5 })).toThrow("options.seed");
    grown.dispose();
    model.dispose();
    expect(() => model.withNewRows({ a: 1 })).toThrow("Model.withNewRows(): this Model was disposed");
  });
});
