// F(h; phi) = <u, v> and its gradients for the whole (n + m) x k matrix: the entry points'
// logic, generic over f32 / f64. Group A is rows 0..n-1, group B rows n..n+m-1 (docs/design.md §1).
//
// Scratch layout (bytes from `scratch`): u | v | a scaled pooled sum for the gradient rows (T,
// and 16 bytes: gradient.ts, rowScratchBytes) | u64 | v64 (u and v in float64, before
// rounding) | pool()'s scratch for max(n, m) rows.
//
// `plan` (the dense kernels' last argument) names the loop variants to run (PLAN_* in
// common.ts, chosen by the host's planner): every combination gives the same bits.

import { PLAN_COMPACT, PLAN_FUSED, at, blocksOf, paddedColumns, paddedColumnsOf } from "./common";
import { pool, poolPass, poolScratchBytes, poolWithDots, treeAt } from "./pool";
import { gradientRows, scaledRow } from "./gradient";
import { foldTree, treeNodes } from "./tree";
import { rowDots } from "./dots";
import { dotsListed, gradientListed, poolListed } from "./sparse";

/** Bytes of a k-element slot of T, padded to whole vectors, of width W (common.ts). */
// @ts-ignore: decorator
@inline function slotBytes<T, W>(k: u32): W {
  return paddedColumnsOf<T, W>(k) << alignof<T>();
}

/** Where pool()'s scratch starts: after u, v, the scaled sum (T, and 16 bytes) and u64, v64 (float64). */
// @ts-ignore: decorator
@inline function restOffset<T, W>(k: u32): W {
  return 3 * slotBytes<T, W>(k) + 16 + (paddedColumnsOf<T, W>(k) << 4);
}

// Where everything lives in the scratch of a call with k columns (see the layout above).
// @ts-ignore: decorator
@inline export function vAt<T>(scratch: usize, k: u32): usize { return scratch + slotBytes<T, usize>(k); }
// @ts-ignore: decorator
@inline export function scaledAt<T>(scratch: usize, k: u32): usize { return scratch + 2 * slotBytes<T, usize>(k); }
// @ts-ignore: decorator
@inline export function u64At<T>(scratch: usize, k: u32): usize { return scratch + 3 * slotBytes<T, usize>(k) + 16; }
// @ts-ignore: decorator
@inline export function v64At<T>(scratch: usize, k: u32): usize {
  return u64At<T>(scratch, k) + (<usize>paddedColumns<T>(k) << 3);
}
// @ts-ignore: decorator
@inline export function restAt<T>(scratch: usize, k: u32): usize { return scratch + restOffset<T, usize>(k); }

/** Bytes of scratch every entry point needs for this shape, in 64 bits (the host checks they fit). */
// @ts-ignore: decorator
@inline export function scratchBytes<T>(n: u32, m: u32, k: u32): u64 {
  return restOffset<T, u64>(k) + poolScratchBytes<T>(max(n, m), k);
}

/** u, v (and their float64 values) into the scratch. */
// @ts-ignore: decorator
@inline export function poolBoth<T>(n: u32, m: u32, k: u32, phi: usize, h: usize, scratch: usize, plan: u32): void {
  const rest = restAt<T>(scratch, k);
  pool<T>(n, k, phi, h, scratch, u64At<T>(scratch, k), rest, plan);
  const phiB = phi + <usize>n * (<usize>k << alignof<T>());
  pool<T>(m, k, phiB, at<T>(h, n), vAt<T>(scratch, k), v64At<T>(scratch, k), rest, plan);
}

/** F = <u, v> from the float64 pooled sums in the scratch. */
// @ts-ignore: decorator
@inline export function innerProduct<T>(k: u32, scratch: usize): T {
  return dot64<T>(k, u64At<T>(scratch, k), v64At<T>(scratch, k));
}

/**
 * <u64, v64> of float64 pooled sums, before their rounding to T: four interleaved sums,
 * combined pairwise, then one rounding to T.
 */
