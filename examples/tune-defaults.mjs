#!/usr/bin/env node
// How the CLI's default training settings were chosen: every candidate trains a planted problem
// (by default the CLI's: n = m = 1000, k = 8, 400,000 observations, squared loss, f32) in this
// one process, for each epoch count asked, and the table shows how close each ends to the noise
// floor at every count (a schedule made for the epoch count ends at least as close with more
// epochs), and for the first count whether its validation loss falls every epoch (no plateau)
// and its training time.
//   node examples/tune-defaults.mjs [--loss squared|logistic|bpr] [--epochs 15,40] [--n 1000] [--m 1000]
//     [--observations 400000] [--only <text in a name>]
// Needs dist/ (npm run build). The result is in docs/training.md ("Training defaults").
import { parseArgs } from "node:util";
import { createModel, init, logLoss } from "../dist/index.js";
import { plantedProblem, sliceObservations } from "./planted.js";
import { CANDIDATES } from "./training-defaults.js";

const { values: args } = parseArgs({
  options: {
    loss: { type: "string", default: "squared" },
    epochs: { type: "string", default: "15,40" },
    n: { type: "string", default: "1000" },
    m: { type: "string", default: "1000" },
    observations: { type: "string", default: "400000" },
    only: { type: "string", default: "" },
    help: { type: "boolean", short: "h", default: false },
  },
});
if (args.help) {
  console.log(`node examples/tune-defaults.mjs [--loss squared|logistic|bpr] [--epochs 15,40] [--n 1000] [--m 1000]
  [--observations 400000] [--only <text in a name>]
Trains every candidate training setting on a planted problem and tables how close each ends to the
noise floor (docs/training.md, "Training defaults"). Needs dist/ (npm run build).`);
  process.exit(0);
}
const loss = args.loss,
  counts = args.epochs.split(",").map(Number),
  count = Number(args.observations),
  seed = 1,
  shape = { n: Number(args.n), m: Number(args.m), k: 8 };
await init();
const planted = plantedProblem({ ...shape, count: Math.round(count * 1.1), loss, noise: 0.1, seed });
const train = sliceObservations(planted.observations, 0, count);
const validation = sliceObservations(planted.observations, count, Math.round(count * 1.1));
let floor = 0.01;
if (loss === "logistic") floor = logLoss(planted.F.subarray(count), validation.y);
if (loss === "bpr") {
  const truth = createModel(shape, { precision: "f64", phi: planted.phi });
  floor = truth.evaluate(validation, "bpr");
  truth.dispose();
}

/** The validation losses of a fresh model trained with `settings` for `epochs`, and its time. */
function curve(settings, epochs) {
  const model = createModel(shape, { seed, scale: loss === "bpr" ? 0.01 : 0.1 });
  const history = model.fit(train, { loss, epochs, seed, validation, ...settings.fit(epochs) });
  model.dispose();
  return { losses: history.epochs.map((e) => e.validationLoss), seconds: history.epochs.at(-1).elapsed / 1000 };
}

const [first] = counts;
console.log(
  `| candidate | ${counts.map((e) => `final / floor, ${e} epochs`).join(" | ")} | best / floor (${first}) | epochs that rose (${first}) | stalls in the first half (${first}) | training s (${first}) |`,
);
console.log(`|---|${counts.map(() => "---:|").join("")}---:|---:|---:|---:|`);
for (const [name, settings] of Object.entries(CANDIDATES).filter(([name]) => name.includes(args.only))) {
  const runs = counts.map((epochs) => curve(settings, epochs));
  const { losses, seconds } = runs[0];
  const rose = losses.filter((v, i) => i > 0 && v >= losses[i - 1]).length;
  // a stall: an epoch in the first half that takes less than 1% off the excess over the floor
  const stalls = losses.filter(
    (v, i) => i > 0 && i < first / 2 && losses[i - 1] - v < 0.01 * (losses[i - 1] - floor),
  ).length;
  const ratios = runs.map((run) => (run.losses.at(-1) / floor).toFixed(4));
  console.log(
    `| ${name} | ${ratios.join(" | ")} | ${(Math.min(...losses) / floor).toFixed(4)} | ${rose} | ${stalls} | ${seconds.toFixed(1)} |`,
  );
}
