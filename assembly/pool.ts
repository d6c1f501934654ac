// Gated pooled sums: out = sum_r h_r phi_r over the rows of one group (docs/design.md §1).
//
// Accuracy and determinism (docs/design.md §4, §5): rows are summed in T in fixed blocks of
// BLOCK_ROWS, sequentially per column inside a block (the SIMD hot loop), and the block sums
// are combined in float64 in the fixed pairwise tree of tree.ts. The tree costs O(k) per
// block and leaves the f32 result within about one rounding of the exact sum; each block has
// its fixed aligned place in it, so every bit of the result depends only on the row count.
//
// A row whose gate is exactly 0 adds nothing: its term is masked to zero (never 0 * phi, so
// NaN in an absent row cannot leak in). Inside a block every column is summed in row order
// whichever loop runs: compacted (the active rows only, column strips in registers: fastest
// in cache), streaming (every row front to back, accumulators in L1: no random skips for the
// prefetcher out of cache, docs/design.md §6), or sparse (the rows of an index list, sparse.ts). Masked
// terms and skipped rows differ at most in the sign of a zero partial sum, which the final
// + 0 erases, so all give bit-identical results and the caller picks the fastest.
//
// The streaming pass can also produce the dot products <phi_r, w> of every row with a fixed
// vector w (dF/dh reads each row once for both): `dots`.

import {
  ALL_BINARY, ANY_ACTIVE, BLOCK_ROWS, PAIR_MAX_ROW_BYTES, STREAM_STRIP_MAX_BYTES, STRIP, at, blocksOf, gateMask, lanes,
  paddedColumnsOf, scanGates, vectorColumns,
} from "./common";
import { gatedTerm, rowAdd, rowAddAndDot, rowPairPass } from "./rowpass";
import { copyNodes, foldTree, pushBlock, settle, treeBytes, treeNodes } from "./tree";

/** Bytes of the block sum (T) every pooling pass keeps in its scratch, of width W (common.ts). */
// @ts-ignore: decorator
@inline export function blockSlotBytes<T, W = usize>(k: u32): W {
  return paddedColumnsOf<T, W>(k) << alignof<T>();
}

/** Bytes of scratch for a pass over `rows` rows whose tree holds `nodes` nodes (64 bits). */
// @ts-ignore: decorator
@inline function passScratchBytes<T>(nodes: u64, k: u32): u64 {
  // block sum (T) | tree: nodes (float64) and their metadata | active-row list (u32) | their gates (T)
  const lists = BLOCK_ROWS * 4 + BLOCK_ROWS * sizeof<T>();
  return (blockSlotBytes<T, u64>(k) + treeBytes<T, u64>(nodes, k) + lists + 15) & ~15;
}

/** Bytes of scratch pool() needs for up to `rows` rows of k elements of T (64 bits). */
// @ts-ignore: decorator
@inline export function poolScratchBytes<T>(rows: u32, k: u32): u64 {
  return passScratchBytes<T>(treeNodes(rows), k);
}

/**
 * out[0..k) (T) and out64[0..k) (f64, before the final rounding) = sum over rows of h_r phi_r.
 * compact: visit only the active rows of each block (fast in cache); otherwise stream every
 * row with a mask (fast out of cache: no random skips for the prefetcher). Same bits either way.
 */
export function pool<T>(
  rows: u32, k: u32, phi: usize, h: usize, out: usize, out64: usize, scratch: usize, compact: bool,
): void {
  const nodes = <usize>treeNodes(rows);
  const top = compact
    ? passCompact<T>(rows, k, phi, h, 0, nodes, scratch)
    : passStream<T>(rows, k, phi, h, 0, nodes, scratch);
  foldTree<T>(k, scratch + blockSlotBytes<T>(k), nodes, top, blocksOf(rows), out, out64);
}

/** pool() that also writes dotOut[r] = <phi_r, w> for every row, in the same single read. */
export function poolWithDots<T>(
  rows: u32, k: u32, phi: usize, h: usize, out: usize, out64: usize, scratch: usize, w: usize, dotOut: usize,
): void {
  const nodes = <usize>treeNodes(rows);
  const top = passDots<T>(rows, k, phi, h, nodes, scratch, w, dotOut);
  foldTree<T>(k, scratch + blockSlotBytes<T>(k), nodes, top, blocksOf(rows), out, out64);
}

