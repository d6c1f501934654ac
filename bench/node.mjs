// Runs the benchmark suite in Node (or Deno or Bun: the same script) and writes
// bench/results/<name>.{json,md,svg}: by default <cpu>/suite-node, so each machine keeps its own.
//   npm run bench                    every size (minutes)
//   npm run bench -- --quick         a few small sizes (seconds; what CI runs, without timing checks)
//   --sizes 4096x64,65536x64         these sizes only (n = m rows per group, x k)
//   --no-training                    skip the training benchmarks (fit against TensorFlow.js, the recipes)
//   --name NAME                      write bench/results/NAME.* (default <cpu>/suite-node, or -quick)
//   --render                         rewrite the report from the last results, without measuring
//   --plan                           print the variant the planner picks for each kernel at each
//                                    size, and the time of every variant (docs/design.md §6), into
//                                    bench/results/<cpu>/plan.md; measures nothing else
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { cpus, totalmem } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { createRequire } from "node:module";
import { parseArgs } from "node:util";
import * as tf from "@tensorflow/tfjs";
import { setWasmPaths } from "@tensorflow/tfjs-backend-wasm";
import { info, init } from "../dist/index.js";
import { cpuSlug, markdown, svgChart } from "./report.js";
import { makeInputs, settlePlans } from "./contenders.js";
import { parseSizes, QUICK_SIZES, runSuite, SIZES } from "./suite.js";
import { recipesBenchmark } from "./recipes.js";
import { recommendingBenchmark } from "./recommending.js";
import { trainingBenchmark } from "./training.js";
import { fieldsBenchmark } from "./fields.js";

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
const name = values.name ?? `${cpuSlug(cpus()[0].model.trim())}/suite-node${quick ? "-quick" : ""}`;
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
// the FM family's rows have sizes of their own: not when the run asks for some sizes (bench:engines)
if (sizes === undefined) results.fields = fieldsBenchmark({ quick, log: (line) => console.error(line) });
if (!values["no-training"]) {
  results.training = await trainingBenchmark({ tf, backend: "wasm", quick, log: (line) => console.error(line) });
  results.recipes = recipesBenchmark({ quick, log: (line) => console.error(line) });
  results.recommending = await recommendingBenchmark({ quick, log: (line) => console.error(line) });
}
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

/**
 * The planner's choices at each size on this machine, and why: a Problem's calls of each kernel
 * until its class settles, then every variant's minimum time (docs/design.md §6).
 */
function printPlan(chosen) {
  const lines = [
    `# The planner's choices: ${cpus()[0].model.trim()}`,
    "",
    `Measured ${new Date().toISOString().slice(0, 10)} with ${runtimeName()}; reproduce with \`npm run bench -- --plan\`.`,
    "Each kernel of each size class is planned apart: a Problem's first calls run the variants in turn,",
    "each timed on its inputs (f32, phi uniform on [-1, 1), half the gates on), until every variant has",
    "run 3 times and 20 ms are spent, or 25 times. ms: each variant's minimum; the chosen one in bold.",
    "",
    "| n = m, k | size class | kernel | chosen | every variant: minimum ms (runs) |",
    "|---|---|---|---|---|",
  ];
  for (const { n, k } of chosen) {
    for (const entry of settlePlans(makeInputs(n, n, k))) {
      const times = Object.entries(entry.timings ?? {})
        .map(([variant, t]) => {
          const text = `${variant} ${t.ms.toPrecision(3)} (${t.runs})`;
          return variant === entry.variant ? `**${text}**` : text;
        })
        .join(", ");
      lines.push(
        `| ${n}, ${k} | ${entry.sizeClass} | ${entry.job} | ${entry.variant} | ${times || "(settled before)"} |`,
      );
    }
  }
  // each machine keeps its own table (bench/results/<cpu>/)
  const dir = join(root, "bench", "results", cpuSlug(cpus()[0].model.trim()));
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, `plan${quick ? "-quick" : ""}.md`), lines.join("\n") + "\n");
  console.log(lines.join("\n"));
}
