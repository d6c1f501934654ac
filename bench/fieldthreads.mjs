// The factorization-machine family on a thread pool against one thread, side by side in one
// process (docs/design.md §16): G = 4 fields of 250,000 rows, all 10 pairs (self pairs included),
// k = 32, f32, half the gates on; F + every gradient (gradients()) and F alone (value()). Two
// pools (1 thread and the host's threads) and a FieldProblem on the calling thread run the same
// inputs, interleaved; the minimum of the rounds is each one's time, so the machine's noise falls
// on all of them.
//   node bench/fieldthreads.mjs [rounds]
import { cpus } from "node:os";
import { createThreadPool, init } from "../dist/index.js";
import { createFieldProblem, createThreadedFieldProblem } from "../dist/fields.js";

const rounds = Number(process.argv[2] ?? 15);
await init();
const fields = [250_000, 250_000, 250_000, 250_000];
const pairs = [];
for (let a = 0; a < 4; a++) for (let b = a; b < 4; b++) pairs.push([a, b]);
const shape = { fields, k: 32, pairs };
const rows = fields.reduce((a, b) => a + b, 0);

// deterministic inputs: phi uniform on [-1, 1), half the gates on
let state = 12345;
const next = () => (state = (Math.imul(state, 1664525) + 1013904223) >>> 0) / 2 ** 32;
const phi = Float32Array.from({ length: rows * shape.k }, () => 2 * next() - 1);
const h = Float32Array.from({ length: rows }, () => +(next() < 0.5));
const w = Float32Array.from({ length: rows }, () => next());
const rho = Float64Array.from(pairs, () => next());

const threads = Math.max(2, cpus().length);
const pools = [await createThreadPool({ threads: 1 }), await createThreadPool({ threads })];
const fill = (p) => {
  p.phi.set(phi);
  p.h.set(h);
  p.w.set(w);
  p.rho.set(rho);
  p.w0 = 0.5;
  return p;
};
const contenders = [
  { name: "FieldProblem (calling thread)", p: fill(createFieldProblem(shape)) },
  { name: "ThreadPool, 1 thread", p: fill(createThreadedFieldProblem(pools[0], shape)) },
  { name: `ThreadPool, ${threads} threads`, p: fill(createThreadedFieldProblem(pools[1], shape)) },
];
const best = { gradients: contenders.map(() => Infinity), value: contenders.map(() => Infinity) };
const values = new Set();
for (let round = 0; round < rounds; round++) {
  for (const [i, { p }] of contenders.entries()) {
    for (const method of ["gradients", "value"]) {
      const start = performance.now();
      const r = await p[method]();
      best[method][i] = Math.min(best[method][i], performance.now() - start);
      values.add(typeof r === "number" ? r : r.value);
    }
  }
}
if (values.size !== 1) throw new Error(`the contenders disagree: ${[...values].join(", ")}`);

console.log(`CPU: ${cpus()[0]?.model ?? "unknown"} (${cpus().length} threads), Node ${process.version}`);
console.log(`G = 4, 10 pairs, 4 x 250,000 rows, k = 32, f32, half the gates on; minimum of ${rounds} rounds\n`);
console.log("| call | contender | ms | vs 1 thread |");
console.log("|---|---|---:|---:|");
for (const method of ["gradients", "value"]) {
  for (const [i, { name }] of contenders.entries()) {
    const ratio = best[method][1] / best[method][i];
    console.log(`| ${method}() | ${name} | ${best[method][i].toFixed(2)} | ${ratio.toFixed(2)}x |`);
  }
}
for (const { p } of contenders) p.dispose();
for (const pool of pools) await pool.terminate();
