// Regularization per occurrence (docs/design.md §8), the L2 whose value means what Surprise's
// `reg` means: each row is penalized once per observation that lists it, so that over an epoch
// the objective is
//
//     (1 / B) [ sum_b L(F_b) + sum_r (reg n_r + regFixed) |phi_r|^2 ] per batch of B
//
// with n_r the row's (sample-weighted) observations in the training data: `reg` is weighted by
// how often a row occurs (Surprise's reg, LightFM's alpha up to a factor), `regFixed` is a
// fixed penalty per row (BaselineOnly's reg_u, reg_i), which shrinks rare rows hardest. In a
// batch, row r's gradient gets 2 (c_r / B)(reg + regFixed / n_r) phi_r, c_r being its
// occurrences in the batch (sample-weighted); its linear weight w_r is penalized alike, the
// offset w0 never. `regWeight` scales a row's penalty (0 exempts it).

import type { FloatArray } from "../util/types.js";
import type { PrecisionKernels } from "../wasm/loader.js";
import type { SetViews } from "./linear.js";

/** What a batch's rows weigh in the penalty, gathered set by set, then applied to its listed rows. */
export class Occurrences {
  /** reg + regFixed / n_r for each row, times its regWeight: the penalty's weight a unit occurrence. */
  readonly #perRow: Float64Array;
  /** Occurrences of each row in the current batch (shares of the batch's sample weight); zero between batches. */
  readonly #counts: Float64Array;

  /**
   * The penalty of rows listed in `data` (CSR: indptr, index; one sample weight an
   * observation), or undefined when both weights are 0: no penalty, no work.
   */
  static of(
    rows: number,
    data: { readonly count: number; readonly indptr: Uint32Array; readonly index: Uint32Array },
    sampleWeight: Float64Array,
    reg: number,
    regFixed: number,
    regWeight: Float64Array | undefined,
  ): Occurrences | undefined {
    if (reg === 0 && regFixed === 0) return undefined;
    const occurrences = new Float64Array(rows);
    for (let b = 0; b < data.count; b++)
      for (let e = data.indptr[b]; e < data.indptr[b + 1]; e++) occurrences[data.index[e]] += sampleWeight[b];
    // a row no observation lists (an item only drawn as a negative) counts as occurring once
    const perRow = occurrences.map((n, r) => (regWeight ? regWeight[r] : 1) * (reg + regFixed / Math.max(1, n)));
    return new Occurrences(perRow);
  }

  private constructor(perRow: Float64Array) {
    this.#perRow = perRow;
    this.#counts = new Float64Array(perRow.length);
  }

  /** Set b's rows occur with weight `share` (from its split on only: a negative set's sampled rows). */
  add(batch: SetViews & { readonly splits: Uint32Array }, b: number, share: number, fromSplit = false): void {
    const { indptr, index } = batch;
    for (let e = fromSplit ? batch.splits[b] : indptr[b]; e < indptr[b + 1]; e++) this.#counts[index[e]] += share;
  }

  /**
   * Adds the penalty's gradient to the listed rows of the gradient buffer (phi's and, with
   * linear terms, w's), through `coef`, a scratch array of the listed rows' coefficients in
   * wasm memory; the batch's occurrences go back to zero.
   */
  apply(
    K: PrecisionKernels,
    rows: { readonly count: number; readonly list: number; readonly listed: Uint32Array },
    coef: { readonly at: number; readonly view: FloatArray },
    phi: { readonly k: number; readonly phi: number; readonly grad: number },
    weights?: { readonly w: number; readonly gw: number },
  ): void {
    const { count, list, listed } = rows;
    for (let e = 0; e < count; e++) {
      const r = listed[e];
      coef.view[e] = 2 * this.#counts[r] * this.#perRow[r];
      this.#counts[r] = 0;
    }
    K.addRowsScaled({ count, list, k: phi.k, phi: phi.phi, grad: phi.grad, coef: coef.at });
    if (weights) K.addRowsScaled({ count, list, k: 1, phi: weights.w, grad: weights.gw, coef: coef.at });
  }
}
