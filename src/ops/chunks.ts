// Chunked passes: a table too large for one wasm memory (beyond 4 GiB), or spread over
// workers, processes or machines, processed a range of rows at a time. Each chunk's pooled
// sums come back as the nodes of the pairwise tree it completes; combinePooled() joins the
// chunks' nodes in the same tree, so the result has the bits of one call over the whole
// table. The gradient and dF/dh of a chunk then need only the chunk and the pooled sums.

import { deliver, place, shapeText } from "./call.js";
import { BLOCK_ROWS } from "../wasm/loader.js";
import { requireEngine } from "../wasm/init.js";
import { layout, partsAt, Slots } from "../wasm/layout.js";
import { dotsJob, gradientJob, nodesByGroup, poolJob, rangesOf, runHere } from "./ranges.js";
import { combineNodes, noNodes, type PooledNodes } from "./tree.js";
import { layoutOf, settledBits } from "../wasm/planner.js";
import { isList, readFields, readList, refOf, typedKind, type ArrayRef, describe, shown } from "../util/read.js";
import type { DenseGates, FloatArray, GradientOptions, Precision, Shape } from "../util/types.js";
import {
  checkGates,
  checkGradientOptions,
  checkOut,
  snapshotArray,
  checkShape,
  floatRef,
  precisionOfRef,
  gradientOptionFields,
  precisionOf,
  type CheckedShape,
} from "./checks.js";
import { checkLength } from "../util/checks.js";

/**
 * Chunks start on a block boundary of their group: a multiple of 256 rows from the start of
 * group A (row 0) or of group B (row n). They end on one too, or at n, or at n + m. (The
 * kernels' block size, BLOCK_ROWS: init() checks that the module agrees.)
 *
 * @example
 * ```ts
 * const starts = [0, 4 * CHUNK_ALIGNMENT, n, n + 8 * CHUNK_ALIGNMENT]; // valid chunk starts
 * ```
 */
export const CHUNK_ALIGNMENT = BLOCK_ROWS;

export type { PooledNodes };

/** What {@link poolChunk} returns: plain typed arrays, to send to whoever combines. */
export interface PooledPart {
  /** The whole table's shape. */
  readonly shape: Shape;
  readonly precision: Precision;
  /** First row of the chunk, and how many. */
  readonly start: number;
  readonly rows: number;
  /** Nodes of group A's tree and of group B's. */
  readonly a: PooledNodes;
  readonly b: PooledNodes;
}

/**
 * A chunk's shape, start and rows; `at` names where they come from (the arguments, or a part),
 * `rowsFrom` what gave the row count.
 */
function checkChunk(
  caller: string,
  s: CheckedShape,
  start: unknown,
  rows: number,
  rowsFrom: string,
  at = "",
): CheckedShape {
  if (typeof start !== "number" || !Number.isInteger(start) || start < 0 || start + rows > s.rows) {
    throw new RangeError(
      `${caller}(): ${at}start must be an integer from 0 to n + m - rows = ${s.rows - rows}, got ${shown(start)}`,
    );
  }
  const aligned = (row: number) =>
    row < s.n ? row % CHUNK_ALIGNMENT === 0 : (row - s.n) % CHUNK_ALIGNMENT === 0 || row === s.rows;
  if (!aligned(start) || !(aligned(start + rows) || start + rows === s.n)) {
    throw new RangeError(
      `${caller}(): ${at}start = ${start} and ${rowsFrom} = ${rows} give a chunk of rows ${start}..${start + rows - 1}, ` +
        `which does not start and end on a block boundary: ` +
        `chunks start at a multiple of ${CHUNK_ALIGNMENT} rows from 0 or from n = ${s.n}, and end on one, at n or at n + m`,
    );
  }
  return s;
}

/**
 * The pooled sums of a chunk of rows start..start+rows-1 of a table of `shape`, as tree nodes
 * for {@link combinePooled}. phi holds the chunk's rows (rows x k), h their gates.
 *
 * @example
 * ```ts
 * const shape = { n: 1024, m: 1024, k: 16 };
 * const parts = [0, 512, 1024, 1536].map((start) => poolChunk(phiRows(start, 512), gates(start, 512), shape, start));
 * const { u, v, value } = combinePooled(parts); // the bits of one call over the whole table
 * ```
 */
