// Chunked passes of the factorization-machine family (docs/design.md §16): a table beyond 4 GiB,
// or spread over processes, a chunk of rows at a time. A chunk may span several fields; it starts
// and ends on block boundaries of its fields. fieldPoolChunk leaves each field's tree nodes;
// combineFieldParts joins them into the pooled sums (float64 too, for the contexts); a rows pass
// per chunk (fieldGradientChunk) writes its gradient rows and dots and leaves its blocks' self and
// linear sums; combineFieldSums folds those in block order into F and dF/drho. Every result has
// the bits of one fieldGradients call over the whole table, whatever the chunking.

import { deliver, NO_INPUT, place } from "./call.js";
import { checkGates, checkGradientOptions, checkOut, floatRef, precisionOfRef } from "./checks.js";
import { checkFieldParams, checkFieldShape, type CheckedFieldShape } from "./fieldchecks.js";
import { fieldShapeText } from "./fieldowned.js";
import { checkFieldProblemOptions } from "./fieldproblem.js";
import {
  blocksOf,
  combineFields,
  contextsOf,
  fieldPoolJob,
  fieldRangesOf,
  fieldRowsJob,
  finishFields,
  foldBlockSums,
  selfPairOf,
} from "./fieldranges.js";
import { runHere } from "./ranges.js";
import { noNodes, readNodes, type PooledNodes } from "./tree.js";
import { checkFieldChunk, checkFieldPart, checkFieldPooled, checkFieldSums } from "./fieldpartchecks.js";
import { checkOptions } from "../util/checks.js";
import { describe, isList, ownRef, readList, refOf, typedKind } from "../util/read.js";
import type { DenseGates, FieldParams, FieldShape, FloatArray, Precision } from "../util/types.js";
import { requireEngine } from "../wasm/init.js";
import { layout, partsAt, Slots } from "../wasm/layout.js";
import { layoutOf, settledBits } from "../wasm/planner.js";

/** What {@link fieldPoolChunk} returns: plain arrays, to send to whoever combines. */
export interface FieldPooledPart {
  /** The whole table's shape. */
  readonly shape: FieldShape;
  readonly precision: Precision;
  /** First row of the chunk, and how many. */
  readonly start: number;
  readonly rows: number;
  /** Each field's nodes of its tree that the chunk completes (none for a field outside it). */
  readonly fields: readonly PooledNodes[];
}

/** What {@link combineFieldParts} returns: the pooled sums of every field, and the rho they go with. */
export interface FieldPooled<A extends FloatArray = FloatArray> {
  readonly precision: Precision;
  /** u_g as a call rounds it: G arrays of k */
  readonly pooled: readonly A[];
  /** u_g in float64 before that rounding, what the contexts and F are made from */
  readonly pooled64: readonly Float64Array[];
  /** the pair weights the contexts are formed with */
  readonly rho: Float64Array;
}

/** What {@link fieldGradientChunk} leaves for {@link combineFieldSums}: its blocks' sums. */
export interface FieldChunkSums {
  readonly shape: FieldShape;
  readonly precision: Precision;
  readonly start: number;
  readonly rows: number;
  /** two float64 a block (self sum, linear sum), the chunk's blocks field after field */
  readonly sums: Float64Array;
}

/** The shape's plain form, as parts carry it. */
const plainShape = (s: CheckedFieldShape): FieldShape => ({
  fields: [...s.fields],
  k: s.k,
  pairs: Array.from({ length: s.pairs.length / 2 }, (_, p) => [s.pairs[2 * p], s.pairs[2 * p + 1]] as [number, number]),
});

/** Dense gates of a chunk, read once: the snapshot (a list's) and the rows they give. */
function chunkGates(caller: string, h: unknown, s: CheckedFieldShape) {
  const listed = typedKind(h) === undefined && isList(h) ? readList(caller, "h", h) : undefined;
  const kind = typedKind(h);
  const rows = listed ? listed.length : kind !== undefined ? refOf(h, kind).length : 0;
  const gates = checkGates(caller, listed ?? h, { n: rows, m: 0, k: s.k, rows, elements: rows * s.k }, "rows");
  return { gates, rows };
}

