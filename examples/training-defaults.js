// The examples' training settings (the CLI and the demo page's worker), and the candidates they
// were chosen from by examples/tune-defaults.mjs (its table is in docs/training.md). Plain ESM.
import { flatThenLinear } from "../dist/index.js";

// A schedule takes the base rate and the number of epochs and gives fit()'s learningRate, made
// for that many epochs: 40 epochs spend the same share of the run at each rate as 15 do.
/** The base rate for the first `hold` share of the epochs, then linear down to `final` of it. */
const flat =
  (hold = 0.5, final = 0.05) =>
  (rate, epochs) =>
    flatThenLinear(rate, epochs, { hold, final });
/**
 * From the base rate down to `final` of it at the last epoch, by the same factor each epoch, but
 * never faster than x`fastest` an epoch (so a run of a few epochs ends above `final`).
 */
const exponential =
  (final, fastest = 0) =>
  (rate, epochs) => {
    const factor = Math.max(final ** (1 / Math.max(1, epochs - 1)), fastest);
    return (e) => rate * factor ** Math.min(e, epochs - 1);
  };
/** The old way, for comparison only: x`decay` each epoch whatever the epoch count (40 epochs train as 15). */
const perEpoch = (decay) => (rate) => (e) => rate * decay ** e;

/**
 * A candidate: its optimizer `type`, base `rate` and `batchSize`, and `fit(epochs, { rate,
 * batchSize })`, the fit options for that many epochs (`rate` and `batchSize` override its own:
 * the CLI's --lr and --batch).
 */
const candidate = (type, rate, schedule, { batchSize = 256, optimizer = {}, ...fit } = {}) => ({
  type,
  rate,
  batchSize,
  fit: (epochs, overrides = {}) => ({
    optimizer: { type, learningRate: schedule(overrides.rate ?? rate, epochs), ...optimizer },
    batchSize: overrides.batchSize ?? batchSize,
    ...fit,
  }),
});
const nesterov = { optimizer: { momentum: 0.9, nesterov: true } };

/** Candidate settings: name -> candidate (see `candidate`). */
export const CANDIDATES = {
  "adam 0.01 x0.7 per epoch, batch 256 (old default; does not scale with the epochs)": candidate(
    "adam",
    0.01,
    perEpoch(0.7),
  ),
  "adam 0.01 flat-then-linear, batch 256": candidate("adam", 0.01, flat()),
  "adam 0.002 flat-then-linear, batch 256": candidate("adam", 0.002, flat()),
  "adam 0.001 flat-then-linear, batch 256": candidate("adam", 0.001, flat()),
  "adam 0.005 flat-then-linear, batch 1024": candidate("adam", 0.005, flat(), { batchSize: 1024 }),
  "adam 0.01 linear (hold 0) to 0.01 of it, batch 256": candidate("adam", 0.01, flat(0, 0.01)),
  "adam 0.01 exponential to 0.007 of it, batch 256": candidate("adam", 0.01, exponential(0.007)),
  "adam 0.02 exponential to 0.02 of it, batch 256": candidate("adam", 0.02, exponential(0.02)),
  "adam 0.05 exponential to 0.0005 of it, batch 256": candidate("adam", 0.05, exponential(0.0005)),
  "adam 0.05 exponential to 0.0005 of it, at most x0.4 an epoch, batch 256": candidate(
    "adam",
    0.05,
    exponential(0.0005, 0.4),
  ),
  "adam 0.03 exponential to 0.0005 of it, at most x0.4 an epoch, batch 256": candidate(
    "adam",
    0.03,
    exponential(0.0005, 0.4),
  ),
  "adam 0.05 exponential to 0.0005 of it, at most x0.4 an epoch, batch 64": candidate(
    "adam",
    0.05,
    exponential(0.0005, 0.4),
    { batchSize: 64 },
  ),
  "adam 0.05 exponential to 0.0005 of it, at most x0.4 an epoch, batch 1024": candidate(
    "adam",
    0.05,
    exponential(0.0005, 0.4),
    { batchSize: 1024 },
  ),
  "adam 0.05 exponential to 0.0005 of it, at most x0.4 an epoch, batch 256, reg 1e-4": candidate(
    "adam",
    0.05,
    exponential(0.0005, 0.4),
    { reg: 1e-4 },
  ),
  "sgd nesterov 0.5 x0.85 per epoch, batch 256 (old sgd default)": candidate("sgd", 0.5, perEpoch(0.85), nesterov),
  "sgd nesterov 0.5 flat-then-linear, batch 256": candidate("sgd", 0.5, flat(), nesterov),
  "sgd nesterov 0.5 exponential to 0.01 of it, at most x0.4 an epoch, batch 256": candidate(
    "sgd",
    0.5,
    exponential(0.01, 0.4),
    nesterov,
  ),
  "sgd nesterov 0.5 exponential to 0.001 of it, at most x0.4 an epoch, batch 256": candidate(
    "sgd",
    0.5,
    exponential(0.001, 0.4),
    nesterov,
  ),
  "adagrad 0.1 x0.9 per epoch, batch 256 (old adagrad default)": candidate("adagrad", 0.1, perEpoch(0.9)),
  "adagrad 0.1 flat-then-linear, batch 256": candidate("adagrad", 0.1, flat()),
  "adagrad 0.2 flat-then-linear, batch 256": candidate("adagrad", 0.2, flat()),
  "adagrad 0.1 exponential to 0.2 of it, batch 256": candidate("adagrad", 0.1, exponential(0.2)),
};

/** The settings the examples train with, per optimizer (chosen by examples/tune-defaults.mjs). */
export const DEFAULTS = {
  adam: CANDIDATES["adam 0.05 exponential to 0.0005 of it, at most x0.4 an epoch, batch 256"],
  sgd: CANDIDATES["sgd nesterov 0.5 exponential to 0.001 of it, at most x0.4 an epoch, batch 256"],
  adagrad: CANDIDATES["adagrad 0.1 flat-then-linear, batch 256"],
};
