// Gated pooled sums: out = sum_r h_r phi_r over the rows of one group (SPEC §1).
//
// Accuracy (SPEC §5) and determinism (SPEC §2): rows are summed in T in fixed blocks of
// BLOCK_ROWS, sequentially per column inside a block (the SIMD hot loop), and the block sums
// are combined in float64 in a fixed pairwise tree: a stack of nodes, where a node covering
// blocks [s, s + 2^level) merges with its left sibling as soon as both exist. The tree costs
// O(k) per block, about 2% of the work, and leaves the f32 result within about one rounding
// of the exact sum. Each block has its fixed aligned place in the tree, so every bit of the
// result depends only on the row count.
//
// A row whose gate is exactly 0 adds nothing: its term is masked to zero (never 0 * phi, so
// NaN in an absent row cannot leak in). Inside a block every column is summed in row order
// whichever loop runs: compacted (the active rows only, column strips in registers: fastest
// in cache) or streaming (every row front to back, accumulators in L1: no random skips for
// the prefetcher out of cache, SPEC §6). Masked terms and skipped rows differ at most in the
// sign of a zero partial sum, which the final + 0 erases, so both give bit-identical results
// and the caller picks the faster one.
//
// The streaming pass can also produce the dot products <phi_r, w> of every row with a fixed
// vector w (dF/dh reads each row once for both): `dots`.

import {
  ALL_BINARY, ANY_ACTIVE, BLOCK_ROWS, STREAM_PAIR_MAX_BYTES, STREAM_STRIP_MAX_BYTES, STRIP, at, gateMask, lanes, paddedColumns,
  scanGates, vectorColumns,
} from "./common";
import { gatedTerm, rowPairPass, rowPass } from "./rowpass";

/** Tree nodes the stack can hold for `rows` rows: bit length of the block count, plus 2. */
// @ts-ignore: decorator
@inline function stackNodes(rows: u32): u32 {
  return 34 - clz((rows + BLOCK_ROWS - 1) / BLOCK_ROWS);
}

/** Bytes of one float64 tree node: k padded to whole vectors of T (so also of f64). */
// @ts-ignore: decorator
@inline function nodeBytes<T>(k: u32): usize {
  return <usize>paddedColumns<T>(k) << 3;
}

/** Bytes of scratch pool() needs for up to `rows` rows of k elements of T. */
export function poolScratchBytes<T>(rows: u32, k: u32): usize {
  const nodes = <usize>stackNodes(rows);
  const blockBytes = <usize>paddedColumns<T>(k) << alignof<T>();
  // block sum (T) | float64 nodes | node metadata (start block, level) | active-row list
  return (blockBytes + nodes * nodeBytes<T>(k) + nodes * 8 + BLOCK_ROWS * 4 + 15) & ~15;
}

/**
 * out[0..k) (T) and out64[0..k) (f64, before the final rounding) = sum over rows of h_r phi_r.
 * compact: visit only the active rows of each block (fast in cache); otherwise stream every
 * row with a mask (fast out of cache: no random skips for the prefetcher). Same bits either way.
 */
export function pool<T>(rows: u32, k: u32, phi: usize, h: usize, out: usize, out64: usize, scratch: usize, compact: bool): void {
  // one specialised loop per mode, so no mode test is left in the hot loops
  if (compact) poolWith<T>(rows, k, phi, h, out, out64, scratch, true, false, 0, 0);
  else poolWith<T>(rows, k, phi, h, out, out64, scratch, false, false, 0, 0);
}

/** pool() that also writes dotOut[r] = <phi_r, w> for every row, in the same single read. */
export function poolWithDots<T>(
  rows: u32, k: u32, phi: usize, h: usize, out: usize, out64: usize, scratch: usize, w: usize, dotOut: usize,
): void {
  poolWith<T>(rows, k, phi, h, out, out64, scratch, false, true, w, dotOut);
}

