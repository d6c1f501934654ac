// The module's exports: every kernel in an f32 and an f64 instance. Counts are u32, pointers
// are byte offsets into this module's memory, laid out by the host (src/memory.ts); kernels
// never allocate. `compact` picks the in-cache loop (visit active rows only) over the
// streaming one; both give the same bits.

import * as B from "./batch";
import * as I from "./interaction";
import * as O from "./optimize";
import * as P from "./pool";
import * as G from "./gradient";
import * as D from "./dots";
import * as Tr from "./tree";

// Sizes are computed in 64 bits and returned as f64 (exact below 2^53), so the host sees the
// true size of any shape and refuses what does not fit, instead of a size that wrapped.
export function scratchBytesF32(n: u32, m: u32, k: u32): f64 { return <f64>I.scratchBytes<f32>(n, m, k); }
export function scratchBytesF64(n: u32, m: u32, k: u32): f64 { return <f64>I.scratchBytes<f64>(n, m, k); }

export function pooledF32(n: u32, m: u32, k: u32, phi: usize, h: usize, u: usize, v: usize, scratch: usize, compact: bool): void {
  I.pooled<f32>(n, m, k, phi, h, u, v, scratch, compact);
}
export function pooledF64(n: u32, m: u32, k: u32, phi: usize, h: usize, u: usize, v: usize, scratch: usize, compact: bool): void {
  I.pooled<f64>(n, m, k, phi, h, u, v, scratch, compact);
}

export function valueF32(n: u32, m: u32, k: u32, phi: usize, h: usize, scratch: usize, compact: bool): f32 {
  return I.value<f32>(n, m, k, phi, h, scratch, compact);
}
export function valueF64(n: u32, m: u32, k: u32, phi: usize, h: usize, scratch: usize, compact: bool): f64 {
  return I.value<f64>(n, m, k, phi, h, scratch, compact);
}

export function valueAndGradientF32(
  n: u32, m: u32, k: u32, phi: usize, h: usize, out: usize, scale: f64, accumulate: bool, scratch: usize, compact: bool,
): f32 {
  return I.valueAndGradient<f32>(n, m, k, phi, h, out, scale, accumulate, scratch, compact);
}
export function valueAndGradientF64(
  n: u32, m: u32, k: u32, phi: usize, h: usize, out: usize, scale: f64, accumulate: bool, scratch: usize, compact: bool,
): f64 {
  return I.valueAndGradient<f64>(n, m, k, phi, h, out, scale, accumulate, scratch, compact);
}

export function gateGradientF32(n: u32, m: u32, k: u32, phi: usize, h: usize, out: usize, scratch: usize, compact: bool): f32 {
  return I.gateGradient<f32>(n, m, k, phi, h, out, scratch, compact);
}
export function gateGradientF64(n: u32, m: u32, k: u32, phi: usize, h: usize, out: usize, scratch: usize, compact: bool): f64 {
  return I.gateGradient<f64>(n, m, k, phi, h, out, scratch, compact);
}

// Sparse gates: `count` listed rows (index: u32, strictly increasing), weights (T) or 0 for
// all 1, split = listed rows in group A.

export function sparseValueF32(n: u32, m: u32, k: u32, phi: usize, count: u32, index: usize, weight: usize, split: u32, scratch: usize): f32 {
  return I.sparseValue<f32>(n, m, k, phi, count, index, weight, split, scratch);
}
export function sparseValueF64(n: u32, m: u32, k: u32, phi: usize, count: u32, index: usize, weight: usize, split: u32, scratch: usize): f64 {
  return I.sparseValue<f64>(n, m, k, phi, count, index, weight, split, scratch);
}

export function sparsePooledF32(
  n: u32, m: u32, k: u32, phi: usize, count: u32, index: usize, weight: usize, split: u32, u: usize, v: usize, scratch: usize,
): void {
  I.sparsePooled<f32>(n, m, k, phi, count, index, weight, split, u, v, scratch);
}
export function sparsePooledF64(
  n: u32, m: u32, k: u32, phi: usize, count: u32, index: usize, weight: usize, split: u32, u: usize, v: usize, scratch: usize,
): void {
  I.sparsePooled<f64>(n, m, k, phi, count, index, weight, split, u, v, scratch);
}

