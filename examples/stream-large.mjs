#!/usr/bin/env node
// Streams a table larger than a wasm32 memory (4 GiB) through crossgrad in chunks: the rows
// are generated on the fly, a chunk at a time, and never stored. Pass 1 pools every chunk
// and combines the parts into u, v and F (the bits of one call over the whole table);
// pass 2 regenerates each chunk and takes its rows' dF/dphi, here only to sum its squares.
//   node examples/stream-large.mjs [--rows 20000000] [--k 32] [--chunk 1048576]
// (npm run build first). Not part of the test suite: it generates 4.8 GiB of rows (docs/speed.md
// has the time it took).
import { parseArgs } from "node:util";
import { combinePooled, gradientChunk, init, poolChunk } from "../dist/index.js";

const { values } = parseArgs({
  options: {
    rows: { type: "string", default: "20000000" },
    k: { type: "string", default: "32" },
    chunk: { type: "string", default: "1048576" },
    help: { type: "boolean", short: "h", default: false },
  },
});
if (values.help) {
  console.log(`node examples/stream-large.mjs [--rows 20000000] [--k 32] [--chunk 1048576]
Streams a generated table of 2 x rows rows through crossgrad in chunks of --chunk rows (a multiple
of 256): pooled sums and F, then every chunk's dF/dphi. The default generates 4.8 GiB of rows.
Needs dist/ (npm run build).`);
  process.exit(0);
}
const n = Number(values.rows),
  m = n,
  k = Number(values.k),
  chunkRows = Number(values.chunk);
const shape = { n, m, k };
if (chunkRows % 256 !== 0) throw new RangeError("--chunk must be a multiple of 256 rows");

/** Rows first..first+count-1 of the table, generated from their indices (the same every pass). */
function generate(first, count) {
  const phi = new Float32Array(count * k),
    h = new Uint8Array(count);
  for (let r = 0; r < count; r++) {
    let x = Math.imul(first + r, 0x9e3779b1) >>> 0;
    h[r] = x & 1;
    for (let l = 0; l < k; l++) {
      x = Math.imul(x ^ (x >>> 15), 0x2c1b3c6d) >>> 0;
      phi[r * k + l] = x / 4294967296 - 0.5;
    }
  }
  return { phi, h };
}

/** The chunks: block-aligned in each group, never across the boundary n. */
function* chunks() {
  for (const [first, rows] of [
    [0, n],
    [n, m],
  ]) {
    for (let start = 0; start < rows; start += chunkRows) yield [first + start, Math.min(chunkRows, rows - start)];
  }
}

await init();
const bytes = (n + m) * k * 4;
console.log(
  `a table of ${n + m} rows x ${k} (f32): ${(bytes / 2 ** 30).toFixed(2)} GiB, streamed in chunks of ${chunkRows} rows`,
);

let t = performance.now();
const parts = [];
for (const [start, rows] of chunks()) {
  const { phi, h } = generate(start, rows);
  parts.push(poolChunk(phi, h, shape, start));
}
const pooled = combinePooled(parts);
const pass1 = (performance.now() - t) / 1000;
console.log(
  `pass 1: F = ${pooled.value} (|u| = ${Math.hypot(...pooled.u).toFixed(3)}, |v| = ${Math.hypot(...pooled.v).toFixed(3)}) in ${pass1.toFixed(1)} s`,
);

t = performance.now();
let squares = 0;
for (const [start, rows] of chunks()) {
  const g = gradientChunk(generate(start, rows).h, shape, start, pooled);
  for (let i = 0; i < g.length; i++) squares += g[i] * g[i];
}
console.log(`pass 2: |dF/dphi| = ${Math.sqrt(squares).toFixed(3)} in ${((performance.now() - t) / 1000).toFixed(1)} s`);
console.log(`(most of the time generates the rows; the kernels run at memory speed)`);
