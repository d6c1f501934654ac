// The checks of the kernels' arguments (docs/design.md §7), run in TypeScript before anything
// enters wasm (kernels trust their arguments): shapes, phi, gates and gate sets, outputs, arrays
// of numbers. Each argument is read once (src/util/read.ts) and what was checked is what the
// call uses. Every check takes the caller first, then the argument's name (where it varies),
// then the value.

import { checkBoolean, checkLength, checkNumber, checkOptions } from "../util/checks.js";
import {
  copyFrom,
  describe,
  hasField,
  isList,
  ownRef,
  readField,
  readFields,
  readError,
  readList,
  refOf,
  shown,
  typedKind,
  type ArrayRef,
  type TypedKind,
} from "../util/read.js";
import type { GradientOptions, Precision } from "../util/types.js";
import { MAX_COUNT, type CheckedShape } from "./shape.js";
import { checkHandedOut } from "../wasm/memory.js";

export { checkShape, type CheckedShape } from "./shape.js";

/**
 * A caller's typed array of `kind`, read once (src/util/read.ts); Error if it is a view of crossgrad
 * memory that crossgrad did not hand out, or that was freed (docs/design.md §3). For arrays
 * read in place; an array a call places in wasm memory is checked there (locate).
 */
export function callerRef(caller: string, name: string, value: unknown, kind: TypedKind): ArrayRef {
  const ref = refOf(value, kind);
  checkHandedOut(caller, name, ref);
  return ref;
}

/**
 * A copy of a caller's array in an array of `Type`, read once (of a view of crossgrad memory,
 * only of one it handed out): what the checks read and the call uses, whatever the caller's
 * array does afterwards (a shared buffer can change under a check).
 */
export function snapshotArray<A extends ArrayBufferView>(
  caller: string,
  name: string,
  ref: ArrayRef,
  Type: new (length: number) => A,
): A {
  checkHandedOut(caller, name, ref);
  const copy = new Type(ref.length);
  copyFrom(copy, ref);
  return copy;
}

const FLOAT_KINDS = { Float32Array: "f32", Float64Array: "f64" } as const;

/** The precision an array's type selects; TypeError for anything but a Float32Array or a Float64Array. */
export function precisionOf(caller: string, name: string, array: unknown): Precision {
  const kind = typedKind(array);
  if (kind === "Float32Array" || kind === "Float64Array") return FLOAT_KINDS[kind];
  throw new TypeError(`${caller}(): ${name} must be a Float32Array or a Float64Array, got ${describe(array)}`);
}

/**
 * A Float32Array or Float64Array, read once; TypeError otherwise. Where it is (in wasm memory
 * or not, handed out or not) is placement's question (locate), asked where it is placed.
 */
export function floatRef(caller: string, name: string, array: unknown): ArrayRef {
  return refOf(array, precisionOf(caller, name, array) === "f32" ? "Float32Array" : "Float64Array");
}

/** The precision of a float array's kind. */
export const precisionOfRef = (ref: ArrayRef): Precision => (ref.kind === "Float32Array" ? "f32" : "f64");

/** phi of the right type and length for the shape, read once. */
export function checkPhi(caller: string, phi: unknown, shape: CheckedShape): ArrayRef {
  const ref = floatRef(caller, "phi", phi);
  checkLength(caller, "phi", ref.length, shape.elements, "(n + m) * k");
  return ref;
}

/**
 * Gates after checking: dense (a typed array, or a snapshot of a list), or sparse with `split`
 * = how many listed rows are in group A; the index is a snapshot (the kernels address rows by
 * it: no other code may change it after its check).
 */
export type CheckedGates =
  | { readonly sparse: false; readonly h: ArrayRef }
  | { readonly sparse: true; readonly index: Uint32Array; readonly weight?: ArrayRef; readonly split: number };

