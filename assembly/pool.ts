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
// whichever loop runs (the `plan` bits, PLAN_* in common.ts, docs/design.md §6): compacted
// (the active rows only, column strips in registers), streaming (every row front to back: no
// random skips for the prefetcher; register strips for rows up to 64 or, wide, 128 bytes, an
// L1 slot beyond), multi-block (streaming narrow rows of several blocks at once), or sparse (the
// rows of an index list, sparse.ts). Masked terms and skipped rows differ at most in the sign of
// a zero partial sum, which the final + 0 erases, so all give bit-identical results and the
// planner picks the fastest. A fused pass also writes each row's gradient row (interaction.ts).
//
// The dots pass produces the dot products <phi_r, w> of every row with a fixed vector w in the
// same read as the pooled sum (dF/dh reads each row once for both): `poolWithDots`.

import {
  ALL_BINARY, ANY_ACTIVE, BLOCK_ROWS, MULTI_BLOCK_MAX_BYTES, PAIR_MAX_ROW_BYTES, PLAN_COMPACT, PLAN_MULTI_BLOCK,
  PLAN_WIDE_STRIPS, STREAM_STRIP_MAX_BYTES, STRIP, WIDE_STRIP_MAX_BYTES, at, blocksOf, gateMask,
  lanes, paddedColumnsOf, scanGates, vectorColumns, zeroSlot,
} from "./common";
import {
  gatedTerm, groupLaneSums, groupRows, narrowPartial, rowAdd, rowAddAndDot, rowPairPass, storeGroupDots,
} from "./rowpass";
import { gradientBlocks, gradientRow, rowScratchBytes, scaledRow } from "./gradient";
import { copyNodes, foldTree, pushBlock, settle, treeBytes, treeNodes } from "./tree";

/** The most blocks a multi-block pass sums at once (PLAN_MULTI_BLOCK): each has its own slot. */
const MAX_BLOCKS_AT_ONCE: u32 = 4;

/** Bytes of the block sum (T) every pooling pass keeps in its scratch, of width W (common.ts). */
// @ts-ignore: decorator
@inline export function blockSlotBytes<T, W = usize>(k: u32): W {
  return paddedColumnsOf<T, W>(k) << alignof<T>();
}

// A pass's scratch (docs/design.md §4): MAX_BLOCKS_AT_ONCE block sums (T) | the tree: nodes
// (float64) and their metadata | a block's active-row list (u32) | their gates (T) | the
// compress table that lists them (LIST_TABLE_BYTES).

/** Bytes of the table listActive() reads: 16 byte shuffles for 4-bit masks, 4 for 2-bit masks of 8-byte lanes. */
const LIST_TABLE_BYTES: u32 = 20 * 16;

/** Where a pass's tree starts in its scratch. */
// @ts-ignore: decorator
@inline export function treeAt<T>(scratch: usize, k: u32): usize {
  return scratch + <usize>MAX_BLOCKS_AT_ONCE * blockSlotBytes<T>(k);
}

/** Bytes of scratch for a pass over `rows` rows whose tree holds `nodes` nodes (64 bits). */
// @ts-ignore: decorator
@inline function passScratchBytes<T>(nodes: u64, k: u32): u64 {
  const lists = BLOCK_ROWS * 4 + BLOCK_ROWS * sizeof<T>() + LIST_TABLE_BYTES;
  return (MAX_BLOCKS_AT_ONCE * blockSlotBytes<T, u64>(k) + treeBytes<T, u64>(nodes, k) + lists + 15) & ~15;
}

/** Bytes of scratch pool() needs for up to `rows` rows of k elements of T (64 bits). */
// @ts-ignore: decorator
@inline export function poolScratchBytes<T>(rows: u32, k: u32): u64 {
  return passScratchBytes<T>(treeNodes(rows), k);
}

/**
 * out[0..k) (T) and out64[0..k) (f64, before the final rounding) = sum over rows of h_r phi_r,
 * with the loops `plan` names (PLAN_* in common.ts): the same bits whichever.
 */
export function pool<T>(
  rows: u32, k: u32, phi: usize, h: usize, out: usize, out64: usize, scratch: usize, plan: u32,
): void {
  if (rows <= SMALL_ROWS) {
    smallPool<T>(rows, k, phi, h, out, out64);
    return;
  }
  const nodes = <usize>treeNodes(rows);
  const top = poolPass<T>(rows, k, phi, h, 0, nodes, scratch, plan, 0, 0, 0, 0);
  foldTree<T>(k, treeAt<T>(scratch, k), nodes, top, blocksOf(rows), out, out64);
}

/**
 * Groups of at most this many rows are pooled by smallPool whatever the plan: below it every loop
 * is the same few steps, and a pass's scratch, scans and tree cost more than the sum (a call of
 * 2 x 8 rows spent most of its time there).
 */
export const SMALL_ROWS: u32 = 16;

/**
 * pool() of one block of at most SMALL_ROWS rows: each column summed in row order into out (T),
 * then folded as the tree folds its one leaf, out64 = out + 0 and out = T(out64) (tree.ts): the
 * bits of every other loop (docs/design.md §4).
 */
