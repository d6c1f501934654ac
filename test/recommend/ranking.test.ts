// Ranking metrics (docs/design.md §13, "Ranking metrics"): hand-computed cases for every metric,
// ties, users without a test positive, exclude or not, k past the items, a brute-force reference
// (a full sort, LightFM's O(items x positives) ranks) on random data, and the errors. Runs in
// every runtime: the data is generated here.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  IdMap,
  implicit,
  parseInteractions,
  rankingMetrics,
  splitRandom,
  type Interactions,
  type RankingReport,
  type Scorer,
} from "../../src/recommend/index.js";
import { interactions } from "../../src/recommend/interactions.js";

const range = (n: number) => Array.from({ length: n }, (_, i) => i);

/** Id maps of users 0..users-1 and items 0..items-1 (ids equal to rows). */
const maps = (users: number, items: number) => ({ users: new IdMap(range(users)), items: new IdMap(range(items)) });

/** Interactions of (user row, item row) pairs over the given maps. */
function pairs(
  { users, items }: ReturnType<typeof maps>,
  list: readonly (readonly [number, number])[],
): Interactions<number> {
  const user = Uint32Array.from(list, ([u]) => u),
    item = Uint32Array.from(list, ([, i]) => i);
  return interactions(users, items, user, item, new Float32Array(list.length).fill(1), undefined, false);
}

/** A scorer over a matrix of scores: row u holds user u's score of every item. */
const matrix =
  (scores: readonly (readonly number[])[]): Scorer =>
  (user, out) =>
    out.set(scores[user]);

const log2 = Math.log2;

describe("rankingMetrics() computes each metric as the field does", () => {
  // one user, six items scored 6..1 (item 0 first), test positives items 0, 2 and 5, k = 3
  const m = maps(1, 6);
  const report = rankingMetrics(
    matrix([[6, 5, 4, 3, 2, 1]]),
    pairs(m, [
      [0, 0],
      [0, 2],
      [0, 5],
    ]),
    { k: 3 },
  );

  it("precision is the hits over k: items 0 and 2 are in the top 3, so 2/3", () => {
    expect(report.precision).toBe(2 / 3);
  });

  it("recall is the hits over the user's test positives: 2 of 3", () => {
    expect(report.recall).toBe(2 / 3);
  });

  it("NDCG discounts the hits at positions 0 and 2 against 3 hits at the top", () => {
    // DCG = 1/log2(2) + 1/log2(4) = 1.5; ideal over min(k, 3) = 3: 1 + 1/log2(3) + 1/2 = 2.1309...
    expect(report.ndcg).toBeCloseTo(1.5 / (1 + 1 / log2(3) + 1 / 2), 15);
    expect(report.ndcg).toBeCloseTo(0.70392, 5);
  });

  it("MAP averages the precision at each hit over min(k, positives): (1/1 + 2/3) / 3", () => {
    expect(report.map).toBeCloseTo(5 / 9, 15);
  });

  it("AUC is LightFM's: 1 - sum of (rank - i) over positives sorted by rank, over positives x negatives", () => {
    // ranks 0, 2, 5 (item 5 has the 5 other items above it); minus i = 0, 1, 2: 0, 1, 3; three
    // negatives (items 1, 3, 4): 1 - 4 / (3 * 3) = 5/9, the share of (positive, negative) pairs won
    expect(report.auc).toBeCloseTo(5 / 9, 15);
  });

  it("reports k, how many users the means are over, and that nothing was excluded", () => {
    expect({ k: report.k, users: report.users, excluded: report.excluded }).toEqual({ k: 3, users: 1, excluded: 0 });
  });

  it("averages over users: two users' metrics, each computed alone", () => {
    // user 0 as above; user 1 scores item 5 first: rank 0, a hit at k = 3; precision 1/3, recall
    // 1, NDCG 1, MAP 1/1 / min(3, 1) = 1, AUC: rank 0, five negatives, 1
    const two = maps(2, 6);
    const test = pairs(two, [
      [0, 0],
      [1, 5],
      [0, 2],
      [0, 5],
    ]);
    const both = rankingMetrics(
      matrix([
        [6, 5, 4, 3, 2, 1],
        [1, 2, 3, 4, 5, 6],
      ]),
      test,
      { k: 3 },
    );
    expect(both.users).toBe(2);
    expect(both.precision).toBeCloseTo((2 / 3 + 1 / 3) / 2, 15);
    expect(both.recall).toBeCloseTo((2 / 3 + 1) / 2, 15);
    expect(both.ndcg).toBeCloseTo((report.ndcg + 1) / 2, 15);
    expect(both.map).toBeCloseTo((5 / 9 + 1) / 2, 15);
    expect(both.auc).toBeCloseTo((5 / 9 + 1) / 2, 15);
  });

  it("gives the results its documentation states", () => {
    const test = parseInteractions("user,item\nann,x\nann,z\nbob,y\n", { header: true });
    const scores = [
      [0.9, 0.1, 0.5],
      [0.2, 0.8, 0.4],
    ];
    const r = rankingMetrics((user, out) => out.set(scores[user]), test, { k: 2 });
    expect(r.precision).toBe(0.5);
    expect(r.recall).toBe(0.75);
    expect(r.ndcg).toBeCloseTo((1 / (1 + 1 / log2(3)) + 1 / log2(3)) / 2, 15);
    expect(r.map).toBe(0.5);
    expect(r.auc).toBe(0.5);
  });
});