/** Dense or sparse gates, checked against the shape and phi's precision. */
export function checkAnyGates(caller: string, h: unknown, shape: CheckedShape, precision: Precision): CheckedGates {
  const kind = typedKind(h);
  if (kind === undefined && typeof h === "object" && h !== null && !isList(h)) {
    if (hasField(caller, "h", h, "index")) {
      const sparse = readFields(caller, "h", h, ["index", "weight"]);
      const ref = uint32Ref(caller, "h.index", sparse.index);
      const index = checkIndex(caller, "h.index", ref, 0, ref.length, shape.rows);
      const weight = checkWeight(caller, "h.weight", sparse.weight, precision, index.length);
      return { sparse: true, index, weight, split: splitAt(index, 0, index.length, shape.n) };
    }
  }
  return { sparse: false, h: checkGates(caller, h, shape, "n + m", kind) };
}

function uint32Ref(caller: string, name: string, value: unknown): ArrayRef {
  if (typedKind(value) !== "Uint32Array")
    throw new TypeError(`${caller}(): ${name} must be a Uint32Array, got ${describe(value)}`);
  return refOf(value, "Uint32Array");
}

/**
 * A snapshot of index[from..to) checked as strictly increasing row indices below `rows` (the
 * whole array is copied once; RangeError naming the first bad entry).
 */
