// Row dot products out[r] = <phi_r, w> (dF/dh_r, docs/design.md §1), for every row whatever its gate.
// rowPass gives the order of operations, the one pool() uses when it computes dots in its own
// pass, so a row's dot has the same bits whichever pass produced it.

import { at } from "./common";
import { rowDot } from "./rowpass";

/** out[r] = <phi_r, w> for rows 0..rows-1 of k elements; an exact -0 is returned as +0. */
export function rowDots<T>(rows: u32, k: u32, phi: usize, w: usize, out: usize): void {
  const rowBytes = <usize>k << alignof<T>();
  for (let r: usize = 0; r < rows; r++) store<T>(at<T>(out, r), rowDot<T>(k, phi + r * rowBytes, w));
}
