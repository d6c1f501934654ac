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
