// Learning-rate schedules that scale with the number of epochs (docs/design.md §8): a decay per
// epoch (x0.7 each) means 40 epochs train as 15 do, all of the last 25 at a rate too small to
// move. A schedule made for E epochs spends the same share of them at each rate whatever E is.

import { checkInteger, checkOptions, checkReal } from "../util/checks.js";

/** Options of {@link flatThenLinear}. */
export interface FlatThenLinearOptions {
  /** the share of the epochs held at the full rate [0.5] */
  readonly hold?: number;
  /** the last epoch's rate, as a share of the full rate [0.05] */
  readonly final?: number;
}

/**
 * A learning-rate schedule for `fit`: `rate` for the first `hold` share of `epochs`, then
 * falling linearly to `final * rate` at the last epoch, and `final * rate` after it (a
 * `fitPartial` that goes on).
 *
 * @example
 * const learningRate = flatThenLinear(0.01, 20); // 0.01 for epochs 0..9, then down to 0.0005 at 19
 * learningRate(0); // => 0.01
 * learningRate(19); // => 0.0005
 */
export function flatThenLinear(
  rate: number,
  epochs: number,
  options: FlatThenLinearOptions = {},
): (epoch: number) => number {
  const caller = "flatThenLinear";
  // (a missing rate is checked as the string that says so, never replaced by a default)
  checkReal(caller, "rate", rate ?? "undefined", 0, 0);
  checkInteger(caller, "epochs", epochs, 1, 2 ** 31 - 1);
  const o = checkOptions<FlatThenLinearOptions>(caller, "options", options, ["hold", "final"]);
  const hold = checkReal(caller, "options.hold", o.hold, 0.5, 0, 1);
  const final = checkReal(caller, "options.final", o.final, 0.05, 0, 1);
  // epochs 0..flat-1 at the full rate; the last (epochs - 1) at final * rate
  const flat = Math.min(epochs - 1, Math.round(hold * epochs));
  const span = epochs - 1 - flat;
  return (epoch) => {
    if (epoch < flat) return rate;
    if (epoch >= epochs - 1 || span === 0) return epoch < epochs - 1 ? rate : rate * final;
    return rate * (1 - ((1 - final) * (epoch - flat)) / span);
  };
}
