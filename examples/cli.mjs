#!/usr/bin/env node
// crossgrad's main job: check the gradients, then watch a model learn. It plants a hidden
// phi*, draws random gate sets (observations) with noisy targets from F(phi*; set), fits a
// fresh model by mini-batch gradient descent, prints the training and validation loss of
// every epoch, writes an SVG loss curve, and compares the validation error with the noise
// floor. Run: npm start [-- --loss logistic --optimizer adagrad --epochs 20 --lr 0.02 ...]; --help.
// The learning rate follows a schedule made for the epoch count (examples/training-defaults.js):
// from the optimizer's base rate (or --lr) down to a small share of it at the last epoch, the
// fall spread over however many epochs --epochs asks for.
// Every flag is checked before any work: a bad one prints what is allowed and exits with 2.
import { accessSync, constants, statSync, writeFileSync } from "node:fs";
import { dirname, resolve, sep } from "node:path";
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
import { generator, referenceGradient, referenceValue } from "../dist/reference.js";
import { lossCurveSvg } from "./loss-curve.js";
import { checkBatch, checkShape, choice, InputError, INTEGERS, positiveNumber, wholeNumber } from "./options.js";
import { plantedProblem, sliceObservations } from "./planted.js";
import { DEFAULTS } from "./training-defaults.js";
import { medianTime } from "./timing.js";

const FLAGS = {
  n: "1000",
  m: "1000",
  k: "8",
  loss: "squared",
  optimizer: "adam",
  epochs: "15",
  lr: undefined, // the optimizer's own (DEFAULTS)
  batch: undefined,
  observations: "400000",
  precision: "f32",
  seed: "1",
  svg: "crossgrad-loss.svg",
};
/** The values of `key` in `list`, once each, as text. */
const unique = (list, key) => [...new Set(list.map((item) => item[key]))].join(", ");
const range = (name) => `${INTEGERS[name].min} to ${INTEGERS[name].max}`;
const USAGE = [
  "usage: npm start -- [options]   (or: node examples/cli.mjs [options])",
  ...[
    ["--n, --m", `rows of group A, of group B: ${range("n")}`, "1000, 1000"],
    ["--k", `columns: ${range("k")}`, FLAGS.k],
    ["--loss", "squared | logistic | bpr (bpr needs m >= 2)", FLAGS.loss],
    ["--optimizer", "adam | adagrad | sgd", FLAGS.optimizer],
    ["--epochs", `epochs of training: ${range("epochs")}`, FLAGS.epochs],
    [
      "--lr",
      "base learning rate, above 0 (the schedule scales it)",
      Object.entries(DEFAULTS)
        .map(([name, settings]) => `${name} ${settings.rate}`)
        .join(", "),
    ],
    ["--batch", "observations per mini-batch: 1 to --observations", unique(Object.values(DEFAULTS), "batchSize")],
    ["--observations", `training observations (10% more validate): ${range("observations")}`, FLAGS.observations],
    ["--precision", "f32 | f64", FLAGS.precision],
    ["--seed", `seeds phi*, the data and the training: ${range("seed")}`, FLAGS.seed],
    ["--svg", "the loss curve's file (in an existing, writable directory)", FLAGS.svg],
    ["--help, -h", "this text", ""],
  ].map(([flags, what, fallback]) =>
    `  ${flags.padEnd(16)} ${what.padEnd(62)} ${fallback && `[${fallback}]`}`.trimEnd(),
  ),
].join("\n");

/** The flags, every one checked before any work; an InputError names the first bad one. */
function parseFlags(argv) {
  const { tokens } = parseArgs({
    args: argv,
    options: {
      ...Object.fromEntries(Object.keys(FLAGS).map((name) => [name, { type: "string" }])),
      help: { type: "boolean", short: "h" },
    },
    strict: false,
    allowPositionals: true,
    tokens: true,
  });
  const given = { ...FLAGS };
  for (const token of tokens) {
    if (token.kind === "positional")
      throw new InputError(token.value, `unexpected argument ${JSON.stringify(token.value)}`);
    if (token.kind !== "option") continue;
    if (token.name === "help") {
      if (token.value !== undefined) throw new InputError("--help", "--help takes no value");
      return { help: true };
    }
    if (!(token.name in FLAGS)) throw new InputError(token.rawName, `unknown flag ${token.rawName}`);
    if (token.value === undefined) throw new InputError(token.rawName, `${token.rawName} needs a value`);
    given[token.name] = token.value;
  }
  const label = (name) => "--" + name;
  const flag = (check, name) => check(name, given[name], label);
  const options = {
    n: flag(wholeNumber, "n"),
    m: flag(wholeNumber, "m"),
    k: flag(wholeNumber, "k"),
    loss: flag(choice, "loss"),
    optimizer: flag(choice, "optimizer"),
    epochs: flag(wholeNumber, "epochs"),
    lr: given.lr === undefined ? undefined : flag(positiveNumber, "lr"),
    batch: given.batch === undefined ? undefined : flag(wholeNumber, "batch"),
    observations: flag(wholeNumber, "observations"),
    precision: flag(choice, "precision"),
    seed: flag(wholeNumber, "seed"),
    svg: given.svg,
  };
  checkShape(options, options.loss, label);
  if (options.batch !== undefined) checkBatch(options, label);
  checkSvg(options.svg);
  return options;
}

/** A file-system error's code, as a phrase for the --svg message. */
const FS_REASONS = {
  ENOTDIR: "a part of the path is a file, not a directory",
  ENAMETOOLONG: "a name in the path is too long for the file system",
  ELOOP: "the path goes round a loop of symbolic links",
  EACCES: "permission denied",
  EROFS: "the file system is read-only",
};

