// The kernel checks, run once per build (SIMD and scalar) by the *.test.ts files that import
// this suite after init(). Every result is compared with the float64 reference under the
// error bounds of docs/design.md §5 (test/helpers.ts: bounds).
import { describe, expect, it } from "vitest";
import {
  createProblem,
  gateGradient,
  gradient,
  pooled,
  value,
  valueAndGradient,
  type FloatArray,
  type Precision,
  type Shape,
} from "../src/index.js";
import { info, requireEngine } from "../src/wasm/init.js";
import { referenceGateGradient, referenceGradient, referencePooled, referenceValue } from "../src/reference.js";
import {
  GATE_KINDS,
  bounds,
  type GateKind,
  firstBitDifference,
  magnitudes,
  maxScaledError,
  randomProblem,
} from "./helpers.js";

const PRECISIONS: readonly Precision[] = ["f32", "f64"];

/** A float array's constructor over a buffer (a view of wasm memory). */
type FloatArrayType = new (buffer: ArrayBuffer, byteOffset: number, length: number) => FloatArray;

/** The gates as an f32 or f64 kernel sees them (rounded to phi's precision). */
function kernelGates(h: ArrayLike<number>, precision: Precision): FloatArray {
  return precision === "f32" ? Float32Array.from(h) : Float64Array.from(h);
}

/**
 * Errors of value, pooled, gradient, gateGradient and valueAndGradient against the reference,
 * each divided by its bound: all must be at most 1.
 */
export function scaledErrors(phi: FloatArray, h: ArrayLike<number>, shape: Shape): Record<string, number> {
  const precision: Precision = phi instanceof Float32Array ? "f32" : "f64";
  const g = kernelGates(h, precision);
  const mag = magnitudes(phi, g, shape);
  const b = bounds(precision, Math.max(shape.n, shape.m), shape.k);
  // the bound of each result: relative part times the sum of |terms|, plus underflow
  const scaled = (xs: Float64Array, factor: number, underflowFactor?: Float64Array) =>
    xs.map((x, i) => x * factor + b.underflow * (1 + (underflowFactor ? underflowFactor[i] : 0)));
  const valueBound = b.value * mag.value + b.underflow * (1 + mag.valueFactor);
  const ref = referencePooled(phi, g, shape);
  const got = pooled(phi, h as number[], shape);
  const both = valueAndGradient(phi, h as number[], shape);
  const expectedGradient = referenceGradient(phi, g, shape);
  const F = referenceValue(phi, g, shape);
  return {
    value: maxScaledError([value(phi, h as number[], shape)], [F], [valueBound]),
    u: maxScaledError(got.u, ref.u, scaled(mag.u, b.pooled)),
    v: maxScaledError(got.v, ref.v, scaled(mag.v, b.pooled)),
    gradient: maxScaledError(
      gradient(phi, h as number[], shape),
      expectedGradient,
      scaled(mag.gradient, b.gradient, mag.gradientFactor),
    ),
    gateGradient: maxScaledError(
      gateGradient(phi, h as number[], shape),
      referenceGateGradient(phi, g, shape),
      scaled(mag.gate, b.gate, mag.gateFactor),
    ),
    valueAndGradient: Math.max(
      maxScaledError([both.value], [F], [valueBound]),
      maxScaledError(both.gradient, expectedGradient, scaled(mag.gradient, b.gradient, mag.gradientFactor)),
    ),
  };
}

function expectWithinBounds(phi: FloatArray, h: ArrayLike<number>, shape: Shape): void {
  for (const [what, error] of Object.entries(scaledErrors(phi, h, shape))) {
    expect(error, `${what} at ${JSON.stringify(shape)}: error / bound`).toBeLessThanOrEqual(1);
  }
}

/** Group sizes around the 256-row block edges, the first levels of the pairwise tree, and
 * the 2- and 4-row steps of the streaming loops. */
const GROUP_SIZES = [0, 1, 2, 3, 5, 63, 64, 255, 256, 257, 511, 512, 513, 767, 768, 769, 1023, 1024, 1025, 2049];

