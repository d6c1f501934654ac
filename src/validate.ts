// Input checks, run in TypeScript before anything enters wasm (kernels trust their arguments).
// Errors follow docs/design.md §7: TypeError for types, RangeError for sizes; messages name the caller,
// the argument, what was expected and what was given.

import type { DenseGates, DenseGateSets, FloatArray, GateSets, Precision, Shape } from "./types.js";

/** A short description of a value for error messages: its constructor name or type. */
export function describe(value: unknown): string {
  if (value === null) return "null";
  if (typeof value !== "object") return typeof value;
  return (value as object).constructor?.name ?? "object";
}

/** The largest row count or k a u32 kernel argument carries. */
const MAX_COUNT = 2 ** 32 - 1;

/** A validated shape, with the derived counts every caller needs. */
export interface CheckedShape extends Shape {
  /** n + m */
  readonly rows: number;
  /** (n + m) * k */
  readonly elements: number;
}

/** Checks shape = { n, m, k } of non-negative integers; RangeError naming the bad field. */
export function checkShape(shape: unknown, caller: string, name = "shape"): CheckedShape {
  if (typeof shape !== "object" || shape === null) {
    throw new TypeError(`${caller}(): ${name} must be an object { n, m, k }, got ${describe(shape)}`);
  }
  const s = shape as Record<string, unknown>;
  for (const field of ["n", "m", "k"] as const) {
    const value = s[field];
    if (typeof value !== "number" || !Number.isInteger(value) || value < 0 || value > MAX_COUNT) {
      throw new RangeError(
        `${caller}(): ${name}.${field} must be an integer from 0 to ${MAX_COUNT}, got ${formatValue(value)}`,
      );
    }
  }
  const { n, m, k } = s as unknown as Shape;
  if (n + m > MAX_COUNT) {
    throw new RangeError(`${caller}(): ${name}.n + ${name}.m must be at most ${MAX_COUNT}, got ${n + m}`);
  }
  return { n, m, k, rows: n + m, elements: (n + m) * k };
}

function formatValue(value: unknown): string {
  return typeof value === "number" || value === undefined || value === null ? String(value) : describe(value);
}

/** The precision an array's type selects; TypeError for anything but Float32Array/Float64Array. */
export function precisionOf(array: unknown, caller: string, name = "phi"): Precision {
  if (array instanceof Float32Array) return "f32";
  if (array instanceof Float64Array) return "f64";
  throw new TypeError(`${caller}(): ${name} must be a Float32Array or a Float64Array, got ${describe(array)}`);
}

/** RangeError unless `actual` equals `expected`. */
export function checkLength(caller: string, name: string, actual: number, expected: number, formula: string): void {
  if (actual !== expected) {
    throw new RangeError(`${caller}(): ${name}.length must be ${formula} = ${expected}, got ${actual}`);
  }
}

/** phi of the right type and length for the shape; returns its precision. */
export function checkPhi(phi: unknown, shape: CheckedShape, caller: string): Precision {
  const precision = precisionOf(phi, caller);
  checkLength(caller, "phi", (phi as FloatArray).length, shape.elements, "(n + m) * k");
  return precision;
}

/** Gates after checking: dense, or sparse with `split` = how many listed rows are in group A. */
export type CheckedGates =
  | { readonly sparse: false; readonly h: DenseGates }
  | { readonly sparse: true; readonly index: Uint32Array; readonly weight?: FloatArray; readonly split: number };

/** Dense or sparse gates, checked against the shape and phi's precision. */
export function checkAnyGates(h: unknown, shape: CheckedShape, precision: Precision, caller: string): CheckedGates {
  if (typeof h === "object" && h !== null && !Array.isArray(h) && !ArrayBuffer.isView(h)) {
    const sparse = h as { index?: unknown; weight?: unknown };
    if ("index" in sparse) {
      const index = checkIndex(
        sparse.index,
        0,
        (sparse.index as Uint32Array)?.length ?? 0,
        shape.rows,
        "h.index",
        caller,
      );
      const weight = checkWeight(sparse.weight, precision, index.length, "h.weight", caller);
      return { sparse: true, index, weight, split: splitAt(index, 0, index.length, shape.n) };
    }
  }
  return { sparse: false, h: checkGates(h, shape, caller) };
}

/**
 * index[from..to) as strictly increasing row indices below `rows`: TypeError for another type,
 * RangeError naming the first bad entry.
 */
