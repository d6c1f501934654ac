// The factorization-machine family's unit of work for chunked and threaded passes (docs/design.md
// §4, §16): a range of rows of one field, starting on a block boundary of that field. A range is
// pooled into the nodes of its field's tree (poolRange, as a group's range); once every field's
// context is known, it gets its gradient rows, dots and block sums (fieldRows). What the kernel's
// fieldsDense does between those passes (the contexts, the fold of the block sums, F) is done
// here on the calling thread, in float64 and in the kernel's order, so that the bits are those
// of one call whatever the ranges.

import type { Job } from "./ranges.js";
import { writeNodes, type PooledNodes } from "./tree.js";
import { BLOCK_ROWS, type Engine, type PrecisionKernels } from "../wasm/loader.js";
import { arenaParts } from "../wasm/layout.js";
import { copyOf } from "../wasm/memory.js";
import type { FloatArray, Precision } from "../util/types.js";

/** Rows [first, first + count) of the arrays a pass is given, in field `field`, from its block `block`. */
export interface FieldRange {
  readonly field: number;
  readonly first: number;
  readonly count: number;
  readonly block: number;
}

/** Blocks of a field of `rows` rows. */
export const blocksOf = (rows: number): number => Math.ceil(rows / BLOCK_ROWS);

/** Each field's first row, and the total after the last (G + 1 entries). */
export function fieldStarts(fields: ArrayLike<number>): number[] {
  const starts = [0];
  for (let g = 0; g < fields.length; g++) starts.push(starts[g] + fields[g]);
  return starts;
}

/**
 * The ranges of rows start..start+rows-1 (a chunk on block boundaries of its fields; the whole
 * table from 0), each field's part cut into pieces of at most `most(rows of the field)` rows (a
 * multiple of BLOCK_ROWS: a thread pool's tiles). `first` counts from `start`; a field with no
 * rows in the span has no range.
 */
export function fieldRangesOf(
  fields: ArrayLike<number>,
  start: number,
  rows: number,
  most: (fieldRows: number) => number = () => Infinity,
): FieldRange[] {
  const starts = fieldStarts(fields);
  const ranges: FieldRange[] = [];
  for (let g = 0; g < fields.length; g++) {
    const from = Math.max(start, starts[g]);
    const to = Math.min(start + rows, starts[g + 1]);
    const piece = most(fields[g]);
    for (let row = from; row < to; row += piece) {
      const count = Math.min(piece, to - row);
      ranges.push({ field: g, first: row - start, count, block: (row - starts[g]) / BLOCK_ROWS });
    }
  }
  return ranges;
}

/** Whether `row` lies on a block boundary of its field (or is a field's first or last row + 1). */
export function onFieldBoundary(starts: readonly number[], row: number): boolean {
  for (let g = 0; g + 1 < starts.length; g++) {
    if (row === starts[g] || row === starts[g + 1]) return true;
    if (row > starts[g] && row < starts[g + 1]) return (row - starts[g]) % BLOCK_ROWS === 0;
  }
  return row === 0;
}

/** The index of field g's pair with itself, or -1. */
export function selfPairOf(pairs: Uint32Array, g: number): number {
  for (let p = 0; 2 * p < pairs.length; p++) if (pairs[2 * p] === g && pairs[2 * p + 1] === g) return p;
  return -1;
}

const rowAt = (K: PrecisionKernels, at: number, range: FieldRange, perRow: number): number =>
  at === 0 ? 0 : at + range.first * perRow * K.bytesPerElement;

/** Pools a range into the nodes of its field's tree it completes (written to meta and values; the call returns how many). */
export function fieldPoolJob(
  K: PrecisionKernels,
  range: FieldRange,
  k: number,
  at: { readonly phi: number; readonly h: number },
  nodes: { readonly meta: number; readonly values: number },
  scratch: number,
  plan: number,
): Job {
  const args = { rows: range.count, k, phi: rowAt(K, at.phi, range, k), h: rowAt(K, at.h, range, 1) };
  return {
    kernel: "poolRange",
    args: { ...args, first: range.block, meta: nodes.meta, values: nodes.values, scratch, plan },
  };
}

/** Where a rows pass finds its arrays: row 0 of phi, h, w, out and gateOut (0: none). */
export interface FieldRowArrays {
  readonly phi: number;
  readonly h: number;
  readonly w: number;
  readonly out: number;
  readonly gateOut: number;
}

/**
 * A range's rows once its field's context is known (at `context`): out (+)= scale * dF/dphi,
 * gateOut = dF/dh, and its blocks' self and linear sums at `sums` (two float64 a block).
 */
export function fieldRowsJob(
  K: PrecisionKernels,
  range: FieldRange,
  k: number,
  at: FieldRowArrays,
  field: { readonly context: number; readonly selfRho: number | undefined; readonly sums: number },
  scaling: { readonly scale: number; readonly accumulate: boolean },
  scratch: number,
  plan: number,
): Job {
  const args = {
    rows: range.count,
    k,
    phi: rowAt(K, at.phi, range, k),
    h: rowAt(K, at.h, range, 1),
    w: rowAt(K, at.w, range, 1),
    c: field.context,
    self: field.selfRho !== undefined,
    rho: field.selfRho ?? 0,
    scale: scaling.scale,
    out: rowAt(K, at.out, range, k),
    accumulate: scaling.accumulate,
    gateOut: rowAt(K, at.gateOut, range, 1),
    sums: field.sums,
    scratch,
    plan,
  };
  return { kernel: "fieldRows", args };
}

