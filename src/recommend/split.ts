// Train/test splits and the implicit/explicit views of interactions (docs/design.md §13). Every
// split keeps each side in the data's order, over the same IdMaps, and is a function of its
// seed alone: mulberry32 (src/util/random.ts) draws the same numbers in every runtime.

import { Random } from "../util/random.js";
import { describe, shown } from "../util/read.js";
import { checkInteractions, interactions as makeInteractions, select, type Interactions } from "./interactions.js";

/** A split: two Interactions over the same maps as the data. */
export interface Split<Id extends string | number = string> {
  readonly train: Interactions<Id>;
  readonly test: Interactions<Id>;
}

function checkOptionsObject(options: unknown, caller: string, fields: string): Record<string, unknown> {
  if (typeof options !== "object" || options === null) {
    throw new TypeError(`${caller}(): options must be an object ${fields}, got ${describe(options)}`);
  }
  return options as Record<string, unknown>;
}

function checkInteger(value: unknown, name: string, caller: string, min: number, max: number): number {
  if (typeof value !== "number" || !Number.isInteger(value) || value < min || value > max) {
    const range = max === Number.MAX_SAFE_INTEGER ? `of at least ${min}` : `from ${min} to ${max}`;
    throw new RangeError(`${caller}(): ${name} must be an integer ${range}, got ${shown(value)}`);
  }
  return value;
}

function checkFraction(value: unknown, caller: string): number {
  if (typeof value !== "number" || !(value >= 0 && value <= 1)) {
    throw new RangeError(`${caller}(): options.testFraction must be a number from 0 to 1, got ${shown(value)}`);
  }
  return value;
}

const seedOf = (value: unknown, caller: string) =>
  value === undefined ? 1 : checkInteger(value, "options.seed", caller, 0, 2 ** 32 - 1);

/** The test side of `side` (1) and the train side (0), each in the data's order. */
function split<Id extends string | number>(data: Interactions<Id>, side: Uint8Array, tests: number): Split<Id> {
  return { train: select(data, side, 0, data.count - tests), test: select(data, side, 1, tests) };
}

/**
 * A uniformly random train/test split of the interactions: exactly
 * `Math.round(testFraction * count)` of them (half up: 0.2 of 100,836 is 20,167) go to test,
 * every subset of that size equally likely (selection sampling, one draw per interaction).
 * The same seed [1] gives the same split in every runtime.
 *
 * @example
 * ```ts
 * const { train, test } = splitRandom(data, { testFraction: 0.2, seed: 7 }); // data.count = 10
 * train.count; // 8
 * test.count;  // 2
 * test.users === data.users; // true
 * ```
 */
export function splitRandom<Id extends string | number>(
  interactions: Interactions<Id>,
  options: { readonly testFraction: number; readonly seed?: number },
): Split<Id> {
  const caller = "splitRandom";
  const data = checkInteractions<Id>(interactions, caller);
  const o = checkOptionsObject(options, caller, "{ testFraction, seed? }");
  const fraction = checkFraction(o.testFraction, caller);
  const random = new Random(seedOf(o.seed, caller));
  const count = data.count,
    tests = Math.round(fraction * count),
    side = new Uint8Array(count);
  // Knuth's selection sampling: i joins the test set with probability (still needed) / (left)
  for (let i = 0, needed = tests; i < count && needed > 0; i++) {
    if (random.next() * (count - i) < needed) {
      side[i] = 1;
      needed--;
    }
  }
  return split(data, side, tests);
}

/**
 * Leave-k-out: for every user with at least `k + minRemaining` interactions, `k` of them
 * drawn uniformly at random go to test; the others stay in train, and users with fewer
 * interactions stay wholly in train (`minRemaining` [1] keeps each user in train, so that a
 * model has a row to score them with). Repeated (user, item) pairs count as separate
 * interactions. The same seed [1] gives the same split in every runtime.
 *
 * @example
 * ```ts
 * const { train, test } = splitLeaveKOut(data, { k: 1, seed: 7 });
 * test.count; // the number of users with 2 or more interactions
 * ```
 */
export function splitLeaveKOut<Id extends string | number>(
  interactions: Interactions<Id>,
  options: { readonly k: number; readonly seed?: number; readonly minRemaining?: number },
): Split<Id> {
  const caller = "splitLeaveKOut";
  const data = checkInteractions<Id>(interactions, caller);
  const o = checkOptionsObject(options, caller, "{ k, seed?, minRemaining? }");
  const k = checkInteger(o.k, "options.k", caller, 1, 2 ** 32 - 1);
  const minRemaining =
    o.minRemaining === undefined ? 1 : checkInteger(o.minRemaining, "options.minRemaining", caller, 0, 2 ** 32 - 1);
  const random = new Random(seedOf(o.seed, caller));
  const { count, user } = data,
    users = data.users.size;
  // per user: interactions left to visit, and test draws still needed (0 for users kept whole)
  const left = new Uint32Array(users),
    needed = new Uint32Array(users);
  for (let i = 0; i < count; i++) left[user[i]]++;
  let tests = 0;
  for (let u = 0; u < users; u++) {
    if (left[u] >= k + minRemaining) {
      needed[u] = k;
      tests += k;
    }
  }
  // selection sampling within each user, in the data's order
  const side = new Uint8Array(count);
  for (let i = 0; i < count; i++) {
    const u = user[i];
    if (needed[u] > 0 && random.next() * left[u] < needed[u]) {
      side[i] = 1;
      needed[u]--;
    }
    left[u]--;
  }
  return split(data, side, tests);
}