function checkIndex(index: unknown, from: number, to: number, rows: number, name: string, caller: string): Uint32Array {
  if (!(index instanceof Uint32Array))
    throw new TypeError(`${caller}(): ${name} must be a Uint32Array, got ${describe(index)}`);
  for (let i = from; i < to; i++) {
    if (index[i] >= rows) {
      throw new RangeError(
        `${caller}(): ${name}[${i}] = ${index[i]} is out of range: rows go from 0 to n + m - 1 = ${rows - 1}`,
      );
    }
    if (i > from && index[i] <= index[i - 1]) {
      const what = index[i] === index[i - 1] ? "repeats" : "is less than";
      throw new RangeError(
        `${caller}(): ${name}[${i}] = ${index[i]} ${what} ${name}[${i - 1}] = ${index[i - 1]}: indices must be strictly increasing`,
      );
    }
  }
  return index;
}

function checkWeight(
  weight: unknown,
  precision: Precision,
  length: number,
  name: string,
  caller: string,
): FloatArray | undefined {
  if (weight === undefined) return undefined;
  const wanted = precision === "f32" ? Float32Array : Float64Array;
  if (!(weight instanceof wanted))
    throw new TypeError(`${caller}(): ${name} must be a ${wanted.name} like phi, got ${describe(weight)}`);
  checkLength(caller, name, weight.length, length, "index.length");
  return weight;
}

