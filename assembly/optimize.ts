// Optimizer steps, in place on phi, for a list of rows (the rows a mini-batch touched: every
// other row and its optimizer state is left alone, the "lazy" semantics of embedding
// trainers). For each listed row r and column c the gradient is
//
//     g = gradScale * grad[r,c]
//
// (gradScale carries gradient-norm clipping; a penalty's gradient is in grad already:
// addRowsScaled),
// and each rule updates phi[r,c] and its state as its textbook form says; `decay` is
// decoupled weight decay (phi -= lr decay phi). Arithmetic in T, coefficients rounded to T.
// A step consumes its gradient rows: they are zero after it, as training keeps them between
// steps, without another pass over the rows.

import { at, lanes, vectorColumns } from "./common";

/** Entry e of the u32 row list. */
// @ts-ignore: decorator
@inline function rowOf(list: usize, e: u32): u32 {
  return load<u32>(list + (<usize>e << 2));
}

/** The gradient element g of the header comment, vector and scalar. */
// @ts-ignore: decorator
@inline function gradV<T>(grad: v128, gradScale: v128): v128 {
  return v128.mul<T>(gradScale, grad);
}
// @ts-ignore: decorator
@inline function gradS<T>(grad: T, gradScale: T): T {
  return gradScale * grad;
}

/**
 * SGD with momentum (velocity = 0: plain SGD): vel = mu vel + g;
 * phi -= lr (nesterov ? g + mu vel : vel) + lr decay phi.
 */
export function sgdRows<T>(
  count: u32, list: usize, k: u32, phi: usize, grad: usize, velocity: usize,
  lr: f64, mu: f64, nesterov: bool, decay: f64, gradScale: f64,
): void {
  const rowBytes = <usize>k << alignof<T>();
  const L = lanes<T>(), kv = vectorColumns<T>(k);
  const cLr = <T>lr, cMu = <T>mu, cDecay = <T>decay, cScale = <T>gradScale;
  for (let e: u32 = 0; e < count; e++) {
    const o = <usize>rowOf(list, e) * rowBytes;
    const p = phi + o, g = grad + o, vel = velocity + o;
    let c: u32 = 0;
    if (ASC_FEATURE_SIMD) {
      const vLr = v128.splat<T>(cLr), vMu = v128.splat<T>(cMu), vDecay = v128.splat<T>(cDecay);
      const vScale = v128.splat<T>(cScale);
      for (; c < kv; c += L) {
        const x = v128.load(at<T>(p, c));
        const gv = gradV<T>(v128.load(at<T>(g, c)), vScale);
        let step = gv;
        if (velocity != 0) {
          const v = v128.add<T>(v128.mul<T>(vMu, v128.load(at<T>(vel, c))), gv);
          v128.store(at<T>(vel, c), v);
          step = nesterov ? v128.add<T>(gv, v128.mul<T>(vMu, v)) : v;
        }
        const decayed = v128.mul<T>(v128.mul<T>(vLr, vDecay), x);
        v128.store(at<T>(p, c), v128.sub<T>(v128.sub<T>(x, v128.mul<T>(vLr, step)), decayed));
        v128.store(at<T>(g, c), v128.splat<T>(0));
      }
    }
    // scalar tail
    for (; c < k; c++) {
      const x = load<T>(at<T>(p, c));
      const gs = gradS<T>(load<T>(at<T>(g, c)), cScale);
      let step = gs;
      if (velocity != 0) {
        const v = cMu * load<T>(at<T>(vel, c)) + gs;
        store<T>(at<T>(vel, c), v);
        step = nesterov ? gs + cMu * v : v;
      }
      store<T>(at<T>(p, c), x - cLr * step - cLr * cDecay * x);
      store<T>(at<T>(g, c), 0);
    }
  }
}