/** phi of a chunk's rows: its precision's kernels. */
function chunkPhi(caller: string, phi: unknown, rows: number, k: number) {
  const ref = floatRef(caller, "phi", phi);
  if (ref.length !== rows * k)
    throw new RangeError(`${caller}(): phi.length must be h.length * k = ${rows * k}, got ${ref.length}`);
  return ref;
}

/**
 * The pooled sums of a chunk of rows start..start+rows-1 (rows = h.length) of a table of
 * `shape`, as each field's tree nodes, for {@link combineFieldParts}. phi holds the chunk's rows.
 *
 * @example
 * ```ts
 * const shape = { fields: [1000, 300], k: 8, pairs: [[0, 0], [0, 1]] };
 * const parts = [[0, 512], [512, 788]].map(([start, rows]) => fieldPoolChunk(phiRows(start, rows), gates(start, rows), shape, start));
 * const pooled = combineFieldParts(parts, { rho }); // the bits of one call
 * ```
 */
export function fieldPoolChunk(phi: FloatArray, h: DenseGates, shape: FieldShape, start: number): FieldPooledPart {
  const caller = "fieldPoolChunk";
  const e = requireEngine(caller);
  const s = checkFieldShape(caller, "shape", shape);
  const { gates, rows } = chunkGates(caller, h, s);
  const phiRef = chunkPhi(caller, phi, rows, s.k);
  checkFieldChunk(caller, s, start, rows);
  const precision = precisionOfRef(phiRef);
  const K = e[precision];
  const k = s.k;
  const ranges = fieldRangesOf(s.fields, start, rows);
  const pass = Math.max(0, ...ranges.map((r) => K.rangeScratchBytes({ rows: r.count, first: r.block, k })));
  const slot = layout({ meta: 8 * e.maxRangeNodes, values: 8 * k * e.maxRangeNodes });
  const slots = new Slots(ranges.length, slot.bytes);
  const scratch = layout({ nodes: slots, pass });
  const inputs = {
    phi: { data: phiRef, type: K.ArrayType, name: "phi" },
    h: { data: gates, type: K.ArrayType, name: "h" },
  };
  const what = () => `a ${rows}-row chunk of a ${fieldShapeText(s)} ${precision} table`;
  const p = place(caller, what, K, e.memory, { inputs, scratch: scratch.bytes });
  const at = partsAt(p.scratch, scratch.offsets);
  const nodes = (i: number) => partsAt(slots.at(at.nodes, i), slot.offsets);
  // a chunk is planned as a table of its rows
  const plan = settledBits("value", layoutOf(e, K, rows * k, k));
  const counts = runHere(
    K,
    ranges.map((range, i) => fieldPoolJob(K, range, k, p.at, nodes(i), at.pass, plan)),
  );
  const fields = Array.from(s.fields, noNodes);
  ranges.forEach((range, i) => (fields[range.field] = readNodes(e, nodes(i).meta, nodes(i).values, counts[i], k)));
  return { shape: plainShape(s), precision, start, rows, fields };
}

/**
 * Joins the chunks of a table (in any order; disjoint; a missing chunk counts as rows whose gates
 * are all 0) into every field's pooled sum, with the bits of one call; rho (params.rho, default 1
 * each) is kept for the contexts of the rows passes.
 *
 * @example
 * ```ts
 * const pooled = combineFieldParts(parts, { rho: [0.5, 2] });
 * pooled.pooled; // [u_0, u_1], as fieldPooled() gives them
 * ```
 */
export function combineFieldParts(parts: readonly FieldPooledPart[], params?: Pick<FieldParams, "rho">): FieldPooled {
  const caller = "combineFieldParts";
  const e = requireEngine(caller);
  const list = isList(parts) ? readList(caller, "parts", parts) : [];
  if (list.length === 0)
    throw new TypeError(
      `${caller}(): parts must be a non-empty array of fieldPoolChunk() results, got ${describe(parts)}`,
    );
  const first = checkFieldPart(caller, "parts[0]", list[0]);
  const { s, precision } = first;
  const checked = [first, ...list.slice(1).map((part, i) => checkFieldPart(caller, `parts[${i + 1}]`, part, first))];
  const sorted = checked.sort((x, y) => x.start - y.start);
  sorted.forEach((part, i) => {
    if (i > 0 && part.start < sorted[i - 1].start + sorted[i - 1].rows)
      throw new RangeError(
        `${caller}(): parts overlap: rows ${sorted[i - 1].start}..${sorted[i - 1].start + sorted[i - 1].rows - 1} and ${part.start}..${part.start + part.rows - 1}`,
      );
  });
  const p = checkFieldParams(caller, "params", params, s, precision);
  const byField = Array.from(s.fields, (_, g) => sorted.map((part) => part.fields[g]));
  const what = `combining a ${fieldShapeText(s)} ${precision} table`;
  const { pooled, pooled64 } = combineFields(e, e[precision], s.k, s.fields, byField, caller, what);
  return { precision, pooled, pooled64, rho: p.rho };
}

