// The factorization-machine family's F (docs/design.md §16): G fields of contiguous rows, weighted
// pairs of fields (a pair [g, g] is the pairs of rows within g), row weights w and an offset w0.
//
// Each field is pooled as a group is (pool.ts, sparse.ts: the same blocks and tree, so u_g has the
// bits of a group of its rows). The context of field g, c_g = sum over its pairs of rho u_other
// (+ rho_gg u_g), is formed in float64 from the pooled sums before their rounding, then rounded to T
// once. A field without a self pair then takes the two-field kernels' rank-one gradient rows
// T(scale h_r) c_g (gradient.ts) and dots <phi_r, c_g> (dots.ts); a field with one reads phi_r again
// (selfRow): d_r = c_g - T(rho_gg h_r) phi_r, its gradient row T(scale h_r) d_r, its dot <phi_r, d_r>,
// and h_r^2 |phi_r|^2 in float64 for F's self term.
//
// A field's float64 sums over rows (the linear term's h_r w_r, the self term's h_r^2 |phi_r|^2) add
// each block of BLOCK_ROWS rows in row order and the blocks' sums in block order, skipping rows whose
// gate is 0: the listed rows of sparse gates give the bits of the dense pass.

import { BLOCK_ROWS, at, blocksOf, gateMask, laneSum, lanes, paddedColumnsOf, vectorColumns } from "./common";
import { dot64 } from "./interaction";
import { pool, poolScratchBytes } from "./pool";
import { gradientRows } from "./gradient";
import { dotsListed, gradientListed, poolListed } from "./sparse";
import { rowDots } from "./dots";

// Scratch (bytes from `scratch`): G slots of T (u_g) | G slots of T (c_g) | G slots of float64
// (u_g before rounding) | one float64 slot (a context before rounding) | G float64 (the fields'
// self sums) | G float64 (their linear sums) | the scaled row (T) and 16 bytes (gradient.ts) | a
// block's self sum (16 bytes) | the pooling pass's scratch for the largest field | the blocks' sums
// of one field (fieldRows: two float64 a block).

// @ts-ignore: decorator
@inline function slotBytes<T>(k: u32): usize { return paddedColumnsOf<T, usize>(k) << alignof<T>(); }
// @ts-ignore: decorator
@inline function slot64Bytes<T>(k: u32): usize { return paddedColumnsOf<T, usize>(k) << 3; }
// @ts-ignore: decorator
@inline function uAt<T>(scratch: usize, k: u32, g: u32): usize { return scratch + <usize>g * slotBytes<T>(k); }
// @ts-ignore: decorator
@inline function cAt<T>(scratch: usize, G: u32, k: u32, g: u32): usize { return uAt<T>(scratch, k, G + g); }
// @ts-ignore: decorator
@inline function u64At<T>(scratch: usize, G: u32, k: u32, g: u32): usize {
  return uAt<T>(scratch, k, 2 * G) + <usize>g * slot64Bytes<T>(k);
}
// @ts-ignore: decorator
@inline function selfSumAt<T>(scratch: usize, G: u32, k: u32, g: u32): usize {
  return u64At<T>(scratch, G, k, G + 1) + (<usize>g << 3);
}
// @ts-ignore: decorator
@inline function linearSumAt<T>(scratch: usize, G: u32, k: u32, g: u32): usize {
  return selfSumAt<T>(scratch, G, k, G + g);
}
// @ts-ignore: decorator
@inline function scaledAt<T>(scratch: usize, G: u32, k: u32): usize { return selfSumAt<T>(scratch, G, k, 2 * G); }
// @ts-ignore: decorator
@inline function normsAt<T>(scratch: usize, G: u32, k: u32): usize {
  return scaledAt<T>(scratch, G, k) + slotBytes<T>(k) + 16;
}
// @ts-ignore: decorator
@inline function restAt<T>(scratch: usize, G: u32, k: u32): usize { return normsAt<T>(scratch, G, k) + 16; }