export function poolChunk<A extends FloatArray>(phi: A, h: DenseGates, shape: Shape, start: number): PooledPart {
  const caller = "poolChunk";
  const e = requireEngine(caller);
  const phiRef = floatRef(caller, "phi", phi);
  const precision = precisionOfRef(phiRef);
  const table = checkShape(caller, "shape", shape);
  const k = table.k;
  // k = 0 leaves the rows to h; a list is read once here, and that reading is the gates
  const listed = k === 0 && typedKind(h) === undefined && isList(h) ? readList(caller, "h", h) : undefined;
  const rows = k === 0 ? rowsOf(listed ?? h) : phiRef.length / k;
  if (!Number.isInteger(rows))
    throw new RangeError(`${caller}(): phi.length must be a multiple of k = ${k}, got ${phiRef.length}`);
  const s = checkChunk(caller, table, start, rows, k === 0 ? "h.length" : "phi.length / shape.k");
  const gates = checkGates(caller, listed ?? h, { ...s, rows, elements: rows * k }, "rows");
  const K = e[precision];
  // the scratch: a node slot for each group's range, then a pass's own
  const ranges = rangesOf(s.n, start, rows);
  const pass = Math.max(0, ...ranges.map((r) => K.rangeScratchBytes({ rows: r.count, first: r.block, k })));
  const slot = layout({ meta: 8 * e.maxRangeNodes, values: 8 * k * e.maxRangeNodes });
  const slots = new Slots(2, slot.bytes);
  const scratch = layout({ nodes: slots, pass });
  const inputs = {
    phi: { data: phiRef, type: K.ArrayType, name: "phi" },
    h: { data: gates, type: K.ArrayType, name: "h" },
  };
  const what = () => `a ${rows}-row chunk of a ${shapeText(s)} ${precision} table`;
  const p = place(caller, what, K, e.memory, { inputs, scratch: scratch.bytes });
  const at = partsAt(p.scratch, scratch.offsets);
  const nodes = (i: number) => partsAt(slots.at(at.nodes, i), slot.offsets);
  // a chunk is planned as a table of its rows: out of cache when large
  const plan = settledBits("value", layoutOf(e, K, rows * k, k));
  const counts = runHere(
    K,
    ranges.map((range, i) => poolJob(K, range, k, p.at, nodes(i), at.pass, plan)),
  );
  const [a, b] = nodesByGroup(e, ranges, counts, nodes, k).map((group) => group[0] ?? noNodes());
  return { shape: { n: s.n, m: s.m, k }, precision, start, rows, a, b };
}

/**
 * Joins the chunks of a table (in any order; disjoint; a missing chunk counts as rows whose
 * gates are all 0) into the pooled sums u and v and F = <u, v>, with the bits of one call
 * over the whole table.
 *
 * @example
 * ```ts
 * const { u, v, value } = combinePooled(parts);
 * ```
 */
export function combinePooled(parts: readonly PooledPart[]): { u: FloatArray; v: FloatArray; value: number } {
  const caller = "combinePooled";
  const e = requireEngine(caller);
  // the list is read once, element by element: its length or a `map` cannot change afterwards
  const list = isList(parts) ? readList(caller, "parts", parts) : [];
  if (list.length === 0)
    throw new TypeError(`${caller}(): parts must be a non-empty array of poolChunk() results, got ${describe(parts)}`);
  const checked = list.map((part, i) => checkPart(caller, `parts[${i}]`, part));
  const { s, precision } = checked[0];
  checked.forEach((part, i) => {
    if (part.precision !== precision || part.s.n !== s.n || part.s.m !== s.m || part.s.k !== s.k) {
      throw new RangeError(
        `${caller}(): every part must come from the same ${shapeText(s)} ${precision} table; parts[${i}] is of a ${shapeText(part.s)} ${part.precision} table`,
      );
    }
  });
  const sorted = checked.sort((x, y) => x.start - y.start);
  sorted.forEach((part, i) => {
    if (i > 0 && part.start < sorted[i - 1].start + sorted[i - 1].rows) {
      throw new RangeError(
        `${caller}(): parts overlap: rows ${sorted[i - 1].start}..${sorted[i - 1].start + sorted[i - 1].rows - 1} and ${part.start}..${part.start + part.rows - 1}`,
      );
    }
  });
  const groups = [sorted.map((p) => p.a), sorted.map((p) => p.b)] as const;
  return combineNodes(
    e,
    e[precision],
    s.k,
    groups,
    [s.n, s.m],
    caller,
    `combining a ${shapeText(s)} ${precision} table`,
  );
}

/**
 * A part as poolChunk() makes it: its table's shape and precision, a chunk on block
 * boundaries, and for each group the nodes of the tree that chunk completes: aligned,
 * increasing, disjoint, inside the chunk's blocks of that group, with k sums each. (Sums
 * cannot be checked; everything that says where they belong is.) Every field is read once and
 * what was checked is returned: a getter cannot hand the kernel something else afterwards, and
 * arrays in wasm memory are copied, since combining may grow the memory and detach them.
 */
