#!/usr/bin/env node
// crossgrad's main job: check the gradients, then watch a model learn. It plants a hidden
// phi*, draws random gate sets (observations) with noisy targets from F(phi*; set), fits a
// fresh model by mini-batch gradient descent, prints the training and validation loss of
// every epoch, writes an SVG loss curve, and compares the validation error with the noise
// floor. Run: npm start [-- --loss logistic --optimizer adagrad --epochs 20 ...]; --help.
import { writeFileSync } from "node:fs";
import { parseArgs } from "node:util";
import {
  auc,
  createModel,
  gateGradient,
  gradient,
  info,
  init,
  logLoss,
  value,
  valueAndGradient,
} from "../dist/index.js";
import { generator } from "../dist/random.js";
import { referenceGradient, referenceValue } from "../dist/reference.js";
import { lossCurveSvg } from "./loss-curve.js";
import { plantedProblem, sliceObservations } from "./planted.js";
import { medianTime } from "./timing.js";

const { values: args } = parseArgs({
  options: {
    n: { type: "string", default: "1000" },
    m: { type: "string", default: "1000" },
    k: { type: "string", default: "8" },
    loss: { type: "string", default: "squared" },
    optimizer: { type: "string", default: "adam" },
    epochs: { type: "string", default: "30" },
    observations: { type: "string", default: "400000" },
    precision: { type: "string", default: "f32" },
    seed: { type: "string", default: "1" },
    svg: { type: "string", default: "crossgrad-loss.svg" },
    help: { type: "boolean", short: "h", default: false },
  },
});
if (args.help) {
  console.log(`usage: npm start -- [options]
  --n, --m, --k        rows of group A, rows of group B, columns            [1000, 1000, 8]
  --loss               squared | logistic | bpr                              [squared]
  --optimizer          adam | adagrad | sgd                                  [adam]
  --epochs             epochs of training                                    [30]
  --observations       training observations (plus 10% for validation)      [400000]
  --precision          f32 | f64                                             [f32]
  --seed               seeds phi*, the data and the training                 [1]
  --svg                where to write the loss curve                         [crossgrad-loss.svg]`);
  process.exit(0);
}
const n = Number(args.n),
  m = Number(args.m),
  k = Number(args.k),
  shape = { n, m, k };
const epochs = Number(args.epochs),
  count = Number(args.observations),
  seed = Number(args.seed);
const { loss, precision } = args;
if (!["squared", "logistic", "bpr"].includes(loss))
  throw new RangeError(`--loss must be squared, logistic or bpr, got ${loss}`);
if (!["adam", "adagrad", "sgd"].includes(args.optimizer))
  throw new RangeError(`--optimizer must be adam, adagrad or sgd, got ${args.optimizer}`);
if (precision !== "f32" && precision !== "f64")
  throw new RangeError(`--precision must be f32 or f64, got ${precision}`);
const Type = precision === "f32" ? Float32Array : Float64Array;
const tty = process.stdout.isTTY;

await init();
console.log(`crossgrad ${info().simd ? "SIMD" : "scalar"} build, ${precision}; n = ${n}, m = ${m}, k = ${k}\n`);

// 1. The gradients, checked: F is linear in each single entry of phi and of h, so central
// differences agree with dF/dphi and dF/dh up to rounding; and the speed against the plain
// float64 reference, on random phi with half the gates on.
{
  const random = generator(seed);
  const phi = Type.from({ length: (n + m) * k }, () => 2 * random() - 1);
  const h = Type.from({ length: n + m }, () => (random() < 0.5 ? 1 : 0));
  const phi64 = Float64Array.from(phi),
    h64 = Float64Array.from(h);
  const g64 = gradient(phi64, h64, shape),
    dh64 = gateGradient(phi64, h64, shape);
  let worst = 0;
  for (let trial = 0; trial < 8; trial++) {
    const i = Math.floor(random() * phi64.length),
      r = Math.floor(random() * h64.length);
    const central = (array, at) => {
      const x = array[at];
      array[at] = x + 1e-3;
      const plus = value(phi64, h64, shape);
      array[at] = x - 1e-3;
      const minus = value(phi64, h64, shape);
      array[at] = x;
      return (plus - minus) / 2e-3;
    };
    const scale = 1 + Math.abs(value(phi64, h64, shape));
    worst = Math.max(worst, Math.abs(central(phi64, i) - g64[i]) / scale, Math.abs(central(h64, r) - dh64[r]) / scale);
  }
  const out = new Type(phi.length);
  const { value: F } = valueAndGradient(phi, h, shape, { out });
  const reference = referenceGradient(phi, h, shape);
  let gradientError = 0;
  for (let i = 0; i < out.length; i++)
    gradientError = Math.max(gradientError, Math.abs(out[i] - reference[i]) / (1 + Math.abs(reference[i])));
  const wasm = medianTime(() => valueAndGradient(phi, h, shape, { out }));
  const js = medianTime(() => (referenceValue(phi, h, shape), referenceGradient(phi, h, shape)));
  console.log("gradient check on random phi, half the gates on");
  console.log(`  F = ${F.toPrecision(8)} (float64 reference ${referenceValue(phi, h, shape).toPrecision(8)})`);
  console.log(`  dF/dphi against the reference: worst relative error ${gradientError.toExponential(2)}`);
  console.log(`  central differences against dF/dphi and dF/dh (f64, 16 entries): worst ${worst.toExponential(2)}`);
  console.log(
    `  F + dF/dphi: ${wasm.toFixed(3)} ms, plain-JS float64 reference ${js.toFixed(2)} ms: ${(js / wasm).toFixed(0)}x faster\n`,
  );
}