/** Adagrad: acc += g^2; phi -= lr g / (sqrt(acc) + eps) + lr decay phi. */
export function adagradRows<T>(
  count: u32, list: usize, k: u32, phi: usize, grad: usize, accum: usize,
  lr: f64, eps: f64, decay: f64, gradScale: f64,
): void {
  const rowBytes = <usize>k << alignof<T>();
  const L = lanes<T>(), kv = vectorColumns<T>(k);
  const cLr = <T>lr, cEps = <T>eps, cDecay = <T>decay, cScale = <T>gradScale;
  for (let e: u32 = 0; e < count; e++) {
    const o = <usize>rowOf(list, e) * rowBytes;
    const p = phi + o, g = grad + o, a = accum + o;
    let c: u32 = 0;
    if (ASC_FEATURE_SIMD) {
      const vLr = v128.splat<T>(cLr), vEps = v128.splat<T>(cEps), vDecay = v128.splat<T>(cDecay);
      const vScale = v128.splat<T>(cScale);
      for (; c < kv; c += L) {
        const x = v128.load(at<T>(p, c));
        const gv = gradV<T>(v128.load(at<T>(g, c)), vScale);
        const acc = v128.add<T>(v128.load(at<T>(a, c)), v128.mul<T>(gv, gv));
        v128.store(at<T>(a, c), acc);
        const step = v128.div<T>(v128.mul<T>(vLr, gv), v128.add<T>(v128.sqrt<T>(acc), vEps));
        v128.store(at<T>(p, c), v128.sub<T>(v128.sub<T>(x, step), v128.mul<T>(v128.mul<T>(vLr, vDecay), x)));
        v128.store(at<T>(g, c), v128.splat<T>(0));
      }
    }
    // scalar tail
    for (; c < k; c++) {
      const x = load<T>(at<T>(p, c));
      const gs = gradS<T>(load<T>(at<T>(g, c)), cScale);
      const acc = load<T>(at<T>(a, c)) + gs * gs;
      store<T>(at<T>(a, c), acc);
      store<T>(at<T>(p, c), x - (cLr * gs) / (<T>sqrt<T>(acc) + cEps) - cLr * cDecay * x);
      store<T>(at<T>(g, c), 0);
    }
  }
}

/**
 * Adam with bias correction: m = b1 m + (1 - b1) g; v = b2 v + (1 - b2) g^2;
 * phi -= lr (m / c1) / (sqrt(v / c2) + eps) + lr decay phi, with c1 = 1 - b1^t and
 * c2 = 1 - b2^t of the optimizer's step count t (global, also under lazy updates).
 */
export function adamRows<T>(
  count: u32, list: usize, k: u32, phi: usize, grad: usize, mom: usize, vel: usize,
  lr: f64, b1: f64, b2: f64, eps: f64, c1: f64, c2: f64, decay: f64, gradScale: f64,
): void {
  const rowBytes = <usize>k << alignof<T>();
  const L = lanes<T>(), kv = vectorColumns<T>(k);
  const cLr = <T>lr, cB1 = <T>b1, cB2 = <T>b2, cEps = <T>eps, cC1 = <T>c1, cC2 = <T>c2, cDecay = <T>decay;
  const cScale = <T>gradScale, cOneB1 = <T>(1 - b1), cOneB2 = <T>(1 - b2);
  for (let e: u32 = 0; e < count; e++) {
    const o = <usize>rowOf(list, e) * rowBytes;
    const p = phi + o, g = grad + o, mp = mom + o, vp = vel + o;
    let c: u32 = 0;
    if (ASC_FEATURE_SIMD) {
      const vLr = v128.splat<T>(cLr), vB1 = v128.splat<T>(cB1), vB2 = v128.splat<T>(cB2), vEps = v128.splat<T>(cEps);
      const vC1 = v128.splat<T>(cC1), vC2 = v128.splat<T>(cC2), vDecay = v128.splat<T>(cDecay);
      const vScale = v128.splat<T>(cScale);
      const vOneB1 = v128.splat<T>(cOneB1), vOneB2 = v128.splat<T>(cOneB2);
      for (; c < kv; c += L) {
        const x = v128.load(at<T>(p, c));
        const gv = gradV<T>(v128.load(at<T>(g, c)), vScale);
        const m = v128.add<T>(v128.mul<T>(vB1, v128.load(at<T>(mp, c))), v128.mul<T>(vOneB1, gv));
        const v = v128.add<T>(v128.mul<T>(vB2, v128.load(at<T>(vp, c))), v128.mul<T>(vOneB2, v128.mul<T>(gv, gv)));
        v128.store(at<T>(mp, c), m);
        v128.store(at<T>(vp, c), v);
        const denominator = v128.add<T>(v128.sqrt<T>(v128.div<T>(v, vC2)), vEps);
        const step = v128.div<T>(v128.mul<T>(vLr, v128.div<T>(m, vC1)), denominator);
        v128.store(at<T>(p, c), v128.sub<T>(v128.sub<T>(x, step), v128.mul<T>(v128.mul<T>(vLr, vDecay), x)));
        v128.store(at<T>(g, c), v128.splat<T>(0));
      }
    }
    // scalar tail
    for (; c < k; c++) {
      const x = load<T>(at<T>(p, c));
      const gs = gradS<T>(load<T>(at<T>(g, c)), cScale);
      const m = cB1 * load<T>(at<T>(mp, c)) + cOneB1 * gs;
      const v = cB2 * load<T>(at<T>(vp, c)) + cOneB2 * (gs * gs);
      store<T>(at<T>(mp, c), m);
      store<T>(at<T>(vp, c), v);
      store<T>(at<T>(p, c), x - (cLr * (m / cC1)) / (<T>sqrt<T>(v / cC2) + cEps) - cLr * cDecay * x);
      store<T>(at<T>(g, c), 0);
    }
  }
}