/** Bytes of scratch the field kernels need for G fields, the largest of `largest` rows (64 bits). */
export function fieldsScratchBytes<T>(G: u32, largest: u32, k: u32): u64 {
  const slot = paddedColumnsOf<T, u64>(k) << alignof<T>(), slot64 = paddedColumnsOf<T, u64>(k) << 3;
  const slots = <u64>(2 * G) * slot + <u64>(G + 1) * slot64;
  const sums = <u64>blocksOf(largest) << 4;
  const rows = (paddedColumnsOf<T, u64>(k) << alignof<T>()) + 32;
  return slots + (<u64>G << 4) + rows + poolScratchBytes<T>(largest, k) + sums;
}

/** The rows of the largest of G fields. */
function largestOf(G: u32, counts: usize): u32 {
  let largest: u32 = 0;
  for (let g: u32 = 0; g < G; g++) largest = max(largest, load<u32>(counts + (<usize>g << 2)));
  return largest;
}

/** The pair of field g with itself, or -1. */
// @ts-ignore: decorator
@inline function selfPair(P: u32, pairs: usize, g: u32): i32 {
  for (let p: u32 = 0; p < P; p++) {
    const e = pairs + (<usize>p << 3);
    if (load<u32>(e) == g && load<u32>(e, 4) == g) return <i32>p;
  }
  return -1;
}

/** c_g = T(sum over the pairs of g, in list order, of rho u64_other), for every field. */
function contexts<T>(G: u32, P: u32, pairs: usize, rho: usize, k: u32, scratch: usize): void {
  const c64 = u64At<T>(scratch, G, k, G);
  for (let g: u32 = 0; g < G; g++) {
    for (let c: u32 = 0; c < k; c++) store<f64>(at<f64>(c64, c), 0);
    for (let p: u32 = 0; p < P; p++) {
      const e = pairs + (<usize>p << 3);
      const a = load<u32>(e), b = load<u32>(e, 4);
      if (a != g && b != g) continue;
      const other = u64At<T>(scratch, G, k, a == g ? b : a);
      const r = load<f64>(rho + (<usize>p << 3));
      for (let c: u32 = 0; c < k; c++) {
        store<f64>(at<f64>(c64, c), load<f64>(at<f64>(c64, c)) + r * load<f64>(at<f64>(other, c)));
      }
    }
    const cg = cAt<T>(scratch, G, k, g);
    for (let c: u32 = 0; c < k; c++) store<T>(at<T>(cg, c), <T>load<f64>(at<f64>(c64, c)));
  }
}

/**
 * One row of a field with a self pair (weight rho), with no branch on its gate (random gates
 * would mispredict half the time): d = c - T(rho gate) row (c itself for a gate of 0 and a finite
 * row); out (+)= T(scale gate) d if write, masked to +0 (or left as it was, when accumulating) for
 * a gate of 0; dotOut = <row, d> + 0 if dots. Adds T(gate^2) |row|^2 to the block's self sum at
 * `norms` (T: a vector of partial sums, two interleaved a vector apart, the tail in lane 0; a scalar
 * in the scalar build), +0 for a gate of 0 even over NaN: no horizontal sum per row.
 */
