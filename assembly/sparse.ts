// Sparse gates (docs/design.md §2): the active rows as a strictly increasing list of global row
// indices, with optional weights (1 when absent). Every pass costs O(listed rows * k): the
// pooled sums visit only the blocks the rows fall in, and push them at their own places in
// the pairwise tree (tree.ts), so the result has the bits of the dense pass over the same
// gates. A listed row whose weight is exactly 0 is absent, as in the dense case.

import { BLOCK_ROWS, at, lanes, vectorColumns, zeroSlot } from "./common";
import { gradientRow, scaledRow } from "./gradient";
import { blockSlotBytes, listedSum, treeAt } from "./pool";
import { rowDot } from "./rowpass";
import { foldNodes, nodeAt, openLeaf, pushLeaf, treeBytes, treeNodes } from "./tree";

/** Blocks of up to this many listed rows are summed by fewRowsLeaf, larger ones by listedSum's strips. */
const FEW_ROWS: u32 = 4;

/**
 * Rows of at most this many bytes take fewRowsLeaf in a group of many blocks; wider ones
 * listedSum's strips, which read each row's index once rather than once a vector (1% sparse
 * gates at k = 64 f32 were 1.13x to 1.25x slower through fewRowsLeaf; the same bits either way).
 */
const FEW_ROWS_MAX_ROW_BYTES: usize = 64;

/**
 * Columns c.. of one vector of sum_e weight_e phi_index[e] over the listed rows [from, to), in T
 * from 0 in order, rows of weight 0 skipped (weight = 0: every weight 1): the bits of listedSum
 * into a zeroed slot (its strips add the same terms in the same order; x * 1 is x).
 */
// @ts-ignore: decorator
@inline function rowsVector<T>(
  from: u32, to: u32, c: u32, rowBytes: usize, phi: usize, index: usize, weight: usize,
): v128 {
  let acc = v128.splat<T>(0);
  for (let e = from; e < to; e++) {
    const g: T = weight == 0 ? <T>1 : load<T>(at<T>(weight, e));
    if (g == 0) continue;
    const row = phi + <usize>load<u32>(index + (<usize>e << 2)) * rowBytes;
    acc = v128.add<T>(acc, v128.mul<T>(v128.load(at<T>(row, c)), v128.splat<T>(g)));
  }
  return acc;
}

/** rowsVector's column c alone (the scalar tail: called, not inlined, to keep the module small). */
function rowsScalar<T>(
  from: u32, to: u32, c: u32, rowBytes: usize, phi: usize, index: usize, weight: usize,
): T {
  let acc: T = 0;
  for (let e = from; e < to; e++) {
    const g: T = weight == 0 ? <T>1 : load<T>(at<T>(weight, e));
    if (g == 0) continue;
    acc += g * load<T>(at<T>(phi + <usize>load<u32>(index + (<usize>e << 2)) * rowBytes, c));
  }
  return acc;
}

/** The low and the high half of a f32x4, as two f64x2. */
// @ts-ignore: decorator
@inline function lowF64(x: v128): v128 {
  return f64x2.promote_low_f32x4(x);
}
// @ts-ignore: decorator
@inline function highF64(x: v128): v128 {
  return f64x2.promote_low_f32x4(i32x4.shuffle(x, x, 2, 3, 0, 1));
}

/** The float64 leaf of a block's few listed rows: their sum in T (rowsVector), widened into `to`. */
// @ts-ignore: decorator
@inline function fewRowsLeaf<T>(
  count: u32, k: u32, rowBytes: usize, phi: usize, index: usize, weight: usize, to: usize,
): void {
  let c: u32 = 0;
  if (ASC_FEATURE_SIMD) {
    const L = lanes<T>(), kv = vectorColumns<T>(k);
    for (; c < kv; c += L) {
      const acc = rowsVector<T>(0, count, c, rowBytes, phi, index, weight);
      if (sizeof<T>() == 4) {
        v128.store(at<f64>(to, c), lowF64(acc));
        v128.store(at<f64>(to, c), highF64(acc), 16);
      } else {
        v128.store(at<f64>(to, c), acc);
      }
    }
  }
  // scalar tail
  for (; c < k; c++) store<f64>(at<f64>(to, c), <f64>rowsScalar<T>(0, count, c, rowBytes, phi, index, weight));
}

