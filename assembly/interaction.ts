// F(h; phi) = <u, v> and its gradients for the whole (n + m) x k matrix: the entry points'
// logic, generic over f32 / f64. Group A is rows 0..n-1, group B rows n..n+m-1 (SPEC §1).
//
// Scratch layout (bytes from `scratch`): u | v | pool()'s scratch for max(n, m) rows.

import { at, paddedColumns } from "./common";
import { pool, poolScratchBytes, poolWithDots } from "./pool";
import { gradientRows } from "./gradient";
import { rowDots } from "./dots";

// @ts-ignore: decorator
@inline function slotBytes<T>(k: u32): usize {
  return <usize>paddedColumns<T>(k) << alignof<T>();
}

/** Bytes of scratch every entry point needs for this shape. */
// @ts-ignore: decorator
@inline export function scratchBytes<T>(n: u32, m: u32, k: u32): usize {
  return 2 * slotBytes<T>(k) + poolScratchBytes<T>(max(n, m), k);
}

/** u and v into the first two scratch slots. */
// @ts-ignore: decorator
@inline function poolBoth<T>(n: u32, m: u32, k: u32, phi: usize, h: usize, scratch: usize, compact: bool): void {
  const s = slotBytes<T>(k);
  const rest = scratch + 2 * s;
  pool<T>(n, k, phi, h, scratch, rest, compact);
  pool<T>(m, k, phi + <usize>n * (<usize>k << alignof<T>()), at<T>(h, n), scratch + s, rest, compact);
}

/**
 * <u, v>. f32 products are exact in f64, so f32 calls accumulate in f64 and round once; f64
 * calls use four interleaved sums, combined pairwise.
 */
// @ts-ignore: decorator
@inline function innerProduct<T>(k: u32, u: usize, v: usize): T {
  let s0: f64 = 0, s1: f64 = 0, s2: f64 = 0, s3: f64 = 0;
  let l: u32 = 0;
  for (; l + 4 <= k; l += 4) {
    s0 += <f64>load<T>(at<T>(u, l)) * <f64>load<T>(at<T>(v, l));
    s1 += <f64>load<T>(at<T>(u, l + 1)) * <f64>load<T>(at<T>(v, l + 1));
    s2 += <f64>load<T>(at<T>(u, l + 2)) * <f64>load<T>(at<T>(v, l + 2));
    s3 += <f64>load<T>(at<T>(u, l + 3)) * <f64>load<T>(at<T>(v, l + 3));
  }
  for (; l < k; l++) s0 += <f64>load<T>(at<T>(u, l)) * <f64>load<T>(at<T>(v, l));
  return <T>((s0 + s1) + (s2 + s3));
}

/** The pooled sums u (group A) and v (group B) into uOut and vOut, k elements each. */
// @ts-ignore: decorator
@inline export function pooled<T>(
  n: u32, m: u32, k: u32, phi: usize, h: usize, uOut: usize, vOut: usize, scratch: usize, compact: bool,
): void {
  poolBoth<T>(n, m, k, phi, h, scratch, compact);
  memory.copy(uOut, scratch, <usize>k << alignof<T>());
  memory.copy(vOut, scratch + slotBytes<T>(k), <usize>k << alignof<T>());
}

/** F. */
// @ts-ignore: decorator
@inline export function value<T>(n: u32, m: u32, k: u32, phi: usize, h: usize, scratch: usize, compact: bool): T {
  poolBoth<T>(n, m, k, phi, h, scratch, compact);
  return innerProduct<T>(k, scratch, scratch + slotBytes<T>(k));
}

/** F, and out (+)= scale * dF/dphi: rows of A get h_r v, rows of B get h_r u; phi is read once. */
// @ts-ignore: decorator
@inline export function valueAndGradient<T>(
  n: u32, m: u32, k: u32, phi: usize, h: usize, out: usize, scale: f64, accumulate: bool,
  scratch: usize, compact: bool,
): T {
  poolBoth<T>(n, m, k, phi, h, scratch, compact);
  const u = scratch, v = scratch + slotBytes<T>(k);
  gradientRows<T>(n, k, h, v, scale, out, accumulate);
  gradientRows<T>(m, k, at<T>(h, n), u, scale, out + <usize>n * (<usize>k << alignof<T>()), accumulate);
  return innerProduct<T>(k, u, v);
}

/**
 * F, and out = dF/dh: <phi_r, v> for r in A, <phi_r, u> for r in B. The smaller group is pooled
 * first; the larger is then read once for both its pooled sum and its dots, and the smaller
 * is read again for its dots: 2 min(n, m) + max(n, m) rows read instead of 2 (n + m).
 */
// @ts-ignore: decorator
@inline export function gateGradient<T>(
  n: u32, m: u32, k: u32, phi: usize, h: usize, out: usize, scratch: usize, compact: bool,
): T {
  const u = scratch, v = scratch + slotBytes<T>(k), rest = scratch + 2 * slotBytes<T>(k);
  const phiB = phi + <usize>n * (<usize>k << alignof<T>());
  const hB = at<T>(h, n), outB = at<T>(out, n);
  if (n <= m) {
    pool<T>(n, k, phi, h, u, rest, compact);
    poolWithDots<T>(m, k, phiB, hB, v, rest, u, outB);
    rowDots<T>(n, k, phi, v, out);
  } else {
    pool<T>(m, k, phiB, hB, v, rest, compact);
    poolWithDots<T>(n, k, phi, h, u, rest, v, out);
    rowDots<T>(m, k, phiB, u, outB);
  }
  return innerProduct<T>(k, u, v);
}
