// Hostile input to the recommender layer (docs/recommend.md, docs/design.md §14-§15) and to the
// training it rests on (FitOptions.trainable, Model.withNewRows): wrong types, numbers out of
// range, lists and objects that lie, views of wasm memory, maps of another parse, calls in the
// wrong order. Each gives an Error of its class naming the argument (TypeError for a type,
// RangeError for a range, Error for state), or the documented answer: never a wasm trap, a raw
// "Cannot read properties" error, a silently wrong list, or a write outside a region (the memory
// guard of test/setup.ts checks every test).
import { afterAll, describe, expect, it } from "vitest";
import { createModel, createProblem, init } from "../../src/index.js";
import {
  featuresOf,
  IdMap,
  implicit,
  parseInteractions,
  trainRecipe,
  type Features,
  type Interactions,
  type RecipeName,
  type RecipeOptions,
} from "../../src/recommend/index.js";
import { requireEngine } from "../../src/wasm/init.js";
import { changingList, lyingLength, twoFaced } from "../helpers.js";

await init();

/** 12 users and 10 items, 51 ratings from 1 to 5, over maps of their own. */
function ratings(): Interactions {
  let text = "";
  for (let u = 0; u < 12; u++)
    for (let i = 0; i < 10; i++) if ((u * 5 + i * 3) % 7 < 3) text += `u${u},m${i},${1 + ((u + i) % 5)}\n`;
  return parseInteractions(text);
}

/** A recipe trained in a few milliseconds. */
const QUICK = { epochs: 1, k: 4, validation: 0 } as const;
const train = (data: Interactions, options?: RecipeOptions) => trainRecipe(data, { ...QUICK, ...options });

/** The error `call` throws: exactly of `Class` (a wasm RuntimeError or a raw TypeError fails), its message matching. */
function refuses(call: () => unknown, Class: ErrorConstructor, message: string | RegExp): void {
  let thrown: unknown;
  try {
    call();
  } catch (error) {
    thrown = error;
  }
  expect(thrown, "an error").toBeInstanceOf(Error);
  expect((thrown as Error).constructor.name, (thrown as Error).message).toBe(Class.name);
  expect((thrown as Error).message).toMatch(message);
}

/** An Interactions with one field replaced (the others as `data` has them). */
const patched = (data: Interactions, key: string, value: unknown) => ({ ...data, [key]: value }) as Interactions;

/** A getter that throws, in place of `key`. */
function throwing(data: Interactions, key: string): Interactions {
  const o = { ...data };
  Object.defineProperty(o, key, {
    get: () => {
      throw new Error("boom");
    },
    enumerable: true,
  });
  return o;
}

