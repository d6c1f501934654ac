#!/usr/bin/env node
// How the CLI's default training settings were chosen: every candidate schedule trains the
// default planted problem (n = m = 1000, k = 8, 400,000 observations, squared loss, f32) in
// this one process, and the table shows how close each ends to the noise floor, whether its
// validation loss falls every epoch (no plateau), and its training time.
//   node examples/tune-defaults.mjs [--loss squared|logistic|bpr] [--epochs 30] [--only <text in a name>]
// Needs dist/ (npm run build). The result is in docs/training.md ("Training defaults").
import { parseArgs } from "node:util";
import { createModel, init, logLoss } from "../dist/index.js";
import { plantedProblem, sliceObservations } from "./planted.js";
import { CANDIDATES } from "./training-defaults.js";

const { values: args } = parseArgs({
  options: {
    loss: { type: "string", default: "squared" },
    epochs: { type: "string", default: "30" },
    only: { type: "string", default: "" },
  },
});
const loss = args.loss,
  epochs = Number(args.epochs),
  count = 400_000,
  seed = 1,
  shape = { n: 1000, m: 1000, k: 8 };
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

console.log(`| candidate | final / floor | best / floor | epochs that rose | stalls in the first half | training s |`);
console.log(`|---|---:|---:|---:|---:|---:|`);
for (const [name, settings] of Object.entries(CANDIDATES).filter(([name]) => name.includes(args.only))) {
  const model = createModel(shape, { seed, scale: loss === "bpr" ? 0.01 : 0.1 });
  const history = model.fit(train, { loss, epochs, seed, validation, ...settings.fit(epochs) });
  const curve = history.epochs.map((e) => e.validationLoss);
  const rose = curve.filter((v, i) => i > 0 && v >= curve[i - 1]).length;
  // a stall: an epoch in the first half that takes less than 1% off the excess over the floor
  const stalls = curve.filter(
    (v, i) => i > 0 && i < epochs / 2 && curve[i - 1] - v < 0.01 * (curve[i - 1] - floor),
  ).length;
  const last = history.epochs.at(-1);
  console.log(
    `| ${name} | ${(curve.at(-1) / floor).toFixed(4)} | ${(Math.min(...curve) / floor).toFixed(4)} | ${rose} | ${stalls} | ${(last.elapsed / 1000).toFixed(1)} |`,
  );
  model.dispose();
}
