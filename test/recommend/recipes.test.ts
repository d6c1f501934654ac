// The recipes (docs/recommend.md): on planted ratings (low rank, biases, genres) every recipe
// must beat the global mean by far, predict in rating units inside the range, answer cold users
// and items with their biases (never NaN), rank planted preferences, and refuse bad options by
// name. The data is generated here, in GroupLens's u.data format, and parsed as a user's would be.
import { beforeAll, describe, expect, it } from "vitest";
import { init } from "../../src/index.js";
import {
  featuresOf,
  implicit,
  parseInteractions,
  rankingMetrics,
  splitRandom,
  trainRecipe,
  type Features,
  type Interactions,
  type RecipeName,
} from "../../src/recommend/index.js";
import { Random } from "../../src/util/random.js";

beforeAll(() => init());

const USERS = 60,
  ITEMS = 90,
  GENRES = 5;

/**
 * Planted ratings: r = 3.5 + b_u + b_i + <p_u, q_i> + noise, rounded to halves in [0.5, 5]; an
 * item's factors are its genre's centre plus a little of its own, so genres carry signal. Each
 * user rates a `density` share of the items. Text in u.data's format (tab-separated, no
 * header), and the noiseless scores (`truth[u][i]`, by the ids' numbers).
 */
function planted(users: number, items: number, density: number, seed = 7) {
  const random = new Random(seed);
  const normal = (s: number) => s * random.normal();
  const centres = Array.from({ length: GENRES }, () => [normal(0.8), normal(0.8), normal(0.8)]);
  const genre = Array.from({ length: items }, (_, i) => i % GENRES);
  const q = genre.map((g) => centres[g].map((c) => c + normal(0.2)));
  const p = Array.from({ length: users }, () => [normal(0.8), normal(0.8), normal(0.8)]);
  const bu = Array.from({ length: users }, () => normal(0.3)),
    bi = Array.from({ length: items }, () => normal(0.5));
  const lines: string[] = [],
    truth: number[][] = [];
  for (let u = 0; u < users; u++) {
    truth.push([]);
    for (let i = 0; i < items; i++) {
      const score = 3.5 + bu[u] + bi[i] + p[u].reduce((s, x, c) => s + x * q[i][c], 0);
      truth[u].push(score);
      if (random.next() >= density) continue;
      const rating = Math.min(5, Math.max(0.5, Math.round((score + normal(0.3)) * 2) / 2));
      lines.push(`u${u}\tm${i}\t${rating}\t${1e9 + lines.length}`);
    }
  }
  return { text: lines.join("\n") + "\n", genre, truth };
}

const { text, genre } = planted(USERS, ITEMS, 0.4);
const data = parseInteractions(text);
const { train, test } = splitRandom(data, { testFraction: 0.2, seed: 3 });
const genres = featuresOf(
  data.items,
  Array.from({ length: ITEMS }, (_, i) => [`m${i}`, [`g${genre[i]}`]] as const),
);

function meanRmse(trainPart: Interactions, testPart: Interactions): number {
  const mean = trainPart.rating.reduce((s, x) => s + x, 0) / trainPart.count;
  return Math.sqrt(testPart.rating.reduce((s, x) => s + (x - mean) ** 2, 0) / testPart.count);
}

const options = (recipe: RecipeName) => ({ recipe, ...(recipe === "hybrid" && { itemFeatures: genres }) });