// @ts-ignore: decorator
@inline function selfRow<T>(
  k: u32, row: usize, gate: T, ctx: usize, rho: f64, scale: f64, out: usize, write: bool, accumulate: bool,
  dots: bool, dotOut: usize, norms: usize,
): void {
  const L = lanes<T>();
  const kv = vectorColumns<T>(k);
  const on = gate != 0;
  const a = <T>(rho * <f64>gate), coef = <T>(scale * <f64>gate);
  let c: u32 = 0;
  const square = <T>(<f64>gate * <f64>gate);
  let dot: T = 0, norm: T = 0;
  if (ASC_FEATURE_SIMD) {
    const mask = gateMask<T>(v128.splat<T>(gate));
    const av = v128.splat<T>(a), cv = v128.splat<T>(coef);
    let d0 = v128.splat<T>(0), d1 = d0, n0 = d0, n1 = d0;
    // 2 vectors a step
    for (; c + 2 * L <= kv; c += 2 * L) {
      const o = <usize>c << alignof<T>();
      const p0 = v128.load(row + o), p1 = v128.load(row + o, 16);
      const e0 = v128.sub<T>(v128.load(ctx + o), v128.mul<T>(av, p0));
      const e1 = v128.sub<T>(v128.load(ctx + o, 16), v128.mul<T>(av, p1));
      if (write) {
        selfVector<T>(out + o, v128.mul<T>(cv, e0), mask, accumulate);
        selfVector<T>(out + o + 16, v128.mul<T>(cv, e1), mask, accumulate);
      }
      if (dots) {
        d0 = v128.add<T>(d0, v128.mul<T>(p0, e0));
        d1 = v128.add<T>(d1, v128.mul<T>(p1, e1));
      }
      n0 = v128.add<T>(n0, v128.mul<T>(p0, p0));
      n1 = v128.add<T>(n1, v128.mul<T>(p1, p1));
    }
    // a single vector
    for (; c < kv; c += L) {
      const o = <usize>c << alignof<T>();
      const p0 = v128.load(row + o);
      const e0 = v128.sub<T>(v128.load(ctx + o), v128.mul<T>(av, p0));
      if (write) selfVector<T>(out + o, v128.mul<T>(cv, e0), mask, accumulate);
      if (dots) d0 = v128.add<T>(d0, v128.mul<T>(p0, e0));
      n0 = v128.add<T>(n0, v128.mul<T>(p0, p0));
    }
    if (dots) dot = laneSum<T>(v128.add<T>(d0, d1));
    // the tail's squares into lane 0
    for (let t = kv; t < k; t++) norm += load<T>(at<T>(row, t)) * load<T>(at<T>(row, t));
    const rowNorms = v128.add<T>(n0, n1);
    const withTail = sizeof<T>() == 4
      ? f32x4.replace_lane(rowNorms, 0, f32x4.extract_lane(rowNorms, 0) + <f32>norm)
      : f64x2.replace_lane(rowNorms, 0, f64x2.extract_lane(rowNorms, 0) + <f64>norm);
    v128.store(norms, v128.add<T>(v128.load(norms), v128.and(v128.mul<T>(withTail, v128.splat<T>(square)), mask)));
  }
  // scalar tail
  for (; c < k; c++) {
    const x = load<T>(at<T>(row, c));
    const d = load<T>(at<T>(ctx, c)) - a * x;
    if (write) {
      const p = at<T>(out, c);
      if (accumulate) store<T>(p, on ? load<T>(p) + coef * d : load<T>(p));
      else store<T>(p, on ? coef * d : <T>0);
    }
    if (dots) dot += x * d;
    if (!ASC_FEATURE_SIMD) norm += x * x;
  }
  if (dots) store<T>(dotOut, dot + <T>0);
  if (!ASC_FEATURE_SIMD) store<T>(norms, load<T>(norms) + select<T>(square * norm, 0, on));
}

/** One vector of a self-paired gradient row: g masked to +0 (writing) or added where the gate is on (accumulating). */
// @ts-ignore: decorator
@inline function selfVector<T>(out: usize, g: v128, mask: v128, accumulate: bool): void {
  if (accumulate) {
    const old = v128.load(out);
    v128.store(out, v128.bitselect(v128.add<T>(old, g), old, mask));
  } else {
    v128.store(out, v128.and(g, mask));
  }
}

/** A block's self sum (at `norms`: T, a vector in the SIMD build) as float64, and zeroed for the next block. */
// @ts-ignore: decorator
@inline function takeNorms<T>(norms: usize): f64 {
  let sum: f64;
  if (ASC_FEATURE_SIMD) {
    sum = <f64>laneSum<T>(v128.load(norms));
    v128.store(norms, v128.splat<i32>(0));
  } else {
    sum = <f64>load<T>(norms);
    store<T>(norms, 0);
  }
  return sum;
}