function smallPool<T>(rows: u32, k: u32, phi: usize, h: usize, out: usize, out64: usize): void {
  const rowBytes = <usize>k << alignof<T>();
  const kv: u32 = ASC_FEATURE_SIMD ? vectorColumns<T>(k) : 0;
  if (ASC_FEATURE_SIMD) zeroSlot(out, <usize>kv << alignof<T>());
  for (let c = kv; c < k; c++) store<T>(at<T>(out, c), 0);
  for (let r: u32 = 0; r < rows; r++) rowAdd<T>(k, phi + <usize>r * rowBytes, load<T>(at<T>(h, r)), out, false);
  // the fold, a vector at a time: T's x + 0 is T(f64(x) + 0) exactly (-0 becomes +0 in both), and
  // widening it to f64 is exact
  let c: u32 = 0;
  if (ASC_FEATURE_SIMD) {
    for (; c < kv; c += lanes<T>()) {
      const x = v128.add<T>(v128.load(at<T>(out, c)), v128.splat<T>(0));
      v128.store(at<T>(out, c), x);
      if (sizeof<T>() == 4) {
        v128.store(at<f64>(out64, c), f64x2.promote_low_f32x4(x));
        v128.store(at<f64>(out64, c), f64x2.promote_low_f32x4(v128.shuffle<f32>(x, x, 2, 3, 2, 3)), 16);
      } else {
        v128.store(at<f64>(out64, c), x);
      }
    }
  }
  for (; c < k; c++) {
    const x = <f64>load<T>(at<T>(out, c)) + 0;
    store<f64>(at<f64>(out64, c), x);
    store<T>(at<T>(out, c), <T>x);
  }
}

/** pool() that also writes dotOut[r] = <phi_r, w> for every row, in the same single read. */
export function poolWithDots<T>(
  rows: u32, k: u32, phi: usize, h: usize, out: usize, out64: usize, scratch: usize, w: usize, dotOut: usize,
): void {
  const nodes = <usize>treeNodes(rows);
  const top = passDots<T>(rows, k, phi, h, nodes, scratch, w, dotOut);
  foldTree<T>(k, treeAt<T>(scratch, k), nodes, top, blocksOf(rows), out, out64);
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
  rows: u32, k: u32, phi: usize, h: usize, first: u32, meta: usize, values: usize, scratch: usize, plan: u32,
): u32 {
  return rangePass<T>(rows, k, phi, h, first, meta, values, scratch, plan, 0, 0, 0, 0);
}

/** poolRange(), and with gradOut != 0 its gradient rows as poolPass writes them (one body for both kernels). */
function rangePass<T>(
  rows: u32, k: u32, phi: usize, h: usize, first: u32, meta: usize, values: usize, scratch: usize, plan: u32,
  gradOut: usize, gradW: usize, gradScaled: usize, gradScale: f64,
): u32 {
  const nodes = <usize>rangeNodes(first, blocksOf(rows));
  let top = poolPass<T>(rows, k, phi, h, first, nodes, scratch, plan, gradOut, gradW, gradScaled, gradScale);
  const tree = treeAt<T>(scratch, k);
  top = settle<T>(k, tree, nodes, top, first + blocksOf(rows), false);
  copyNodes<T>(k, tree, nodes, top, meta, values);
  return <u32>top;
}

/** Bytes of scratch poolRangeWithGradient() needs: poolRange()'s, then a row of scale * w. */
export function fusedRangeScratchBytes<T>(rows: u32, first: u32, k: u32): u64 {
  return rangeScratchBytes<T>(rows, first, k) + rowScratchBytes<T>(k);
}

/**
 * poolRange() that also writes the range's gradient rows, out[r] = scale * h_r * w, in the same
 * read of phi, as a copy reads and writes (a thread pool's fused valueAndGradient pass over one
 * group once the other's sum w is known; interaction.ts fuses the same way): the nodes of
 * poolRange and the rows of gradientRows, bit for bit.
 */
export function poolRangeWithGradient<T>(
  rows: u32, k: u32, phi: usize, h: usize, first: u32, meta: usize, values: usize, w: usize, scale: f64, out: usize,
  scratch: usize, plan: u32,
): u32 {
  // passScratchBytes is a multiple of 16: the scaled row is aligned
  const scaled = scratch + <usize>rangeScratchBytes<T>(rows, first, k);
  scaledRow<T>(k, w, scale, scaled);
  return rangePass<T>(rows, k, phi, h, first, meta, values, scratch, plan, out, w, scaled, scale);
}

/** How many blocks a streaming pass sums at once under PLAN_MULTI_BLOCK: 4 for rows of 1 or 2 vectors, 2 up to 4. */
// @ts-ignore: decorator
@inline function blocksAtOnce<T>(k: u32): u32 {
  const vectors = vectorColumns<T>(k) / lanes<T>();
  if (!ASC_FEATURE_SIMD || vectors == 0 || (<usize>k << alignof<T>()) > MULTI_BLOCK_MAX_BYTES) return 1;
  return vectors <= 2 ? 4 : 2;
}

/**
 * The blocks of a pooling pass over a group of `rows` rows (numbered from `first`: a range,
 * first > 0, never promotes across its start), pushed onto the tree in its scratch; returns
 * the tree's top. The one loop of every dense pooling pass. With gradOut != 0 (a fused pass:
 * valueAndGradient, PLAN_FUSED) it also writes every row's gradient row, gradOut[r] =
 * scale * h_r * w (gradScaled: scale * w, for gates of 1): streaming loops write each row as
 * they read it, like a copy; the others write a block's rows after summing it.
 */
