// The browser demo: plain ESM importing the built package (no bundler).
/* global tf */
import { gateGradient, info, init, valueAndGradient } from "../../dist/index.js";
import { referenceGradient, referenceValue } from "../../dist/reference.js";
import { makeInputs } from "../../bench/contenders.js";
import { sizeTables, svgChart } from "../../bench/report.js";
import { QUICK_SIZES, runSuite } from "../../bench/suite.js";
import { lossCurveSvg } from "../loss-curve.js";
import { medianTime } from "../timing.js";

const $ = (id) => document.getElementById(id);
const norm = (a) => Math.sqrt(a.reduce((s, x) => s + x * x, 0));

await init();
$("build").value =
  `${info().simd ? "SIMD" : "scalar"} build${self.crossOriginIsolated ? ", cross-origin isolated" : ""}`;

$("compute").addEventListener("click", () => {
  const n = Number($("n").value),
    m = Number($("m").value),
    k = Number($("k").value);
  const shape = { n, m, k };
  const inputs = makeInputs(n, m, k, 0.5, Number($("seed").value));
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

$("bench").addEventListener("click", async () => {
  $("bench").disabled = true;
  $("bench-table").innerHTML = $("bench-chart").innerHTML = "";
  try {
    tf.wasm.setWasmPaths("/node_modules/@tensorflow/tfjs-backend-wasm/dist/");
    await tf.setBackend("wasm");
    const sizes =
      $("bench-sizes").value === "quick"
        ? QUICK_SIZES
        : [
            { n: 256, k: 64 },
            { n: 1024, k: 64 },
            { n: 4096, k: 64 },
          ];
    const results = await runSuite({
      tf,
      tfBackends: ["wasm", "cpu"],
      loadBytes: async (path) => new Uint8Array(await (await fetch("/" + path)).arrayBuffer()),
      quick: true,
      sizes,
      log: (line) => ($("bench-status").value = line),
    });
    $("bench-table").innerHTML = markdownTablesToHtml(sizeTables(results));
    if (sizes.filter((s) => s.k === 64).length > 1)
      $("bench-chart").innerHTML = svgChart(results, { title: "time per call against size (this browser)" });
    $("bench-status").value = "done";
  } catch (error) {
    $("bench-status").value = `failed: ${error}`;
  } finally {
    $("bench").disabled = false;
  }
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
  $("train").disabled = true;
  const loss = $("loss").value;
  const epochs = [];
  const worker = new Worker(new URL("./train-worker.js", import.meta.url), { type: "module" });
  worker.onmessage = ({ data }) => {
    if (data.status) $("train-status").value = data.status;
    if (data.epoch) {
      epochs.push(data.epoch);
      $("loss-chart").innerHTML = lossCurveSvg(epochs, {
        title: `${loss} loss per epoch`,
        floor: data.floor,
        floorLabel: "best possible",
      });
    }
    if (data.done || data.error) {
      $("train-status").value = data.error ? `failed: ${data.error}` : data.done;
      $("train").disabled = false;
      worker.terminate();
    }
  };
  worker.postMessage({ loss, epochs: Number($("epochs").value), observations: Number($("observations").value) });
});
