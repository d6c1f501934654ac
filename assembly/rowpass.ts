// One pass over one row (or two) of k elements, row-major: the rows' gated terms are added to
// the accumulators acc[0..k) (pooling), and/or the row's dot product with w is returned
// (dF/dh). Pooling out of cache and every dot go through here: the row is streamed once,
// front to back, and a row's dot has the same bits whichever kernel computed it.
//
// Order of a dot: vector j goes to partial sum j % 4, the partials are added as
// (d0 + d1) + (d2 + d3), then the lanes (laneSum), then the scalar tail in column order.

import { at, gateMask, laneSum, lanes, vectorColumns } from "./common";

/** A row's term: g * p, or p itself for a gate known to be 1 or 0; masked to 0 where g == 0. */
// @ts-ignore: decorator
@inline export function gatedTerm<T>(p: v128, g: v128, mask: v128, binary: bool): v128 {
  return v128.and(binary ? p : v128.mul<T>(p, g), mask);
}

/** acc[0..k) += gate * row (if pool and gate != 0); returns <row, w> + 0 if dots, else 0. */
// @ts-ignore: decorator
@inline export function rowPass<T>(
  k: u32, row: usize, gate: T, acc: usize, pool: bool, binary: bool, dots: bool, w: usize,
): T {
  const L = lanes<T>();
  const kv = vectorColumns<T>(k);
  let c: u32 = 0;
  let d: T = 0;
  if (ASC_FEATURE_SIMD) {
    const g = v128.splat<T>(gate);
    const m = gateMask<T>(g);
    let d0 = v128.splat<T>(0), d1 = d0, d2 = d0, d3 = d0;
    // 4 vectors a step
    for (; c + 4 * L <= kv; c += 4 * L) {
      const p = at<T>(row, c);
      const p0 = v128.load(p), p1 = v128.load(p, 16), p2 = v128.load(p, 32), p3 = v128.load(p, 48);
      if (pool) {
        const a = at<T>(acc, c);
        v128.store(a, v128.add<T>(v128.load(a), gatedTerm<T>(p0, g, m, binary)));
        v128.store(a, v128.add<T>(v128.load(a, 16), gatedTerm<T>(p1, g, m, binary)), 16);
        v128.store(a, v128.add<T>(v128.load(a, 32), gatedTerm<T>(p2, g, m, binary)), 32);
        v128.store(a, v128.add<T>(v128.load(a, 48), gatedTerm<T>(p3, g, m, binary)), 48);
      }
      if (dots) {
        const x = at<T>(w, c);
        d0 = v128.add<T>(d0, v128.mul<T>(p0, v128.load(x)));
        d1 = v128.add<T>(d1, v128.mul<T>(p1, v128.load(x, 16)));
        d2 = v128.add<T>(d2, v128.mul<T>(p2, v128.load(x, 32)));
        d3 = v128.add<T>(d3, v128.mul<T>(p3, v128.load(x, 48)));
      }
    }
    // single vectors
    for (; c < kv; c += L) {
      const p0 = v128.load(at<T>(row, c));
      if (pool) {
        const a = at<T>(acc, c);
        v128.store(a, v128.add<T>(v128.load(a), gatedTerm<T>(p0, g, m, binary)));
      }
      if (dots) d0 = v128.add<T>(d0, v128.mul<T>(p0, v128.load(at<T>(w, c))));
    }
    if (dots) d = laneSum<T>(v128.add<T>(v128.add<T>(d0, d1), v128.add<T>(d2, d3)));
  }
  // scalar tail
  for (; c < k; c++) {
    const x = load<T>(at<T>(row, c));
    if (pool && gate != 0) store<T>(at<T>(acc, c), load<T>(at<T>(acc, c)) + gate * x);
    if (dots) d += x * load<T>(at<T>(w, c));
  }
  return d + <T>0;
}

// The three uses of rowPass, by name (the flags are compile-time constants in each).

/** <row, w> + 0: a row's dot (dF/dh). */
// @ts-ignore: decorator
@inline export function rowDot<T>(k: u32, row: usize, w: usize): T {
  return rowPass<T>(k, row, 0, 0, false, false, true, w);
}

/** acc[0..k) += gate * row, unless the gate is 0 (binary: every gate is 0 or 1). */
// @ts-ignore: decorator
@inline export function rowAdd<T>(k: u32, row: usize, gate: T, acc: usize, binary: bool): void {
  rowPass<T>(k, row, gate, acc, true, binary, false, 0);
}

/** rowAdd, and the row's dot with w from the same read. */
// @ts-ignore: decorator
@inline export function rowAddAndDot<T>(k: u32, row: usize, gate: T, acc: usize, binary: bool, w: usize): T {
  return rowPass<T>(k, row, gate, acc, true, binary, true, w);
}

