// The kernel view of the demo page: Compute (F and its gradients, against the float64
// reference), the timings and the planted problem's training, each in a Web Worker, so that the
// page stays responsive at any size. Inputs are checked by the rules the CLI uses
// (examples/options.js) with messages on the page. The full benchmark suite is its own page
// (bench/browser/), linked from this one.
import { checkShape } from "../options.js";
import { $, clearChart, drawChart, escapeHtml, readFields } from "./page.js";
import { Stopped, WorkerClient } from "./requests.js";

const worker = (name) => new WorkerClient(new URL(name, import.meta.url));
/** Shows a failure of `promise` with `show`, unless its worker was stopped on purpose. */
const failure = (show) => (error) => {
  if (!(error instanceof Stopped)) show(`failed: ${error.message}`);
};

const clearCompute = () => {
  for (const output of $("compute-results").querySelectorAll("output")) output.value = "";
};

/** The Compute running now: a new click stops it (its worker) and starts again. */
let computing;

$("compute").addEventListener("click", () => {
  computing?.terminate();
  computing = undefined;
  $("compute-status").value = "";
  const fields = readFields({ n: "n", m: "m", k: "k", seed: "seed" }, "compute-error", clearCompute, checkShape);
  if (!fields) return;
  clearCompute();
  const client = (computing = worker("./compute-worker.js"));
  const args = { ...fields, precision: $("precision").value };
  client
    .call("compute", args, (step) => ($("compute-status").value = `${step}…`))
    .then(
      (r) => {
        $("F").value = String(r.F);
        $("F-reference").value = String(r.reference);
        $("gradient-norm").value = r.gradientNorm.toPrecision(8);
        $("gate-gradient-norm").value = r.gateGradientNorm.toPrecision(8);
        $("time").value = `${r.ms.toFixed(3)} ms`;
        $("time-reference").value = `${r.referenceMs.toFixed(3)} ms`;
        $("speedup").value = `${(r.referenceMs / r.ms).toFixed(1)}x`;
        $("compute-status").value = "done";
      },
      failure((status) => ($("compute-status").value = status)),
    )
    .finally(() => {
      client.terminate();
      if (computing === client) computing = undefined;
    });
});

$("bench").addEventListener("click", () => {
  $("bench").disabled = true;
  $("bench-table").innerHTML = "";
  const progress = $("bench-progress");
  progress.hidden = false;
  progress.value = 0;
  const sizes = [256, 1024, ...($("bench-sizes").value === "quick" ? [] : [4096])].map((n) => ({ n, k: 64 }));
  const client = worker("./bench-worker.js");
  const tell = ({ line, done, total }) => {
    if (line) $("bench-status").value = line;
    if (total) [progress.max, progress.value] = [total, done];
  };
  const finish = (status) => ($("bench-status").value = status);
  client
    .call("time", { sizes }, tell)
    .then((results) => {
      $("bench-table").innerHTML = results.map(timingTable).join("\n");
      finish("done");
    }, failure(finish))
    .finally(() => {
      $("bench").disabled = false;
      progress.hidden = true;
      client.terminate();
    });
});

/** One size's timings as an HTML table: median ms, and the ratio to crossgrad's zero-copy F + dF/dphi. */
function timingTable({ n, k, times }) {
  const base = times[0].ms;
  const rows = times.map(({ name, ms }, i) => {
    const what = i === 0 ? `<strong>${escapeHtml(name)}</strong>` : escapeHtml(name);
    return `<tr><td>${what}</td><td class="number">${ms.toPrecision(3)}</td><td class="number">${(ms / base).toPrecision(3)}x</td></tr>`;
  });
  return `<h4>n = m = ${n}, k = ${k}</h4><table><tr><th>what</th><th>median (ms)</th><th>time / crossgrad's</th></tr>${rows.join("")}</table>`;
}

$("train").addEventListener("click", () => {
  const clear = () => {
    $("train-status").value = "";
    clearChart($("loss-chart"));
  };
  const fields = readFields({ epochs: "epochs", observations: "observations" }, "train-error", clear);
  if (!fields) return;
  clear();
  $("train").disabled = true;
  const loss = $("loss").value;
  const epochs = [];
  const client = worker("./train-worker.js");
  const tell = ({ status, epoch, floor, floorLabel }) => {
    if (status) $("train-status").value = status;
    if (!epoch) return;
    epochs.push(epoch);
    drawChart($("loss-chart"), epochs, { title: `${loss} loss per epoch`, loss, floor, floorLabel });
  };
  const finish = (status) => ($("train-status").value = status);
  client
    .call("train", { loss, ...fields }, tell)
    .then(finish, failure(finish))
    .finally(() => {
      $("train").disabled = false;
      client.terminate();
    });
});