export function sparseValueAndGradientF32(
  n: u32, m: u32, k: u32, phi: usize, count: u32, index: usize, weight: usize, split: u32,
  out: usize, scale: f64, accumulate: bool, dense: bool, scratch: usize,
): f32 {
  return I.sparseValueAndGradient<f32>(n, m, k, phi, count, index, weight, split, out, scale, accumulate, dense, scratch);
}
export function sparseValueAndGradientF64(
  n: u32, m: u32, k: u32, phi: usize, count: u32, index: usize, weight: usize, split: u32,
  out: usize, scale: f64, accumulate: bool, dense: bool, scratch: usize,
): f64 {
  return I.sparseValueAndGradient<f64>(n, m, k, phi, count, index, weight, split, out, scale, accumulate, dense, scratch);
}

export function sparseGateGradientF32(
  n: u32, m: u32, k: u32, phi: usize, count: u32, index: usize, weight: usize, split: u32, out: usize, scratch: usize,
): f32 {
  return I.sparseGateGradient<f32>(n, m, k, phi, count, index, weight, split, out, scratch);
}
export function sparseGateGradientF64(
  n: u32, m: u32, k: u32, phi: usize, count: u32, index: usize, weight: usize, split: u32, out: usize, scratch: usize,
): f64 {
  return I.sparseGateGradient<f64>(n, m, k, phi, count, index, weight, split, out, scratch);
}

// Batches: `sets` gate sets as CSR (indptr: u32, sets + 1 entries; splits: u32 per set, the
// position where its group-B rows begin) or as dense rows of n + m gates.

export function batchPooledListedF32(
  n: u32, m: u32, k: u32, phi: usize, sets: u32, indptr: usize, index: usize, weight: usize, splits: usize,
  u: usize, v: usize, values: usize, scratch: usize,
): void {
  B.batchPooledListed<f32>(n, m, k, phi, sets, indptr, index, weight, splits, u, v, values, scratch);
}
export function batchPooledListedF64(
  n: u32, m: u32, k: u32, phi: usize, sets: u32, indptr: usize, index: usize, weight: usize, splits: usize,
  u: usize, v: usize, values: usize, scratch: usize,
): void {
  B.batchPooledListed<f64>(n, m, k, phi, sets, indptr, index, weight, splits, u, v, values, scratch);
}

export function batchPooledDenseF32(
  n: u32, m: u32, k: u32, phi: usize, sets: u32, h: usize, u: usize, v: usize, values: usize, scratch: usize, compact: bool,
): void {
  B.batchPooledDense<f32>(n, m, k, phi, sets, h, u, v, values, scratch, compact);
}
export function batchPooledDenseF64(
  n: u32, m: u32, k: u32, phi: usize, sets: u32, h: usize, u: usize, v: usize, values: usize, scratch: usize, compact: bool,
): void {
  B.batchPooledDense<f64>(n, m, k, phi, sets, h, u, v, values, scratch, compact);
}

export function batchGradientListedF32(
  n: u32, m: u32, k: u32, sets: u32, indptr: usize, index: usize, weight: usize, splits: usize,
  u: usize, v: usize, setWeights: usize, scale: f64, out: usize, accumulate: bool, dense: bool, scratch: usize,
): void {
  B.batchGradientListed<f32>(n, m, k, sets, indptr, index, weight, splits, u, v, setWeights, scale, out, accumulate, dense, scratch);
}
export function batchGradientListedF64(
  n: u32, m: u32, k: u32, sets: u32, indptr: usize, index: usize, weight: usize, splits: usize,
  u: usize, v: usize, setWeights: usize, scale: f64, out: usize, accumulate: bool, dense: bool, scratch: usize,
): void {
  B.batchGradientListed<f64>(n, m, k, sets, indptr, index, weight, splits, u, v, setWeights, scale, out, accumulate, dense, scratch);
}

