// estimate against measure (docs/planner.md): at every size of the suite (or the pairs `n k`
// given), the variant the measuring planner settles on and the one estimate's model picks
// without a clock, each kernel timed under both side by side in one process on a Problem (f32,
// half the gates on): the minimum of many interleaved runs, each choice forced by importing it as
// wisdom. Writes bench/results/<cpu>/estimate.md unless sizes are given.
//   npm run build && node bench/estimate.mjs [n k [n k ...]]
import { mkdirSync, writeFileSync } from "node:fs";
import { cpus } from "node:os";
import { createProblem, exportWisdom, importWisdom, info, init } from "../dist/index.js";
import { estimatedVariant, layoutOf, sizeClass } from "../dist/wasm/planner.js";
import { makeInputs, settlePlans } from "./contenders.js";
import { cpuSlug } from "./report.js";
import { SIZES } from "./suite.js";

await init();
const args = process.argv.slice(2).map(Number);
const sizes = args.length
  ? Array.from({ length: args.length / 2 }, (_, i) => ({ n: args[2 * i], k: args[2 * i + 1] }))
  : SIZES;
const key = exportWisdom().key;
const model = cpus()[0].model.trim();
const lines = [
  `# estimate against measure: ${model}`,
  "",
  `Measured ${new Date().toISOString().slice(0, 10)} with Node ${process.version}; reproduce with`,
  "`npm run build && node bench/estimate.mjs`. measure: the variant the measuring planner settled on",
  "(3 runs each and 20 ms); estimate: the model's, no clock. ms: the minimum of interleaved runs of",
  "each on one Problem (f32, half the gates on); ratio: estimate's time over measure's.",
  "",
  "| n = m, k | kernel | measure | estimate | measure ms | estimate ms | ratio |",
  "|---|---|---|---|---:|---:|---:|",
];
console.log(lines.join("\n"));
const worst = [];
for (const { n, k } of sizes) {
  const inputs = makeInputs(n, n, k);
  const measured = settlePlans(inputs);
  const p = createProblem({ n, m: n, k });
  p.phi.set(inputs.phi);
  p.h.set(inputs.h);
  const layout = layoutOf({ simd: info().simd, planBits: {} }, { precision: "f32", bytesPerElement: 4 }, 2 * n * k, k);
  const calls = {
    value: () => p.value(),
    valueAndGradient: () => p.valueAndGradient(),
    gateGradient: () => p.gateGradient(),
  };
  const rounds = Math.max(20, Math.min(2000, Math.round(2e9 / (inputs.phi.length * 4))));
  for (const entry of measured) {
    const variants = [entry.variant, estimatedVariant(entry.job, layout)];
    const best = [Infinity, Infinity];
    const force = (variant) =>
      importWisdom({
        format: "crossgrad-wisdom",
        version: 3,
        key,
        mode: "measure",
        plans: { [sizeClass("f32", 2 * n * k * 4, k * 4)]: { [entry.job]: variant } },
      });
    for (let round = 0; round < rounds; round++) {
      for (const i of [0, 1]) {
        force(variants[i]);
        const t = performance.now();
        calls[entry.job]();
        best[i] = Math.min(best[i], performance.now() - t);
      }
    }
    const ratio = best[1] / best[0];
    worst.push(ratio);
    const line = `| ${n}, ${k} | ${entry.job} | ${variants[0]} | ${variants[1]} | ${best[0].toPrecision(3)} | ${best[1].toPrecision(3)} | ${ratio.toFixed(2)} |`;
    lines.push(line);
    console.log(line);
  }
  p.dispose();
}
lines.push("", `The largest ratio: ${Math.max(...worst).toFixed(2)}.`);
console.log(lines.at(-1));
if (!args.length) {
  const dir = new URL(`./results/${cpuSlug(model)}/`, import.meta.url);
  mkdirSync(dir, { recursive: true });
  writeFileSync(new URL("estimate.md", dir), lines.join("\n") + "\n");
}
