// dF/dphi for the rows of one group: row r gets scale * h_r * w, where w is the other group's
// pooled sum (docs/design.md §1). The gradient is rank one per group, so it never reads phi.
//
// Absent rows (gate exactly 0) get exact +0 when writing and are left untouched when
// accumulating, even if w holds NaN or Infinity (docs/design.md §2). In blocks whose gates are all 0 or
// 1 a row is scale * w (precomputed once) or zeros: no multiply per element. Both loops give
// the same bits, since coef = scale * 1 rounds to the same T as the precomputed factor.

import {
  ALL_BINARY, BLOCK_ROWS, PAIR_MAX_ROW_BYTES, PLAN_FILL_FIRST, PLAN_TOUCH_AHEAD, at, gateMask, lanes,
  paddedColumnsOf, scanGates, vectorColumns,
} from "./common";

/**
 * Bytes of the scratch gradientRows needs, in 64 bits: scaled w (k elements, padded to whole
 * vectors), then 16 bytes for PLAN_TOUCH_AHEAD's sink.
 */
export function rowScratchBytes<T>(k: u32): u64 {
  return (paddedColumnsOf<T, u64>(k) << alignof<T>()) + 16;
}


/**
 * out[r] (+)= scale * h_r * w for rows 0..rows-1 of k elements; scaledW, k padded elements of
 * scratch, gets scale * w. plan: PLAN_FILL_FIRST or not (common.ts), the same bits either way.
 */
export function gradientRows<T>(
  rows: u32, k: u32, h: usize, w: usize, scale: f64, out: usize, accumulate: bool, scaledW: usize, plan: u32,
): void {
  scaledRow<T>(k, w, scale, scaledW);
  gradientBlocks<T>(rows, k, h, w, scale, out, accumulate, scaledW, plan);
}

/** gradientRows once scaledW holds scale * w: rows in blocks of BLOCK_ROWS. */
export function gradientBlocks<T>(
  rows: u32, k: u32, h: usize, w: usize, scale: f64, out: usize, accumulate: bool, scaledW: usize, plan: u32,
): void {
  const rowBytes = <usize>k << alignof<T>();
  const fillFirst = (plan & PLAN_FILL_FIRST) != 0;
  const touch = !accumulate && (plan & PLAN_TOUCH_AHEAD) != 0;
  const end = out + <usize>rows * rowBytes;
  let sink: i32 = 0;
  if (touch) sink = touchLines(out, min(end, out + <usize>BLOCK_ROWS * rowBytes), sink);
  for (let start: u32 = 0; start < rows; start += BLOCK_ROWS) {
    const count = min(BLOCK_ROWS, rows - start);
    const hb = at<T>(h, start), ob = out + <usize>start * rowBytes;
    // the next block's lines, read ahead so that its stores find them in cache
    const next = ob + <usize>count * rowBytes;
    if (touch) sink = touchLines(next, min(end, next + <usize>BLOCK_ROWS * rowBytes), sink);
    const binary = (scanGates<T>(hb, count) & ALL_BINARY) != 0;
    // one specialised loop per case, each in a function of its own, so no case test is left in
    // the hot loop (inlined side by side, the optimizer folded them into one loop that
    // multiplies and selects in every step)
    if (accumulate) {
      if (binary) addBinaryRows<T>(count, k, hb, scaledW, ob);
      else addRows<T>(count, k, hb, w, scale, ob);
    } else if (binary && fillFirst) {
      // zeros by memory.fill (the engine's bulk stores), then the rows of gate 1
      memory.fill(ob, 0, <usize>count * rowBytes);
      activeRows<T>(count, k, hb, scaledW, ob);
    } else {
      if (binary && rowBytes <= PAIR_MAX_ROW_BYTES) binaryRowPairs<T>(count, k, hb, scaledW, ob);
      else if (binary) writeBinaryRows<T>(count, k, hb, scaledW, ob);
      else writeRows<T>(count, k, hb, w, scale, ob);
    }
  }
  if (touch) keepSink<T>(k, scaledW, sink);
}

