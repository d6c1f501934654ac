// Ranking metrics of a scorer on held-out positives, as the field computes them (docs/design.md
// §13): precision, recall, NDCG and MAP at k and the per-user AUC, all from each test positive's
// rank as LightFM's predict_ranks counts it (lightfm/_lightfm_fast.pyx.template), averaged over
// the users with a test positive as lightfm/evaluation.py does.
//
// A rank is a count, so nothing is sorted but each user's own positives: every other candidate
// item is placed among the positives' sorted scores by a binary search (none when it scores
// below them all), and a histogram of where they land gives every positive's count of
// candidates at or above it. O(items · log |T_u|) per user, no top-k list built.

import { checkInteger, checkOptions } from "../util/checks.js";
import { describe } from "../util/read.js";
import { checkNumbers } from "../ops/checks.js";
import { checkInteractions, type Interactions } from "./interactions.js";

/**
 * Scores every item for one user: `out[item]` for each item row of the test's items map (its
 * `size` items), a higher score ranking first. Called synchronously, once per evaluated user,
 * with the same `out` each time, filled with NaN before each call so that an item left
 * unscored is seen (a NaN read is an error). Scores are compared as the float32 values `out`
 * holds: what the models produce, and what LightFM ranks (its `flt`); two scores that round to
 * the same float32 tie.
 *
 * @example
 * ```ts
 * const scores = [[0.9, 0.1, 0.5]]; // per user row, per item row
 * const scorer: Scorer = (user, out) => out.set(scores[user]);
 * // rankingMetrics(scorer, test) calls scorer(0, out) with out = Float32Array [NaN, NaN, NaN],
 * // and ranks Float32Array [0.9, 0.1, 0.5] (0.9 and 0.1 as float32: 0.8999999762, 0.1000000015)
 * ```
 */
export type Scorer = (user: number, out: Float32Array) => void;

/**
 * Options of {@link rankingMetrics}.
 *
 * @example
 * ```ts
 * const { train, test } = splitRandom(implicit(ratings, { threshold: 4 }), { testFraction: 0.2 });
 * const options: RankingOptions = { k: 10, exclude: train }; // LightFM's train_interactions
 * rankingMetrics(scorer, test, options).excluded; // train's pairs of the users evaluated
 * rankingMetrics(scorer, test, { users: [0] }).users; // 1 (0 if user row 0 has no test positive)
 * ```
 */
export interface RankingOptions<Id extends string | number = string> {
  /** the cut-off: an integer of at least 1 [10] */
  readonly k?: number;
  /**
   * Known positives to leave out of every ranking: a user's pairs here are neither ranked nor
   * counted as negatives (LightFM's `train_interactions` in lightfm/evaluation.py; pass the
   * training positives). Over the same IdMap objects as the test. A pair in both is refused,
   * as LightFM's `predict_rank(check_intersections=True)` refuses it (lightfm/lightfm.py).
   * Omitted: every item is ranked, training items included (LightFM's movielens example,
   * examples/movielens/example.ipynb).
   */
  readonly exclude?: Interactions<Id>;
  /**
   * The user rows to evaluate, each at most once [every user with a test positive, by row];
   * listed users without a test positive are left out, unscored.
   */
  readonly users?: ArrayLike<number>;
}

/**
 * What {@link rankingMetrics} measured: each metric is the mean over the evaluated users with at
 * least one test positive (NaN when there are none).
 *
 * @example
 * ```ts
 * const report: RankingReport = rankingMetrics(scorer, test, { k: 2 }); // as rankingMetrics's example
 * report; // { k: 2, users: 2, excluded: 0, precision: 0.5, recall: 0.75, ndcg: 0.6220..., map: 0.5, auc: 0.5 }
 * ```
 */
export interface RankingReport {
  /** the cut-off */
  readonly k: number;
  /** how many users the means are over: those evaluated with at least one test positive */
  readonly users: number;
  /** how many (user, item) pairs of `exclude` those users' rankings left out (0 without it) */
  readonly excluded: number;
  /** hits / k */
  readonly precision: number;
  /** hits / |T_u| */
  readonly recall: number;
  /** DCG of the hits / DCG of min(k, |T_u|) hits at the top, binary relevance */
  readonly ndcg: number;
  /** Σ over hits of precision at the hit's position / min(k, |T_u|) */
  readonly map: number;
  /** LightFM's per-user AUC (ties against the positive) */
  readonly auc: number;
}