/** The rows of selfRows with its flags as constants (each call site below is a loop of its own). */
// @ts-ignore: decorator
@inline function selfBlocks<T>(
  rows: u32, k: u32, phi: usize, h: usize, c: usize, rho: f64, scale: f64, out: usize, accumulate: bool,
  gateOut: usize, norms: usize, sums: usize, write: bool, dots: bool,
): void {
  const rowBytes = <usize>k << alignof<T>();
  takeNorms<T>(norms);
  for (let start: u32 = 0; start < rows; start += BLOCK_ROWS) {
    const end = start + min(BLOCK_ROWS, rows - start);
    for (let r = start; r < end; r++) {
      const o = <usize>r * rowBytes;
      const gate = load<T>(at<T>(h, r));
      selfRow<T>(k, phi + o, gate, c, rho, scale, out + o, write, accumulate, dots, at<T>(gateOut, r), norms);
    }
    store<f64>(sums + (<usize>(start / BLOCK_ROWS) << 4), takeNorms<T>(norms));
  }
}

/**
 * A self-paired field's rows 0..rows-1 (selfRow each; out and gateOut 0: none), and each block's
 * self sum sum h_r^2 |phi_r|^2 (its rows in order) into sums[2b] (float64).
 */
function selfRows<T>(
  rows: u32, k: u32, phi: usize, h: usize, c: usize, rho: f64, scale: f64, out: usize, accumulate: bool,
  gateOut: usize, norms: usize, sums: usize,
): void {
  // writing and dots as constants: a loop for each (F alone reads each row for its square only)
  const a = accumulate;
  if (out != 0 && gateOut != 0) selfBlocks<T>(rows, k, phi, h, c, rho, scale, out, a, gateOut, norms, sums, true, true);
  else if (out != 0) selfBlocks<T>(rows, k, phi, h, c, rho, scale, out, a, gateOut, norms, sums, true, false);
  else if (gateOut != 0) selfBlocks<T>(rows, k, phi, h, c, rho, scale, out, a, gateOut, norms, sums, false, true);
  else selfBlocks<T>(rows, k, phi, h, c, rho, scale, out, a, gateOut, norms, sums, false, false);
}

/**
 * selfRows over the `count` listed rows of one field (global indices from `first`; weights, or 0
 * for all 1): gradient rows at their own rows (dense) or in list order, dots in list order.
 */
function selfListed<T>(
  count: u32, k: u32, phi: usize, index: usize, weight: usize, first: u32, c: usize, rho: f64, scale: f64,
  out: usize, accumulate: bool, dense: bool, gateOut: usize, norms: usize,
): f64 {
  const rowBytes = <usize>k << alignof<T>();
  let total: f64 = 0;
  takeNorms<T>(norms);
  for (let i: u32 = 0; i < count; ) {
    const blockOf = (load<u32>(index + (<usize>i << 2)) - first) / BLOCK_ROWS;
    for (; i < count; i++) {
      const r = load<u32>(index + (<usize>i << 2));
      if ((r - first) / BLOCK_ROWS != blockOf) break;
      const gate: T = weight == 0 ? 1 : load<T>(at<T>(weight, i));
      const to = out == 0 ? <usize>0 : out + <usize>(dense ? r : i) * rowBytes;
      selfRow<T>(
        k, phi + <usize>r * rowBytes, gate, c, rho, scale, to, out != 0, accumulate, gateOut != 0, at<T>(gateOut, i),
        norms,
      );
    }
    total += takeNorms<T>(norms);
  }
  return total;
}

/** x if on, else +0 (whatever x is), with integer operations: no branch. */
// @ts-ignore: decorator
@inline function maskedTerm(x: f64, on: bool): f64 {
  return reinterpret<f64>(reinterpret<i64>(x) & -(<i64>on));
}