/** Keeps a prefetch's words (so that no compiler drops the reads) after scaledW, where nobody reads them. */
// @ts-ignore: decorator
@inline function keepSink<T>(k: u32, scaledW: usize, sink: i32): void {
  store<i32>(scaledW + (paddedColumnsOf<T, usize>(k) << alignof<T>()), sink);
}

/** Reads a word of every 64-byte line of [from, to) (OR-ed into sink, which the caller keeps): a prefetch. */
// @ts-ignore: decorator
@inline function touchLines(from: usize, to: usize, sink: i32): i32 {
  for (let p = from; p < to; p += 64) sink |= load<i32>(p);
  return sink;
}

/** The rows of gate 1 (the others are zero already) get scaledW. */
// @ts-ignore: decorator
@inline function activeRows<T>(count: u32, k: u32, h: usize, scaledW: usize, out: usize): void {
  const rowBytes = <usize>k << alignof<T>();
  const L = lanes<T>();
  const kv = vectorColumns<T>(k);
  for (let r: u32 = 0; r < count; r++) {
    if (load<T>(at<T>(h, r)) == 0) continue;
    const row = out + <usize>r * rowBytes;
    let c: u32 = 0;
    if (ASC_FEATURE_SIMD) {
      // 4 vectors a step
      for (; c + 4 * L <= kv; c += 4 * L) {
        const o = <usize>c << alignof<T>();
        v128.store(row + o, v128.load(scaledW + o));
        v128.store(row + o, v128.load(scaledW + o, 16), 16);
        v128.store(row + o, v128.load(scaledW + o, 32), 32);
        v128.store(row + o, v128.load(scaledW + o, 48), 48);
      }
      // single vectors
      for (; c < kv; c += L) {
        const o = <usize>c << alignof<T>();
        v128.store(row + o, v128.load(scaledW + o));
      }
    }
    // scalar tail
    for (; c < k; c++) store<T>(at<T>(row, c), load<T>(at<T>(scaledW, c)));
  }
}

function addBinaryRows<T>(count: u32, k: u32, h: usize, scaledW: usize, out: usize): void {
  blockRows<T>(count, k, h, 0, scaledW, 0, out, true, true);
}
function addRows<T>(count: u32, k: u32, h: usize, w: usize, scale: f64, out: usize): void {
  blockRows<T>(count, k, h, w, 0, scale, out, true, false);
}
function writeBinaryRows<T>(count: u32, k: u32, h: usize, scaledW: usize, out: usize): void {
  blockRows<T>(count, k, h, 0, scaledW, 0, out, false, true);
}
function writeRows<T>(count: u32, k: u32, h: usize, w: usize, scale: f64, out: usize): void {
  blockRows<T>(count, k, h, w, 0, scale, out, false, false);
}

// @ts-ignore: decorator
@inline function blockRows<T>(
  count: u32, k: u32, h: usize, w: usize, scaledW: usize, scale: f64, out: usize, accumulate: bool, binary: bool,
): void {
  const rowBytes = <usize>k << alignof<T>();
  for (let r: u32 = 0; r < count; r++) {
    gradientRow<T>(k, out + <usize>r * rowBytes, load<T>(at<T>(h, r)), scale, w, scaledW, accumulate, binary);
  }
}

/**
 * One gradient row: row (+)= scale * gate * w. binary: the gate is 0 or 1, so the row is
 * scaledW = scale * w or zeros. Absent rows are zeroed (writing) or left alone (accumulating).
 */
// @ts-ignore: decorator
@inline export function gradientRow<T>(
  k: u32, row: usize, gate: T, scale: f64, w: usize, scaledW: usize, accumulate: bool, binary: bool,
): void {
  // an absent row is left as it is when accumulating
  if (accumulate && gate == 0) return;
  const L = lanes<T>();
  const kv = vectorColumns<T>(k);
  const coef = <T>(scale * <f64>gate);
  const from = binary ? scaledW : w;
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
    const value = gate == 0 ? <T>0 : binary ? load<T>(at<T>(scaledW, c)) : coef * load<T>(at<T>(w, c));
    const p = at<T>(row, c);
    store<T>(p, accumulate ? load<T>(p) + value : value);
  }
}