describe("interactions whose fields lie", () => {
  const RECIPES: RecipeName[] = ["mf", "svd++", "hybrid"];

  it.each(RECIPES)("%s: a column with a lying own length is refused by its real length", (recipe) => {
    const data = ratings();
    const short = lyingLength(data.user.slice(0, 3), data.count);
    refuses(
      () => train(patched(data, "user", short), { recipe }),
      RangeError,
      `trainRecipe(): train.user.length must be train.count = ${data.count}, got 3`,
    );
  });

  it("a Proxy of a column or of a map is no typed array or IdMap: a TypeError naming it", () => {
    const data = ratings();
    refuses(
      () => train(patched(data, "user", new Proxy(data.user, {}))),
      TypeError,
      "trainRecipe(): train.user must be a Uint32Array, got a Proxy or an imitation of Uint32Array",
    );
    refuses(
      () => train(patched(data, "users", new Proxy(data.users, {}))),
      TypeError,
      "trainRecipe(): train.users must be an IdMap, got a Proxy or an imitation of IdMap",
    );
    const model = train(data);
    refuses(
      () => model.evaluate(patched(data, "rating", new Proxy(data.rating, {}))),
      TypeError,
      "Recommender.evaluate(): test.rating must be a Float32Array, got a Proxy or an imitation of Float32Array",
    );
    refuses(
      () => model.recommend([0], { exclude: patched(data, "items", new Proxy(data.items, {})) }),
      TypeError,
      "Recommender.recommend(): options.exclude.items must be an IdMap, got a Proxy or an imitation of IdMap",
    );
    model.dispose();
  });

  it("a getter that throws is a TypeError naming the field", () => {
    const data = ratings();
    refuses(() => train(throwing(data, "rating")), TypeError, "trainRecipe(): reading train.rating threw: boom");
    const model = train(data);
    refuses(
      () => model.foldIn(throwing(data, "item")),
      TypeError,
      "Recommender.foldIn(): reading interactions.item threw: boom",
    );
    model.dispose();
  });

  it("a column is read once: a getter that lies after the first read trains on what was checked", () => {
    const data = ratings();
    const honest = train(data, { recipe: "svd++" });
    const liar = twoFaced(
      data,
      "user",
      data.user,
      data.user.map(() => 999),
    );
    const model = train(liar, { recipe: "svd++" });
    expect(model.model.phi).toEqual(honest.model.phi);
    honest.dispose();
    model.dispose();
  });

  it("a column is copied: an onEpoch that rewrites train's arrays changes neither the refit nor the exclusions", () => {
    const options = { epochs: 2, validation: 0.3 } as const;
    const honest = train(ratings(), options);
    const data = ratings();
    const model = train(data, {
      ...options,
      onEpoch: () => {
        data.user.fill(999);
        data.item.fill(0);
      },
    });
    expect(model.trainedEpochs).toBe(honest.trainedEpochs);
    expect(model.model.phi).toEqual(honest.model.phi);
    expect(model.recommend([0, 5], { k: 4 })).toEqual(honest.recommend([0, 5], { k: 4 }));
    honest.dispose();
    model.dispose();
  });

  it.each([
    [
      "a count that is not a column's",
      (d: Interactions) => patched(d, "count", 3),
      RangeError,
      "train.user.length must be train.count = 3",
    ],
    [
      "a fractional count",
      (d: Interactions) => patched(d, "count", 1.5),
      RangeError,
      "train.count must be a non-negative integer, got 1.5",
    ],
    [
      "a NaN count",
      (d: Interactions) => patched(d, "count", NaN),
      RangeError,
      "train.count must be a non-negative integer, got NaN",
    ],
    [
      "a user past the map",
      (d: Interactions) =>
        patched(
          d,
          "user",
          d.user.map((u, i) => (i === 4 ? 12 : u)),
        ),
      RangeError,
      "train.user[4] = 12 is not a row of train.users (size 12)",
    ],
    [
      "an item past the map",
      (d: Interactions) =>
        patched(
          d,
          "item",
          d.item.map((j, i) => (i === 0 ? 2 ** 32 - 1 : j)),
        ),
      RangeError,
      "train.item[0] = 4294967295 is not a row of train.items (size 10)",
    ],
    [
      "user rows of the wrong kind",
      (d: Interactions) => patched(d, "user", Int32Array.from(d.user)),
      TypeError,
      "train.user must be a Uint32Array, got Int32Array",
    ],
    [
      "ratings of the wrong kind",
      (d: Interactions) => patched(d, "rating", Float64Array.from(d.rating)),
      TypeError,
      "train.rating must be a Float32Array, got Float64Array",
    ],
    [
      "timestamps of the wrong kind",
      (d: Interactions) => patched(d, "timestamp", new Float32Array(d.count)),
      TypeError,
      "train.timestamp must be a Float64Array, got Float32Array",
    ],
    [
      "hasRatings not a boolean",
      (d: Interactions) => patched(d, "hasRatings", 1),
      TypeError,
      "train.hasRatings must be a boolean, got number",
    ],
    ["no object", () => 7 as unknown as Interactions, TypeError, "train must be an Interactions object, got number"],
    [
      "a read not awaited",
      (d: Interactions) => Promise.resolve(d) as unknown as Interactions,
      TypeError,
      "train must be an Interactions object, got a Promise (await readInteractions()?)",
    ],
  ] as const)("%s: refused by name", (_, make, Class, message) => {
    refuses(() => train(make(ratings())), Class, `trainRecipe(): ${message}`);
  });

  it("refuses interactions over the maps of another parse, everywhere they must be the recommender's", () => {
    const data = ratings();
    const model = train(data);
    const other = ratings();
    refuses(
      () => model.evaluate(other),
      RangeError,
      "Recommender.evaluate(): test must be over the recommender's IdMaps",
    );
    refuses(
      () => model.recommend([0], { exclude: other }),
      RangeError,
      "Recommender.recommend(): options.exclude must be over the recommender's IdMaps",
    );
    refuses(
      () => model.foldIn(other),
      RangeError,
      "Recommender.foldIn(): interactions must be over the recommender's IdMaps",
    );
    model.dispose();
  });
});