describe("explicit recipes on planted ratings", () => {
  const baseline = meanRmse(train, test);

  it.each(["mf", "svd++", "hybrid"] as const)("%s beats the global mean by far, in rating units", (recipe) => {
    const model = trainRecipe(train, options(recipe));
    const { rmse, mae, count } = model.evaluate(test);
    expect(count).toBe(test.count);
    expect(rmse).toBeLessThan(0.72 * baseline);
    expect(mae).toBeLessThan(rmse);
    const predicted = model.predict(test.user, test.item);
    expect(predicted.every((x) => x >= 0.5 && x <= 5)).toBe(true);
    // the validated run stopped somewhere; the refit trained for the epochs it chose
    expect(model.trainedEpochs).toBe(model.history.bestEpoch + 1);
    model.dispose();
  });

  it("clips to the rating range given, and to the training ratings' by default", () => {
    const model = trainRecipe(train, { ratingRange: [3.2, 3.6], epochs: 3 });
    const predicted = model.predict(test.user, test.item);
    expect(Math.min(...predicted)).toBe(3.2);
    expect(Math.max(...predicted)).toBe(3.6);
    expect(model.ratingRange).toEqual([3.2, 3.6]);
    model.dispose();
    const plain = trainRecipe(train, { epochs: 1, validation: 0 });
    expect(plain.ratingRange).toEqual([Math.min(...train.rating), Math.max(...train.rating)]);
    expect(plain.trainedEpochs).toBe(1);
    plain.dispose();
  });

  it("answers a cold user with the mean and the item's bias, a cold item with the user's, never NaN", () => {
    // user u0's and item m0's interactions left out of training: their rows are never trained
    const keep = Array.from(
      { length: train.count },
      (_, i) => train.users.id(train.user[i]) !== "u0" && train.items.id(train.item[i]) !== "m0",
    );
    const user = train.user.filter((_, i) => keep[i]),
      item = train.item.filter((_, i) => keep[i]),
      rating = train.rating.filter((_, i) => keep[i]);
    const part: Interactions = {
      users: train.users,
      items: train.items,
      count: user.length,
      user,
      item,
      rating,
      hasRatings: true,
    };
    for (const recipe of ["mf", "svd++", "hybrid"] as const) {
      const model = trainRecipe(part, { ...options(recipe), epochs: 3 });
      const u0 = data.users.get("u0")!,
        u1 = data.users.get("u1")!,
        m0 = data.items.get("m0")!,
        m1 = data.items.get("m1")!;
      const [cold, coldItem, bothCold] = model.predict([u0, u1, u0], [m1, m0, m0]);
      const { w } = model.model;
      const w0 = model.model.w0;
      const clip = (x: number) => Math.min(5, Math.max(0.5, x));
      const itemRow = (r: number) => (recipe === "svd++" ? USERS + ITEMS + r : USERS + r);
      if (recipe !== "hybrid") {
        expect(cold).toBeCloseTo(clip(w0 + w[itemRow(m1)]), 5);
        expect(coldItem).toBeCloseTo(
          clip(w0 + w[u1] + (recipe === "svd++" ? svdppImplicitBias(model, part, u1) : 0)),
          4,
        );
        expect(bothCold).toBeCloseTo(clip(w0), 5);
      }
      for (const x of [cold, coldItem, bothCold]) expect(Number.isFinite(x)).toBe(true);
      model.dispose();
    }
  });

  it("answers ids added to the maps after training as cold, the same as ids never trained", () => {
    const own = parseInteractions(text); // maps of its own, to grow without touching the others
    const model = trainRecipe(own, { epochs: 2, validation: 0 });
    const newcomer = own.users.add("newcomer"),
      newItem = own.items.add("new item");
    const [p, q] = model.predict([newcomer, 0], [0, newItem]);
    expect(p).toBeCloseTo(Math.min(5, Math.max(0.5, model.model.w0 + model.model.w[USERS])), 5);
    expect(q).toBeCloseTo(Math.min(5, Math.max(0.5, model.model.w0 + model.model.w[0])), 5);
    const out = new Float32Array(own.items.size);
    model.scorer(newcomer, out);
    expect(out.every(Number.isFinite)).toBe(true);
    expect(out[ITEMS]).toBe(Math.fround(model.model.w0)); // the new item: the offset alone
    model.dispose();
  });

  it("gives the same bits for the same seed", () => {
    const a = trainRecipe(train, { epochs: 2, seed: 5 }),
      b = trainRecipe(train, { epochs: 2, seed: 5 }),
      c = trainRecipe(train, { epochs: 2, seed: 6 });
    const pa = a.predict(test.user, test.item);
    expect(b.predict(test.user, test.item)).toEqual(pa);
    expect(c.predict(test.user, test.item)).not.toEqual(pa);
    for (const m of [a, b, c]) m.dispose();
  });
});

