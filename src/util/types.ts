// Public types shared by the API modules: precisions, arrays, gates, shapes, and the options
// and results of the kernels' calls (declared once here, whichever layer takes them).

/** Element precision of a call: chosen by phi's array type, or by createProblem's option. */
export type Precision = "f32" | "f64";

/** phi and every array result: Float32Array for f32 kernels, Float64Array for f64 kernels. */
export type FloatArray = Float32Array | Float64Array;

/** The float array type of a precision. */
export type FloatArrayOf<P extends Precision> = P extends "f64" ? Float64Array : Float32Array;

/**
 * Dense gates, one per row (length n + m). A gate is its numeric value (a Uint8Array 2 counts
 * as 2); in f32 calls gates are rounded to f32. A gate of exactly 0 makes its row absent.
 */
export type DenseGates = Uint8Array | Float32Array | Float64Array | readonly number[];

/**
 * Sparse gates: the active rows as global row indices (strictly increasing, below n + m),
 * with optional weights of phi's type (1 when absent); every other row is absent. Calls with
 * sparse gates cost O(index.length * k) (the gradient returns the listed rows only, unless
 * given a dense `out`).
 */
export interface SparseGates<A extends FloatArray = FloatArray> {
  readonly index: Uint32Array;
  readonly weight?: A;
}

/** Gates as accepted by every function: one per row, or sparse. */
export type Gates = DenseGates | SparseGates;

/**
 * A batch of gate sets in CSR form, one set per row: set b lists the rows
 * index[indptr[b]..indptr[b+1]) (strictly increasing within the set), with weights as
 * sparse gates have.
 */
export interface GateSets<A extends FloatArray = FloatArray> {
  readonly indptr: Uint32Array;
  readonly index: Uint32Array;
  readonly weight?: A;
}

/** A batch of `count` dense gate sets: `gates` holds count rows of n + m gates. */
export interface DenseGateSets {
  readonly gates: Uint8Array | Float32Array | Float64Array;
  readonly count: number;
}

/** Rows 0..n-1 form group A, rows n..n+m-1 group B; every row has k components. */
export interface Shape {
  readonly n: number;
  readonly m: number;
  readonly k: number;
}

/**
 * How a gradient is written: scaled, and added to what its output holds or written over it
 * (every gradient method takes these: Problems', threaded problems', chunks').
 */
export interface GradientScaling {
  /** Multiplies the gradient, e.g. by L'(F) for a loss L, or by a negative learning rate. Default 1. */
  readonly scale?: number;
  /** Add scale * dF/dphi to the output instead of overwriting it. Default false. */
  readonly accumulate?: boolean;
}

/** Options of gradient() and valueAndGradient(): where to write, and how. */
export interface GradientOptions<A extends FloatArray = FloatArray> extends GradientScaling {
  /**
   * Write (or add) the gradient here instead of a new array: phi's type, length (n + m) * k.
   * With sparse gates it may also have index.length * k elements: the listed rows' gradient
   * rows in list order (the default layout for sparse gates).
   */
  readonly out?: A;
}

/** Options of gateGradient(). */
export interface GateGradientOptions<A extends FloatArray = FloatArray> {
  /** Write dF/dh here instead of a new array: phi's type, length n + m (index.length for sparse gates). */
  readonly out?: A;
}

/** The pooled sums u (group A) and v (group B), k elements each, of phi's type. */
export interface Pooled<A extends FloatArray = FloatArray> {
  readonly u: A;
  readonly v: A;
}

/**
 * The shape of the factorization-machine family's F (docs/design.md §16): rows in fields, field g
 * holding `fields[g]` rows after those of the fields before it, and the pairs of fields whose
 * interaction F sums (`[g, g']`, g <= g', each at most once; `[g, g]` is the pairs of rows within g).
 */
export interface FieldShape {
  readonly fields: ArrayLike<number>;
  readonly k: number;
  readonly pairs: ArrayLike<readonly [number, number]>;
}

/** The learnable weights beside phi: one rho a pair [1 each], a w a row [0 each], the offset w0 [0]. */
export interface FieldParams {
  readonly rho?: ArrayLike<number>;
  readonly w?: ArrayLike<number>;
  readonly w0?: number;
}