describe("rankingMetrics() counts ties against the positive", () => {
  it("puts a positive tied with negatives at the last position of its group", () => {
    // scores 1, 1, 1, 0 and item 1 the positive: items 0 and 2 score as high, so its rank is 2;
    // a hit at k = 3 (precision 1/3, NDCG 1/log2(4) = 1/2) but not at k = 2; AUC: the three
    // negatives 0, 2, 3, two of them at or above it: 1 - 2/3
    const m = maps(1, 4);
    const test = pairs(m, [[0, 1]]);
    const scorer = matrix([[1, 1, 1, 0]]);
    expect(rankingMetrics(scorer, test, { k: 2 }).precision).toBe(0);
    const at3 = rankingMetrics(scorer, test, { k: 3 });
    expect(at3.precision).toBe(1 / 3);
    expect(at3.ndcg).toBe(1 / 2);
    expect(at3.map).toBe(1 / 3);
    expect(at3.auc).toBeCloseTo(1 / 3, 15);
  });

  it("puts positives tied with each other at their group's last position too, and LightFM's AUC orders them", () => {
    // scores 1, 1, 0 with positives items 0 and 1: each has the other at or above it, rank 1.
    // k = 1: the group does not fit, no hit. k = 2: both hit; DCG 2/log2(3) against 1 + 1/log2(3);
    // MAP (2/2 + 2/2) / 2 = 1. AUC: ranks 1, 1 minus i = 0, 1 give 1 + 0 over 2 positives x 1
    // negative: 1 - 1/2 = 0.5, though both positives score above the negative (LightFM's
    // calculate_auc_from_rank: "Ignore ties")
    const m = maps(1, 3);
    const test = pairs(m, [
      [0, 0],
      [0, 1],
    ]);
    const scorer = matrix([[1, 1, 0]]);
    expect(rankingMetrics(scorer, test, { k: 1 }).precision).toBe(0);
    const at2 = rankingMetrics(scorer, test, { k: 2 });
    expect(at2.precision).toBe(1);
    expect(at2.ndcg).toBeCloseTo(2 / log2(3) / (1 + 1 / log2(3)), 15);
    expect(at2.map).toBe(1);
    expect(at2.auc).toBe(0.5);
    // the same positives with distinct scores win every pair
    expect(rankingMetrics(matrix([[1, 0.5, 0]]), test, { k: 2 }).auc).toBe(1);
  });

  it("compares the float32 scores the scorer wrote: values that round alike tie", () => {
    // 1 + 2^-30 is 1 in float32: the negative item 0 ties with the positive item 1
    const m = maps(1, 2);
    const report = rankingMetrics(matrix([[1 + 2 ** -30, 1]]), pairs(m, [[0, 1]]), { k: 1 });
    expect(report.precision).toBe(0);
    expect(report.auc).toBe(0);
  });

  it("orders infinite scores like any others", () => {
    const m = maps(1, 3);
    const report = rankingMetrics(matrix([[-Infinity, Infinity, 0]]), pairs(m, [[0, 1]]), { k: 1 });
    expect([report.precision, report.auc]).toEqual([1, 1]);
  });
});

