// Input checks, run in TypeScript before anything enters wasm (kernels trust their arguments).
// Errors follow docs/design.md §7: TypeError for types, RangeError for sizes; messages name the caller,
// the argument, what was expected and what was given.

import type { FitOptions } from "../train/fit.js";
import type { Loss } from "../train/losses.js";
import type { CheckedObservations, Observations } from "../train/minibatch.js";
import { defaultLearningRate, type LearningRate, type OptimizerOptions } from "../train/optimizers.js";
import {
  copyFrom,
  describe,
  hasField,
  isList,
  ownRef,
  readField,
  readFields,
  readList,
  refOf,
  shown,
  typedKind,
  type ArrayRef,
  type TypedKind,
} from "../util/read.js";
import { checkHandedOut } from "../wasm/memory.js";
import type { Precision, Shape } from "../util/types.js";

export { describe, shown };

/** The largest row count or k a u32 kernel argument carries. */
const MAX_COUNT = 2 ** 32 - 1;

/** A validated shape, with the derived counts every caller needs. */
export interface CheckedShape extends Shape {
  /** n + m */
  readonly rows: number;
  /** (n + m) * k */
  readonly elements: number;
}

/** Checks shape = { n, m, k } of non-negative integers, each read once; RangeError naming the bad field. */
export function checkShape(shape: unknown, caller: string, name = "shape"): CheckedShape {
  if (typeof shape !== "object" || shape === null) {
    throw new TypeError(`${caller}(): ${name} must be an object { n, m, k }, got ${describe(shape)}`);
  }
  const n = countField(shape, "n", caller, name),
    m = countField(shape, "m", caller, name),
    k = countField(shape, "k", caller, name);
  const rows = n + m;
  if (rows > MAX_COUNT) {
    throw new RangeError(`${caller}(): ${name}.n + ${name}.m must be at most ${MAX_COUNT}, got ${rows}`);
  }
  return { n, m, k, rows, elements: rows * k };
}

/** A field of a shape, read once: an integer from 0 to MAX_COUNT; RangeError naming it. */
function countField(shape: object, field: string, caller: string, name: string): number {
  const value = readField(shape, field, caller, name);
  if (typeof value !== "number" || !Number.isInteger(value) || value < 0 || value > MAX_COUNT) {
    throw new RangeError(
      `${caller}(): ${name}.${field} must be an integer from 0 to ${MAX_COUNT}, got ${shown(value)}`,
    );
  }
  return value;
}

/**
 * A caller's typed array of `kind`, read once (src/util/read.ts); Error if it is a view of crossgrad
 * memory that crossgrad did not hand out, or that was freed (docs/design.md §3). For arrays
 * read in place; an array a call places in wasm memory is checked there (locate).
 */
export function callerRef(value: unknown, kind: TypedKind, caller: string, name: string): ArrayRef {
  const ref = refOf(value, kind);
  checkHandedOut(ref, caller, name);
  return ref;
}

/**
 * A copy of a caller's array in an array of `Type`, read once (of a view of crossgrad memory,
 * only of one it handed out): what the checks read and the call uses, whatever the caller's
 * array does afterwards (a shared buffer can change under a check).
 */
export function snapshot<A extends ArrayBufferView>(
  ref: ArrayRef,
  Type: new (length: number) => A,
  caller: string,
  name: string,
): A {
  checkHandedOut(ref, caller, name);
  const copy = new Type(ref.length);
  copyFrom(copy, ref);
  return copy;
}

const FLOAT_KINDS = { Float32Array: "f32", Float64Array: "f64" } as const;

/** The precision an array's type selects; TypeError for anything but a Float32Array or a Float64Array. */
export function precisionOf(array: unknown, caller: string, name = "phi"): Precision {
  const kind = typedKind(array);
  if (kind === "Float32Array" || kind === "Float64Array") return FLOAT_KINDS[kind];
  throw new TypeError(`${caller}(): ${name} must be a Float32Array or a Float64Array, got ${describe(array)}`);
}

/**
 * A Float32Array or Float64Array, read once; TypeError otherwise. Where it is (in wasm memory
 * or not, handed out or not) is placement's question (locate), asked where it is placed.
 */