describe("features that lie", () => {
  /** Two genres a film, over the items' map of `data`. */
  const genres = (data: Interactions) =>
    featuresOf(
      data.items,
      Array.from({ length: 10 }, (_, i) => [`m${i}`, [`g${i % 3}`, `h${i % 2}`]] as [string, string[]]),
    );

  it("refuses a feature list that is a string (its letters are no names), a number, or an id of the wrong kind", () => {
    const { items } = ratings();
    refuses(
      () => featuresOf(items, [["m1", "Comedy" as never]]),
      TypeError,
      'featuresOf(): lists entry 0 (id "m1") must list feature names in an array, got string',
    );
    refuses(
      () =>
        featuresOf(items, [
          ["m1", ["a"]],
          ["m2", 5 as never],
        ]),
      TypeError,
      'featuresOf(): lists entry 1 (id "m2") must list feature names in an array, got number',
    );
    refuses(
      () => featuresOf(items, [[5 as never, ["a"]]]),
      TypeError,
      "featuresOf(): lists entry 0 has id 5: id must be a string",
    );
    refuses(
      () => featuresOf(new Proxy(items, {}), []),
      TypeError,
      "featuresOf(): map must be an IdMap, got a Proxy or an imitation of IdMap",
    );
    refuses(
      () => featuresOf(items, [], { names: new IdMap([1, 2]) as never }),
      TypeError,
      "featuresOf(): options.names must be an IdMap of feature names (strings), got one of numbers",
    );
  });

  it("reads features given by hand once, each array by its real length", () => {
    const data = ratings();
    const f = genres(data);
    const hybrid = (itemFeatures: unknown) => () =>
      train(data, { recipe: "hybrid", itemFeatures: itemFeatures as Features<string> });
    refuses(
      hybrid({ ...f, index: lyingLength(f.index.slice(0, 1), f.index.length) }),
      RangeError,
      "trainRecipe(): options.itemFeatures.indptr must start at 0 and end at index.length = 1",
    );
    refuses(
      hybrid({ ...f, index: new Proxy(f.index, {}) }),
      TypeError,
      "trainRecipe(): options.itemFeatures.index must be a Uint32Array, got a Proxy or an imitation of Uint32Array",
    );
    refuses(
      hybrid({ ...f, weight: new Float64Array(f.index.length) }),
      TypeError,
      "trainRecipe(): options.itemFeatures.weight must be a Float32Array, got Float64Array",
    );
    refuses(
      hybrid({ ...f, weight: new Float32Array(3) }),
      RangeError,
      `trainRecipe(): options.itemFeatures.weight.length must be index.length = ${f.index.length}, got 3`,
    );
    refuses(
      hybrid({ ...f, names: new Proxy(f.names, {}) }),
      TypeError,
      "trainRecipe(): options.itemFeatures.names must be an IdMap, got a Proxy or an imitation of IdMap",
    );
    refuses(
      () => train(data, { recipe: "hybrid", userFeatures: f as never }),
      RangeError,
      "trainRecipe(): options.userFeatures.of must be the IdMap of the rows they describe",
    );
    // an index that lies after its first read: the model is the honest one's
    const honest = train(data, { recipe: "hybrid", itemFeatures: f });
    const liar = twoFaced(
      f,
      "index",
      f.index,
      f.index.map(() => 3),
    );
    const model = train(data, { recipe: "hybrid", itemFeatures: liar });
    expect(model.model.phi).toEqual(honest.model.phi);
    honest.dispose();
    model.dispose();
  });
});