describe("rankingMetrics() takes the mean over users with a test positive", () => {
  const m = maps(3, 3);
  const test = pairs(m, [
    [0, 0],
    [2, 1],
  ]); // user 1 has no test positive
  const scores = [
    [3, 2, 1],
    [3, 2, 1],
    [3, 2, 1],
  ];

  it("leaves out a user without a test positive, and never scores them", () => {
    const called: number[] = [];
    const report = rankingMetrics((user, out) => (called.push(user), out.set(scores[user])), test, { k: 1 });
    expect(called).toEqual([0, 2]);
    // user 0: item 0 first, precision 1; user 2: item 1 second, precision 0
    expect([report.users, report.precision]).toEqual([2, 0.5]);
  });

  it("evaluates only options.users when given, as a list or a typed array", () => {
    const listed = rankingMetrics(matrix(scores), test, { k: 1, users: [2, 1] });
    expect([listed.users, listed.precision]).toEqual([1, 0]);
    expect(rankingMetrics(matrix(scores), test, { k: 1, users: Uint32Array.of(0) }).precision).toBe(1);
  });

  it("reports users 0 and NaN means when no evaluated user has a test positive", () => {
    const none = rankingMetrics(matrix(scores), test, { users: [1] });
    expect(none).toEqual({ k: 10, users: 0, excluded: 0, precision: NaN, recall: NaN, ndcg: NaN, map: NaN, auc: NaN });
    expect(rankingMetrics(matrix(scores), pairs(m, [])).users).toBe(0);
  });

  it("counts a (user, item) pair listed twice in test once", () => {
    const once = rankingMetrics(matrix(scores), pairs(m, [[0, 1]]), { k: 2 });
    expect(
      rankingMetrics(
        matrix(scores),
        pairs(m, [
          [0, 1],
          [0, 1],
        ]),
        { k: 2 },
      ),
    ).toEqual(once);
  });

  it("gives AUC 0.5 to a user whose every candidate is a test positive (LightFM's rule for one class)", () => {
    const one = maps(1, 2);
    expect(
      rankingMetrics(
        matrix([[1, 0]]),
        pairs(one, [
          [0, 0],
          [0, 1],
        ]),
      ).auc,
    ).toBe(0.5);
  });

  it("hands the scorer a Float32Array of test.items.size scores, filled with NaN, the same for every user", () => {
    const seen: Float32Array[] = [];
    rankingMetrics((user, out) => {
      expect(out).toBeInstanceOf(Float32Array);
      expect([...out]).toEqual([NaN, NaN, NaN]);
      seen.push(out);
      out.set(scores[user]);
    }, test);
    expect(seen.length).toBe(2);
    expect(seen[0]).toBe(seen[1]);
  });
});