/**
 * Ranking metrics of a scorer against held-out positives, with the field's definitions. For each
 * evaluated user u with test positives T_u (the distinct items of u's pairs in `test`; ratings
 * are ignored: filter with `implicit()` first), the scorer scores every item, and the candidates
 * are every item but u's pairs in `options.exclude`.
 *
 * - **Rank** of a positive: how many other candidates, other test positives included, score at
 *   least as high (LightFM's `predict_ranks`, lightfm/_lightfm_fast.pyx.template). Ties count
 *   against the positive: a tied group sits at its last position. A positive is a **hit** when
 *   its rank is below k. With distinct scores these are the positions of the usual sorted list.
 * - **precision** = hits / k, even when fewer than k items are candidates (LightFM's
 *   `precision_at_k`, lightfm/evaluation.py); **recall** = hits / |T_u| (its `recall_at_k`).
 * - **ndcg** = Σ over hits of 1 / log2(rank + 2), over Σ_{p < min(k, |T_u|)} 1 / log2(p + 2).
 * - **map** = Σ over hits of (positives ranked at or above it) / (rank + 1), over min(k, |T_u|).
 * - **auc** = 1 − Σ_i (rank_i − i) / (|T_u| · negatives), the positives sorted by rank and i
 *   counted from 0 (LightFM's `auc_score` by `calculate_auc_from_rank`), where negatives =
 *   items − |T_u| − u's excluded items. With distinct positive scores it is the share of
 *   (positive, negative) pairs in which the positive scores strictly above; a group of g
 *   positives with one score also loses g(g − 1) / 2 pairs, as LightFM orders them among
 *   themselves. 0.5 for a user without negatives (LightFM's rule for one class).
 *
 * The report holds each metric's mean over the users, in float64. A NaN score of a candidate
 * (a positive or a negative) is a RangeError naming the user and the item: it has no place in
 * an order (LightFM's `>=` would put a NaN positive first and a NaN negative nowhere), and it
 * means a diverged model or an item the scorer did not fill. Excluded items' scores are not read.
 *
 * @example
 * ```ts
 * const test = parseInteractions("user,item\nann,x\nann,z\nbob,y\n", { header: true });
 * // items: x row 0, z row 1, y row 2
 * const scores = [
 *   [0.9, 0.1, 0.5], // ann: x first (a hit), y, z third (rank 2: no hit at k = 2)
 *   [0.2, 0.8, 0.4], // bob: z, y second (rank 1: a hit)
 * ];
 * const report = rankingMetrics((user, out) => out.set(scores[user]), test, { k: 2 });
 * report.precision; // (1/2 + 1/2) / 2 = 0.5
 * report.recall;    // (1/2 + 1) / 2 = 0.75
 * report.ndcg;      // (1 / (1 + 1/log2(3)) + 1/log2(3)) / 2 = 0.6220...
 * report.map;       // (1/2 + 1/2) / 2 = 0.5
 * report.auc;       // (1 − (0 + 1) / (2 · 1) + 1 − 1 / 2) / 2 = 0.5
 * ```
 */
