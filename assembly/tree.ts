// The fixed pairwise tree that combines block sums, in float64 (docs/design.md §4, §5).
//
// The tree over the blocks 0..N-1 of a group is canonical: a node covers the aligned blocks
// [s, s + 2^level), its value is left child + right child, and the result folds the maximal
// nodes (the binary decomposition of N) from the right: node_0 + (node_1 + (...)). Blocks are
// pushed in increasing order; a block with no active row may be left out: an empty subtree is
// zero, the exact identity of addition, so a node with one empty child takes the other
// child's value ("promotion"). Dense passes push every block; sparse passes push only the
// blocks their rows fall in (openLeaf: each merge decided as its leaf comes); all give the
// same bits.
//
// Layout from `tree`: node values (nodeBytes each, float64) | node metadata (start, level: u32).

import { at, blocksOf, paddedColumns, paddedColumnsOf, vectorColumns } from "./common";

/** Tree nodes a stack can hold for `rows` rows: bit length of the block count, plus 2. */
// @ts-ignore: decorator
@inline export function treeNodes(rows: u32): u32 {
  return 34 - clz(blocksOf(rows));
}

/** Bytes of one float64 node: k padded to whole vectors of T (so also of f64). */
// @ts-ignore: decorator
@inline export function nodeBytes<T>(k: u32): usize {
  return <usize>paddedColumns<T>(k) << 3;
}

/** Bytes of a tree of `nodes` nodes, as an integer of width W: their values, then their metadata. */
// @ts-ignore: decorator
@inline export function treeBytes<T, W>(nodes: W, k: u32): W {
  return nodes * ((paddedColumnsOf<T, W>(k) << 3) + 8);
}

/**
 * Completes every node whose parent ends at or before block `limit` (no later block can fall
 * in it): merges it with its left sibling, or promotes it when the sibling is empty. Returns
 * the new number of nodes. limit = N (the block count) at the end finishes the tree.
 * promote = false for a pass over a range of blocks that does not start at 0: a missing left
 * sibling may then lie before the range, so such a node waits, unmerged, for combine().
 */
// @ts-ignore: decorator
@inline export function settle<T>(
  k: u32, tree: usize, nodes: usize, top: usize, limit: u32, promote: bool = true,
): usize {
  const node = nodeBytes<T>(k);
  const meta = tree + nodes * node;
  while (top > 0) {
    const m = meta + (top - 1) * 8;
    const start = load<u32>(m), level = load<u32>(m, 4);
    const parentStart = start & ~((<u32>2 << level) - 1);
    // the parent ends after limit (limit >= parentStart: the node lies before limit)
    if (limit - parentStart < (<u32>2 << level)) break;
    if (start != parentStart && top >= 2 && load<u32>(m - 8) == parentStart && load<u32>(m - 8, 4) == level) {
      // right child with its left sibling below it: merge (left + right)
      addInto(k, tree + (top - 2) * node, tree + (top - 1) * node);
      top--;
    } else if (!promote && start != parentStart) {
      // a right child whose left sibling may lie before this range
      break;
    }
    // the node (merged or promoted) now covers its parent
    store<u32>(meta + (top - 1) * 8, parentStart);
    store<u32>(meta + (top - 1) * 8, level + 1, 4);
  }
  return top;
}

/** Pushes the sum of block `block` (k elements of T at blockSlot) as a leaf; returns the new top. */
// @ts-ignore: decorator
@inline export function pushBlock<T>(
  k: u32, tree: usize, nodes: usize, top: usize, block: u32, blockSlot: usize, promote: bool = true,
): usize {
  top = settle<T>(k, tree, nodes, top, block, promote);
  const node = nodeBytes<T>(k);
  widen<T>(k, blockSlot, tree + top * node);
  const m = tree + nodes * node + top * 8;
  store<u32>(m, block);
  store<u32>(m, 0, 4);
  return top + 1;
}

/** Pushes a node (start block, level, k float64 values at `values`); returns the new top. */
// @ts-ignore: decorator
@inline export function pushNode<T>(
  k: u32, tree: usize, nodes: usize, top: usize, start: u32, level: u32, values: usize,
): usize {
  top = settle<T>(k, tree, nodes, top, start);
  const node = nodeBytes<T>(k);
  memory.copy(tree + top * node, values, <usize>k << 3);
  const m = tree + nodes * node + top * 8;
  store<u32>(m, start);
  store<u32>(m, level, 4);
  return top + 1;
}

/** Copies node i's metadata (start, level) to meta[i] and its k values to values + i k (float64). */
// @ts-ignore: decorator
@inline export function copyNodes<T>(k: u32, tree: usize, nodes: usize, top: usize, meta: usize, values: usize): void {
  const node = nodeBytes<T>(k);
  memory.copy(meta, tree + nodes * node, top * 8);
  for (let i: usize = 0; i < top; i++) memory.copy(values + i * (<usize>k << 3), tree + i * node, <usize>k << 3);
}