/** acc[0..k) = (acc + term(row0)) + term(row1): two rows a step, in row order. */
// @ts-ignore: decorator
@inline export function rowPairPass<T>(
  k: u32, row0: usize, row1: usize, gate0: T, gate1: T, acc: usize, binary: bool,
): void {
  const L = lanes<T>();
  const kv = vectorColumns<T>(k);
  let c: u32 = 0;
  if (ASC_FEATURE_SIMD) {
    const g0 = v128.splat<T>(gate0), g1 = v128.splat<T>(gate1);
    const m0 = gateMask<T>(g0), m1 = gateMask<T>(g1);
    // 4 vectors a step
    for (; c + 4 * L <= kv; c += 4 * L) {
      const a = at<T>(acc, c), p = at<T>(row0, c), q = at<T>(row1, c);
      v128.store(a, pairSum<T>(v128.load(a), v128.load(p), v128.load(q), g0, g1, m0, m1, binary));
      v128.store(a, pairSum<T>(v128.load(a, 16), v128.load(p, 16), v128.load(q, 16), g0, g1, m0, m1, binary), 16);
      v128.store(a, pairSum<T>(v128.load(a, 32), v128.load(p, 32), v128.load(q, 32), g0, g1, m0, m1, binary), 32);
      v128.store(a, pairSum<T>(v128.load(a, 48), v128.load(p, 48), v128.load(q, 48), g0, g1, m0, m1, binary), 48);
    }
    // single vectors
    for (; c < kv; c += L) {
      const a = at<T>(acc, c);
      const p = v128.load(at<T>(row0, c)), q = v128.load(at<T>(row1, c));
      v128.store(a, pairSum<T>(v128.load(a), p, q, g0, g1, m0, m1, binary));
    }
  }
  // scalar tail
  for (; c < k; c++) {
    let s = load<T>(at<T>(acc, c));
    if (gate0 != 0) s += gate0 * load<T>(at<T>(row0, c));
    if (gate1 != 0) s += gate1 * load<T>(at<T>(row1, c));
    store<T>(at<T>(acc, c), s);
  }
}

// @ts-ignore: decorator
@inline function pairSum<T>(a: v128, p: v128, q: v128, g0: v128, g1: v128, m0: v128, m1: v128, binary: bool): v128 {
  return v128.add<T>(v128.add<T>(a, gatedTerm<T>(p, g0, m0, binary)), gatedTerm<T>(q, g1, m1, binary));
}

// Dots of narrow rows (1 or 2 whole vectors, then a scalar tail), a group of rows at a time:
// each row's partial sums are those of rowPass, and the group's lane sums are taken together
// by a transpose, lane by lane in laneSum's order, so every dot keeps rowDot's bits.

/** Rows a narrow group holds: one per lane (4 f32 rows, 2 f64 rows). */
// @ts-ignore: decorator
@inline export function groupRows<T>(): u32 {
  return <u32>(16 / sizeof<T>());
}

/** A narrow row's vector before its lane sum: (d0 + d1) + (d2 + d3) of rowPass, W = 1 or 2 vectors. */
// @ts-ignore: decorator
@inline export function narrowPartial<T>(W: u32, p: usize, w0: v128, w1: v128): v128 {
  const zero = v128.splat<T>(0);
  let d0 = v128.add<T>(zero, v128.mul<T>(v128.load(p), w0));
  if (W > 1) d0 = v128.add<T>(d0, v128.mul<T>(v128.load(p, 16), w1));
  return v128.add<T>(v128.add<T>(d0, zero), v128.add<T>(zero, zero));
}

/** Lane r = laneSum(s_r), for the group's rows (s2, s3 unused for f64). */
// @ts-ignore: decorator
@inline export function groupLaneSums<T>(s0: v128, s1: v128, s2: v128, s3: v128): v128 {
  if (sizeof<T>() == 4) {
    const t0 = v128.shuffle<f32>(s0, s1, 0, 4, 1, 5), t1 = v128.shuffle<f32>(s2, s3, 0, 4, 1, 5);
    const t2 = v128.shuffle<f32>(s0, s1, 2, 6, 3, 7), t3 = v128.shuffle<f32>(s2, s3, 2, 6, 3, 7);
    const l0 = v128.shuffle<f32>(t0, t1, 0, 1, 4, 5), l1 = v128.shuffle<f32>(t0, t1, 2, 3, 6, 7);
    const l2 = v128.shuffle<f32>(t2, t3, 0, 1, 4, 5), l3 = v128.shuffle<f32>(t2, t3, 2, 3, 6, 7);
    return f32x4.add(f32x4.add(l0, l1), f32x4.add(l2, l3));
  } else {
    return f64x2.add(v128.shuffle<f64>(s0, s1, 0, 2), v128.shuffle<f64>(s0, s1, 1, 3));
  }
}

/**
 * The dots of a group's rows (row r at p + r * rowBytes) from their lane sums: the scalar tail
 * of each row added in column order, then + 0, into out[0..groupRows).
 */
// @ts-ignore: decorator
@inline export function storeGroupDots<T>(
  sums: v128, k: u32, kv: u32, p: usize, rowBytes: usize, w: usize, out: usize,
): void {
  if (kv == k) {
    v128.store(out, v128.add<T>(sums, v128.splat<T>(0)));
  } else if (sizeof<T>() == 4) {
    storeTailDot<T>(<T>f32x4.extract_lane(sums, 0), k, kv, p, w, out);
    storeTailDot<T>(<T>f32x4.extract_lane(sums, 1), k, kv, p + rowBytes, w, out + 4);
    storeTailDot<T>(<T>f32x4.extract_lane(sums, 2), k, kv, p + 2 * rowBytes, w, out + 8);
    storeTailDot<T>(<T>f32x4.extract_lane(sums, 3), k, kv, p + 3 * rowBytes, w, out + 12);
  } else {
    storeTailDot<T>(<T>f64x2.extract_lane(sums, 0), k, kv, p, w, out);
    storeTailDot<T>(<T>f64x2.extract_lane(sums, 1), k, kv, p + rowBytes, w, out + 8);
  }
}

/** out = d + the row's scalar tail (columns kv..k-1, in order), + 0. */
// @ts-ignore: decorator
@inline function storeTailDot<T>(d: T, k: u32, kv: u32, row: usize, w: usize, out: usize): void {
  for (let c = kv; c < k; c++) d += load<T>(at<T>(row, c)) * load<T>(at<T>(w, c));
  store<T>(out, d + <T>0);
}
