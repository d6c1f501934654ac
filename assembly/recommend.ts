// Top-k recommendation (docs/design.md §15): for each query vector q (a user's pooled rows, or an
// item's for similar items), the `top` items j with the highest s_j = <V_j, q> + bias_j, best
// first, ties to the lower j, skipping the query's excluded items and NaN scores. The scores come
// from rowDots (the dot kernel dF/dh uses: one pass over V), then a min-heap of `top` candidates
// in the query's own output slots picks them: an item costs a compare, and log(top) steps when it
// enters. Nothing is sorted but the k kept.

import { at } from "./common";
import { rowDots } from "./dots";

/** Whether candidate (s, j) ranks below (t, i): a lower score, or the same score and a higher item. */
// @ts-ignore: decorator
@inline function below<T>(s: T, j: u32, t: T, i: u32): bool {
  return s < t || (s == t && j > i);
}

/** Slot p's item. */
// @ts-ignore: decorator
@inline function itemAt(index: usize, p: u32): u32 {
  return load<u32>(index + (<usize>p << 2));
}

/** Puts (s, j) in slot p. */
// @ts-ignore: decorator
@inline function put<T>(index: usize, score: usize, p: u32, s: T, j: u32): void {
  store<T>(at<T>(score, p), s);
  store<u32>(index + (<usize>p << 2), j);
}

/** Restores the heap (worst at the root) below slot `from` of `size` slots. */
function siftDown<T>(index: usize, score: usize, from: u32, size: u32): void {
  let p: u32 = from;
  const s = load<T>(at<T>(score, p)), j = itemAt(index, p);
  while (true) {
    const left: u32 = p * 2 + 1;
    if (left >= size) break;
    let c = left;
    const right: u32 = left + 1;
    if (right < size) {
      const rs = load<T>(at<T>(score, right)), ls = load<T>(at<T>(score, left));
      if (below<T>(rs, itemAt(index, right), ls, itemAt(index, left))) c = right;
    }
    const cs = load<T>(at<T>(score, c)), cj = itemAt(index, c);
    if (!below<T>(cs, cj, s, j)) break;
    put<T>(index, score, p, cs, cj);
    p = c;
  }
  put<T>(index, score, p, s, j);
}

/** Adds (s, j) at slot `size` and moves it up to its place. */
function siftUp<T>(index: usize, score: usize, size: u32, s: T, j: u32): void {
  let p: u32 = size;
  while (p > 0) {
    const parent: u32 = (p - 1) >> 1;
    const ps = load<T>(at<T>(score, parent)), pj = itemAt(index, parent);
    if (!below<T>(s, j, ps, pj)) break;
    put<T>(index, score, p, ps, pj);
    p = parent;
  }
  put<T>(index, score, p, s, j);
}

/**
 * The best `top` of `items` scores (scores[j] + bias[j]), skipping the excluded items
 * exclude[0..excluded) (ascending, distinct) and NaN, into index/score best first; slots past
 * the candidates get item 0xFFFFFFFF and score -Infinity. Returns how many were found.
 */
function selectTop<T>(
  items: u32, scores: usize, bias: usize, exclude: usize, excluded: u32, top: u32, index: usize, score: usize,
): u32 {
  let size: u32 = 0, next: u32 = 0;
  let j: u32 = 0;
  // until the heap is full every item is a candidate
  for (; j < items && size < top; j++) {
    if (next < excluded && load<u32>(exclude + (<usize>next << 2)) == j) {
      next++;
      continue;
    }
    const s = load<T>(at<T>(scores, j)) + load<T>(at<T>(bias, j));
    if (s != s) continue; // NaN: never recommended
    siftUp<T>(index, score, size, s, j);
    size++;
  }
  if (top > 0 && size == top) {
    // then only a score above the worst kept enters (an equal one does not: its item is
    // higher; NaN never does): a vector of scores at a time, most of which none passes
    if (ASC_FEATURE_SIMD) {
      const L = <u32>(16 / sizeof<T>());
      for (; j + L <= items; j += L) {
        const s = v128.add<T>(v128.load(at<T>(scores, j)), v128.load(at<T>(bias, j)));
        if (!v128.any_true(v128.gt<T>(s, v128.splat<T>(load<T>(score))))) continue;
        for (let i = j; i < j + L; i++) next = offer<T>(i, scores, bias, exclude, excluded, next, index, score, size);
      }
    }
    for (; j < items; j++) next = offer<T>(j, scores, bias, exclude, excluded, next, index, score, size);
  }
  // heapsort: the worst goes to the end, so the slots end best first
  for (let end: u32 = size; end > 1; end--) {
    const last = end - 1;
    const s = load<T>(at<T>(score, last)), j = itemAt(index, last);
    put<T>(index, score, last, load<T>(score), itemAt(index, 0));
    put<T>(index, score, 0, s, j);
    siftDown<T>(index, score, 0, last);
  }
  for (let e: u32 = size; e < top; e++) put<T>(index, score, e, <T>-Infinity, 0xffffffff);
  return size;
}

/**
 * Item j into a full heap of `size` if it is not excluded and scores above the worst kept;
 * returns the exclusions' cursor, moved past the items before j (they may have been skipped).
 */
// @ts-ignore: decorator
@inline function offer<T>(
  j: u32, scores: usize, bias: usize, exclude: usize, excluded: u32, next: u32, index: usize, score: usize,
  size: u32,
): u32 {
  while (next < excluded && load<u32>(exclude + (<usize>next << 2)) < j) next++;
  if (next < excluded && load<u32>(exclude + (<usize>next << 2)) == j) return next + 1;
  const s = load<T>(at<T>(scores, j)) + load<T>(at<T>(bias, j));
  if (s > load<T>(score)) {
    // enters: replaces the worst kept
    put<T>(index, score, 0, s, j);
    siftDown<T>(index, score, 0, size);
  }
  return next;
}

/**
 * For queries b = 0..queries-1 (rows of q, k each): the best `top` items of V (items rows of k)
 * by <V_j, q_b> + bias_j, skipping excludeIndex[excludeIndptr[b]..excludeIndptr[b+1]) (ascending),
 * into outIndex/outScore[b * top ..] best first. scores: scratch of `items` elements.
 */
export function topItems<T>(
  queries: u32, k: u32, q: usize, items: u32, v: usize, bias: usize,
  excludeIndptr: usize, excludeIndex: usize, top: u32, scores: usize, outIndex: usize, outScore: usize,
): void {
  const rowBytes = <usize>k << alignof<T>();
  for (let b: u32 = 0; b < queries; b++) {
    rowDots<T>(items, k, v, q + <usize>b * rowBytes, scores);
    const from = load<u32>(excludeIndptr + (<usize>b << 2));
    const to = load<u32>(excludeIndptr + (<usize>(b + 1) << 2));
    const slot = <usize>b * <usize>top;
    const exclude = excludeIndex + (<usize>from << 2);
    selectTop<T>(items, scores, bias, exclude, to - from, top, outIndex + (slot << 2), at<T>(outScore, slot));
  }
}
