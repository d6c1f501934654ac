// Runs the benchmark suite in the page (npm run bench:browser -- ENGINE) and leaves the results
// on window.benchResults for the driver to collect. Query: quick, sizes=4096x64,..., training=no.
/* global tf */
import { info, init } from "../../dist/index.js";
import { svgChart } from "../report.js";
import { parseSizes, runSuite } from "../suite.js";
import { trainingBenchmark } from "../training.js";

const query = new URLSearchParams(location.search);
const quick = query.has("quick");
const logElement = document.getElementById("log");
const log = (line) => {
  logElement.textContent += line + "\n";
  console.log(line);
};

try {
  await init();
  tf.wasm.setWasmPaths("/node_modules/@tensorflow/tfjs-backend-wasm/dist/");
  await tf.setBackend("wasm");
  const sizes = query.has("sizes") ? parseSizes(query.get("sizes")) : undefined;
  const started = new Date();
  const results = await runSuite({
    tf,
    tfBackends: ["wasm", "cpu"],
    loadBytes: async (path) => new Uint8Array(await (await fetch("/" + path)).arrayBuffer()),
    quick,
    sizes,
    log,
  });
  if (query.get("training") !== "no") results.training = await trainingBenchmark({ tf, backend: "wasm", quick, log });
  results.date = started.toISOString().slice(0, 10);
  results.machine = `${navigator.hardwareConcurrency} hardware threads (navigator.hardwareConcurrency)`;
  const browser = browserName(navigator.userAgent);
  results.runtime = `${browser}, crossgrad ${info().simd ? "SIMD" : "scalar"} build, TensorFlow.js ${tf.version.tfjs}`;
  results.quick = quick;
  if (!quick)
    document.getElementById("chart").innerHTML = svgChart(results, {
      title: `crossgrad vs the alternatives (${browser})`,
    });
  window.benchResults = results;
} catch (error) {
  log(`failed: ${error?.stack ?? error}`);
  window.benchError = String(error?.stack ?? error);
}

/** "Chrome 156.0...", "Firefox 153.0", "Safari 605.1.15" (WebKit): the engine, from a user agent. */
function browserName(agent) {
  const match = /(Firefox|Chrome)\/([\d.]+)/.exec(agent) ?? /(Safari)\/([\d.]+)/.exec(agent);
  return match ? `${match[1]} ${match[2]}` : agent;
}
