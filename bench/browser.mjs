// Runs the benchmark suite in a browser engine (scripts/engines.mjs: Debian's Chromium,
// Firefox ESR or WebKitGTK) and writes bench/results/<name>.{json,md,svg}: by default
// <cpu>/suite-<engine>, so each machine keeps its own.
//   npm run bench:browser                        Chromium, every size (many minutes)
//   npm run bench:browser -- firefox --quick     an engine (chromium, firefox, webkit); a few small sizes
//   --sizes 4096x64,65536x64   --no-training   --name NAME (default <cpu>/suite-ENGINE, or -quick)
import { mkdirSync, writeFileSync } from "node:fs";
import { cpus } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { ENGINES, launchEngine } from "../scripts/engines.mjs";
import { serve } from "../scripts/serve.mjs";
import { cpuSlug, markdown, svgChart } from "./report.js";
import { parseSizes } from "./suite.js";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    quick: { type: "boolean", default: false },
    sizes: { type: "string" },
    "no-training": { type: "boolean", default: false },
    name: { type: "string" },
  },
});
const engineName = positionals[0] ?? "chromium";
if (positionals.length > 1 || !ENGINES.includes(engineName))
  throw new Error(`npm run bench:browser -- [${ENGINES.join(" | ")}] [options]: got ${positionals.join(" ")}`);
const { quick } = values;
if (values.sizes !== undefined) parseSizes(values.sizes); // refuse a bad size before starting a browser
const name = values.name ?? `${cpuSlug(cpus()[0].model.trim())}/suite-${engineName}${quick ? "-quick" : ""}`;
if (!/^([\w.-]+\/)?[\w.-]+$/.test(name))
  throw new Error(`--name: "${name}" must be letters, digits, "." "_" or "-", with at most one directory`);
const query = new URLSearchParams();
if (quick) query.set("quick", "");
if (values.sizes !== undefined) query.set("sizes", values.sizes);
if (values["no-training"]) query.set("training", "no");

const { server, url } = await serve(0);
let engine;
try {
  engine = await launchEngine(engineName, { onConsole: (text) => console.error(`[${engineName}] ${text}`) });
  await engine.goto(`${url}/bench/browser/?${query}`);
  let results;
  for (;;) {
    const state = await engine.evaluate("({ results: window.benchResults, error: window.benchError })");
    if (state.error) throw new Error(`the benchmark failed in ${engine.version}: ${state.error}`);
    if (state.results) {
      results = state.results;
      break;
    }
    await new Promise((resolve) => setTimeout(resolve, 1000));
  }
  // the driver knows the engine's name and version better than its user agent says them
  results.runtime = `${engine.version}, ${results.runtime.split(", ").slice(1).join(", ")}`;
  results.machine = `${cpus()[0].model.trim()}, ${results.machine}`;
  const args = process.argv.slice(2);
  results.command = `npm run bench:browser${args.length ? ` -- ${args.join(" ")}` : ""}`;
  const dir = join(root, "bench", "results");
  mkdirSync(dirname(join(dir, name)), { recursive: true });
  const report = markdown(results, { title: `crossgrad benchmark: ${engine.version}`, command: results.command });
  writeFileSync(join(dir, `${name}.json`), JSON.stringify(results, null, 2) + "\n");
  writeFileSync(join(dir, `${name}.md`), report + "\n");
  // a chart needs the whole range of sizes
  if (!quick && results.sizes.length > 2)
    writeFileSync(
      join(dir, `${name}.svg`),
      svgChart(results, { title: `crossgrad vs the alternatives, F + dF/dphi (${engine.version})` }) + "\n",
    );
  console.log(report);
} finally {
  await engine?.close();
  server.close();
}