export function poolPass<T>(
  rows: u32, k: u32, phi: usize, h: usize, first: u32, nodes: usize, scratch: usize, plan: u32,
  gradOut: usize, gradW: usize, gradScaled: usize, gradScale: f64,
): usize {
  const rowBytes = <usize>k << alignof<T>();
  const slot = scratch, slotBytes = blockSlotBytes<T>(k);
  const tree = treeAt<T>(scratch, k);
  const rowList = tree + treeBytes<T, usize>(nodes, k);
  const gateList = rowList + BLOCK_ROWS * 4;
  const compact = (plan & PLAN_COMPACT) != 0;
  if (ASC_FEATURE_SIMD && compact) writeListTable(gateList + BLOCK_ROWS * sizeof<T>());
  const stripBytes = (plan & PLAN_WIDE_STRIPS) != 0 ? WIDE_STRIP_MAX_BYTES : STREAM_STRIP_MAX_BYTES;
  const group = !compact && (plan & PLAN_MULTI_BLOCK) != 0 ? blocksAtOnce<T>(k) : 1;
  const blocks = blocksOf(rows);
  let top: usize = 0, b: u32 = 0;
  // streaming narrow rows: `group` full blocks at a time, their sums pushed in order
  if (ASC_FEATURE_SIMD && group > 1) {
    for (; b + group <= rows / BLOCK_ROWS; b += group) {
      const start = <usize>b * BLOCK_ROWS;
      multiBlockSum<T>(group, k, rowBytes, phi + start * rowBytes, at<T>(h, start), slot, slotBytes);
      for (let j: u32 = 0; j < group; j++) {
        top = pushBlock<T>(k, tree, nodes, top, first + b + j, slot + <usize>j * slotBytes, first == 0);
      }
      if (gradOut != 0) {
        gradientBlocks<T>(group * BLOCK_ROWS, k, at<T>(h, start), gradW, gradScale, gradOut + start * rowBytes,
          false, gradScaled, plan);
      }
    }
  }
  // one block at a time (a fused pass reads as it writes, like a copy: it needs no touch-ahead)
  for (; b < blocks; b++) {
    const start = <usize>b * BLOCK_ROWS;
    const count = min(BLOCK_ROWS, rows - <u32>start);
    const blockPhi = phi + start * rowBytes, blockH = at<T>(h, start), blockOut = gradOut + start * rowBytes;
    if (compact) {
      compactedBlock<T>(count, k, blockPhi, blockH, slot, rowList, gateList);
      if (gradOut != 0) gradientBlocks<T>(count, k, blockH, gradW, gradScale, blockOut, false, gradScaled, plan);
    } else {
      if (gradOut != 0) {
        fusedBlock<T>(count, k, blockPhi, blockH, slot, stripBytes, blockOut, gradW, gradScaled, gradScale);
      } else {
        streamedBlock<T>(count, k, blockPhi, blockH, slot, stripBytes);
      }
    }
    top = pushBlock<T>(k, tree, nodes, top, first + b, slot, first == 0);
  }
  return top;
}

/** The dots pass: every row read once, for its gated term and its dot with w. */
function passDots<T>(
  rows: u32, k: u32, phi: usize, h: usize, nodes: usize, scratch: usize, w: usize, dotOut: usize,
): usize {
  const rowBytes = <usize>k << alignof<T>();
  const slot = scratch, tree = treeAt<T>(scratch, k);
  const vectors = vectorColumns<T>(k) / lanes<T>();
  let top: usize = 0;
  for (let b: u32 = 0; b < blocksOf(rows); b++) {
    const start = <usize>b * BLOCK_ROWS;
    const count = min(BLOCK_ROWS, rows - <u32>start);
    const blockPhi = phi + start * rowBytes, blockH = at<T>(h, start), blockDots = at<T>(dotOut, start);
    zeroSlot(slot, blockSlotBytes<T>(k));
    let r: u32 = 0;
    // narrow rows (1 or 2 vectors and a tail): whole groups of rows in registers
    if (ASC_FEATURE_SIMD && vectors == 1) {
      r = narrowDotGroups<T>(1, count, k, blockPhi, blockH, slot, w, blockDots);
    } else if (ASC_FEATURE_SIMD && vectors == 2) {
      r = narrowDotGroups<T>(2, count, k, blockPhi, blockH, slot, w, blockDots);
    }
    // row by row, every gate multiplied (exact for a gate of 1): one instance for binary and real gates
    for (; r < count; r++) {
      const row = blockPhi + <usize>r * rowBytes, g = load<T>(at<T>(blockH, r));
      store<T>(at<T>(blockDots, r), rowAddAndDot<T>(k, row, g, slot, false, w));
    }
    top = pushBlock<T>(k, tree, nodes, top, b, slot, true);
  }
  return top;
}

// Each kind of block in a function of its own, so that each hot loop is compiled for its case
// alone (the plain streaming loop carries no fused pass's tests).

/** A block's sum by the compacted loop. */
function compactedBlock<T>(
  count: u32, k: u32, phi: usize, h: usize, slot: usize, rowList: usize, gateList: usize,
): void {
  blockSum<T>(count, k, phi, h, slot, rowList, gateList, true, 0, 0, 0, 0, 0, false);
}

/** A block's sum by the streaming loop. */
function streamedBlock<T>(count: u32, k: u32, phi: usize, h: usize, slot: usize, stripBytes: usize): void {
  blockSum<T>(count, k, phi, h, slot, 0, 0, false, stripBytes, 0, 0, 0, 0, false);
}

/** A block's sum by the streaming loop, and a fused pass's gradient rows written as it reads them. */
function fusedBlock<T>(
  count: u32, k: u32, phi: usize, h: usize, slot: usize, stripBytes: usize,
  gradOut: usize, gradW: usize, gradScaled: usize, gradScale: f64,
): void {
  blockSum<T>(count, k, phi, h, slot, 0, 0, false, stripBytes, gradOut, gradW, gradScaled, gradScale, true);
}

/**
 * One block's gated sum into slot (k padded to whole vectors, T). Blocks whose gates are all
 * 0 or 1 take loops without the multiply; a block with no active row is not read at all.
 * Streaming rows of up to stripBytes are summed in register strips.
 */