/** Options of {@link fieldGradientChunk}. */
export interface FieldChunkOptions<A extends FloatArray = FloatArray> {
  /** Write dF/dphi here (rows x k of the chunk) instead of a new array. */
  readonly out?: A;
  readonly scale?: number;
  readonly accumulate?: boolean;
  /** Compute dF/dh. Default true. */
  readonly gateGradient?: boolean;
}

/**
 * A chunk's rows pass, given the pooled sums of the whole table (from {@link combineFieldParts}):
 * scale * dF/dphi and dF/dh for rows start..start+rows-1 (phi and h hold them; params.w their
 * row weights), and the sums its blocks leave for {@link combineFieldSums}.
 *
 * @example
 * ```ts
 * const pooled = combineFieldParts(parts, { rho });
 * const r = fieldGradientChunk(phiRows(512, 788), gates(512, 788), shape, 512, pooled, { w: weights(512, 788) });
 * r.gradient; // rows 512..1299 of dF/dphi
 * ```
 */
export function fieldGradientChunk<A extends FloatArray>(
  phi: A,
  h: DenseGates,
  shape: FieldShape,
  start: number,
  pooled: FieldPooled<A>,
  params?: Pick<FieldParams, "w">,
  options?: FieldChunkOptions<A>,
): { gradient: A; gateGradient: A | undefined; sums: FieldChunkSums } {
  const caller = "fieldGradientChunk";
  const e = requireEngine(caller);
  const s = checkFieldShape(caller, "shape", shape);
  const { gates, rows } = chunkGates(caller, h, s);
  const phiRef = chunkPhi(caller, phi, rows, s.k);
  const precision = precisionOfRef(phiRef);
  checkFieldChunk(caller, s, start, rows);
  const u = checkFieldPooled(caller, pooled, s, precision, "phi");
  const chunk = { ...s, rows, elements: rows * s.k };
  const { w } = checkFieldParams(caller, "params", params, chunk, precision, "h.length (the chunk's rows)");
  const o = checkOptions<Record<"out" | "scale" | "accumulate" | "gateGradient", unknown>>(caller, "options", options, [
    "out",
    "scale",
    "accumulate",
    "gateGradient",
  ]);
  const { gateGradient } = checkFieldProblemOptions(caller, { gateGradient: o.gateGradient });
  const { scale, accumulate } = checkGradientOptions(caller, o);
  const out =
    o.out === undefined ? undefined : checkOut(caller, "options.out", o.out, precision, rows * s.k, "rows * k");
  const add = accumulate && out !== undefined;
  const K = e[precision];
  const k = s.k;
  const G = s.fields.length;
  const ranges = fieldRangesOf(s.fields, start, rows);
  const contexts = contextsOf(precision, s.pairs, u.rho, k, u.pooled64);
  const flat = new K.ArrayType(G * k);
  contexts.forEach((c, g) => flat.set(c, g * k));
  const inputs = {
    phi: { data: phiRef, type: K.ArrayType, name: "phi" },
    h: { data: gates, type: K.ArrayType, name: "h" },
    w: { data: w ?? NO_INPUT, type: K.ArrayType, name: "params.w" },
    contexts: {
      data: ownRef(flat, precision === "f32" ? "Float32Array" : "Float64Array"),
      type: K.ArrayType,
      name: "pooled",
    },
  };
  const blocks = ranges.map((r) => blocksOf(r.count));
  const totalBlocks = blocks.reduce((a, b) => a + b, 0);
  const what = () => `a ${rows}-row chunk of a ${fieldShapeText(s)} ${precision} table`;
  const p = place(caller, what, K, e.memory, {
    inputs,
    results: { gateOut: gateGradient ? rows : 0, sums: (16 * totalBlocks) / K.bytesPerElement },
    out: { array: out, elements: rows * k, read: add },
    scratch: K.fieldRowsScratchBytes({ k }),
  });
  const plan = settledBits("valueAndGradient", layoutOf(e, K, rows * k, k));
  const arrays = { phi: p.at.phi, h: p.at.h, w: w ? p.at.w : 0, out: p.out, gateOut: gateGradient ? p.at.gateOut : 0 };
  let block = 0;
  const jobs = ranges.map((range, i) => {
    const selfPair = selfPairOf(s.pairs, range.field);
    const field = {
      context: p.at.contexts + range.field * k * K.bytesPerElement,
      selfRho: selfPair < 0 ? undefined : u.rho[selfPair],
      sums: p.at.sums + 16 * block,
    };
    block += blocks[i];
    return fieldRowsJob(K, range, k, arrays, field, { scale, accumulate: add }, p.scratch, plan);
  });
  runHere(K, jobs);
  const sums = Float64Array.from(e.memory.view(Float64Array, p.at.sums, 2 * totalBlocks));
  return {
    gradient: deliver<A>(p, e.memory, rows * k, out),
    gateGradient: gateGradient ? deliver<A>(p, e.memory, rows, undefined, p.at.gateOut) : undefined,
    sums: { shape: plainShape(s), precision, start, rows, sums },
  };
}

