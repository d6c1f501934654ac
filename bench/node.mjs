// Runs the benchmark suite in Node (or Deno or Bun: the same script) and writes
// bench/results/<name>.{json,md,svg}.
//   npm run bench                    every size (minutes)
//   npm run bench -- --quick         a few small sizes (seconds; what CI runs, without timing checks)
//   --sizes 4096x64,65536x64         these sizes only (n = m rows per group, x k)
//   --no-training                    skip the training benchmark
//   --name NAME                      write bench/results/NAME.* (default node, or node-quick)
//   --render                         rewrite the report from the last results, without measuring
//   --plan                           print the pooling loop the planner picks at each size, and
//                                    the time of each loop (docs/design.md §6), into
//                                    bench/results/<cpu>/plan.md; measures nothing else
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { cpus, totalmem } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { createRequire } from "node:module";
import { parseArgs } from "node:util";
import * as tf from "@tensorflow/tfjs";
import { setWasmPaths } from "@tensorflow/tfjs-backend-wasm";
import { createProblem, info, init, planEntries } from "../dist/index.js";
import { cpuSlug, markdown, svgChart } from "./report.js";
import { makeInputs } from "./contenders.js";
import { parseSizes, QUICK_SIZES, runSuite, SIZES } from "./suite.js";
import { trainingBenchmark } from "./training.js";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const { values } = parseArgs({
  options: {
    quick: { type: "boolean", default: false },
    render: { type: "boolean", default: false },
    sizes: { type: "string" },
    "no-training": { type: "boolean", default: false },
    name: { type: "string" },
    plan: { type: "boolean", default: false },
  },
});
const quick = values.quick;
const sizes = values.sizes === undefined ? undefined : parseSizes(values.sizes);
const name = values.name ?? (quick ? "node-quick" : "node");
if (!/^([\w.-]+\/)?[\w.-]+$/.test(name))
  throw new Error(`--name: "${name}" must be letters, digits, "." "_" or "-", with at most one directory`);

if (values.render) {
  const results = JSON.parse(readFileSync(join(root, "bench", "results", `${name}.json`), "utf8"));
  writeReport(results, name);
  process.exit(0);
}

await init();
if (values.plan) {
  printPlan(sizes ?? (quick ? QUICK_SIZES : SIZES));
  process.exit(0);
}
const require = createRequire(import.meta.url);
setWasmPaths(dirname(require.resolve("@tensorflow/tfjs-backend-wasm/package.json")) + "/dist/");
await tf.setBackend("wasm");

const started = new Date();
const results = await runSuite({
  tf,
  tfBackends: ["wasm", "cpu"],
  loadBytes: async (path) => readFileSync(join(root, path)),
  quick,
  sizes,
  log: (line) => console.error(line),
});
if (!values["no-training"])
  results.training = await trainingBenchmark({ tf, backend: "wasm", quick, log: (line) => console.error(line) });
results.date = started.toISOString().slice(0, 10);
results.machine = `${cpus()[0].model.trim()}, ${cpus().length} cores, ${Math.round(totalmem() / 2 ** 30)} GiB`;
results.runtime = `${runtimeName()}, crossgrad ${info().simd ? "SIMD" : "scalar"} build, TensorFlow.js ${tf.version.tfjs}`;
results.quick = quick;
const args = process.argv.slice(2);
results.command = `npm run bench${args.length ? ` -- ${args.join(" ")}` : ""}`;

writeReport(results, name);

/** This runtime and its engine: Node and Deno run V8, Bun JavaScriptCore. */
function runtimeName() {
  const g = globalThis;
  if (g.Deno) return `Deno ${g.Deno.version.deno} (V8 ${g.Deno.version.v8})`;
  if (g.Bun) return `Bun ${g.Bun.version} (JavaScriptCore)`;
  return `Node ${process.version} (V8 ${process.versions.v8})`;
}

/** bench/results/<name>.{json,md,svg} */
function writeReport(results, name) {
  const dir = join(root, "bench", "results");
  mkdirSync(dirname(join(dir, name)), { recursive: true });
  const command = results.command ?? (results.quick ? "npm run bench -- --quick" : "npm run bench");
  const report = markdown(results, { title: `crossgrad benchmark: ${results.runtime.split(" (")[0]}`, command });
  writeFileSync(join(dir, `${name}.json`), JSON.stringify(results, null, 2) + "\n");
  writeFileSync(join(dir, `${name}.md`), report + "\n");
  const title = `crossgrad vs the alternatives, F + dF/dphi (${results.runtime.split(",")[0]})`;
  // a chart needs the whole range of sizes
  if (!results.quick && results.sizes.length > 2)
    writeFileSync(join(dir, `${name}.svg`), svgChart(results, { title }) + "\n");
  console.log(report);
}

/** The planner's choice at each size on this machine, from a Problem's first call, and why. */
function printPlan(chosen) {
  const lines = [
    `# The planner's pooling loops: ${cpus()[0].model.trim()}`,
    "",
    `Measured ${new Date().toISOString().slice(0, 10)} with ${runtimeName()}; reproduce with \`npm run bench -- --plan\`.`,
    "ms: the minimum of each loop's timed runs of F on a Problem's first call (docs/design.md §6).",
    "",
    "| n = m, k | size class | compacted (ms) | streaming (ms) | runs of each | chosen |",
    "|---|---|---:|---:|---:|---|",
  ];
  for (const { n, k } of chosen) {
    const { phi, h } = makeInputs(n, n, k);
    const p = createProblem({ n, m: n, k });
    p.phi.set(phi);
    p.h.set(h);
    const seen = new Set(planEntries().map((e) => e.sizeClass));
    p.value();
    p.dispose();
    const entry = planEntries().find((e) => !seen.has(e.sizeClass));
    if (!entry) {
      lines.push(`| ${n}, ${k} | (a class measured above) | | | | |`);
      continue;
    }
    const { compacted, streaming } = entry.ms;
    lines.push(
      `| ${n}, ${k} | ${entry.sizeClass} | ${compacted.toFixed(4)} | ${streaming.toFixed(4)} | ${entry.runs} | ${entry.loop} |`,
    );
  }
  // each machine keeps its own table (bench/results/<cpu>/)
  const dir = join(root, "bench", "results", cpuSlug(cpus()[0].model.trim()));
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, `plan${quick ? "-quick" : ""}.md`), lines.join("\n") + "\n");
  console.log(lines.join("\n"));
}