/** The most nodes rangeNodes gives, for any range of a group of fewer than 2^32 blocks. */
export const MAX_RANGE_NODES: u32 = 2 * 32 + 2;

/**
 * Tree nodes a pass over blocks [first, first + blocks) may leave: besides the usual right
 * edge, the left edge's nodes wait for siblings before the range. Twice the bit length of the
 * last block, plus 2.
 */
// @ts-ignore: decorator
@inline function rangeNodes(first: u32, blocks: u32): u32 {
  return 2 * (32 - clz(first + blocks)) + 2;
}

/** Bytes of scratch poolRange() needs (64 bits: the host checks they fit). */
export function rangeScratchBytes<T>(rows: u32, first: u32, k: u32): u64 {
  return passScratchBytes<T>(rangeNodes(first, blocksOf(rows)), k);
}

/**
 * The pooled sum of a range of one group's rows starting at block `first`, as the nodes of
 * the group's tree it completes (chunked and threaded passes; combine() joins the ranges):
 * metadata (start block, level: u32 each) to meta and k float64 values a node to values.
 * Returns the number of nodes.
 */
export function poolRange<T>(
  rows: u32, k: u32, phi: usize, h: usize, first: u32, meta: usize, values: usize, scratch: usize, compact: bool,
): u32 {
  const nodes = <usize>rangeNodes(first, blocksOf(rows));
  let top = compact
    ? passCompact<T>(rows, k, phi, h, first, nodes, scratch)
    : passStream<T>(rows, k, phi, h, first, nodes, scratch);
  const tree = scratch + blockSlotBytes<T>(k);
  top = settle<T>(k, tree, nodes, top, first + blocksOf(rows), false);
  copyNodes<T>(k, tree, nodes, top, meta, values);
  return <u32>top;
}

// One instance of each loop, shared by whole-group and range passes: blocks are numbered from
// `first`, and a range (first > 0) never promotes across its start. They return the tree's top.

function passCompact<T>(rows: u32, k: u32, phi: usize, h: usize, first: u32, nodes: usize, scratch: usize): usize {
  return passWith<T>(rows, k, phi, h, first, nodes, scratch, true, false, 0, 0);
}
function passStream<T>(rows: u32, k: u32, phi: usize, h: usize, first: u32, nodes: usize, scratch: usize): usize {
  return passWith<T>(rows, k, phi, h, first, nodes, scratch, false, false, 0, 0);
}
function passDots<T>(
  rows: u32, k: u32, phi: usize, h: usize, nodes: usize, scratch: usize, w: usize, dotOut: usize,
): usize {
  return passWith<T>(rows, k, phi, h, 0, nodes, scratch, false, true, w, dotOut);
}

// @ts-ignore: decorator
@inline function passWith<T>(
  rows: u32, k: u32, phi: usize, h: usize, first: u32, nodes: usize, scratch: usize,
  compact: bool, dots: bool, w: usize, dotOut: usize,
): usize {
  const rowBytes = <usize>k << alignof<T>();
  const blockSlot = scratch;
  const tree = blockSlot + blockSlotBytes<T>(k);
  const rowList = tree + treeBytes<T, usize>(nodes, k);
  const gateList = rowList + BLOCK_ROWS * 4;
  let top: usize = 0;
  for (let b: u32 = 0; b < blocksOf(rows); b++) {
    const start = <usize>b * BLOCK_ROWS;
    const count = min(BLOCK_ROWS, rows - <u32>start);
    const blockPhi = phi + start * rowBytes, blockH = at<T>(h, start), blockDots = at<T>(dotOut, start);
    blockSum<T>(count, k, blockPhi, blockH, blockSlot, rowList, gateList, compact, dots, w, blockDots);
    top = pushBlock<T>(k, tree, nodes, top, first + b, blockSlot, first == 0);
  }
  return top;
}

/**
 * One block's gated sum into slot (k padded to whole vectors, T); with dots, also its rows'
 * dots with w into dotOut. Blocks whose gates are all 0 or 1 take loops without the multiply;
 * a block with no active row (and no dots) is not read at all.
 */
