// A plain float64 implementation of F and both gradients, straight from the formulas of
// docs/design.md §1, for tests and benchmarks to compare against. Sums are compensated (Neumaier), so
// the reference is accurate to about one float64 rounding whatever the size. With it, the seeded
// generator the library's own tests, benchmarks and examples draw their data from.

import type { FieldParams, FieldShape, Shape } from "./util/types.js";

export type { FieldParams, FieldShape };

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

/** F and its gradient with respect to every parameter, in float64. */
export interface FieldResult {
  readonly value: number;
  /** u_g, one a field */
  readonly pooled: Float64Array[];
  /** dF/dphi, rows x k */
  readonly gradient: Float64Array;
  /** dF/dh, one a row */
  readonly gateGradient: Float64Array;
  /** dF/dw, one a row (h) */
  readonly weightGradient: Float64Array;
  /** dF/dw0 (1) */
  readonly offsetGradient: number;
  /** dF/drho, one a pair */
  readonly pairGradient: Float64Array;
}

/**
 * F of G fields and pairs of them (docs/design.md §16), and every gradient, in float64 from the
 * formulas: F = w0 + sum_r h_r w_r + sum over cross pairs rho <u_g, u_g'> + sum over self pairs
 * rho 1/2 (|u_g|^2 - sum_{r in g} h_r^2 |phi_r|^2). Rows whose gate is exactly 0 add nothing.
 *
 * @example
 * ```ts
 * // a classic FM over 3 rows: one field, its self pair
 * referenceFields([1, 0, 0, 1, 1, 1], [1, 1, 1], { fields: [3], k: 2, pairs: [[0, 0]] }).value; // 2: <phi_0, phi_2> + <phi_1, phi_2>
 * ```
 */
export function referenceFields(
  phi: NumberArray,
  h: NumberArray,
  shape: FieldShape,
  params: FieldParams = {},
): FieldResult {
  const { fields, k, pairs } = shape;
  const G = fields.length,
    P = pairs.length;
  const start = [0];
  for (let g = 0; g < G; g++) {
    if (!Number.isInteger(fields[g]) || fields[g] < 0)
      throw new RangeError(`referenceFields(): shape.fields[${g}] must be a row count, got ${fields[g]}`);
    start.push(start[g] + fields[g]);
  }
  const rows = start[G];
  const seen = new Set<number>();
  for (let p = 0; p < P; p++) {
    const [a, b] = pairs[p];
    if (!(Number.isInteger(a) && Number.isInteger(b) && 0 <= a && a <= b && b < G) || seen.has(a * G + b))
      throw new RangeError(`referenceFields(): shape.pairs[${p}] must be a new pair [g, g'] of fields, g <= g' < ${G}`);
    seen.add(a * G + b);
  }
  if (phi.length !== rows * k || h.length !== rows)
    throw new RangeError(`referenceFields(): phi must hold rows * k = ${rows * k} numbers and h ${rows}`);
  const rho = params.rho ?? new Float64Array(P).fill(1),
    w = params.w ?? new Float64Array(rows),
    w0 = params.w0 ?? 0;
  if (rho.length !== P || w.length !== rows) throw new RangeError("referenceFields(): params.rho or params.w is short");

  const pooled = Array.from({ length: G }, (_, g) => {
    const u = new Float64Array(k);
    for (let l = 0; l < k; l++) {
      const sum = new Sum();
      for (let r = start[g]; r < start[g + 1]; r++) if (h[r] !== 0) sum.add(h[r] * phi[r * k + l]);
      u[l] = sum.value;
    }
    return u;
  });
  // each self pair's 1/2 (|u_g|^2 - sum h_r^2 |phi_r|^2), each cross pair's <u_g, u_g'>
  const pairGradient = new Float64Array(P);
  for (let p = 0; p < P; p++) {
    const [a, b] = pairs[p];
    const sum = new Sum();
    for (let l = 0; l < k; l++) sum.add(pooled[a][l] * pooled[b][l]);
    if (a === b)
      for (let r = start[a]; r < start[a + 1]; r++)
        if (h[r] !== 0) for (let l = 0; l < k; l++) sum.add(-((h[r] * phi[r * k + l]) ** 2));
    pairGradient[p] = a === b ? sum.value / 2 : sum.value;
  }
  const value = new Sum();
  value.add(w0);
  for (let r = 0; r < rows; r++) if (h[r] !== 0) value.add(h[r] * w[r]);
  for (let p = 0; p < P; p++) value.add(rho[p] * pairGradient[p]);

  // each field's context without the self pair's - h_r phi_r: sum over its pairs of rho u_other
  const context = Array.from({ length: G }, (_, g) =>
    Float64Array.from({ length: k }, (_, l) => {
      const sum = new Sum();
      for (let p = 0; p < P; p++) {
        const [a, b] = pairs[p];
        if (a === g) sum.add(rho[p] * pooled[b][l]);
        else if (b === g) sum.add(rho[p] * pooled[a][l]);
      }
      return sum.value;
    }),
  );
  const selfWeight = Array.from({ length: G }, (_, g) => {
    for (let p = 0; p < P; p++) if (pairs[p][0] === g && pairs[p][1] === g) return rho[p];
    return 0;
  });
  const gradient = new Float64Array(rows * k),
    gateGradient = new Float64Array(rows),
    weightGradient = new Float64Array(rows);
  for (let g = 0; g < G; g++)
    for (let r = start[g]; r < start[g + 1]; r++) {
      // c_r = context_g - rho_gg h_r phi_r (as one term: the context's u_g already holds h_r phi_r)
      const c = (l: number) => (h[r] !== 0 ? context[g][l] - selfWeight[g] * h[r] * phi[r * k + l] : context[g][l]);
      const dot = new Sum();
      dot.add(w[r]);
      for (let l = 0; l < k; l++) {
        const cl = c(l);
        if (h[r] !== 0) gradient[r * k + l] = h[r] * cl;
        dot.add(phi[r * k + l] * cl);
      }
      gateGradient[r] = dot.value;
      weightGradient[r] = h[r];
    }
  return { value: value.value, pooled, gradient, gateGradient, weightGradient, offsetGradient: 1, pairGradient };
}
