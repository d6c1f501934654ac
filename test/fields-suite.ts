// The factorization-machine family's kernels (docs/design.md §16), run once per build (SIMD and
// scalar) by the fields.*.test.ts files after init(): every result against the float64 reference
// under error bounds like §5's, the literal double sum's central differences (f64) and TensorFlow.js
// tf.grads of it (f32); sparse gates with the bits of the dense call; two fields with the bits of
// §1's kernels; and the arguments' checks.
import * as tf from "@tensorflow/tfjs";
import { beforeAll, describe, expect, it } from "vitest";
import { gateGradient, gradient, value, type FieldShape, type FloatArray, type Precision } from "../src/index.js";
import { fieldGradients, fieldPooled, fieldValue } from "../src/fields.js";
import { info } from "../src/wasm/init.js";
import { referenceFields } from "../src/reference.js";
import { Random } from "../src/util/random.js";
import { firstBitDifference, maxScaledError, UNIT_ROUNDOFF } from "./helpers.js";
import { expectCentralDifferences, literal, oracle, problem, shapes, starts, type Params } from "./fields-helpers.js";

const PRECISIONS: readonly Precision[] = ["f32", "f64"];

/** A problem in phi's precision: every input rounded to it, so the reference sees the kernel's numbers. */
function typed(x: Params, precision: Precision) {
  const A = precision === "f32" ? Float32Array : Float64Array;
  return { phi: A.from(x.phi), h: A.from(x.h), w: A.from(x.w), w0: x.w0, rho: A.from(x.rho) };
}

/**
 * Each result's sum of |terms| (the reference of |phi|, |h|, |w|, |rho|, with a self pair's
 * subtracted sum counted, not cancelled): error bounds are multiples of it, as in §5.
 */
function magnitudes(shape: FieldShape, x: ReturnType<typeof typed>) {
  const abs = (a: ArrayLike<number>) => Float64Array.from(a, Math.abs);
  const a = { phi: abs(x.phi), h: abs(x.h), w: abs(x.w), w0: Math.abs(x.w0), rho: abs(x.rho) };
  const r = referenceFields(a.phi, a.h, shape, a);
  const s = starts(shape.fields);
  const { k, pairs } = shape;
  // the self sums sum h_r^2 |phi_r|^2 of every field
  const selfSum = Array.from(shape.fields, (_, g) => {
    let sum = 0;
    for (let row = s[g]; row < s[g + 1]; row++) for (let l = 0; l < k; l++) sum += (a.h[row] * a.phi[row * k + l]) ** 2;
    return sum;
  });
  const pair = Float64Array.from(pairs, ([g, g2], p) =>
    g === g2 ? r.pairGradient[p] + selfSum[g] : r.pairGradient[p],
  );
  let value = a.w0;
  for (let row = 0; row < a.h.length; row++) value += a.h[row] * a.w[row];
  pair.forEach((t, p) => (value += a.rho[p] * t));
  // |c_r|: the sum over r's pairs of |rho| |u_other| (the self pair's u_g less h_r phi_r counted as both added)
  const gradient = new Float64Array(r.gradient.length),
    gate = new Float64Array(a.h.length);
  for (let g = 0; g < shape.fields.length; g++) {
    const p = Array.from(pairs).findIndex(([x, y]) => x === g && y === g);
    const selfRho = p < 0 ? 0 : a.rho[p];
    for (let row = s[g]; row < s[g + 1]; row++) {
      gate[row] = a.w[row];
      for (let l = 0; l < k; l++) {
        const context = contextOf(r, shape, a, g, l) + selfRho * a.h[row] * a.phi[row * k + l];
        gradient[row * k + l] = a.h[row] * context;
        gate[row] += a.phi[row * k + l] * context;
      }
    }
  }
  return { value, pair, gradient, gate };
}

/** A field's |context| component l (for rows whose gate is 0: no gradient row to read it from). */
function contextOf(
  r: ReturnType<typeof referenceFields>,
  shape: FieldShape,
  a: { rho: Float64Array },
  g: number,
  l: number,
) {
  let c = 0;
  Array.from(shape.pairs).forEach(([x, y], p) => {
    if (x === g) c += a.rho[p] * r.pooled[y][l];
    else if (y === g) c += a.rho[p] * r.pooled[x][l];
  });
  return c;
}

/** Relative bounds (of the sums of |terms|): f64 1e-13; f32 the blocked sum's, plus the roundings of contexts, rows and dots. */
function bounds(precision: Precision, largest: number, k: number) {
  if (precision === "f64") return { value: 1e-13, pair: 1e-13, gradient: 1e-13, gate: 1e-13, underflow: 0 };
  const u = UNIT_ROUNDOFF.f32;
  const pooled = (Math.min(largest, 256) + 2) * u;
  return {
    value: 2 * pooled + 4 * u,
    pair: 2 * pooled + 2 * u,
    gradient: pooled + 5 * u,
    gate: pooled + (k + 6) * u,
    underflow: 0,
  };
}