// @ts-ignore: decorator
@inline function blockSum<T>(
  count: u32, k: u32, phi: usize, h: usize, slot: usize, rowList: usize, gateList: usize,
  compact: bool, dots: bool, w: usize, dotOut: usize,
): void {
  const rowBytes = <usize>k << alignof<T>();
  memory.fill(slot, 0, blockSlotBytes<T>(k));
  // which loops apply: are all gates 0 or 1, is any on; compact lists the active rows in the
  // same pass over the gates
  let binary: bool, active: u32;
  if (compact) {
    let zeroOrOne: i32 = 1;
    active = 0;
    for (let r: u32 = 0; r < count; r++) {
      const g = load<T>(at<T>(h, r));
      store<u32>(rowList + (<usize>active << 2), r);
      store<T>(at<T>(gateList, active), g);
      active += <u32>(g != 0);
      zeroOrOne &= <i32>(g == 0) | <i32>(g == 1);
    }
    binary = zeroOrOne != 0;
  } else {
    const flags = scanGates<T>(h, count);
    binary = (flags & ALL_BINARY) != 0;
    active = <u32>(flags & ANY_ACTIVE);
  }
  if (dots) {
    // every row is read, for its dot
    for (let r: u32 = 0; r < count; r++) {
      const row = phi + <usize>r * rowBytes, g = load<T>(at<T>(h, r));
      const d = binary ? rowAddAndDot<T>(k, row, g, slot, true, w) : rowAddAndDot<T>(k, row, g, slot, false, w);
      store<T>(at<T>(dotOut, r), d);
    }
  } else if (active == 0) {
    // nothing to add: the slot stays 0
  } else if (compact) {
    if (binary) listedSum<T>(active, k, rowBytes, phi, rowList, gateList, slot, true);
    else listedSum<T>(active, k, rowBytes, phi, rowList, gateList, slot, false);
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
@inline function streamSum<T>(
  count: u32, k: u32, rowBytes: usize, phi: usize, h: usize, slot: usize, binary: bool,
): void {
  if (ASC_FEATURE_SIMD && rowBytes <= STREAM_STRIP_MAX_BYTES) {
    stripSums<T>(count, k, rowBytes, phi, h, 0, 0, slot, false, binary);
    return;
  }
  let r: u32 = 0;
  // two rows a step
  if (rowBytes <= PAIR_MAX_ROW_BYTES) {
    for (; r + 2 <= count; r += 2) {
      const row = phi + <usize>r * rowBytes;
      rowPairPass<T>(k, row, row + rowBytes, load<T>(at<T>(h, r)), load<T>(at<T>(h, r + 1)), slot, binary);
    }
  }
  // one row a step
  for (; r < count; r++) rowAdd<T>(k, phi + <usize>r * rowBytes, load<T>(at<T>(h, r)), slot, binary);
}

/**
 * The listed rows only (row indices from phi, with their gates, in order), in column strips
 * with register accumulators: the compacted dense loop and the sparse one. unit: every gate is
 * 1 (no multiply).
 */
// @ts-ignore: decorator
@inline export function listedSum<T>(
  n: u32, k: u32, rowBytes: usize, phi: usize, rowList: usize, gateList: usize, slot: usize, unit: bool,
): void {
  stripSums<T>(n, k, rowBytes, phi, 0, rowList, gateList, slot, true, unit);
}

/**
 * Column strips over n rows: if listed, rows rowList[i] with gates gateList[i] (all 1 when
 * binary: gateList is then not read); else rows 0..n-1 with gates h[r] and masks. Strips of 8
 * vectors, then at most one of 4, 2 and 1, then
 * the scalar tail row by row.
 */
// @ts-ignore: decorator
@inline function stripSums<T>(
  n: u32, k: u32, rowBytes: usize, phi: usize, h: usize, rowList: usize, gateList: usize, slot: usize,
  listed: bool, binary: bool,
): void {
  const L = lanes<T>();
  const kv = vectorColumns<T>(k);
  let c: u32 = 0;
  if (ASC_FEATURE_SIMD) {
    for (; c + STRIP * L <= kv; c += STRIP * L) {
      strip<T>(8, n, rowBytes, at<T>(phi, c), h, rowList, gateList, at<T>(slot, c), listed, binary);
    }
    if (c + 4 * L <= kv) {
      strip<T>(4, n, rowBytes, at<T>(phi, c), h, rowList, gateList, at<T>(slot, c), listed, binary);
      c += 4 * L;
    }
    if (c + 2 * L <= kv) {
      strip<T>(2, n, rowBytes, at<T>(phi, c), h, rowList, gateList, at<T>(slot, c), listed, binary);
      c += 2 * L;
    }
    if (c + L <= kv) {
      strip<T>(1, n, rowBytes, at<T>(phi, c), h, rowList, gateList, at<T>(slot, c), listed, binary);
      c += L;
    }
  }
  // scalar tail: the rows in order, absent ones skipped
  if (c == k) return;
  for (let i: u32 = 0; i < n; i++) {
    const r = listed ? load<u32>(rowList + (<usize>i << 2)) : i;
    // listed rows are active; all of them have gate 1 when binary (the sparse list may have no gates)
    const g = listed ? (binary ? <T>1 : load<T>(at<T>(gateList, i))) : load<T>(at<T>(h, r));
    if (g == 0) continue;
    const row = phi + <usize>r * rowBytes;
    for (let j = c; j < k; j++) store<T>(at<T>(slot, j), load<T>(at<T>(slot, j)) + g * load<T>(at<T>(row, j)));
  }
}

/**
 * W vectors (8, 4, 2 or 1) of columns summed over the rows, one register accumulator each:
 * the listed rows if listed (no mask needed), else every row with its gate mask.
 */
// @ts-ignore: decorator
@inline function strip<T>(
  W: u32, n: u32, rowBytes: usize, phi: usize, h: usize, rowList: usize, gateList: usize, slot: usize,
  listed: bool, binary: bool,
): void {
  let a0 = v128.splat<T>(0), a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0, a6 = a0, a7 = a0;
  for (let i: u32 = 0; i < n; i++) {
    const r = listed ? load<u32>(rowList + (<usize>i << 2)) : i;
    const p = phi + <usize>r * rowBytes;
    const g = listed
      ? (binary ? v128.splat<T>(<T>1) : v128.load_splat<T>(at<T>(gateList, i)))
      : v128.load_splat<T>(at<T>(h, r));
    const m = gateMask<T>(g);
    a0 = v128.add<T>(a0, stripTerm<T>(v128.load(p), g, m, listed, binary));
    if (W > 1) a1 = v128.add<T>(a1, stripTerm<T>(v128.load(p, 16), g, m, listed, binary));
    if (W > 2) {
      a2 = v128.add<T>(a2, stripTerm<T>(v128.load(p, 32), g, m, listed, binary));
      a3 = v128.add<T>(a3, stripTerm<T>(v128.load(p, 48), g, m, listed, binary));
    }
    if (W > 4) {
      a4 = v128.add<T>(a4, stripTerm<T>(v128.load(p, 64), g, m, listed, binary));
      a5 = v128.add<T>(a5, stripTerm<T>(v128.load(p, 80), g, m, listed, binary));
      a6 = v128.add<T>(a6, stripTerm<T>(v128.load(p, 96), g, m, listed, binary));
      a7 = v128.add<T>(a7, stripTerm<T>(v128.load(p, 112), g, m, listed, binary));
    }
  }
  v128.store(slot, a0);
  if (W > 1) v128.store(slot, a1, 16);
  if (W > 2) { v128.store(slot, a2, 32); v128.store(slot, a3, 48); }
  if (W > 4) {
    v128.store(slot, a4, 64); v128.store(slot, a5, 80); v128.store(slot, a6, 96); v128.store(slot, a7, 112);
  }
}

/** A strip row's term: listed rows are active (gate != 0), so only streamed rows need the mask. */
// @ts-ignore: decorator
@inline function stripTerm<T>(p: v128, g: v128, mask: v128, listed: bool, binary: bool): v128 {
  return listed ? (binary ? p : v128.mul<T>(p, g)) : gatedTerm<T>(p, g, mask, binary);
}