describe("trainRecipe's ratings and options", () => {
  it.each([NaN, Infinity, -Infinity])(
    "refuses a rating of %s by name, explicit or implicit, and in a fold-in",
    (bad) => {
      const data = ratings();
      const rating = data.rating.map((x, i) => (i === 3 ? bad : x));
      refuses(
        () => train(patched(data, "rating", rating)),
        RangeError,
        `trainRecipe(): train.rating[3] must be finite, got ${bad}`,
      );
      refuses(
        () => train(patched(implicit(data), "rating", rating)),
        RangeError,
        `trainRecipe(): train.rating[3] must be finite, got ${bad}`,
      );
      const model = train(data);
      const newcomer = parseInteractions("newcomer,m1,5\nnewcomer,m2,4\n", { users: model.users, items: model.items });
      refuses(
        () => model.foldIn(patched(newcomer, "rating", Float32Array.of(5, bad))),
        RangeError,
        `Recommender.foldIn(): interactions.rating[1] must be finite, got ${bad}`,
      );
      model.dispose();
    },
  );

  it("reads a rating range once: a list that lies on a second read cannot clip to NaN", () => {
    const data = ratings();
    const range = changingList([1, 5], 1, () => NaN) as unknown as [number, number];
    const model = train(data, { ratingRange: range });
    expect(model.ratingRange).toEqual([1, 5]);
    expect(model.predict([0, 1], [0, 1]).every((x) => x >= 1 && x <= 5)).toBe(true);
    model.dispose();
  });

  it("names options whose keys cannot be read", () => {
    const hostile = new Proxy(
      {},
      {
        ownKeys() {
          throw new Error("boom");
        },
      },
    );
    refuses(() => trainRecipe(ratings(), hostile), TypeError, "trainRecipe(): reading the keys of options threw: boom");
  });

  it.each([
    [{ k: NaN }, RangeError, "options.k must be an integer from 1 to 4096, got NaN"],
    [{ k: -0 }, RangeError, "options.k must be an integer from 1 to 4096, got 0"],
    [{ k: 2.5 }, RangeError, "options.k must be an integer from 1 to 4096, got 2.5"],
    [{ k: 2 ** 40 }, RangeError, "options.k must be an integer from 1 to 4096, got 1099511627776"],
    [{ epochs: 0 }, RangeError, "options.epochs must be an integer from 1 to 100000, got 0"],
    [{ epochs: Infinity }, RangeError, "options.epochs must be an integer from 1 to 100000, got Infinity"],
    [{ learningRate: -1 }, RangeError, "options.learningRate must be a finite number of at least 0, got -1"],
    [{ learningRate: NaN }, RangeError, "options.learningRate must be a finite number of at least 0, got NaN"],
    [{ batchSize: 0.5 }, RangeError, "options.batchSize must be an integer of at least 1, got 0.5"],
    [{ reg: -1e-9 }, RangeError, "options.reg must be a finite number of at least 0"],
    [{ regFixed: Infinity }, RangeError, "options.regFixed must be a finite number of at least 0, got Infinity"],
    [{ validation: -0.1 }, RangeError, "options.validation must be a finite number from 0 to 1 (excluded)"],
    [{ patience: 0 }, RangeError, "options.patience must be an integer of at least 1, got 0"],
    [{ seed: -1 }, RangeError, "options.seed must be an integer from 0 to 4294967295, got -1"],
    [{ seed: 2 ** 32 }, RangeError, "options.seed must be an integer from 0 to 4294967295, got 4294967296"],
    [{ precision: "f16" }, RangeError, 'options.precision must be one of "f32", "f64", got "f16"'],
    [{ recipe: 5 }, RangeError, 'options.recipe must be one of "mf", "svd++", "hybrid", got 5'],
    [{ optimizer: "rmsprop" }, RangeError, 'options.optimizer must be one of "adam", "adagrad", "sgd"'],
    [{ refit: "yes" }, TypeError, "options.refit must be a boolean, got string"],
    [{ onEpoch: 5 }, TypeError, "options.onEpoch must be a function, got number"],
    [{ ratingRange: [1] }, RangeError, "options.ratingRange must be [least, most], finite, got [1]"],
    [{ ratingRange: [NaN, 5] }, RangeError, "options.ratingRange must be [least, most], finite, got [NaN, 5]"],
    [{ ratingRange: "15" }, RangeError, "options.ratingRange must be [least, most], finite, got string"],
    [{ kk: 3 }, TypeError, 'options has no option "kk"'],
    [7, TypeError, "options must be an object or undefined, got number"],
  ] as const)("refuses options %o by name", (options, Class, message) => {
    refuses(() => trainRecipe(ratings(), options as never), Class, `trainRecipe(): ${message}`);
  });

  it("trains one user, one item, and refuses an empty train", () => {
    const one = train(parseInteractions("alice,x,4\n"));
    expect(one.predict([0], [0])[0]).toBe(4);
    expect(one.recommend([0])).toEqual({ items: Int32Array.of(-1), scores: Float64Array.of(-Infinity) });
    expect(one.recommend([0], { exclude: false }).items).toEqual(Int32Array.of(0));
    one.dispose();
    const data = ratings();
    const empty = patched(
      patched(patched(patched(data, "count", 0), "user", new Uint32Array(0)), "item", new Uint32Array(0)),
      "rating",
      new Float32Array(0),
    );
    refuses(() => train(empty), RangeError, "trainRecipe(): train has no interactions");
  });
});

