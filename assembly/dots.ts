// Row dot products out[r] = <phi_r, w> (dF/dh_r, docs/design.md §1), for every row whatever its gate.
// rowPass gives the order of operations, the one pool() uses when it computes dots in its own
// pass, so a row's dot has the same bits whichever pass produced it.

import { at, lanes, vectorColumns } from "./common";
import { groupLaneSums, groupRows, narrowPartial, rowDot, storeGroupDots } from "./rowpass";

/** out[r] = <phi_r, w> for rows 0..rows-1 of k elements; an exact -0 is returned as +0. */
export function rowDots<T>(rows: u32, k: u32, phi: usize, w: usize, out: usize): void {
  const rowBytes = <usize>k << alignof<T>();
  const vectors = vectorColumns<T>(k) / lanes<T>();
  let r: u32 = 0;
  // narrow rows, a group at a time: their lane sums by one transpose
  if (ASC_FEATURE_SIMD && vectors == 1) r = narrowDots<T>(1, rows, k, phi, w, out);
  else if (ASC_FEATURE_SIMD && vectors == 2) r = narrowDots<T>(2, rows, k, phi, w, out);
  // rows of whole 4-vector steps, a group at a time too
  else if (ASC_FEATURE_SIMD && vectors > 2 && vectors % 4 == 0 && vectorColumns<T>(k) == k) {
    r = stepDots<T>(rows, k, phi, w, out);
  }
  // one row at a time
  for (; r < rows; r++) store<T>(at<T>(out, r), rowDot<T>(k, phi + <usize>r * rowBytes, w));
}

/** The dots of whole groups of rows of W = 1 or 2 vectors; returns how many rows it did. */
// @ts-ignore: decorator
@inline function narrowDots<T>(W: u32, rows: u32, k: u32, phi: usize, w: usize, out: usize): u32 {
  const rowBytes = <usize>k << alignof<T>();
  const G = groupRows<T>();
  const w0 = v128.load(w), w1 = W > 1 ? v128.load(w, 16) : w0;
  let r: u32 = 0;
  for (; r + G <= rows; r += G) {
    const p = phi + <usize>r * rowBytes;
    const s0 = narrowPartial<T>(W, p, w0, w1), s1 = narrowPartial<T>(W, p + rowBytes, w0, w1);
    const s2 = G > 2 ? narrowPartial<T>(W, p + 2 * rowBytes, w0, w1) : s0;
    const s3 = G > 2 ? narrowPartial<T>(W, p + 3 * rowBytes, w0, w1) : s0;
    storeGroupDots<T>(groupLaneSums<T>(s0, s1, s2, s3), k, vectorColumns<T>(k), p, rowBytes, w, at<T>(out, r));
  }
  return r;
}

/**
 * The dots of whole groups of rows of whole 4-vector steps (k = 16, 32, 64, ... in f32; 8, 16,
 * ... in f64): one row's partial sums end in a short add chain and a lane sum that row by row
 * wait on one another; a group's (4 rows f32, 2 f64) overlap, and their lane sums take one
 * transpose. rowPass's order, with neither a single vector nor a scalar tail. A function of its
 * own: inlined beside the other paths, V8 spilled its accumulators. Returns how many rows it did.
 */
function stepDots<T>(rows: u32, k: u32, phi: usize, w: usize, out: usize): u32 {
  const rowBytes = <usize>k << alignof<T>();
  const G = groupRows<T>();
  let r: u32 = 0;
  for (; r + G <= rows; r += G) {
    const p = phi + <usize>r * rowBytes;
    const s0 = stepPartial<T>(p, rowBytes, w), s1 = stepPartial<T>(p + rowBytes, rowBytes, w);
    const s2 = G > 2 ? stepPartial<T>(p + 2 * rowBytes, rowBytes, w) : s0;
    const s3 = G > 2 ? stepPartial<T>(p + 3 * rowBytes, rowBytes, w) : s0;
    v128.store(at<T>(out, r), v128.add<T>(groupLaneSums<T>(s0, s1, s2, s3), v128.splat<T>(0)));
  }
  return r;
}

/** (d0 + d1) + (d2 + d3) of rowPass for a row of whole 4-vector steps: its dot before the lane sum. */
// @ts-ignore: decorator
@inline function stepPartial<T>(row: usize, rowBytes: usize, w: usize): v128 {
  let d0 = v128.splat<T>(0), d1 = d0, d2 = d0, d3 = d0;
  for (let c: usize = 0; c < rowBytes; c += 64) {
    const p = row + c, x = w + c;
    d0 = v128.add<T>(d0, v128.mul<T>(v128.load(p), v128.load(x)));
    d1 = v128.add<T>(d1, v128.mul<T>(v128.load(p, 16), v128.load(x, 16)));
    d2 = v128.add<T>(d2, v128.mul<T>(v128.load(p, 32), v128.load(x, 32)));
    d3 = v128.add<T>(d3, v128.mul<T>(v128.load(p, 48), v128.load(x, 48)));
  }
  return v128.add<T>(v128.add<T>(d0, d1), v128.add<T>(d2, d3));
}