function checkPart(caller: string, name: string, part: unknown): Omit<PooledPart, "shape"> & { s: CheckedShape } {
  if (typeof part !== "object" || part === null)
    throw new TypeError(`${caller}(): ${name} must be a poolChunk() result, got ${describe(part)}`);
  const { shape, precision, start, rows, a, b } = readFields(caller, name, part, [
    "shape",
    "precision",
    "start",
    "rows",
    "a",
    "b",
  ]);
  if (precision !== "f32" && precision !== "f64") {
    throw new TypeError(
      `${caller}(): ${name}.precision must be "f32" or "f64", got ${typeof precision === "string" ? JSON.stringify(precision) : describe(precision)}`,
    );
  }
  if (typeof rows !== "number" || !Number.isInteger(rows) || rows < 0) {
    throw new RangeError(`${caller}(): ${name}.rows must be a non-negative integer, got ${shown(rows)}`);
  }
  const s = checkChunk(caller, checkShape(caller, `${name}.shape`, shape), start, rows, `${name}.rows`, `${name}.`);
  const first = start as number;
  const ranges = rangesOf(s.n, first, rows);
  const [nodesA, nodesB] = ([0, 1] as const).map((g): PooledNodes => {
    // a group with no rows in the chunk has no range: no node belongs to it
    const { count, block: firstBlock } = ranges.find((range) => range.group === g) ?? { count: 0, block: 0 };
    const group = g === 0 ? "a" : "b";
    const nodes = g === 0 ? a : b;
    const at = `${name}.${group}`;
    if (typeof nodes !== "object" || nodes === null)
      throw new TypeError(`${caller}(): ${at} must be { blocks, levels, sums }, got ${describe(nodes)}`);
    const fields = readFields(caller, at, nodes, ["blocks", "levels", "sums"]);
    // copies, read once: the nodes say where sums go in the tree, and nobody may change them after their check
    const blocks = nodeArray(caller, `${at}.blocks`, fields.blocks, "Uint32Array") as Uint32Array;
    const levels = nodeArray(caller, `${at}.levels`, fields.levels, "Uint32Array") as Uint32Array;
    const sums = nodeArray(caller, `${at}.sums`, fields.sums, "Float64Array") as Float64Array;
    checkLength(caller, `${at}.levels`, levels.length, blocks.length, "blocks.length");
    checkLength(caller, `${at}.sums`, sums.length, blocks.length * s.k, "blocks.length * k");
    const end = firstBlock + Math.ceil(count / CHUNK_ALIGNMENT);
    let next = firstBlock;
    for (let j = 0; j < blocks.length; j++) {
      const size = 2 ** levels[j];
      if (levels[j] > 31 || blocks[j] % size !== 0 || blocks[j] < next || blocks[j] + size > end) {
        throw new RangeError(
          `${caller}(): ${at} node ${j} (block ${blocks[j]}, level ${levels[j]}) does not belong to the chunk's blocks ${firstBlock}..${end - 1}` +
            ` of group ${group === "a" ? "A" : "B"} after the nodes before it: not a part of rows ${first}..${first + rows - 1}`,
        );
      }
      next = blocks[j] + size;
    }
    return { blocks, levels, sums };
  });
  return { s, precision, start: first, rows, a: nodesA, b: nodesB };
}

/** A copy of a node array of `kind`, read once; TypeError for another type. */
function nodeArray(
  caller: string,
  name: string,
  value: unknown,
  kind: "Uint32Array" | "Float64Array",
): ArrayLike<number> {
  if (typedKind(value) !== kind) throw new TypeError(`${caller}(): ${name} must be a ${kind}, got ${describe(value)}`);
  const ref = refOf(value, kind);
  return kind === "Uint32Array"
    ? snapshotArray(caller, name, ref, Uint32Array)
    : snapshotArray(caller, name, ref, Float64Array);
}

/** The rows of a chunk's gates: a typed array's length, or a list's as read (0 for what is no array: the gates' check names it). */
function rowsOf(h: unknown): number {
  const kind = typedKind(h);
  if (kind !== undefined) return refOf(h, kind).length;
  return isList(h) ? h.length : 0;
}

/** The pooled sums of the whole table: u and v of the precision, k each, read once. */
function checkPooled(
  caller: string,
  pooled: unknown,
  k: number,
  like?: Precision,
): { u: ArrayRef; v: ArrayRef; precision: Precision } {
  if (typeof pooled !== "object" || pooled === null)
    throw new TypeError(`${caller}(): pooled must be { u, v }, got ${describe(pooled)}`);
  const { u, v } = readFields(caller, "pooled", pooled, ["u", "v"]);
  const precision = like ?? precisionOf(caller, "pooled.u", u);
  return {
    precision,
    u: checkOut(caller, "pooled.u", u, precision, k, "k", "pooled.u"),
    v: checkOut(caller, "pooled.v", v, precision, k, "k", "pooled.u"),
  };
}