describe("rows that lie: users and items of recommend, recommendOn, similarItems, predict", () => {
  const data = ratings();
  const model = train(implicit(data));
  afterAll(() => model.dispose());
  const k = 3;
  const best = (users: number[]) => model.recommend(users, { k });

  it("reads a typed array by its real length, never by an own length property", () => {
    const users = lyingLength(Uint32Array.of(0, 1, 2), 1);
    expect(model.recommend(users, { k })).toEqual(best([0, 1, 2]));
    const items = lyingLength(Float64Array.of(4, 5), 9);
    expect(model.similarItems(items, { k })).toEqual(model.similarItems([4, 5], { k }));
    expect(model.predict(lyingLength(Uint32Array.of(0, 1), 1), [2, 3])).toEqual(model.predict([0, 1], [2, 3]));
  });

  it("reads a list once, whatever it answers later", () => {
    const liar = changingList([0, 1, 2], 1, (key) => (key === "length" ? 1000 : "a string"));
    expect(model.recommend(liar, { k })).toEqual(best([0, 1, 2]));
    class Swapping extends Array<number> {
      override map(): never {
        throw new Error("map must not be called");
      }
    }
    expect(model.recommend(Swapping.from([3, 4]), { k })).toEqual(best([3, 4]));
    expect(model.recommend({ length: 2, 0: 5, 1: 6 }, { k })).toEqual(best([5, 6]));
  });

  it.each([
    ["a string", "0", TypeError, "users must be an array of rows, got string"],
    ["null", null, TypeError, "users must be an array of rows, got null"],
    ["a number", 5, TypeError, "users must be an array of rows, got number"],
    ["an object without a length", {}, TypeError, "users must be an array of rows, got Object"],
    ["a string row", ["0"], TypeError, "users must hold row numbers, but users[0] is string"],
    // eslint-disable-next-line no-sparse-arrays
    ["a hole", [0, , 2], TypeError, "users must hold row numbers, but users[1] is undefined"],
    ["a bigint", new BigInt64Array(1), TypeError, "users must hold row numbers, but users[0] is bigint"],
    [
      "a Proxy of a typed array",
      new Proxy(Uint32Array.of(0), {}),
      TypeError,
      "users must be an array of rows, got a Proxy or an imitation of Uint32Array",
    ],
    ["a fractional row", Float64Array.of(0.5), RangeError, "users[0] = 0.5 is not a row (from 0 to 11)"],
    ["a negative row", Int8Array.of(0, -1), RangeError, "users[1] = -1 is not a row (from 0 to 11)"],
    ["NaN", [NaN], RangeError, "users[0] = NaN is not a row (from 0 to 11)"],
    ["Infinity", [Infinity], RangeError, "users[0] = Infinity is not a row (from 0 to 11)"],
    ["a row past the map", [12], RangeError, "users[0] = 12 is not a row (from 0 to 11)"],
    ["a huge row", [2 ** 53], RangeError, "users[0] = 9007199254740992 is not a row (from 0 to 11)"],
    ["a repeat", [3, 4, 3], RangeError, "users[2] = 3 repeats users[0]"],
    ["-0 and 0", [-0, 0], RangeError, "users[1] = 0 repeats users[0]"],
    ["a length that is no array length", { length: -1 }, RangeError, "users.length must be an array length, got -1"],
  ] as const)("recommend refuses %s by name", (_, users, Class, message) => {
    refuses(() => model.recommend(users as never), Class, `Recommender.recommend(): ${message}`);
  });

  it("refuses rows for predict by name, and pairs of unequal lengths", () => {
    refuses(
      () => model.predict(null as never, null as never),
      TypeError,
      "Recommender.predict(): users must be an array of rows, got null",
    );
    refuses(
      () => model.predict(5 as never, 7 as never),
      TypeError,
      "Recommender.predict(): users must be an array of rows, got number",
    );
    refuses(
      () => model.predict([0], ["1"] as never),
      TypeError,
      "Recommender.predict(): items must hold row numbers, but items[0] is string",
    );
    refuses(
      () => model.predict([0], [10]),
      RangeError,
      "Recommender.predict(): items[0] = 10 is not a row (from 0 to 9)",
    );
    refuses(
      () => model.predict([0, 1], [2]),
      RangeError,
      "Recommender.predict(): items.length must be users.length = 2, got 1",
    );
    expect(model.predict([], [])).toEqual(new Float64Array(0));
    expect(model.predict([1, 1, 1], [2, 2, 2]).every((x, _, all) => x === all[0])).toBe(true);
  });

  it("refuses a list longer than the map before reading it (a huge sparse array, a Proxy)", () => {
    let reads = 0;
    const huge = new Proxy([0], {
      get(target, key, receiver) {
        if (key === "length") return 2 ** 32 - 1;
        if (typeof key === "string" && ++reads > 100) throw new Error("read past what a check needs");
        return Reflect.get(target, key, receiver);
      },
    });
    refuses(
      () => model.recommend(huge),
      RangeError,
      "Recommender.recommend(): users lists 4294967295 rows, more than the 12 there are",
    );
    const sparse: number[] = [];
    sparse.length = 2 ** 32 - 1;
    refuses(
      () => model.similarItems(sparse),
      RangeError,
      "Recommender.similarItems(): items lists 4294967295 rows, more than the 10 there are",
    );
    const linear = createModel({ n: 3, m: 3, k: 2 });
    const obs = { indptr: Uint32Array.of(0, 2), index: Uint32Array.of(0, 3), y: [1] };
    refuses(
      () => linear.fit(obs, { trainable: huge }),
      RangeError,
      "Model.fit(): options.trainable lists 4294967295 rows, more than the 6 there are",
    );
    linear.dispose();
  });

  it("takes a view crossgrad handed out, and refuses one of freed, grown or internal memory", () => {
    const memory = requireEngine("test").memory;
    const problem = createProblem({ n: 2, m: 0, k: 1 });
    const view = new Uint32Array(problem.phi.buffer, problem.phi.byteOffset, 2);
    view.set([1, 2]);
    expect(model.recommend(view, { k })).toEqual(best([1, 2]));
    problem.dispose();
    refuses(
      () => model.recommend(view),
      Error,
      "Recommender.recommend(): users is a view of crossgrad memory that was freed",
    );
    const arena = new Uint32Array(memory.buffer, memory.arena(8, "test", "the arena"), 2);
    refuses(
      () => model.similarItems(arena),
      Error,
      "Recommender.similarItems(): items is a view of crossgrad's internal memory",
    );
    const kept = createProblem({ n: 2, m: 0, k: 1 });
    const stale = new Uint32Array(kept.phi.buffer, kept.phi.byteOffset, 2);
    const big = createProblem({ n: memory.byteLength / 4, m: 0, k: 1 }); // the memory grows: stale's buffer is detached
    expect(stale.length).toBe(0);
    refuses(
      () => model.predict(stale, stale),
      Error,
      "Recommender.predict(): users is a view of crossgrad memory that has grown since",
    );
    refuses(
      () => model.recommend(stale),
      Error,
      "Recommender.recommend(): users is a view of crossgrad memory that has grown since",
    );
    big.dispose();
    kept.dispose();
  });
});

