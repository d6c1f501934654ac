// The one declaration of every export of the wasm module (docs/design.md §9). The build
// (scripts/embed-wasm.mjs) generates from it the AssemblyScript exports, an F32 and an F64
// instance of each generic kernel (assembly/generated/exports.ts), and their TypeScript
// bindings (src/generated/kernels.ts). A kernel is declared here once.
//
// Argument and result types: u32 (a count), ptr (a byte pointer), f64, bool (a JS boolean:
// the JS API of wasm turns it into an i32 0 or 1), T (the precision's float: f32 or f64),
// size (bytes, computed in u64 and returned as f64, exact below 2^53), i32.

/** Generic kernels: each exported as nameF32 and nameF64. `from` is module.function in assembly/. */
export const KERNELS = [
  // whole problems (interaction.ts): group A is rows 0..n-1, B rows n..n+m-1
  [
    "scratchBytes",
    "interaction.scratchBytes",
    "n: u32, m: u32, k: u32",
    "size",
    "Bytes of scratch every whole-problem kernel needs for this shape.",
  ],
  [
    "pooled",
    "interaction.pooled",
    "n: u32, m: u32, k: u32, phi: ptr, h: ptr, u: ptr, v: ptr, scratch: ptr, plan: u32",
    "void",
    "The pooled sums u and v into u and v.",
  ],
  [
    "value",
    "interaction.value",
    "n: u32, m: u32, k: u32, phi: ptr, h: ptr, scratch: ptr, plan: u32",
    "T",
    "F = <u, v>.",
  ],
  [
    "valueAndGradient",
    "interaction.valueAndGradient",
    "n: u32, m: u32, k: u32, phi: ptr, h: ptr, out: ptr, scale: f64, accumulate: bool, scratch: ptr, plan: u32",
    "T",
    "F, and out (+)= scale * dF/dphi.",
  ],
  [
    "gateGradient",
    "interaction.gateGradient",
    "n: u32, m: u32, k: u32, phi: ptr, h: ptr, out: ptr, scratch: ptr, plan: u32",
    "T",
    "F, and out = dF/dh for every row.",
  ],
  // sparse gates: `count` listed rows (u32, increasing), their weights or 0, split = listed rows in A
  [
    "sparseValue",
    "interaction.sparseValue",
    "n: u32, m: u32, k: u32, phi: ptr, count: u32, index: ptr, weight: ptr, split: u32, scratch: ptr",
    "T",
    "F of sparse gates.",
  ],
  [
    "sparsePooled",
    "interaction.sparsePooled",
    "n: u32, m: u32, k: u32, phi: ptr, count: u32, index: ptr, weight: ptr, split: u32, u: ptr, v: ptr, scratch: ptr",
    "void",
    "u and v of sparse gates.",
  ],
  [
    "sparseValueAndGradient",
    "interaction.sparseValueAndGradient",
    "n: u32, m: u32, k: u32, phi: ptr, count: u32, index: ptr, weight: ptr, split: u32, out: ptr, scale: f64, accumulate: bool, dense: bool, scratch: ptr",
    "T",
    "F and the listed rows' scale * dF/dphi, at their own rows (dense) or in list order.",
  ],
  [
    "sparseGateGradient",
    "interaction.sparseGateGradient",
    "n: u32, m: u32, k: u32, phi: ptr, count: u32, index: ptr, weight: ptr, split: u32, out: ptr, scratch: ptr",
    "T",
    "F, and dF/dh at the listed rows, in list order.",
  ],
  // the factorization-machine family (fields.ts, docs/design.md §16): G fields (u32 row counts), P pairs
  // (u32, u32), rho (P float64), row weights w (T, or 0); a result pointer of 0 asks for nothing
  [
    "fieldsScratchBytes",
    "fields.fieldsScratchBytes",
    "G: u32, largest: u32, k: u32",
    "size",
    "Bytes of scratch the field kernels need, the largest field of `largest` rows.",
  ],
  [
    "fieldsDense",
    "fields.fieldsDense",
    "G: u32, counts: ptr, P: u32, pairs: ptr, rho: ptr, k: u32, phi: ptr, h: ptr, w: ptr, w0: f64, out: ptr, scale: f64, accumulate: bool, gateOut: ptr, pairOut: ptr, pooledOut: ptr, scratch: ptr, plan: u32",
    "T",
    "F of G fields; out (+)= scale * dF/dphi, gateOut = dF/dh, pairOut = dF/drho, pooledOut = the u_g.",
  ],
  [
    "fieldsSparse",
    "fields.fieldsSparse",
    "G: u32, counts: ptr, P: u32, pairs: ptr, rho: ptr, k: u32, phi: ptr, count: u32, index: ptr, weight: ptr, w: ptr, w0: f64, out: ptr, scale: f64, accumulate: bool, dense: bool, gateOut: ptr, pairOut: ptr, pooledOut: ptr, scratch: ptr",
    "T",
    "fieldsDense of sparse gates: the listed rows' results, at their own rows (dense) or in list order.",
  ],
  ["fieldRowsScratchBytes", "fields.fieldRowsScratchBytes", "k: u32", "size", "Bytes of scratch fieldRows needs."],
  [
    "fieldRows",
    "fields.fieldRows",
    "rows: u32, k: u32, phi: ptr, h: ptr, w: ptr, c: ptr, self: bool, rho: f64, scale: f64, out: ptr, accumulate: bool, gateOut: ptr, sums: ptr, scratch: ptr, plan: u32",
    "void",
    "A field's rows (or a range of its blocks) once its context c is known: dF/dphi, dF/dh and each block's self and linear sums.",
  ],
  [
    "fieldBatchScratchBytes",
    "fields.fieldBatchScratchBytes",
    "G: u32, largest: u32, P: u32, k: u32",
    "size",
    "Bytes of scratch the field batch kernels need.",
  ],
  [
    "fieldBatchValues",
    "fields.fieldBatchValues",
    "G: u32, counts: ptr, P: u32, pairs: ptr, rho: ptr, k: u32, phi: ptr, sets: u32, indptr: ptr, index: ptr, weight: ptr, w: ptr, w0: f64, values: ptr, scratch: ptr",
    "void",
    "values[b] = F of CSR set b (float64).",
  ],
  [
    "fieldBatchGradient",
    "fields.fieldBatchGradient",
    "G: u32, counts: ptr, P: u32, pairs: ptr, rho: ptr, k: u32, phi: ptr, sets: u32, indptr: ptr, index: ptr, weight: ptr, slopes: ptr, out: ptr, pairGradient: ptr, scratch: ptr",
    "void",
    "out += sum_b slopes[b] dF_b/dphi (every row) and pairGradient += sum_b slopes[b] dF_b/drho (float64).",
  ],
  // batches of gate sets (batch.ts): CSR sets (indptr: sets + 1 entries, splits: one per set) or dense rows
  [
    "batchPooledListed",
    "batch.batchPooledListed",
    "n: u32, m: u32, k: u32, phi: ptr, sets: u32, indptr: ptr, index: ptr, weight: ptr, splits: ptr, u: ptr, v: ptr, values: ptr, scratch: ptr",
    "void",
    "Phase 1 of CSR sets: every set's u, v and F.",
  ],
  [
    "batchPooledDense",
    "batch.batchPooledDense",
    "n: u32, m: u32, k: u32, phi: ptr, sets: u32, h: ptr, u: ptr, v: ptr, values: ptr, scratch: ptr, plan: u32",
    "void",
    "Phase 1 of dense sets.",
  ],
  [
    "batchGradientListed",
    "batch.batchGradientListed",
    "n: u32, m: u32, k: u32, sets: u32, indptr: ptr, index: ptr, weight: ptr, splits: ptr, u: ptr, v: ptr, setWeights: ptr, scale: f64, out: ptr, accumulate: bool, dense: bool, scratch: ptr",
    "void",
    "Phase 2 of CSR sets: out (+)= scale * sum_b setWeights[b] dF_b/dphi.",
  ],
  [
    "batchGradientDense",
    "batch.batchGradientDense",
    "n: u32, m: u32, k: u32, sets: u32, h: ptr, u: ptr, v: ptr, setWeights: ptr, scale: f64, out: ptr, accumulate: bool, scratch: ptr",
    "void",
    "Phase 2 of dense sets.",
  ],
  [
    "gatherSets",
    "batch.gatherSets",
    "count: u32, ids: ptr, indptr: ptr, index: ptr, weight: ptr, splits: ptr, y: ptr, sampleWeight: ptr, outIndptr: ptr, outIndex: ptr, outWeight: ptr, outSplits: ptr, outY: ptr, outSampleWeight: ptr, run: u32",
    "u32",
    "Copies the sets ids[0..count) of a CSR collection, their y and sample weights, into a batch (sets of up to `run` entries as `run`); returns its entries.",
  ],
  // optimizer steps on a list of rows (optimize.ts)
  [
    "sgdRows",
    "optimize.sgdRows",
    "count: u32, list: ptr, k: u32, phi: ptr, grad: ptr, velocity: ptr, lr: f64, mu: f64, nesterov: bool, decay: f64, gradScale: f64",
    "void",
    "SGD (velocity 0: no momentum) on the listed rows, zeroing their gradient.",
  ],
  [
    "adagradRows",
    "optimize.adagradRows",
    "count: u32, list: ptr, k: u32, phi: ptr, grad: ptr, accum: ptr, lr: f64, eps: f64, decay: f64, gradScale: f64",
    "void",
    "Adagrad on the listed rows, zeroing their gradient.",
  ],
  [
    "adamRows",
    "optimize.adamRows",
    "count: u32, list: ptr, k: u32, phi: ptr, grad: ptr, mom: ptr, vel: ptr, lr: f64, b1: f64, b2: f64, eps: f64, c1: f64, c2: f64, decay: f64, gradScale: f64",
    "void",
    "Adam with bias correction on the listed rows, zeroing their gradient.",
  ],
  [
    "gradientNormSquared",
    "optimize.gradientNormSquared",
    "count: u32, list: ptr, k: u32, grad: ptr",
    "f64",
    "The squared norm that clipping bounds.",
  ],
  [
    "firstNonFiniteRow",
    "optimize.firstNonFiniteRow",
    "count: u32, list: ptr, k: u32, phi: ptr",
    "i32",
    "The first listed row (list = 0: rows 0..count-1) holding a NaN or an infinity, as its position, or -1.",
  ],
  ["zeroRows", "optimize.zeroRows", "count: u32, list: ptr, k: u32, a: ptr", "void", "Zeroes the listed rows."],
  [
    "addRowsScaled",
    "optimize.addRowsScaled",
    "count: u32, list: ptr, k: u32, phi: ptr, grad: ptr, coef: ptr",
    "void",
    "grad[list[e]] += coef[e] * phi[list[e]]: a per-row L2 term's gradient.",
  ],
  // ranges of rows (chunked and threaded passes: pool.ts, tree.ts) and rows of a range
  [
    "rangeScratchBytes",
    "pool.rangeScratchBytes",
    "rows: u32, first: u32, k: u32",
    "size",
    "Bytes of scratch poolRange needs.",
  ],
  [
    "poolRange",
    "pool.poolRange",
    "rows: u32, k: u32, phi: ptr, h: ptr, first: u32, meta: ptr, values: ptr, scratch: ptr, plan: u32",
    "u32",
    "The nodes of its group's tree a range of rows completes; returns how many.",
  ],
  [
    "fusedRangeScratchBytes",
    "pool.fusedRangeScratchBytes",
    "rows: u32, first: u32, k: u32",
    "size",
    "Bytes of scratch poolRangeWithGradient needs.",
  ],
  [
    "poolRangeWithGradient",
    "pool.poolRangeWithGradient",
    "rows: u32, k: u32, phi: ptr, h: ptr, first: u32, meta: ptr, values: ptr, w: ptr, scale: f64, out: ptr, scratch: ptr, plan: u32",
    "u32",
    "poolRange, and out[r] = scale * h_r * w for its rows in the same read; returns how many nodes.",
  ],
  [
    "combineScratchBytes",
    "tree.combineScratchBytes",
    "count: u32, k: u32",
    "size",
    "Bytes of scratch combine needs for `count` nodes.",
  ],
  [
    "combine",
    "tree.combine",
    "count: u32, k: u32, meta: ptr, values: ptr, blocks: u32, out: ptr, out64: ptr, scratch: ptr",
    "void",
    "Joins ranges' nodes into a group's pooled sum (out: T, out64: float64).",
  ],
  ["dot64", "interaction.dot64", "k: u32, u64: ptr, v64: ptr", "T", "F from float64 pooled sums, rounded once."],
  ["rowScratchBytes", "gradient.rowScratchBytes", "k: u32", "size", "Bytes of scratch gradientRows needs."],
  [
    "gradientRows",
    "gradient.gradientRows",
    "rows: u32, k: u32, h: ptr, w: ptr, scale: f64, out: ptr, accumulate: bool, scratch: ptr, plan: u32",
    "void",
    "out[r] (+)= scale * h_r * w for rows 0..rows-1.",
  ],
  [
    "rowDots",
    "dots.rowDots",
    "rows: u32, k: u32, phi: ptr, w: ptr, out: ptr",
    "void",
    "out[r] = <phi_r, w> for rows 0..rows-1.",
  ],
  // recommending (recommend.ts)
  [
    "topItems",
    "recommend.topItems",
    "queries: u32, k: u32, q: ptr, items: u32, v: ptr, bias: ptr, excludeIndptr: ptr, excludeIndex: ptr, top: u32, scores: ptr, outIndex: ptr, outScore: ptr",
    "void",
    "Each query's best top items by <V_j, q_b> + bias_j, excluded items skipped, best first.",
  ],
].map(declared);

