// Constants and v128 helpers shared by every kernel family. Kernels are generic over the
// element type T (f32 or f64); each helper picks its lane shape at compile time, so one source
// gives the f32x4 and the f64x2 kernels. Without --enable simd, ASC_FEATURE_SIMD is false and
// every vector phase compiles away, leaving the scalar build of the same source.

/** Rows summed sequentially before the pairwise tree takes over (SPEC §2, §5). */
export const BLOCK_ROWS: u32 = 64;

/** Vectors per strip: eight independent accumulators hide the add latency (SPEC §6). */
export const STRIP: u32 = 8;

/** Elements per v128 (4 for f32, 2 for f64); 1 in the scalar build. */
// @ts-ignore: decorator
@inline export function lanes<T>(): u32 {
  return ASC_FEATURE_SIMD ? <u32>(16 / sizeof<T>()) : 1;
}

/** Columns covered by whole vectors: the rest (fewer than a vector) is the scalar tail. */
// @ts-ignore: decorator
@inline export function vectorColumns<T>(k: u32): u32 {
  return ASC_FEATURE_SIMD ? k & ~(lanes<T>() - 1) : 0;
}

/** k rounded up to whole vectors: the stride of every k-sized scratch slot. */
// @ts-ignore: decorator
@inline export function paddedColumns<T>(k: u32): u32 {
  return (k + lanes<T>() - 1) & ~(lanes<T>() - 1);
}

/** -0 in every lane: the exact identity of IEEE addition (x + -0 == x, also for x = +0). */
// @ts-ignore: decorator
@inline export function negZero<T>(): v128 {
  return sizeof<T>() == 4 ? i32x4.splat(0x80000000) : i64x2.splat(0x8000000000000000);
}

/** Lanes all ones where the gate is not exactly 0 (NaN gates count as on). */
// @ts-ignore: decorator
@inline export function gateMask<T>(gate: v128): v128 {
  return v128.ne<T>(gate, v128.splat<T>(<T>0));
}

/** Sum of a vector's lanes in a fixed order: (l0 + l1) + (l2 + l3), or l0 + l1. */
// @ts-ignore: decorator
@inline export function laneSum<T>(a: v128): T {
  if (sizeof<T>() == 4) {
    return (f32x4.extract_lane(a, 0) + f32x4.extract_lane(a, 1)) +
      (f32x4.extract_lane(a, 2) + f32x4.extract_lane(a, 3)) as T;
  } else {
    return f64x2.extract_lane(a, 0) + f64x2.extract_lane(a, 1) as T;
  }
}

/** Element i of a T array at byte pointer p. */
// @ts-ignore: decorator
@inline export function at<T>(p: usize, i: usize): usize {
  return p + (i << alignof<T>());
}