// @ts-ignore: decorator
@inline function poolWith<T>(
  rows: u32, k: u32, phi: usize, h: usize, out: usize, out64: usize, scratch: usize,
  compact: bool, dots: bool, w: usize, dotOut: usize,
): void {
  const rowBytes = <usize>k << alignof<T>();
  const nodes = <usize>stackNodes(rows);
  const node = nodeBytes<T>(k);
  const blockSlot = scratch;
  const stack = blockSlot + (<usize>paddedColumns<T>(k) << alignof<T>());
  const meta = stack + nodes * node;
  const rowList = meta + nodes * 8;

  let top: usize = 0; // nodes on the stack
  for (let start: u32 = 0, block: u32 = 0; start < rows; start += BLOCK_ROWS, block++) {
    const count = min(BLOCK_ROWS, rows - start);
    const first = <usize>start;
    blockSum<T>(count, k, phi + first * rowBytes, at<T>(h, first), blockSlot, rowList, compact, dots, w, at<T>(dotOut, first));
    widen<T>(k, blockSlot, stack + top * node);
    store<u32>(meta + top * 8, block);
    store<u32>(meta + top * 8, 0, 4);
    top++;
    // merge the top node into its left sibling while it is a right child whose sibling is there
    while (top >= 2) {
      const m = meta + (top - 1) * 8;
      const level = load<u32>(m, 4);
      if (((load<u32>(m) >> level) & 1) == 0 || load<u32>(m - 8, 4) != level) break;
      addInto(k, stack + (top - 2) * node, stack + (top - 1) * node);
      store<u32>(m - 8, level + 1, 4);
      top--;
    }
  }
  foldStack<T>(k, stack, node, top, out, out64);
}

/** to[0..k) = float64 of from[0..k) (T). */
// @ts-ignore: decorator
@inline function widen<T>(k: u32, from: usize, to: usize): void {
  let c: u32 = 0;
  if (ASC_FEATURE_SIMD) {
    const kv = vectorColumns<T>(k);
    if (sizeof<T>() == 4) {
      // each f32x4 becomes two f64x2
      for (; c < kv; c += 4) {
        const x = v128.load(at<f32>(from, c));
        v128.store(at<f64>(to, c), f64x2.promote_low_f32x4(x));
        v128.store(at<f64>(to, c), f64x2.promote_low_f32x4(i32x4.shuffle(x, x, 2, 3, 0, 1)), 16);
      }
    } else {
      memory.copy(to, from, <usize>kv << 3);
      c = kv;
    }
  }
  // scalar tail
  for (; c < k; c++) store<f64>(at<f64>(to, c), <f64>load<T>(at<T>(from, c)));
}

/** left[0..k) += right[0..k), float64. */
// @ts-ignore: decorator
@inline function addInto(k: u32, left: usize, right: usize): void {
  let c: u32 = 0;
  if (ASC_FEATURE_SIMD) {
    // whole vectors
    for (; c + 2 <= k; c += 2) {
      v128.store(at<f64>(left, c), f64x2.add(v128.load(at<f64>(left, c)), v128.load(at<f64>(right, c))));
    }
  }
  // scalar tail
  for (; c < k; c++) store<f64>(at<f64>(left, c), load<f64>(at<f64>(left, c)) + load<f64>(at<f64>(right, c)));
}

/**
 * out64 = node_0 + (node_1 + (... + node_top-1)) + 0 (the + 0 turns a -0 into +0), and out
 * the same rounded to T; zeros when there are no rows.
 */
// @ts-ignore: decorator
@inline function foldStack<T>(k: u32, stack: usize, node: usize, top: usize, out: usize, out64: usize): void {
  for (let c: u32 = 0; c < k; c++) {
    let acc: f64 = 0;
    if (top > 0) {
      acc = load<f64>(at<f64>(stack + (top - 1) * node, c));
      for (let i = top - 1; i > 0; i--) acc = load<f64>(at<f64>(stack + (i - 1) * node, c)) + acc;
      acc = acc + 0;
    }
    store<f64>(at<f64>(out64, c), acc);
    store<T>(at<T>(out, c), <T>acc);
  }
}

