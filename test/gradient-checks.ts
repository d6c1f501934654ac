// Gradient checks that do not trust crossgrad's own algebra: central finite differences of F,
// and the wrong formulas of docs/design.md §1, which the checks must reject.
import { value } from "../src/index.js";
import { referencePooled } from "../src/reference.js";
import type { FloatArray, Shape } from "../src/util/types.js";

/**
 * Worst relative disagreement between `gradient` (dF/dphi) and central differences of F over
 * every coordinate of phi. F is linear in each single coordinate (A and B are disjoint), so a
 * central difference is exact up to rounding: what remains is F's rounding error over 2 delta.
 */
export function finiteDifferenceErrorPhi(
  phi: FloatArray,
  h: ArrayLike<number>,
  shape: Shape,
  gradient: ArrayLike<number>,
  delta: number,
): number {
  const work = phi.slice();
  const F = (): number => value(work, h as number[], shape);
  const scale = fdScale(phi, h, shape);
  let worst = 0;
  for (let i = 0; i < phi.length; i++) {
    const x = phi[i];
    // the points actually taken, after rounding to phi's precision
    const high = (work[i] = x + delta);
    const plus = F();
    const low = (work[i] = x - delta);
    const minus = F();
    work[i] = x;
    const fd = (plus - minus) / (work.constructor === Float32Array ? Math.fround(high) - Math.fround(low) : high - low);
    worst = Math.max(worst, Math.abs(fd - gradient[i]) / (Math.abs(gradient[i]) + scale));
  }
  return worst;
}

/** Worst relative disagreement between `gateGradient` (dF/dh) and central differences of F. */
export function finiteDifferenceErrorGates(
  phi: FloatArray,
  h: ArrayLike<number>,
  shape: Shape,
  gateGradient: ArrayLike<number>,
  delta: number,
): number {
  const work = Array.from(h);
  const F = (): number => value(phi, work, shape);
  const scale = fdScale(phi, h, shape);
  let worst = 0;
  for (let r = 0; r < work.length; r++) {
    const x = work[r];
    const round = phi instanceof Float32Array ? Math.fround : (y: number) => y;
    work[r] = x + delta;
    const plus = F();
    work[r] = x - delta;
    const minus = F();
    work[r] = x;
    const fd = (plus - minus) / (round(x + delta) - round(x - delta));
    worst = Math.max(worst, Math.abs(fd - gateGradient[r]) / (Math.abs(gateGradient[r]) + scale));
  }
  return worst;
}

/** A floor for the relative error: the typical size of a gradient entry (mean |u|, |v|). */
function fdScale(phi: FloatArray, h: ArrayLike<number>, shape: Shape): number {
  const { u, v } = referencePooled(phi, h, shape);
  const all = [...u, ...v].map(Math.abs);
  return all.length ? all.reduce((a, b) => a + b, 0) / all.length : 1;
}

/** Sum of the gates of rows from..to-1: a group's total gate, H_A or H_B. */
function gateSum(h: ArrayLike<number>, from: number, to: number): number {
  let sum = 0;
  for (let r = from; r < to; r++) sum += h[r];
  return sum;
}

/** The wrong dF/dphi formulas of docs/design.md §1, and one wrong dF/dh, computed in float64. */
export const wrongFormulas = {
  /** dF/dphi_r = sum_i sum_j h_i h_j phi_j: sums over the index being differentiated. */
  sumsOverTheRow(phi: ArrayLike<number>, h: ArrayLike<number>, shape: Shape): Float64Array {
    const { n, m, k } = shape;
    const { u, v } = referencePooled(phi, h, shape);
    const [hA, hB] = [gateSum(h, 0, n), gateSum(h, n, n + m)];
    const out = new Float64Array((n + m) * k);
    for (let r = 0; r < n + m; r++) {
      for (let l = 0; l < k; l++) out[r * k + l] = r < n ? hA * v[l] : hB * u[l];
    }
    return out;
  },
  /** dF/dphi_{r,l} = sum_i sum_j h_i h_j phi_{r,l} (phi_{j,l} + phi_{i,l}): quadratic in phi_r. */
  quadraticInTheRow(phi: ArrayLike<number>, h: ArrayLike<number>, shape: Shape): Float64Array {
    const { n, m, k } = shape;
    const { u, v } = referencePooled(phi, h, shape);
    const [hA, hB] = [gateSum(h, 0, n), gateSum(h, n, n + m)];
    const out = new Float64Array((n + m) * k);
    for (let r = 0; r < n + m; r++) {
      for (let l = 0; l < k; l++) out[r * k + l] = phi[r * k + l] * (hA * v[l] + hB * u[l]);
    }
    return out;
  },
  /** A factor 2, as if F were a square: A and B are disjoint, so F is bilinear. */
  factorTwo(correct: ArrayLike<number>): Float64Array {
    return Float64Array.from(correct, (x) => 2 * x);
  },
};