/** Every result of fieldGradients (and fieldValue) over its bound: all must be at most 1. */
function scaledErrors(shape: FieldShape, x: ReturnType<typeof typed>) {
  const ref = referenceFields(x.phi, x.h, shape, x);
  const mag = magnitudes(shape, x);
  const b = bounds(x.phi instanceof Float32Array ? "f32" : "f64", Math.max(0, ...Array.from(shape.fields)), shape.k);
  const got = fieldGradients(x.phi as FloatArray, x.h, shape, x);
  const tiny = 1e-300;
  return {
    value: maxScaledError(
      [got.value, fieldValue(x.phi, x.h, shape, x)],
      [ref.value, ref.value],
      [b.value * mag.value + tiny, b.value * mag.value + tiny],
    ),
    gradient: maxScaledError(
      got.gradient,
      ref.gradient,
      mag.gradient.map((m) => b.gradient * m + tiny),
    ),
    gate: maxScaledError(
      got.gateGradient!,
      ref.gateGradient,
      mag.gate.map((m) => b.gate * m + tiny),
    ),
    pair: maxScaledError(
      got.pairGradient,
      ref.pairGradient,
      mag.pair.map((m) => b.pair * m + tiny),
    ),
  };
}

function expectWithinBounds(shape: FieldShape, x: ReturnType<typeof typed>, what: string): void {
  for (const [key, error] of Object.entries(scaledErrors(shape, x)))
    expect(error, `${key} of ${what}: error / bound`).toBeLessThanOrEqual(1);
}

/** Sparse gates listing the rows whose gate is not 0 (and a few that are: weight 0), with their gates as weights. */
function listed(h: FloatArray, random: Random) {
  const rows = Array.from(h.keys()).filter((r) => h[r] !== 0 || random.next() < 0.2);
  const index = Uint32Array.from(rows);
  const weight =
    h instanceof Float32Array ? Float32Array.from(rows, (r) => h[r]) : Float64Array.from(rows, (r) => h[r]);
  return { index, weight };
}

/** Field sizes around the 256-row blocks and the first levels of the tree. */
const FIELD_SIZES = [0, 1, 2, 3, 5, 255, 256, 257, 511, 513, 769, 1025];

