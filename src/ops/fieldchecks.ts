// Checks of the factorization-machine family's arguments (docs/design.md §16): a field shape
// (fields, k, pairs) and its parameters (rho, w, w0), each read once, with errors that name the
// argument, as every check of src/ops/checks.ts.

import { checkLength, checkNumber } from "../util/checks.js";
import { describe, isList, readFields, readList, refOf, shown, typedKind, type ArrayRef } from "../util/read.js";
import { ownRef } from "../util/read.js";
import type { Precision } from "../util/types.js";
import { checkNumbers, floatRef, precisionOfRef, type CheckedShape } from "./checks.js";

/** The largest row count or k a u32 kernel argument carries. */
const MAX_COUNT = 2 ** 32 - 1;

/** A field shape after checking: snapshots of its fields and pairs, and the counts derived from them. */
export interface CheckedFieldShape {
  /** G row counts */
  readonly fields: Uint32Array;
  /** P pairs, flat: [g, g'] at 2p, 2p + 1 */
  readonly pairs: Uint32Array;
  readonly k: number;
  readonly rows: number;
  /** rows * k */
  readonly elements: number;
  /** the rows of the largest field */
  readonly largest: number;
  /** the shape as the two-field checks see it: every row in group A (for gates and sparse index checks) */
  readonly asGroups: CheckedShape;
}

/**
 * Checks shape = { fields, k, pairs }: fields a list of row counts (integers from 0 to 2^32 - 1,
 * summing to at most that), k a count, pairs a list of new pairs [g, g'] of fields, g <= g' < G.
 */
export function checkFieldShape(caller: string, name: string, shape: unknown): CheckedFieldShape {
  if (typeof shape !== "object" || shape === null || isList(shape))
    throw new TypeError(`${caller}(): ${name} must be an object { fields, k, pairs }, got ${describe(shape)}`);
  const { fields: fieldsArg, k: kArg, pairs: pairsArg } = readFields(caller, name, shape, ["fields", "k", "pairs"]);
  const counts = checkNumbers(caller, `${name}.fields`, fieldsArg, undefined, "");
  const fields = new Uint32Array(counts.length);
  let rows = 0,
    largest = 0;
  counts.forEach((count, g) => {
    if (!Number.isInteger(count) || count < 0 || count > MAX_COUNT)
      throw new RangeError(
        `${caller}(): ${name}.fields[${g}] must be a row count (an integer from 0 to ${MAX_COUNT}), got ${count}`,
      );
    fields[g] = count;
    rows += count;
    largest = Math.max(largest, count);
  });
  if (rows > MAX_COUNT)
    throw new RangeError(`${caller}(): the rows of ${name}.fields must sum to at most ${MAX_COUNT}, got ${rows}`);
  if (typeof kArg !== "number" || !Number.isInteger(kArg) || kArg < 0 || kArg > MAX_COUNT)
    throw new RangeError(`${caller}(): ${name}.k must be an integer from 0 to ${MAX_COUNT}, got ${shown(kArg)}`);
  const pairs = checkPairs(caller, `${name}.pairs`, pairsArg, fields.length);
  const k = kArg;
  const asGroups = { n: rows, m: 0, k, rows, elements: rows * k };
  return { fields, pairs, k, rows, elements: rows * k, largest, asGroups };
}

/** A field shape and the phi of a call on it (rows * k numbers of f32 or f64), each read once. */
export function checkFieldPhi(caller: string, phi: unknown, shape: unknown) {
  const s = checkFieldShape(caller, "shape", shape);
  const ref = floatRef(caller, "phi", phi);
  if (ref.length !== s.elements)
    throw new RangeError(`${caller}(): phi.length must be rows * k = ${s.elements}, got ${ref.length}`);
  return { s, phi: ref, precision: precisionOfRef(ref) };
}

