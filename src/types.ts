// Public types shared by the API modules.

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

/** Gates as accepted by every function. */
export type Gates = DenseGates;

/** Rows 0..n-1 form group A, rows n..n+m-1 group B; every row has k components. */
export interface Shape {
  readonly n: number;
  readonly m: number;
  readonly k: number;
}
