// Batches of gate sets over one phi (docs/design.md §2): values F_b for every set, then the weighted
// gradient sum sum_b w_b dF_b/dphi. Training computes w_b = L'(F_b) between the two phases;
// the second never reads phi, since each set's gradient is rank one in its pooled sums, kept
// from the first phase. Sets are CSR rows (indptr, index, weight: sparse.ts) or dense rows
// of n + m gates.

import { at, lanes, vectorColumns } from "./common";
import { gradientRows } from "./gradient";
import { innerProduct, poolBoth, restAt, scaledAt, u64At, v64At, vAt } from "./interaction";
import { gradientListed, poolListed } from "./sparse";

/** Entry e of a u32 array. */
// @ts-ignore: decorator
@inline function u32At(p: usize, e: u32): u32 {
  return load<u32>(p + (<usize>e << 2));
}

/**
 * Phase 1, CSR sets: for every set b, u_b and v_b (k elements of T each) into u and v, and
 * F_b into values. splits[b] is the position in index where set b's group-B rows begin.
 */
// @ts-ignore: decorator
@inline export function batchPooledListed<T>(
  n: u32, m: u32, k: u32, phi: usize, sets: u32, indptr: usize, index: usize, weight: usize, splits: usize,
  u: usize, v: usize, values: usize, scratch: usize,
): void {
  const vectorBytes = <usize>k << alignof<T>();
  const rest = restAt<T>(scratch, k), u64 = u64At<T>(scratch, k), v64 = v64At<T>(scratch, k);
  for (let b: u32 = 0; b < sets; b++) {
    const first = u32At(indptr, b), split = u32At(splits, b), end = u32At(indptr, b + 1);
    const wA = weight == 0 ? <usize>0 : at<T>(weight, first), wB = weight == 0 ? <usize>0 : at<T>(weight, split);
    // poolListedBoth's two passes, with u_b and v_b written in place (not through the scratch)
    const uOut = u + <usize>b * vectorBytes, vOut = v + <usize>b * vectorBytes;
    poolListed<T>(split - first, k, phi, index + (<usize>first << 2), wA, 0, n, uOut, u64, rest);
    poolListed<T>(end - split, k, phi, index + (<usize>split << 2), wB, n, m, vOut, v64, rest);
    store<T>(at<T>(values, b), innerProduct<T>(k, scratch));
  }
}

/** Phase 1, dense sets: h holds `sets` rows of n + m gates. */
// @ts-ignore: decorator
@inline export function batchPooledDense<T>(
  n: u32, m: u32, k: u32, phi: usize, sets: u32, h: usize, u: usize, v: usize, values: usize, scratch: usize,
  plan: u32,
): void {
  const vectorBytes = <usize>k << alignof<T>();
  for (let b: u32 = 0; b < sets; b++) {
    poolBoth<T>(n, m, k, phi, at<T>(h, <usize>b * (n + m)), scratch, plan);
    memory.copy(u + <usize>b * vectorBytes, scratch, vectorBytes);
    memory.copy(v + <usize>b * vectorBytes, vAt<T>(scratch, k), vectorBytes);
    store<T>(at<T>(values, b), innerProduct<T>(k, scratch));
  }
}

/**
 * Phase 2, CSR sets: out (+)= scale * sum_b setWeights[b] * dF_b/dphi. dense: out is
 * (n + m) x k (zeroed first unless accumulating; a row in several sets gets their sum);
 * otherwise one row per listed entry, in CSR order.
 */
// @ts-ignore: decorator
@inline export function batchGradientListed<T>(
  n: u32, m: u32, k: u32, sets: u32, indptr: usize, index: usize, weight: usize, splits: usize,
  u: usize, v: usize, setWeights: usize, scale: f64, out: usize, accumulate: bool, dense: bool, scratch: usize,
): void {
  const rowBytes = <usize>k << alignof<T>();
  if (dense && !accumulate) memory.fill(out, 0, <usize>(n + m) * rowBytes);
  const scaledW = scaledAt<T>(scratch, k);
  for (let b: u32 = 0; b < sets; b++) {
    const first = u32At(indptr, b), split = u32At(splits, b), end = u32At(indptr, b + 1);
    const coef = scale * <f64>load<T>(at<T>(setWeights, b));
    // rows of A get v_b, rows of B get u_b
    const vb = v + <usize>b * rowBytes, ub = u + <usize>b * rowBytes;
    if (dense || accumulate) {
      // rows of a set may recur in other sets: a dense out always accumulates across sets
      addListedRows<T>(first, split, end, k, index, weight, vb, ub, coef, out, dense);
    } else {
      const wA = weight == 0 ? <usize>0 : at<T>(weight, first), wB = weight == 0 ? <usize>0 : at<T>(weight, split);
      const indexA = index + (<usize>first << 2), indexB = index + (<usize>split << 2);
      const outA = out + <usize>first * rowBytes, outB = out + <usize>split * rowBytes;
      gradientListed<T>(split - first, k, indexA, wA, vb, coef, outA, false, false, scaledW);
      gradientListed<T>(end - split, k, indexB, wB, ub, coef, outB, false, false, scaledW);
    }
  }
}

