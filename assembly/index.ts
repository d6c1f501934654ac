// The module's exports: every kernel in an f32 and an f64 instance. Counts are u32, pointers
// are byte offsets into this module's memory, laid out by the host (src/memory.ts); kernels
// never allocate. `compact` picks the in-cache loop (visit active rows only) over the
// streaming one; both give the same bits.

import * as I from "./interaction";

export function scratchBytesF32(n: u32, m: u32, k: u32): usize { return I.scratchBytes<f32>(n, m, k); }
export function scratchBytesF64(n: u32, m: u32, k: u32): usize { return I.scratchBytes<f64>(n, m, k); }

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

/** First byte the host may lay out: everything below belongs to the module. */
export function heapBase(): usize { return __heap_base; }

/** Whether this is the SIMD build (the scalar build is the same source without v128). */
export function simdBuild(): bool { return ASC_FEATURE_SIMD; }