/** SVD++'s implicit rows' weights for user u: sum over N(u) of w_(U + j) / sqrt(|N(u)|). */
function svdppImplicitBias(model: ReturnType<typeof trainRecipe>, part: Interactions, u: number): number {
  const rated = new Set<number>();
  for (let i = 0; i < part.count; i++) if (part.user[i] === u) rated.add(part.item[i]);
  let sum = 0;
  for (const j of rated) sum += model.model.w[USERS + j];
  return rated.size ? sum / Math.sqrt(rated.size) : 0;
}

describe("implicit recipes on planted preferences", () => {
  // more users and items than the explicit case: a ranking learns from positives alone
  const many = planted(150, 100, 0.5);
  const all = parseInteractions(many.text);
  const split = splitRandom(all, { testFraction: 0.2, seed: 3 });
  const liked = implicit(split.train, { threshold: 4 }),
    held = implicit(split.test, { threshold: 4 });
  const number = (id: string) => Number(id.slice(1));
  // the noiseless scores rank as well as anything can: about 0.86 here
  const oracle = rankingMetrics(
    (u, out) => {
      for (let j = 0; j < all.items.size; j++) out[j] = many.truth[number(all.users.id(u))][number(all.items.id(j))];
    },
    held,
    { exclude: liked },
  ).auc;
  const manyGenres = featuresOf(
    all.items,
    Array.from({ length: 100 }, (_, i) => [`m${i}`, [`g${many.genre[i]}`]] as const),
  );

  it.each([
    ["mf", "warp", {}],
    ["mf", "bpr", {}],
    ["mf", "warp-kos", { epochs: 10 }],
    ["hybrid", "warp", {}],
    ["svd++", "warp", {}],
  ] as const)("%s with %s ranks the held-out positives with most of the planted scores' lift", (recipe, loss, more) => {
    const model = trainRecipe(liked, {
      recipe,
      loss,
      ...more,
      ...(recipe === "hybrid" && { itemFeatures: manyGenres }),
    });
    expect(model.explicit).toBe(false);
    const report = rankingMetrics(model.scorer, held, { k: 10, exclude: liked });
    expect(report.users).toBeGreaterThan(100);
    expect(oracle).toBeGreaterThan(0.8);
    // random ranking is 0.5: the model must win at least 45% of what the planted scores win
    expect(report.auc).toBeGreaterThan(0.5 + 0.45 * (oracle - 0.5));
    model.dispose();
  });

  it("scores with the scorer what predict gives, pair by pair", () => {
    const model = trainRecipe(liked, { recipe: "hybrid", itemFeatures: manyGenres, epochs: 2 });
    const out = new Float32Array(all.items.size);
    for (const u of [0, 7, 149]) {
      model.scorer(u, out);
      const items = Array.from({ length: all.items.size }, (_, j) => j);
      const predicted = model.predict(new Array(items.length).fill(u), items);
      for (const j of items) expect(out[j]).toBeCloseTo(predicted[j], 4);
    }
    expect(() => model.evaluate(held)).toThrow("Recommender.evaluate(): a warp recommender ranks");
    model.dispose();
  });
});

describe("featuresOf", () => {
  it("lists each id's features once, sorted, over the map's rows, and counts ids it does not know", () => {
    const items = parseInteractions("u\tx\t1\nu\ty\t1\nu\tz\t1\n").items;
    const f = featuresOf(items, [
      ["y", ["b", "a", "b"]],
      ["x", ["a"]],
      ["nobody", ["c"]],
    ]);
    expect(f.skipped).toBe(1);
    expect(f.names.toJSON()).toEqual(["b", "a"]);
    expect([...f.indptr]).toEqual([0, 1, 3, 3]);
    expect([...f.index]).toEqual([1, 0, 1]);
    expect(f.of).toBe(items);
  });

  it("refuses what is not a map, a list or a feature name", () => {
    const items = parseInteractions("u\tx\t1\n").items;
    expect(() => featuresOf({} as never, [])).toThrow("featuresOf(): map must be an IdMap");
    expect(() => featuresOf(items, 3 as never)).toThrow("featuresOf(): lists must be an iterable");
    expect(() => featuresOf(items, [["x"]] as never)).toThrow(
      "featuresOf(): lists entry 0 must be [id, feature names]",
    );
    expect(() => featuresOf(items, [["x", [""]]])).toThrow(
      'featuresOf(): lists entry 0 (id "x") has a feature name ""',
    );
    expect(() => featuresOf(items, [], { names: 1 } as never)).toThrow("featuresOf(): options.names must be an IdMap");
  });
});