export function fieldsSuite(build: "simd" | "scalar"): void {
  beforeAll(async () => {
    tf.env().set("IS_NODE", false);
    await tf.setBackend("cpu");
  });

  it(`runs the ${build} build`, () => {
    expect(info().simd).toBe(build === "simd");
  });

  describe.each(PRECISIONS)("%s field kernels", (precision) => {
    it("match the float64 reference for every k from 0 to 40 (past twice the 16-column step), G = 1..5", () => {
      const all = shapes();
      for (let k = 0; k <= 40; k++) {
        const { shape: base } = all[k % all.length];
        const shape = { ...base, fields: Array.from(base.fields, (f) => f * 3), k };
        for (const gates of ["binary", "real"] as const)
          expectWithinBounds(shape, typed(problem(shape, gates, k), precision), `k=${k} ${gates}`);
      }
    });

    it.each(shapes())("match the reference: $name", ({ shape }) => {
      for (const gates of ["binary", "real"] as const)
        for (const seed of [1, 2])
          expectWithinBounds(shape, typed(problem(shape, gates, seed), precision), `${gates} ${seed}`);
    });

    it("match the reference for field sizes around the block and tree edges", () => {
      FIELD_SIZES.forEach((size, i) => {
        const fields = [size, FIELD_SIZES[(i + 4) % FIELD_SIZES.length], FIELD_SIZES[(i + 7) % FIELD_SIZES.length]];
        for (const k of [3, 8, 33]) {
          const shape: FieldShape = {
            fields,
            k,
            pairs: [
              [0, 0],
              [0, 1],
              [1, 2],
              [2, 2],
            ],
          };
          expectWithinBounds(shape, typed(problem(shape, "real", 7 * i + k), precision), `fields ${fields}`);
        }
      });
    });

    it("match with all gates off, all on, and gates of 0 over NaN rows (which add nothing)", () => {
      const shape: FieldShape = {
        fields: [40, 0, 300],
        k: 9,
        pairs: [
          [0, 0],
          [0, 2],
          [2, 2],
          [1, 2],
        ],
      };
      const x = typed(problem(shape, "binary", 5), precision);
      for (const fill of [0, 1]) expectWithinBounds(shape, { ...x, h: x.h.map(() => fill) }, `gates all ${fill}`);
      const before = fieldGradients(x.phi, x.h, shape, x);
      const off = Array.from(x.h.keys()).filter((r) => x.h[r] === 0);
      for (const r of off) x.phi.fill(NaN, r * shape.k, (r + 1) * shape.k);
      const after = fieldGradients(x.phi, x.h, shape, x);
      expect(after.value).toBe(before.value);
      expect(firstBitDifference(after.gradient, before.gradient)).toBe(-1);
      expect(firstBitDifference(after.pairGradient, before.pairGradient)).toBe(-1);
      for (const r of off) expect(after.gateGradient![r]).toBeNaN();
    });

    it("give the central differences of the literal double sum (f64) and TensorFlow.js tf.grads of it (f32)", () => {
      for (const { shape } of shapes().filter(({ shape }) => shape.k > 0 && shape.pairs.length > 0)) {
        const x = problem(shape, "real", 21);
        if (precision === "f32") {
          for (const a of [x.phi, x.h, x.w, x.rho]) a.set(Float32Array.from(a));
          x.w0 = Math.fround(x.w0);
          const ours = fieldGradients(Float32Array.from(x.phi), Float32Array.from(x.h), shape, {
            ...x,
            w: Float32Array.from(x.w),
          });
          const theirs = oracle(shape, x);
          const near = (a: number, b: number) => expect(Math.abs(a - b)).toBeLessThan(1e-4 * (1 + Math.abs(b)));
          near(ours.value, theirs.value);
          ours.gradient.forEach((v, i) => near(v, theirs.gradient[i]));
          ours.gateGradient!.forEach((v, i) => near(v, theirs.gateGradient[i]));
          ours.pairGradient.forEach((v, i) => near(v, theirs.pairGradient[i]));
        } else {
          const ours = fieldGradients(x.phi, x.h, shape, x);
          const check = (array: Float64Array, grad: ArrayLike<number>) =>
            expectCentralDifferences(shape, x, array, grad);
          check(x.phi, ours.gradient);
          check(x.h, ours.gateGradient!);
          check(x.rho, ours.pairGradient);
          expect(ours.value).toBeCloseTo(literal(shape, x), 9);
        }
      }
    });

    it("give sparse gates the bits of the dense call, in list order or at their own rows", () => {
      const random = new Random(9);
      for (const fields of [[300, 0, 513, 7], [1], [256, 257]]) {
        const G = fields.length;
        const pairs = [] as [number, number][];
        for (let a = 0; a < G; a++) for (let b = a; b < G; b++) if (random.next() < 0.7) pairs.push([a, b]);
        const shape = { fields, k: 13, pairs };
        for (const gates of ["binary", "real"] as const) {
          const x = typed(problem(shape, gates, fields.length), precision);
          const dense = fieldGradients(x.phi, x.h, shape, x);
          const sparse = listed(x.h, random);
          const inList = fieldGradients(x.phi, sparse, shape, x);
          const rows = fieldGradients(x.phi, sparse, shape, x, {
            out: new (x.phi.constructor as Float64ArrayConstructor)(x.phi.length) as FloatArray,
          });
          expect(inList.value).toBe(dense.value);
          expect(fieldValue(x.phi, sparse, shape, x)).toBe(dense.value);
          expect(firstBitDifference(rows.gradient, dense.gradient)).toBe(-1);
          expect(firstBitDifference(inList.pairGradient, dense.pairGradient)).toBe(-1);
          sparse.index.forEach((r, e) => {
            for (let l = 0; l < shape.k; l++)
              expect(Object.is(inList.gradient[e * shape.k + l], dense.gradient[r * shape.k + l])).toBe(true);
            expect(Object.is(inList.gateGradient![e], dense.gateGradient![r])).toBe(true);
          });
          const pooledDense = fieldPooled(x.phi, x.h, shape),
            pooledSparse = fieldPooled(x.phi, sparse, shape);
          pooledDense.forEach((u, g) => expect(firstBitDifference(pooledSparse[g], u)).toBe(-1));
        }
      }
    });

    it("with two fields and one pair of weight 1, give §1's kernels' bits", () => {
      for (const [n, m, k] of [
        [300, 517, 1],
        [0, 5, 7],
        [64, 65, 32],
        [257, 3, 64],
      ]) {
        const shape = { n, m, k };
        const fshape = { fields: [n, m], k, pairs: [[0, 1]] as [number, number][] };
        const x = typed(problem(fshape, "binary", k), precision);
        const got = fieldGradients(x.phi, x.h, fshape);
        expect(got.value).toBe(value(x.phi, x.h, shape));
        expect(fieldValue(x.phi, x.h, fshape)).toBe(value(x.phi, x.h, shape));
        expect(firstBitDifference(got.gradient, gradient(x.phi, x.h, shape))).toBe(-1);
        expect(firstBitDifference(got.gateGradient!, gateGradient(x.phi, x.h, shape))).toBe(-1);
      }
    });

    it("scale and accumulate dF/dphi, write into out, gateOut and pairOut, and skip dF/dh on request", () => {
      const shape: FieldShape = {
        fields: [5, 6, 7],
        k: 6,
        pairs: [
          [0, 1],
          [1, 1],
          [0, 2],
        ],
      };
      const x = typed(problem(shape, "real", 3), precision);
      const A = x.phi.constructor as Float64ArrayConstructor;
      const plain = fieldGradients(x.phi, x.h, shape, x);
      const out = new A(x.phi.length).fill(1) as FloatArray,
        gateOut = new A(18) as FloatArray,
        pairOut = new A(3) as FloatArray;
      const r = fieldGradients(x.phi, x.h, shape, x, { out, gateOut, pairOut, scale: -2, accumulate: true });
      expect(r.gradient).toBe(out);
      expect(r.gateGradient).toBe(gateOut);
      expect(r.pairGradient).toBe(pairOut);
      // accumulating adds the written rows' bits (rows whose gate is 0 are left as they were)
      const written = fieldGradients(x.phi, x.h, shape, x, { scale: -2 }).gradient;
      expect(firstBitDifference(out, A.from(written, (v) => 1 + v) as FloatArray)).toBe(-1);
      plain.gradient.forEach((g, i) => expect(Math.abs(written[i] + 2 * g)).toBeLessThanOrEqual(1e-6 * Math.abs(g)));
      expect(firstBitDifference(gateOut, plain.gateGradient!)).toBe(-1);
      expect(firstBitDifference(pairOut, plain.pairGradient)).toBe(-1);
      const skipped = fieldGradients(x.phi, x.h, shape, x, { gateGradient: false });
      expect(skipped.gateGradient).toBeUndefined();
      expect(firstBitDifference(skipped.gradient, plain.gradient)).toBe(-1);
      expect(skipped.value).toBe(plain.value);
    });

    it("refuse bad shapes, parameters and outputs with errors naming them, and change nothing", () => {
      const shape: FieldShape = { fields: [2, 3], k: 2, pairs: [[0, 1]] };
      const x = typed(problem(shape, "real", 1), precision);
      const A = x.phi.constructor as Float64ArrayConstructor;
      const bad: [unknown, unknown, RegExp][] = [
        [{ fields: [2, -3], k: 2, pairs: [] }, undefined, /shape\.fields\[1\] must be a row count/],
        [{ fields: [2, 3.5], k: 2, pairs: [] }, undefined, /shape\.fields\[1\]/],
        [{ fields: [2, 3], k: -1, pairs: [] }, undefined, /shape\.k/],
        [{ fields: [2, 3], k: 2, pairs: [[1, 0]] }, undefined, /shape\.pairs\[0\] must be a pair/],
        [{ fields: [2, 3], k: 2, pairs: [[0, 2]] }, undefined, /shape\.pairs\[0\]/],
        [
          {
            fields: [2, 3],
            k: 2,
            pairs: [
              [0, 1],
              [0, 1],
            ],
          },
          undefined,
          /shape\.pairs\[1\] = \[0, 1\] repeats/,
        ],
        [{ fields: [2, 3], k: 2, pairs: [7] }, undefined, /shape\.pairs\[0\]/],
        [{ fields: [2, 3], k: 2 }, undefined, /shape\.pairs must be an array/],
        [{ fields: [2, 2], k: 2, pairs: [] }, undefined, /phi\.length must be rows \* k = 8/],
        [shape, { rho: [1, 2] }, /params\.rho\.length must be shape\.pairs\.length = 1/],
        [shape, { w: [1, 2] }, /params\.w\.length must be the rows of shape\.fields = 5/],
        [shape, { w0: "1" }, /params\.w0 must be a number/],
        [shape, 3, /params must be an object/],
        [[2, 3], undefined, /shape must be an object \{ fields, k, pairs \}/],
      ];
      for (const [s, p, message] of bad)
        expect(() => fieldGradients(x.phi, x.h, s as FieldShape, p as never)).toThrow(message);
      const out = new A(10).fill(7);
      expect(() =>
        fieldGradients(x.phi, x.h, shape, x, { out: out as FloatArray, gateOut: new A(4) as FloatArray }),
      ).toThrow(/options\.gateOut\.length must be rows = 5/);
      expect(out.every((v) => v === 7)).toBe(true);
      expect(() => fieldGradients(x.phi, x.h, shape, x, { pairOut: new A(2) as FloatArray })).toThrow(
        /options\.pairOut\.length/,
      );
      expect(() => fieldGradients(x.phi, { index: Uint32Array.of(5) }, shape)).toThrow(
        /h\.index\[0\] = 5 is out of range/,
      );
    });
  });
}
