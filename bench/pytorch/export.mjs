// The training epoch against PyTorch, crossgrad's half (docs/training.md, "Speed"): writes the
// comparison problem (bench/training.js's: n = m = 1000, k = 8, 65,536 planted observations,
// squared loss, Adam 0.01) and its initial phi to a folder for bench/pytorch/epoch.py, and
// times crossgrad's epochs on it at batches of 256 and 4096 (bench/training.js's median epoch,
// the fastest of `runs` runs), into the same folder. Not part of the tests or CI:
// PyTorch is a Python package (Debian: apt-get install python3-torch).
//   node bench/pytorch/export.mjs [folder = /tmp/crossgrad-epoch] [runs = 3]
import { mkdirSync, writeFileSync } from "node:fs";
import { cpus } from "node:os";
import { join } from "node:path";
import { createModel, init } from "../../dist/index.js";
import { crossgradEpochs, TRAINING_BATCHES } from "../training.js";
import { plantedProblem } from "../../examples/planted.js";

const usage = "node bench/pytorch/export.mjs [folder = /tmp/crossgrad-epoch] [runs = 3]";
if (process.argv[2]?.startsWith("-")) {
  // an option where the folder goes: usage, never a folder named like a flag
  const help = ["-h", "--help"].includes(process.argv[2]);
  (help ? console.log : console.error)(usage);
  process.exit(help ? 0 : 2);
}
const folder = process.argv[2] ?? "/tmp/crossgrad-epoch";
const runs = Number(process.argv[3] ?? 3);
await init();
const n = 1000,
  m = 1000,
  k = 8,
  count = 65536,
  epochs = 8;
const { observations } = plantedProblem({ n, m, k, count, seed: 5 });
const initial = createModel({ n, m, k }, { seed: 1 });
const phi0 = initial.phi.slice();
initial.dispose();

mkdirSync(folder, { recursive: true });
const write = (name, array) =>
  writeFileSync(join(folder, name), new Uint8Array(array.buffer, array.byteOffset, array.byteLength));
write("indptr.u32", observations.indptr);
write("index.u32", observations.index);
write("y.f64", observations.y);
write("phi.f32", phi0);

const crossgrad = {};
for (const batchSize of TRAINING_BATCHES) {
  // the fastest of `runs` fits (each: its median epoch)
  const fits = Array.from({ length: runs }, () => crossgradEpochs({ n, m, k, phi0, observations, batchSize, epochs }));
  const fastest = fits.reduce((a, b) => (b.epochMs < a.epochMs ? b : a));
  crossgrad[batchSize] = { epochMs: fastest.epochMs, losses: fastest.losses };
  console.error(`crossgrad, batches of ${batchSize}: ${fastest.epochMs.toFixed(1)} ms an epoch`);
}
const meta = {
  problem: { n, m, k, count, epochs, loss: "squared", optimizer: "adam 0.01, epsilon 1e-7" },
  machine: { cpu: cpus()[0]?.model ?? "unknown", node: process.version },
  crossgrad,
};
writeFileSync(join(folder, "crossgrad.json"), JSON.stringify(meta, null, 2));
console.error(`wrote ${folder}`);
