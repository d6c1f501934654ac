// The browser demo: plain ESM importing the built package (no bundler). Inputs are checked by
// the rules the CLI uses (examples/options.js) with messages on the page; the benchmark and the
// training run in Web Workers, so the page stays responsive.
import { gateGradient, info, init, valueAndGradient } from "../../dist/index.js";
import { referenceGradient, referenceValue } from "../../dist/reference.js";
import { makeInputs } from "../../bench/contenders.js";
import { sizeTables, svgChart } from "../../bench/report.js";
import { lossCurveSvg } from "../loss-curve.js";
import { checkShape, InputError, wholeNumber } from "../options.js";
import { medianTime } from "../timing.js";

const $ = (id) => document.getElementById(id);
const norm = (a) => Math.sqrt(a.reduce((s, x) => s + x * x, 0));

await init();
$("build").value =
  `${info().simd ? "SIMD" : "scalar"} build${self.crossOriginIsolated ? ", cross-origin isolated" : ""}`;

/**
 * Reads whole-number fields by the examples' rules. On a bad one: its message in `error`, the
 * field marked invalid and focused, the `stale` results cleared, and null returned.
 */
function readFields(names, error, stale, check = () => {}) {
  for (const name of names) $(name).removeAttribute("aria-invalid");
  try {
    const values = Object.fromEntries(names.map((name) => [name, wholeNumber(name, $(name).value.trim())]));
    check(values);
    $(error).textContent = "";
    return values;
  } catch (e) {
    if (!(e instanceof InputError)) throw e;
    $(error).textContent = e.message;
    $(e.input)?.setAttribute("aria-invalid", "true");
    $(e.input)?.focus();
    stale();
    return null;
  }
}

const clearCompute = () => {
  for (const output of $("compute-results").querySelectorAll("output")) output.value = "";
};

$("compute").addEventListener("click", () => {
  const fields = readFields(["n", "m", "k", "seed"], "compute-error", clearCompute, checkShape);
  if (!fields) return;
  const { n, m, k, seed } = fields;
  const shape = { n, m, k };
  const inputs = makeInputs(n, m, k, 0.5, seed);
  const phi = $("precision").value === "f64" ? Float64Array.from(inputs.phi) : inputs.phi;
  const out = new phi.constructor(phi.length);
  const { value } = valueAndGradient(phi, inputs.h, shape, { out });
  $("F").value = String(value);
  $("F-reference").value = String(referenceValue(phi, inputs.h, shape));
  $("gradient-norm").value = norm(out).toPrecision(8);
  $("gate-gradient-norm").value = norm(gateGradient(phi, inputs.h, shape)).toPrecision(8);
  const wasm = medianTime(() => valueAndGradient(phi, inputs.h, shape, { out }));
  const js = medianTime(() => {
    referenceValue(phi, inputs.h, shape);
    referenceGradient(phi, inputs.h, shape);
  });
  $("time").value = `${wasm.toFixed(3)} ms`;
  $("time-reference").value = `${js.toFixed(3)} ms`;
  $("speedup").value = `${(js / wasm).toFixed(1)}x`;
});

$("bench").addEventListener("click", () => {
  $("bench").disabled = true;
  $("bench-table").innerHTML = $("bench-chart").innerHTML = "";
  const progress = $("bench-progress");
  progress.hidden = false;
  progress.value = 0;
  progress.removeAttribute("value"); // indeterminate until the suite knows its length
  const sizes = [256, 1024, ...($("bench-sizes").value === "quick" ? [] : [4096])].map((n) => ({ n, k: 64 }));
  const worker = new Worker(new URL("./bench-worker.js", import.meta.url));
  const finish = (status) => {
    $("bench-status").value = status;
    $("bench").disabled = false;
    progress.hidden = true;
    worker.terminate();
  };
  worker.onmessage = ({ data }) => {
    if (data.line) $("bench-status").value = data.line;
    if (data.progress) {
      const [done, total] = data.progress;
      progress.max = total;
      progress.value = done;
    }
    if (data.error) finish(`failed: ${data.error}`);
    if (data.results) {
      $("bench-table").innerHTML = markdownTablesToHtml(sizeTables(data.results));
      $("bench-chart").innerHTML = svgChart(data.results, { title: "time per call against size (this browser)" });
      finish(`done (TensorFlow.js ${data.tfjs})`);
    }
  };
  worker.onerror = (event) => finish(`failed: ${event.message ?? "the benchmark worker did not start"}`);
  worker.postMessage({ sizes });
});

/** The report's markdown tables as HTML (headings and pipe tables only). */
function markdownTablesToHtml(markdown) {
  const html = [];
  let rows = [];
  const flush = () => {
    if (!rows.length) return;
    const [head, , ...body] = rows;
    const cells = (line, tag) =>
      line
        .split("|")
        .slice(1, -1)
        .map((c) => `<${tag}>${c.trim().replace(/\*\*(.*)\*\*/, "<strong>$1</strong>")}</${tag}>`)
        .join("");
    html.push(`<table><tr>${cells(head, "th")}</tr>${body.map((r) => `<tr>${cells(r, "td")}</tr>`).join("")}</table>`);
    rows = [];
  };
  for (const line of markdown.split("\n")) {
    if (line.startsWith("|")) rows.push(line);
    else {
      flush();
      if (line.startsWith("#")) html.push(`<h4>${line.replace(/^#+\s*/, "")}</h4>`);
    }
  }
  flush();
  return html.join("\n");
}

$("train").addEventListener("click", () => {
  const clear = () => {
    $("train-status").value = "";
    $("loss-chart").innerHTML = "";
  };
  const fields = readFields(["epochs", "observations"], "train-error", clear);
  if (!fields) return;
  clear();
  $("train").disabled = true;
  const loss = $("loss").value;
  const epochs = [];
  const worker = new Worker(new URL("./train-worker.js", import.meta.url), { type: "module" });
  const finish = (status) => {
    $("train-status").value = status;
    $("train").disabled = false;
    worker.terminate();
  };
  worker.onmessage = ({ data }) => {
    if (data.status) $("train-status").value = data.status;
    if (data.epoch) {
      epochs.push(data.epoch);
      $("loss-chart").innerHTML = lossCurveSvg(epochs, {
        title: `${loss} loss per epoch`,
        loss,
        floor: data.floor,
        floorLabel: data.floorLabel,
      });
    }
    if (data.done || data.error) finish(data.error ? `failed: ${data.error}` : data.done);
  };
  worker.onerror = (event) => finish(`failed: ${event.message ?? "the training worker did not start"}`);
  worker.postMessage({ loss, ...fields });
});