// 2. Training on a planted problem.
const planted = plantedProblem({ n, m, k, count: Math.round(count * 1.1), loss, noise: 0.1, seed });
const train = sliceObservations(planted.observations, 0, count);
const validation = sliceObservations(planted.observations, count, Math.round(count * 1.1));
const optimizer = {
  adam: { type: "adam", learningRate: (e) => 0.01 * 0.85 ** Math.max(0, e - 5) },
  adagrad: { type: "adagrad", learningRate: 0.1 },
  sgd: { type: "sgd", learningRate: (e) => 0.5 * 0.9 ** e, momentum: 0.9, nesterov: true },
}[args.optimizer];
const floorText = {
  squared: "the noise variance",
  logistic: "the log-loss of the true logits",
  bpr: "the bpr loss of the planted phi*",
}[loss];
console.log(
  `training on ${count} observations of a planted phi* (${loss} loss, ${args.optimizer}), validating on ${validation.indptr.length - 1}`,
);

const model = createModel(shape, { precision, seed, scale: loss === "bpr" ? 0.01 : 0.1 });
const width = 30;
const history = model.fit(train, {
  loss,
  optimizer,
  epochs,
  seed,
  batchSize: 256,
  validation,
  onBatch: (batch, batches) => {
    if (tty && (batch % 64 === 0 || batch === batches)) {
      const done = Math.round((width * batch) / batches);
      process.stdout.write(`\r  [${"#".repeat(done)}${" ".repeat(width - done)}] ${batch}/${batches} batches`);
    }
  },
  onEpoch: (r) => {
    if (tty) process.stdout.write("\r" + " ".repeat(width + 30) + "\r");
    console.log(
      `  epoch ${String(r.epoch + 1).padStart(3)}/${epochs}  training loss ${r.loss.toFixed(5)}  validation loss ${r.validationLoss.toFixed(5)}` +
        `  (${(r.elapsed / 1000).toFixed(1)} s)`,
    );
  },
});

// the validation error against the best possible
const last = history.epochs.at(-1);
let floor;
if (loss === "squared") floor = 0.01;
else if (loss === "logistic") floor = logLoss(planted.F.subarray(count), validation.y);
else {
  const truth = createModel(shape, { precision: "f64", phi: planted.phi });
  floor = truth.evaluate(validation, "bpr");
  truth.dispose();
}
console.log(
  `\nvalidation loss ${last.validationLoss.toFixed(5)} against ${floorText} ${floor.toFixed(5)}: ${(last.validationLoss / floor).toFixed(3)}x`,
);
if (loss === "squared")
  console.log(
    `validation RMSE ${Math.sqrt(last.validationLoss).toFixed(4)} against the noise's standard deviation 0.1000`,
  );
if (loss === "logistic") {
  console.log(
    `validation AUC ${auc(model.predict(validation), validation.y).toFixed(4)} against ${auc(planted.F.subarray(count), validation.y).toFixed(4)} for the true logits`,
  );
}
writeFileSync(
  args.svg,
  lossCurveSvg(history.epochs, {
    title: `crossgrad: ${loss} loss on a planted problem (n = ${n}, m = ${m}, k = ${k})`,
    floor,
    floorLabel: "best possible",
  }),
);
console.log(
  `loss curve: ${args.svg}; ${(last.elapsed / 1000).toFixed(1)} s of training, ${((epochs * count) / (last.elapsed / 1000) / 1e6).toFixed(2)} M observations/s`,
);
model.dispose();
