// Reading a caller's objects (docs/design.md §7): every argument is read once, and only what
// was read and checked is used afterwards.
//
// - A typed array's kind is its brand ([[TypedArrayName]], from the intrinsic Symbol.toStringTag
//   getter), not `instanceof`: a Proxy of a Float32Array passes instanceof and is no typed array,
//   and an object whose prototype was set to Float32Array.prototype has no bytes at all.
// - Its length, buffer and byte offset come from the intrinsic getters of %TypedArray%.prototype,
//   never from the object: an own `length` property, a subclass's getter or a Proxy can answer
//   anything, and a call sized by their answer would read or write past the array's bytes.
//   The object is then used only as the source of a copy (which reads its internal slots).
// - A list (number[], a Proxy of one, an Array subclass) is read element by element, once, into
//   a Float64Array: a Proxy that answers differently on a second read, or a `map` that was
//   overridden, never reaches a kernel.
// - A property whose getter throws becomes a TypeError naming the property.

const TypedArrayPrototype = Object.getPrototypeOf(Uint8Array.prototype) as object;
const intrinsicGetter = (key: PropertyKey) =>
  Object.getOwnPropertyDescriptor(TypedArrayPrototype, key)!.get as (this: unknown) => unknown;
const brandOf = intrinsicGetter(Symbol.toStringTag);
const lengthOf = intrinsicGetter("length");
const bufferOf = intrinsicGetter("buffer");
const byteOffsetOf = intrinsicGetter("byteOffset");
const intrinsicSet = (TypedArrayPrototype as { set: (this: unknown, source: unknown, offset?: number) => void }).set;

/** The numeric typed arrays crossgrad accepts somewhere, by brand. */
export type TypedKind =
  | "Int8Array"
  | "Uint8Array"
  | "Uint8ClampedArray"
  | "Int16Array"
  | "Uint16Array"
  | "Int32Array"
  | "Uint32Array"
  | "Float32Array"
  | "Float64Array";

/** A genuine typed array's kind, or undefined for anything else (Proxies, imitations, BigInt arrays, DataViews). */
export function typedKind(value: unknown): TypedKind | undefined {
  if (typeof value !== "object" || value === null) return undefined;
  const brand = brandOf.call(value) as string | undefined;
  return brand === undefined || brand.startsWith("Big") || brand === "Float16Array" ? undefined : (brand as TypedKind);
}

/** An opaque handle on a caller's typed array: only this module reads it, through intrinsics. */
declare const opaque: unique symbol;
export type Source = { readonly [opaque]: true };

/**
 * A caller's typed array as read once: its kind and extent, by the intrinsic getters. The
 * array itself is only a `source` to copy from or into (copyFrom, copyInto), never read again
 * by property.
 */
export interface ArrayRef {
  readonly source: Source;
  readonly kind: TypedKind;
  readonly length: number;
  /** undefined for an array of the library's own in the JavaScript heap (never a view of wasm memory) */
  readonly buffer: ArrayBufferLike | undefined;
  readonly byteOffset: number;
  readonly bytesPerElement: number;
}

/** Bytes of an element of a kind (compared, not looked up: a look-up by a varying key costs more). */
const bytesOf = (kind: TypedKind): number =>
  kind === "Float32Array" || kind === "Uint32Array" || kind === "Int32Array"
    ? 4
    : kind === "Float64Array"
      ? 8
      : kind === "Int16Array" || kind === "Uint16Array"
        ? 2
        : 1;

/** The ArrayRef of a genuine typed array of kind `kind` (from typedKind). */
export function refOf(array: unknown, kind: TypedKind): ArrayRef {
  return {
    source: array as Source,
    kind,
    length: lengthOf.call(array) as number,
    buffer: bufferOf.call(array) as ArrayBufferLike,
    byteOffset: byteOffsetOf.call(array) as number,
    bytesPerElement: bytesOf(kind),
  };
}

/**
 * A typed array of the library's own in the JavaScript heap (a snapshot, a constant) as an
 * ArrayRef: it has nothing to lie with, and is no view of wasm memory. (Its buffer is not read:
 * V8 keeps a small array's bytes in the heap and makes an ArrayBuffer for them when asked.)
 */
export function ownRef(array: Uint8Array | Uint32Array | Float32Array | Float64Array, kind: TypedKind): ArrayRef {
  return {
    source: array as unknown as Source,
    kind,
    length: array.length,
    buffer: undefined,
    byteOffset: 0,
    bytesPerElement: array.BYTES_PER_ELEMENT,
  };
}

/** Bytes an ArrayRef spans. */
export const byteLengthOf = (ref: ArrayRef): number => ref.length * ref.bytesPerElement;

