// Small calls (docs/speed.md "Small calls"): at n = m = 2, k = 8 and at 8 x 16 a call is its
// fixed cost (checks, placement, the plan's look-up, the kernel's setup), which decides inner
// loops over small problems. Each build given (default ./dist; a second one to compare, as
// bench/ab.mjs does) and plain JS take turns on the same inputs in one process, each task timed
// in batches of 5,000 calls; the table shows the median ns a call over the batches and the
// fastest batch. "the kernel alone" calls the build's SIMD export directly on its own memory.
//   npm run build && node bench/small.mjs [dist ...]
import { resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { cpus } from "node:os";
import { makeInputs, plainJsValueAndGradient } from "./contenders.js";

const dirs = process.argv.slice(2).length ? process.argv.slice(2) : ["dist"];
const BATCH = 5000;
const BATCHES = 200;
const WARM_UP_BATCHES = 40;

const builds = [];
for (const dir of dirs) {
  const load = (path) => import(pathToFileURL(resolve(dir, path)).href);
  const lib = await load("index.js");
  await lib.init();
  const { instantiate } = await load("wasm/loader.js");
  const { simdWasm } = await load("wasm/generated/simd.js");
  const bytes = Uint8Array.from(atob(simdWasm), (c) => c.charCodeAt(0));
  builds.push({ dir, lib, exports: await instantiate(await WebAssembly.compile(bytes)) });
}

/** The tasks of one size: a function per call kind and build (plain JS once), each running a batch. */
function tasksOf(n, k) {
  const shape = { n, m: n, k };
  const { phi, h } = makeInputs(n, n, k);
  const rows = [];
  let sink = 0;
  builds.forEach(({ lib, exports }, b) => {
    const p = lib.createProblem(shape);
    p.phi.set(phi);
    p.h.set(h);
    const out = new Float32Array(phi.length);
    // the kernel alone: the same inputs laid out by hand in the module's own memory
    exports.memory.grow(1);
    const f32 = new Float32Array(exports.memory.buffer);
    const at = (exports.heapBase() + 63) & ~63;
    const [phiAt, hAt, outAt, scratch] = [0, 1, 2, 3].map((i) => at + i * 4096);
    f32.set(phi, phiAt / 4);
    f32.set(h, hAt / 4);
    const tag = builds.length > 1 ? ` (${b ? "B" : "A"})` : "";
    rows.push(
      [`a Problem's valueAndGradient()${tag}`, () => (sink += p.valueAndGradient().value)],
      [`a Problem's value()${tag}`, () => (sink += p.value())],
      [
        `valueAndGradient(phi, h, shape, { out })${tag}`,
        () => (sink += lib.valueAndGradient(phi, h, shape, { out }).value),
      ],
      [`value(phi, h, shape)${tag}`, () => (sink += lib.value(phi, h, shape))],
      [
        `the kernel alone: valueAndGradient${tag}`,
        () => (sink += exports.valueAndGradientF32(n, n, k, phiAt, hAt, outAt, 1, false, scratch, 0)),
      ],
      [`the kernel alone: value${tag}`, () => (sink += exports.valueF32(n, n, k, phiAt, hAt, scratch, 0))],
      // its fixed part: the same call on groups of no rows
      [
        `the kernel alone, n = m = 0: valueAndGradient${tag}`,
        () => (sink += exports.valueAndGradientF32(0, 0, k, phiAt, hAt, outAt, 1, false, scratch, 0)),
      ],
    );
  });
  const u = new Float64Array(k),
    v = new Float64Array(k),
    out = new Float32Array(phi.length);
  rows.push([
    "plain JS, factored (F and dF/dphi)",
    () => (sink += plainJsValueAndGradient(phi, h, n, n, k, u, v, out)),
  ]);
  return rows.map(([name, call]) => ({
    name,
    run: () => {
      for (let i = 0; i < BATCH; i++) call();
      return sink;
    },
  }));
}

const median = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
const lines = ["| n = m, k | call | median (ns) | fastest batch (ns) |", "|---|---|---:|---:|"];
for (const [n, k] of [
  [2, 8],
  [8, 16],
]) {
  const tasks = tasksOf(n, k);
  for (let w = 0; w < WARM_UP_BATCHES; w++) for (const t of tasks) t.run();
  const times = tasks.map(() => []);
  for (let r = 0; r < BATCHES; r++)
    // a different task first each round, so that no task always follows the same one
    for (let j = 0; j < tasks.length; j++) {
      const i = (r + j) % tasks.length;
      const start = performance.now();
      tasks[i].run();
      times[i].push(((performance.now() - start) * 1e6) / BATCH);
    }
  tasks.forEach((t, i) =>
    lines.push(`| ${n}, ${k} | ${t.name} | ${median(times[i]).toFixed(0)} | ${Math.min(...times[i]).toFixed(0)} |`),
  );
}
const builtAs = builds.length > 1 ? `; A: ${dirs[0]}, B: ${dirs[1]}` : `, ${dirs[0]}`;
console.log(`# Small calls: ${cpus()[0].model.trim()}

Measured ${new Date().toISOString().slice(0, 10)} with Node ${process.version}${builtAs}; reproduce with
\`npm run build && node bench/small.mjs [dist ...]\`. f32, half the gates on; each task runs batches of
${BATCH.toLocaleString("en-US")} calls in turn with the others, ${BATCHES} batches after ${WARM_UP_BATCHES} to warm up.
`);
console.log(lines.join("\n"));