/** scaledW[0..k) = T(scale) * w: the gradient row of every gate 1 (a vector at a time: the same products). */
// @ts-ignore: decorator
@inline export function scaledRow<T>(k: u32, w: usize, scale: f64, scaledW: usize): void {
  const s = <T>scale;
  let c: u32 = 0;
  if (ASC_FEATURE_SIMD) {
    const sv = v128.splat<T>(s);
    for (const kv = vectorColumns<T>(k); c < kv; c += lanes<T>()) {
      const o = <usize>c << alignof<T>();
      v128.store(scaledW + o, v128.mul<T>(sv, v128.load(w + o)));
    }
  }
  for (; c < k; c++) store<T>(at<T>(scaledW, c), s * load<T>(at<T>(w, c)));
}

/**
 * Writing rows whose gates are all 0 or 1: each row is scaledW masked by its gate, two rows a step
 * so that each vector of scaledW is loaded once for both (the hot loop of binary training data).
 * Only for rows of up to PAIR_MAX_ROW_BYTES: on wider rows two streams a row apart measured
 * slower than one (bench/kernels.mjs, k = 256).
 */
// @ts-ignore: decorator
@inline function binaryRowPairs<T>(count: u32, k: u32, h: usize, scaledW: usize, out: usize): void {
  const rowBytes = <usize>k << alignof<T>();
  const L = lanes<T>();
  const kv = vectorColumns<T>(k);
  let r: u32 = 0;
  if (ASC_FEATURE_SIMD) {
    // two rows a step, whole vectors
    for (; r + 2 <= count; r += 2) {
      const m0 = gateMask<T>(v128.load_splat<T>(at<T>(h, r))), m1 = gateMask<T>(v128.load_splat<T>(at<T>(h, r + 1)));
      const row0 = out + <usize>r * rowBytes, row1 = row0 + rowBytes;
      let o: usize = 0;
      const end = <usize>kv << alignof<T>();
      // 4 vectors a step
      for (; o + 64 <= end; o += 64) {
        const x0 = v128.load(scaledW + o), x1 = v128.load(scaledW + o, 16);
        const x2 = v128.load(scaledW + o, 32), x3 = v128.load(scaledW + o, 48);
        v128.store(row0 + o, v128.and(x0, m0)); v128.store(row0 + o, v128.and(x1, m0), 16);
        v128.store(row0 + o, v128.and(x2, m0), 32); v128.store(row0 + o, v128.and(x3, m0), 48);
        v128.store(row1 + o, v128.and(x0, m1)); v128.store(row1 + o, v128.and(x1, m1), 16);
        v128.store(row1 + o, v128.and(x2, m1), 32); v128.store(row1 + o, v128.and(x3, m1), 48);
      }
      // single vectors
      for (; o < end; o += 16) {
        const x = v128.load(scaledW + o);
        v128.store(row0 + o, v128.and(x, m0));
        v128.store(row1 + o, v128.and(x, m1));
      }
      // scalar tail of both rows
      for (let c = kv; c < k; c++) {
        const x = load<T>(at<T>(scaledW, c));
        store<T>(at<T>(row0, c), load<T>(at<T>(h, r)) != 0 ? x : 0);
        store<T>(at<T>(row1, c), load<T>(at<T>(h, r + 1)) != 0 ? x : 0);
      }
    }
  }
  // the odd row (every row in the scalar build)
  for (; r < count; r++) {
    const on = load<T>(at<T>(h, r)) != 0;
    const row = out + <usize>r * rowBytes;
    for (let c: u32 = 0; c < k; c++) store<T>(at<T>(row, c), on ? load<T>(at<T>(scaledW, c)) : 0);
  }
}

/** One vector of a gradient row: scaledW, or coef * w; added, or stored masked to +0 where the gate is 0. */
// @ts-ignore: decorator
@inline function rowVector<T>(
  out: usize, from: usize, offset: usize, coef: v128, mask: v128, accumulate: bool, binary: bool,
): void {
  const x = v128.load(from + offset);
  const g = binary ? x : v128.mul<T>(coef, x);
  if (accumulate) v128.store(out + offset, v128.add<T>(v128.load(out + offset), g));
  else v128.store(out + offset, v128.and(g, mask));
}