/** Exports of one instance (no precision). */
export const PLAIN = [
  [
    "distinctRows",
    "optimize.distinctRows",
    "count: u32, index: ptr, marks: ptr, list: ptr",
    "u32",
    "The distinct rows of index[0..count) into list; returns how many.",
  ],
  ["heapBase", "", "", "ptr", "First byte the host may lay out: everything below belongs to the module."],
  ["simdBuild", "", "", "bool", "Whether this is the SIMD build (the scalar build is the same source without v128)."],
].map(declared);

/** Constants the host needs, exported as immutable globals (never copied by hand). */
export const CONSTANTS = [
  [
    "BLOCK_ROWS",
    "common.BLOCK_ROWS",
    "Rows summed in T before the pairwise tree takes over; chunks and tiles align to it.",
  ],
  ["MAX_RANGE_NODES", "pool.MAX_RANGE_NODES", "The most tree nodes poolRange returns for a range of one group."],
  [
    "SMALL_ROWS",
    "pool.SMALL_ROWS",
    "Groups of at most this many rows are pooled row by row whatever the plan: one loop for every variant.",
  ],
  // the loop variants a dense kernel's `plan` names (docs/design.md §6): bits, any combination
  ["PLAN_COMPACT", "common.PLAN_COMPACT", "Pool only the active rows of each block (else every row, masked)."],
  ["PLAN_WIDE_STRIPS", "common.PLAN_WIDE_STRIPS", "Streaming: register strips for rows of up to 128 bytes (else 64)."],
  ["PLAN_MULTI_BLOCK", "common.PLAN_MULTI_BLOCK", "Streaming rows of up to 64 bytes: several blocks at once."],
  ["PLAN_FUSED", "common.PLAN_FUSED", "valueAndGradient: B's gradient rows written inside B's pooling pass."],
  ["PLAN_FILL_FIRST", "common.PLAN_FILL_FIRST", "Gradient blocks of binary gates: memory.fill, then the active rows."],
  [
    "PLAN_TOUCH_AHEAD",
    "common.PLAN_TOUCH_AHEAD",
    "Gradient rows: each block's lines read a block ahead of its stores.",
  ],
].map(([name, from, doc]) => ({ name, from, doc }));

/** An export from its row: [name, from, "arg: type, ...", result type, doc]. */
function declared([name, from, args, result, doc]) {
  return { name, from, args: parseArgs(args), result, doc };
}

function parseArgs(text) {
  return text
    ? text.split(",").map((arg) => {
        const [name, type] = arg.split(":").map((s) => s.trim());
        return { name, type };
      })
    : [];
}