describe("the scorer's user and out", () => {
  const data = ratings();
  const model = train(implicit(data));
  afterAll(() => model.dispose());
  const items = data.items.size;

  it.each([
    [
      "a negative user",
      -1,
      new Float32Array(items),
      RangeError,
      "user = -1 is not a row of the users' map (from 0 to 11)",
    ],
    ["a fractional user", 1.5, new Float32Array(items), RangeError, "user = 1.5 is not a row of the users' map"],
    ["NaN", NaN, new Float32Array(items), RangeError, "user = NaN is not a row of the users' map"],
    ["a user past the map", 12, new Float32Array(items), RangeError, "user = 12 is not a row of the users' map"],
    ["a string user", "0", new Float32Array(items), TypeError, "user must be a row number, got string"],
    ["a short out", 0, new Float32Array(3), RangeError, "out.length must be the items' map size = 10, got 3"],
    ["a long out", 0, new Float32Array(11), RangeError, "out.length must be the items' map size = 10, got 11"],
    [
      "a short out whose own length lies",
      0,
      lyingLength(new Float32Array(3), items),
      RangeError,
      "out.length must be the items' map size = 10, got 3",
    ],
    ["out of the wrong kind", 0, new Float64Array(items), TypeError, "out must be a Float32Array, got Float64Array"],
    ["a plain array", 0, new Array(items).fill(0), TypeError, "out must be a Float32Array, got Array"],
    ["null", 0, null, TypeError, "out must be a Float32Array, got null"],
  ] as const)("refuses %s by name, and writes nothing", (_, user, out, Class, message) => {
    refuses(() => model.scorer(user as never, out as never), Class, `Recommender.scorer(): ${message}`);
    if (out && typeof out === "object") expect(Array.from(out as ArrayLike<number>).every((x) => x === 0)).toBe(true);
  });

  it("scores a user added to the map since training as cold: the offset and each item's bias", () => {
    const cold = model.users.add("cold");
    const out = new Float32Array(items);
    model.scorer(cold, out);
    const predicted = model.predict(new Array(items).fill(cold), [...out.keys()]);
    expect(out).toEqual(Float32Array.from(predicted));
  });

  it("refuses an out over crossgrad's internal or freed memory, never writing there", () => {
    const memory = requireEngine("test").memory;
    model.recommend([0]); // the items' table exists
    const before = model.recommend([0, 1], { k: 4 });
    const internal = new Float32Array(memory.buffer, memory.arena(64, "test", "the arena"), items);
    refuses(
      () => model.scorer(0, internal),
      Error,
      "Recommender.scorer(): out is a view of crossgrad's internal memory",
    );
    const problem = createProblem({ n: items, m: 0, k: 1 });
    const phi = problem.phi;
    model.scorer(0, phi); // a view crossgrad handed out is the caller's
    const out = new Float32Array(items);
    model.scorer(0, out);
    expect(phi).toEqual(out);
    problem.dispose();
    refuses(
      () => model.scorer(0, phi),
      Error,
      "Recommender.scorer(): out is a view of crossgrad memory that was freed",
    );
    expect(model.recommend([0, 1], { k: 4 })).toEqual(before);
  });
});