describe("rankingMetrics() with and without options.exclude (LightFM's train_interactions)", () => {
  // items scored 5..1; training positive item 0, test positives items 1 and 3; k = 2
  const m = maps(1, 5);
  const train = pairs(m, [[0, 0]]);
  const test = pairs(m, [
    [0, 1],
    [0, 3],
  ]);
  const scorer = matrix([[5, 4, 3, 2, 1]]);

  it("without it ranks every item: the training item takes the top place and counts as a negative", () => {
    // ranks: item 1 → 1, item 3 → 3; one hit (item 1); NDCG (1/log2(3)) / (1 + 1/log2(3));
    // AUC: negatives 0, 2, 4; ranks minus i: 1, 2; 1 - 3 / (2 * 3) = 0.5
    const all = rankingMetrics(scorer, test, { k: 2 });
    expect(all.precision).toBe(1 / 2);
    expect(all.ndcg).toBeCloseTo(1 / log2(3) / (1 + 1 / log2(3)), 15);
    expect(all.map).toBe(1 / 2 / 2);
    expect(all.auc).toBe(0.5);
    expect(all.excluded).toBe(0);
  });

  it("with it leaves the training item out of the ranking and out of the negatives", () => {
    // ranks: item 1 → 0, item 3 → 2; one hit at the top; NDCG 1 / (1 + 1/log2(3)); MAP (1/1) / 2;
    // AUC: negatives 2 and 4 (5 items - 2 positives - 1 excluded); ranks minus i: 0, 1;
    // 1 - 1 / (2 * 2) = 0.75
    const held = rankingMetrics(scorer, test, { k: 2, exclude: train });
    expect(held.precision).toBe(1 / 2);
    expect(held.ndcg).toBeCloseTo(1 / (1 + 1 / log2(3)), 15);
    expect(held.map).toBe(1 / 2);
    expect(held.auc).toBe(0.75);
    expect(held.excluded).toBe(1);
  });

  it("never reads an excluded item's score, so a scorer may leave it NaN", () => {
    const held = rankingMetrics(matrix([[NaN, 4, 3, 2, 1]]), test, { k: 2, exclude: train });
    expect(held.auc).toBe(0.75);
  });

  it("counts the excluded pairs of the evaluated users only, each pair once", () => {
    const two = maps(2, 5);
    const twoTest = pairs(two, [[0, 1]]); // user 1 has no test positive
    const twoTrain = pairs(two, [
      [0, 0],
      [0, 0],
      [0, 2],
      [1, 3],
    ]);
    const scores = matrix([
      [5, 4, 3, 2, 1],
      [5, 4, 3, 2, 1],
    ]);
    expect(rankingMetrics(scores, twoTest, { exclude: twoTrain }).excluded).toBe(2);
  });
});

describe("rankingMetrics() with k larger than the items", () => {
  it("ranks every item, and precision still divides by k (LightFM's precision_at_k)", () => {
    // scores 3, 2, 1 with positives items 0 and 2: both hit at k = 10; precision 2/10; recall 1;
    // NDCG (1 + 1/log2(4)) / (1 + 1/log2(3)) (ideal over min(10, 2)); MAP (1/1 + 2/3) / 2;
    // AUC: ranks 0, 2 minus i: 0, 1 over 2 positives x 1 negative: 0.5
    const m = maps(1, 3);
    const report = rankingMetrics(
      matrix([[3, 2, 1]]),
      pairs(m, [
        [0, 0],
        [0, 2],
      ]),
    );
    expect(report.precision).toBe(0.2);
    expect(report.recall).toBe(1);
    expect(report.ndcg).toBeCloseTo(1.5 / (1 + 1 / log2(3)), 15);
    expect(report.map).toBeCloseTo(5 / 6, 15);
    expect(report.auc).toBe(0.5);
  });
});

describe("rankingMetrics() on a split of parsed ratings", () => {
  it("evaluates the positives of a test split over the train split's maps", () => {
    // 4 users x 6 items, every user rates every item; ratings >= 4 are positives
    const lines = ["user,item,rating"];
    for (let u = 0; u < 4; u++) for (let i = 0; i < 6; i++) lines.push(`u${u},i${i},${1 + ((u + i) % 5)}`);
    const liked = implicit(parseInteractions(lines.join("\n")), { threshold: 4 });
    const { train, test } = splitRandom(liked, { testFraction: 0.5, seed: 3 });
    // a scorer that knows the ratings: the positives (ratings 4, 5) score highest, without ties
    const scorer: Scorer = (user, out) => {
      for (let item = 0; item < out.length; item++) {
        const [u, i] = [Number(liked.users.id(user).slice(1)), Number(liked.items.id(item).slice(1))];
        out[item] = 1 + ((u + i) % 5) + i / 100;
      }
    };
    const report = rankingMetrics(scorer, test, { k: 2, exclude: train });
    expect(report.users).toBeGreaterThan(0);
    expect(report.recall).toBe(1);
    expect(report.ndcg).toBe(1);
    expect(report.excluded).toBe(train.count);
  });
});

// --- against a plain reference ---------------------------------------------------------------