// @ts-ignore: decorator
@inline function blockSum<T>(
  count: u32, k: u32, phi: usize, h: usize, slot: usize, rowList: usize, gateList: usize,
  compact: bool, stripBytes: usize, gradOut: usize, gradW: usize, gradScaled: usize, gradScale: f64, fused: bool,
): void {
  const rowBytes = <usize>k << alignof<T>();
  zeroSlot(slot, blockSlotBytes<T>(k));
  // which loops apply: are all gates 0 or 1, is any on; compact lists the active rows in the
  // same pass over the gates
  let binary: bool, active: u32;
  if (compact) {
    const listed = listActive<T>(count, h, rowList, gateList, gateList + BLOCK_ROWS * sizeof<T>());
    active = listed & LISTED_COUNT;
    binary = (listed & LISTED_BINARY) != 0;
  } else {
    const flags = scanGates<T>(h, count);
    binary = (flags & ALL_BINARY) != 0;
    active = <u32>(flags & ANY_ACTIVE);
  }
  if (active == 0) {
    // nothing to add: the slot stays 0 (and a fused pass's gradient rows are zeros)
    if (fused) memory.fill(gradOut, 0, <usize>count * rowBytes);
  } else if (compact) {
    if (binary) listedSum<T>(active, k, rowBytes, phi, rowList, gateList, slot, true);
    else listedSum<T>(active, k, rowBytes, phi, rowList, gateList, slot, false);
  } else {
    if (binary) streamSum<T>(count, k, rowBytes, phi, h, slot, true, stripBytes, gradOut, gradW, gradScaled, gradScale);
    else streamSum<T>(count, k, rowBytes, phi, h, slot, false, stripBytes, gradOut, gradW, gradScaled, gradScale);
  }
}

/** listActive()'s result: the count of active rows in its low bits, and this bit if every gate is 0 or 1. */
const LISTED_BINARY: u32 = 1 << 16;
const LISTED_COUNT: u32 = LISTED_BINARY - 1;

/**
 * Lists a block's active rows (gate != 0) in order, rowList[i] = row and gateList[i] = its gate;
 * returns their count | LISTED_BINARY if every gate is 0 or 1. SIMD: a vector of gates at a
 * time, its active lanes packed to the front by a byte shuffle from `table` (writeListTable)
 * and stored whole (the store may run past the list's end, never past the vector's own rows):
 * no branch and no chain of dependent stores, about a quarter of the row-by-row loop's time.
 */
// @ts-ignore: decorator
@inline function listActive<T>(count: u32, h: usize, rowList: usize, gateList: usize, table: usize): u32 {
  let active: u32 = 0, r: u32 = 0, zeroOrOne: i32 = 1;
  if (ASC_FEATURE_SIMD) {
    const zero = v128.splat<T>(<T>0), one = v128.splat<T>(<T>1);
    const L = lanes<T>();
    let ok = v128.splat<i32>(-1), rows = i32x4(0, 1, 2, 3);
    const step = i32x4.splat(L);
    for (; r + L <= count; r += L) {
      const g = v128.load(at<T>(h, r));
      const mask = v128.ne<T>(g, zero);
      const bits = sizeof<T>() == 4 ? i32x4.bitmask(mask) : i64x2.bitmask(mask);
      // the row numbers (u32) through the 4-lane shuffles; f64 gates through the 8-byte ones
      const rowShuffle = v128.load(table + (<usize>bits << 4));
      if (sizeof<T>() == 4) {
        v128.store(rowList + (<usize>active << 2), i8x16.swizzle(rows, rowShuffle));
        v128.store(at<T>(gateList, active), i8x16.swizzle(g, rowShuffle));
      } else {
        v128.store64_lane(rowList + (<usize>active << 2), i8x16.swizzle(rows, rowShuffle), 0);
        v128.store(at<T>(gateList, active), i8x16.swizzle(g, v128.load(table + 256 + (<usize>bits << 4))));
      }
      active += <u32>popcnt(bits);
      ok = v128.and(ok, v128.or(v128.eq<T>(g, zero), v128.eq<T>(g, one)));
      rows = i32x4.add(rows, step);
    }
    zeroOrOne = <i32>v128.all_true<i32>(ok);
  }
  // row by row (the scalar build, and the rows past the last whole vector)
  for (; r < count; r++) {
    const g = load<T>(at<T>(h, r));
    store<u32>(rowList + (<usize>active << 2), r);
    store<T>(at<T>(gateList, active), g);
    active += <u32>(g != 0);
    zeroOrOne &= <i32>(g == 0) | <i32>(g == 1);
  }
  return active | (zeroOrOne != 0 ? LISTED_BINARY : 0);
}

/**
 * listActive()'s shuffles at p: for each 4-bit mask, the bytes of the set 4-byte lanes packed to
 * the front (entries 0 to 3 also serve 2-bit masks of the low lanes); then, at p + 256, for each
 * 2-bit mask, the set 8-byte lanes packed to the front (unused lanes take byte 0). Written into
 * each compacted pass's scratch rather than kept as static data, which every worker's
 * instantiation would rewrite in a shared memory.
 */
function writeListTable(p: usize): void {
  v128.store(p, i8x16(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0), 0);
  v128.store(p, i8x16(0, 1, 2, 3, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0), 16);
  v128.store(p, i8x16(4, 5, 6, 7, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0), 32);
  v128.store(p, i8x16(0, 1, 2, 3, 4, 5, 6, 7, 0, 0, 0, 0, 0, 0, 0, 0), 48);
  v128.store(p, i8x16(8, 9, 10, 11, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0), 64);
  v128.store(p, i8x16(0, 1, 2, 3, 8, 9, 10, 11, 0, 0, 0, 0, 0, 0, 0, 0), 80);
  v128.store(p, i8x16(4, 5, 6, 7, 8, 9, 10, 11, 0, 0, 0, 0, 0, 0, 0, 0), 96);
  v128.store(p, i8x16(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 0, 0, 0, 0), 112);
  v128.store(p, i8x16(12, 13, 14, 15, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0), 128);
  v128.store(p, i8x16(0, 1, 2, 3, 12, 13, 14, 15, 0, 0, 0, 0, 0, 0, 0, 0), 144);
  v128.store(p, i8x16(4, 5, 6, 7, 12, 13, 14, 15, 0, 0, 0, 0, 0, 0, 0, 0), 160);
  v128.store(p, i8x16(0, 1, 2, 3, 4, 5, 6, 7, 12, 13, 14, 15, 0, 0, 0, 0), 176);
  v128.store(p, i8x16(8, 9, 10, 11, 12, 13, 14, 15, 0, 0, 0, 0, 0, 0, 0, 0), 192);
  v128.store(p, i8x16(0, 1, 2, 3, 8, 9, 10, 11, 12, 13, 14, 15, 0, 0, 0, 0), 208);
  v128.store(p, i8x16(4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 0, 0, 0, 0), 224);
  v128.store(p, i8x16(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15), 240);
  v128.store(p, i8x16(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0), 256);
  v128.store(p, i8x16(0, 1, 2, 3, 4, 5, 6, 7, 0, 0, 0, 0, 0, 0, 0, 0), 272);
  v128.store(p, i8x16(8, 9, 10, 11, 12, 13, 14, 15, 0, 0, 0, 0, 0, 0, 0, 0), 288);
  v128.store(p, i8x16(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15), 304);
}

