// Loop choices made by measurement (bench/). Kernels give the same bits whichever is chosen.

/**
 * Up to this many bytes of phi, the pooled sums visit only the active rows of each block
 * (compact); beyond it they stream every row with a mask, because random skips defeat the
 * hardware prefetcher once phi no longer fits in cache (SPEC §6).
 */
export const COMPACT_MAX_BYTES = 4 * 1024 * 1024;

/** 1 to choose the compacted pooling loop for a phi of this many bytes, else 0. */
export function compactFor(phiBytes: number): number {
  return phiBytes <= COMPACT_MAX_BYTES ? 1 : 0;
}
