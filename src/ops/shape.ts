// The shape of a call (docs/design.md §7): { n, m, k } of counts a u32 kernel argument carries,
// each field read once and checked before the next is read, and the counts every caller derives.

import { describe, readError, shown } from "../util/read.js";
import type { Shape } from "../util/types.js";

/** The largest row count or k a u32 kernel argument carries. */
export const MAX_COUNT = 2 ** 32 - 1;

/** A validated shape, with the derived counts every caller needs. */
export interface CheckedShape extends Shape {
  /** n + m */
  readonly rows: number;
  /** (n + m) * k */
  readonly elements: number;
}

/** Checks shape = { n, m, k } of non-negative integers, each read once; RangeError naming the bad field. */
export function checkShape(caller: string, name: string, shape: unknown): CheckedShape {
  if (typeof shape !== "object" || shape === null) {
    throw new TypeError(`${caller}(): ${name} must be an object { n, m, k }, got ${describe(shape)}`);
  }
  // each field is read where it is named (a small call's hot path: see readError) and checked
  // before the next is read
  const fields = shape as { readonly n?: unknown; readonly m?: unknown; readonly k?: unknown };
  let value: unknown;
  try {
    value = fields.n;
  } catch (cause) {
    throw readError(caller, name, "n", cause);
  }
  const n = checkCount(caller, name, "n", value);
  try {
    value = fields.m;
  } catch (cause) {
    throw readError(caller, name, "m", cause);
  }
  const m = checkCount(caller, name, "m", value);
  try {
    value = fields.k;
  } catch (cause) {
    throw readError(caller, name, "k", cause);
  }
  const k = checkCount(caller, name, "k", value);
  const rows = n + m;
  if (rows > MAX_COUNT) {
    throw new RangeError(`${caller}(): ${name}.n + ${name}.m must be at most ${MAX_COUNT}, got ${rows}`);
  }
  return { n, m, k, rows, elements: rows * k };
}

/** A field of a shape: an integer from 0 to MAX_COUNT; RangeError naming it. */
function checkCount(caller: string, name: string, field: string, value: unknown): number {
  if (typeof value !== "number" || !Number.isInteger(value) || value < 0 || value > MAX_COUNT) {
    throw new RangeError(
      `${caller}(): ${name}.${field} must be an integer from 0 to ${MAX_COUNT}, got ${shown(value)}`,
    );
  }
  return value;
}
