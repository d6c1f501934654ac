// The checks of the kernel addRowsScaled (assembly/optimize.ts: grad[r] += coef[e] phi[r] for
// each listed row r = list[e], the penalty per occurrence's gradient), run once per build (SIMD
// and scalar) by the *.test.ts files that import this suite after init(): every k from 0 to
// past twice the widest unrolled step of the kernels (the 32-column strip; the kernel suite's
// range), row counts 0, 1 and around the 256-row block edges, f32 and f64, against float64.
import { describe, expect, it } from "vitest";
import type { Precision } from "../../src/index.js";
import { info, requireEngine } from "../../src/wasm/init.js";
import { firstBitDifference, rng } from "../helpers.js";

const ROW_COUNTS = [0, 1, 2, 3, 255, 256, 257];
const MAX_K = 72;
const UNIT_ROUNDOFF = { f32: 2 ** -24, f64: 2 ** -53 } as const;

export function rowsScaledSuite(build: "simd" | "scalar"): void {
  it(`runs the ${build} build`, () => {
    expect(info().simd).toBe(build === "simd");
  });

  describe.each(["f32", "f64"] as const)("%s addRowsScaled", (precision: Precision) => {
    it(`adds coef[e] phi[list[e]] to the listed rows of grad, for every k from 0 to ${MAX_K} and ${ROW_COUNTS.length} row counts`, () => {
      const engine = requireEngine("test");
      const K = engine[precision];
      const bytes = K.bytesPerElement;
      const round = precision === "f32" ? Math.fround : (x: number) => x;
      // one region of each part, for the largest case: rows of the table beyond the list stay unlisted
      const maxRows = ROW_COUNTS[ROW_COUNTS.length - 1] + 5;
      const at = {
        phi: engine.memory.alloc(maxRows * MAX_K * bytes),
        grad: engine.memory.alloc(maxRows * MAX_K * bytes),
        coef: engine.memory.alloc(maxRows * bytes),
        list: engine.memory.alloc(4 * maxRows),
      };
      const random = rng(precision === "f32" ? 71 : 72);
      for (let k = 0; k <= MAX_K; k++) {
        for (const count of ROW_COUNTS) {
          const rows = count + 5;
          // views made after every alloc: growth detaches the old buffer
          const phi = new K.ArrayType(engine.memory.buffer, at.phi, rows * k);
          const grad = new K.ArrayType(engine.memory.buffer, at.grad, rows * k);
          const coef = new K.ArrayType(engine.memory.buffer, at.coef, count);
          const list = new Uint32Array(engine.memory.buffer, at.list, count);
          for (let i = 0; i < rows * k; i++) {
            phi[i] = 4 * random() - 2;
            grad[i] = 2 * random() - 1;
          }
          // coefficients of both signs, some 0 (a row whose regWeight is 0)
          for (let e = 0; e < count; e++) coef[e] = random() < 0.1 ? 0 : 6 * random() - 3;
          // a scattered list: `count` of the rows in a random order (Fisher-Yates), so list
          // position and row differ and the coefficient must be read by position
          const order = Array.from({ length: rows }, (_, r) => r);
          for (let i = rows - 1; i > 0; i--) {
            const j = Math.floor(random() * (i + 1));
            [order[i], order[j]] = [order[j], order[i]];
          }
          list.set(order.slice(0, count));
          const before = { phi: phi.slice(), grad: grad.slice(), coef: coef.slice(), list: list.slice() };
          K.addRowsScaled({ count, list: at.list, k, phi: at.phi, grad: at.grad, coef: at.coef });
          const where = `k = ${k}, ${count} rows`;
          // the expected grad: T's product, then T's sum (wasm has no fused multiply-add), and the float64 sum
          const exact = Float64Array.from(before.grad),
            real = Float64Array.from(before.grad),
            scale = new Float64Array(rows * k);
          for (let e = 0; e < count; e++) {
            const r = before.list[e];
            for (let l = 0; l < k; l++) {
              const i = r * k + l,
                product = before.coef[e] * before.phi[i];
              exact[i] = round(before.grad[i] + round(product));
              real[i] = before.grad[i] + product;
              scale[i] = Math.abs(before.grad[i]) + Math.abs(product);
            }
          }
          let firstDifference = -1,
            worst = 0;
          for (let i = 0; i < rows * k; i++) {
            if (firstDifference < 0 && !Object.is(grad[i], exact[i])) firstDifference = i;
            // at most two roundings in T, each within u of the sum of |terms|
            worst = Math.max(worst, Math.abs(grad[i] - real[i]) / (2 * UNIT_ROUNDOFF[precision] * scale[i] || 1));
          }
          // every listed entry has T's rounding of grad + coef phi, every other the bits it had
          expect(firstDifference, where).toBe(-1);
          expect(worst, where).toBeLessThanOrEqual(1);
          // phi, the coefficients and the list are read only
          expect(firstBitDifference(phi, before.phi), where).toBe(-1);
          expect(firstBitDifference(coef, before.coef), where).toBe(-1);
          expect(
            list.every((r, e) => r === before.list[e]),
            where,
          ).toBe(true);
        }
      }
      for (const ptr of Object.values(at)) engine.memory.free(ptr);
    });

    it("leaves a row whose coefficient is 0 with the bits it had, and propagates a NaN of phi through any other", () => {
      const engine = requireEngine("test");
      const K = engine[precision];
      const k = 9; // a vector and a scalar tail in f32 and f64
      const at = {
        phi: engine.memory.alloc(2 * k * K.bytesPerElement),
        grad: engine.memory.alloc(2 * k * K.bytesPerElement),
        coef: engine.memory.alloc(2 * K.bytesPerElement),
        list: engine.memory.alloc(8),
      };
      const phi = new K.ArrayType(engine.memory.buffer, at.phi, 2 * k);
      const grad = new K.ArrayType(engine.memory.buffer, at.grad, 2 * k);
      new K.ArrayType(engine.memory.buffer, at.coef, 2).set([0, 0.5]);
      new Uint32Array(engine.memory.buffer, at.list, 2).set([1, 0]);
      phi.fill(1);
      phi[k + 8] = 7; // row 1, coefficient 0: adds +0
      phi[2] = NaN; // row 0, coefficient 0.5
      grad.fill(-0);
      K.addRowsScaled({ count: 2, list: at.list, k, phi: at.phi, grad: at.grad, coef: at.coef });
      // -0 + (+0) is +0; every entry of row 1 is 0, and row 0's are 0.5 but the NaN
      expect(Array.from(grad.subarray(k)).every((x) => x === 0)).toBe(true);
      expect(Array.from(grad.subarray(0, k), (x) => (Number.isNaN(x) ? "NaN" : x))).toEqual([
        0.5,
        0.5,
        "NaN",
        0.5,
        0.5,
        0.5,
        0.5,
        0.5,
        0.5,
      ]);
      for (const ptr of Object.values(at)) engine.memory.free(ptr);
    });
  });
}