export function floatRef(array: unknown, caller: string, name = "phi"): ArrayRef {
  return refOf(array, precisionOf(array, caller, name) === "f32" ? "Float32Array" : "Float64Array");
}

/** The precision of a float array's kind. */
export const precisionOfRef = (ref: ArrayRef): Precision => (ref.kind === "Float32Array" ? "f32" : "f64");

/** RangeError unless `actual` equals `expected`. */
export function checkLength(caller: string, name: string, actual: number, expected: number, formula: string): void {
  if (actual !== expected) {
    throw new RangeError(`${caller}(): ${name}.length must be ${formula} = ${expected}, got ${actual}`);
  }
}

/** phi of the right type and length for the shape, read once. */
export function checkPhi(phi: unknown, shape: CheckedShape, caller: string): ArrayRef {
  const ref = floatRef(phi, caller);
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
export function checkAnyGates(h: unknown, shape: CheckedShape, precision: Precision, caller: string): CheckedGates {
  if (typeof h === "object" && h !== null && typedKind(h) === undefined && !isList(h)) {
    if (hasField(h, "index", caller, "h")) {
      const sparse = readFields(h, ["index", "weight"], caller, "h");
      const ref = uint32Ref(sparse.index, caller, "h.index");
      const index = checkIndex(ref, 0, ref.length, shape.rows, "h.index", caller);
      const weight = checkWeight(sparse.weight, precision, index.length, "h.weight", caller);
      return { sparse: true, index, weight, split: splitAt(index, 0, index.length, shape.n) };
    }
  }
  return { sparse: false, h: checkGates(h, shape, caller) };
}

function uint32Ref(value: unknown, caller: string, name: string): ArrayRef {
  if (typedKind(value) !== "Uint32Array")
    throw new TypeError(`${caller}(): ${name} must be a Uint32Array, got ${describe(value)}`);
  return refOf(value, "Uint32Array");
}

/**
 * A snapshot of index[from..to) checked as strictly increasing row indices below `rows` (the
 * whole array is copied once; RangeError naming the first bad entry).
 */
function checkIndex(
  ref: ArrayRef,
  from: number,
  to: number,
  rows: number,
  name: string,
  caller: string,
  index = snapshot(ref, Uint32Array, caller, name),
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
  weight: unknown,
  precision: Precision,
  length: number,
  name: string,
  caller: string,
): ArrayRef | undefined {
  if (weight === undefined) return undefined;
  const ref = checkOut(weight, precision, length, "index.length", caller, name);
  return ref;
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
  const s = readFields(sets, ["gates", "count", "indptr", "index", "weight"], caller, name);
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
  const indptr = snapshot(uint32Ref(s.indptr, caller, `${name}.indptr`), Uint32Array, caller, `${name}.indptr`);
  const indexRef = uint32Ref(s.index, caller, `${name}.index`);
  if (indptr.length < 1)
    throw new RangeError(`${caller}(): ${name}.indptr.length must be at least 1 (sets + 1), got 0`);
  const count = indptr.length - 1;
  if (indptr[0] !== 0) throw new RangeError(`${caller}(): ${name}.indptr[0] must be 0, got ${indptr[0]}`);
  if (indptr[count] !== indexRef.length) {
    throw new RangeError(
      `${caller}(): ${name}.indptr[${count}] must be index.length = ${indexRef.length}, got ${indptr[count]}`,
    );
  }
  const index = snapshot(indexRef, Uint32Array, caller, `${name}.index`);
  const splits = new Uint32Array(count);
  for (let b = 0; b < count; b++) {
    if (indptr[b + 1] < indptr[b]) {
      throw new RangeError(
        `${caller}(): ${name}.indptr[${b + 1}] = ${indptr[b + 1]} is less than ${name}.indptr[${b}] = ${indptr[b]}`,
      );
    }
    checkIndex(indexRef, indptr[b], indptr[b + 1], shape.rows, `${name}.index`, caller, index);
    splits[b] = splitAt(index, indptr[b], indptr[b + 1], shape.n);
  }
  const weight = checkWeight(s.weight, precision, index.length, `${name}.weight`, caller);
  return { dense: false, count, indptr, index, weight, splits };
}

/**
 * Dense gates: a Uint8Array, Float32Array or Float64Array, or a list of numbers (read once into a
 * snapshot), of length `formula` (n + m; a chunk's rows).
 */
export function checkGates(h: unknown, shape: CheckedShape, caller: string, formula = "n + m"): ArrayRef {
  const kind = typedKind(h);
  if (kind === "Uint8Array" || kind === "Float32Array" || kind === "Float64Array") {
    const ref = refOf(h, kind);
    checkLength(caller, "h", ref.length, shape.rows, formula);
    return ref;
  }
  if (kind === undefined && isList(h))
    return ownRef(numbersOf(readList(h, caller, "h"), "h", caller, shape.rows, formula), "Float64Array");
  throw new TypeError(
    `${caller}(): h must be a Uint8Array, Float32Array, Float64Array, number[] or { index, weight? }, got ${describe(h)}`,
  );
}

/** An array of the call's float type and the given length, read once: an output, pooled sums, weights. */
export function checkOut(
  out: unknown,
  precision: Precision,
  length: number,
  formula: string,
  caller: string,
  name = "options.out",
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

/**
 * An options argument: undefined (no options) or an object, whose `keys` are read once each into
 * a plain object (TypeError otherwise, or naming a field whose getter threw).
 */
export function checkOptions<O extends object>(
  options: unknown,
  caller: string,
  keys: readonly (keyof O & string)[],
  name = "options",
): Partial<O> {
  if (options === undefined) return {};
  if (typeof options !== "object" || options === null) {
    throw new TypeError(`${caller}(): ${name} must be an object or undefined, got ${describe(options)}`);
  }
  return readFields(options, keys, caller, name) as Partial<O>;
}

/** The options of a gradient: scale and accumulate (and out, where the call takes one). */
export interface GradientOptionFields {
  readonly out?: unknown;
  readonly scale?: unknown;
  readonly accumulate?: unknown;
}
export const GRADIENT_OPTIONS = ["out", "scale", "accumulate"] as const;

/** scale (a number, default 1) and accumulate (a boolean, default false) of a gradient call's options. */
export function checkGradientOptions(
  options: GradientOptionFields,
  caller: string,
): { scale: number; accumulate: boolean } {
  return {
    scale: options.scale === undefined ? 1 : checkNumber(options.scale, "options.scale", caller),
    accumulate:
      options.accumulate === undefined ? false : checkBoolean(options.accumulate, "options.accumulate", caller),
  };
}

/** A list's items (read once) as a Float64Array of `length` numbers (TypeError for a non-number, RangeError for the length). */
function numbersOf(
  items: readonly unknown[],
  name: string,
  caller: string,
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
  value: unknown,
  name: string,
  caller: string,
  length: number | undefined,
  formula: string,
): Float64Array {
  const kind = typedKind(value);
  if (kind !== undefined) {
    const ref = refOf(value, kind);
    if (length !== undefined) checkLength(caller, name, ref.length, length, formula);
    return snapshot(ref, Float64Array, caller, name);
  }
  if (!isList(value)) throw new TypeError(`${caller}(): ${name} must be an array of numbers, got ${describe(value)}`);
  const items = readList(value, caller, name);
  return numbersOf(items, name, caller, length ?? items.length, formula);
}

/** A precision option: "f32" (the default) or "f64"; TypeError naming options.precision otherwise. */
export function checkPrecision(precision: unknown, caller: string): Precision {
  if (precision === undefined) return "f32";
  if (precision !== "f32" && precision !== "f64") {
    throw new TypeError(`${caller}(): options.precision must be "f32" or "f64", got ${shown(precision)}`);
  }
  return precision;
}

// --- training -----------------------------------------------------------------------

/** Fit options, checked, with their defaults. */
export type CheckedFitOptions = {
  readonly loss: Loss;
  readonly optimizer: OptimizerOptions;
  readonly learningRate: LearningRate;
  readonly epochs: number;
  readonly batchSize: number;
  readonly seed: number;
  readonly l2: number;
  readonly clipNorm: number;
  readonly patience: number;
  readonly validation?: Observations;
  readonly onEpoch?: FitOptions["onEpoch"];
  readonly onBatch?: FitOptions["onBatch"];
};

function checkInteger(
  value: unknown,
  name: string,
  caller: string,
  min: number,
  max = Number.MAX_SAFE_INTEGER,
): number {
  if (typeof value !== "number" || !Number.isInteger(value) || value < min || value > max) {
    const range = max === Number.MAX_SAFE_INTEGER ? `of at least ${min}` : `from ${min} to ${max}`;
    throw new RangeError(`${caller}(): ${name} must be an integer ${range}, got ${shown(value)}`);
  }
  return value;
}

/** A seed: an integer from 0 to 2^32 - 1 (the generator's state). */
export function checkSeed(value: unknown, name: string, caller: string): number {
  return checkInteger(value, name, caller, 0, 2 ** 32 - 1);
}

/** A finite number in [min, max) (or [min, max] when `closed`), else `fallback` when undefined. */
export function checkReal(
  value: unknown,
  name: string,
  caller: string,
  fallback: number,
  min: number,
  max = Infinity,
  closed = true,
): number {
  if (value === undefined) return fallback;
  const inRange =
    typeof value === "number" && Number.isFinite(value) && value >= min && (closed ? value <= max : value < max);
  if (!inRange) {
    const range = max === Infinity ? `of at least ${min}` : `from ${min} to ${max}${closed ? "" : " (excluded)"}`;
    throw new RangeError(`${caller}(): ${name} must be a finite number ${range}, got ${shown(value)}`);
  }
  return value;
}

export function checkLoss(loss: unknown, name: string, caller: string): Loss {
  if (loss !== "squared" && loss !== "logistic" && loss !== "bpr") {
    throw new RangeError(`${caller}(): ${name} must be "squared", "logistic" or "bpr", got ${shown(loss)}`);
  }
  return loss;
}

function checkCallback(value: unknown, name: string, caller: string): void {
  if (value !== undefined && typeof value !== "function")
    throw new TypeError(`${caller}(): ${name} must be a function, got ${describe(value)}`);
}

/** The optimizer's hyper-parameters, each in the range where its update is defined. */
function checkOptimizer(value: unknown, caller: string): OptimizerOptions {
  const o = checkOptions<
    OptimizerOptions & { momentum: unknown; nesterov: unknown; beta1: unknown; beta2: unknown; epsilon: unknown }
  >(
    value ?? { type: "adam" },
    caller,
    ["type", "learningRate", "weightDecay", "momentum", "nesterov", "beta1", "beta2", "epsilon"],
    "options.optimizer",
  );
  const type = o.type;
  if (type !== "sgd" && type !== "adagrad" && type !== "adam") {
    throw new RangeError(`${caller}(): options.optimizer.type must be "sgd", "adagrad" or "adam", got ${shown(type)}`);
  }
  const name = (field: string) => `options.optimizer.${field}`;
  if (typeof o.learningRate !== "function") checkReal(o.learningRate, name("learningRate"), caller, 0, 0);
  checkReal(o.weightDecay, name("weightDecay"), caller, 0, 0);
  if (type === "sgd") {
    checkReal(o.momentum, name("momentum"), caller, 0, 0);
    if (o.nesterov !== undefined && typeof o.nesterov !== "boolean")
      throw new TypeError(`${caller}(): ${name("nesterov")} must be a boolean, got ${describe(o.nesterov)}`);
  } else {
    // epsilon 0 would divide 0 by 0 where a row's gradient is 0
    const epsilon = checkReal(o.epsilon, name("epsilon"), caller, 1e-7, 0);
    if (epsilon === 0) throw new RangeError(`${caller}(): ${name("epsilon")} must be positive, got 0`);
  }
  if (type === "adam") {
    // beta = 1 would make the bias correction 1 - beta^t zero
    checkReal(o.beta1, name("beta1"), caller, 0.9, 0, 1, false);
    checkReal(o.beta2, name("beta2"), caller, 0.999, 0, 1, false);
  }
  return o as OptimizerOptions;
}

export function checkFitOptions(caller: string, options: unknown): CheckedFitOptions {
  const o = checkOptions<FitOptions>(options, caller, [
    "loss",
    "optimizer",
    "epochs",
    "batchSize",
    "seed",
    "l2",
    "clipNorm",
    "validation",
    "patience",
    "onEpoch",
    "onBatch",
  ]);
  const optimizer = checkOptimizer(o.optimizer, caller);
  checkCallback(o.onEpoch, "options.onEpoch", caller);
  checkCallback(o.onBatch, "options.onBatch", caller);
  return {
    loss: checkLoss(o.loss ?? "squared", "options.loss", caller),
    optimizer,
    learningRate: optimizer.learningRate ?? defaultLearningRate(optimizer.type),
    epochs: checkInteger(o.epochs ?? 10, "options.epochs", caller, 0),
    batchSize: checkInteger(o.batchSize ?? 256, "options.batchSize", caller, 1),
    seed: checkSeed(o.seed ?? 1, "options.seed", caller),
    l2: checkReal(o.l2, "options.l2", caller, 0, 0),
    clipNorm: o.clipNorm === Infinity ? Infinity : checkReal(o.clipNorm, "options.clipNorm", caller, Infinity, 0),
    patience:
      o.patience === undefined || o.patience === Infinity
        ? Infinity
        : checkInteger(o.patience, "options.patience", caller, 1),
    validation: o.validation,
    onEpoch: o.onEpoch,
    onBatch: o.onBatch,
  };
}

/** The rate a learning-rate schedule returned for an epoch: a finite number of at least 0. */
export function checkLearningRate(rate: unknown, epoch: number, caller: string): number {
  if (typeof rate !== "number" || !Number.isFinite(rate) || rate < 0) {
    throw new RangeError(
      `${caller}(): options.optimizer.learningRate(${epoch}) returned ${shown(rate)}; a learning rate must be a finite number of at least 0`,
    );
  }
  return rate;
}

/**
 * Observations checked against the shape: CSR sets, targets for `loss`, sample weights, every
 * array a snapshot read once (training reads them for a whole fit; a caller's later change must
 * not reach it).
 */
export function checkObservations(
  caller: string,
  name: string,
  observations: unknown,
  s: CheckedShape,
  precision: Precision,
  loss: Loss | undefined,
): CheckedObservations {
  const sets = checkGateSets(observations, s, precision, caller, name);
  if (sets.dense)
    throw new TypeError(`${caller}(): ${name} must be CSR sets { indptr, index, weight?, y? }, not dense gate sets`);
  const o = readFields(observations as object, ["y", "sampleWeight"], caller, name);
  const count = sets.count;
  let y: Float64Array | undefined;
  if (loss === "squared" || loss === "logistic") {
    y = checkNumbers(o.y, `${name}.y`, caller, count, "the number of observations");
    for (let b = 0; b < count; b++) {
      if (loss === "logistic" ? y[b] !== 0 && y[b] !== 1 : !Number.isFinite(y[b])) {
        throw new RangeError(
          `${caller}(): ${name}.y[${b}] must be ${loss === "logistic" ? "0 or 1" : "finite"} for ${loss} loss, got ${y[b]}`,
        );
      }
    }
  }
  const sampleWeight =
    o.sampleWeight === undefined
      ? new Float64Array(count).fill(1)
      : checkNumbers(o.sampleWeight, `${name}.sampleWeight`, caller, count, "the number of observations");
  sampleWeight.forEach((x, b) => {
    if (!(x >= 0) || !Number.isFinite(x))
      throw new RangeError(`${caller}(): ${name}.sampleWeight[${b}] must be finite and non-negative, got ${x}`);
  });
  let widest = 1;
  for (let b = 0; b < count; b++) widest = Math.max(widest, sets.indptr[b + 1] - sets.indptr[b]);
  const weight =
    sets.weight && (precision === "f32" ? new Float32Array(sets.index.length) : new Float64Array(sets.index.length));
  if (weight) copyFrom(weight, sets.weight!);
  return {
    count,
    indptr: sets.indptr,
    index: sets.index,
    weight,
    splits: sets.splits,
    y,
    sampleWeight,
    widest,
  };
}

/** bpr draws as many negatives as an observation has positive B rows: there must be room. */
export function checkBprNegatives(caller: string, name: string, data: CheckedObservations, s: CheckedShape): void {
  for (let b = 0; b < data.count; b++) {
    const positives = data.indptr[b + 1] - data.splits[b];
    if (positives === 0 || 2 * positives > s.m) {
      throw new RangeError(
        `${caller}(): ${name}: observation ${b} lists ${positives} rows of group B; bpr needs at least 1, and at most m / 2 = ${Math.floor(s.m / 2)} to draw as many negatives`,
      );
    }
  }
}