// @ts-ignore: decorator
@inline export function dot64<T>(k: u32, u64: usize, v64: usize): T {
  let s0: f64 = 0, s1: f64 = 0, s2: f64 = 0, s3: f64 = 0;
  let l: u32 = 0;
  for (; l + 4 <= k; l += 4) {
    s0 += load<f64>(at<f64>(u64, l)) * load<f64>(at<f64>(v64, l));
    s1 += load<f64>(at<f64>(u64, l + 1)) * load<f64>(at<f64>(v64, l + 1));
    s2 += load<f64>(at<f64>(u64, l + 2)) * load<f64>(at<f64>(v64, l + 2));
    s3 += load<f64>(at<f64>(u64, l + 3)) * load<f64>(at<f64>(v64, l + 3));
  }
  for (; l < k; l++) s0 += load<f64>(at<f64>(u64, l)) * load<f64>(at<f64>(v64, l));
  return <T>((s0 + s1) + (s2 + s3));
}

/** The pooled sums u (group A) and v (group B) into uOut and vOut, k elements each. */
// @ts-ignore: decorator
@inline export function pooled<T>(
  n: u32, m: u32, k: u32, phi: usize, h: usize, uOut: usize, vOut: usize, scratch: usize, plan: u32,
): void {
  poolBoth<T>(n, m, k, phi, h, scratch, plan);
  memory.copy(uOut, scratch, <usize>k << alignof<T>());
  memory.copy(vOut, vAt<T>(scratch, k), <usize>k << alignof<T>());
}

/** F. */
// @ts-ignore: decorator
@inline export function value<T>(n: u32, m: u32, k: u32, phi: usize, h: usize, scratch: usize, plan: u32): T {
  poolBoth<T>(n, m, k, phi, h, scratch, plan);
  return innerProduct<T>(k, scratch);
}

/**
 * F, and out (+)= scale * dF/dphi: rows of A get h_r v, rows of B get h_r u; phi is read once.
 * A is pooled first; then, under PLAN_FUSED (unless accumulating), B is read and its gradient
 * rows written in one pass, like a copy (u is known by then), and A's rows are written last;
 * otherwise B is pooled, then both groups' rows are written.
 */
// @ts-ignore: decorator
@inline export function valueAndGradient<T>(
  n: u32, m: u32, k: u32, phi: usize, h: usize, out: usize, scale: f64, accumulate: bool,
  scratch: usize, plan: u32,
): T {
  const rest = restAt<T>(scratch, k), scaled = scaledAt<T>(scratch, k);
  const rowBytes = <usize>k << alignof<T>();
  const phiB = phi + <usize>n * rowBytes, hB = at<T>(h, n), outB = out + <usize>n * rowBytes;
  pool<T>(n, k, phi, h, scratch, u64At<T>(scratch, k), rest, plan);
  if ((plan & PLAN_FUSED) != 0 && !accumulate) {
    scaledRow<T>(k, scratch, scale, scaled);
    const nodes = <usize>treeNodes(m);
    const top = poolPass<T>(m, k, phiB, hB, 0, nodes, rest, plan, outB, scratch, scaled, scale);
    foldTree<T>(k, treeAt<T>(rest, k), nodes, top, blocksOf(m), vAt<T>(scratch, k), v64At<T>(scratch, k));
  } else {
    pool<T>(m, k, phiB, hB, vAt<T>(scratch, k), v64At<T>(scratch, k), rest, plan);
    gradientRows<T>(m, k, hB, scratch, scale, outB, accumulate, scaled, plan);
  }
  gradientRows<T>(n, k, h, vAt<T>(scratch, k), scale, out, accumulate, scaled, plan);
  return innerProduct<T>(k, scratch);
}

/**
 * F, and out = dF/dh: <phi_r, v> for r in A, <phi_r, u> for r in B. Streaming, the smaller
 * group is pooled first; the larger is then read once for both its pooled sum and its dots,
 * and the smaller is read again for its dots: 2 min(n, m) + max(n, m) rows read instead of
 * 2 (n + m). Compacted (PLAN_COMPACT), a pooling pass skips the inactive rows a dot needs, so
 * both groups are pooled first and the dots take a pass of their own (docs/design.md §6).
 */
// @ts-ignore: decorator
@inline export function gateGradient<T>(
  n: u32, m: u32, k: u32, phi: usize, h: usize, out: usize, scratch: usize, plan: u32,
): T {
  const u = scratch, v = vAt<T>(scratch, k), u64 = u64At<T>(scratch, k), v64 = v64At<T>(scratch, k);
  const rest = restAt<T>(scratch, k);
  const phiB = phi + <usize>n * (<usize>k << alignof<T>());
  const hB = at<T>(h, n), outB = at<T>(out, n);
  if (plan & PLAN_COMPACT) {
    pool<T>(n, k, phi, h, u, u64, rest, plan);
    pool<T>(m, k, phiB, hB, v, v64, rest, plan);
    rowDots<T>(n, k, phi, v, out);
    rowDots<T>(m, k, phiB, u, outB);
  } else if (n <= m) {
    pool<T>(n, k, phi, h, u, u64, rest, plan);
    poolWithDots<T>(m, k, phiB, hB, v, v64, rest, u, outB);
    rowDots<T>(n, k, phi, v, out);
  } else {
    pool<T>(m, k, phiB, hB, v, v64, rest, plan);
    poolWithDots<T>(n, k, phi, h, u, u64, rest, v, out);
    rowDots<T>(m, k, phiB, u, outB);
  }
  return innerProduct<T>(k, scratch);
}