/** sum over the listed rows of grad^2, in float64: the norm that clipping bounds. */
export function gradientNormSquared<T>(count: u32, list: usize, k: u32, grad: usize): f64 {
  const rowBytes = <usize>k << alignof<T>();
  let sum: f64 = 0;
  for (let e: u32 = 0; e < count; e++) {
    const o = <usize>rowOf(list, e) * rowBytes;
    for (let c: u32 = 0; c < k; c++) {
      const g = <f64>load<T>(at<T>(grad + o, c));
      sum += g * g;
    }
  }
  return sum;
}

/**
 * The first of the listed rows (list = 0: rows 0..count-1) holding a NaN or an infinity, as
 * its position in the list, or -1: training's check that an update left phi finite. x * 0 is
 * 0 for every finite x and NaN otherwise, so the sum of a row's x * 0 tells without a branch.
 */
export function firstNonFiniteRow<T>(count: u32, list: usize, k: u32, phi: usize): i32 {
  const rowBytes = <usize>k << alignof<T>();
  for (let e: u32 = 0; e < count; e++) {
    const row = phi + <usize>(list == 0 ? e : rowOf(list, e)) * rowBytes;
    let c: u32 = 0;
    if (ASC_FEATURE_SIMD) {
      const L = lanes<T>(), kv = vectorColumns<T>(k);
      let acc = v128.splat<T>(0);
      const zero = v128.splat<T>(0);
      for (; c < kv; c += L) acc = v128.add<T>(acc, v128.mul<T>(v128.load(at<T>(row, c)), zero));
      if (v128.any_true(v128.ne<T>(acc, acc))) return <i32>e;
    }
    // scalar tail
    let s: T = 0;
    for (; c < k; c++) s += load<T>(at<T>(row, c)) * 0;
    if (s != s) return <i32>e;
  }
  return -1;
}

/**
 * grad[r] += coef[e] * phi[r] for each listed row r = list[e]: the gradient of a penalty
 * (coef[e] / 2) |phi_r|^2 whose weight differs from row to row (training's per-occurrence L2).
 */
export function addRowsScaled<T>(count: u32, list: usize, k: u32, phi: usize, grad: usize, coef: usize): void {
  const rowBytes = <usize>k << alignof<T>();
  for (let e: u32 = 0; e < count; e++) {
    const o = <usize>rowOf(list, e) * rowBytes;
    const p = phi + o, g = grad + o, c = load<T>(at<T>(coef, e));
    let l: u32 = 0;
    if (ASC_FEATURE_SIMD) {
      const L = lanes<T>(), kv = vectorColumns<T>(k), vc = v128.splat<T>(c);
      for (; l < kv; l += L) {
        const scaled = v128.mul<T>(vc, v128.load(at<T>(p, l)));
        v128.store(at<T>(g, l), v128.add<T>(v128.load(at<T>(g, l)), scaled));
      }
    }
    // scalar tail
    for (; l < k; l++) store<T>(at<T>(g, l), load<T>(at<T>(g, l)) + c * load<T>(at<T>(p, l)));
  }
}

/**
 * Zeroes the listed rows of a k-column array (the gradient buffer, after a step): by stores, not
 * memory.fill, whose call into the engine costs more than a short row.
 */
export function zeroRows<T>(count: u32, list: usize, k: u32, a: usize): void {
  const rowBytes = <usize>k << alignof<T>();
  for (let e: u32 = 0; e < count; e++) {
    const row = a + <usize>rowOf(list, e) * rowBytes;
    let o: usize = 0;
    if (ASC_FEATURE_SIMD) {
      // whole vectors
      const zero = v128.splat<i32>(0);
      for (; o + 16 <= rowBytes; o += 16) v128.store(row + o, zero);
    }
    // the tail, an element of T (4 or 8 bytes) at a time, as u32
    for (; o < rowBytes; o += 4) store<u32>(row + o, 0);
  }
}

/**
 * The distinct rows of index[0..count) into list, in order of first appearance; marks holds
 * one byte per row of the table, all 0 before and after. Returns how many.
 */
export function distinctRows(count: u32, index: usize, marks: usize, list: usize): u32 {
  let n: u32 = 0;
  for (let e: u32 = 0; e < count; e++) {
    const r = load<u32>(index + (<usize>e << 2));
    // only a new row is stored: list holds one entry per row of the table, no more
    if (load<u8>(marks + r) != 0) continue;
    store<u32>(list + (<usize>n << 2), r);
    store<u8>(marks + r, 1);
    n++;
  }
  for (let e: u32 = 0; e < n; e++) store<u8>(marks + load<u32>(list + (<usize>e << 2)), 0);
  return n;
}
