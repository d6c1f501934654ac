// Input checks, run in TypeScript before anything enters wasm (kernels trust their arguments).
// Errors follow SPEC §4: TypeError for types, RangeError for sizes; messages name the caller,
// the argument, what was expected and what was given.

import type { DenseGates, FloatArray, Precision, Shape } from "./types.js";

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
export function checkShape(shape: unknown, caller: string): CheckedShape {
  if (typeof shape !== "object" || shape === null) {
    throw new TypeError(`${caller}(): shape must be an object { n, m, k }, got ${describe(shape)}`);
  }
  const s = shape as Record<string, unknown>;
  for (const field of ["n", "m", "k"] as const) {
    const value = s[field];
    if (typeof value !== "number" || !Number.isInteger(value) || value < 0 || value > MAX_COUNT) {
      throw new RangeError(
        `${caller}(): shape.${field} must be an integer from 0 to ${MAX_COUNT}, got ${formatValue(value)}`,
      );
    }
  }
  const { n, m, k } = s as unknown as Shape;
  if (n + m > MAX_COUNT) {
    throw new RangeError(`${caller}(): shape.n + shape.m must be at most ${MAX_COUNT}, got ${n + m}`);
  }
  return { n, m, k, rows: n + m, elements: (n + m) * k };
}

function formatValue(value: unknown): string {
  return typeof value === "number" || value === undefined || value === null ? String(value) : describe(value);
}

/** The precision phi's array type selects; TypeError for anything but Float32Array/Float64Array. */
export function precisionOf(phi: unknown, caller: string): Precision {
  if (phi instanceof Float32Array) return "f32";
  if (phi instanceof Float64Array) return "f64";
  throw new TypeError(`${caller}(): phi must be a Float32Array or a Float64Array, got ${describe(phi)}`);
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

/** Dense gates: Uint8Array, Float32Array, Float64Array or an array of numbers, length n + m. */
export function checkGates(h: unknown, shape: CheckedShape, caller: string): DenseGates {
  if (Array.isArray(h)) {
    checkLength(caller, "h", h.length, shape.rows, "n + m");
    for (let i = 0; i < h.length; i++) {
      if (typeof h[i] !== "number") {
        throw new TypeError(`${caller}(): h must hold numbers, but h[${i}] is ${describe(h[i])}`);
      }
    }
    return h as number[];
  }
  if (h instanceof Uint8Array || h instanceof Float32Array || h instanceof Float64Array) {
    checkLength(caller, "h", h.length, shape.rows, "n + m");
    return h;
  }
  throw new TypeError(
    `${caller}(): h must be a Uint8Array, Float32Array, Float64Array or number[], got ${describe(h)}`,
  );
}

/** An output array: the same type as phi and the given length. */
export function checkOut(
  out: unknown,
  precision: Precision,
  length: number,
  formula: string,
  caller: string,
): FloatArray {
  const wanted = precision === "f32" ? Float32Array : Float64Array;
  if (!(out instanceof wanted)) {
    throw new TypeError(`${caller}(): out must be a ${wanted.name} like phi, got ${describe(out)}`);
  }
  checkLength(caller, "out", out.length, length, formula);
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
