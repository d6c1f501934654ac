// Roofline kernels for the benchmarks (not shipped): the least work any F + dF/dphi kernel
// must do. A pure SIMD read of phi bounds F and dF/dh; a copy of (n+m)k floats (read phi,
// write as much) bounds F + dF/dphi; dotsF32, 2 loads a vector, bounds dF/dh's dots.

/** Sum of every f32 of [ptr, ptr + bytes), 8 accumulators: a pure streaming read. */
export function readF32(ptr: usize, bytes: usize): f32 {
  let a0 = f32x4.splat(0), a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0, a6 = a0, a7 = a0;
  const end = ptr + (bytes & ~127);
  let p = ptr;
  // 8 vectors a step
  for (; p < end; p += 128) {
    a0 = f32x4.add(a0, v128.load(p));
    a1 = f32x4.add(a1, v128.load(p, 16));
    a2 = f32x4.add(a2, v128.load(p, 32));
    a3 = f32x4.add(a3, v128.load(p, 48));
    a4 = f32x4.add(a4, v128.load(p, 64));
    a5 = f32x4.add(a5, v128.load(p, 80));
    a6 = f32x4.add(a6, v128.load(p, 96));
    a7 = f32x4.add(a7, v128.load(p, 112));
  }
  // single vectors
  for (; p + 16 <= ptr + bytes; p += 16) a0 = f32x4.add(a0, v128.load(p));
  const s = f32x4.add(f32x4.add(f32x4.add(a0, a1), f32x4.add(a2, a3)), f32x4.add(f32x4.add(a4, a5), f32x4.add(a6, a7)));
  return f32x4.extract_lane(s, 0) + f32x4.extract_lane(s, 1) + f32x4.extract_lane(s, 2) + f32x4.extract_lane(s, 3);
}

/** Copy with v128 loads and stores, 8 vectors a step: what a wasm kernel's stores can do. */
export function copySimd(dst: usize, src: usize, bytes: usize): void {
  const end = src + (bytes & ~127);
  let s = src, d = dst;
  // 8 vectors a step
  for (; s < end; s += 128, d += 128) {
    const x0 = v128.load(s), x1 = v128.load(s, 16), x2 = v128.load(s, 32), x3 = v128.load(s, 48);
    const x4 = v128.load(s, 64), x5 = v128.load(s, 80), x6 = v128.load(s, 96), x7 = v128.load(s, 112);
    v128.store(d, x0); v128.store(d, x1, 16); v128.store(d, x2, 32); v128.store(d, x3, 48);
    v128.store(d, x4, 64); v128.store(d, x5, 80); v128.store(d, x6, 96); v128.store(d, x7, 112);
  }
  // the rest
  memory.copy(d, s, src + bytes - s);
}

/** memory.copy: the engine's memmove (wider vectors, non-temporal stores when large). */
export function copyBulk(dst: usize, src: usize, bytes: usize): void {
  memory.copy(dst, src, bytes);
}

/** Fill with v128 stores, 8 vectors a step: what a kernel's gradient writes can do (each line is read first). */
export function fillSimd(dst: usize, bytes: usize): void {
  const z = f32x4.splat(0);
  const end = dst + (bytes & ~127);
  let d = dst;
  // 8 vectors a step
  for (; d < end; d += 128) {
    v128.store(d, z); v128.store(d, z, 16); v128.store(d, z, 32); v128.store(d, z, 48);
    v128.store(d, z, 64); v128.store(d, z, 80); v128.store(d, z, 96); v128.store(d, z, 112);
  }
  // the rest
  memory.fill(d, 0, dst + bytes - d);
}

/** memory.fill: the engine's memset (string stores that need not read the lines they write). */
export function fillBulk(dst: usize, bytes: usize): void {
  memory.fill(dst, 0, bytes);
}

/**
 * What any dots loop must do (dF/dh's <phi_r, w>, rows of k f32, k a multiple of 16): each
 * vector of a row and of w loaded, multiplied and added: 2 loads a vector where a read has 1.
 * 4 chains of 4 vectors a step, carried from row to row, one store a row and no lane sums: of
 * the loops tried, the fastest V8 compiled (8 chains spill: V8 loads a step's 16 vectors first).
 */
export function dotsF32(rows: u32, k: u32, phi: usize, w: usize, out: usize): void {
  const rowBytes = <usize>k << 2;
  let a0 = f32x4.splat(0), a1 = a0, a2 = a0, a3 = a0;
  for (let r: u32 = 0; r < rows; r++) {
    const row = phi + <usize>r * rowBytes;
    // 4 vectors a step
    for (let c: usize = 0; c < rowBytes; c += 64) {
      const p = row + c, x = w + c;
      a0 = f32x4.add(a0, f32x4.mul(v128.load(p), v128.load(x)));
      a1 = f32x4.add(a1, f32x4.mul(v128.load(p, 16), v128.load(x, 16)));
      a2 = f32x4.add(a2, f32x4.mul(v128.load(p, 32), v128.load(x, 32)));
      a3 = f32x4.add(a3, f32x4.mul(v128.load(p, 48), v128.load(x, 48)));
    }
    v128.store(out + (<usize>r << 4), a0);
  }
  v128.store(out, f32x4.add(f32x4.add(a0, a1), f32x4.add(a2, a3)));
}
