// The one unit of work of chunked and threaded passes (docs/design.md §4): a range of rows of one
// group, starting on a block boundary of that group. A range is pooled into the nodes of its
// group's tree that it completes; once u and v are known, it gets its gradient rows (rows of A
// get v, rows of B get u) or its dots. Each job is a kernel call with its arguments named:
// chunks run them here, a thread pool sends the same jobs to its workers. Every job's rows are
// its own, so the jobs of one pass may run in any order and on any thread.

import type { KernelArgs, KernelName, Kernels } from "../wasm/generated/kernels.js";
import { BLOCK_ROWS, type Engine, type PrecisionKernels } from "../wasm/loader.js";
import { readNodes, type PooledNodes } from "./tree.js";

/** Ranges of any length: a chunk's, or the whole table's on one thread. */
const whole = (_rows: number): number => Infinity;

/** Rows [first, first + count) of the arrays a pass is given, in `group` (0: A, 1: B), from its block `block`. */
export interface Range {
  readonly group: 0 | 1;
  readonly first: number;
  readonly count: number;
  readonly block: number;
}

/** A kernel call, by kernel name, with its arguments by name. */
export type Job = { readonly [N in KernelName]: { readonly kernel: N; readonly args: KernelArgs[N] } }[KernelName];

/**
 * The ranges of rows start..start+rows-1 of a table whose group A has n rows (a chunk, on block
 * boundaries; the whole table from 0), each group's part cut into pieces of at most
 * `most(rows of the group)` rows (a multiple of BLOCK_ROWS: a thread pool's tiles). `first`
 * counts from `start`; a group with no rows in the span has no range.
 */
export function rangesOf(n: number, start: number, rows: number, most = whole): Range[] {
  const aRows = Math.max(0, Math.min(n, start + rows) - start);
  const ranges: Range[] = [];
  for (const [group, first, count, fromRow, groupRows] of [
    [0, 0, aRows, start, n],
    [1, aRows, rows - aRows, Math.max(start, n) - n, Math.max(n, start + rows) - n],
  ] as const) {
    const piece = most(groupRows);
    for (let done = 0; done < count; done += piece) {
      ranges.push({
        group,
        first: first + done,
        count: Math.min(piece, count - done),
        block: (fromRow + done) / BLOCK_ROWS,
      });
    }
  }
  return ranges;
}

/** Where a pass finds its arrays: pointers of row 0 of phi, of h and of the output, and the pooled u and v. */
export interface PassArrays {
  readonly phi?: number;
  readonly h?: number;
  readonly out?: number;
  readonly u?: number;
  readonly v?: number;
}

const rowOf = (K: PrecisionKernels, at: number | undefined, range: Range, perRow: number): number =>
  (at ?? 0) + range.first * perRow * K.bytesPerElement;

/** The pooled sum a range's rows pair with: rows of A get (or dot) v, rows of B u. */
const partnerOf = (range: Range, at: PassArrays): number => (range.group === 0 ? at.v : at.u) ?? 0;

/** Pools a range into the nodes of its group's tree it completes (written to meta and values; the call returns how many). */
export function poolJob(
  K: PrecisionKernels,
  range: Range,
  k: number,
  at: PassArrays,
  nodes: { readonly meta: number; readonly values: number },
  scratch: number,
  plan: number,
): Job {
  const args = {
    rows: range.count,
    k,
    phi: rowOf(K, at.phi, range, k),
    h: rowOf(K, at.h, range, 1),
    first: range.block,
  };
  return { kernel: "poolRange", args: { ...args, meta: nodes.meta, values: nodes.values, scratch, plan } };
}

/**
 * Pools a range as poolJob does and writes its gradient rows, out = scale * h_r * (v or u), in
 * the same read: once the other group's sum is known (a fused valueAndGradient).
 */
export function fusedPoolJob(
  K: PrecisionKernels,
  range: Range,
  k: number,
  at: PassArrays,
  nodes: { readonly meta: number; readonly values: number },
  scale: number,
  scratch: number,
  plan: number,
): Job {
  const pooling = poolJob(K, range, k, at, nodes, scratch, plan).args as KernelArgs["poolRange"];
  const [w, out] = [partnerOf(range, at), rowOf(K, at.out, range, k)];
  return { kernel: "poolRangeWithGradient", args: { ...pooling, w, scale, out } };
}

/** A range's gradient rows, out (+)= scale * h_r * (v or u). */
export function gradientJob(
  K: PrecisionKernels,
  range: Range,
  k: number,
  at: PassArrays,
  scaling: { readonly scale: number; readonly accumulate: boolean },
  scratch: number,
  plan: number,
): Job {
  const { scale, accumulate } = scaling;
  const [h, out] = [rowOf(K, at.h, range, 1), rowOf(K, at.out, range, k)];
  return {
    kernel: "gradientRows",
    args: { rows: range.count, k, h, w: partnerOf(range, at), scale, out, accumulate, scratch, plan },
  };
}

/** A range's dots, out[r] = <phi_r, v or u>: its dF/dh. */
export function dotsJob(K: PrecisionKernels, range: Range, k: number, at: PassArrays): Job {
  const [phi, out] = [rowOf(K, at.phi, range, k), rowOf(K, at.out, range, 1)];
  return { kernel: "rowDots", args: { rows: range.count, k, phi, w: partnerOf(range, at), out } };
}

/** What runs jobs asynchronously: a thread pool (src/threads/pool.ts). */
export interface Executor {
  readonly engine: Engine;
  readonly threads: number;
  /** Error unless the executor can take work. */
  live(caller: string): void;
  /** Runs jobs (job i on thread i % threads); their results in job order, once all have ended. */
  run(caller: string, K: PrecisionKernels, jobs: readonly Job[]): Promise<number[]>;
}

/** Runs jobs on this thread, in order; their results. */
export function runHere(K: Kernels, jobs: readonly Job[]): number[] {
  return jobs.map((job) => (K[job.kernel] as (args: Job["args"]) => number)(job.args) ?? 0);
}

/** The nodes that range i's pass left in its slot (counts: the passes' results), gathered by group in range order. */
export function nodesByGroup(
  engine: Engine,
  ranges: readonly Range[],
  counts: readonly number[],
  slot: (i: number) => { readonly meta: number; readonly values: number },
  k: number,
): [PooledNodes[], PooledNodes[]] {
  const groups: [PooledNodes[], PooledNodes[]] = [[], []];
  ranges.forEach((range, i) => groups[range.group].push(readNodes(engine, slot(i).meta, slot(i).values, counts[i], k)));
  return groups;
}