/** A list of pairs [g, g'] of G fields, g <= g', each at most once, read once: flat u32. */
function checkPairs(caller: string, name: string, value: unknown, G: number): Uint32Array {
  if (!isList(value))
    throw new TypeError(`${caller}(): ${name} must be an array of pairs [g, g'], got ${describe(value)}`);
  const items = readList(caller, name, value);
  const pairs = new Uint32Array(2 * items.length);
  const seen = new Set<number>();
  items.forEach((item, p) => {
    // a pair is a list (a hole, a number, an object: a TypeError, as every wrong type)
    if (!isList(item) && typedKind(item) === undefined)
      throw new TypeError(`${caller}(): ${name}[${p}] must be a pair [g, g'] of fields, got ${describe(item)}`);
    const [a, b] = checkNumbers(caller, `${name}[${p}]`, item, 2, "the ends of a pair");
    if (!(Number.isInteger(a) && Number.isInteger(b) && 0 <= a && a <= b && b < G))
      throw new RangeError(
        `${caller}(): ${name}[${p}] must be a pair [g, g'] of fields with g <= g' < ${G}, got [${a}, ${b}]`,
      );
    if (seen.has(a * G + b)) throw new RangeError(`${caller}(): ${name}[${p}] = [${a}, ${b}] repeats an earlier pair`);
    seen.add(a * G + b);
    pairs[2 * p] = a;
    pairs[2 * p + 1] = b;
  });
  return pairs;
}

/** Parameters after checking: rho (float64, one a pair), w (one a row, or none) and w0. */
export interface CheckedFieldParams {
  readonly rho: Float64Array;
  readonly w: ArrayRef | undefined;
  readonly w0: number;
}

/**
 * params = { rho?, w?, w0? }: rho numbers one a pair (default 1 each), w numbers one a row (a
 * Float32Array or Float64Array is read in place; default none: 0 each), w0 a number (default 0).
 */
export function checkFieldParams(
  caller: string,
  name: string,
  params: unknown,
  s: CheckedFieldShape,
  precision: Precision,
  rowsAre = "the rows of shape.fields",
): CheckedFieldParams {
  if (params !== undefined && (typeof params !== "object" || params === null))
    throw new TypeError(
      `${caller}(): ${name} must be an object { rho?, w?, w0? } or undefined, got ${describe(params)}`,
    );
  const p = params === undefined ? {} : readFields(caller, name, params, ["rho", "w", "w0"]);
  const P = s.pairs.length / 2;
  const rho =
    p.rho === undefined
      ? new Float64Array(P).fill(1)
      : checkNumbers(caller, `${name}.rho`, p.rho, P, "shape.pairs.length");
  let w: ArrayRef | undefined;
  const kind = typedKind(p.w);
  if (p.w === undefined) w = undefined;
  else if (kind === (precision === "f32" ? "Float32Array" : "Float64Array")) {
    w = refOf(p.w, kind);
    checkLength(caller, `${name}.w`, w.length, s.rows, rowsAre);
  } else w = ownRef(checkNumbers(caller, `${name}.w`, p.w, s.rows, rowsAre), "Float64Array");
  const w0 = p.w0 === undefined ? 0 : checkNumber(caller, `${name}.w0`, p.w0);
  return { rho, w, w0 };
}

/**
 * RangeError if two of a call's outputs share bytes: each is written in turn, so one would
 * overwrite the other's result (options.out and options.pairOut of one buffer, say).
 */
export function refuseOverlappingOuts(
  caller: string,
  outs: readonly (readonly [string, ArrayRef | undefined])[],
): void {
  const given = outs.filter((o): o is readonly [string, ArrayRef] => o[1] !== undefined);
  given.forEach(([name, x], i) =>
    given.slice(0, i).forEach(([other, y]) => {
      const end = (r: ArrayRef) => r.byteOffset + r.length * r.bytesPerElement;
      if (x.buffer !== undefined && x.buffer === y.buffer && x.byteOffset < end(y) && y.byteOffset < end(x))
        throw new RangeError(`${caller}(): ${name} shares memory with ${other}: each result needs memory of its own`);
    }),
  );
}