/** Each block's sum h_r w_r over its rows whose gate is not 0 (in row order, float64) into sums[2b + 1]. */
function linearRows<T>(rows: u32, h: usize, w: usize, sums: usize): void {
  for (let start: u32 = 0; start < rows; start += BLOCK_ROWS) {
    const end = start + min(BLOCK_ROWS, rows - start);
    let block: f64 = 0;
    // no branch on the gate (random gates would mispredict half the time; V8 compiles a float
    // select to a branch): a row whose gate is 0 adds +0, even over a NaN weight, by masking bits
    for (let r = start; r < end; r++) {
      const g = load<T>(at<T>(h, r));
      block += maskedTerm(<f64>g * <f64>load<T>(at<T>(w, r)), g != 0);
    }
    store<f64>(sums + (<usize>(start / BLOCK_ROWS) << 4), block, 8);
  }
}

/** Bytes of scratch fieldRows needs (64 bits): the scaled row (T) and 16 bytes (gradient.ts), a block's self sum. */
export function fieldRowsScratchBytes<T>(k: u32): u64 {
  return (paddedColumnsOf<T, u64>(k) << alignof<T>()) + 32;
}

/**
 * The rows of one field (or a range of its blocks: rows from a block boundary) once its context c
 * (T, k) is known: out (+)= scale * dF/dphi and gateOut = dF/dh for rows 0..rows-1 (a pointer of 0
 * asks for nothing), and each block b's float64 sums into sums[2b] (the self sum sum h_r^2
 * |phi_r|^2, 0 without a self pair) and sums[2b + 1] (the linear sum h_r w_r, 0 without w). A
 * field's sums are these added in block order (docs/design.md §16), whichever range computed them.
 */
export function fieldRows<T>(
  rows: u32, k: u32, phi: usize, h: usize, w: usize, c: usize, self: bool, rho: f64, scale: f64, out: usize,
  accumulate: bool, gateOut: usize, sums: usize, scratch: usize, plan: u32,
): void {
  const scaled = scratch, norms = scratch + slotBytes<T>(k) + 16;
  if (self) {
    selfRows<T>(rows, k, phi, h, c, rho, scale, out, accumulate, gateOut, norms, sums);
  } else {
    for (let b: u32 = 0; b < blocksOf(rows); b++) store<f64>(sums + (<usize>b << 4), 0);
    if (out != 0) gradientRows<T>(rows, k, h, c, scale, out, accumulate, scaled, plan);
    if (gateOut != 0) rowDots<T>(rows, k, phi, c, gateOut);
  }
  if (w != 0) {
    linearRows<T>(rows, h, w, sums);
    if (gateOut != 0) addWeights<T>(rows, gateOut, w);
  } else {
    for (let b: u32 = 0; b < blocksOf(rows); b++) store<f64>(sums + (<usize>b << 4), 0, 8);
  }
}

/** A field's sums from its blocks' (fieldRows): into its self sum and linear sum slots, added in block order. */
function foldSums<T>(rows: u32, sums: usize, scratch: usize, G: u32, k: u32, g: u32): void {
  let self: f64 = 0, linear: f64 = 0;
  for (let b: u32 = 0; b < blocksOf(rows); b++) {
    self += load<f64>(sums + (<usize>b << 4));
    linear += load<f64>(sums + (<usize>b << 4), 8);
  }
  store<f64>(selfSumAt<T>(scratch, G, k, g), self);
  store<f64>(linearSumAt<T>(scratch, G, k, g), linear);
}

/** linearRows over the listed rows of one field (global indices from `first`). */
function linearListed<T>(count: u32, index: usize, weight: usize, first: u32, w: usize): f64 {
  let total: f64 = 0;
  for (let i: u32 = 0; i < count; ) {
    const blockOf = (load<u32>(index + (<usize>i << 2)) - first) / BLOCK_ROWS;
    let block: f64 = 0;
    for (; i < count; i++) {
      const r = load<u32>(index + (<usize>i << 2));
      if ((r - first) / BLOCK_ROWS != blockOf) break;
      const g: T = weight == 0 ? 1 : load<T>(at<T>(weight, i));
      if (g != 0) block += <f64>g * <f64>load<T>(at<T>(w, r));
    }
    total += block;
  }
  return total;
}