/**
 * gradientListed's accumulating rows for one set, inline: out's row index[e] (dense) or row e
 * gets <T>(scale weight_e) * w added, w being wA for the set's rows before split (group A) and wB
 * for the rest, for every listed row whose weight is not 0 (weight = 0: every weight 1). The
 * same bits: gradientListed's rows of weight 1 add scaledW = <T>scale * w. One loop over both
 * groups' rows: one branch on how many rows a set has, not one a group.
 */
// @ts-ignore: decorator
@inline function addListedRows<T>(
  first: u32, split: u32, end: u32, k: u32, index: usize, weight: usize, wA: usize, wB: usize, scale: f64, out: usize,
  dense: bool,
): void {
  const rowBytes = <usize>k << alignof<T>();
  for (let e = first; e < end; e++) {
    const g: T = weight == 0 ? <T>1 : load<T>(at<T>(weight, e));
    if (g == 0) continue;
    const row = out + <usize>(dense ? u32At(index, e) : e) * rowBytes;
    const w = e < split ? wA : wB;
    const coef = <T>(scale * <f64>g);
    let c: u32 = 0;
    if (ASC_FEATURE_SIMD) {
      const L = lanes<T>(), kv = vectorColumns<T>(k), cv = v128.splat<T>(coef);
      // whole vectors
      for (; c < kv; c += L) {
        v128.store(at<T>(row, c), v128.add<T>(v128.load(at<T>(row, c)), v128.mul<T>(cv, v128.load(at<T>(w, c)))));
      }
    }
    // scalar tail
    for (; c < k; c++) store<T>(at<T>(row, c), load<T>(at<T>(row, c)) + coef * load<T>(at<T>(w, c)));
  }
}

/** Phase 2, dense sets: out (+)= scale * sum_b setWeights[b] * dF_b/dphi, out (n + m) x k. */
// @ts-ignore: decorator
@inline export function batchGradientDense<T>(
  n: u32, m: u32, k: u32, sets: u32, h: usize, u: usize, v: usize, setWeights: usize, scale: f64,
  out: usize, accumulate: bool, scratch: usize,
): void {
  const rowBytes = <usize>k << alignof<T>();
  if (!accumulate) memory.fill(out, 0, <usize>(n + m) * rowBytes);
  const scaledW = scaledAt<T>(scratch, k);
  for (let b: u32 = 0; b < sets; b++) {
    const coef = scale * <f64>load<T>(at<T>(setWeights, b));
    const hb = at<T>(h, <usize>b * (n + m));
    gradientRows<T>(n, k, hb, v + <usize>b * rowBytes, coef, out, true, scaledW, 0);
    gradientRows<T>(m, k, at<T>(hb, n), u + <usize>b * rowBytes, coef, out + <usize>n * rowBytes, true, scaledW, 0);
  }
}

/**
 * Copies the `count` sets ids[0..count) of a CSR collection (indptr, index, weight or 0,
 * splits) into a batch in CSR form (outIndptr gets count + 1 entries), and each set's float64
 * y and sampleWeight (each 0: none) into outY and outSampleWeight; returns its entries. A set of
 * up to `run` entries (a multiple of 4) has `run` entries copied, the rest of them overwritten
 * by the next set: index and outIndex have room for `run` entries past their last.
 */
// @ts-ignore: decorator
@inline export function gatherSets<T>(
  count: u32, ids: usize, indptr: usize, index: usize, weight: usize, splits: usize, y: usize, sampleWeight: usize,
  outIndptr: usize, outIndex: usize, outWeight: usize, outSplits: usize, outY: usize, outSampleWeight: usize,
  run: u32,
): u32 {
  const runBytes = <usize>run << 2;
  let nnz: u32 = 0;
  store<u32>(outIndptr, 0);
  for (let b: u32 = 0; b < count; b++) {
    const id = u32At(ids, b);
    // the set's target and sample weight, read here beside its rows (a shuffled batch's loads
    // overlap) so that the losses read them in order
    if (y != 0) store<f64>(outY + (<usize>b << 3), load<f64>(y + (<usize>id << 3)));
    if (sampleWeight != 0) store<f64>(outSampleWeight + (<usize>b << 3), load<f64>(sampleWeight + (<usize>id << 3)));
    const first = u32At(indptr, id), end = u32At(indptr, id + 1);
    const from = index + (<usize>first << 2), to = outIndex + (<usize>nnz << 2);
    if (end - first <= run) {
      // a short set in one copy of fixed length: how long it is (a load that often misses the
      // cache) decides no branch, whose misprediction would wait for that load
      let o: usize = 0;
      if (ASC_FEATURE_SIMD) {
        for (; o < runBytes; o += 16) v128.store(to + o, v128.load(from + o));
      } else {
        for (; o < runBytes; o += 4) store<u32>(to + o, load<u32>(from + o));
      }
    } else {
      // element by element: memory.copy costs a call into the engine
      for (let e: u32 = 0; e < end - first; e++) store<u32>(to + (<usize>e << 2), load<u32>(from + (<usize>e << 2)));
    }
    if (weight != 0) {
      for (let e = first, o = nnz; e < end; e++, o++) store<T>(at<T>(outWeight, o), load<T>(at<T>(weight, e)));
    }
    store<u32>(outSplits + (<usize>b << 2), nnz + u32At(splits, id) - first);
    nnz += end - first;
    store<u32>(outIndptr + (<usize>(b + 1) << 2), nnz);
  }
  return nnz;
}