/**
 * Joins each field's nodes (its ranges in row order) into its pooled sum: T (as a kernel call
 * rounds it) and float64 (before that rounding, what the contexts and F are made from).
 */
export function combineFields(
  engine: Engine,
  K: PrecisionKernels,
  k: number,
  fields: ArrayLike<number>,
  nodes: readonly (readonly PooledNodes[])[],
  caller: string,
  what: string,
): { pooled: FloatArray[]; pooled64: Float64Array[] } {
  const counts = nodes.map((field) => field.reduce((sum, part) => sum + part.blocks.length, 0));
  const most = Math.max(0, ...counts);
  const memory = engine.memory;
  const at = arenaParts(
    memory,
    {
      u: k * K.bytesPerElement,
      u64: 8 * k,
      meta: 8 * most,
      sums: 8 * k * most,
      scratch: K.combineScratchBytes({ count: most, k }),
    },
    caller,
    what,
  );
  const pooled: FloatArray[] = [];
  const pooled64: Float64Array[] = [];
  nodes.forEach((field, g) => {
    writeNodes(engine, field, counts[g], k, at);
    const args = { count: counts[g], k, meta: at.meta, values: at.sums, blocks: blocksOf(fields[g]) };
    K.combine({ ...args, out: at.u, out64: at.u64, scratch: at.scratch });
    pooled.push(copyOf(memory.view(K.ArrayType, at.u, k)));
    pooled64.push(copyOf(memory.view(Float64Array, at.u64, k)));
  });
  return { pooled, pooled64 };
}

/**
 * Each field's context c_g: the sum over the pairs of g, in list order, of rho_p times the other
 * field's float64 pooled sum (a self pair: g's own), in float64 as the kernel adds it, then
 * rounded to the precision (G arrays of k).
 */
export function contextsOf(
  precision: Precision,
  pairs: Uint32Array,
  rho: Float64Array,
  k: number,
  pooled64: readonly Float64Array[],
): FloatArray[] {
  return pooled64.map((_, g) => {
    const c64 = new Float64Array(k);
    for (let p = 0; 2 * p < pairs.length; p++) {
      const [a, b] = [pairs[2 * p], pairs[2 * p + 1]];
      if (a !== g && b !== g) continue;
      const other = pooled64[a === g ? b : a];
      const r = rho[p];
      for (let c = 0; c < k; c++) c64[c] = c64[c] + r * other[c];
    }
    // the store rounds to nearest, as the kernel's conversion does
    return precision === "f32" ? Float32Array.from(c64) : c64;
  });
}

/** A field's self and linear sums: its blocks' (two float64 a block), added in block order from 0. */
export function foldBlockSums(sums: Float64Array, offset: number, blocks: number): { self: number; linear: number } {
  let self = 0,
    linear = 0;
  for (let b = 0; b < blocks; b++) {
    self += sums[2 * (offset + b)];
    linear += sums[2 * (offset + b) + 1];
  }
  return { self, linear };
}

/** <a, b> in float64 as the module's dot64 adds it: four interleaved sums, then (s0 + s1) + (s2 + s3). */
export function dot64(k: number, a: Float64Array, b: Float64Array): number {
  let [s0, s1, s2, s3] = [0, 0, 0, 0];
  let l = 0;
  for (; l + 4 <= k; l += 4) {
    s0 += a[l] * b[l];
    s1 += a[l + 1] * b[l + 1];
    s2 += a[l + 2] * b[l + 2];
    s3 += a[l + 3] * b[l + 3];
  }
  for (; l < k; l++) s0 += a[l] * b[l];
  return s0 + s1 + (s2 + s3);
}

/**
 * F = w0 + the fields' linear sums in field order + sum over pairs in order of rho_p times the
 * pair's term (cross: <u64_a, u64_b>; self: 1/2 (|u64_g|^2 - the field's self sum)), rounded to
 * the precision once, and each pair's term rounded (dF/drho), as the kernel's finish.
 */
export function finishFields(
  precision: Precision,
  call: { readonly pairs: Uint32Array; readonly rho: Float64Array; readonly k: number; readonly w0: number },
  pooled64: readonly Float64Array[],
  sums: readonly { readonly self: number; readonly linear: number }[],
): { value: number; pairGradient: FloatArray } {
  const { pairs, rho, k, w0 } = call;
  const P = pairs.length / 2;
  let F = w0;
  for (const { linear } of sums) F += linear;
  const terms = new Float64Array(P);
  for (let p = 0; p < P; p++) {
    const [a, b] = [pairs[2 * p], pairs[2 * p + 1]];
    const inner = dot64(k, pooled64[a], pooled64[b]);
    const term = a === b ? 0.5 * (inner - sums[a].self) : inner;
    terms[p] = term;
    F += rho[p] * term;
  }
  return precision === "f32"
    ? { value: Math.fround(F), pairGradient: Float32Array.from(terms) }
    : { value: F, pairGradient: terms };
}
