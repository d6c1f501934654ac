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
// NaN in an absent row cannot leak in). Masked terms and skipped rows differ at most in the
// sign of a zero partial sum, which the final + 0 erases, so the compacted and streaming
// loops below give bit-identical results and the caller picks whichever is faster.
//
// The same pass can also produce the dot products <phi_r, w> of every row with a fixed
// vector w (dF/dh reads each row once for both): `dots`.

import { BLOCK_ROWS, STRIP, at, gateMask, laneSum, lanes, negZero, paddedColumns, vectorColumns } from "./common";

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
  // block sum (T) | float64 nodes | node metadata (start block, level) | active-row list | dot partials
  return (blockBytes + nodes * nodeBytes<T>(k) + nodes * 8 + BLOCK_ROWS * 4 + BLOCK_ROWS * 16 + 15) & ~15;
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
  const dotPartials = rowList + BLOCK_ROWS * 4;

  let top: usize = 0; // nodes on the stack
  for (let start: u32 = 0, block: u32 = 0; start < rows; start += BLOCK_ROWS, block++) {
    const count = min(BLOCK_ROWS, rows - start);
    const first = <usize>start;
    blockSum<T>(
      count, k, phi + first * rowBytes, at<T>(h, first), blockSlot,
      rowList, compact, dots, w, dotPartials, at<T>(dotOut, first),
    );
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

/** One block's gated sum into slot (and its rows' dots with w), column strips then the tail. */
// @ts-ignore: decorator
@inline function blockSum<T>(
  count: u32, k: u32, phi: usize, h: usize, slot: usize, rowList: usize,
  compact: bool, dots: bool, w: usize, dotPartials: usize, dotOut: usize,
): void {
  const rowBytes = <usize>k << alignof<T>();
  let n = count;
  if (compact) {
    // list the active rows without branching on the gates
    n = 0;
    for (let r: u32 = 0; r < count; r++) {
      store<u32>(rowList + (<usize>n << 2), r);
      n += <u32>(load<T>(at<T>(h, r)) != 0);
    }
  }
  if (ASC_FEATURE_SIMD) {
    if (dots) for (let r: usize = 0; r < count; r++) v128.store(dotPartials + (r << 4), negZero<T>());
  }
  const L = lanes<T>();
  const kv = vectorColumns<T>(k);
  let c: u32 = 0;
  if (ASC_FEATURE_SIMD) {
    // strips of 8 vectors, then at most one strip each of 4, 2 and 1
    for (; c + STRIP * L <= kv; c += STRIP * L) {
      strip<T>(8, n, rowBytes, at<T>(phi, c), h, rowList, at<T>(slot, c), compact, dots, at<T>(w, c), dotPartials);
    }
    if (c + 4 * L <= kv) {
      strip<T>(4, n, rowBytes, at<T>(phi, c), h, rowList, at<T>(slot, c), compact, dots, at<T>(w, c), dotPartials);
      c += 4 * L;
    }
    if (c + 2 * L <= kv) {
      strip<T>(2, n, rowBytes, at<T>(phi, c), h, rowList, at<T>(slot, c), compact, dots, at<T>(w, c), dotPartials);
      c += 2 * L;
    }
    if (c + L <= kv) {
      strip<T>(1, n, rowBytes, at<T>(phi, c), h, rowList, at<T>(slot, c), compact, dots, at<T>(w, c), dotPartials);
      c += L;
    }
  }
  // scalar tail: columns c..k, row by row, absent rows skipped (same order as the lanes)
  for (let j = c; j < k; j++) store<T>(at<T>(slot, j), -0.0);
  for (let j = k; j < paddedColumns<T>(k); j++) store<T>(at<T>(slot, j), 0);
  // (without tail columns or dots there is nothing to do per row: skip the gate branches)
  if (c == k && !dots) return;
  for (let i: u32 = 0; i < n; i++) {
    const r = compact ? load<u32>(rowList + (<usize>i << 2)) : i;
    const g = load<T>(at<T>(h, r));
    const row = phi + <usize>r * rowBytes;
    if (g != 0) {
      for (let j = c; j < k; j++) {
        store<T>(at<T>(slot, j), load<T>(at<T>(slot, j)) + g * load<T>(at<T>(row, j)));
      }
    }
    if (dots) {
      let d: T = ASC_FEATURE_SIMD ? laneSum<T>(v128.load(dotPartials + (<usize>r << 4))) : <T>-0.0;
      for (let j = c; j < k; j++) d += load<T>(at<T>(row, j)) * load<T>(at<T>(w, j));
      store<T>(at<T>(dotOut, r), d + <T>0);
    }
  }
}

/** The term a row adds: g * phi, masked to zero where the gate is 0 unless rows are pre-filtered. */
// @ts-ignore: decorator
@inline function term<T>(compact: bool, p: v128, g: v128, mask: v128): v128 {
  return compact ? v128.mul<T>(p, g) : v128.and(v128.mul<T>(p, g), mask);
}

/**
 * Sum W vectors (W = 8, 4, 2 or 1) of columns over the block's rows into slot, one register
 * accumulator per vector; with dots, add each row's products with w to its dot partial.
 */
// @ts-ignore: decorator
@inline function strip<T>(
  W: u32, n: u32, rowBytes: usize, phi: usize, h: usize, rowList: usize, slot: usize,
  compact: bool, dots: bool, w: usize, dotPartials: usize,
): void {
  let a0 = negZero<T>(), a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0, a6 = a0, a7 = a0;
  for (let i: u32 = 0; i < n; i++) {
    const r = compact ? load<u32>(rowList + (<usize>i << 2)) : i;
    const p = phi + <usize>r * rowBytes;
    const g = v128.load_splat<T>(at<T>(h, r));
    const m = gateMask<T>(g);
    const p0 = v128.load(p);
    a0 = v128.add<T>(a0, term<T>(compact, p0, g, m));
    let p1 = p0, p2 = p0, p3 = p0, p4 = p0, p5 = p0, p6 = p0, p7 = p0;
    if (W > 1) {
      p1 = v128.load(p, 16);
      a1 = v128.add<T>(a1, term<T>(compact, p1, g, m));
    }
    if (W > 2) {
      p2 = v128.load(p, 32); p3 = v128.load(p, 48);
      a2 = v128.add<T>(a2, term<T>(compact, p2, g, m));
      a3 = v128.add<T>(a3, term<T>(compact, p3, g, m));
    }
    if (W > 4) {
      p4 = v128.load(p, 64); p5 = v128.load(p, 80); p6 = v128.load(p, 96); p7 = v128.load(p, 112);
      a4 = v128.add<T>(a4, term<T>(compact, p4, g, m));
      a5 = v128.add<T>(a5, term<T>(compact, p5, g, m));
      a6 = v128.add<T>(a6, term<T>(compact, p6, g, m));
      a7 = v128.add<T>(a7, term<T>(compact, p7, g, m));
    }
    if (dots) {
      const dp = dotPartials + (<usize>r << 4);
      v128.store(dp, v128.add<T>(v128.load(dp), productTree<T>(W, w, p0, p1, p2, p3, p4, p5, p6, p7)));
    }
  }
  v128.store(slot, a0);
  if (W > 1) v128.store(slot, a1, 16);
  if (W > 2) { v128.store(slot, a2, 32); v128.store(slot, a3, 48); }
  if (W > 4) { v128.store(slot, a4, 64); v128.store(slot, a5, 80); v128.store(slot, a6, 96); v128.store(slot, a7, 112); }
}

/** Products of W row vectors with w, summed as a balanced tree: the one dot order of the library. */
// @ts-ignore: decorator
@inline export function productTree<T>(
  W: u32, w: usize, p0: v128, p1: v128, p2: v128, p3: v128, p4: v128, p5: v128, p6: v128, p7: v128,
): v128 {
  let s = v128.mul<T>(p0, v128.load(w));
  if (W > 1) s = v128.add<T>(s, v128.mul<T>(p1, v128.load(w, 16)));
  if (W > 2) {
    s = v128.add<T>(s, v128.add<T>(v128.mul<T>(p2, v128.load(w, 32)), v128.mul<T>(p3, v128.load(w, 48))));
  }
  if (W > 4) {
    s = v128.add<T>(s, v128.add<T>(
      v128.add<T>(v128.mul<T>(p4, v128.load(w, 64)), v128.mul<T>(p5, v128.load(w, 80))),
      v128.add<T>(v128.mul<T>(p6, v128.load(w, 96)), v128.mul<T>(p7, v128.load(w, 112))),
    ));
  }
  return s;
}
