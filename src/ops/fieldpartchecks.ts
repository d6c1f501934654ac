// Checks of what the factorization-machine family's chunked passes hand each other (docs/design.md
// §16): a chunk's nodes, the pooled sums, a chunk's block sums. Each is read once, field by field,
// and what was checked (copies) is what is used: a getter cannot hand the kernels something else.

import { checkNumbers, snapshotArray } from "./checks.js";
import { checkFieldShape, type CheckedFieldShape } from "./fieldchecks.js";
import { fieldShapeText } from "./fieldowned.js";
import { blocksOf, fieldRangesOf, fieldStarts, onFieldBoundary } from "./fieldranges.js";
import type { PooledNodes } from "./tree.js";
import { checkLength } from "../util/checks.js";
import { describe, isList, readFields, readList, refOf, shown, typedKind } from "../util/read.js";
import type { Precision } from "../util/types.js";

/** RangeError unless rows start..start+rows-1 are a chunk: inside the table, on block boundaries of its fields. */
export function checkFieldChunk(caller: string, s: CheckedFieldShape, start: unknown, rows: number, at = ""): number {
  if (typeof start !== "number" || !Number.isInteger(start) || start < 0 || start + rows > s.rows)
    throw new RangeError(
      `${caller}(): ${at}start must be an integer from 0 to rows - chunk rows = ${s.rows - rows}, got ${shown(start)}`,
    );
  const starts = fieldStarts(s.fields);
  if (!onFieldBoundary(starts, start) || !onFieldBoundary(starts, start + rows))
    throw new RangeError(
      `${caller}(): ${at}start = ${start} and ${rows} rows give a chunk of rows ${start}..${start + rows - 1}, which does not ` +
        `start and end on a block boundary of its fields: a multiple of 256 rows from a field's first row, or a field's end`,
    );
  return start;
}

/** A copy of a typed array of `kind`, read once; TypeError for another type. */
function copyOfKind(caller: string, name: string, value: unknown, kind: "Uint32Array"): Uint32Array;
function copyOfKind(caller: string, name: string, value: unknown, kind: "Float64Array"): Float64Array;
function copyOfKind(
  caller: string,
  name: string,
  value: unknown,
  kind: "Uint32Array" | "Float64Array",
): Uint32Array | Float64Array {
  if (typedKind(value) !== kind) throw new TypeError(`${caller}(): ${name} must be a ${kind}, got ${describe(value)}`);
  const ref = refOf(value, kind);
  return kind === "Uint32Array"
    ? snapshotArray(caller, name, ref, Uint32Array)
    : snapshotArray(caller, name, ref, Float64Array);
}

/** A part's common fields: its table's shape and precision and a chunk of it on block boundaries. */
function checkChunkPart(caller: string, name: string, part: unknown, keys: readonly string[]) {
  if (typeof part !== "object" || part === null)
    throw new TypeError(
      `${caller}(): ${name} must be a ${keys[4] === "fields" ? "fieldPoolChunk() result" : "fieldGradientChunk() sums"}, got ${describe(part)}`,
    );
  const fields = readFields(caller, name, part, keys);
  const precision = fields.precision;
  if (precision !== "f32" && precision !== "f64")
    throw new TypeError(`${caller}(): ${name}.precision must be "f32" or "f64", got ${describe(precision)}`);
  const s = checkFieldShape(caller, `${name}.shape`, fields.shape);
  const rows = fields.rows;
  if (typeof rows !== "number" || !Number.isInteger(rows) || rows < 0)
    throw new RangeError(`${caller}(): ${name}.rows must be a non-negative integer, got ${shown(rows)}`);
  const start = checkFieldChunk(caller, s, fields.start, rows, `${name}.`);
  return { s, precision: precision as Precision, start, rows, fields };
}

/** RangeError unless `t` is the table of `s` and `precision`; `name` says which argument. */
function checkSameTable(
  caller: string,
  name: string,
  s: CheckedFieldShape,
  precision: Precision,
  t: CheckedFieldShape,
  tp: Precision,
) {
  const same = (a: ArrayLike<number>, b: ArrayLike<number>) =>
    a.length === b.length && Array.from(a).every((x, i) => x === b[i]);
  if (tp !== precision || t.k !== s.k || !same(t.fields, s.fields) || !same(t.pairs, s.pairs))
    throw new RangeError(
      `${caller}(): every part must come from the same ${fieldShapeText(s)} ${precision} table; ${name} is of a ${fieldShapeText(t)} ${tp} table`,
    );
}