/**
 * Streaming: every row, masked terms. Rows of at most stripBytes (one strip of 4 or 8 vectors:
 * PLAN_WIDE_STRIPS) are summed in column strips with register accumulators (the block's rows
 * stay in L1 between strips); wider rows go row by row into the slot, which stays in L1: two
 * rows a step up to 256 bytes a row (half the slot traffic), one row a step beyond (measured
 * faster there: bench/).
 */
// @ts-ignore: decorator
@inline function streamSum<T>(
  count: u32, k: u32, rowBytes: usize, phi: usize, h: usize, slot: usize, binary: bool, stripBytes: usize,
  gradOut: usize, gradW: usize, gradScaled: usize, gradScale: f64,
): void {
  // strips: a loop for gates of 0 and 1 (no multiply: fewer instructions a line, more lines in flight)
  if (ASC_FEATURE_SIMD && rowBytes <= stripBytes) {
    stripSums<T>(count, k, rowBytes, phi, h, 0, 0, slot, false, binary, gradOut, gradW, gradScaled, gradScale);
    return;
  }
  // wider rows, row by row (the fused pass's gradient rows by one loop for all gates: a multiply
  // by a gate of 1 is exact, and scale * 1 * w is the binary gradient row)
  if (binary) streamBinaryRows<T>(count, k, rowBytes, phi, h, slot, gradOut, gradW, gradScale);
  else streamRealRows<T>(count, k, rowBytes, phi, h, slot, gradOut, gradW, gradScale);
}

// the two cases in functions of their own: inlined side by side, the optimizer would fold them
// into one loop that multiplies and selects in every step
function streamBinaryRows<T>(
  count: u32, k: u32, rowBytes: usize, phi: usize, h: usize, slot: usize, gradOut: usize, gradW: usize,
  gradScale: f64,
): void {
  streamRows<T>(count, k, rowBytes, phi, h, slot, gradOut, gradW, gradScale, true);
}
function streamRealRows<T>(
  count: u32, k: u32, rowBytes: usize, phi: usize, h: usize, slot: usize, gradOut: usize, gradW: usize,
  gradScale: f64,
): void {
  streamRows<T>(count, k, rowBytes, phi, h, slot, gradOut, gradW, gradScale, false);
}

/** Streaming rows wider than a strip, row by row into the slot (and a fused pass's gradient rows). */
// @ts-ignore: decorator
@inline function streamRows<T>(
  count: u32, k: u32, rowBytes: usize, phi: usize, h: usize, slot: usize, gradOut: usize, gradW: usize,
  gradScale: f64, binary: bool,
): void {
  let r: u32 = 0;
  // two rows a step
  if (rowBytes <= PAIR_MAX_ROW_BYTES) {
    for (; r + 2 <= count; r += 2) {
      const row = phi + <usize>r * rowBytes;
      const g0 = load<T>(at<T>(h, r)), g1 = load<T>(at<T>(h, r + 1));
      rowPairPass<T>(k, row, row + rowBytes, g0, g1, slot, binary);
      if (gradOut != 0) {
        const out = gradOut + <usize>r * rowBytes;
        writeGradientRow<T>(k, out, g0, gradScale, gradW);
        writeGradientRow<T>(k, out + rowBytes, g1, gradScale, gradW);
      }
    }
  }
  // one row a step
  for (; r < count; r++) {
    const g = load<T>(at<T>(h, r));
    rowAdd<T>(k, phi + <usize>r * rowBytes, g, slot, binary);
    if (gradOut != 0) writeGradientRow<T>(k, gradOut + <usize>r * rowBytes, g, gradScale, gradW);
  }
}

/**
 * `group` (2 or 4) full blocks of narrow rows (1 to 4 vectors) at once, block j's sum into
 * slot + j * slotBytes: each block is still summed in row order, column by column, but the
 * blocks' add chains are independent, so they overlap instead of waiting on each other's
 * latency. Every gate is multiplied (g * p is p exactly for a gate of 1), so no block scan.
 */
// @ts-ignore: decorator
@inline function multiBlockSum<T>(
  group: u32, k: u32, rowBytes: usize, phi: usize, h: usize, slot: usize, slotBytes: usize,
): void {
  zeroSlot(slot, <usize>group * slotBytes);
  const vectors = vectorColumns<T>(k) / lanes<T>();
  const blockBytes = <usize>BLOCK_ROWS * rowBytes;
  if (group == 4) {
    if (vectors == 1) blockStrips<T>(4, 1, rowBytes, phi, h, slot, slotBytes);
    else blockStrips<T>(4, 2, rowBytes, phi, h, slot, slotBytes);
  } else {
    if (vectors == 3) blockStrips<T>(2, 3, rowBytes, phi, h, slot, slotBytes);
    else blockStrips<T>(2, 4, rowBytes, phi, h, slot, slotBytes);
  }
  // scalar tail, block by block
  for (let j: u32 = 0; j < group; j++) {
    const blockPhi = phi + <usize>j * blockBytes, blockH = at<T>(h, <usize>j * BLOCK_ROWS);
    const blockSlot = slot + <usize>j * slotBytes;
    scalarTail<T>(BLOCK_ROWS, k, vectorColumns<T>(k), rowBytes, blockPhi, blockH, 0, 0, blockSlot, false, false);
  }
}