describe("trainRecipe refuses bad input by name", () => {
  const cases: [string, unknown, unknown, string | RegExp][] = [
    [
      "a recipe",
      train,
      { recipe: "svd" },
      'trainRecipe(): options.recipe must be one of "mf", "svd++", "hybrid", got "svd"',
    ],
    ["a loss", train, { loss: "hinge" }, 'options.loss must be one of "squared", "bpr", "warp", "warp-kos"'],
    ["ratings for squared", implicit(train), { loss: "squared" }, "the squared loss fits ratings, and train has none"],
    ["an empty train", splitRandom(train, { testFraction: 1 }).train, {}, "trainRecipe(): train has no interactions"],
    [
      "features without hybrid",
      train,
      { itemFeatures: genres },
      `features are the hybrid recipe's; options.recipe is "mf"`,
    ],
    [
      "features of another map",
      train,
      { recipe: "hybrid", itemFeatures: { ...genres, of: data.users } },
      "options.itemFeatures.of must be the IdMap",
    ],
    [
      "a validation share of 1",
      train,
      { validation: 1 },
      "options.validation must be a finite number from 0 to 1 (excluded), got 1",
    ],
    ["k", train, { k: 0 }, "options.k must be an integer from 1 to 4096, got 0"],
    ["a rating range", train, { ratingRange: [5, 1] }, "options.ratingRange must be [least, most]"],
    [
      "an unknown option",
      train,
      { l2: 0.1 },
      /^trainRecipe\(\): options has no option "l2"; the options are recipe, loss/,
    ],
    ["refit", train, { refit: 1 }, "trainRecipe(): options.refit must be a boolean, got number"],
    ["interactions", { count: 1 }, {}, "trainRecipe(): train.users must be an IdMap"],
  ];
  it.each(cases)("%s", (_, data, opts, message) => {
    expect(() => trainRecipe(data as never, opts as never)).toThrow(message);
  });

  it("trains one user, and says so when one user has seen every item", () => {
    const one = parseInteractions("alice\ta\t5\nalice\tb\t3\nalice\tc\t4\n");
    const model = trainRecipe(one, { epochs: 2 });
    expect(model.evaluate(one).rmse).toBeLessThan(2);
    model.dispose();
    // positives: alice liked a, b and c, every item there is: no negative to draw
    expect(() => trainRecipe(implicit(one), { validation: 0 })).toThrow(
      "Model.fit(): observations: every user has seen all 3 items, so warp has no negative to draw",
    );
    const unseen = parseInteractions("alice\ta\t5\nalice\tb\t3\nbob\tc\t4\n");
    const ranker = trainRecipe(implicit(unseen, { threshold: 4 }), { epochs: 2, validation: 0 });
    const out = new Float32Array(3);
    ranker.scorer(0, out);
    expect(out.every(Number.isFinite)).toBe(true);
    ranker.dispose();
  });

  it("checks features given by hand", () => {
    const bad = (patch: Partial<Features>) => ({ recipe: "hybrid", itemFeatures: { ...genres, ...patch } }) as const;
    expect(() => trainRecipe(train, bad({ index: Uint32Array.of(99) }) as never)).toThrow(
      "options.itemFeatures.indptr must start at 0",
    );
    expect(() => trainRecipe(train, bad({ index: genres.index.map(() => 7) }) as never)).toThrow(
      "is not a row of options.itemFeatures.names",
    );
    expect(() => trainRecipe(train, bad({ weight: new Float32Array(genres.index.length).fill(-1) }) as never)).toThrow(
      "options.itemFeatures.weight[0] must be finite and >= 0",
    );
  });
});
