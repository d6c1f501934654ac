// The linear terms of a model (docs/design.md §8): with them an observation's score is
//
//     F_b = <u_b, v_b> + sum_{r in b} h_r w_r + w0
//
// (a bias per row, user or item, and a global offset). The kernels give <u_b, v_b>; the sums
// over a set's listed rows are added here, in float64, and their gradients (dF/dw_r = h_r,
// dF/dw0 = 1) gathered for the optimizer step, over the batch's sets as the kernels left them.

import type { FloatArray } from "../util/types.js";

/** A batch of sets as views: CSR indptr and index, row weights (undefined: every weight 1). */
export interface SetViews {
  readonly indptr: Uint32Array;
  readonly index: Uint32Array;
  readonly weight?: FloatArray;
}

/** values[b] += sum over set b's entries of h_e w[row_e], plus w0, for the first `sets` sets. */
export function addLinear(values: FloatArray, sets: number, batch: SetViews, w: FloatArray, w0: number): void {
  const { indptr, index, weight } = batch;
  for (let b = 0; b < sets; b++) {
    let sum = w0;
    for (let e = indptr[b]; e < indptr[b + 1]; e++) sum += (weight ? weight[e] : 1) * w[index[e]];
    values[b] += sum;
  }
}

/**
 * The linear terms' gradient of sum_b setWeights[b] F_b: gw[row_e] += setWeights[b] h_e for
 * every entry; returns its w0 part, sum_b setWeights[b].
 */
export function linearGradient(sets: number, batch: SetViews, setWeights: FloatArray, gw: FloatArray): number {
  const { indptr, index, weight } = batch;
  let offset = 0;
  for (let b = 0; b < sets; b++) {
    const c = setWeights[b];
    offset += c;
    for (let e = indptr[b]; e < indptr[b + 1]; e++) gw[index[e]] += c * (weight ? weight[e] : 1);
  }
  return offset;
}
