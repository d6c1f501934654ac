// A plain float64 implementation of F and both gradients, straight from the formulas of
// docs/design.md §1, for tests and benchmarks to compare against. Sums are compensated (Neumaier), so
// the reference is accurate to about one float64 rounding whatever the size. With it, the seeded
// generator the library's own tests, benchmarks and examples draw their data from.

import type { Shape } from "./util/types.js";

export { generator } from "./util/random.js";

/** Any array of numbers the reference reads. */
export type NumberArray = ArrayLike<number>;

/** A compensated running sum. */
class Sum {
  private s = 0;
  private c = 0;
  add(x: number): void {
    const t = this.s + x;
    this.c += Math.abs(this.s) >= Math.abs(x) ? this.s - t + x : x - t + this.s;
    this.s = t;
  }
  get value(): number {
    return this.s + this.c;
  }
}

/**
 * u = sum over A of h_i phi_i and v = sum over B of h_j phi_j, in float64. Rows whose gate is
 * exactly 0 are skipped (absent, even if phi holds NaN there).
 *
 * @example
 * ```ts
 * referencePooled([1, 2, 30, 40, 3, 4], [1, 0, 1], { n: 2, m: 1, k: 2 });
 * // { u: Float64Array [1, 2], v: Float64Array [3, 4] }
 * ```
 */
export function referencePooled(phi: NumberArray, h: NumberArray, shape: Shape): { u: Float64Array; v: Float64Array } {
  const { n, m, k } = shape;
  const pool = (first: number, rows: number): Float64Array => {
    const out = new Float64Array(k);
    for (let l = 0; l < k; l++) {
      const sum = new Sum();
      for (let r = first; r < first + rows; r++) if (h[r] !== 0) sum.add(h[r] * phi[r * k + l]);
      out[l] = sum.value;
    }
    return out;
  };
  return { u: pool(0, n), v: pool(n, m) };
}

function dot(a: NumberArray, aStart: number, b: NumberArray, k: number): number {
  const sum = new Sum();
  for (let l = 0; l < k; l++) sum.add(a[aStart + l] * b[l]);
  return sum.value;
}

/**
 * F = <u, v> in float64.
 *
 * @example
 * ```ts
 * referenceValue([1, 2, 30, 40, 3, 4], [1, 0, 1], { n: 2, m: 1, k: 2 }); // 11
 * ```
 */
export function referenceValue(phi: NumberArray, h: NumberArray, shape: Shape): number {
  const { u, v } = referencePooled(phi, h, shape);
  return dot(u, 0, v, shape.k);
}

/**
 * dF/dphi in float64: h_r v for rows of A, h_r u for rows of B, exact 0 where h_r is 0.
 *
 * @example
 * ```ts
 * referenceGradient([1, 2, 30, 40, 3, 4], [1, 0, 1], { n: 2, m: 1, k: 2 });
 * // Float64Array [3, 4, 0, 0, 1, 2]
 * ```
 */
export function referenceGradient(phi: NumberArray, h: NumberArray, shape: Shape): Float64Array {
  const { n, m, k } = shape;
  const { u, v } = referencePooled(phi, h, shape);
  const out = new Float64Array((n + m) * k);
  for (let r = 0; r < n + m; r++) {
    if (h[r] === 0) continue;
    const w = r < n ? v : u;
    for (let l = 0; l < k; l++) out[r * k + l] = h[r] * w[l];
  }
  return out;
}

/**
 * dF/dh in float64: <phi_r, v> for rows of A, <phi_r, u> for rows of B, for every row.
 *
 * @example
 * ```ts
 * referenceGateGradient([1, 2, 30, 40, 3, 4], [1, 0, 1], { n: 2, m: 1, k: 2 });
 * // Float64Array [11, 250, 11]
 * ```
 */
export function referenceGateGradient(phi: NumberArray, h: NumberArray, shape: Shape): Float64Array {
  const { n, m, k } = shape;
  const { u, v } = referencePooled(phi, h, shape);
  const out = new Float64Array(n + m);
  for (let r = 0; r < n + m; r++) out[r] = dot(phi, r * k, r < n ? v : u, k);
  return out;
}