/**
 * The metrics written plainly: candidates sorted in full (a tied group at its last position) for
 * the top k, and LightFM's predict_ranks (every candidate against every positive) and
 * calculate_auc_from_rank for the AUC.
 */
function reference(
  scores: readonly (readonly number[])[],
  positives: readonly Set<number>[],
  excluded: readonly Set<number>[],
  users: readonly number[],
  k: number,
): Omit<RankingReport, "excluded"> {
  const sums = { precision: 0, recall: 0, ndcg: 0, map: 0, auc: 0 };
  let count = 0;
  for (const u of users) {
    const T = positives[u];
    if (T.size === 0) continue;
    count++;
    const s = scores[u].map(Math.fround);
    const candidates = range(s.length).filter((i) => !excluded[u].has(i));
    const order = [...candidates].sort((a, b) => (s[a] > s[b] ? -1 : s[a] < s[b] ? 1 : 0));
    const position = new Map<number, number>();
    order.forEach((item, p) => {
      let last = p;
      while (last + 1 < order.length && s[order[last + 1]] === s[item]) last++;
      position.set(item, last);
    });
    const hits = [...T].map((i) => position.get(i)!).filter((p) => p < k);
    let dcg = 0,
      ideal = 0,
      ap = 0;
    for (const p of hits) {
      dcg += 1 / Math.log2(p + 2);
      ap += hits.filter((q) => q <= p).length / (p + 1);
    }
    for (let p = 0; p < Math.min(k, T.size); p++) ideal += 1 / Math.log2(p + 2);
    sums.precision += hits.length / k;
    sums.recall += hits.length / T.size;
    sums.ndcg += dcg / ideal;
    sums.map += ap / Math.min(k, T.size);
    const ranks = [...T].map((p) => candidates.filter((i) => i !== p && s[i] >= s[p]).length).sort((a, b) => a - b);
    const negatives = s.length - T.size - excluded[u].size;
    let auc = 0;
    ranks.forEach((rank, i) => (auc += 1 - Math.max(rank - i, 0) / negatives));
    sums.auc += negatives === 0 ? 0.5 : auc / T.size;
  }
  const mean = (x: number) => (count === 0 ? NaN : x / count);
  return {
    k,
    users: count,
    precision: mean(sums.precision),
    recall: mean(sums.recall),
    ndcg: mean(sums.ndcg),
    map: mean(sums.map),
    auc: mean(sums.auc),
  };
}

const close = (a: number, b: number) => (Number.isNaN(a) && Number.isNaN(b)) || Math.abs(a - b) <= 1e-12;

describe("rankingMetrics() agrees with a brute-force reference", () => {
  // per (user, item): 0 nothing, 1 a test positive, 2 one listed twice, 3 a training positive
  const problem = fc
    .record({ users: fc.integer({ min: 1, max: 5 }), items: fc.integer({ min: 1, max: 12 }) })
    .chain(({ users, items }) =>
      fc.record({
        users: fc.constant(users),
        items: fc.constant(items),
        roles: fc.array(fc.constantFrom(0, 0, 0, 1, 1, 2, 3, 3), {
          minLength: users * items,
          maxLength: users * items,
        }),
        // few distinct values, so that ties are common; sometimes any float32, or infinite
        scores: fc.array(
          fc.oneof(
            { arbitrary: fc.integer({ min: -2, max: 2 }), weight: 4 },
            { arbitrary: fc.float({ noNaN: true, min: -10, max: 10 }), weight: 2 },
            { arbitrary: fc.constantFrom(Infinity, -Infinity), weight: 1 },
          ),
          { minLength: users * items, maxLength: users * items },
        ),
        k: fc.integer({ min: 1, max: 14 }),
        exclude: fc.boolean(),
        subset: fc.option(fc.shuffledSubarray(range(users))),
      }),
    );

  it("on random data with ties, training positives or not, every k and user subsets", () => {
    fc.assert(
      fc.property(problem, (p) => {
        const m = maps(p.users, p.items);
        const test: [number, number][] = [],
          train: [number, number][] = [];
        const positives = range(p.users).map(() => new Set<number>()),
          excluded = range(p.users).map(() => new Set<number>());
        // items outermost, so that a user's pairs are interleaved with the others'
        for (let i = 0; i < p.items; i++) {
          for (let u = 0; u < p.users; u++) {
            const role = p.roles[u * p.items + i];
            if (role === 1 || role === 2) positives[u].add(i);
            for (let r = 0; r < role && role <= 2; r++) test.push([u, i]);
            if (role === 3 && p.exclude) {
              excluded[u].add(i);
              train.push([u, i]);
            }
          }
        }
        const scores = range(p.users).map((u) => p.scores.slice(u * p.items, (u + 1) * p.items));
        const users = p.subset ?? range(p.users);
        const actual = rankingMetrics(matrix(scores), pairs(m, test), {
          k: p.k,
          exclude: p.exclude ? pairs(m, train) : undefined,
          users: p.subset ?? undefined,
        });
        const expected = reference(scores, positives, excluded, users, p.k);
        for (const key of Object.keys(expected) as (keyof typeof expected)[]) {
          if (!close(actual[key], expected[key])) throw new Error(`${key}: ${actual[key]}, expected ${expected[key]}`);
        }
        const pairsExcluded = users.reduce((sum, u) => sum + (positives[u].size > 0 ? excluded[u].size : 0), 0);
        if (actual.excluded !== pairsExcluded)
          throw new Error(`excluded: ${actual.excluded}, expected ${pairsExcluded}`);
      }),
      { seed: 21, numRuns: 500 },
    );
  });
});

