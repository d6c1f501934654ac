// The browser demo: plain ESM importing the built package (no bundler). Inputs are checked by
// the rules the CLI uses (examples/options.js) with messages on the page; the timings and the
// training run in Web Workers, so the page stays responsive. The full benchmark suite is its own
// page (bench/browser/), linked from this one.
import { gateGradient, info, init, valueAndGradient } from "../../dist/index.js";
import { generator, referenceGradient, referenceValue } from "../../dist/reference.js";
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
  // phi on [-1, 1) (drawn in f32, widened for f64), half the gates on
  const random = generator(seed);
  const phi32 = Float32Array.from({ length: (n + m) * k }, () => 2 * random() - 1);
  const h = Float32Array.from({ length: n + m }, () => (random() < 0.5 ? 1 : 0));
  const phi = $("precision").value === "f64" ? Float64Array.from(phi32) : phi32;
  const out = new phi.constructor(phi.length);
  const { value } = valueAndGradient(phi, h, shape, { out });
  $("F").value = String(value);
  $("F-reference").value = String(referenceValue(phi, h, shape));
  $("gradient-norm").value = norm(out).toPrecision(8);
  $("gate-gradient-norm").value = norm(gateGradient(phi, h, shape)).toPrecision(8);
  const wasm = medianTime(() => valueAndGradient(phi, h, shape, { out }));
  const js = medianTime(() => {
    referenceValue(phi, h, shape);
    referenceGradient(phi, h, shape);
  });
  $("time").value = `${wasm.toFixed(3)} ms`;
  $("time-reference").value = `${js.toFixed(3)} ms`;
  $("speedup").value = `${(js / wasm).toFixed(1)}x`;
});

$("bench").addEventListener("click", () => {
  $("bench").disabled = true;
  $("bench-table").innerHTML = "";
  const progress = $("bench-progress");
  progress.hidden = false;
  progress.value = 0;
  const sizes = [256, 1024, ...($("bench-sizes").value === "quick" ? [] : [4096])].map((n) => ({ n, k: 64 }));
  const worker = new Worker(new URL("./bench-worker.js", import.meta.url), { type: "module" });
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
    if (data.sizes) {
      $("bench-table").innerHTML = data.sizes.map(timingTable).join("\n");
      finish("done");
    }
  };
  worker.onerror = (event) => finish(`failed: ${event.message ?? "the timing worker did not start"}`);
  worker.postMessage({ sizes });
});

/** One size's timings as an HTML table: median ms, and the ratio to crossgrad's zero-copy F + dF/dphi. */
function timingTable({ n, k, times }) {
  const base = times[0].ms;
  const rows = times.map(
    ({ name, ms }, i) =>
      `<tr><td>${i === 0 ? `<strong>${name}</strong>` : name}</td><td>${ms.toPrecision(3)}</td><td>${(ms / base).toPrecision(3)}x</td></tr>`,
  );
  return `<h4>n = m = ${n}, k = ${k}</h4><table><tr><th>what</th><th>median (ms)</th><th>time / crossgrad's</th></tr>${rows.join("")}</table>`;
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