/**
 * An InputError unless `path` can name a new or existing file in an existing, writable
 * directory. Whatever the file system answers (ENOTDIR, ENAMETOOLONG, ELOOP or any other code)
 * is an InputError too, so a bad --svg is refused before any work, in one line.
 */
function checkSvg(path) {
  const refuse = (why) =>
    new InputError(
      "--svg",
      `--svg must be a file in an existing, writable directory, got ${JSON.stringify(path)}${why ? ` (${why})` : ""}`,
    );
  if (path === "") throw refuse();
  // ENOENT alone means "not there": Node 22 and later also fold ENOTDIR into throwIfNoEntry's
  // undefined, which would hide the file system's answer
  const isDirectory = (at) => {
    try {
      return statSync(at).isDirectory();
    } catch (error) {
      if (error?.code === "ENOENT") return false;
      throw error;
    }
  };
  try {
    const directory = dirname(resolve(path));
    if (!isDirectory(directory)) throw refuse("no such directory");
    accessSync(directory, constants.W_OK);
    if (isDirectory(path)) throw refuse("it is a directory");
    // a new name with a trailing separator names a directory (resolve() drops the separator)
    if (path.endsWith("/") || path.endsWith(sep)) throw refuse("a trailing slash names a directory");
  } catch (error) {
    if (error instanceof InputError) throw error;
    const code = typeof error?.code === "string" ? error.code : undefined;
    if (code === undefined) throw error;
    throw refuse(`${code}: ${FS_REASONS[code] ?? firstLine(error.message).replace(`${code}: `, "")}`);
  }
}

/** A learning rate in at most 8 characters: 3 significant digits, small ones as 2.50e-5. */
const rateText = (rate) => (rate > 0 && rate < 1e-3 ? rate.toExponential(2) : rate.toPrecision(3));

/** The first line of a message: what the CLI prints stays on one line. */
const firstLine = (text) => String(text).split("\n")[0];

let args;
try {
  args = parseFlags(process.argv.slice(2));
} catch (error) {
  if (!(error instanceof InputError)) throw error;
  console.error(`crossgrad: ${error.message}\n\n${USAGE}`);
  process.exit(2);
}
if (args.help) {
  console.log(USAGE);
  process.exit(0);
}
const { n, m, k, loss, precision, epochs, seed } = args,
  count = args.observations,
  shape = { n, m, k };
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
const settings = DEFAULTS[args.optimizer];
const rate = args.lr ?? settings.rate,
  batchSize = args.batch ?? settings.batchSize;
const reference = {
  squared: { text: "the noise variance", label: "noise variance (best possible)" },
  logistic: { text: "the log-loss of the true logits", label: "true logits' loss (best possible)" },
  bpr: { text: "the bpr loss of the planted phi*", label: "planted phi*'s loss" },
}[loss];
console.log(
  `training on ${count} observations of a planted phi* (${loss} loss, ${args.optimizer}), validating on ${validation.indptr.length - 1}`,
);
{
  // the schedule as it will run: made for this many epochs, so that more epochs fall more slowly
  const schedule = settings.fit(epochs, { rate }).optimizer.learningRate;
  const at = (epoch) => rateText(schedule(epoch));
  const middle = Math.floor((epochs - 1) / 2);
  console.log(
    `  learning rate ${at(0)} at the first epoch, ${at(middle)} at epoch ${middle + 1} and ${at(epochs - 1)} at the last` +
      ` (a schedule made for ${epochs} epochs); mini-batches of ${Math.min(batchSize, count)}`,
  );
}

const model = createModel(shape, { precision, seed, scale: loss === "bpr" ? 0.01 : 0.1 });
const width = 30;
/** Fits the model, or ends the CLI with one line if the training diverged (a --lr too large). */
function fit(options) {
  try {
    return model.fit(train, options);
  } catch (error) {
    if (!/training diverged/.test(error?.message)) throw error;
    console.error(`crossgrad: ${firstLine(error.message)} (--lr ${rate}, --batch ${batchSize})`);
    process.exit(1);
  }
}
const history = fit({
  loss,
  ...settings.fit(epochs, { rate, batchSize }),
  epochs,
  seed,
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
      `  epoch ${String(r.epoch + 1).padStart(3)}/${epochs}  rate ${rateText(r.learningRate).padEnd(8)}  training loss ${r.loss.toFixed(5)}  validation loss ${r.validationLoss.toFixed(5)}` +
        `  (${(r.elapsed / 1000).toFixed(1)} s)`,
    );
  },
});

// the validation error against the reference: the best possible (squared, logistic) or the
// planted phi*'s own loss (bpr: a scaled-up phi* ranks the same and scores lower, so a model
// can beat it)
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
  `\nvalidation loss ${last.validationLoss.toFixed(5)} against ${reference.text} ${floor.toFixed(5)}: ${(last.validationLoss / floor).toFixed(3)}x`,
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
const chart = lossCurveSvg(history.epochs, {
  title: `crossgrad: ${loss} loss on a planted problem (n = ${n}, m = ${m}, k = ${k})`,
  loss,
  floor,
  floorLabel: reference.label,
});
try {
  writeFileSync(args.svg, chart);
} catch (error) {
  // checked writable before training; a file system can still refuse (a read-only file, /proc):
  // one line, status 1 (the training ran)
  console.error(`crossgrad: could not write the loss curve to ${args.svg}: ${firstLine(error?.message ?? error)}`);
  process.exit(1);
}
console.log(
  `loss curve: ${args.svg}; ${(last.elapsed / 1000).toFixed(1)} s of training, ${((epochs * count) / (last.elapsed / 1000) / 1e6).toFixed(2)} M observations/s`,
);
model.dispose();
