// crossgrad's model file format (versions 2 and 3), little-endian:
//
//   offset  bytes  field
//        0      4  magic "CGRD"
//        4      4  format version, u32 (2; version 1 files load too)
//        8      1  precision: 1 = f32, 2 = f64
//        9      1  flags: bit 0 = linear terms (version 1: 0)
//       10      2  reserved, 0
//       12      4  n, u32
//       16      4  m, u32
//       20      4  k, u32
//       24      8  byte length of the parameters, u64: ((n + m) * k, plus n + m + 1 with linear
//                  terms) * (4 or 8)
//       32      .  the parameters, IEEE 754: phi row-major, then w (one per row) and w0
//      end      4  CRC-32 (as zlib's) of every byte before it
//
// Decoding checks every field and the checksum before anything is returned. A version 1 file
// is the same with flags 0: a model without linear terms.
//
// Version 3 is a model of fields (docs/design.md §16); a model of two groups is still written as
// version 2, which crossgrad versions before fields read too:
//
//        0     12  as version 2 (version 3)
//       12      4  G, the fields, u32
//       16      4  P, the pairs of fields, u32
//       20      4  k, u32
//       24      8  byte length of the parameters, u64: (rows * k, plus rows + 1 with linear
//                  terms, plus P) * (4 or 8), rows the sum of the fields' row counts
//       32     4G  each field's row count, u32
//   32+4G      8P  the pairs [g, g'], two u32 each
//  32+4G+8P     .  the parameters: phi, w and w0 with linear terms, then rho (one a pair)
//      end      4  CRC-32 of every byte before it

import type { FloatArray, Precision, Shape } from "../util/types.js";
import { describe, typedKind } from "../util/read.js";
import { callerRef } from "../ops/checks.js";
import { checkFieldShape, type CheckedFieldShape } from "../ops/fieldchecks.js";

const MAGIC = [0x43, 0x47, 0x52, 0x44]; // "CGRD"
export const FORMAT_VERSION = 2;
/** The version of a model of fields' files. */
export const FIELDS_VERSION = 3;
const HEADER = 32;

let table: Uint32Array | undefined;