/**
 * One block's gated sum into slot (k padded to whole vectors, T); with dots, also its rows'
 * dots with w into dotOut. Blocks whose gates are all 0 or 1 take loops without the multiply;
 * a block with no active row (and no dots) is not read at all.
 */
// @ts-ignore: decorator
@inline function blockSum<T>(
  count: u32, k: u32, phi: usize, h: usize, slot: usize, rowList: usize,
  compact: bool, dots: bool, w: usize, dotOut: usize,
): void {
  const rowBytes = <usize>k << alignof<T>();
  memory.fill(slot, 0, <usize>paddedColumns<T>(k) << alignof<T>());
  // which loops apply: are all gates 0 or 1, is any on; compact: list the active rows
  const flags = scanGates<T>(h, count);
  const binary = (flags & ALL_BINARY) != 0;
  let active: u32 = <u32>(flags & ANY_ACTIVE);
  if (compact) {
    active = 0;
    for (let r: u32 = 0; r < count; r++) {
      store<u32>(rowList + (<usize>active << 2), r);
      active += <u32>(load<T>(at<T>(h, r)) != 0);
    }
  }
  if (dots) {
    // every row is read, for its dot
    for (let r: u32 = 0; r < count; r++) {
      const row = phi + <usize>r * rowBytes, g = load<T>(at<T>(h, r));
      const d = binary ? rowPass<T>(k, row, g, slot, true, true, true, w) : rowPass<T>(k, row, g, slot, true, false, true, w);
      store<T>(at<T>(dotOut, r), d);
    }
  } else if (active == 0) {
    // nothing to add: the slot stays 0
  } else if (compact) {
    if (binary) compactSum<T>(active, k, rowBytes, phi, h, rowList, slot, true);
    else compactSum<T>(active, k, rowBytes, phi, h, rowList, slot, false);
  } else {
    if (binary) streamSum<T>(count, k, rowBytes, phi, h, slot, true);
    else streamSum<T>(count, k, rowBytes, phi, h, slot, false);
  }
}

/**
 * Streaming: every row, masked terms. Rows of at most one strip (8 vectors) are summed in
 * column strips with register accumulators (the strip covers the row, so the access is still
 * front to back); wider rows go row by row into the slot, which stays in L1: two rows a step
 * up to 256 bytes a row (half the slot traffic), one row a step beyond (measured faster
 * there: bench/).
 */
// @ts-ignore: decorator
@inline function streamSum<T>(count: u32, k: u32, rowBytes: usize, phi: usize, h: usize, slot: usize, binary: bool): void {
  if (ASC_FEATURE_SIMD && rowBytes <= STREAM_STRIP_MAX_BYTES) {
    stripSums<T>(count, k, rowBytes, phi, h, 0, slot, false, binary);
    return;
  }
  let r: u32 = 0;
  // two rows a step
  if (rowBytes <= STREAM_PAIR_MAX_BYTES) {
    for (; r + 2 <= count; r += 2) {
      const row = phi + <usize>r * rowBytes;
      rowPairPass<T>(k, row, row + rowBytes, load<T>(at<T>(h, r)), load<T>(at<T>(h, r + 1)), slot, binary);
    }
  }
  // one row a step
  for (; r < count; r++) rowPass<T>(k, phi + <usize>r * rowBytes, load<T>(at<T>(h, r)), slot, true, binary, false, 0);
}

/** Compacted: the listed active rows only, in column strips with register accumulators. */
// @ts-ignore: decorator
@inline function compactSum<T>(
  n: u32, k: u32, rowBytes: usize, phi: usize, h: usize, rowList: usize, slot: usize, binary: bool,
): void {
  stripSums<T>(n, k, rowBytes, phi, h, rowList, slot, true, binary);
}

/**
 * Column strips over n rows (the listed ones if compact, else rows 0..n-1 with masks): strips
 * of 8 vectors, then at most one of 4, 2 and 1, then the scalar tail row by row.
 */