export function batchGradientDenseF32(
  n: u32, m: u32, k: u32, sets: u32, h: usize, u: usize, v: usize, setWeights: usize, scale: f64,
  out: usize, accumulate: bool, scratch: usize,
): void {
  B.batchGradientDense<f32>(n, m, k, sets, h, u, v, setWeights, scale, out, accumulate, scratch);
}
export function batchGradientDenseF64(
  n: u32, m: u32, k: u32, sets: u32, h: usize, u: usize, v: usize, setWeights: usize, scale: f64,
  out: usize, accumulate: bool, scratch: usize,
): void {
  B.batchGradientDense<f64>(n, m, k, sets, h, u, v, setWeights, scale, out, accumulate, scratch);
}

export function gatherSetsF32(
  count: u32, ids: usize, indptr: usize, index: usize, weight: usize, splits: usize,
  outIndptr: usize, outIndex: usize, outWeight: usize, outSplits: usize,
): u32 {
  return B.gatherSets<f32>(count, ids, indptr, index, weight, splits, outIndptr, outIndex, outWeight, outSplits);
}
export function gatherSetsF64(
  count: u32, ids: usize, indptr: usize, index: usize, weight: usize, splits: usize,
  outIndptr: usize, outIndex: usize, outWeight: usize, outSplits: usize,
): u32 {
  return B.gatherSets<f64>(count, ids, indptr, index, weight, splits, outIndptr, outIndex, outWeight, outSplits);
}

// Optimizer steps on a list of rows (optimize.ts).

export function sgdRowsF32(
  count: u32, list: usize, k: u32, phi: usize, grad: usize, velocity: usize,
  lr: f64, mu: f64, nesterov: bool, decay: f64, gradScale: f64, l2: f64,
): void {
  O.sgdRows<f32>(count, list, k, phi, grad, velocity, lr, mu, nesterov, decay, gradScale, l2);
}
export function sgdRowsF64(
  count: u32, list: usize, k: u32, phi: usize, grad: usize, velocity: usize,
  lr: f64, mu: f64, nesterov: bool, decay: f64, gradScale: f64, l2: f64,
): void {
  O.sgdRows<f64>(count, list, k, phi, grad, velocity, lr, mu, nesterov, decay, gradScale, l2);
}
export function adagradRowsF32(
  count: u32, list: usize, k: u32, phi: usize, grad: usize, accum: usize, lr: f64, eps: f64, decay: f64, gradScale: f64, l2: f64,
): void {
  O.adagradRows<f32>(count, list, k, phi, grad, accum, lr, eps, decay, gradScale, l2);
}
export function adagradRowsF64(
  count: u32, list: usize, k: u32, phi: usize, grad: usize, accum: usize, lr: f64, eps: f64, decay: f64, gradScale: f64, l2: f64,
): void {
  O.adagradRows<f64>(count, list, k, phi, grad, accum, lr, eps, decay, gradScale, l2);
}
export function adamRowsF32(
  count: u32, list: usize, k: u32, phi: usize, grad: usize, mom: usize, vel: usize,
  lr: f64, b1: f64, b2: f64, eps: f64, c1: f64, c2: f64, decay: f64, gradScale: f64, l2: f64,
): void {
  O.adamRows<f32>(count, list, k, phi, grad, mom, vel, lr, b1, b2, eps, c1, c2, decay, gradScale, l2);
}
export function adamRowsF64(
  count: u32, list: usize, k: u32, phi: usize, grad: usize, mom: usize, vel: usize,
  lr: f64, b1: f64, b2: f64, eps: f64, c1: f64, c2: f64, decay: f64, gradScale: f64, l2: f64,
): void {
  O.adamRows<f64>(count, list, k, phi, grad, mom, vel, lr, b1, b2, eps, c1, c2, decay, gradScale, l2);
}
export function gradientNormSquaredF32(count: u32, list: usize, k: u32, phi: usize, grad: usize, l2: f64): f64 {
  return O.gradientNormSquared<f32>(count, list, k, phi, grad, l2);
}
export function gradientNormSquaredF64(count: u32, list: usize, k: u32, phi: usize, grad: usize, l2: f64): f64 {
  return O.gradientNormSquared<f64>(count, list, k, phi, grad, l2);
}
export function firstNonFiniteRowF32(count: u32, list: usize, k: u32, phi: usize): i32 {
  return O.firstNonFiniteRow<f32>(count, list, k, phi);
}
export function firstNonFiniteRowF64(count: u32, list: usize, k: u32, phi: usize): i32 {
  return O.firstNonFiniteRow<f64>(count, list, k, phi);
}
export function zeroRowsF32(count: u32, list: usize, k: u32, a: usize): void {
  O.zeroRows<f32>(count, list, k, a);
}
export function zeroRowsF64(count: u32, list: usize, k: u32, a: usize): void {
  O.zeroRows<f64>(count, list, k, a);
}
export function distinctRows(count: u32, index: usize, marks: usize, list: usize): u32 {
  return O.distinctRows(count, index, marks, list);
}