function checkIndex(
  caller: string,
  name: string,
  ref: ArrayRef,
  from: number,
  to: number,
  rows: number,
  index = snapshotArray(caller, name, ref, Uint32Array),
): Uint32Array {
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
  caller: string,
  name: string,
  weight: unknown,
  precision: Precision,
  length: number,
): ArrayRef | undefined {
  return weight === undefined ? undefined : checkOut(caller, name, weight, precision, length, "index.length");
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

/** Gate sets after checking: CSR (snapshots) with each set's split, or dense rows of n + m gates. */
export type CheckedGateSets =
  | {
      readonly dense: false;
      readonly count: number;
      readonly indptr: Uint32Array;
      readonly index: Uint32Array;
      readonly weight?: ArrayRef;
      readonly splits: Uint32Array;
    }
  | { readonly dense: true; readonly count: number; readonly gates: ArrayRef };

/** A batch of gate sets: CSR ({ indptr, index, weight? }) or dense ({ gates, count }); `name` is the argument's. */
export function checkGateSets(
  caller: string,
  name: string,
  sets: unknown,
  shape: CheckedShape,
  precision: Precision,
): CheckedGateSets {
  if (typeof sets !== "object" || sets === null) {
    throw new TypeError(
      `${caller}(): ${name} must be { indptr, index, weight? } or { gates, count }, got ${describe(sets)}`,
    );
  }
  const s = readFields(caller, name, sets, ["gates", "count", "indptr", "index", "weight"]);
  if (s.gates !== undefined) {
    const count = s.count;
    if (typeof count !== "number" || !Number.isInteger(count) || count < 0) {
      throw new RangeError(`${caller}(): ${name}.count must be a non-negative integer, got ${shown(count)}`);
    }
    const kind = typedKind(s.gates);
    if (kind !== "Uint8Array" && kind !== "Float32Array" && kind !== "Float64Array") {
      throw new TypeError(
        `${caller}(): ${name}.gates must be a Uint8Array, Float32Array or Float64Array, got ${describe(s.gates)}`,
      );
    }
    const gates = refOf(s.gates, kind);
    checkLength(caller, `${name}.gates`, gates.length, count * shape.rows, "count * (n + m)");
    return { dense: true, count, gates };
  }
  const indptr = snapshotArray(caller, `${name}.indptr`, uint32Ref(caller, `${name}.indptr`, s.indptr), Uint32Array);
  const indexRef = uint32Ref(caller, `${name}.index`, s.index);
  if (indptr.length < 1)
    throw new RangeError(`${caller}(): ${name}.indptr.length must be at least 1 (sets + 1), got 0`);
  const count = indptr.length - 1;
  if (indptr[0] !== 0) throw new RangeError(`${caller}(): ${name}.indptr[0] must be 0, got ${indptr[0]}`);
  if (indptr[count] !== indexRef.length) {
    throw new RangeError(
      `${caller}(): ${name}.indptr[${count}] must be index.length = ${indexRef.length}, got ${indptr[count]}`,
    );
  }
  const index = snapshotArray(caller, `${name}.index`, indexRef, Uint32Array);
  const splits = new Uint32Array(count);
  for (let b = 0; b < count; b++) {
    if (indptr[b + 1] < indptr[b]) {
      throw new RangeError(
        `${caller}(): ${name}.indptr[${b + 1}] = ${indptr[b + 1]} is less than ${name}.indptr[${b}] = ${indptr[b]}`,
      );
    }
    checkIndex(caller, `${name}.index`, indexRef, indptr[b], indptr[b + 1], shape.rows, index);
    splits[b] = splitAt(index, indptr[b], indptr[b + 1], shape.n);
  }
  const weight = checkWeight(caller, `${name}.weight`, s.weight, precision, index.length);
  return { dense: false, count, indptr, index, weight, splits };
}

/**
 * Dense gates: a Uint8Array, Float32Array or Float64Array, or a list of numbers (read once into a
 * snapshot), of length `formula` (n + m; a chunk's rows).
 */
export function checkGates(
  caller: string,
  h: unknown,
  shape: CheckedShape,
  formula = "n + m",
  kind = typedKind(h),
): ArrayRef {
  if (kind === "Uint8Array" || kind === "Float32Array" || kind === "Float64Array") {
    const ref = refOf(h, kind);
    checkLength(caller, "h", ref.length, shape.rows, formula);
    return ref;
  }
  if (kind === undefined && isList(h))
    return ownRef(numbersOf(caller, "h", readList(caller, "h", h), shape.rows, formula), "Float64Array");
  throw new TypeError(
    `${caller}(): h must be a Uint8Array, Float32Array, Float64Array, number[] or { index, weight? }, got ${describe(h)}`,
  );
}

/** An array of the call's float type and the given length, read once: an output, pooled sums, weights. */
export function checkOut(
  caller: string,
  name: string,
  out: unknown,
  precision: Precision,
  length: number,
  formula: string,
  like = "phi",
): ArrayRef {
  const wanted = precision === "f32" ? "Float32Array" : "Float64Array";
  if (typedKind(out) !== wanted) {
    throw new TypeError(`${caller}(): ${name} must be a ${wanted} like ${like}, got ${describe(out)}`);
  }
  const ref = refOf(out, wanted);
  checkLength(caller, name, ref.length, length, formula);
  return ref;
}

/** The options of a gradient as the caller gave them, each read once: checked by checkGradientOptions and checkOut. */
export type GradientOptionFields = { readonly [K in keyof GradientOptions]?: unknown };
/** The keys of {@link GradientOptions}, read once each. */
export const GRADIENT_OPTIONS = ["out", "scale", "accumulate"] as const;

/**
 * A gradient call's options (undefined, or an object whose out, scale and accumulate are read
 * once each, in that order), as checkOptions reads them, into an object of one shape: a small
 * call's hot path.
 */
export function gradientOptionFields(caller: string, options: unknown): GradientOptionFields {
  if (typeof options !== "object" || options === null)
    return checkOptions<GradientOptionFields>(caller, "options", options, GRADIENT_OPTIONS);
  const o = options as GradientOptionFields;
  // read where they are named: see readError
  let key = "out";
  try {
    const out = o.out;
    key = "scale";
    const scale = o.scale;
    key = "accumulate";
    return { out, scale, accumulate: o.accumulate };
  } catch (cause) {
    throw readError(caller, "options", key, cause);
  }
}
/** The keys of {@link GradientScaling}: the options of every gradient method without an out. */
export const SCALING = ["scale", "accumulate"] as const;

/** scale (a number, default 1) and accumulate (a boolean, default false) of a gradient call's options. */
export function checkGradientOptions(
  caller: string,
  options: GradientOptionFields,
): { scale: number; accumulate: boolean } {
  return {
    scale: options.scale === undefined ? 1 : checkNumber(caller, "options.scale", options.scale),
    accumulate:
      options.accumulate === undefined ? false : checkBoolean(caller, "options.accumulate", options.accumulate),
  };
}

/** A list's items (read once) as a Float64Array of `length` numbers (TypeError for a non-number, RangeError for the length). */
function numbersOf(
  caller: string,
  name: string,
  items: readonly unknown[],
  length: number,
  formula: string,
): Float64Array {
  checkLength(caller, name, items.length, length, formula);
  const numbers = new Float64Array(items.length);
  for (let i = 0; i < items.length; i++) {
    const x = items[i];
    if (typeof x !== "number")
      throw new TypeError(`${caller}(): ${name} must hold numbers, but ${name}[${i}] is ${describe(x)}`);
    numbers[i] = x;
  }
  return numbers;
}

/**
 * An array of numbers (number[], a numeric typed array) of `length` elements (any length when
 * `length` is undefined), as a Float64Array snapshot read once; TypeError for another type or a
 * non-number element, RangeError for the length.
 */
export function checkNumbers(
  caller: string,
  name: string,
  value: unknown,
  length: number | undefined,
  formula: string,
): Float64Array {
  const kind = typedKind(value);
  if (kind !== undefined) {
    const ref = refOf(value, kind);
    if (length !== undefined) checkLength(caller, name, ref.length, length, formula);
    return snapshotArray(caller, name, ref, Float64Array);
  }
  if (!isList(value)) throw new TypeError(`${caller}(): ${name} must be an array of numbers, got ${describe(value)}`);
  const items = readList(caller, name, value);
  return numbersOf(caller, name, items, length ?? items.length, formula);
}

/**
 * Rows of a table of `size` rows, as a Uint32Array: a numeric typed array (snapshotted by its real
 * length), or a list or array-like read once (its length, then each element); TypeError for
 * another type or an element that is not a number, RangeError naming the first that is not an
 * integer from 0 to size - 1. `distinct`: each row at most once (RangeError naming the repeat),
 * so a list longer than the table is refused before its elements are read.
 */
export function checkRows(caller: string, name: string, value: unknown, size: number, distinct: boolean): Uint32Array {
  const kind = typedKind(value);
  let length: number, at: (i: number) => unknown;
  if (kind !== undefined) {
    const copy = snapshotArray(caller, name, refOf(value, kind), Float64Array);
    length = copy.length;
    at = (i) => copy[i];
  } else {
    // (a Proxy of a typed array has no length a getter can read: it is no array of rows)
    const imitation = describe(value).startsWith("a Proxy or an imitation");
    const count =
      typeof value === "object" && value !== null && !imitation ? readField(caller, name, value, "length") : undefined;
    if (typeof count !== "number")
      throw new TypeError(`${caller}(): ${name} must be an array of rows, got ${describe(value)}`);
    if (!Number.isInteger(count) || count < 0 || count > MAX_COUNT)
      throw new RangeError(`${caller}(): ${name}.length must be an array length, got ${count}`);
    length = count;
    at = (i) => readField(caller, name, value as object, String(i));
  }
  if (distinct && length > size)
    throw new RangeError(`${caller}(): ${name} lists ${length} rows, more than the ${size} there are: one repeats`);
  const rows = new Uint32Array(length);
  const first = distinct ? new Map<number, number>() : undefined;
  for (let i = 0; i < length; i++) {
    const r = at(i);
    if (typeof r !== "number")
      throw new TypeError(`${caller}(): ${name} must hold row numbers, but ${name}[${i}] is ${describe(r)}`);
    if (!Number.isInteger(r) || r < 0 || r >= size)
      throw new RangeError(
        `${caller}(): ${name}[${i}] = ${r} is not a row (${size > 0 ? `from 0 to ${size - 1}` : "there are none"})`,
      );
    const earlier = first?.get(r);
    if (earlier !== undefined) throw new RangeError(`${caller}(): ${name}[${i}] = ${r} repeats ${name}[${earlier}]`);
    first?.set(r, i);
    rows[i] = r;
  }
  return rows;
}

/** A precision option: "f32" (the default) or "f64"; TypeError naming options.precision otherwise. */
export function checkPrecision(caller: string, precision: unknown): Precision {
  if (precision === undefined) return "f32";
  if (precision !== "f32" && precision !== "f64") {
    throw new TypeError(`${caller}(): options.precision must be "f32" or "f64", got ${shown(precision)}`);
  }
  return precision;
}

// --- training -----------------------------------------------------------------------
