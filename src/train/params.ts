// A model's parameters in one block of wasm memory (docs/design.md §8): phi, (n + m) x k, then,
// for a model with linear terms, a weight per row (w, n + m) and the offset w0, then, for a
// model of fields (docs/design.md §16), the weight rho of each pair of fields. The block is
// what a snapshot copies, what the gradient buffer and every region of optimizer state mirror
// (element for element), and what a model file holds.

import type { CheckedShape } from "../ops/checks.js";
import type { PrecisionKernels } from "../wasm/loader.js";

/** Where a model's parameters are and how many elements each part has. */
export interface Params {
  /** The block's first byte: phi. */
  readonly at: number;
  readonly elements: number;
  readonly rows: number;
  readonly k: number;
  /** Whether the model has linear terms w and w0 after phi. */
  readonly linear: boolean;
  /** Pairs of fields whose weights rho end the block (0: a two-field model has none). */
  readonly pairs: number;
  /** Elements of the block: (n + m) k, plus n + m + 1 with linear terms, plus the pairs. */
  readonly count: number;
  readonly bytesPerElement: number;
}

/** The parameter block of a model of this shape at `at`. */
export function paramsOf(s: CheckedShape, K: PrecisionKernels, linear: boolean, at = 0, pairs = 0): Params {
  const count = s.elements + (linear ? s.rows + 1 : 0) + pairs;
  const { elements, rows, k } = s;
  return { at, elements, rows, k, linear, pairs, count, bytesPerElement: K.bytesPerElement };
}

/** Bytes of a parameter block (and of the gradient buffer and each region of optimizer state). */
export const blockBytes = (p: Params): number => p.count * p.bytesPerElement;

/** Byte offsets, in a block, of the row weights w and of the offset w0 (after phi). */
export const weightsOffset = (p: Params): number => p.elements * p.bytesPerElement;
export const offsetOffset = (p: Params): number => (p.elements + p.rows) * p.bytesPerElement;
/** Byte offset, in a block, of the pairs' weights rho (its last `pairs` elements). */
export const pairsOffset = (p: Params): number => (p.count - p.pairs) * p.bytesPerElement;
