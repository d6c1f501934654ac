// npm run bench:engines: the benchmark suite at a few sizes in every runtime and browser engine
// (Node 20, 22 and 24, Deno, Bun; Chromium, Firefox, WebKit), each run side by side in one
// process of its own, then one table: crossgrad against a copy, plain JS and TF.js in each.
// Results go to bench/results/<cpu>/ (one directory per CPU model, so machines do not overwrite
// each other): <runtime>.{json,md} and engines.md.
//   npm run bench:engines [-- --sizes 4096x64,65536x64] [--only node20,firefox] [--quick]
//   --render: rewrite engines.md from the last results, without measuring
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { cpus } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { ENGINES } from "../scripts/engines.mjs";
import { installRuntimes, RUNTIMES } from "../scripts/runtimes.mjs";
import { BASELINE, cpuSlug } from "./report.js";
import { parseSizes } from "./suite.js";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const { values } = parseArgs({
  options: {
    sizes: { type: "string", default: "4096x64,65536x64" },
    only: { type: "string" },
    quick: { type: "boolean", default: false },
    render: { type: "boolean", default: false },
  },
});
const sizes = values.quick ? "256x64" : values.sizes;
parseSizes(sizes);
const ALL = ["node20", ...Object.keys(RUNTIMES), ...ENGINES];
const chosen = values.only ? values.only.split(",") : ALL;
for (const name of chosen) if (!ALL.includes(name)) throw new Error(`--only: unknown ${name}: one of ${ALL}`);
const runtimes = chosen.filter((name) => name in RUNTIMES);
if (!values.render && runtimes.length && installRuntimes(runtimes) !== 0) process.exit(1);

const cpu = cpus()[0].model.trim();
const directory = cpuSlug(cpu);
mkdirSync(join(root, "bench", "results", directory), { recursive: true });
const suffix = values.quick ? "-quick" : "";
const failed = [];
for (const name of values.render ? [] : chosen) {
  const options = ["--sizes", sizes, "--no-training", "--name", `${directory}/${name}${suffix}`];
  const [program, ...args] =
    name === "node20"
      ? [process.execPath, "bench/node.mjs"]
      : name in RUNTIMES
        ? [...RUNTIMES[name].command, "bench/node.mjs"]
        : [process.execPath, "bench/browser.mjs", name];
  console.error(`\n== ${name}`);
  const run = spawnSync(program, [...args, ...options], { cwd: root, stdio: ["ignore", "ignore", "inherit"] });
  if (run.status !== 0) failed.push(name);
}

// the table holds every engine's latest results on this CPU, re-measured or not
const results = ALL.filter(
  (name) => !failed.includes(name) && existsSync(join(root, "bench", "results", directory, `${name}${suffix}.json`)),
).map((name) => ({
  name,
  ...JSON.parse(readFileSync(join(root, "bench", "results", directory, `${name}${suffix}.json`), "utf8")),
}));
const table = engineTable(results);
const command = process.argv.slice(2).filter((arg) => arg !== "--render");
const report = [
  `# crossgrad in every engine and runtime: ${cpu}`,
  "",
  `Measured ${results[0]?.date ?? "-"} on ${cpu}, ${cpus().length} cores. Reproduce with \`npm run bench:engines${
    command.length ? ` -- ${command.join(" ")}` : ""
  }\`. Each engine or runtime`,
  "ran the suite in one process of its own, its contenders side by side on the same inputs",
  "(f32, F + dF/dphi, medians of tinybench samples; crossgrad on a zero-copy Problem). The copy",
  "column is crossgrad's time over a copy of (n+m)k floats (the memory roofline); the others are",
  "the contender's time over crossgrad's, all in the same run.",
  "",
  table,
  ...(failed.length ? ["", `Failed to run: ${failed.join(", ")}.`] : []),
  "",
].join("\n");
writeFileSync(join(root, "bench", "results", directory, `engines${suffix}.md`), report);
console.log(report);
process.exit(failed.length ? 1 : 0);

/** One row per engine or runtime and size. */
function engineTable(runs) {
  const ms = (size, name) => size.results.find((r) => r.name === name)?.ms;
  const times = (x) => `${x.toFixed(x >= 10 ? 0 : 2)}x`;
  const slower = (size, name) => {
    const x = ms(size, name);
    return x === undefined ? "-" : times(x / ms(size, BASELINE));
  };
  const lines = [
    "| engine or runtime | build | n = m, k | crossgrad (ms) | crossgrad / copy | plain JS, factored | TF.js wasm | TF.js cpu | scalar build |",
    "|---|---|---|---:|---:|---:|---:|---:|---:|",
  ];
  for (const run of runs)
    for (const size of run.sizes) {
      const [engine, build] = run.runtime.split(", ");
      const copy = ms(size, "roofline: copy (n+m)k floats");
      lines.push(
        `| ${engine} | ${build.replace("crossgrad ", "")} | ${size.n}, ${size.k} | ${ms(size, BASELINE).toPrecision(3)} | ${copy ? times(ms(size, BASELINE) / copy) : "-"} | ${slower(size, "plain JS, factored")} | ${slower(size, "TF.js wasm, tensors resident")} | ${slower(size, "TF.js cpu, tensors resident")} | ${slower(size, "crossgrad scalar build")} |`,
      );
    }
  return lines.join("\n");
}
