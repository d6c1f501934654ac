// Constants and v128 helpers shared by every kernel family. Kernels are generic over the
// element type T (f32 or f64); each helper picks its lane shape at compile time, so one source
// gives the f32x4 and the f64x2 kernels. Without --enable simd, ASC_FEATURE_SIMD is false and
// every vector phase compiles away, leaving the scalar build of the same source.

/** Rows summed sequentially before the pairwise tree takes over (docs/design.md §4, §5). */
export const BLOCK_ROWS: u32 = 256;

/** Streaming pools rows of up to this many bytes in register strips, wider ones row by row. */
export const STREAM_STRIP_MAX_BYTES: usize = 64;

// Loop variants (docs/design.md §6): the bits of a dense kernel's `plan` argument. Every
// combination gives the same bits of every result; which is fastest is a property of the
// machine, so the host's planner (src/planner.ts) times them there and passes its choice.

/** Pool only the active rows of each block (else stream every row with a mask). */
export const PLAN_COMPACT: u32 = 1;
/** Streaming: register strips for rows of up to WIDE_STRIP_MAX_BYTES (else STREAM_STRIP_MAX_BYTES). */
export const PLAN_WIDE_STRIPS: u32 = 2;
/** Streaming narrow rows (up to MULTI_BLOCK_MAX_BYTES): several blocks at once, their add chains interleaved. */
export const PLAN_MULTI_BLOCK: u32 = 4;
/** valueAndGradient: group B's gradient rows are written block by block inside B's pooling pass. */
export const PLAN_FUSED: u32 = 8;
/** Gradient blocks of binary gates: zeroed by memory.fill, then only the active rows stored. */
export const PLAN_FILL_FIRST: u32 = 16;
/** Gradient rows (written, not accumulated): each block's lines read a block ahead of its stores. */
export const PLAN_TOUCH_AHEAD: u32 = 32;

/** Rows of up to this many bytes take register strips under PLAN_WIDE_STRIPS: one strip of 8 vectors. */
export const WIDE_STRIP_MAX_BYTES: usize = 128;
/** Rows of up to this many bytes are pooled several blocks at once under PLAN_MULTI_BLOCK. */
export const MULTI_BLOCK_MAX_BYTES: usize = 64;

/**
 * Rows of up to this many bytes are streamed two at a time (pooling, binary gradient rows);
 * wider ones one at a time, which measured faster there (bench/kernels.mjs, k = 256).
 */
export const PAIR_MAX_ROW_BYTES: usize = 256;

/**
 * Vectors per strip: six independent accumulators hide the add latency, and with their six
 * loads fit x64's registers as V8 allocates them (eight spilled one: docs/design.md §6).
 */
export const STRIP: u32 = 6;

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

/**
 * k rounded up to whole vectors, as an integer of width W: u64 for the sizes the host lays
 * out (they never wrap, and a call whose sizes pass 4 GiB is refused before it runs), usize
 * for offsets inside a kernel (they fit, since the host placed the call in a 4 GiB memory).
 */
// @ts-ignore: decorator
@inline export function paddedColumnsOf<T, W>(k: u32): W {
  return (<W>k + <W>(lanes<T>() - 1)) & ~<W>(lanes<T>() - 1);
}

/** k rounded up to whole vectors: the stride of every k-sized scratch slot. */
// @ts-ignore: decorator
@inline export function paddedColumns<T>(k: u32): u32 {
  return paddedColumnsOf<T, u32>(k);
}

/** Blocks of BLOCK_ROWS rows that `rows` rows take (without wrapping near 2^32 rows). */
// @ts-ignore: decorator
@inline export function blocksOf(rows: u32): u32 {
  return rows / BLOCK_ROWS + <u32>(rows % BLOCK_ROWS != 0);
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

/** scanGates: some gate is not 0. */
export const ANY_ACTIVE: i32 = 1;
/** scanGates: every gate is 0 or 1 (the loops without a multiply apply). */
export const ALL_BINARY: i32 = 2;

/** ANY_ACTIVE | ALL_BINARY flags of gates h[0..count), vectors first. NaN is active, not binary. */
// @ts-ignore: decorator
@inline export function scanGates<T>(h: usize, count: u32): i32 {
  let r: u32 = 0;
  let active: i32 = 0, binary: i32 = 1;
  if (ASC_FEATURE_SIMD) {
    const zero = v128.splat<T>(<T>0), one = v128.splat<T>(<T>1);
    let nonzero = v128.splat<i32>(0), zeroOrOne = v128.splat<i32>(-1);
    for (; r + lanes<T>() <= count; r += lanes<T>()) {
      const g = v128.load(at<T>(h, r));
      nonzero = v128.or(nonzero, v128.ne<T>(g, zero));
      zeroOrOne = v128.and(zeroOrOne, v128.or(v128.eq<T>(g, zero), v128.eq<T>(g, one)));
    }
    active = <i32>v128.any_true(nonzero);
    binary = <i32>v128.all_true<i32>(zeroOrOne);
  }
  // scalar tail
  for (; r < count; r++) {
    const g = load<T>(at<T>(h, r));
    active |= <i32>(g != 0);
    binary &= <i32>(g == 0) | <i32>(g == 1);
  }
  return (active ? ANY_ACTIVE : 0) | (binary ? ALL_BINARY : 0);
}

/** Element i of a T array at byte pointer p. */
// @ts-ignore: decorator
@inline export function at<T>(p: usize, i: usize): usize {
  return p + (i << alignof<T>());
}

/**
 * Zeroes `bytes` (a multiple of 16 in the SIMD build: slots are padded to whole vectors) at p
 * with vector stores: a block's slot is small, and memory.fill is a call out of the module.
 */
// @ts-ignore: decorator
@inline export function zeroSlot(p: usize, bytes: usize): void {
  if (ASC_FEATURE_SIMD) {
    const zero = v128.splat<i32>(0);
    for (let o: usize = 0; o < bytes; o += 16) v128.store(p + o, zero);
  } else {
    memory.fill(p, 0, bytes);
  }
}
