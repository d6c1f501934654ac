// Runs the benchmark suite in the page (Chromium: npm run bench:browser) and leaves the
// results on window.benchResults for the driver to collect.
/* global tf */
import { info, init } from "../../dist/index.js";
import { svgChart } from "../report.js";
import { runSuite } from "../suite.js";
import { trainingBenchmark } from "../training.js";

const quick = new URLSearchParams(location.search).has("quick");
const logElement = document.getElementById("log");
const log = (line) => {
  logElement.textContent += line + "\n";
  console.log(line);
};

try {
  await init();
  tf.wasm.setWasmPaths("/node_modules/@tensorflow/tfjs-backend-wasm/dist/");
  await tf.setBackend("wasm");
  const started = new Date();
  const results = await runSuite({
    tf,
    tfBackends: ["wasm", "cpu"],
    loadBytes: async (path) => new Uint8Array(await (await fetch("/" + path)).arrayBuffer()),
    quick,
    log,
  });
  results.training = await trainingBenchmark({ tf, backend: "wasm", quick, log });
  results.date = started.toISOString().slice(0, 10);
  results.machine = `${navigator.hardwareConcurrency} hardware threads (navigator.hardwareConcurrency)`;
  const chrome = navigator.userAgent.match(/(?:HeadlessChrome|Chrome)\/[\d.]+/)?.[0] ?? navigator.userAgent;
  results.runtime = `${chrome}, crossgrad ${info().simd ? "SIMD" : "scalar"} build, TensorFlow.js ${tf.version.tfjs}`;
  results.quick = quick;
  if (!quick)
    document.getElementById("chart").innerHTML = svgChart(results, {
      title: `crossgrad vs the alternatives (${chrome})`,
    });
  window.benchResults = results;
} catch (error) {
  log(`failed: ${error?.stack ?? error}`);
  window.benchError = String(error?.stack ?? error);
}