export function kernelSuite(build: "simd" | "scalar"): void {
  it(`runs the ${build} build`, () => {
    expect(info().simd).toBe(build === "simd");
  });

  describe.each(PRECISIONS)("%s kernels", (precision) => {
    it("match the float64 reference for every k from 0 to 72 (past twice the widest strip: 6 vectors, 24 f32 columns)", () => {
      for (let k = 0; k <= 72; k++) {
        for (const [n, m] of [
          [3, 5],
          [65, 64],
        ]) {
          const shape = { n, m, k };
          const { phi, h } = randomProblem(shape, precision, "binary", 1000 + k);
          expectWithinBounds(phi, h, shape);
        }
      }
    });

    it("match the reference for group sizes around the block and tree edges", () => {
      GROUP_SIZES.forEach((n, i) => {
        const m = GROUP_SIZES[(i + 5) % GROUP_SIZES.length];
        for (const k of [3, 8, 33]) {
          const shape = { n, m, k };
          const { phi, h } = randomProblem(shape, precision, "real", 7 * i + k);
          expectWithinBounds(phi, h, shape);
        }
      });
    });

    it.each(GATE_KINDS)("match the reference with gates %s", (kind) => {
      const shape = { n: 70, m: 45, k: 37 };
      const { phi, h } = randomProblem(shape, precision, kind, 3);
      expectWithinBounds(phi, h, shape);
    });

    it("read gates as Uint8Array, Float32Array, Float64Array and number[] by their numeric value", () => {
      const shape = { n: 9, m: 11, k: 13 };
      const { phi } = randomProblem(shape, precision, "on", 4);
      const numbers = Array.from({ length: 20 }, (_, r) => [0, 1, 2, 1][r % 4]);
      const expected = gradient(phi, Float64Array.from(numbers), shape);
      for (const h of [Uint8Array.from(numbers), Float32Array.from(numbers), numbers]) {
        expect(firstBitDifference(gradient(phi, h, shape), expected)).toBe(-1);
        expect(value(phi, h, shape)).toBe(value(phi, numbers, shape));
      }
      // a Uint8Array 2 counts as 2, not as "on"
      expectWithinBounds(phi, numbers, shape);
    });

    it("round gates to f32 in f32 calls, and keep them in f64 calls", () => {
      const shape = { n: 1, m: 1, k: 1 };
      const phi = precision === "f32" ? new Float32Array([1, 1]) : new Float64Array([1, 1]);
      const h = [1 + 2 ** -30, 1];
      // 1 + 2^-30 is 1 in f32 (24-bit significand), itself in f64
      expect(value(phi, h, shape)).toBe(precision === "f32" ? 1 : 1 + 2 ** -30);
    });

    it.each([
      { n: 0, m: 5, k: 4 },
      { n: 5, m: 0, k: 4 },
      { n: 0, m: 0, k: 4 },
      { n: 3, m: 4, k: 0 },
      { n: 0, m: 0, k: 0 },
    ])("give F = 0 and zero gradients of the right length for %o", (shape) => {
      const { phi, h } = randomProblem(shape, precision, "on", 5);
      expect(value(phi, h, shape)).toBe(0);
      const rows = shape.n + shape.m;
      const g = gradient(phi, h, shape);
      expect(g).toBeInstanceOf(phi.constructor);
      expect(g.length).toBe(rows * shape.k);
      expect(g.every((x) => Object.is(x, 0))).toBe(true);
      const { u, v } = pooled(phi, h, shape);
      expect([u.length, v.length]).toEqual([shape.k, shape.k]);
      // the pooled sum of an empty group is +0 in every component
      if (shape.n === 0) expect(u.every((x) => Object.is(x, 0))).toBe(true);
      if (shape.m === 0) expect(v.every((x) => Object.is(x, 0))).toBe(true);
      const dh = gateGradient(phi, h, shape);
      expect(dh.length).toBe(rows);
      // with an empty group (or k = 0) the other group's pooled sum is 0, so every dF/dh is 0
      expect(dh.every((x) => Object.is(x, 0))).toBe(true);
    });

    it("treat a row whose gate is 0 as absent, even when phi holds NaN or Infinity there", () => {
      const shape = { n: 70, m: 66, k: 37 };
      const { phi, h } = randomProblem(shape, precision, "binary", 6);
      const before = value(phi, h, shape);
      const dirty = phi.slice();
      for (const r of [0, 5, 64, 69, 70, 100, 135]) {
        h[r] = 0;
        dirty.fill(r % 2 ? NaN : -Infinity, r * shape.k, (r + 1) * shape.k);
      }
      const cleanAgain = { value: value(phi, h, shape), gradient: gradient(phi, h, shape) };
      expect(value(dirty, h, shape)).toBe(cleanAgain.value);
      const g = gradient(dirty, h, shape);
      expect(firstBitDifference(g, cleanAgain.gradient)).toBe(-1);
      for (const r of [0, 5, 64, 69, 70, 100, 135]) {
        expect(g.subarray(r * shape.k, (r + 1) * shape.k).every((x) => Object.is(x, 0))).toBe(true);
      }
      expect(before).not.toBe(cleanAgain.value); // the rows switched off did matter
    });

    it("propagate NaN and Infinity from an active row (IEEE, as BLAS does)", () => {
      const shape = { n: 4, m: 4, k: 9 };
      const { phi, h } = randomProblem(shape, precision, "on", 7);
      phi[2 * shape.k + 8] = NaN; // row 2, in group A, column 8 (the scalar tail for f32)
      expect(value(phi, h, shape)).toBeNaN();
      const g = gradient(phi, h, shape);
      // rows of B get h_r u, and u_8 is NaN; rows of A get h_r v, which is finite
      expect(g[5 * shape.k + 8]).toBeNaN();
      expect(g[5 * shape.k + 7]).not.toBeNaN();
      expect(g[0]).not.toBeNaN();
      phi[2 * shape.k + 8] = Infinity;
      expect(Math.abs(value(phi, h, shape))).toBe(Infinity);
    });

    it("give the same bits under every plan the planner may pick (each pooling loop, fused or not, each way to write)", () => {
      const engine = requireEngine("test");
      const K = engine[precision];
      const { compact, wideStrips, multiBlock, fused, fillFirst, touchAhead } = engine.planBits;
      // every variant the planner can run (planner.ts: variantsOf): 4 pooling loops, fused or
      // not, and 3 ways to write the other gradient rows
      const plans = [0, compact, wideStrips, multiBlock].flatMap((loop) =>
        [loop, loop | fused].flatMap((pass) => [pass, pass | fillFirst, pass | touchAhead]),
      );
      // the kernel suite's shapes: every k past twice the widest unrolled step (rows around the
      // block edge, and past four blocks, the most a multi-block pass sums at once), groups
      // around the block and tree edges, empty groups
      const shapes: (readonly [number, number, number, readonly GateKind[]])[] = [
        ...Array.from({ length: 73 }, (_, k) => [257 - (k % 3), 255 + (k % 2), k, ["binary", "real"]] as const),
        ...Array.from({ length: 41 }, (_, k) => [1025 + (k % 4) * 255, 1024 - (k % 2), k, ["binary", "real"]] as const),
        ...GROUP_SIZES.flatMap((n, i) =>
          [3, 8, 33].map((k) => [n, GROUP_SIZES[(i + 5) % GROUP_SIZES.length], k, GATE_KINDS] as const),
        ),
        [1, 300, 64, GATE_KINDS],
      ];
      for (const [n, m, k, kinds] of shapes) {
        const shape = { n, m, k };
        for (const kind of kinds) {
          const { phi, h } = randomProblem(shape, precision, kind, n + k);
          const p = createProblem(shape, { precision });
          p.phi.set(phi);
          p.h.set(h);
          const scratch = engine.memory.alloc(K.scratchBytes({ n, m, k }));
          const rows = (n + m) * k;
          const out = engine.memory.alloc(Math.max(2 * k, rows, n + m) * K.bytesPerElement);
          const start = randomProblem(shape, precision, "on", k).phi;
          const phiPtr = p.phi.byteOffset,
            hPtr = p.h.byteOffset;
          const view = (length: number) => new K.ArrayType(engine.memory.buffer, out, length);
          // each kernel under `plan`; `seen` gets each result (a live view: copied only for the first plan)
          const run = (plan: number, seen: (what: string, result: FloatArray | number) => void) => {
            K.pooled({ n, m, k, phi: phiPtr, h: hPtr, u: out, v: out + k * K.bytesPerElement, scratch, plan });
            seen("pooled", view(2 * k));
            seen("value", K.value({ n, m, k, phi: phiPtr, h: hPtr, scratch, plan }));
            // the output starts dirty: every row must be written
            view(rows).fill(NaN);
            seen(
              "F of valueAndGradient",
              K.valueAndGradient({ n, m, k, phi: phiPtr, h: hPtr, out, scale: 0.5, accumulate: false, scratch, plan }),
            );
            seen("gradient", view(rows));
            view(rows).set(start);
            K.valueAndGradient({ n, m, k, phi: phiPtr, h: hPtr, out, scale: -3, accumulate: true, scratch, plan });
            seen("accumulated gradient", view(rows));
            seen("F of gateGradient", K.gateGradient({ n, m, k, phi: phiPtr, h: hPtr, out, scratch, plan }));
            seen("gateGradient", view(n + m));
          };
          const base = new Map<string, FloatArray | number>();
          run(0, (what, result) => base.set(what, typeof result === "number" ? result : result.slice()));
          for (const plan of plans.slice(1)) {
            run(plan, (what, result) => {
              const expected = base.get(what)!;
              const where = `${what} at ${JSON.stringify(shape)}, ${kind} gates, plan ${plan}`;
              if (typeof result === "number") expect(Object.is(result, expected), where).toBe(true);
              else expect(firstBitDifference(result, expected as FloatArray), where).toBe(-1);
            });
          }
          engine.memory.free(scratch);
          engine.memory.free(out);
          p.dispose();
        }
      }
    });

    it("give the same bits whether or not a block takes the loops for gates of 0 and 1", () => {
      // group A: 600 rows (3 blocks), binary gates; then the same with one extra gate of 0.5
      // on a row of zeros in each block, which forces the general loops but adds nothing
      const shape = { n: 600, m: 300, k: 37 };
      const { phi, h } = randomProblem(shape, precision, "binary", 12);
      const zeroRows = [10, 300, 590, 610, 850];
      for (const r of zeroRows) {
        phi.fill(0, r * shape.k, (r + 1) * shape.k);
        h[r] = 0;
      }
      const binary = { pooled: pooled(phi, h, shape), gradient: gradient(phi, h, shape), value: value(phi, h, shape) };
      const general = h.slice();
      for (const r of zeroRows) general[r] = 0.5;
      const both = valueAndGradient(phi, general, shape);
      const p = pooled(phi, general, shape);
      expect(firstBitDifference(p.u, binary.pooled.u)).toBe(-1);
      expect(firstBitDifference(p.v, binary.pooled.v)).toBe(-1);
      expect(both.value).toBe(binary.value);
      // rows with gate 1 get the same bits from both loops (rows of gate 0.5 differ, as they should)
      for (let r = 0; r < shape.n + shape.m; r++) {
        if (zeroRows.includes(r)) continue;
        const row = (g: FloatArray) => g.subarray(r * shape.k, (r + 1) * shape.k);
        expect(firstBitDifference(row(both.gradient), row(binary.gradient))).toBe(-1);
      }
    });

    it("give the same bits through the copying API and through a Problem, run after run", () => {
      const shape = { n: 300, m: 200, k: 19 };
      const { phi, h } = randomProblem(shape, precision, "real", 8);
      const p = createProblem(shape, { precision });
      p.phi.set(phi);
      p.h.set(h);
      const viaCopy = valueAndGradient(phi, h, shape);
      for (let run = 0; run < 3; run++) {
        const viaProblem = p.valueAndGradient();
        expect(viaProblem.value).toBe(viaCopy.value);
        expect(firstBitDifference(viaProblem.gradient, viaCopy.gradient)).toBe(-1);
        expect(firstBitDifference(p.gateGradient(), gateGradient(phi, h, shape))).toBe(-1);
      }
      // every kernel pools in the same order, so all report the same F
      expect(p.value()).toBe(viaCopy.value);
      expect(value(phi, h, shape)).toBe(viaCopy.value);
      p.dispose();
    });

    it("compute out += scale * dF/dphi with scale and accumulate", () => {
      const shape = { n: 33, m: 17, k: 11 };
      const { phi, h } = randomProblem(shape, precision, "real", 9);
      const g = gradient(phi, h, shape);
      const start = randomProblem(shape, precision, "on", 10).phi;
      const out = start.slice();
      const returned = gradient(phi, h, shape, { out, scale: -0.25, accumulate: true });
      expect(returned).toBe(out);
      const expected = start.map((x, i) => x - 0.25 * g[i]);
      const tol = precision === "f32" ? 1e-6 : 1e-15;
      for (let i = 0; i < out.length; i++)
        expect(Math.abs(out[i] - expected[i])).toBeLessThanOrEqual(tol * (1 + Math.abs(expected[i])));
      // without accumulate, out is overwritten
      gradient(phi, h, shape, { out, scale: 2 });
      for (let i = 0; i < out.length; i++)
        expect(Math.abs(out[i] - 2 * g[i])).toBeLessThanOrEqual(tol * (1 + Math.abs(g[i])));
      // rows whose gate is 0 are left untouched when accumulating
      const r = Array.from(h).findIndex((x) => x === 0);
      const row = out.slice(r * shape.k, (r + 1) * shape.k);
      gradient(phi, h, shape, { out, accumulate: true });
      expect(firstBitDifference(out.subarray(r * shape.k, (r + 1) * shape.k), row)).toBe(-1);
    });

    it("never modify the caller's arrays (except out)", () => {
      const shape = { n: 40, m: 41, k: 10 };
      const { phi, h } = randomProblem(shape, precision, "real", 11);
      const phiCopy = phi.slice(),
        hCopy = h.slice();
      const hNumbers = Array.from(h),
        hNumbersCopy = hNumbers.slice();
      value(phi, h, shape);
      gradient(phi, hNumbers, shape, { scale: 3 });
      gateGradient(phi, h, shape);
      valueAndGradient(phi, h, shape);
      pooled(phi, h, shape);
      expect(firstBitDifference(phi, phiCopy)).toBe(-1);
      expect(firstBitDifference(h, hCopy)).toBe(-1);
      expect(hNumbers).toEqual(hNumbersCopy);
    });

    it("pool a range and write its gradient rows in one read with the bits of poolRange and gradientRows", () => {
      // a thread pool's fused pass (poolRangeWithGradient): every plan, k from 0 to 72, row counts
      // around the block and multi-block edges, ranges from block 0 and after it, every kind of gate
      const engine = requireEngine("test");
      const K = engine[precision];
      const { memory, planBits: b } = engine;
      const plans = [0, b.compact, b.wideStrips, b.multiBlock, b.fillFirst, b.touchAhead, b.compact | b.fillFirst];
      const size = K.bytesPerElement;
      for (let k = 0; k <= 72; k++) {
        const rows = [1, 17, 255, 256, 257, 1030][k % 6];
        const first = k % 2 ? 0 : 3;
        const gates = GATE_KINDS[k % GATE_KINDS.length];
        const { phi, h } = randomProblem({ n: rows, m: 0, k }, precision, gates, 2000 + k);
        const w = randomProblem({ n: 1, m: 0, k }, precision, "real", 3000 + k).phi;
        const nodes = 8 * engine.maxRangeNodes;
        const scratchBytes = Math.max(K.fusedRangeScratchBytes({ rows, first, k }), K.rowScratchBytes({ k }));
        const parts = { phi: phi.length * size, h: rows * size, w: k * size, out: phi.length * size };
        const at: Record<string, number> = {};
        for (const [name, bytes] of Object.entries({
          ...parts,
          out2: parts.out,
          meta: nodes,
          meta2: nodes,
          values: nodes * k,
          values2: nodes * k,
          scratch: scratchBytes,
        }))
          at[name] = memory.alloc(Math.max(16, bytes));
        memory.view(K.ArrayType, at.phi, phi.length).set(phi);
        memory.view(K.ArrayType, at.h, rows).set(h);
        memory.view(K.ArrayType, at.w, k).set(w);
        for (const plan of plans) {
          const range = { rows, k, phi: at.phi, h: at.h, first, scratch: at.scratch, plan };
          const count = K.poolRange({ ...range, meta: at.meta, values: at.values });
          K.gradientRows({
            rows,
            k,
            h: at.h,
            w: at.w,
            scale: -0.75,
            out: at.out,
            accumulate: false,
            scratch: at.scratch,
            plan,
          });
          // the output starts dirty: every row must be written
          memory.view(K.ArrayType, at.out2, phi.length).fill(NaN);
          const fused = K.poolRangeWithGradient({
            ...range,
            meta: at.meta2,
            values: at.values2,
            w: at.w,
            scale: -0.75,
            out: at.out2,
          });
          expect(fused).toBe(count);
          const same = (Type: FloatArrayType, a: number, b: number, n: number) =>
            firstBitDifference(new Type(memory.buffer, a, n).slice(), new Type(memory.buffer, b, n).slice());
          expect(same(Float64Array, at.meta2, at.meta, count)).toBe(-1);
          expect(same(Float64Array, at.values2, at.values, k * count)).toBe(-1);
          expect(same(K.ArrayType, at.out2, at.out, phi.length)).toBe(-1);
        }
        for (const ptr of Object.values(at)) memory.free(ptr);
      }
    });
  });
}