/**
 * F = w0 + the fields' linear sums + sum over pairs of rho_p times the pair's term (cross: <u_a, u_b>;
 * self: 1/2 (|u_g|^2 - the field's self sum)), in float64 from the pooled sums before rounding, then
 * rounded to T; each pair's term into pairOut (T, if not 0) and the pooled sums into pooledOut.
 */
function finish<T>(
  G: u32, P: u32, pairs: usize, rho: usize, k: u32, w0: f64, scratch: usize, pairOut: usize, pooledOut: usize,
): T {
  let F = w0;
  for (let g: u32 = 0; g < G; g++) F += load<f64>(linearSumAt<T>(scratch, G, k, g));
  for (let p: u32 = 0; p < P; p++) {
    const e = pairs + (<usize>p << 3);
    const a = load<u32>(e), b = load<u32>(e, 4);
    const inner = dot64<f64>(k, u64At<T>(scratch, G, k, a), u64At<T>(scratch, G, k, b));
    const term = a == b ? 0.5 * (inner - load<f64>(selfSumAt<T>(scratch, G, k, a))) : inner;
    if (pairOut != 0) store<T>(at<T>(pairOut, p), <T>term);
    F += load<f64>(rho + (<usize>p << 3)) * term;
  }
  if (pooledOut != 0) {
    const bytes = <usize>k << alignof<T>();
    for (let g: u32 = 0; g < G; g++) memory.copy(pooledOut + <usize>g * bytes, uAt<T>(scratch, k, g), bytes);
  }
  return <T>F;
}

/** gateOut[r] += w[r] for rows 0..rows-1 (dF/dh's row weight). */
// @ts-ignore: decorator
@inline function addWeights<T>(rows: u32, gateOut: usize, w: usize): void {
  for (let r: u32 = 0; r < rows; r++) store<T>(at<T>(gateOut, r), load<T>(at<T>(gateOut, r)) + load<T>(at<T>(w, r)));
}

/**
 * F of dense gates h (rows of every field), and what is asked of its gradients: out (+)= scale *
 * dF/dphi, gateOut = dF/dh (every row), pairOut = dF/drho (one a pair), pooledOut = the u_g (G x k);
 * a pointer of 0 asks for nothing. counts: G row counts (u32); pairs: P pairs (u32, u32); rho: P
 * float64; w: a weight a row (T) or 0 for none. Returns F.
 */
export function fieldsDense<T>(
  G: u32, counts: usize, P: u32, pairs: usize, rho: usize, k: u32, phi: usize, h: usize, w: usize, w0: f64,
  out: usize, scale: f64, accumulate: bool, gateOut: usize, pairOut: usize, pooledOut: usize, scratch: usize,
  plan: u32,
): T {
  const rowBytes = <usize>k << alignof<T>();
  const rest = restAt<T>(scratch, G, k);
  let start: usize = 0;
  for (let g: u32 = 0; g < G; g++) {
    const rows = load<u32>(counts + (<usize>g << 2));
    const u = uAt<T>(scratch, k, g), u64 = u64At<T>(scratch, G, k, g);
    pool<T>(rows, k, phi + start * rowBytes, at<T>(h, start), u, u64, rest, plan);
    start += rows;
  }
  contexts<T>(G, P, pairs, rho, k, scratch);
  start = 0;
  const sums = restAt<T>(scratch, G, k) + <usize>poolScratchBytes<T>(largestOf(G, counts), k);
  for (let g: u32 = 0; g < G; g++) {
    const rows = load<u32>(counts + (<usize>g << 2));
    const outG = out == 0 ? <usize>0 : out + start * rowBytes;
    const gateG = gateOut == 0 ? <usize>0 : at<T>(gateOut, start);
    const self = selfPair(P, pairs, g);
    const r = self >= 0 ? load<f64>(rho + (<usize>self << 3)) : 0;
    const wG = w == 0 ? <usize>0 : at<T>(w, start), c = cAt<T>(scratch, G, k, g);
    const phiG = phi + start * rowBytes, hG = at<T>(h, start), rowsScratch = scaledAt<T>(scratch, G, k);
    fieldRows<T>(rows, k, phiG, hG, wG, c, self >= 0, r, scale, outG, accumulate, gateG, sums, rowsScratch, plan);
    foldSums<T>(rows, sums, scratch, G, k, g);
    start += rows;
  }
  return finish<T>(G, P, pairs, rho, k, w0, scratch, pairOut, pooledOut);
}

