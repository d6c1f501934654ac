// Runs the benchmark suite in Node and writes bench/results/node.{json,md,svg}.
//   npm run bench            every size (minutes)
//   npm run bench -- --quick a few small sizes (seconds; what CI runs, without timing checks)
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { cpus, totalmem } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { createRequire } from "node:module";
import * as tf from "@tensorflow/tfjs";
import { setWasmPaths } from "@tensorflow/tfjs-backend-wasm";
import { init, info } from "../dist/index.js";
import { markdown, svgChart } from "./report.js";
import { runSuite } from "./suite.js";
import { trainingBenchmark } from "./training.js";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const quick = process.argv.includes("--quick");
// --render: rewrite the report from the last results, without measuring
const render = process.argv.includes("--render");

if (render) {
  const name = quick ? "node-quick" : "node";
  const results = JSON.parse(readFileSync(join(root, "bench", "results", `${name}.json`), "utf8"));
  writeReport(results, name);
  process.exit(0);
}

await init();
const require = createRequire(import.meta.url);
setWasmPaths(dirname(require.resolve("@tensorflow/tfjs-backend-wasm/package.json")) + "/dist/");
await tf.setBackend("wasm");

const started = new Date();
const results = await runSuite({
  tf,
  tfBackends: ["wasm", "cpu"],
  loadBytes: async (path) => readFileSync(join(root, path)),
  quick,
  log: (line) => console.error(line),
});
results.training = await trainingBenchmark({ tf, backend: "wasm", quick, log: (line) => console.error(line) });
results.date = started.toISOString().slice(0, 10);
results.machine = `${cpus()[0].model.trim()}, ${cpus().length} cores, ${Math.round(totalmem() / 2 ** 30)} GiB`;
results.runtime = `Node ${process.version} (V8 ${process.versions.v8}), crossgrad ${info().simd ? "SIMD" : "scalar"} build, TensorFlow.js ${tf.version.tfjs}`;
results.quick = quick;

writeReport(results, quick ? "node-quick" : "node");

/** bench/results/<name>.{json,md,svg} */
function writeReport(results, name) {
  const dir = join(root, "bench", "results");
  mkdirSync(dir, { recursive: true });
  const command = results.quick ? "npm run bench -- --quick" : "npm run bench";
  const report = markdown(results, { title: "crossgrad benchmark: Node", command });
  writeFileSync(join(dir, `${name}.json`), JSON.stringify(results, null, 2) + "\n");
  writeFileSync(join(dir, `${name}.md`), report + "\n");
  const title = `crossgrad vs the alternatives, F + dF/dphi (${results.runtime.split(",")[0]})`;
  if (!results.quick) writeFileSync(join(dir, `${name}.svg`), svgChart(results, { title }) + "\n");
  console.log(report);
}