/** G blocks' strips of W vectors (G * W <= 8 register accumulators), row by row in step. */
// @ts-ignore: decorator
@inline function blockStrips<T>(
  G: u32, W: u32, rowBytes: usize, phi: usize, h: usize, slot: usize, slotBytes: usize,
): void {
  const blockBytes = <usize>BLOCK_ROWS * rowBytes, gateBytes = <usize>BLOCK_ROWS << alignof<T>();
  let a0 = v128.splat<T>(0), a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0, a6 = a0, a7 = a0;
  for (let r: u32 = 0; r < BLOCK_ROWS; r++) {
    const p = phi + <usize>r * rowBytes, g = at<T>(h, r);
    // block j's row r is at p + j * blockBytes, its gate at g + j * gateBytes
    const g0 = v128.load_splat<T>(g), m0 = gateMask<T>(g0);
    const g1 = v128.load_splat<T>(g + gateBytes), m1 = gateMask<T>(g1);
    if (G == 4) {
      const g2 = v128.load_splat<T>(g + 2 * gateBytes), m2 = gateMask<T>(g2);
      const g3 = v128.load_splat<T>(g + 3 * gateBytes), m3 = gateMask<T>(g3);
      a0 = v128.add<T>(a0, gatedTerm<T>(v128.load(p), g0, m0, false));
      a1 = v128.add<T>(a1, gatedTerm<T>(v128.load(p + blockBytes), g1, m1, false));
      a2 = v128.add<T>(a2, gatedTerm<T>(v128.load(p + 2 * blockBytes), g2, m2, false));
      a3 = v128.add<T>(a3, gatedTerm<T>(v128.load(p + 3 * blockBytes), g3, m3, false));
      if (W > 1) {
        a4 = v128.add<T>(a4, gatedTerm<T>(v128.load(p, 16), g0, m0, false));
        a5 = v128.add<T>(a5, gatedTerm<T>(v128.load(p + blockBytes, 16), g1, m1, false));
        a6 = v128.add<T>(a6, gatedTerm<T>(v128.load(p + 2 * blockBytes, 16), g2, m2, false));
        a7 = v128.add<T>(a7, gatedTerm<T>(v128.load(p + 3 * blockBytes, 16), g3, m3, false));
      }
    } else {
      const q = p + blockBytes;
      a0 = v128.add<T>(a0, gatedTerm<T>(v128.load(p), g0, m0, false));
      a1 = v128.add<T>(a1, gatedTerm<T>(v128.load(p, 16), g0, m0, false));
      a2 = v128.add<T>(a2, gatedTerm<T>(v128.load(p, 32), g0, m0, false));
      a4 = v128.add<T>(a4, gatedTerm<T>(v128.load(q), g1, m1, false));
      a5 = v128.add<T>(a5, gatedTerm<T>(v128.load(q, 16), g1, m1, false));
      a6 = v128.add<T>(a6, gatedTerm<T>(v128.load(q, 32), g1, m1, false));
      if (W > 3) {
        a3 = v128.add<T>(a3, gatedTerm<T>(v128.load(p, 48), g0, m0, false));
        a7 = v128.add<T>(a7, gatedTerm<T>(v128.load(q, 48), g1, m1, false));
      }
    }
  }
  if (G == 4) {
    v128.store(slot, a0);
    v128.store(slot + slotBytes, a1);
    v128.store(slot + 2 * slotBytes, a2);
    v128.store(slot + 3 * slotBytes, a3);
    if (W > 1) {
      v128.store(slot, a4, 16);
      v128.store(slot + slotBytes, a5, 16);
      v128.store(slot + 2 * slotBytes, a6, 16);
      v128.store(slot + 3 * slotBytes, a7, 16);
    }
  } else {
    v128.store(slot, a0); v128.store(slot, a1, 16); v128.store(slot, a2, 32);
    v128.store(slot + slotBytes, a4); v128.store(slot + slotBytes, a5, 16); v128.store(slot + slotBytes, a6, 32);
    if (W > 3) { v128.store(slot, a3, 48); v128.store(slot + slotBytes, a7, 48); }
  }
}

/**
 * Whole groups of narrow rows (W = 1 or 2 vectors, then a scalar tail) of a dots pass: each
 * row's gated term added in row order (registers, then the slot for the tail), and the group's
 * dots in rowDot's order (rowpass.ts), their lane sums by one transpose. The slot holds the
 * block's sum so far; returns how many rows it did (the rest go row by row).
 */