/** The first position in index[from..to) whose row is in group B (>= n). */
function splitAt(index: Uint32Array, from: number, to: number, n: number): number {
  let lo = from,
    hi = to;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (index[mid] < n) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Gate sets after checking: CSR with each set's split, or dense rows of n + m gates. */
export type CheckedGateSets =
  | {
      readonly dense: false;
      readonly count: number;
      readonly indptr: Uint32Array;
      readonly index: Uint32Array;
      readonly weight?: FloatArray;
      readonly splits: Uint32Array;
    }
  | { readonly dense: true; readonly count: number; readonly gates: Uint8Array | Float32Array | Float64Array };

/** A batch of gate sets: CSR ({ indptr, index, weight? }) or dense ({ gates, count }); `name` is the argument's. */
export function checkGateSets(
  sets: unknown,
  shape: CheckedShape,
  precision: Precision,
  caller: string,
  name = "sets",
): CheckedGateSets {
  if (typeof sets !== "object" || sets === null) {
    throw new TypeError(
      `${caller}(): ${name} must be { indptr, index, weight? } or { gates, count }, got ${describe(sets)}`,
    );
  }
  const s = sets as Partial<GateSets & DenseGateSets>;
  if (s.gates !== undefined) {
    const count = s.count;
    if (typeof count !== "number" || !Number.isInteger(count) || count < 0) {
      throw new RangeError(`${caller}(): ${name}.count must be a non-negative integer, got ${formatValue(count)}`);
    }
    if (!(s.gates instanceof Uint8Array || s.gates instanceof Float32Array || s.gates instanceof Float64Array)) {
      throw new TypeError(
        `${caller}(): ${name}.gates must be a Uint8Array, Float32Array or Float64Array, got ${describe(s.gates)}`,
      );
    }
    checkLength(caller, `${name}.gates`, s.gates.length, count * shape.rows, "count * (n + m)");
    return { dense: true, count, gates: s.gates };
  }
  const { indptr } = s;
  if (!(indptr instanceof Uint32Array))
    throw new TypeError(`${caller}(): ${name}.indptr must be a Uint32Array, got ${describe(indptr)}`);
  if (!(s.index instanceof Uint32Array))
    throw new TypeError(`${caller}(): ${name}.index must be a Uint32Array, got ${describe(s.index)}`);
  const index = s.index;
  if (indptr.length < 1)
    throw new RangeError(`${caller}(): ${name}.indptr.length must be at least 1 (sets + 1), got 0`);
  const count = indptr.length - 1;
  if (indptr[0] !== 0) throw new RangeError(`${caller}(): ${name}.indptr[0] must be 0, got ${indptr[0]}`);
  if (indptr[count] !== index.length) {
    throw new RangeError(
      `${caller}(): ${name}.indptr[${count}] must be index.length = ${index.length}, got ${indptr[count]}`,
    );
  }
  const splits = new Uint32Array(count);
  for (let b = 0; b < count; b++) {
    if (indptr[b + 1] < indptr[b]) {
      throw new RangeError(
        `${caller}(): ${name}.indptr[${b + 1}] = ${indptr[b + 1]} is less than ${name}.indptr[${b}] = ${indptr[b]}`,
      );
    }
    checkIndex(index, indptr[b], indptr[b + 1], shape.rows, `${name}.index`, caller);
    splits[b] = splitAt(index, indptr[b], indptr[b + 1], shape.n);
  }
  const weight = checkWeight(s.weight, precision, index.length, `${name}.weight`, caller);
  return { dense: false, count, indptr, index, weight, splits };
}

/** Dense gates: Uint8Array, Float32Array, Float64Array or an array of numbers, of length `formula` (n + m; a chunk's rows). */
export function checkGates(h: unknown, shape: CheckedShape, caller: string, formula = "n + m"): DenseGates {
  if (Array.isArray(h)) {
    checkLength(caller, "h", h.length, shape.rows, formula);
    for (let i = 0; i < h.length; i++) {
      if (typeof h[i] !== "number") {
        throw new TypeError(`${caller}(): h must hold numbers, but h[${i}] is ${describe(h[i])}`);
      }
    }
    return h as number[];
  }
  if (h instanceof Uint8Array || h instanceof Float32Array || h instanceof Float64Array) {
    checkLength(caller, "h", h.length, shape.rows, formula);
    return h;
  }
  throw new TypeError(
    `${caller}(): h must be a Uint8Array, Float32Array, Float64Array, number[] or { index, weight? }, got ${describe(h)}`,
  );
}

/** An array of the call's float type and the given length: an output, or pooled sums. */
export function checkOut(
  out: unknown,
  precision: Precision,
  length: number,
  formula: string,
  caller: string,
  name = "options.out",
  like = "phi",
): FloatArray {
  const wanted = precision === "f32" ? Float32Array : Float64Array;
  if (!(out instanceof wanted)) {
    throw new TypeError(`${caller}(): ${name} must be a ${wanted.name} like ${like}, got ${describe(out)}`);
  }
  checkLength(caller, name, out.length, length, formula);
  return out;
}

/** A finite or non-finite number (NaN propagates like any IEEE value); TypeError otherwise. */
export function checkNumber(value: unknown, name: string, caller: string): number {
  if (typeof value !== "number") throw new TypeError(`${caller}(): ${name} must be a number, got ${describe(value)}`);
  return value;
}

/** A boolean option; TypeError otherwise. */
export function checkBoolean(value: unknown, name: string, caller: string): boolean {
  if (typeof value !== "boolean") throw new TypeError(`${caller}(): ${name} must be a boolean, got ${describe(value)}`);
  return value;
}

/** An options argument: undefined (no options) or an object; TypeError otherwise. */
export function checkOptions<O extends object>(options: unknown, caller: string, name = "options"): Partial<O> {
  if (options === undefined) return {};
  if (typeof options !== "object" || options === null) {
    throw new TypeError(`${caller}(): ${name} must be an object or undefined, got ${describe(options)}`);
  }
  return options as Partial<O>;
}

/** scale (a number, default 1) and accumulate (a boolean, default false) of a gradient call's options. */
export function checkGradientOptions(
  options: { readonly scale?: unknown; readonly accumulate?: unknown },
  caller: string,
): { scale: number; accumulate: boolean } {
  return {
    scale: options.scale === undefined ? 1 : checkNumber(options.scale, "options.scale", caller),
    accumulate:
      options.accumulate === undefined ? false : checkBoolean(options.accumulate, "options.accumulate", caller),
  };
}

/**
 * An array of numbers (number[] or a numeric typed array) of `length` elements; TypeError for
 * another type or a non-number element, RangeError for the length.
 */
export function checkNumbers(
  value: unknown,
  name: string,
  caller: string,
  length: number,
  formula: string,
): ArrayLike<number> {
  const typed =
    ArrayBuffer.isView(value) &&
    !(value instanceof DataView) &&
    !(value instanceof BigInt64Array) &&
    !(value instanceof BigUint64Array);
  if (!typed && !Array.isArray(value))
    throw new TypeError(`${caller}(): ${name} must be an array of numbers, got ${describe(value)}`);
  const array = value as ArrayLike<unknown>;
  checkLength(caller, name, array.length, length, formula);
  if (!typed) {
    for (let i = 0; i < array.length; i++) {
      if (typeof array[i] !== "number")
        throw new TypeError(`${caller}(): ${name} must hold numbers, but ${name}[${i}] is ${describe(array[i])}`);
    }
  }
  return array as ArrayLike<number>;
}

/** A precision option: "f32" (the default) or "f64"; TypeError naming options.precision otherwise. */
export function checkPrecision(precision: unknown, caller: string): Precision {
  if (precision === undefined) return "f32";
  if (precision !== "f32" && precision !== "f64") {
    throw new TypeError(
      `${caller}(): options.precision must be "f32" or "f64", got ${typeof precision === "string" ? JSON.stringify(precision) : describe(precision)}`,
    );
  }
  return precision;
}
