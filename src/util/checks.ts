// Checks of plain values (docs/design.md §7): an options object read once, lengths, numbers,
// booleans, integers, reals and seeds. Every check takes the caller first, then the argument's
// name, then the value; its error starts with the caller and names the argument.

import { describe, readFields, shown } from "./read.js";

/**
 * An options argument: undefined (no options) or an object, whose `keys` are read once each into
 * a plain object (TypeError otherwise, or naming a field whose getter threw).
 */
export function checkOptions<O extends object>(
  caller: string,
  name: string,
  options: unknown,
  keys: readonly (keyof O & string)[],
): Partial<O> {
  if (options === undefined) return {};
  if (typeof options !== "object" || options === null) {
    throw new TypeError(`${caller}(): ${name} must be an object or undefined, got ${describe(options)}`);
  }
  return readFields(caller, name, options, keys) as Partial<O>;
}

/** RangeError unless `actual` equals `expected`. */
export function checkLength(caller: string, name: string, actual: number, expected: number, formula: string): void {
  if (actual !== expected) {
    throw new RangeError(`${caller}(): ${name}.length must be ${formula} = ${expected}, got ${actual}`);
  }
}

/** A finite or non-finite number (NaN propagates like any IEEE value); TypeError otherwise. */
export function checkNumber(caller: string, name: string, value: unknown): number {
  if (typeof value !== "number") throw new TypeError(`${caller}(): ${name} must be a number, got ${describe(value)}`);
  return value;
}

/** A boolean option; TypeError otherwise. */
export function checkBoolean(caller: string, name: string, value: unknown): boolean {
  if (typeof value !== "boolean") throw new TypeError(`${caller}(): ${name} must be a boolean, got ${describe(value)}`);
  return value;
}

export function checkInteger(
  caller: string,
  name: string,
  value: unknown,
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
export function checkSeed(caller: string, name: string, value: unknown): number {
  return checkInteger(caller, name, value, 0, 2 ** 32 - 1);
}

/** A finite number in [min, max) (or [min, max] when `closed`), else `fallback` when undefined. */
export function checkReal(
  caller: string,
  name: string,
  value: unknown,
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

/**
 * TypeError unless every own enumerable key of `options` (an object: checkOptions first) is one of
 * `keys`, so a misspelt option (`{ hold: 0.3 }` written `{ holds: 0.3 }`) is refused, not ignored.
 */
export function checkKnownKeys(caller: string, name: string, options: unknown, keys: readonly string[]): void {
  if (typeof options !== "object" || options === null) return;
  let own: string[];
  try {
    own = Object.keys(options);
  } catch (cause) {
    throw new TypeError(`${caller}(): listing the keys of ${name} threw`, { cause });
  }
  const unknown = own.find((key) => !keys.includes(key));
  if (unknown !== undefined)
    throw new TypeError(`${caller}(): ${name}.${unknown} is not an option; the options are ${keys.join(", ")}`);
}
