// Learning-rate schedules that scale with the number of epochs (docs/design.md §8): a decay per
// epoch (x0.7 each) means 40 epochs train as 15 do, all of the last 25 at a rate too small to
// move. A schedule made for E epochs spends the same share of them at each rate whatever E is.

import { checkInteger, checkKnownKeys, checkNumber, checkOptions, checkReal } from "../util/checks.js";

/** Options of {@link flatThenLinear}. */
export interface FlatThenLinearOptions {
  /** the share of the epochs held at the full rate, from 0 to 1 (1: every epoch) [0.5] */
  readonly hold?: number;
  /** the last epoch's rate, as a share of the full rate, from 0 to 1 [0.05] */
  readonly final?: number;
}

const OPTIONS = ["hold", "final"] as const;

/**
 * A learning-rate schedule for `fit`: epoch `e` (from 0) trains at `rate` while
 * `e <= hold (epochs - 1)`, then at a rate falling linearly to `final * rate` at the last epoch,
 * `epochs - 1`; epochs after it (a `fitPartial` that goes on) keep the last epoch's rate. The
 * first epoch always trains at `rate` (a single epoch too), and `hold: 1` holds it throughout.
 * The rate never rises from one epoch to the next.
 *
 * @throws TypeError when `rate`, `epochs`, `options.hold` or `options.final` is not a number,
 *   `options` is not an object, or it has a key other than `hold` and `final`.
 * @throws RangeError when `rate` is negative or not finite, `epochs` is not an integer of at
 *   least 1, or `hold` or `final` is outside [0, 1].
 * @example
 * const learningRate = flatThenLinear(0.01, 20); // 0.01 for epochs 0..9, then down to 0.0005 at 19
 * learningRate(0); // => 0.01
 * learningRate(9); // => 0.01
 * learningRate(19); // => 0.0005
 */
export function flatThenLinear(
  rate: number,
  epochs: number,
  options?: FlatThenLinearOptions,
): (epoch: number) => number {
  const caller = "flatThenLinear";
  const real = (name: string, value: unknown, fallback: number, max: number) =>
    value === undefined ? fallback : checkReal(caller, name, checkNumber(caller, name, value), fallback, 0, max);
  // a missing rate is a TypeError, never replaced by a default
  checkReal(caller, "rate", checkNumber(caller, "rate", rate), 0, 0);
  checkInteger(caller, "epochs", checkNumber(caller, "epochs", epochs), 1, 2 ** 31 - 1);
  const o = checkOptions<FlatThenLinearOptions>(caller, "options", options, OPTIONS);
  checkKnownKeys(caller, "options", options, OPTIONS);
  const hold = real("options.hold", o.hold, 0.5, 1);
  const final = real("options.final", o.final, 0.05, 1);
  const last = epochs - 1;
  // epochs up to flatEnd at the full rate; then the share of the fall still to come, which is 0
  // at the last epoch, so that epoch's rate is exactly rate * final
  const flatEnd = hold * last;
  const fall = (1 - hold) * last;
  return (epoch) => {
    const e = Math.min(epoch, last);
    if (e <= flatEnd) return rate;
    return Math.min(rate, rate * (final + ((1 - final) * (last - e)) / fall));
  };
}