/**
 * A whole group of a few listed rows in one block (split = count) or two (rows [0, split) in
 * the first): out64 = the leaf + 0, or (first leaf + second leaf) + 0, as the tree folds one or
 * two leaves, and out the same in T; all in registers, without the tree's stack.
 */
// @ts-ignore: decorator
@inline function fewRowsGroup<T>(
  count: u32, split: u32, k: u32, rowBytes: usize, phi: usize, index: usize, weight: usize, out: usize, out64: usize,
): void {
  const two = split < count;
  let c: u32 = 0;
  if (ASC_FEATURE_SIMD) {
    const L = lanes<T>(), kv = vectorColumns<T>(k), zero = f64x2.splat(0);
    for (; c < kv; c += L) {
      const first = rowsVector<T>(0, split, c, rowBytes, phi, index, weight);
      const second = two ? rowsVector<T>(split, count, c, rowBytes, phi, index, weight) : first;
      if (sizeof<T>() == 4) {
        let low = lowF64(first), high = highF64(first);
        if (two) {
          low = f64x2.add(low, lowF64(second));
          high = f64x2.add(high, highF64(second));
        }
        low = f64x2.add(low, zero);
        high = f64x2.add(high, zero);
        v128.store(at<f64>(out64, c), low);
        v128.store(at<f64>(out64, c), high, 16);
        const lowT = f32x4.demote_f64x2_zero(low), highT = f32x4.demote_f64x2_zero(high);
        v128.store(at<T>(out, c), i32x4.shuffle(lowT, highT, 0, 1, 4, 5));
      } else {
        const sum = f64x2.add(two ? f64x2.add(first, second) : first, zero);
        v128.store(at<f64>(out64, c), sum);
        v128.store(at<T>(out, c), sum);
      }
    }
  }
  // scalar tail
  for (; c < k; c++) {
    let sum = <f64>rowsScalar<T>(0, split, c, rowBytes, phi, index, weight);
    if (two) sum = sum + <f64>rowsScalar<T>(split, count, c, rowBytes, phi, index, weight);
    sum = sum + 0;
    store<f64>(at<f64>(out64, c), sum);
    store<T>(at<T>(out, c), <T>sum);
  }
}

/** The block of listed row e of a group whose rows start at `first`. */
// @ts-ignore: decorator
@inline function blockOf(index: usize, e: u32, first: u32): u32 {
  return (load<u32>(index + (<usize>e << 2)) - first) / BLOCK_ROWS;
}

/**
 * out (T) and out64 (f64) = sum over the `count` listed rows of weight_e * phi_index[e], for
 * one group whose rows start at `first` and number `rows` (its block count sizes the tree).
 * weight = 0: every weight is 1. Scratch: as pool().
 */