/**
 * fieldsDense for sparse gates: `count` listed rows (global indices, strictly increasing) with
 * weights (or 0: all 1). out holds the listed rows' gradient rows at their own rows (dense: every
 * other row zeroed unless accumulating) or in list order; gateOut the listed rows' dF/dh, in list order.
 */
export function fieldsSparse<T>(
  G: u32, counts: usize, P: u32, pairs: usize, rho: usize, k: u32, phi: usize, count: u32, index: usize,
  weight: usize, w: usize, w0: f64, out: usize, scale: f64, accumulate: bool, dense: bool, gateOut: usize,
  pairOut: usize, pooledOut: usize, scratch: usize,
): T {
  const rowBytes = <usize>k << alignof<T>();
  const rest = restAt<T>(scratch, G, k);
  let rowsTotal: usize = 0;
  for (let g: u32 = 0; g < G; g++) rowsTotal += load<u32>(counts + (<usize>g << 2));
  if (out != 0 && dense && !accumulate) memory.fill(out, 0, rowsTotal * rowBytes);
  // each field's listed rows are one run of the list
  let first: u32 = 0, i: u32 = 0;
  for (let g: u32 = 0; g < G; g++) {
    const rows = load<u32>(counts + (<usize>g << 2));
    let j = i;
    while (j < count && load<u32>(index + (<usize>j << 2)) - first < rows) j++;
    const idx = index + (<usize>i << 2), wt = weight == 0 ? <usize>0 : at<T>(weight, i);
    poolListed<T>(j - i, k, phi, idx, wt, first, rows, uAt<T>(scratch, k, g), u64At<T>(scratch, G, k, g), rest);
    // the run's start, kept in the self sum's slot until the contexts are known
    store<u32>(selfSumAt<T>(scratch, G, k, g), i);
    store<u32>(selfSumAt<T>(scratch, G, k, g), j, 4);
    first += rows;
    i = j;
  }
  contexts<T>(G, P, pairs, rho, k, scratch);
  first = 0;
  for (let g: u32 = 0; g < G; g++) {
    const rows = load<u32>(counts + (<usize>g << 2));
    i = load<u32>(selfSumAt<T>(scratch, G, k, g));
    const n = load<u32>(selfSumAt<T>(scratch, G, k, g), 4) - i;
    const idx = index + (<usize>i << 2), wt = weight == 0 ? <usize>0 : at<T>(weight, i), c = cAt<T>(scratch, G, k, g);
    const outG = out == 0 ? <usize>0 : dense ? out : out + <usize>i * rowBytes;
    const gateG = gateOut == 0 ? <usize>0 : at<T>(gateOut, i);
    const self = selfPair(P, pairs, g);
    let selfSum: f64 = 0;
    if (self >= 0) {
      const r = load<f64>(rho + (<usize>self << 3));
      const norms = normsAt<T>(scratch, G, k);
      selfSum = selfListed<T>(n, k, phi, idx, wt, first, c, r, scale, outG, accumulate, dense, gateG, norms);
    } else {
      if (outG != 0) gradientListed<T>(n, k, idx, wt, c, scale, outG, accumulate, dense, scaledAt<T>(scratch, G, k));
      if (gateG != 0) dotsListed<T>(n, k, phi, idx, c, gateG);
    }
    store<f64>(selfSumAt<T>(scratch, G, k, g), selfSum);
    store<f64>(linearSumAt<T>(scratch, G, k, g), w == 0 ? 0 : linearListed<T>(n, idx, wt, first, w));
    if (gateG != 0 && w != 0) {
      for (let e: u32 = 0; e < n; e++) {
        const r = load<u32>(idx + (<usize>e << 2));
        store<T>(at<T>(gateG, e), load<T>(at<T>(gateG, e)) + load<T>(at<T>(w, r)));
      }
    }
    first += rows;
  }
  return finish<T>(G, P, pairs, rho, k, w0, scratch, pairOut, pooledOut);
}

