// Loop choices made by measurement (bench/kernels.mjs). Kernels give the same bits whichever
// is chosen.

/**
 * Up to this many bytes of phi, pooling visits only the active rows of each block (compact);
 * beyond, it streams every row with a mask, because random skips defeat the hardware
 * prefetcher once phi no longer fits in cache (docs/design.md §6). Measured at k = 64 on a 32 MiB L3:
 * compact faster up to 8 MiB (0.87x of streaming at 2 MiB), slower at 32 MiB (1.6x).
 */
export const COMPACT_MAX_BYTES = 16 * 1024 * 1024;

/**
 * Rows of at most this many bytes always stream: a whole row is one register strip, so the
 * streaming loop has no per-row list to chase (measured 2x faster than compact at k = 8).
 */
export const COMPACT_MIN_ROW_BYTES = 128;

/** Whether the compacted pooling loop suits a phi of this many bytes and rows this wide (else streaming). */
export function compactFor(phiBytes: number, rowBytes: number): boolean {
  return phiBytes <= COMPACT_MAX_BYTES && rowBytes >= COMPACT_MIN_ROW_BYTES;
}