/**
 * Finishes the tree of `blocks` blocks and folds it: out64 = node_0 + (node_1 + (...)) + 0
 * (the + 0 turns a -0 into +0), and out the same rounded to T; zeros for an empty tree.
 */
// @ts-ignore: decorator
@inline export function foldTree<T>(
  k: u32, tree: usize, nodes: usize, top: usize, blocks: u32, out: usize, out64: usize,
): void {
  foldNodes<T>(k, tree, settle<T>(k, tree, nodes, top, blocks), out, out64);
}

/** foldTree's fold of the `top` nodes on the stack, once every merge is done (also of openLeaf's leaves). */
// @ts-ignore: decorator
@inline export function foldNodes<T>(k: u32, tree: usize, top: usize, out: usize, out64: usize): void {
  const node = nodeBytes<T>(k);
  for (let c: u32 = 0; c < k; c++) {
    let acc: f64 = 0;
    if (top > 0) {
      acc = load<f64>(at<f64>(tree + (top - 1) * node, c));
      for (let i = top - 1; i > 0; i--) acc = load<f64>(at<f64>(tree + (i - 1) * node, c)) + acc;
      acc = acc + 0;
    }
    store<f64>(at<f64>(out64, c), acc);
    store<T>(at<T>(out, c), <T>acc);
  }
}

/**
 * The same tree for the blocks of a whole group pushed in increasing order (a sparse pass),
 * each merge decided as its leaf comes: sorted leaves b_1 < b_2 < ... meet where the canonical
 * tree's nodes join them, at the level of the highest bit in which neighbours b_i and b_i+1
 * differ; so a new leaf first merges the nodes on top of the stack whose boundaries lie below
 * its own (they join before it can), and foldNodes joins the rest from the right:
 * node_0 + (node_1 + (...)), as foldTree folds the maximal nodes (an empty subtree or maximal
 * node adds nothing, which is promotion). Same bits as pushBlock and foldTree, without
 * climbing the levels one by one. The metadata slot of node i holds the level of its left
 * boundary.
 *
 * openLeaf does the merges for a leaf of block `block` after one of block `previous` and
 * returns the leaf's place: the caller writes its float64 values at nodeAt(place), and the top
 * becomes place + 1.
 */
// @ts-ignore: decorator
@inline export function openLeaf<T>(k: u32, tree: usize, nodes: usize, top: usize, previous: u32, block: u32): usize {
  if (top == 0) return 0;
  const node = nodeBytes<T>(k);
  const meta = tree + nodes * node;
  const level = <u32>(31 - clz(previous ^ block));
  // boundary levels on the stack fall from the bottom up: merge the ones below this leaf's
  while (top >= 2 && load<u32>(meta + (top - 1) * 8) < level) {
    addInto(k, tree + (top - 2) * node, tree + (top - 1) * node);
    top--;
  }
  store<u32>(meta + top * 8, level);
  return top;
}

/** Where node i's float64 values lie. */
// @ts-ignore: decorator
@inline export function nodeAt<T>(k: u32, tree: usize, i: usize): usize {
  return tree + i * nodeBytes<T>(k);
}

/** openLeaf, then the leaf's values: the block sum at blockSlot (k elements of T), widened. Returns the new top. */
// @ts-ignore: decorator
@inline export function pushLeaf<T>(
  k: u32, tree: usize, nodes: usize, top: usize, previous: u32, block: u32, blockSlot: usize,
): usize {
  const place = openLeaf<T>(k, tree, nodes, top, previous, block);
  widen<T>(k, blockSlot, nodeAt<T>(k, tree, place));
  return place + 1;
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

/** Bytes of scratch combine() needs for `count` nodes (64 bits: the host checks they fit). */
export function combineScratchBytes<T>(count: u32, k: u32): u64 {
  return (treeBytes<T, u64>(<u64>count + 2, k) + 15) & ~15;
}

/**
 * Joins the nodes of a group's ranges (poolRange's output, ranges in order) into the group's
 * tree of `blocks` blocks and folds it into out (T) and out64: the bits of one pass.
 */
export function combine<T>(
  count: u32, k: u32, meta: usize, values: usize, blocks: u32, out: usize, out64: usize, scratch: usize,
): void {
  const nodes = <usize>count + 2;
  let top: usize = 0;
  for (let i: usize = 0; i < count; i++) {
    const start = load<u32>(meta + i * 8), level = load<u32>(meta + i * 8, 4);
    top = pushNode<T>(k, scratch, nodes, top, start, level, values + i * (<usize>k << 3));
  }
  foldTree<T>(k, scratch, nodes, top, blocks, out, out64);
}
