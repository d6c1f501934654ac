// dF/dphi for the rows of one group: row r gets scale * h_r * w, where w is the other group's
// pooled sum (SPEC §1). The gradient is rank one per group, so it never reads phi.
//
// Absent rows (gate exactly 0) get exact +0 when writing and are left untouched when
// accumulating, even if w holds NaN or Infinity (SPEC §2).

import { STRIP, at, gateMask, lanes, vectorColumns } from "./common";

/** out[r] (+)= scale * h_r * w for rows 0..rows-1 of k elements. */
export function gradientRows<T>(rows: u32, k: u32, h: usize, w: usize, scale: f64, out: usize, accumulate: bool): void {
  // one specialised loop per mode, so no mode test is left in the hot loop
  if (accumulate) gradientRowsWith<T>(rows, k, h, w, scale, out, true);
  else gradientRowsWith<T>(rows, k, h, w, scale, out, false);
}

// @ts-ignore: decorator
@inline function gradientRowsWith<T>(
  rows: u32, k: u32, h: usize, w: usize, scale: f64, out: usize, accumulate: bool,
): void {
  const rowBytes = <usize>k << alignof<T>();
  const L = lanes<T>();
  const kv = vectorColumns<T>(k);
  for (let r: usize = 0; r < rows; r++) {
    const gate = load<T>(at<T>(h, r));
    // an absent row is left as it is when accumulating: skip it entirely
    if (accumulate && gate == 0) continue;
    const coef = <T>(scale * <f64>gate);
    const row = out + r * rowBytes;
    let c: u32 = 0;
    if (ASC_FEATURE_SIMD) {
      const cv = v128.splat<T>(coef);
      const m = gateMask<T>(v128.splat<T>(gate));
      // strips of 8 vectors, then single vectors
      for (; c + STRIP * L <= kv; c += STRIP * L) {
        const o = <usize>c << alignof<T>();
        writeVector<T>(row + o, 0, w + o, cv, m, accumulate);
        writeVector<T>(row + o, 16, w + o, cv, m, accumulate);
        writeVector<T>(row + o, 32, w + o, cv, m, accumulate);
        writeVector<T>(row + o, 48, w + o, cv, m, accumulate);
        writeVector<T>(row + o, 64, w + o, cv, m, accumulate);
        writeVector<T>(row + o, 80, w + o, cv, m, accumulate);
        writeVector<T>(row + o, 96, w + o, cv, m, accumulate);
        writeVector<T>(row + o, 112, w + o, cv, m, accumulate);
      }
      for (; c < kv; c += L) {
        const o = <usize>c << alignof<T>();
        writeVector<T>(row + o, 0, w + o, cv, m, accumulate);
      }
    }
    // scalar tail
    for (; c < k; c++) {
      const value = gate != 0 ? coef * load<T>(at<T>(w, c)) : <T>0;
      const p = at<T>(row, c);
      store<T>(p, accumulate ? load<T>(p) + value : value);
    }
  }
}

/** One vector of a gradient row: coef * w, added (absent rows never get here) or stored masked to +0. */
// @ts-ignore: decorator
@inline function writeVector<T>(out: usize, offset: usize, w: usize, coef: v128, mask: v128, accumulate: bool): void {
  const g = v128.mul<T>(coef, v128.load(w + offset));
  if (accumulate) v128.store(out + offset, v128.add<T>(v128.load(out + offset), g));
  else v128.store(out + offset, v128.and(g, mask));
}
