// What a thread pool gains, against what threads give the rooflines on this machine: a Problem's
// F and F + dF/dphi on the calling thread, a pool's on 1 and 2 workers, and a read, a copy and a
// v128 fill of phi's bytes split across 1 and 2 workers (bench/parallelcopy.js), side by side in
// one process: medians of interleaved rounds, after every planner has settled (150 calls). f32,
// every gate on. The report's check (the pool's speedup over the copy's, >= 1x) in its last
// columns. Without sizes given, the table also goes to bench/results/<cpu>/threads.md.
//   node bench/threads.mjs [--rounds 40] [65536x64,500000x32]
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { cpus } from "node:os";
import { parseArgs } from "node:util";
import { createProblem, createThreadPool, init } from "../dist/index.js";
import { parallelCopier } from "./parallelcopy.js";
import { timeInterleaved } from "./interleave.js";
import { cpuSlug } from "./report.js";
import { parseSizes } from "./suite.js";

const { values, positionals } = parseArgs({
  options: { rounds: { type: "string", default: "40" } },
  allowPositionals: true,
});
const sizes = parseSizes(positionals[0] ?? "65536x64,500000x32").map(({ n, k }) => [n, k]);
const rounds = Number(values.rounds);
// a round count that is not one would time nothing, or rounds until timeInterleaved's time cap
if (!(Number.isInteger(rounds) && rounds >= 1))
  throw new Error(`--rounds: "${values.rounds}" is not a whole number >= 1`);
await init();

const lines = [
  `| n = m, k | pool F + dF/dphi, 1 -> 2 workers | pool F | read | copy | fill | pool F + dF/dphi / copy (speedups) | pool F / copy | 2 workers / calling thread: F + dF/dphi, F |`,
  `|---|---:|---:|---:|---:|---:|---:|---:|---:|`,
];
for (const [n, k] of sizes) {
  const rows = 2 * n;
  const phi = Float32Array.from({ length: rows * k }, (_, i) => Math.sin(i));
  const problemOn = (make) => {
    const p = make({ n, m: n, k });
    p.phi.set(phi);
    p.h.fill(1);
    return p;
  };
  const calling = problemOn(createProblem);
  const pools = [await createThreadPool({ threads: 1 }), await createThreadPool({ threads: 2 })];
  const pooled = pools.map((pool) => problemOn((shape) => pool.createProblem(shape)));
  const copiers = [];
  for (const threads of [1, 2]) {
    const copier = await parallelCopier({
      threads,
      bytes: phi.byteLength,
      moduleBytes: readFileSync(new URL("../build/bench/roofline.shared.wasm", import.meta.url)),
      workerUrl: new URL("../dist/worker.js", import.meta.url),
    });
    // written, as phi is: pages never written all read as the one zero page, from cache
    new Float32Array(copier.memory.buffer, copier.src, phi.length).set(phi);
    copiers.push(copier);
  }
  const tasks = {
    "calling F + dF/dphi": async () => calling.valueAndGradient(),
    "calling F": async () => calling.value(),
    ...Object.fromEntries(
      [1, 2].flatMap((threads, i) => [
        [`pool F + dF/dphi ${threads}`, () => pooled[i].valueAndGradient()],
        [`pool F ${threads}`, () => pooled[i].value()],
        ...["read", "copy", "fill"].map((op) => [`${op} ${threads}`, () => copiers[i][op]()]),
      ]),
    ),
  };
  const timed = await timeInterleaved(tasks, { warmup: 150, calls: 3, minRounds: rounds });
  const t = Object.fromEntries(Object.entries(timed).map(([name, { ms }]) => [name, ms]));
  const gain = (name) => t[`${name} 1`] / t[`${name} 2`];
  const x = (r) => `${r.toFixed(2)}x`;
  lines.push(
    `| ${n}, ${k} | ${x(gain("pool F + dF/dphi"))} | ${x(gain("pool F"))} | ${x(gain("read"))} | ${x(gain("copy"))} | ` +
      `${x(gain("fill"))} | ${x(gain("pool F + dF/dphi") / gain("copy"))} | ${x(gain("pool F") / gain("copy"))} | ` +
      `${x(t["calling F + dF/dphi"] / t["pool F + dF/dphi 2"])}, ${x(t["calling F"] / t["pool F 2"])} |`,
  );
  console.error(
    `${n} x ${k}: ` +
      Object.entries(t)
        .map(([name, ms]) => `${name} ${ms.toFixed(3)} ms`)
        .join(", "),
  );
  for (const copier of copiers) await copier.terminate();
  for (const pool of pools) await pool.terminate();
  calling.dispose();
}
const cpu = cpus()[0].model.trim();
const table = [
  `Speedups of 2 workers over 1 (medians of ${rounds} interleaved rounds), ${cpu}, ${cpus().length} cores, ` +
    `Node ${process.versions.node}, ${new Date().toISOString().slice(0, 10)}: \`node bench/threads.mjs\``,
  "",
  ...lines,
].join("\n");
console.log(table);
if (positionals.length === 0) {
  const dir = new URL(`./results/${cpuSlug(cpu)}/`, import.meta.url);
  mkdirSync(dir, { recursive: true });
  writeFileSync(new URL("threads.md", dir), table + "\n");
}