// Batches of gate sets (training, docs/design.md §8 and §16): CSR sets (set b lists the rows
// index[indptr[b]..indptr[b + 1]), strictly increasing, with their weights or 0 for all 1), each
// the sparse gates of one F.

/** Bytes of scratch the batch kernels need: fieldsSparse's, and P values of T (64 bits). */
export function fieldBatchScratchBytes<T>(G: u32, largest: u32, P: u32, k: u32): u64 {
  return ((<u64>P << alignof<T>()) + 15 & ~15) + fieldsScratchBytes<T>(G, largest, k);
}

/** values[b] = F of set b (float64 of the T result), for b in 0..sets-1. */
export function fieldBatchValues<T>(
  G: u32, counts: usize, P: u32, pairs: usize, rho: usize, k: u32, phi: usize, sets: u32, indptr: usize,
  index: usize, weight: usize, w: usize, w0: f64, values: usize, scratch: usize,
): void {
  const rest = scratch + ((<usize>P << alignof<T>()) + 15 & ~15);
  for (let b: u32 = 0; b < sets; b++) {
    const from = load<u32>(indptr + (<usize>b << 2)), to = load<u32>(indptr + (<usize>b << 2), 4);
    const wt = weight == 0 ? <usize>0 : at<T>(weight, from);
    const F = fieldsSparse<T>(
      G, counts, P, pairs, rho, k, phi, to - from, index + (<usize>from << 2), wt, w, w0, 0, 1, false, false, 0, 0,
      0, rest,
    );
    store<f64>(values + (<usize>b << 3), <f64>F);
  }
}

/**
 * out += sum over sets b of slopes[b] * dF_b/dphi (out: every row, rows x k) and pairGradient[p] +=
 * sum over b of slopes[b] * dF_b/drho_p (float64), sets in order.
 */
export function fieldBatchGradient<T>(
  G: u32, counts: usize, P: u32, pairs: usize, rho: usize, k: u32, phi: usize, sets: u32, indptr: usize,
  index: usize, weight: usize, slopes: usize, out: usize, pairGradient: usize, scratch: usize,
): void {
  const terms = scratch, rest = scratch + ((<usize>P << alignof<T>()) + 15 & ~15);
  for (let b: u32 = 0; b < sets; b++) {
    const from = load<u32>(indptr + (<usize>b << 2)), to = load<u32>(indptr + (<usize>b << 2), 4);
    const wt = weight == 0 ? <usize>0 : at<T>(weight, from);
    const slope = load<f64>(slopes + (<usize>b << 3));
    fieldsSparse<T>(
      G, counts, P, pairs, rho, k, phi, to - from, index + (<usize>from << 2), wt, 0, 0, out, slope, true, true, 0,
      terms, 0, rest,
    );
    for (let p: u32 = 0; p < P; p++) {
      const at64 = pairGradient + (<usize>p << 3);
      store<f64>(at64, load<f64>(at64) + slope * <f64>load<T>(at<T>(terms, p)));
    }
  }
}
