// Training a model of fields (docs/design.md §8, §16): the shape's arrays in wasm memory, rho as
// the batch kernels take it, and the two phases of a mini-batch on fieldBatchValues and
// fieldBatchGradient. rho lives in the parameter block (phi's type, so snapshots, optimizer state
// and files hold it as they hold phi); the kernels read a float64 copy, refreshed before each call
// (P numbers), so a restored or loaded block is always what they see.

import type { CheckedFieldShape } from "../ops/fieldchecks.js";
import type { WasmMemory } from "../wasm/memory.js";
import type { PrecisionKernels } from "../wasm/loader.js";

/** Where a model of fields keeps its shape and rho for the kernels (pointers). */
export interface FieldTerms {
  readonly shape: CheckedFieldShape;
  /** G u32 row counts */
  readonly counts: number;
  /** 2P u32 field indices */
  readonly pairs: number;
  /** rho in the parameter block (phi's type, P elements) */
  readonly rho: number;
  /** rho as float64, what the kernels read */
  readonly rho64: number;
  /** a batch's dF/drho sum, float64 (the kernel adds to it; zero between batches) */
  readonly pairGradient: number;
}

/**
 * Bytes a model of fields places beside its parameters: the counts, the pairs, rho64 and
 * pairGradient (none for a model of two groups).
 */
export function fieldPartsBytes(
  s: CheckedFieldShape | undefined,
): Record<"counts" | "pairs" | "rho64" | "pairGradient", number> {
  const G = s ? s.fields.length : 0,
    P = s ? s.pairs.length / 2 : 0;
  return { counts: 4 * G, pairs: 8 * P, rho64: 8 * P, pairGradient: 8 * P };
}

/** Writes the shape's arrays at their places (once, when the model is made). */
export function writeFieldShape(memory: WasmMemory, f: FieldTerms): void {
  memory.view(Uint32Array, f.counts, f.shape.fields.length).set(f.shape.fields);
  memory.view(Uint32Array, f.pairs, f.shape.pairs.length).set(f.shape.pairs);
  memory.view(Float64Array, f.pairGradient, f.shape.pairs.length / 2).fill(0);
}

/** The arguments every batch kernel of the family takes, with rho64 refreshed from the block. */
export function fieldArgs(memory: WasmMemory, K: PrecisionKernels, f: FieldTerms, phi: number, scratch: number) {
  const P = f.shape.pairs.length / 2;
  memory.view(Float64Array, f.rho64, P).set(memory.view(K.ArrayType, f.rho, P));
  return {
    G: f.shape.fields.length,
    counts: f.counts,
    P,
    pairs: f.pairs,
    rho: f.rho64,
    k: f.shape.k,
    phi,
    scratch,
  };
}

/**
 * Moves a batch's dF/drho sum (float64) into the gradient buffer's rho part (phi's type) when rho
 * learns, and zeroes it for the next batch.
 */
export function takePairGradient(
  memory: WasmMemory,
  K: PrecisionKernels,
  f: FieldTerms,
  gradRho: number,
  learn: boolean,
): void {
  const P = f.shape.pairs.length / 2;
  const sum = memory.view(Float64Array, f.pairGradient, P);
  if (learn) memory.view(K.ArrayType, gradRho, P).set(sum);
  sum.fill(0);
}