/** Copies a caller's array into `target` (a view of ours) from element `offset` on, from its internal slots. */
export function copyFrom(target: ArrayBufferView, ref: ArrayRef, offset = 0): void {
  intrinsicSet.call(target, ref.source, offset);
}

/** Copies `values` (ours) into a caller's array, through its internal slots. */
export function copyInto(ref: ArrayRef, values: ArrayLike<number>): void {
  intrinsicSet.call(ref.source, values);
}

/** The caller's object behind an ArrayRef, to hand back (a call returns its `out`). */
export const objectOf = <A>(ref: ArrayRef): A => ref.source as unknown as A;

/** Whether `value` is an array (a Proxy of one too); false for a revoked Proxy, which cannot say. */
export function isList(value: unknown): value is readonly unknown[] {
  try {
    return Array.isArray(value);
  } catch {
    return false;
  }
}

const messageOf = (error: unknown): string => {
  try {
    return error instanceof Error ? error.message : String(error);
  } catch {
    return "an unprintable value";
  }
};

/**
 * The TypeError of a getter (or Proxy trap) of `${name}.${key}` that threw `cause`. (A hot path
 * reads its fields where it names them, each read's site then seeing one kind of object, and
 * throws this; readField's one site sees every object and key.)
 */
export function readError(caller: string, name: string, key: string, cause: unknown): TypeError {
  return new TypeError(`${caller}(): reading ${name}.${key} threw: ${messageOf(cause)}`, { cause });
}

/** `object[key]`, read once; a getter (or Proxy trap) that throws is a TypeError naming `${name}.${key}`. */
export function readField(caller: string, name: string, object: object, key: string): unknown {
  try {
    return (object as Record<string, unknown>)[key];
  } catch (cause) {
    throw readError(caller, name, key, cause);
  }
}

/** `key in object`, asked once; a Proxy trap that throws is a TypeError naming `${name}.${key}`. */
export function hasField(caller: string, name: string, object: object, key: string): boolean {
  try {
    return key in object;
  } catch (cause) {
    throw readError(caller, name, key, cause);
  }
}

/** `Object.keys(object)`, asked once; a Proxy trap that throws is a TypeError naming `name`. */
export function keysOf(caller: string, name: string, object: object): string[] {
  try {
    return Object.keys(object);
  } catch (cause) {
    throw new TypeError(`${caller}(): reading the keys of ${name} threw: ${messageOf(cause)}`, { cause });
  }
}

/**
 * The named fields of an options object, each read once (a getter that answers differently on
 * a second read cannot change what was checked); undefined fields stay undefined.
 */
export function readFields<K extends string>(
  caller: string,
  name: string,
  object: object,
  keys: readonly K[],
): Partial<Record<K, unknown>> {
  const fields: Partial<Record<K, unknown>> = {};
  for (const key of keys) fields[key] = readField(caller, name, object, key);
  return fields;
}

/**
 * The elements of a list (an Array, a Proxy of one, an Array subclass), read once each: its
 * length read once, then every index from 0. A hole reads as undefined.
 */
export function readList(caller: string, name: string, list: readonly unknown[]): unknown[] {
  const length = readField(caller, name, list, "length");
  if (typeof length !== "number" || !Number.isInteger(length) || length < 0 || length > 2 ** 32 - 1)
    throw new RangeError(`${caller}(): ${name}.length must be an array length, got ${String(length)}`);
  const items = new Array<unknown>(length);
  for (let i = 0; i < length; i++) items[i] = readField(caller, name, list, String(i));
  return items;
}

/** What a value is, for a TypeError's "got ...": its kind, without running any of its code. */
export function describe(value: unknown): string {
  if (value === null) return "null";
  if (typeof value !== "object") return typeof value;
  const brand = brandOf.call(value) as string | undefined;
  if (brand !== undefined) return brand;
  if (isList(value)) return "Array";
  try {
    // an object whose prototype is a typed array's, or a Proxy of one: it has no bytes
    const proto: unknown = Object.getPrototypeOf(value);
    if (proto === TypedArrayPrototype || (proto !== null && Object.getPrototypeOf(proto) === TypedArrayPrototype))
      return `a Proxy or an imitation of ${(proto as { constructor: { name: string } }).constructor.name}`;
    const name: unknown = (value as { constructor?: { name?: unknown } }).constructor?.name;
    return typeof name === "string" ? name : "object";
  } catch {
    return "object";
  }
}

/** A value as a RangeError's "got ..." shows it: numbers and strings as they are written, anything else by describe(). */
export function shown(value: unknown): string {
  if (typeof value === "number" || value === undefined) return String(value);
  return typeof value === "string" ? JSON.stringify(value) : describe(value);
}