// Ranges of rows (chunked and threaded passes): pooled nodes of a range, their combination,
// F from float64 pooled sums, and gradient or dot rows of a range.

export function rangeScratchBytesF32(rows: u32, first: u32, k: u32): f64 { return <f64>P.rangeScratchBytes<f32>(rows, first, k); }
export function rangeScratchBytesF64(rows: u32, first: u32, k: u32): f64 { return <f64>P.rangeScratchBytes<f64>(rows, first, k); }
export function poolRangeF32(rows: u32, k: u32, phi: usize, h: usize, first: u32, meta: usize, values: usize, scratch: usize, compact: bool): u32 {
  return P.poolRange<f32>(rows, k, phi, h, first, meta, values, scratch, compact);
}
export function poolRangeF64(rows: u32, k: u32, phi: usize, h: usize, first: u32, meta: usize, values: usize, scratch: usize, compact: bool): u32 {
  return P.poolRange<f64>(rows, k, phi, h, first, meta, values, scratch, compact);
}
export function combineScratchBytesF32(count: u32, k: u32): f64 { return <f64>Tr.combineScratchBytes<f32>(count, k); }
export function combineScratchBytesF64(count: u32, k: u32): f64 { return <f64>Tr.combineScratchBytes<f64>(count, k); }
export function combineF32(count: u32, k: u32, meta: usize, values: usize, blocks: u32, out: usize, out64: usize, scratch: usize): void {
  Tr.combine<f32>(count, k, meta, values, blocks, out, out64, scratch);
}
export function combineF64(count: u32, k: u32, meta: usize, values: usize, blocks: u32, out: usize, out64: usize, scratch: usize): void {
  Tr.combine<f64>(count, k, meta, values, blocks, out, out64, scratch);
}
export function dot64F32(k: u32, u64: usize, v64: usize): f32 { return I.dot64<f32>(k, u64, v64); }
export function dot64F64(k: u32, u64: usize, v64: usize): f64 { return I.dot64<f64>(k, u64, v64); }
export function gradientRowsF32(rows: u32, k: u32, h: usize, w: usize, scale: f64, out: usize, accumulate: bool, sw: usize): void {
  G.gradientRows<f32>(rows, k, h, w, scale, out, accumulate, sw);
}
export function gradientRowsF64(rows: u32, k: u32, h: usize, w: usize, scale: f64, out: usize, accumulate: bool, sw: usize): void {
  G.gradientRows<f64>(rows, k, h, w, scale, out, accumulate, sw);
}
export function rowDotsF32(rows: u32, k: u32, phi: usize, w: usize, out: usize): void { D.rowDots<f32>(rows, k, phi, w, out); }
export function rowDotsF64(rows: u32, k: u32, phi: usize, w: usize, out: usize): void { D.rowDots<f64>(rows, k, phi, w, out); }

/** First byte the host may lay out: everything below belongs to the module. */
export function heapBase(): usize { return __heap_base; }

/** Whether this is the SIMD build (the scalar build is the same source without v128). */
export function simdBuild(): bool { return ASC_FEATURE_SIMD; }
