// A model's parameters in one block of wasm memory (docs/design.md §8): phi, (n + m) x k, then,
// for a model with linear terms, a weight per row (w, n + m) and the offset w0. The block is
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
  /** Elements of the block: (n + m) k, plus n + m + 1 with linear terms. */
  readonly count: number;
  readonly bytesPerElement: number;
}

/** The parameter block of a model of this shape at `at`. */
export function paramsOf(s: CheckedShape, K: PrecisionKernels, linear: boolean, at = 0): Params {
  const count = s.elements + (linear ? s.rows + 1 : 0);
  return { at, elements: s.elements, rows: s.rows, k: s.k, linear, count, bytesPerElement: K.bytesPerElement };
}

/** Bytes of a parameter block (and of the gradient buffer and each region of optimizer state). */
export const blockBytes = (p: Params): number => p.count * p.bytesPerElement;

/** Byte offsets, in a block, of the row weights w and of the offset w0 (after phi). */
export const weightsOffset = (p: Params): number => p.elements * p.bytesPerElement;
export const offsetOffset = (p: Params): number => (p.elements + p.rows) * p.bytesPerElement;
