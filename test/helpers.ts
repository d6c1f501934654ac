// Shared test data and error bounds.
import { generator } from "../src/util/random.js";
import { referencePooled, type NumberArray } from "../src/reference.js";
import type { FloatArray, Precision, Shape } from "../src/util/types.js";

/** A seeded uniform [0, 1) generator (mulberry32, src/util/random.ts): tests are reproducible. */
export const rng = generator;

export type GateKind = "off" | "on" | "binary" | "real";
export const GATE_KINDS: readonly GateKind[] = ["off", "on", "binary", "real"];

/** Random phi on [-1, 1) and gates of the given kind (real gates on [-2, 2), some exactly 0). */
export function randomProblem(
  shape: Shape,
  precision: Precision,
  gates: GateKind = "binary",
  seed = 1,
): { phi: FloatArray; h: FloatArray } {
  const random = rng(seed);
  const { n, m, k } = shape;
  const Type = precision === "f32" ? Float32Array : Float64Array;
  const phi = new Type((n + m) * k);
  for (let i = 0; i < phi.length; i++) phi[i] = 2 * random() - 1;
  const h = new Type(n + m);
  for (let r = 0; r < n + m; r++) {
    const x = random();
    h[r] =
      gates === "off"
        ? 0
        : gates === "on"
          ? 1
          : gates === "binary"
            ? x < 0.5
              ? 1
              : 0
            : x < 0.25
              ? 0
              : 4 * random() - 2;
  }
  return { phi, h };
}

const abs = (a: NumberArray): Float64Array => Float64Array.from(a, Math.abs);

/**
 * The "sum of |terms|" behind every result (docs/design.md §5): |u|_l and |v|_l, and per result the
 * magnitude its rounding errors scale with. `*Factor` are what an absolute error in u or v
 * (underflow) is multiplied by on its way into each result.
 */
export function magnitudes(phi: NumberArray, h: NumberArray, shape: Shape) {
  const { n, m, k } = shape;
  const { u, v } = referencePooled(abs(phi), abs(h), shape);
  let value = 0,
    valueFactor = 0;
  for (let l = 0; l < k; l++) {
    value += u[l] * v[l];
    valueFactor += u[l] + v[l];
  }
  const gradient = new Float64Array((n + m) * k);
  const gradientFactor = new Float64Array((n + m) * k);
  const gate = new Float64Array(n + m);
  const gateFactor = new Float64Array(n + m);
  for (let r = 0; r < n + m; r++) {
    const w = r < n ? v : u;
    for (let l = 0; l < k; l++) {
      gradient[r * k + l] = Math.abs(h[r]) * w[l];
      gradientFactor[r * k + l] = Math.abs(h[r]);
      gate[r] += Math.abs(phi[r * k + l]) * w[l];
      gateFactor[r] += Math.abs(phi[r * k + l]);
    }
  }
  return { u, v, value, valueFactor, gradient, gradientFactor, gate, gateFactor };
}

/** Unit roundoff of each precision. */
export const UNIT_ROUNDOFF = { f32: 2 ** -24, f64: 2 ** -53 } as const;

/**
 * Relative error bounds (multiples of the sum of |terms|) for a problem with at most `rows`
 * rows per group. f64: the 1e-13 of docs/design.md §5. f32: the worst case of the blocked sum (up to 256
 * sequential additions in a block; the float64 tree adds next to nothing), plus the final
 * rounding, the rounding of the final products and, for dF/dh, of a k-term dot product.
 */
export function bounds(precision: Precision, rows: number, k: number) {
  // products that underflow lose up to half the smallest subnormal each: an absolute error
  // per pooled component, multiplied by the *Factor of magnitudes() in each result
  const underflow = (rows + k + 2) * (precision === "f32" ? 2 ** -149 : 2 ** -1074);
  if (precision === "f64") return { pooled: 1e-13, value: 1e-13, gradient: 1e-13, gate: 1e-13, underflow };
  const u = UNIT_ROUNDOFF.f32;
  const pooled = (Math.min(rows, 256) + 2) * u;
  return { pooled, value: 2 * pooled + 2 * u, gradient: pooled + 2 * u, gate: pooled + (k + 2) * u, underflow };
}

/** max over i of |actual_i - expected_i| / scale_i (0 / 0 counts as 0; x / 0 as Infinity). */
export function maxScaledError(actual: NumberArray, expected: NumberArray, scale: NumberArray): number {
  if (actual.length !== expected.length) throw new Error(`length ${actual.length} != ${expected.length}`);
  let worst = 0;
  for (let i = 0; i < actual.length; i++) {
    const err = Math.abs(actual[i] - expected[i]);
    if (Number.isNaN(err)) return NaN;
    if (err === 0) continue;
    worst = Math.max(worst, err / scale[i]);
  }
  return worst;
}

/** Index of the first element whose bits differ (NaN payloads and -0 count), or -1. */
export function firstBitDifference(a: FloatArray, b: FloatArray): number {
  if (a.length !== b.length || a.BYTES_PER_ELEMENT !== b.BYTES_PER_ELEMENT) return 0;
  // 32-bit words (float arrays are 4-byte aligned): a quarter of the steps of a byte loop
  const x = new Int32Array(a.buffer, a.byteOffset, a.byteLength / 4);
  const y = new Int32Array(b.buffer, b.byteOffset, b.byteLength / 4);
  for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return Math.floor((4 * i) / a.BYTES_PER_ELEMENT);
  return -1;
}

// --- hostile input (test/hostile.test.ts, test/recommend/hostile.test.ts) ---

/** `array` with an own `length` property that says `length`. */
export function lyingLength<A extends object>(array: A, length: number): A {
  Object.defineProperty(array, "length", { value: length });
  return array;
}

/** A Proxy of `array` whose `length` (and elements) answer honestly `honest` times, then lie. */
export function changingList(array: number[], honest: number, lie: (key: string) => unknown): number[] {
  const reads = new Map<string, number>();
  return new Proxy(array, {
    get(target, key, receiver) {
      if (typeof key === "string") {
        const count = (reads.get(key) ?? 0) + 1;
        reads.set(key, count);
        if (count > honest) return lie(key);
      }
      return Reflect.get(target, key, receiver);
    },
  });
}

/** An object whose `key` getter answers `first`, then `later` on every read after it. */
export function twoFaced<O extends object>(base: O, key: keyof O & string, first: unknown, later: unknown): O {
  let reads = 0;
  const o = { ...base };
  Object.defineProperty(o, key, { get: () => (reads++ === 0 ? first : later), enumerable: true });
  return o;
}