/** A fieldPoolChunk() part: for each field, the nodes of its tree that the chunk completes (aligned, increasing, inside its blocks). */
export function checkFieldPart(
  caller: string,
  name: string,
  part: unknown,
  like?: { s: CheckedFieldShape; precision: Precision },
): { s: CheckedFieldShape; precision: Precision; start: number; rows: number; fields: PooledNodes[] } {
  const keys = ["shape", "precision", "start", "rows", "fields"] as const;
  const { s, precision, start, rows, fields } = checkChunkPart(caller, name, part, keys);
  if (like) checkSameTable(caller, name, like.s, like.precision, s, precision);
  const G = s.fields.length;
  const list = isList(fields.fields) ? readList(caller, `${name}.fields`, fields.fields) : undefined;
  if (list === undefined)
    throw new TypeError(`${caller}(): ${name}.fields must be an array of nodes, got ${describe(fields.fields)}`);
  checkLength(caller, `${name}.fields`, list.length, G, "the fields of shape.fields");
  const ranges = fieldRangesOf(s.fields, start, rows);
  const nodes = list.map((item, g): PooledNodes => {
    const at = `${name}.fields[${g}]`;
    if (typeof item !== "object" || item === null)
      throw new TypeError(`${caller}(): ${at} must be { blocks, levels, sums }, got ${describe(item)}`);
    const f = readFields(caller, at, item, ["blocks", "levels", "sums"]);
    const blocks = copyOfKind(caller, `${at}.blocks`, f.blocks, "Uint32Array");
    const levels = copyOfKind(caller, `${at}.levels`, f.levels, "Uint32Array");
    const sums = copyOfKind(caller, `${at}.sums`, f.sums, "Float64Array");
    checkLength(caller, `${at}.levels`, levels.length, blocks.length, "blocks.length");
    checkLength(caller, `${at}.sums`, sums.length, blocks.length * s.k, "blocks.length * k");
    // a field with no rows in the chunk has no range: no node belongs to it
    const { count, block: first } = ranges.find((r) => r.field === g) ?? { count: 0, block: 0 };
    const end = first + blocksOf(count);
    let next = first;
    for (let j = 0; j < blocks.length; j++) {
      const size = 2 ** levels[j];
      if (levels[j] > 31 || blocks[j] % size !== 0 || blocks[j] < next || blocks[j] + size > end)
        throw new RangeError(
          `${caller}(): ${at} node ${j} (block ${blocks[j]}, level ${levels[j]}) does not belong to the chunk's blocks ${first}..${end - 1}` +
            ` of field ${g} after the nodes before it: not a part of rows ${start}..${start + rows - 1}`,
        );
      next = blocks[j] + size;
    }
    return { blocks, levels, sums };
  });
  return { s, precision, start, rows, fields: nodes };
}

/** A combineFieldParts() result for a table of `s` and `precision`: rho (one a pair) and G float64 pooled sums of k, copied. */
export function checkFieldPooled(
  caller: string,
  pooled: unknown,
  s: CheckedFieldShape,
  precision: Precision,
  like: "phi" | "sums",
): { rho: Float64Array; pooled64: Float64Array[] } {
  if (typeof pooled !== "object" || pooled === null)
    throw new TypeError(`${caller}(): pooled must be a combineFieldParts() result, got ${describe(pooled)}`);
  const f = readFields(caller, "pooled", pooled, ["precision", "pooled64", "rho"]);
  if (f.precision !== precision)
    throw new TypeError(
      `${caller}(): pooled.precision must be ${JSON.stringify(precision)} like ${like}, got ${shown(f.precision)}`,
    );
  const list = isList(f.pooled64) ? readList(caller, "pooled.pooled64", f.pooled64) : undefined;
  if (list === undefined)
    throw new TypeError(`${caller}(): pooled.pooled64 must be an array of Float64Array, got ${describe(f.pooled64)}`);
  checkLength(caller, "pooled.pooled64", list.length, s.fields.length, "the fields of shape.fields");
  const pooled64 = list.map((u, g) => {
    const copy = copyOfKind(caller, `pooled.pooled64[${g}]`, u, "Float64Array");
    checkLength(caller, `pooled.pooled64[${g}]`, copy.length, s.k, "k");
    return copy;
  });
  const rho = checkNumbers(caller, "pooled.rho", f.rho, s.pairs.length / 2, "shape.pairs.length");
  return { rho, pooled64 };
}

/** A fieldGradientChunk() sums part: two float64 for each block of the chunk, copied. */
export function checkFieldSums(
  caller: string,
  name: string,
  part: unknown,
  like?: { s: CheckedFieldShape; precision: Precision },
): { s: CheckedFieldShape; precision: Precision; start: number; rows: number; sums: Float64Array } {
  const keys = ["shape", "precision", "start", "rows", "sums"] as const;
  const { s, precision, start, rows, fields } = checkChunkPart(caller, name, part, keys);
  if (like) checkSameTable(caller, name, like.s, like.precision, s, precision);
  const sums = copyOfKind(caller, `${name}.sums`, fields.sums, "Float64Array");
  const blocks = fieldRangesOf(s.fields, start, rows).reduce((total, r) => total + blocksOf(r.count), 0);
  checkLength(caller, `${name}.sums`, sums.length, 2 * blocks, "2 * the chunk's blocks");
  return { s, precision, start, rows, sums };
}