// @ts-ignore: decorator
@inline function narrowDotGroups<T>(
  W: u32, count: u32, k: u32, phi: usize, h: usize, slot: usize, w: usize, dotOut: usize,
): u32 {
  const rowBytes = <usize>k << alignof<T>();
  const kv = W * lanes<T>(), G = groupRows<T>();
  const w0 = v128.load(w), w1 = W > 1 ? v128.load(w, 16) : w0;
  let a0 = v128.load(slot), a1 = W > 1 ? v128.load(slot, 16) : a0;
  let r: u32 = 0;
  for (; r + G <= count; r += G) {
    const p = phi + <usize>r * rowBytes, g = at<T>(h, r);
    const p1 = p + rowBytes, p2 = p + 2 * rowBytes, p3 = p + 3 * rowBytes;
    const g0 = v128.load_splat<T>(g), m0 = gateMask<T>(g0);
    const g1 = v128.load_splat<T>(g, sizeof<T>()), m1 = gateMask<T>(g1);
    // the terms in row order: a0 (and a1) take rows r, r + 1, ... in turn
    a0 = v128.add<T>(a0, gatedTerm<T>(v128.load(p), g0, m0, false));
    a0 = v128.add<T>(a0, gatedTerm<T>(v128.load(p1), g1, m1, false));
    if (W > 1) {
      a1 = v128.add<T>(a1, gatedTerm<T>(v128.load(p, 16), g0, m0, false));
      a1 = v128.add<T>(a1, gatedTerm<T>(v128.load(p1, 16), g1, m1, false));
    }
    if (G > 2) {
      const g2 = v128.load_splat<T>(g, 2 * sizeof<T>()), m2 = gateMask<T>(g2);
      const g3 = v128.load_splat<T>(g, 3 * sizeof<T>()), m3 = gateMask<T>(g3);
      a0 = v128.add<T>(a0, gatedTerm<T>(v128.load(p2), g2, m2, false));
      a0 = v128.add<T>(a0, gatedTerm<T>(v128.load(p3), g3, m3, false));
      if (W > 1) {
        a1 = v128.add<T>(a1, gatedTerm<T>(v128.load(p2, 16), g2, m2, false));
        a1 = v128.add<T>(a1, gatedTerm<T>(v128.load(p3, 16), g3, m3, false));
      }
    }
    // the scalar tail's terms, row by row
    if (kv < k) {
      for (let j: u32 = 0; j < G; j++) {
        const gate = load<T>(at<T>(h, r + j)), row = p + <usize>j * rowBytes;
        if (gate == 0) continue;
        for (let c = kv; c < k; c++) {
          store<T>(at<T>(slot, c), load<T>(at<T>(slot, c)) + gate * load<T>(at<T>(row, c)));
        }
      }
    }
    const s0 = narrowPartial<T>(W, p, w0, w1), s1 = narrowPartial<T>(W, p1, w0, w1);
    const s2 = G > 2 ? narrowPartial<T>(W, p2, w0, w1) : s0, s3 = G > 2 ? narrowPartial<T>(W, p3, w0, w1) : s0;
    storeGroupDots<T>(groupLaneSums<T>(s0, s1, s2, s3), k, kv, p, rowBytes, w, at<T>(dotOut, r));
  }
  v128.store(slot, a0);
  if (W > 1) v128.store(slot, a1, 16);
  return r;
}

/**
 * The listed rows only (row indices from phi, with their gates, in order), in column strips
 * with register accumulators: the compacted dense loop and the sparse one. unit: every gate is
 * 1 (no multiply). Each case is a function of its own: inlined side by side, the optimizer
 * folded the two loops into one that multiplies and selects in every step (16% slower).
 */
// @ts-ignore: decorator
@inline export function listedSum<T>(
  n: u32, k: u32, rowBytes: usize, phi: usize, rowList: usize, gateList: usize, slot: usize, unit: bool,
): void {
  if (unit) listedUnitSum<T>(n, k, rowBytes, phi, rowList, slot);
  else listedGatedSum<T>(n, k, rowBytes, phi, rowList, gateList, slot);
}

/** listedSum with every gate 1. */
function listedUnitSum<T>(n: u32, k: u32, rowBytes: usize, phi: usize, rowList: usize, slot: usize): void {
  stripSums<T>(n, k, rowBytes, phi, 0, rowList, 0, slot, true, true);
}

/** listedSum with each row's gate. */
function listedGatedSum<T>(
  n: u32, k: u32, rowBytes: usize, phi: usize, rowList: usize, gateList: usize, slot: usize,
): void {
  stripSums<T>(n, k, rowBytes, phi, 0, rowList, gateList, slot, true, false);
}

/**
 * Column strips over n rows: if listed, rows rowList[i] with gates gateList[i] (all 1 when
 * binary: gateList is then not read); else rows 0..n-1 with gates h[r] and masks. Strips of
 * STRIP vectors, then at most one of 4, 2 and 1, then the scalar tail row by row.
 */
// @ts-ignore: decorator
@inline function stripSums<T>(
  n: u32, k: u32, rowBytes: usize, phi: usize, h: usize, rowList: usize, gateList: usize, slot: usize,
  listed: bool, binary: bool, gradOut: usize = 0, gradW: usize = 0, gradScaled: usize = 0, gradScale: f64 = 0,
): void {
  const L = lanes<T>();
  const kv = vectorColumns<T>(k);
  // rows wider than a strip: a chunk of rows at a time through every strip, each strip's sums
  // carried in the slot from chunk to chunk, so that a row's strips are read close together
  // (the whole block's rows strip by strip strode through memory: half a read's speed in L2)
  const chunk = kv > STRIP * L ? (rowBytes <= SHORT_CHUNK_ROW_BYTES ? SHORT_CHUNK_ROWS : STRIP_CHUNK_ROWS) : n;
  // a fused pass: each strip also writes its columns of every row's gradient row
  if (ASC_FEATURE_SIMD) {
    for (let i: u32 = 0; i < n; i += chunk) {
      const end = min(n, i + chunk);
      let c: u32 = 0;
      for (; c + STRIP * L <= kv; c += STRIP * L) {
        strip<T>(
          STRIP, i, end, k, c, phi, h, rowList, gateList, slot, listed, binary, gradOut, gradW, gradScaled, gradScale,
        );
      }
      if (c + 4 * L <= kv) {
        strip<T>(
          4, i, end, k, c, phi, h, rowList, gateList, slot, listed, binary, gradOut, gradW, gradScaled, gradScale,
        );
        c += 4 * L;
      }
      if (c + 2 * L <= kv) {
        strip<T>(
          2, i, end, k, c, phi, h, rowList, gateList, slot, listed, binary, gradOut, gradW, gradScaled, gradScale,
        );
        c += 2 * L;
      }
      if (c + L <= kv) {
        strip<T>(
          1, i, end, k, c, phi, h, rowList, gateList, slot, listed, binary, gradOut, gradW, gradScaled, gradScale,
        );
      }
    }
  }
  const c: u32 = ASC_FEATURE_SIMD ? kv : 0;
  scalarTail<T>(n, k, c, rowBytes, phi, h, rowList, gateList, slot, listed, binary);
  if (gradOut != 0 && c < k) gradientTail<T>(n, k, c, h, gradOut, gradW, gradScaled, gradScale, binary);
}

