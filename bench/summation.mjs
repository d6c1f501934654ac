// How to sum f32 pooled sums (docs/design.md §5): crossgrad's blocked-pairwise f32 against one
// sequential f32 accumulator per column and against float64 accumulation, for accuracy at
// 4,194,304 rows per group and for speed. Run: npm run bench:summation
import { readFileSync } from "node:fs";
import { createProblem, init } from "../dist/index.js";
import { generator } from "../dist/reference.js";
import { referencePooled } from "../dist/reference.js";

await init();
const alternatives = (
  await WebAssembly.instantiate(readFileSync(new URL("../build/bench/summation.wasm", import.meta.url)))
).instance.exports;

/** Median milliseconds of `reps` runs after two warm-up runs. */
function median(fn, reps) {
  fn();
  fn();
  const times = [];
  for (let i = 0; i < reps; i++) {
    const t = performance.now();
    fn();
    times.push(performance.now() - t);
  }
  return times.sort((a, b) => a - b)[reps >> 1];
}

const random = generator(7);

const rows = [];
for (const [n, k] of [
  [4_194_304, 4],
  [524_288, 32],
  [65_536, 64],
]) {
  // group A only (m = 0): u is the pooled sum under test
  const p = createProblem({ n, m: 0, k });
  const phi = p.phi;
  for (let i = 0; i < phi.length; i++) phi[i] = random();
  const h = p.h;
  for (let r = 0; r < n; r++) h[r] = random() < 0.5 ? 1 : 0;
  const exact = referencePooled(phi, h, { n, m: 0, k }).u; // all terms >= 0: also the sum of |terms|

  // the alternatives run in their own module, on a copy of the same data
  const memory = alternatives.memory;
  const need = (n * k + n + 3 * k) * 4 + 1024;
  if (memory.buffer.byteLength < need) memory.grow(Math.ceil((need - memory.buffer.byteLength) / 65536));
  const phiAt = 1024,
    hAt = phiAt + n * k * 4,
    outAt = hAt + n * 4,
    sumsAt = outAt + k * 4;
  new Float32Array(memory.buffer, phiAt, n * k).set(p.phi);
  new Float32Array(memory.buffer, hAt, n).set(p.h);
  const out = () => new Float32Array(memory.buffer, outAt, k);
  const worst = (u) => Math.max(...Array.from(u, (x, l) => Math.abs(x - exact[l]) / exact[l]));

  const reps = Math.max(5, Math.round(2e8 / (n * k)));
  const results = {
    "blocked pairwise f32 (crossgrad)": { ms: median(() => p.value(), reps), error: worst(p.pooled().u) },
  };
  for (const [name, fn] of [
    ["sequential f32", alternatives.sequentialF32],
    ["float64 accumulation", alternatives.float64Accumulation],
  ]) {
    const ms = median(() => fn(n, k, phiAt, hAt, outAt, sumsAt), reps);
    results[name] = { ms, error: worst(out()) };
  }
  p.dispose();
  for (const [name, r] of Object.entries(results)) rows.push({ n, k, name, ...r });
}

console.log("| rows | k | summation | time (ms) | worst error / sum of terms |");
console.log("|---:|---:|---|---:|---:|");
for (const r of rows) console.log(`| ${r.n} | ${r.k} | ${r.name} | ${r.ms.toFixed(2)} | ${r.error.toExponential(2)} |`);
