// The host's side of the pairwise tree (docs/design.md §4): the nodes a range pass completes,
// read out of wasm memory, and their combination into each group's pooled sum and F. Chunks
// (combinePooled) and thread pools (their tiles) both go through here.

import { BLOCK_ROWS, type Engine, type PrecisionKernels } from "../wasm/loader.js";
import { arenaParts } from "../wasm/layout.js";
import { copyOf } from "../wasm/memory.js";
import type { FloatArray } from "../util/types.js";

/** The tree nodes a range of rows completed in one group: their first block, level and k float64 sums. */
export interface PooledNodes {
  readonly blocks: Uint32Array;
  readonly levels: Uint32Array;
  readonly sums: Float64Array;
}

/** A group's nodes where a range has no rows of it. */
export const noNodes = (): PooledNodes => ({
  blocks: new Uint32Array(0),
  levels: new Uint32Array(0),
  sums: new Float64Array(0),
});

/** The `count` nodes poolRange wrote (metadata: start block and level pairs; k float64 values each), copied out. */
export function readNodes(engine: Engine, meta: number, values: number, count: number, k: number): PooledNodes {
  const pairs = engine.memory.view(Uint32Array, meta, 2 * count);
  return {
    blocks: Uint32Array.from({ length: count }, (_, i) => pairs[2 * i]),
    levels: Uint32Array.from({ length: count }, (_, i) => pairs[2 * i + 1]),
    sums: copyOf(engine.memory.view(Float64Array, values, count * k)),
  };
}

/** A group's `count` nodes (its ranges' in row order) where combine reads them: metadata at `at.meta`, sums at `at.sums`. */
export function writeNodes(
  engine: Engine,
  group: readonly PooledNodes[],
  count: number,
  k: number,
  at: { readonly meta: number; readonly sums: number },
): void {
  const meta = engine.memory.view(Uint32Array, at.meta, 2 * count);
  const sums = engine.memory.view(Float64Array, at.sums, count * k);
  let i = 0;
  for (const nodes of group) {
    sums.set(nodes.sums, i * k);
    for (let j = 0; j < nodes.blocks.length; j++, i++) {
      meta[2 * i] = nodes.blocks[j];
      meta[2 * i + 1] = nodes.levels[j];
    }
  }
}

/**
 * Joins each group's nodes (its ranges in row order) into the group's pooled sum, and F from
 * them: the bits of one pass over groups of `rows[0]` and `rows[1]` rows.
 */
export function combineNodes(
  engine: Engine,
  K: PrecisionKernels,
  k: number,
  groups: readonly [readonly PooledNodes[], readonly PooledNodes[]],
  rows: readonly [number, number],
  caller: string,
  what: string,
): { u: FloatArray; v: FloatArray; value: number } {
  const counts = groups.map((group) => group.reduce((sum, nodes) => sum + nodes.blocks.length, 0));
  const most = Math.max(...counts);
  const memory = engine.memory;
  const at = arenaParts(
    memory,
    {
      u: k * K.bytesPerElement,
      v: k * K.bytesPerElement,
      u64: 8 * k,
      v64: 8 * k,
      meta: 8 * most,
      sums: 8 * k * most,
      scratch: K.combineScratchBytes({ count: most, k }),
    },
    caller,
    what,
  );
  groups.forEach((group, g) => {
    writeNodes(engine, group, counts[g], k, at);
    const blocks = Math.ceil(rows[g] / BLOCK_ROWS);
    K.combine({
      count: counts[g],
      k,
      meta: at.meta,
      values: at.sums,
      blocks,
      out: g === 0 ? at.u : at.v,
      out64: g === 0 ? at.u64 : at.v64,
      scratch: at.scratch,
    });
  });
  const value = K.dot64({ k, u64: at.u64, v64: at.v64 });
  return { u: copyOf(memory.view(K.ArrayType, at.u, k)), v: copyOf(memory.view(K.ArrayType, at.v, k)), value };
}
