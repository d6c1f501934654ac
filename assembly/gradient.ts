// dF/dphi for the rows of one group: row r gets scale * h_r * w, where w is the other group's
// pooled sum (SPEC §1). The gradient is rank one per group, so it never reads phi.
//
// Absent rows (gate exactly 0) get exact +0 when writing and are left untouched when
// accumulating, even if w holds NaN or Infinity (SPEC §2). In blocks whose gates are all 0 or
// 1 a row is scale * w (precomputed once) or zeros: no multiply per element. Both loops give
// the same bits, since coef = scale * 1 rounds to the same T as the precomputed factor.

import { ALL_BINARY, BLOCK_ROWS, at, gateMask, lanes, scanGates, vectorColumns } from "./common";

/** out[r] (+)= scale * h_r * w for rows 0..rows-1 of k elements; sw is k padded elements of scratch. */
export function gradientRows<T>(
  rows: u32, k: u32, h: usize, w: usize, scale: f64, out: usize, accumulate: bool, sw: usize,
): void {
  // sw = scale * w: the row of every gate 1
  const s = <T>scale;
  for (let c: u32 = 0; c < k; c++) store<T>(at<T>(sw, c), s * load<T>(at<T>(w, c)));
  const rowBytes = <usize>k << alignof<T>();
  for (let start: u32 = 0; start < rows; start += BLOCK_ROWS) {
    const count = min(BLOCK_ROWS, rows - start);
    const hb = at<T>(h, start), ob = out + <usize>start * rowBytes;
    const binary = (scanGates<T>(hb, count) & ALL_BINARY) != 0;
    // one specialised loop per case, so no case test is left in the hot loop
    if (accumulate) {
      if (binary) blockRows<T>(count, k, hb, w, sw, scale, ob, true, true);
      else blockRows<T>(count, k, hb, w, sw, scale, ob, true, false);
    } else {
      if (binary) blockRows<T>(count, k, hb, w, sw, scale, ob, false, true);
      else blockRows<T>(count, k, hb, w, sw, scale, ob, false, false);
    }
  }
}

// @ts-ignore: decorator
@inline function blockRows<T>(
  count: u32, k: u32, h: usize, w: usize, sw: usize, scale: f64, out: usize, accumulate: bool, binary: bool,
): void {
  const rowBytes = <usize>k << alignof<T>();
  const L = lanes<T>();
  const kv = vectorColumns<T>(k);
  for (let r: u32 = 0; r < count; r++) {
    const gate = load<T>(at<T>(h, r));
    // an absent row is left as it is when accumulating
    if (accumulate && gate == 0) continue;
    // binary: the row is sw (or zeros); otherwise coef * w
    const coef = <T>(scale * <f64>gate);
    const from = binary ? sw : w;
    const row = out + <usize>r * rowBytes;
    let c: u32 = 0;
    if (ASC_FEATURE_SIMD) {
      const cv = v128.splat<T>(coef);
      const m = gateMask<T>(v128.splat<T>(gate));
      // 4 vectors a step
      for (; c + 4 * L <= kv; c += 4 * L) {
        const o = <usize>c << alignof<T>();
        rowVector<T>(row + o, from + o, 0, cv, m, accumulate, binary);
        rowVector<T>(row + o, from + o, 16, cv, m, accumulate, binary);
        rowVector<T>(row + o, from + o, 32, cv, m, accumulate, binary);
        rowVector<T>(row + o, from + o, 48, cv, m, accumulate, binary);
      }
      // single vectors
      for (; c < kv; c += L) {
        const o = <usize>c << alignof<T>();
        rowVector<T>(row + o, from + o, 0, cv, m, accumulate, binary);
      }
    }
    // scalar tail
    for (; c < k; c++) {
      const value = gate == 0 ? <T>0 : binary ? load<T>(at<T>(sw, c)) : coef * load<T>(at<T>(w, c));
      const p = at<T>(row, c);
      store<T>(p, accumulate ? load<T>(p) + value : value);
    }
  }
}

/** One vector of a gradient row: sw, or coef * w; added, or stored masked to +0 where the gate is 0. */
// @ts-ignore: decorator
@inline function rowVector<T>(
  out: usize, from: usize, offset: usize, coef: v128, mask: v128, accumulate: bool, binary: bool,
): void {
  const x = v128.load(from + offset);
  const g = binary ? x : v128.mul<T>(coef, x);
  if (accumulate) v128.store(out + offset, v128.add<T>(v128.load(out + offset), g));
  else v128.store(out + offset, v128.and(g, mask));
}