export function poolListed<T>(
  count: u32, k: u32, phi: usize, index: usize, weight: usize, first: u32, rows: u32,
  out: usize, out64: usize, scratch: usize,
): void {
  const rowBytes = <usize>k << alignof<T>();
  const blockSlot = scratch;
  const tree = treeAt<T>(scratch, k);
  const nodes = <usize>treeNodes(rows);
  const rowList = tree + treeBytes<T, usize>(nodes, k);
  const gateList = rowList + BLOCK_ROWS * 4;
  // a few rows in one block (a user, an item) or two: a tree of one or two leaves
  if (count - 1 < FEW_ROWS) {
    const firstBlock = blockOf(index, 0, first), lastBlock = blockOf(index, count - 1, first);
    let split = count;
    if (firstBlock != lastBlock) {
      split = 1;
      while (blockOf(index, split, first) == firstBlock) split++;
    }
    if (split == count || blockOf(index, split, first) == lastBlock) {
      fewRowsGroup<T>(count, split, k, rowBytes, phi, index, weight, out, out64);
      return;
    }
  }
  let top: usize = 0, previous: u32 = 0;
  for (let i: u32 = 0; i < count; ) {
    // the run of listed rows in one block
    const block = blockOf(index, i, first);
    let j = i + 1;
    while (j < count && blockOf(index, j, first) == block) j++;
    if (j - i <= FEW_ROWS && rowBytes <= FEW_ROWS_MAX_ROW_BYTES) {
      // a few narrow rows: their sum straight into the leaf
      const place = openLeaf<T>(k, tree, nodes, top, previous, block);
      const w = weight == 0 ? <usize>0 : at<T>(weight, i);
      fewRowsLeaf<T>(j - i, k, rowBytes, phi, index + (<usize>i << 2), w, nodeAt<T>(k, tree, place));
      top = place + 1;
      previous = block;
      i = j;
      continue;
    }
    zeroSlot(blockSlot, blockSlotBytes<T>(k));
    if (weight == 0) {
      listedSum<T>(j - i, k, rowBytes, phi, index + (<usize>i << 2), 0, blockSlot, true);
    } else {
      // keep the rows whose weight is not 0; are all of them 1?
      let n: u32 = 0, unit: i32 = 1;
      for (let e = i; e < j; e++) {
        const g = load<T>(at<T>(weight, e));
        store<u32>(rowList + (<usize>n << 2), load<u32>(index + (<usize>e << 2)));
        store<T>(at<T>(gateList, n), g);
        n += <u32>(g != 0);
        unit &= <i32>(g == 0) | <i32>(g == 1);
      }
      if (unit) listedSum<T>(n, k, rowBytes, phi, rowList, gateList, blockSlot, true);
      else listedSum<T>(n, k, rowBytes, phi, rowList, gateList, blockSlot, false);
    }
    top = pushLeaf<T>(k, tree, nodes, top, previous, block, blockSlot);
    previous = block;
    i = j;
  }
  foldNodes<T>(k, tree, top, out, out64);
}

/**
 * Gradient rows of the listed rows: scale * weight_e * w, into row index[e] of out (dense)
 * or row e (active rows, in list order); added when accumulating. scaledW: k padded elements.
 */
export function gradientListed<T>(
  count: u32, k: u32, index: usize, weight: usize, w: usize, scale: f64, out: usize, accumulate: bool, dense: bool,
  scaledW: usize,
): void {
  const rowBytes = <usize>k << alignof<T>();
  scaledRow<T>(k, w, scale, scaledW);
  for (let e: u32 = 0; e < count; e++) {
    const row = out + <usize>(dense ? load<u32>(index + (<usize>e << 2)) : e) * rowBytes;
    const g: T = weight == 0 ? 1 : load<T>(at<T>(weight, e));
    // gates of 0 or 1 take the row scaledW (or zeros) without a multiply; same bits either way
    const binary = g == 0 || g == 1;
    if (accumulate) {
      if (binary) gradientRow<T>(k, row, g, scale, w, scaledW, true, true);
      else gradientRow<T>(k, row, g, scale, w, scaledW, true, false);
    } else {
      if (binary) gradientRow<T>(k, row, g, scale, w, scaledW, false, true);
      else gradientRow<T>(k, row, g, scale, w, scaledW, false, false);
    }
  }
}

/** out[e] = <phi_index[e], w> for the listed rows (dF/dh at the active rows). */
export function dotsListed<T>(count: u32, k: u32, phi: usize, index: usize, w: usize, out: usize): void {
  const rowBytes = <usize>k << alignof<T>();
  for (let e: u32 = 0; e < count; e++) {
    const row = phi + <usize>load<u32>(index + (<usize>e << 2)) * rowBytes;
    store<T>(at<T>(out, e), rowDot<T>(k, row, w));
  }
}