/** Columns [c, k) of a fused pass's gradient rows 0..n-1 (gradientRow's scalar tail, gradient.ts). */
function gradientTail<T>(
  n: u32, k: u32, c: u32, h: usize, out: usize, w: usize, scaledW: usize, scale: f64, binary: bool,
): void {
  const rowBytes = <usize>k << alignof<T>();
  for (let r: u32 = 0; r < n; r++) {
    const gate = load<T>(at<T>(h, r));
    const coef = <T>(scale * <f64>gate);
    const row = out + <usize>r * rowBytes;
    for (let j = c; j < k; j++) {
      store<T>(at<T>(row, j), gate == 0 ? <T>0 : binary ? load<T>(at<T>(scaledW, j)) : coef * load<T>(at<T>(w, j)));
    }
  }
}

/** A fused pass's gradient row (gradientRow, gradient.ts), called rather than inlined: rows wider than a strip. */
function writeGradientRow<T>(k: u32, row: usize, gate: T, scale: f64, w: usize): void {
  gradientRow<T>(k, row, gate, scale, w, 0, false, false);
}

/** Columns [c, k) of stripSums' rows, row by row in order, absent ones skipped. */
// @ts-ignore: decorator
@inline function scalarTail<T>(
  n: u32, k: u32, c: u32, rowBytes: usize, phi: usize, h: usize, rowList: usize, gateList: usize, slot: usize,
  listed: bool, binary: bool,
): void {
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

/** Rows a strip pass takes through every strip before the next (stripSums). */
const STRIP_CHUNK_ROWS: u32 = 8;

/**
 * Rows of up to SHORT_CHUNK_ROW_BYTES take chunks of SHORT_CHUNK_ROWS: each chunk ends a
 * strip's add chains in a store that the next chunk loads, so longer chunks end fewer chains
 * and give the CPU more rows to overlap (at k = 64 f32 in cache on an AMD EPYC, 16 rows took 8%
 * off 8's time, and 32 another 3% to 5% of F's; 64 measured the same as 32). 32 rows of 256
 * bytes are 8 KiB, a quarter of a 32 KiB L1 data cache, so a chunk's later strips still find
 * its rows there.
 */
const SHORT_CHUNK_ROWS: u32 = 32;
const SHORT_CHUNK_ROW_BYTES: usize = 256;

/**
 * W vectors (6, 4, 2 or 1) of columns summed over rows [first, end), one register accumulator
 * each, added to the slot's sums so far: the listed rows if listed (no mask needed), else every
 * row with its gate mask.
 */
// @ts-ignore: decorator
@inline function strip<T>(
  W: u32, first: u32, end: u32, k: u32, c: u32, phi: usize, h: usize, rowList: usize, gateList: usize,
  slot: usize, listed: bool, binary: bool, gradOut: usize, gradW: usize, gradScaled: usize, gradScale: f64,
): void {
  const rowBytes = <usize>k << alignof<T>();
  const column = <usize>c << alignof<T>();
  phi += column;
  slot += column;
  // a fused pass's gradient columns: scale * w (gates of 1) or coef * w, masked where the gate is 0
  const from = (binary ? gradScaled : gradW) + column, to = gradOut + column;
  // the slot's sums so far (zeros before the first rows: 0 + x is x, bit for bit)
  let a0 = v128.load(slot), a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0;
  if (W > 1) a1 = v128.load(slot, 16);
  if (W > 2) { a2 = v128.load(slot, 32); a3 = v128.load(slot, 48); }
  if (W > 4) { a4 = v128.load(slot, 64); a5 = v128.load(slot, 80); }
  for (let i = first; i < end; i++) {
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
    }
    // a fused pass (streamed rows only): this strip of the row's gradient row, written as the row is read
    if (!listed && gradOut != 0) {
      const o = to + <usize>r * rowBytes;
      const coef = binary ? g : v128.splat<T>(<T>(gradScale * <f64>load<T>(at<T>(h, r))));
      v128.store(o, gradientTerm<T>(from, 0, coef, m, binary));
      if (W > 1) v128.store(o, gradientTerm<T>(from, 16, coef, m, binary), 16);
      if (W > 2) {
        v128.store(o, gradientTerm<T>(from, 32, coef, m, binary), 32);
        v128.store(o, gradientTerm<T>(from, 48, coef, m, binary), 48);
      }
      if (W > 4) {
        v128.store(o, gradientTerm<T>(from, 64, coef, m, binary), 64);
        v128.store(o, gradientTerm<T>(from, 80, coef, m, binary), 80);
      }
    }
  }
  v128.store(slot, a0);
  if (W > 1) v128.store(slot, a1, 16);
  if (W > 2) { v128.store(slot, a2, 32); v128.store(slot, a3, 48); }
  if (W > 4) { v128.store(slot, a4, 64); v128.store(slot, a5, 80); }
}

/** A vector of a gradient row (rowVector, gradient.ts): from[offset] for gates of 1, else coef * w; masked. */
// @ts-ignore: decorator
@inline function gradientTerm<T>(from: usize, offset: usize, coef: v128, mask: v128, binary: bool): v128 {
  const x = v128.load(from + offset);
  return v128.and(binary ? x : v128.mul<T>(coef, x), mask);
}

/** A strip row's term: listed rows are active (gate != 0), so only streamed rows need the mask. */
// @ts-ignore: decorator
@inline function stripTerm<T>(p: v128, g: v128, mask: v128, listed: bool, binary: bool): v128 {
  return listed ? (binary ? p : v128.mul<T>(p, g)) : gatedTerm<T>(p, g, mask, binary);
}