/**
 * A split in time: train is every interaction before a time t, test every one at t or after.
 * With `{ before: t }`, t is given; with `{ testFraction }`, t is the timestamp of the
 * interaction at position `count - round(testFraction * count)` in time order, so interactions
 * tied with it all go to test (the test set may hold a few more than the fraction). The
 * interactions need timestamps.
 *
 * @example
 * ```ts
 * // timestamps 1, 2, 3, 3, 4
 * splitByTime(data, { testFraction: 0.4 }).test.count; // 3: t = 3, and both 3s go to test
 * splitByTime(data, { before: 2 }).train.count;        // 1
 * ```
 */
export function splitByTime<Id extends string | number>(
  interactions: Interactions<Id>,
  options: { readonly testFraction: number } | { readonly before: number },
): Split<Id> {
  const caller = "splitByTime";
  const data = checkInteractions<Id>(interactions, caller);
  const o = checkOptionsObject(options, caller, "{ testFraction } or { before }");
  if ((o.testFraction === undefined) === (o.before === undefined)) {
    throw new TypeError(
      `${caller}(): options must have one of testFraction and before, got ${o.testFraction === undefined ? "neither" : "both"}`,
    );
  }
  const time = data.timestamp;
  if (time === undefined) {
    throw new Error(`${caller}(): interactions have no timestamps (the data had no timestamp column)`);
  }
  let cut: number;
  if (o.before !== undefined) {
    if (typeof o.before !== "number" || Number.isNaN(o.before))
      throw new TypeError(`${caller}(): options.before must be a number, got ${shown(o.before)}`);
    cut = o.before;
  } else {
    const tests = Math.round(checkFraction(o.testFraction, caller) * data.count);
    cut = tests === 0 ? Infinity : Float64Array.from(time).sort()[data.count - tests];
  }
  const side = new Uint8Array(data.count);
  let tests = 0;
  for (let i = 0; i < data.count; i++) {
    if (time[i] >= cut) {
      side[i] = 1;
      tests++;
    }
  }
  return split(data, side, tests);
}

/**
 * Implicit feedback: the interactions rated `threshold` or more, each with weight 1
 * (`hasRatings` false); without a threshold, every interaction (LightFM's movielens example
 * takes every rating as a positive). Timestamps are kept; the maps are shared.
 *
 * @example
 * ```ts
 * const liked = implicit(data, { threshold: 4 }); // ratings 5, 3, 4
 * liked.count;  // 2
 * liked.rating; // Float32Array [1, 1]
 * ```
 */
export function implicit<Id extends string | number>(
  interactions: Interactions<Id>,
  options?: { readonly threshold?: number },
): Interactions<Id> {
  const caller = "implicit";
  const data = checkInteractions<Id>(interactions, caller);
  if (options !== undefined && (typeof options !== "object" || options === null))
    throw new TypeError(`${caller}(): options must be an object { threshold? } or undefined, got ${describe(options)}`);
  const threshold = options?.threshold ?? -Infinity;
  if (typeof threshold !== "number" || Number.isNaN(threshold))
    throw new TypeError(`${caller}(): options.threshold must be a number, got ${shown(threshold)}`);
  const side = new Uint8Array(data.count);
  let kept = 0;
  for (let i = 0; i < data.count; i++) {
    if (data.rating[i] >= threshold) {
      side[i] = 1;
      kept++;
    }
  }
  const { users, items, user, item, timestamp } = select(data, side, 1, kept);
  return makeInteractions(users, items, user, item, new Float32Array(kept).fill(1), timestamp, false);
}

/**
 * Explicit feedback: the interactions as they are, ratings as the targets. An Error if they
 * have none (`hasRatings` false), so that a rating model is not fitted to a column of 1s.
 *
 * @example
 * ```ts
 * explicit(data) === data; // true
 * ```
 */
export function explicit<Id extends string | number>(interactions: Interactions<Id>): Interactions<Id> {
  const caller = "explicit";
  const data = checkInteractions<Id>(interactions, caller);
  if (!data.hasRatings) throw new Error(`${caller}(): interactions have no ratings (hasRatings is false)`);
  // the caller's own object: it checked out, and explicit() changes nothing
  return interactions;
}
