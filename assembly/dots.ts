// Row dot products out[r] = <phi_r, w> (dF/dh_r, SPEC §1), for every row whatever its gate.
// The order of operations is the one pool() uses when it computes dots in its own pass
// (productTree per strip, strips in sequence, then the lanes, then the scalar tail), so a
// row's dot has the same bits whichever pass produced it.

import { STRIP, at, laneSum, lanes, negZero, vectorColumns } from "./common";
import { productTree } from "./pool";

/** out[r] = <phi_r, w> for rows 0..rows-1 of k elements; an exact -0 is returned as +0. */
export function rowDots<T>(rows: u32, k: u32, phi: usize, w: usize, out: usize): void {
  const rowBytes = <usize>k << alignof<T>();
  const L = lanes<T>();
  const kv = vectorColumns<T>(k);
  for (let r: usize = 0; r < rows; r++) {
    const row = phi + r * rowBytes;
    let c: u32 = 0;
    let d: T = -0.0;
    if (ASC_FEATURE_SIMD) {
      let acc = negZero<T>();
      // strips of 8 vectors, then at most one strip each of 4, 2 and 1 (as pool's blockSum)
      for (; c + STRIP * L <= kv; c += STRIP * L) acc = v128.add<T>(acc, stripProducts<T>(8, row, w, c));
      if (c + 4 * L <= kv) { acc = v128.add<T>(acc, stripProducts<T>(4, row, w, c)); c += 4 * L; }
      if (c + 2 * L <= kv) { acc = v128.add<T>(acc, stripProducts<T>(2, row, w, c)); c += 2 * L; }
      if (c + L <= kv) { acc = v128.add<T>(acc, stripProducts<T>(1, row, w, c)); c += L; }
      d = laneSum<T>(acc);
    }
    // scalar tail
    for (let j = c; j < k; j++) d += load<T>(at<T>(row, j)) * load<T>(at<T>(w, j));
    store<T>(at<T>(out, r), d + <T>0);
  }
}

// @ts-ignore: decorator
@inline function stripProducts<T>(W: u32, row: usize, w: usize, c: u32): v128 {
  const p = at<T>(row, c);
  const z = v128.splat<T>(<T>0);
  return productTree<T>(
    W, at<T>(w, c),
    v128.load(p),
    W > 1 ? v128.load(p, 16) : z,
    W > 2 ? v128.load(p, 32) : z,
    W > 2 ? v128.load(p, 48) : z,
    W > 4 ? v128.load(p, 64) : z,
    W > 4 ? v128.load(p, 80) : z,
    W > 4 ? v128.load(p, 96) : z,
    W > 4 ? v128.load(p, 112) : z,
  );
}