// --- errors ----------------------------------------------------------------------------------

describe("rankingMetrics() refuses what it cannot rank, naming the argument", () => {
  const m = maps(2, 3);
  const test = pairs(m, [[0, 1]]);
  const scorer = matrix([
    [3, 2, 1],
    [3, 2, 1],
  ]);

  it.each([
    {
      what: "a scorer that is not a function",
      call: () => rankingMetrics({} as never, test),
      error: TypeError,
      message: "rankingMetrics(): scorer must be a function (user, out) => void, got Object",
    },
    {
      what: "a test that is not Interactions",
      call: () => rankingMetrics(scorer, 7 as never),
      error: TypeError,
      message: "rankingMetrics(): test must be an Interactions object, got number",
    },
    {
      what: "options that are not an object",
      call: () => rankingMetrics(scorer, test, "k=5" as never),
      error: TypeError,
      message: "rankingMetrics(): options must be an object or undefined, got string",
    },
    {
      what: "k of 0",
      call: () => rankingMetrics(scorer, test, { k: 0 }),
      error: RangeError,
      message: "rankingMetrics(): options.k must be an integer of at least 1, got 0",
    },
    {
      what: "k of 2.5",
      call: () => rankingMetrics(scorer, test, { k: 2.5 }),
      error: RangeError,
      message: "rankingMetrics(): options.k must be an integer of at least 1, got 2.5",
    },
    {
      what: "k as text",
      call: () => rankingMetrics(scorer, test, { k: "10" as never }),
      error: RangeError,
      message: 'rankingMetrics(): options.k must be an integer of at least 1, got "10"',
    },
    {
      what: "a test pair whose item is not a row of the scorer's items",
      call: () => rankingMetrics(scorer, { ...test, item: Uint32Array.of(3) }),
      error: RangeError,
      message: "rankingMetrics(): test.item[0] = 3 is not a row of test.items (size 3)",
    },
    {
      what: "a test pair whose user is not a row of test.users",
      call: () => rankingMetrics(scorer, { ...test, user: Uint32Array.of(2) }),
      error: RangeError,
      message: "rankingMetrics(): test.user[0] = 2 is not a row of test.users (size 2)",
    },
    {
      what: "exclude that is not Interactions",
      call: () => rankingMetrics(scorer, test, { exclude: [] as never }),
      error: TypeError,
      message: "rankingMetrics(): options.exclude.users must be an IdMap, got undefined",
    },
    {
      what: "exclude over other maps, even with the same ids",
      call: () => rankingMetrics(scorer, test, { exclude: pairs(maps(2, 3), [[0, 0]]) }),
      error: RangeError,
      message:
        "rankingMetrics(): options.exclude.users must be test.users (the same IdMap: rows of another map are other ids), got another IdMap",
    },
    {
      what: "exclude over other item maps",
      call: () => rankingMetrics(scorer, test, { exclude: pairs({ users: m.users, items: new IdMap(range(3)) }, []) }),
      error: RangeError,
      message:
        "rankingMetrics(): options.exclude.items must be test.items (the same IdMap: rows of another map are other ids), got another IdMap",
    },
    {
      what: "a test positive that is also excluded (LightFM's check_intersections)",
      call: () =>
        rankingMetrics(scorer, test, {
          exclude: pairs(m, [
            [0, 0],
            [0, 1],
          ]),
        }),
      error: RangeError,
      message:
        "rankingMetrics(): test and options.exclude share 1 (user, item) pair (the first: user row 0, item row 1); a held-out positive cannot also be excluded",
    },
    {
      what: "users that are not an array",
      call: () => rankingMetrics(scorer, test, { users: 0 as never }),
      error: TypeError,
      message: "rankingMetrics(): options.users must be an array of numbers, got number",
    },
    {
      what: "a user that is not a row",
      call: () => rankingMetrics(scorer, test, { users: [0, 2] }),
      error: RangeError,
      message: "rankingMetrics(): options.users[1] must be a user row of test.users (an integer from 0 to 1), got 2",
    },
    {
      what: "a user row that is not an integer",
      call: () => rankingMetrics(scorer, test, { users: [0.5] }),
      error: RangeError,
      message: "rankingMetrics(): options.users[0] must be a user row of test.users (an integer from 0 to 1), got 0.5",
    },
    {
      what: "a user listed twice",
      call: () => rankingMetrics(scorer, test, { users: [1, 0, 1] }),
      error: RangeError,
      message: "rankingMetrics(): options.users[2] = 1 is listed twice",
    },
  ])("refuses $what", ({ call, error, message }) => {
    expect(call).toThrow(error);
    expect(call).toThrow(message);
  });

  it("refuses a NaN score of a test positive, naming the user and the item", () => {
    expect(() => rankingMetrics(matrix([[3, NaN, 1]]), test)).toThrow(
      new RangeError(
        "rankingMetrics(): scorer(0, out) left out[1] NaN: every item's score must be a number, written synchronously",
      ),
    );
  });

  it("refuses a NaN score of a negative, and a score left unwritten", () => {
    expect(() => rankingMetrics(matrix([[3, 2, NaN]]), test)).toThrow("scorer(0, out) left out[2] NaN");
    expect(() => rankingMetrics((_, out) => void (out[1] = 1), test)).toThrow("scorer(0, out) left out[0] NaN");
  });

  it("refuses a scorer that writes later (a Promise's): nothing was written when it returned", () => {
    const later = (_: number, out: Float32Array) => Promise.resolve().then(() => out.fill(1));
    // the test positive, item 1, is read first
    expect(() => rankingMetrics(later, test)).toThrow("scorer(0, out) left out[1] NaN");
  });

  it("refuses a scorer that detached out", () => {
    const detach: Scorer = (_, out) => void structuredClone(out.buffer, { transfer: [out.buffer as ArrayBuffer] });
    expect(() => rankingMetrics(detach, test)).toThrow(
      new Error("rankingMetrics(): scorer(0, out) detached out: it must only write scores into it"),
    );
  });

  it("passes on what the scorer throws", () => {
    const failing: Scorer = () => {
      throw new Error("model disposed");
    };
    expect(() => rankingMetrics(failing, test)).toThrow("model disposed");
  });

  it("reads each option once", () => {
    const reads: string[] = [];
    const options = {
      get k() {
        reads.push("k");
        return reads.length > 1 ? 0 : 1;
      },
      get users() {
        reads.push("users");
        return [0];
      },
      get exclude() {
        reads.push("exclude");
        return undefined;
      },
    };
    expect(rankingMetrics(scorer, test, options).k).toBe(1);
    expect(reads.sort()).toEqual(["exclude", "k", "users"]);
  });
});