// Sparse gates: `count` listed rows (global indices, strictly increasing), weights or 0, and
// `split`, the number of listed rows in group A (index < n).

/** u, v (and their float64 values) of the listed rows into the scratch. */
// @ts-ignore: decorator
@inline export function poolListedBoth<T>(
  n: u32, m: u32, k: u32, phi: usize, count: u32, index: usize, weight: usize, split: u32, scratch: usize,
): void {
  const rest = restAt<T>(scratch, k);
  poolListed<T>(split, k, phi, index, weight, 0, n, scratch, u64At<T>(scratch, k), rest);
  const weightB = weight == 0 ? <usize>0 : at<T>(weight, split);
  const indexB = index + (<usize>split << 2);
  poolListed<T>(count - split, k, phi, indexB, weightB, n, m, vAt<T>(scratch, k), v64At<T>(scratch, k), rest);
}

/** F of sparse gates. */
// @ts-ignore: decorator
@inline export function sparseValue<T>(
  n: u32, m: u32, k: u32, phi: usize, count: u32, index: usize, weight: usize, split: u32, scratch: usize,
): T {
  poolListedBoth<T>(n, m, k, phi, count, index, weight, split, scratch);
  return innerProduct<T>(k, scratch);
}

/** u and v of sparse gates into uOut and vOut. */
// @ts-ignore: decorator
@inline export function sparsePooled<T>(
  n: u32, m: u32, k: u32, phi: usize, count: u32, index: usize, weight: usize, split: u32,
  uOut: usize, vOut: usize, scratch: usize,
): void {
  poolListedBoth<T>(n, m, k, phi, count, index, weight, split, scratch);
  memory.copy(uOut, scratch, <usize>k << alignof<T>());
  memory.copy(vOut, vAt<T>(scratch, k), <usize>k << alignof<T>());
}

/**
 * F and scale * dF/dphi of sparse gates: the listed rows' gradient rows into out, at their
 * own rows (dense: out is (n + m) x k, and without accumulate every other row is zeroed) or
 * in list order (out is count x k).
 */
// @ts-ignore: decorator
@inline export function sparseValueAndGradient<T>(
  n: u32, m: u32, k: u32, phi: usize, count: u32, index: usize, weight: usize, split: u32,
  out: usize, scale: f64, accumulate: bool, dense: bool, scratch: usize,
): T {
  poolListedBoth<T>(n, m, k, phi, count, index, weight, split, scratch);
  const rowBytes = <usize>k << alignof<T>();
  if (dense && !accumulate) memory.fill(out, 0, <usize>(n + m) * rowBytes);
  const scaledW = scaledAt<T>(scratch, k);
  const weightB = weight == 0 ? <usize>0 : at<T>(weight, split);
  const outB = dense ? out : out + <usize>split * rowBytes;
  gradientListed<T>(split, k, index, weight, vAt<T>(scratch, k), scale, out, accumulate, dense, scaledW);
  const indexB = index + (<usize>split << 2);
  gradientListed<T>(count - split, k, indexB, weightB, scratch, scale, outB, accumulate, dense, scaledW);
  return innerProduct<T>(k, scratch);
}

/** F, and dF/dh at the listed rows (in list order) into out. */
// @ts-ignore: decorator
@inline export function sparseGateGradient<T>(
  n: u32, m: u32, k: u32, phi: usize, count: u32, index: usize, weight: usize, split: u32, out: usize, scratch: usize,
): T {
  poolListedBoth<T>(n, m, k, phi, count, index, weight, split, scratch);
  dotsListed<T>(split, k, phi, index, vAt<T>(scratch, k), out);
  dotsListed<T>(count - split, k, phi, index + (<usize>split << 2), scratch, at<T>(out, split));
  return innerProduct<T>(k, scratch);
}
