// Two builds' training epochs side by side in one process (each with its own module and
// memory): bench/training.js's problem (n = m = 1000, k = 8, 65,536 planted observations, squared
// loss, Adam 0.01) fitted by each build in interleaved rounds at batches of 256 and 4096. Prints
// each build's epoch times (every round's epochs after its first: the minimum and the median)
// and its last epoch's loss, which shows whether the two train alike. For work on the trainer:
//   git worktree add /tmp/before <rev> && (cd /tmp/before && npm ci)
//   node bench/epochs.mjs /tmp/before/dist ./dist [rounds = 6]
import { pathToFileURL } from "node:url";
import { resolve } from "node:path";
import { plantedProblem } from "../examples/planted.js";
import { TRAINING_BATCHES } from "./training.js";

const [, , dirA, dirB, rounds = "6"] = process.argv;
if (!dirA || !dirB) {
  console.error("usage: node bench/epochs.mjs <dist of build A> <dist of build B> [rounds]");
  process.exit(2);
}
const builds = { A: await import(pathToFileURL(resolve(dirA, "index.js")).href) };
builds.B = await import(pathToFileURL(resolve(dirB, "index.js")).href);
for (const lib of Object.values(builds)) await lib.init();
const n = 1000,
  m = 1000,
  k = 8;
const { observations } = plantedProblem({ n, m, k, count: 65536, seed: 5 });
const times = {},
  losses = {};
for (let round = 0; round < Number(rounds); round++) {
  for (const batchSize of TRAINING_BATCHES) {
    // alternate which build goes first
    for (const name of round % 2 ? ["A", "B"] : ["B", "A"]) {
      const model = builds[name].createModel({ n, m, k }, { seed: 1 });
      const { epochs } = model.fit(observations, {
        epochs: 4,
        batchSize,
        optimizer: { type: "adam", learningRate: 0.01 },
      });
      model.dispose();
      const key = `${batchSize}|${name}`;
      (times[key] ??= []).push(...epochs.slice(1).map((e, i) => e.elapsed - epochs[i].elapsed));
      losses[key] = epochs.at(-1).loss;
    }
  }
}
const stat = (key) => {
  const t = times[key].sort((a, b) => a - b);
  return `${t[0].toFixed(1)} | ${t[t.length >> 1].toFixed(1)}`;
};
console.log("| batch | A: min (ms) | A: median | B: min | B: median | B / A (medians) | same loss |");
console.log("|---:|---:|---:|---:|---:|---:|---|");
for (const batchSize of TRAINING_BATCHES) {
  const [a, b] = [`${batchSize}|A`, `${batchSize}|B`];
  const median = (key) => times[key][times[key].length >> 1];
  console.log(
    `| ${batchSize} | ${stat(a)} | ${stat(b)} | ${(median(b) / median(a)).toFixed(2)} | ${losses[a] === losses[b] ? "yes" : `no: ${losses[a]}, ${losses[b]}`} |`,
  );
}