export function rankingMetrics<Id extends string | number>(
  scorer: Scorer,
  test: Interactions<Id>,
  options?: RankingOptions<Id>,
): RankingReport {
  const caller = "rankingMetrics";
  if (typeof scorer !== "function") {
    throw new TypeError(`${caller}(): scorer must be a function (user, out) => void, got ${describe(scorer)}`);
  }
  const data = checkInteractions<Id>(test, caller, "test");
  const o = checkOptions<RankingOptions<Id>>(caller, "options", options, ["k", "exclude", "users"]);
  const k = o.k === undefined ? 10 : checkInteger(caller, "options.k", o.k, 1);
  const userCount = data.users.size,
    itemCount = data.items.size;
  const positives = byUser(caller, "test", data, userCount, itemCount);
  let exclude: ByUser | undefined;
  if (o.exclude !== undefined) {
    const other = checkInteractions<Id>(o.exclude, caller, "options.exclude");
    for (const map of ["users", "items"] as const) {
      if (other[map] !== data[map]) {
        throw new RangeError(
          `${caller}(): options.exclude.${map} must be test.${map} (the same IdMap: rows of another map are other ids), got another IdMap`,
        );
      }
    }
    exclude = byUser(caller, "options.exclude", other, userCount, itemCount);
  }
  const evaluated = o.users === undefined ? usersWithPositives(positives) : checkUsers(caller, o.users, userCount);
  const excluded = checkDisjoint(caller, evaluated, positives, exclude, itemCount);

  let most = 0;
  for (const u of evaluated) most = Math.max(most, positives.start[u + 1] - positives.start[u]);
  // ideal[c]: the DCG of c hits at the top
  const ideal = new Float64Array(most + 1);
  for (let p = 0; p < most; p++) ideal[p + 1] = ideal[p] + 1 / Math.log2(p + 2);
  const out = new Float32Array(itemCount),
    // 1: excluded, 2: a test positive, of the user being ranked
    role = new Uint8Array(itemCount),
    sorted = new Float64Array(most),
    // reach[c]: the negatives scoring at least as high as exactly c of the positives (the lowest c)
    reach = new Float64Array(most + 1);
  let users = 0,
    precision = 0,
    recall = 0,
    ndcg = 0,
    map = 0,
    auc = 0;
  for (const u of evaluated) {
    const first = positives.start[u],
      t = positives.start[u + 1] - first;
    if (t === 0) continue;
    users++;
    out.fill(NaN);
    scorer(u, out);
    if (out.length !== itemCount) {
      throw new Error(`${caller}(): scorer(${u}, out) detached out: it must only write scores into it`);
    }
    if (exclude) for (let x = exclude.start[u]; x < exclude.start[u + 1]; x++) role[exclude.item[x]] = 1;
    for (let x = 0; x < t; x++) {
      const item = positives.item[first + x],
        score = out[item];
      if (score !== score) throw nanScore(caller, u, item);
      role[item] = 2;
      sorted[x] = score;
    }
    const scores = sorted.subarray(0, t).sort(),
      lowest = scores[0];
    reach.fill(0, 0, t + 1);
    let negatives = 0;
    for (let item = 0; item < itemCount; item++) {
      if (role[item] !== 0) continue;
      negatives++;
      const score = out[item];
      if (score < lowest) continue;
      if (score !== score) throw nanScore(caller, u, item);
      // how many positives score at most `score` (at least the lowest does)
      let lo = 1,
        hi = t;
      while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        if (scores[mid] <= score) lo = mid + 1;
        else hi = mid;
      }
      reach[lo]++;
    }
    if (exclude) for (let x = exclude.start[u]; x < exclude.start[u + 1]; x++) role[exclude.item[x]] = 0;
    for (let x = 0; x < t; x++) role[positives.item[first + x]] = 0;

    // the positives from the highest score down, a group of equal scores scores[low..top) at a time
    let hits = 0,
      dcg = 0,
      ap = 0,
      rankSum = 0,
      above = 0, // negatives scoring at least scores[top - 1]: reach[top..t]
      counted = t + 1;
    for (let top = t; top > 0;) {
      let low = top - 1;
      while (low > 0 && scores[low - 1] === scores[top - 1]) low--;
      while (counted > top) above += reach[--counted];
      const size = top - low,
        rank = above + (t - low) - 1; // the negatives and the other positives at or above
      rankSum += size * rank;
      if (rank < k) {
        hits += size;
        dcg += size / Math.log2(rank + 2);
        ap += (size * (t - low)) / (rank + 1);
      }
      top = low;
    }
    const relevant = Math.min(k, t);
    precision += hits / k;
    recall += hits / t;
    ndcg += dcg / ideal[relevant];
    map += ap / relevant;
    // LightFM: sum of (rank_i − i) over the positives sorted by rank, i = 0, 1, ...
    auc += negatives === 0 ? 0.5 : 1 - (rankSum - (t * (t - 1)) / 2) / (negatives * t);
  }
  const mean = (sum: number) => (users === 0 ? NaN : sum / users);
  return {
    k,
    users,
    excluded,
    precision: mean(precision),
    recall: mean(recall),
    ndcg: mean(ndcg),
    map: mean(map),
    auc: mean(auc),
  };
}

/** Each user's distinct items: user u's are item[start[u]..start[u + 1]), in their first order. */
interface ByUser {
  readonly start: Uint32Array;
  readonly item: Uint32Array;
}

