// Sparse gates (docs/design.md §2): the active rows as a strictly increasing list of global row
// indices, with optional weights (1 when absent). Every pass costs O(listed rows * k): the
// pooled sums visit only the blocks the rows fall in, and push them at their own places in
// the pairwise tree (tree.ts), so the result has the bits of the dense pass over the same
// gates. A listed row whose weight is exactly 0 is absent, as in the dense case.

import { BLOCK_ROWS, at, blocksOf, zeroSlot } from "./common";
import { gradientRow, scaledRow } from "./gradient";
import { blockSlotBytes, listedSum, treeAt } from "./pool";
import { rowDot } from "./rowpass";
import { foldTree, pushBlock, treeBytes, treeNodes } from "./tree";

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
  let top: usize = 0;
  for (let i: u32 = 0; i < count; ) {
    // the run of listed rows in one block
    const block = (load<u32>(index + (<usize>i << 2)) - first) / BLOCK_ROWS;
    let j = i + 1;
    while (j < count && (load<u32>(index + (<usize>j << 2)) - first) / BLOCK_ROWS == block) j++;
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
    top = pushBlock<T>(k, tree, nodes, top, block, blockSlot);
    i = j;
  }
  foldTree<T>(k, tree, nodes, top, blocksOf(rows), out, out64);
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
