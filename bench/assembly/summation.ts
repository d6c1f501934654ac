// Alternatives to crossgrad's blocked-pairwise f32 pooled sum, for bench/summation.mjs to
// measure against it (docs/design.md §5): one f32 running sum per column, and float64 accumulation.
// Each computes out[0..k) = sum_r h_r phi_r over `rows` rows; k must be 4 or a multiple of
// 16, rows a multiple of 64. Like crossgrad's kernels they sweep 64-row blocks in column
// strips with register accumulators (here carried from block to block through `out`), so
// the memory access is the same and only the accumulation differs.

// @ts-ignore: decorator
@inline function term(p: usize, g: v128, m: v128): v128 {
  return v128.and(f32x4.mul(v128.load(p), g), m);
}

/** Sequential f32: one running sum per column, strips of 4 vectors. */
export function sequentialF32(rows: u32, k: u32, phi: usize, h: usize, out: usize): void {
  const rowBytes = <usize>k << 2;
  memory.fill(out, 0, <usize>k << 2);
  for (let block: u32 = 0; block < rows; block += 64)
  for (let c: u32 = 0; c < k; c += 16) {
    const o = out + (<usize>c << 2);
    const wide = c + 16 <= k;
    let a0 = v128.load(o), a1 = a0, a2 = a0, a3 = a0;
    if (wide) { a1 = v128.load(o, 16); a2 = v128.load(o, 32); a3 = v128.load(o, 48); }
    for (let r = block; r < block + 64; r++) {
      const g = v128.load32_splat(h + (<usize>r << 2));
      const m = f32x4.ne(g, f32x4.splat(0));
      const p = phi + <usize>r * rowBytes + (<usize>c << 2);
      a0 = f32x4.add(a0, term(p, g, m));
      if (wide) {
        a1 = f32x4.add(a1, term(p + 16, g, m));
        a2 = f32x4.add(a2, term(p + 32, g, m));
        a3 = f32x4.add(a3, term(p + 48, g, m));
      }
    }
    v128.store(o, a0);
    if (wide) { v128.store(o, a1, 16); v128.store(o, a2, 32); v128.store(o, a3, 48); }
  }
}

/** float64 accumulation of f32 data: each f32x4 term is widened to two f64x2; strips of 4 vectors. */
export function float64Accumulation(rows: u32, k: u32, phi: usize, h: usize, out: usize, sums: usize): void {
  const rowBytes = <usize>k << 2;
  memory.fill(sums, 0, <usize>k << 3);
  for (let block: u32 = 0; block < rows; block += 64)
  for (let c: u32 = 0; c < k; c += 16) {
    // the running f64 sums of this strip, carried from block to block through `sums`
    const s = sums + (<usize>c << 3);
    const wide = c + 16 <= k;
    let l0 = v128.load(s), h0 = v128.load(s, 16), l1 = l0, h1 = l0, l2 = l0, h2 = l0, l3 = l0, h3 = l0;
    if (wide) {
      l1 = v128.load(s, 32); h1 = v128.load(s, 48); l2 = v128.load(s, 64); h2 = v128.load(s, 80);
      l3 = v128.load(s, 96); h3 = v128.load(s, 112);
    }
    for (let r = block; r < block + 64; r++) {
      const g = v128.load32_splat(h + (<usize>r << 2));
      const m = f32x4.ne(g, f32x4.splat(0));
      const p = phi + <usize>r * rowBytes + (<usize>c << 2);
      const t0 = term(p, g, m);
      l0 = f64x2.add(l0, f64x2.promote_low_f32x4(t0));
      h0 = f64x2.add(h0, f64x2.promote_low_f32x4(i32x4.shuffle(t0, t0, 2, 3, 0, 1)));
      if (wide) {
        const t1 = term(p + 16, g, m), t2 = term(p + 32, g, m), t3 = term(p + 48, g, m);
        l1 = f64x2.add(l1, f64x2.promote_low_f32x4(t1));
        h1 = f64x2.add(h1, f64x2.promote_low_f32x4(i32x4.shuffle(t1, t1, 2, 3, 0, 1)));
        l2 = f64x2.add(l2, f64x2.promote_low_f32x4(t2));
        h2 = f64x2.add(h2, f64x2.promote_low_f32x4(i32x4.shuffle(t2, t2, 2, 3, 0, 1)));
        l3 = f64x2.add(l3, f64x2.promote_low_f32x4(t3));
        h3 = f64x2.add(h3, f64x2.promote_low_f32x4(i32x4.shuffle(t3, t3, 2, 3, 0, 1)));
      }
    }
    v128.store(s, l0); v128.store(s, h0, 16);
    if (wide) {
      v128.store(s, l1, 32); v128.store(s, h1, 48); v128.store(s, l2, 64); v128.store(s, h2, 80);
      v128.store(s, l3, 96); v128.store(s, h3, 112);
    }
  }
  // f64 -> f32, once at the end
  for (let c: u32 = 0; c < k; c++) store<f32>(out + (<usize>c << 2), <f32>load<f64>(sums + (<usize>c << 3)));
}