describe("state: a disposed recommender", () => {
  it("names itself in every method after dispose(), which may be called twice", () => {
    const data = ratings();
    const model = train(data);
    model.dispose();
    model.dispose();
    const out = new Float32Array(data.items.size);
    for (const [name, call] of [
      ["predict", () => model.predict([0], [0])],
      ["evaluate", () => model.evaluate(data)],
      ["scorer", () => model.scorer(0, out)],
      ["recommend", () => model.recommend([0])],
      ["similarItems", () => model.similarItems([0])],
      ["foldIn", () => model.foldIn(data)],
    ] as const)
      refuses(call, Error, `Recommender.${name}(): this Recommender was disposed`);
    refuses(() => model.model.withNewRows({ a: 1 }), Error, "Model.withNewRows(): this Model was disposed");
  });
});

describe("few users and items, k at its limits", () => {
  it("gives the one item no other item like it: one slot of -1 by default, as with k = 1", () => {
    const model = train(parseInteractions("a,x,5\nb,x,3\n"));
    const none = { items: Int32Array.of(-1), scores: Float64Array.of(-Infinity) };
    expect(model.similarItems([0])).toEqual(none);
    expect(model.similarItems([0], { k: 1 })).toEqual(none);
    refuses(
      () => model.similarItems([0], { k: 2 }),
      RangeError,
      "Recommender.similarItems(): options.k must be an integer from 1 to 1, got 2",
    );
    expect(model.recommend([0, 1])).toEqual({
      items: Int32Array.of(-1, -1),
      scores: Float64Array.of(-Infinity, -Infinity),
    });
    model.dispose();
  });

  it("fills with -1 what the exclusions leave, k = every item, and refuses k past the items, of any kind", () => {
    const data = ratings();
    const model = train(implicit(data));
    const items = data.items.size;
    const seen = (u: number) => new Set(Array.from(data.item.filter((_, i) => data.user[i] === u)));
    const { items: picked, scores } = model.recommend([0, 7], { k: items });
    [0, 7].forEach((u, b) => {
      const left = items - seen(u).size;
      const mine = Array.from(picked.subarray(b * items, (b + 1) * items));
      expect(mine.slice(left)).toEqual(new Array(items - left).fill(-1));
      expect(Array.from(scores.subarray(b * items + left, (b + 1) * items))).toEqual(
        new Array(items - left).fill(-Infinity),
      );
      expect(new Set(mine.slice(0, left))).toEqual(new Set([...Array(items).keys()].filter((j) => !seen(u).has(j))));
    });
    // every item excluded: the whole list is -1
    const all = implicit(
      parseInteractions(Array.from({ length: items }, (_, j) => `u3,m${j},1`).join("\n"), {
        users: data.users,
        items: data.items,
      }),
    );
    expect(model.recommend([3], { k: 4, exclude: all }).items).toEqual(Int32Array.of(-1, -1, -1, -1));
    for (const k of [items + 1, 2 ** 32, 2 ** 53, Infinity, NaN, 0, -1, 2.5, -0])
      refuses(
        () => model.recommend([0], { k }),
        RangeError,
        `Recommender.recommend(): options.k must be an integer from 1 to ${items}`,
      );
    refuses(
      () => model.recommend([0], { k: "3" as never }),
      RangeError,
      'options.k must be an integer from 1 to 10, got "3"',
    );
    refuses(
      () => model.recommend([0], { exclude: "test" as never }),
      TypeError,
      "Recommender.recommend(): options.exclude must be an Interactions object, got string",
    );
    refuses(
      () => model.recommend([0], { exclude: true as never }),
      TypeError,
      "options.exclude must be an Interactions object, got boolean",
    );
    refuses(
      () => model.recommend([0], 3 as never),
      TypeError,
      "Recommender.recommend(): options must be an object or undefined, got number",
    );
    expect(model.recommend([])).toEqual({ items: new Int32Array(0), scores: new Float64Array(0) });
    model.dispose();
  });
});