/** The pairs of `data` grouped by user, each (user, item) once (a counting sort, then a pass). */
function byUser<Id extends string | number>(
  caller: string,
  name: string,
  data: Interactions<Id>,
  userCount: number,
  itemCount: number,
): ByUser {
  const { count, user, item } = data;
  const start = new Uint32Array(userCount + 1);
  for (let i = 0; i < count; i++) {
    // checked by checkInteractions; again here, as these are the arrays used
    if (!(user[i] < userCount && item[i] < itemCount)) {
      const [column, map, size] = user[i] < userCount ? ["item", "items", itemCount] : ["user", "users", userCount];
      throw new RangeError(
        `${caller}(): ${name}.${column}[${i}] = ${(column === "user" ? user : item)[i]} is not a row of ${name}.${map} (size ${size})`,
      );
    }
    start[user[i] + 1]++;
  }
  for (let u = 0; u < userCount; u++) start[u + 1] += start[u];
  const next = start.slice(0, userCount),
    items = new Uint32Array(count);
  for (let i = 0; i < count; i++) items[next[user[i]]++] = item[i];
  // keep each user's first occurrence of an item: last[item] = the row + 1 of the user that last kept it
  const last = new Uint32Array(itemCount);
  let kept = 0;
  for (let u = 0; u < userCount; u++) {
    const from = start[u],
      to = start[u + 1];
    start[u] = kept;
    for (let x = from; x < to; x++) {
      const j = items[x];
      if (last[j] !== u + 1) {
        last[j] = u + 1;
        items[kept++] = j;
      }
    }
  }
  start[userCount] = kept;
  return { start, item: items.subarray(0, kept) };
}

/** The user rows with at least one pair, in order. */
function usersWithPositives(positives: ByUser): Uint32Array {
  const rows: number[] = [];
  for (let u = 0; u + 1 < positives.start.length; u++) if (positives.start[u + 1] > positives.start[u]) rows.push(u);
  return Uint32Array.from(rows);
}

/** options.users: distinct user rows of the test, read once. */
function checkUsers(caller: string, value: unknown, userCount: number): Uint32Array {
  const rows = checkNumbers(caller, "options.users", value, undefined, "");
  const listed = new Uint8Array(userCount),
    users = new Uint32Array(rows.length);
  for (let i = 0; i < rows.length; i++) {
    const u = rows[i];
    if (!(Number.isInteger(u) && u >= 0 && u < userCount)) {
      const range = userCount === 0 ? "test.users is empty" : `an integer from 0 to ${userCount - 1}`;
      throw new RangeError(`${caller}(): options.users[${i}] must be a user row of test.users (${range}), got ${u}`);
    }
    if (listed[u]) throw new RangeError(`${caller}(): options.users[${i}] = ${u} is listed twice`);
    listed[u] = 1;
    users[i] = u;
  }
  return users;
}

/**
 * How many excluded pairs the evaluated users' rankings leave out; a RangeError if a test
 * positive of theirs is also excluded (LightFM's check_intersections).
 */
function checkDisjoint(
  caller: string,
  users: Uint32Array,
  positives: ByUser,
  exclude: ByUser | undefined,
  itemCount: number,
): number {
  if (!exclude) return 0;
  const excluded = new Uint8Array(itemCount);
  let pairs = 0,
    shared = 0,
    example = "";
  for (const u of users) {
    const from = positives.start[u],
      to = positives.start[u + 1];
    if (from === to) continue;
    const a = exclude.start[u],
      b = exclude.start[u + 1];
    pairs += b - a;
    for (let x = a; x < b; x++) excluded[exclude.item[x]] = 1;
    for (let x = from; x < to; x++) {
      if (!excluded[positives.item[x]]) continue;
      if (shared++ === 0) example = `user row ${u}, item row ${positives.item[x]}`;
    }
    for (let x = a; x < b; x++) excluded[exclude.item[x]] = 0;
  }
  if (shared > 0) {
    throw new RangeError(
      `${caller}(): test and options.exclude share ${shared} (user, item) pair${shared === 1 ? "" : "s"} (the first: ${example}); a held-out positive cannot also be excluded`,
    );
  }
  return pairs;
}

/** The error of a NaN score. */
function nanScore(caller: string, user: number, item: number): RangeError {
  return new RangeError(
    `${caller}(): scorer(${user}, out) left out[${item}] NaN: every item's score must be a number, written synchronously`,
  );
}