/**
 * dF/dphi for a chunk of rows start..start+rows-1, given the pooled sums of the whole table
 * (from {@link combinePooled}); h holds the chunk's gates. Options as gradient()'s.
 *
 * @returns `out`, or a new array of rows x k of the pooled sums' type.
 * @example
 * ```ts
 * const pooled = combinePooled(parts);
 * const g = gradientChunk(gates(512, 512), shape, 512, pooled); // rows 512..1023
 * ```
 */
export function gradientChunk<A extends FloatArray>(
  h: DenseGates,
  shape: Shape,
  start: number,
  pooled: { u: A; v: A },
  options?: GradientOptions<A>,
): A {
  const caller = "gradientChunk";
  const e = requireEngine(caller);
  const table = checkShape(caller, "shape", shape);
  const k = table.k;
  const o = gradientOptionFields(caller, options);
  const { u, v, precision } = checkPooled(caller, pooled, k);
  // the rows are h's: a list is read once here, and that reading is the gates
  const listed = typedKind(h) === undefined && isList(h) ? readList(caller, "h", h) : undefined;
  const rows = rowsOf(listed ?? h);
  const s = checkChunk(caller, table, start, rows, "h.length");
  const gates = checkGates(caller, listed ?? h, { ...s, rows, elements: rows * k }, "rows");
  const out =
    o.out === undefined
      ? undefined
      : checkOut(caller, "options.out", o.out, precision, rows * k, "rows * k", "pooled.u");
  const { scale, accumulate } = checkGradientOptions(caller, o);
  const add = accumulate && out !== undefined;
  const K = e[precision];
  const inputs = {
    h: { data: gates, type: K.ArrayType, name: "h" },
    u: { data: u, type: K.ArrayType, name: "pooled.u" },
    v: { data: v, type: K.ArrayType, name: "pooled.v" },
  };
  const what = () => `a ${rows}-row chunk of a ${shapeText(s)} ${precision} table`;
  const call = { inputs, out: { array: out, elements: rows * k, read: add }, scratch: K.rowScratchBytes({ k }) };
  const p = place(caller, what, K, e.memory, call);
  // the writes the planner chose for valueAndGradient on a table of the chunk's rows
  const plan = settledBits("valueAndGradient", layoutOf(e, K, rows * k, k));
  const arrays = { ...p.at, out: p.out };
  const scaling = { scale, accumulate: add };
  runHere(
    K,
    rangesOf(s.n, start, rows).map((range) => gradientJob(K, range, k, arrays, scaling, p.scratch, plan)),
  );
  return deliver<A>(p, e.memory, rows * k, out);
}

/**
 * dF/dh for a chunk of rows start..start+rows-1 (phi holds them, rows x k), given the pooled
 * sums of the whole table.
 *
 * @example
 * ```ts
 * const dh = gateGradientChunk(phiRows(512, 512), shape, 512, combinePooled(parts));
 * ```
 */
export function gateGradientChunk<A extends FloatArray>(
  phi: A,
  shape: Shape,
  start: number,
  pooled: { u: A; v: A },
): A {
  const caller = "gateGradientChunk";
  const e = requireEngine(caller);
  const phiRef = floatRef(caller, "phi", phi);
  const precision = precisionOfRef(phiRef);
  const table = checkShape(caller, "shape", shape);
  const k = table.k;
  const { u, v } = checkPooled(caller, pooled, k, precision);
  if (k === 0)
    throw new RangeError(`${caller}(): shape.k = 0 leaves a chunk's row count unknown (dF/dh is 0 for every row)`);
  const rows = phiRef.length / k;
  if (!Number.isInteger(rows))
    throw new RangeError(`${caller}(): phi.length must be a multiple of k = ${k}, got ${phiRef.length}`);
  const s = checkChunk(caller, table, start, rows, "phi.length / shape.k");
  const K = e[precision];
  const inputs = {
    phi: { data: phiRef, type: K.ArrayType, name: "phi" },
    u: { data: u, type: K.ArrayType, name: "pooled.u" },
    v: { data: v, type: K.ArrayType, name: "pooled.v" },
  };
  const what = () => `a ${rows}-row chunk of a ${shapeText(s)} ${precision} table`;
  const p = place(caller, what, K, e.memory, { inputs, results: { dots: rows }, scratch: 0 });
  const arrays = { ...p.at, out: p.at.dots };
  runHere(
    K,
    rangesOf(s.n, start, rows).map((range) => dotsJob(K, range, k, arrays)),
  );
  return deliver<A>(p, e.memory, rows, undefined, p.at.dots);
}