describe("Model.withNewRows", () => {
  const shape = { n: 3, m: 2, k: 2 };

  it.each([
    [{ a: -1 }, undefined, RangeError, "rows.a must be an integer from 0 to 4294967290, got -1"],
    [{ a: 1.5 }, undefined, RangeError, "rows.a must be an integer from 0 to 4294967290, got 1.5"],
    [{ b: NaN }, undefined, RangeError, "rows.b must be an integer from 0 to 4294967290, got NaN"],
    [{ a: 2 ** 40 }, undefined, RangeError, "rows.a must be an integer from 0 to 4294967290, got 1099511627776"],
    [{ a: 2 ** 32 - 6, b: 1 }, undefined, RangeError, "rows.b must be an integer from 0 to 0, got 1"],
    [{ a: "1" }, undefined, RangeError, 'rows.a must be an integer from 0 to 4294967290, got "1"'],
    [5, undefined, TypeError, "rows must be an object or undefined, got number"],
    [{ a: 1 }, { scale: Infinity }, RangeError, "options.scale must be a finite number of at least 0, got Infinity"],
    [{ a: 1 }, { scale: -1 }, RangeError, "options.scale must be a finite number of at least 0, got -1"],
    [{ a: 1 }, { seed: 2 ** 32 }, RangeError, "options.seed must be an integer from 0 to 4294967295"],
  ] as const)("refuses rows %o, options %o by name", (rows, options, Class, message) => {
    const model = createModel(shape, { linear: true });
    refuses(() => model.withNewRows(rows as never, options as never), Class, `Model.withNewRows(): ${message}`);
    model.dispose();
  });

  it("of 0 rows is a copy; too many for memory is a RangeError, and the model stays usable", () => {
    const model = createModel(shape, { linear: true, seed: 3 });
    model.w0 = 2;
    const copy = model.withNewRows({});
    expect(copy.shape).toEqual(shape);
    expect(copy.phi).toEqual(model.phi);
    expect(copy.w0).toBe(2);
    copy.dispose();
    refuses(() => model.withNewRows({ a: 2 ** 31 }), RangeError, /^Model\.withNewRows\(\): .*bytes/);
    const grown = model.withNewRows({ a: 1, b: 1 });
    expect(grown.shape).toEqual({ n: 4, m: 3, k: 2 });
    grown.dispose();
    model.dispose();
  });
});

describe("fold-in", () => {
  /** Genres for the items of `data`: two a film. */
  const genres = (data: Interactions) =>
    featuresOf(
      data.items,
      Array.from({ length: 10 }, (_, i) => [`m${i}`, [`g${i % 3}`, `h${i % 2}`]] as [string, string[]]),
    );
  const over = (model: { users: Interactions["users"]; items: Interactions["items"] }, text: string) =>
    parseInteractions(text, { users: model.users, items: model.items });

  it.each([
    ["mf", false],
    ["svd++", false],
    ["hybrid", false],
    ["mf", true],
    ["svd++", true],
    ["hybrid", true],
  ] as const)(
    "%s (ratings: %s) folds in a user of one interaction, then an item, the old rows keeping their answers",
    (recipe, explicit) => {
      const data = ratings();
      const model = train(explicit ? data : implicit(data), {
        recipe,
        ...(recipe === "hybrid" && { itemFeatures: genres(data) }),
      });
      const pairs = [0, 3, 11].flatMap((u) => [0, 4, 9].map((j) => [u, j]));
      const before = model.predict(
        pairs.map(([u]) => u),
        pairs.map(([, j]) => j),
      );
      const similar = model.similarItems([2], { k: 9 });
      model.foldIn(over(model, "newcomer,m1,5\n"));
      const newcomer = model.users.get("newcomer")!;
      model.foldIn(over(model, "u0,new film,4\nu3,new film,5\n"));
      const film = model.items.get("new film")!;
      // the rows the model had answer as they did
      expect(
        model.predict(
          pairs.map(([u]) => u),
          pairs.map(([, j]) => j),
        ),
      ).toEqual(before);
      const again = model.similarItems([2], { k: 10 });
      expect(Array.from(again.items).filter((j) => j !== film)).toEqual(Array.from(similar.items));
      // the new rows answer as predict does, leaving out what they were folded in with
      const mine = model.recommend([newcomer], { k: 10, exclude: "train" });
      expect(Array.from(mine.items)).not.toContain(model.items.get("m1"));
      expect(Array.from(mine.items).filter((j) => j >= 0)).toHaveLength(10);
      const best = Array.from(mine.items.subarray(0, 3));
      const [low, high] = model.ratingRange;
      const clip = (s: number) => (explicit ? Math.min(high, Math.max(low, s)) : s);
      mine.scores
        .subarray(0, 3)
        .forEach((s, e) => expect(clip(s)).toBeCloseTo(model.predict([newcomer], [best[e]])[0], 4));
      const out = new Float32Array(model.items.size);
      model.scorer(newcomer, out);
      expect(out.every(Number.isFinite)).toBe(true);
      expect(model.similarItems([film], { k: 3 }).items.every((j) => j >= 0 && j !== film)).toBe(true);
      expect(Array.from(model.recommend([0], { k: 11, exclude: "train" }).items)).not.toContain(film);
      model.dispose();
    },
  );
});