/** CRC-32 (reflected, polynomial 0xEDB88320), as zlib and PNG compute it. */
export function crc32(bytes: Uint8Array): number {
  if (!table) {
    table = new Uint32Array(256);
    for (let i = 0; i < 256; i++) {
      let c = i;
      for (let j = 0; j < 8; j++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      table[i] = c >>> 0;
    }
  }
  let crc = 0xffffffff;
  for (let i = 0; i < bytes.length; i++) crc = table[(crc ^ bytes[i]) & 0xff] ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}

/**
 * The bytes of a model file: its shape, precision, whether it has linear terms, and its parameter
 * block; with a field shape, version 3 (docs/training.md, "Saving models").
 */
export function encodeModel(
  shape: Shape,
  precision: Precision,
  linear: boolean,
  params: FloatArray,
  fields?: CheckedFieldShape,
): Uint8Array {
  const paramBytes = params.length * params.BYTES_PER_ELEMENT;
  const start = HEADER + (fields ? 4 * (fields.fields.length + fields.pairs.length) : 0);
  const bytes = new Uint8Array(start + paramBytes + 4);
  const view = new DataView(bytes.buffer);
  bytes.set(MAGIC, 0);
  view.setUint32(4, fields ? FIELDS_VERSION : FORMAT_VERSION, true);
  view.setUint8(8, precision === "f32" ? 1 : 2);
  view.setUint8(9, linear ? 1 : 0);
  const header = fields ? [fields.fields.length, fields.pairs.length / 2, fields.k] : [shape.n, shape.m, shape.k];
  header.forEach((x, i) => view.setUint32(12 + 4 * i, x, true));
  view.setBigUint64(24, BigInt(paramBytes), true);
  if (fields) [...fields.fields, ...fields.pairs].forEach((x, i) => view.setUint32(HEADER + 4 * i, x, true));
  for (let i = 0; i < params.length; i++) {
    if (precision === "f32") view.setFloat32(start + 4 * i, params[i], true);
    else view.setFloat64(start + 8 * i, params[i], true);
  }
  view.setUint32(start + paramBytes, crc32(bytes.subarray(0, start + paramBytes)), true);
  return bytes;
}

/** A decoded model file, or an Error saying what is wrong with it. */
export function decodeModel(
  file: unknown,
  caller: string,
): Shape & { precision: Precision; linear: boolean; params: FloatArray; fields?: CheckedFieldShape } {
  if (typedKind(file) !== "Uint8Array")
    throw new TypeError(`${caller}(): bytes must be a Uint8Array, got ${describe(file)}`);
  // a view of our own over the caller's bytes, by the intrinsic extent: its own properties cannot lie
  const ref = callerRef(caller, "bytes", file, "Uint8Array");
  const bytes = new Uint8Array(ref.buffer!, ref.byteOffset, ref.length);
  const bad = (why: string) => new Error(`${caller}(): bytes are not a valid crossgrad model file: ${why}`);
  if (bytes.length < HEADER + 4) throw bad(`${bytes.length} bytes, shorter than the ${HEADER + 4}-byte minimum`);
  if (!MAGIC.every((b, i) => bytes[i] === b)) throw bad('it does not start with "CGRD"');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const version = view.getUint32(4, true);
  if (version !== 1 && version !== FORMAT_VERSION && version !== FIELDS_VERSION)
    throw bad(
      `format version ${version}; this crossgrad reads versions 1 and ${FORMAT_VERSION} (two groups) and ${FIELDS_VERSION} (fields)`,
    );
  const code = view.getUint8(8);
  if (code !== 1 && code !== 2) throw bad(`precision code ${code} (1 = f32, 2 = f64)`);
  const flags = bytes[9];
  if (flags > (version === 1 ? 0 : 1))
    throw bad(`flags byte 9 is ${flags}; version ${version} knows ${version === 1 ? "none" : "bit 0 (linear terms)"}`);
  if (bytes[10] !== 0 || bytes[11] !== 0) throw bad(`reserved bytes 10-11 are ${bytes[10]}, ${bytes[11]}, not 0`);
  const precision: Precision = code === 1 ? "f32" : "f64";
  const linear = flags === 1;
  const first = view.getUint32(12, true),
    second = view.getUint32(16, true),
    k = view.getUint32(20, true);
  // version 3: G fields and P pairs, whose lists follow the header
  const start = HEADER + (version === FIELDS_VERSION ? 4 * first + 8 * second : 0);
  if (bytes.length < start + 4)
    throw bad(`${bytes.length} bytes, shorter than the ${start + 4} its header and field shape take`);
  const fields = version === FIELDS_VERSION ? fieldShapeIn(view, first, second, k, bad) : undefined;
  const [n, m] = fields ? [fields.rows, 0] : [first, second];
  const size = precision === "f32" ? 4 : 8;
  const paramBytes = Number(view.getBigUint64(24, true));
  const count = (n + m) * k + (linear ? n + m + 1 : 0) + second * +(fields !== undefined);
  const expected = count * size;
  const described = fields ? `rows = ${n}, k = ${k}, ${second} pairs` : `n = ${n}, m = ${m}, k = ${k}`;
  if (paramBytes !== expected)
    throw bad(
      `it declares ${paramBytes} bytes of parameters, but ${described}${linear ? " with linear terms" : ""} in ${precision} take ${expected}`,
    );
  if (bytes.length !== start + paramBytes + 4)
    throw bad(`${bytes.length} bytes, but its header describes ${start + paramBytes + 4}: truncated or padded`);
  const stored = view.getUint32(start + paramBytes, true);
  const actual = crc32(bytes.subarray(0, start + paramBytes));
  if (stored !== actual)
    throw bad(
      `checksum mismatch (stored ${stored.toString(16)}, computed ${actual.toString(16)}): the file is corrupt`,
    );
  const params = precision === "f32" ? new Float32Array(count) : new Float64Array(count);
  for (let i = 0; i < count; i++) {
    params[i] = precision === "f32" ? view.getFloat32(start + 4 * i, true) : view.getFloat64(start + 8 * i, true);
  }
  return { n, m, k, precision, linear, params, ...(fields && { fields }) };
}

/** A version 3 file's field shape (G counts, then P pairs, after the header), checked as createFieldModel checks one. */
function fieldShapeIn(view: DataView, G: number, P: number, k: number, bad: (why: string) => Error): CheckedFieldShape {
  const fields = Array.from({ length: G }, (_, g) => view.getUint32(HEADER + 4 * g, true));
  const pairs = Array.from({ length: P }, (_, p) =>
    [0, 1].map((e) => view.getUint32(HEADER + 4 * G + 8 * p + 4 * e, true)),
  );
  try {
    return checkFieldShape("file", "shape", { fields, k, pairs });
  } catch (error) {
    throw bad(`its field shape is not valid (${(error as Error).message})`);
  }
}