/**
 * F and dF/drho of the whole table from the chunks' sums (fieldGradientChunk's, in any order;
 * a missing chunk counts as rows whose gates are all 0) and the pooled sums, with the bits of one
 * call; params.w0 is the offset (default 0).
 *
 * @example
 * ```ts
 * const { value, pairGradient } = combineFieldSums(chunks.map((r) => r.sums), pooled, { w0: 0.5 });
 * ```
 */
export function combineFieldSums<A extends FloatArray>(
  sums: readonly FieldChunkSums[],
  pooled: FieldPooled<A>,
  params?: Pick<FieldParams, "w0">,
): { value: number; pairGradient: A } {
  const caller = "combineFieldSums";
  requireEngine(caller);
  const list = isList(sums) ? readList(caller, "sums", sums) : [];
  if (list.length === 0)
    throw new TypeError(
      `${caller}(): sums must be a non-empty array of fieldGradientChunk() sums, got ${describe(sums)}`,
    );
  const first = checkFieldSums(caller, "sums[0]", list[0]);
  const { s, precision } = first;
  const checked = [first, ...list.slice(1).map((part, i) => checkFieldSums(caller, `sums[${i + 1}]`, part, first))];
  const u = checkFieldPooled(caller, pooled, s, precision, "sums");
  const { w0 } = checkFieldParams(caller, "params", params, s, precision);
  // every block of the table in place: a field's blocks are added in block order from 0
  const starts = [0];
  for (const rows of s.fields) starts.push(starts[starts.length - 1] + blocksOf(rows));
  const table = new Float64Array(2 * starts[s.fields.length]);
  const filled = new Uint8Array(starts[s.fields.length]);
  for (const part of checked) {
    let at = 0;
    for (const range of fieldRangesOf(s.fields, part.start, part.rows)) {
      const first = starts[range.field] + range.block;
      for (let b = 0; b < blocksOf(range.count); b++, at++) {
        if (filled[first + b]++)
          throw new RangeError(
            `${caller}(): sums overlap: two parts hold field ${range.field}'s block ${range.block + b}`,
          );
        table[2 * (first + b)] = part.sums[2 * at];
        table[2 * (first + b) + 1] = part.sums[2 * at + 1];
      }
    }
  }
  const folded = Array.from(s.fields, (rows, g) => foldBlockSums(table, starts[g], blocksOf(rows)));
  const { value, pairGradient } = finishFields(
    precision,
    { pairs: s.pairs, rho: u.rho, k: s.k, w0 },
    u.pooled64,
    folded,
  );
  return { value, pairGradient: pairGradient as A };
}