// @ts-ignore: decorator
@inline function stripSums<T>(
  n: u32, k: u32, rowBytes: usize, phi: usize, h: usize, rowList: usize, slot: usize, compact: bool, binary: bool,
): void {
  const L = lanes<T>();
  const kv = vectorColumns<T>(k);
  let c: u32 = 0;
  if (ASC_FEATURE_SIMD) {
    for (; c + STRIP * L <= kv; c += STRIP * L) strip<T>(8, n, rowBytes, at<T>(phi, c), h, rowList, at<T>(slot, c), compact, binary);
    if (c + 4 * L <= kv) { strip<T>(4, n, rowBytes, at<T>(phi, c), h, rowList, at<T>(slot, c), compact, binary); c += 4 * L; }
    if (c + 2 * L <= kv) { strip<T>(2, n, rowBytes, at<T>(phi, c), h, rowList, at<T>(slot, c), compact, binary); c += 2 * L; }
    if (c + L <= kv) { strip<T>(1, n, rowBytes, at<T>(phi, c), h, rowList, at<T>(slot, c), compact, binary); c += L; }
  }
  // scalar tail: the rows in order, absent ones skipped
  if (c == k) return;
  for (let i: u32 = 0; i < n; i++) {
    const r = compact ? load<u32>(rowList + (<usize>i << 2)) : i;
    const g = load<T>(at<T>(h, r));
    if (g == 0) continue;
    const row = phi + <usize>r * rowBytes;
    for (let j = c; j < k; j++) store<T>(at<T>(slot, j), load<T>(at<T>(slot, j)) + g * load<T>(at<T>(row, j)));
  }
}

/**
 * W vectors (8, 4, 2 or 1) of columns summed over the rows, one register accumulator each:
 * the listed rows if compact (no mask needed), else every row with its gate mask.
 */
// @ts-ignore: decorator
@inline function strip<T>(
  W: u32, n: u32, rowBytes: usize, phi: usize, h: usize, rowList: usize, slot: usize, compact: bool, binary: bool,
): void {
  let a0 = v128.splat<T>(0), a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0, a6 = a0, a7 = a0;
  for (let i: u32 = 0; i < n; i++) {
    const r = compact ? load<u32>(rowList + (<usize>i << 2)) : i;
    const p = phi + <usize>r * rowBytes;
    const g = v128.load_splat<T>(at<T>(h, r));
    const m = gateMask<T>(g);
    a0 = v128.add<T>(a0, stripTerm<T>(v128.load(p), g, m, compact, binary));
    if (W > 1) a1 = v128.add<T>(a1, stripTerm<T>(v128.load(p, 16), g, m, compact, binary));
    if (W > 2) {
      a2 = v128.add<T>(a2, stripTerm<T>(v128.load(p, 32), g, m, compact, binary));
      a3 = v128.add<T>(a3, stripTerm<T>(v128.load(p, 48), g, m, compact, binary));
    }
    if (W > 4) {
      a4 = v128.add<T>(a4, stripTerm<T>(v128.load(p, 64), g, m, compact, binary));
      a5 = v128.add<T>(a5, stripTerm<T>(v128.load(p, 80), g, m, compact, binary));
      a6 = v128.add<T>(a6, stripTerm<T>(v128.load(p, 96), g, m, compact, binary));
      a7 = v128.add<T>(a7, stripTerm<T>(v128.load(p, 112), g, m, compact, binary));
    }
  }
  v128.store(slot, a0);
  if (W > 1) v128.store(slot, a1, 16);
  if (W > 2) { v128.store(slot, a2, 32); v128.store(slot, a3, 48); }
  if (W > 4) { v128.store(slot, a4, 64); v128.store(slot, a5, 80); v128.store(slot, a6, 96); v128.store(slot, a7, 112); }
}

/** A strip row's term: listed rows are active, so only streamed rows need the mask. */
// @ts-ignore: decorator
@inline function stripTerm<T>(p: v128, g: v128, mask: v128, compact: bool, binary: bool): v128 {
  return compact ? (binary ? p : v128.mul<T>(p, g)) : gatedTerm<T>(p, g, mask, binary);
}
