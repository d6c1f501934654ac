// The field's recipes on the kernel (docs/design.md §14): each maps interactions (and side
// features) to gate sets over one embedding table, trains a Model with linear terms, and
// answers in the data's units.
//
//   recipe   group A (users)                                 group B (items)
//   mf       the user's row                                  the item's row
//   svd++    the user's row + each item the user rated,      the item's row
//            at 1/sqrt(|N(u)|) (rows U + j)
//   hybrid   the user's row + its features' rows             the item's row + its features' rows
//            (weights summing to 1, as LightFM normalizes)
//
// Every observation also scores its rows' linear weights (the biases) and the offset w0 (the
// fit part's mean rating, explicit). A row no training observation lists (a user or item only
// in the test, a feature no trained item has) keeps phi and w at 0: a cold user's prediction is
// the mean plus the item's bias, a cold item's the mean plus the user's bias.

import { createModel, type Model } from "../train/model.js";
import type { EpochReport, History } from "../train/options.js";
import type { Observations } from "../train/minibatch.js";
import { flatThenLinear } from "../train/schedule.js";
import { checkBoolean, checkInteger, checkOptions, checkReal, checkSeed } from "../util/checks.js";
import { describe, shown } from "../util/read.js";
import type { Precision } from "../util/types.js";
import { checkFeatures, type Features } from "./features.js";
import type { IdMap } from "./idmap.js";
import { checkInteractions, type Interactions } from "./interactions.js";
import type { Scorer } from "./ranking.js";
import { splitRandom } from "./split.js";

/** The recipes: matrix factorization with biases, SVD++, and a LightFM-style hybrid. */
export type RecipeName = "mf" | "svd++" | "hybrid";
/** squared for ratings; the pairwise losses for positives (LightFM's). */
export type RecipeLoss = "squared" | "bpr" | "warp" | "warp-kos";

/** Options of {@link trainRecipe}; every one has a default that learns (docs/recommend.md). */
export interface RecipeOptions<Id extends string | number = string> {
  /** ["mf"] */ readonly recipe?: RecipeName;
  /** squared when the interactions have ratings, else warp */ readonly loss?: RecipeLoss;
  /** embedding dimensions [64 explicit, 32 implicit] */ readonly k?: number;
  /** most epochs [15 explicit (svd++: 10), 30 implicit] */ readonly epochs?: number;
  /** the optimizer [adam explicit, adagrad implicit] */ readonly optimizer?: "adam" | "adagrad" | "sgd";
  /** the base rate of a flat-then-linear schedule [0.01 adam, 0.05 adagrad, 0.05 sgd] */
  readonly learningRate?: number;
  /** [256 explicit, 64 implicit] */ readonly batchSize?: number;
  /** L2 per occurrence, as Surprise's reg [0.05 explicit (hybrid: 0.01), 0 implicit] */ readonly reg?: number;
  /** fixed L2 per row and epoch (FitOptions.regFixed) [5 explicit (hybrid: 1), 0 implicit] */
  readonly regFixed?: number;
  /** the share of the interactions held out to stop early on; 0: none [0.1] */ readonly validation?: number;
  /** epochs without a better validation loss before stopping [3] */ readonly patience?: number;
  /**
   * after stopping early, train again on every interaction for the epochs the validation chose,
   * on the same schedule (the held-out share is not lost) [true]
   */
  readonly refit?: boolean;
  /** seeds the hold-out, the initial phi, the shuffling and the negatives [1] */ readonly seed?: number;
  /** ["f32"] */ readonly precision?: Precision;
  /** predictions are clipped to it [the training ratings' least and most] */
  readonly ratingRange?: readonly [number, number];
  /** hybrid: the items' features (featuresOf(train.items, ...)) */ readonly itemFeatures?: Features<Id>;
  /** hybrid: the users' features */ readonly userFeatures?: Features<Id>;
  /**
   * called after every epoch: of the run that validates ("validated"; every epoch of it when
   * nothing is held out), then of the refit ("refit", its epochs counted from 0)
   */
  readonly onEpoch?: (report: EpochReport, run: "validated" | "refit") => void;
}

/** A CSR of parts (a user's or an item's rows of the table, with their gates). */
interface Parts {
  readonly indptr: Uint32Array;
  readonly index: Uint32Array;
  readonly weight: Float64Array;
}

/** The table's rows: users and items and what each lists. */
interface Layout {
  readonly n: number;
  readonly m: number;
  readonly users: Parts;
  readonly items: Parts;
}

/** Parts of `count` rows, each from `rowsOf(r)` (rows ascending, weights beside them). */
function partsOf(count: number, rowsOf: (r: number) => { rows: number[]; weights: number[] }): Parts {
  const indptr = new Uint32Array(count + 1),
    index: number[] = [],
    weight: number[] = [];
  for (let r = 0; r < count; r++) {
    const { rows, weights } = rowsOf(r);
    index.push(...rows);
    weight.push(...weights);
    indptr[r + 1] = index.length;
  }
  return { indptr, index: Uint32Array.from(index), weight: Float64Array.from(weight) };
}

/** An indicator row at `first + r` and its features' rows after `first + count`, weights summing to 1. */
function withFeatures(first: number, count: number, features: Features<string | number> | undefined) {
  return (r: number) => {
    const from = features && r + 1 < features.indptr.length ? features.indptr[r] : 0,
      to = features && r + 1 < features.indptr.length ? features.indptr[r + 1] : 0;
    const rows = [first + r],
      weights = [1];
    for (let e = from; e < to; e++) {
      rows.push(first + count + features!.index[e]);
      weights.push(features!.weight ? features!.weight[e] : 1);
    }
    const sum = weights.reduce((s, x) => s + x, 0);
    return { rows, weights: weights.map((x) => x / sum) };
  };
}

/** The layout of a recipe over `users` and `items` rows, from the training interactions. */
function layoutOf(
  recipe: RecipeName,
  train: Interactions<string | number>,
  users: number,
  items: number,
  features: { user?: Features<string | number>; item?: Features<string | number> },
): Layout {
  if (recipe === "mf") {
    const one = (first: number) => (r: number) => ({ rows: [first + r], weights: [1] });
    return { n: users, m: items, users: partsOf(users, one(0)), items: partsOf(items, one(users)) };
  }
  if (recipe === "svd++") {
    // N(u): the items u rated in training, distinct and ascending
    const rated: number[][] = Array.from({ length: users }, () => []);
    for (let i = 0; i < train.count; i++) rated[train.user[i]].push(train.item[i]);
    const n = users + items;
    const userParts = partsOf(users, (u) => {
      const mine = [...new Set(rated[u])].sort((a, b) => a - b);
      const gate = mine.length ? 1 / Math.sqrt(mine.length) : 0;
      return { rows: [u, ...mine.map((j) => users + j)], weights: [1, ...mine.map(() => gate)] };
    });
    return { n, m: items, users: userParts, items: partsOf(items, (j) => ({ rows: [n + j], weights: [1] })) };
  }
  const userFeatures = features.user?.names.size ?? 0,
    itemFeatures = features.item?.names.size ?? 0;
  const n = users + userFeatures;
  return {
    n,
    m: items + itemFeatures,
    users: partsOf(users, withFeatures(0, users, features.user)),
    items: partsOf(items, withFeatures(n, items, features.item)),
  };
}

/** Observations of interactions under a layout: each pairs its user's part with its item's. */
function observationsOf(
  layout: Layout,
  data: Interactions<string | number>,
  precision: Precision,
  targets: boolean,
): Observations {
  const { users, items } = layout;
  let entries = 0;
  for (let i = 0; i < data.count; i++) {
    entries += users.indptr[data.user[i] + 1] - users.indptr[data.user[i]];
    entries += items.indptr[data.item[i] + 1] - items.indptr[data.item[i]];
  }
  const indptr = new Uint32Array(data.count + 1),
    index = new Uint32Array(entries),
    weight = precision === "f32" ? new Float32Array(entries) : new Float64Array(entries);
  let e = 0,
    weighted = false;
  for (let i = 0; i < data.count; i++) {
    for (const [parts, r] of [
      [users, data.user[i]],
      [items, data.item[i]],
    ] as const) {
      for (let p = parts.indptr[r]; p < parts.indptr[r + 1]; p++, e++) {
        index[e] = parts.index[p];
        weight[e] = parts.weight[p];
        weighted ||= parts.weight[p] !== 1;
      }
    }
    indptr[i + 1] = e;
  }
  return {
    indptr,
    index,
    ...(weighted && { weight }),
    ...(targets && { y: data.rating }),
  };
}

/**
 * A recipe's defaults, explicit (ratings) or implicit (positives), measured on ml-latest-small
 * (docs/recommend.md): the hybrid's rows carry gates that sum to 1, so a row weighs a share of
 * its part and needs a fifth of the penalty; SVD++ reads a user's every rated item per rating,
 * so it stops sooner.
 */
function defaultsOf(explicit: boolean, optimizer: "adam" | "adagrad" | "sgd", recipe: RecipeName) {
  const shared = explicit && recipe === "hybrid";
  return {
    k: explicit ? 64 : 32,
    epochs: !explicit ? 30 : recipe === "svd++" ? 10 : 15,
    learningRate: optimizer === "adam" ? 0.01 : 0.05,
    batchSize: explicit ? 256 : 64,
    reg: !explicit ? 0 : shared ? 0.01 : 0.05,
    regFixed: !explicit ? 0 : shared ? 1 : 5,
  };
}

const RECIPE_OPTIONS = [
  "recipe",
  "loss",
  "k",
  "epochs",
  "optimizer",
  "learningRate",
  "batchSize",
  "reg",
  "regFixed",
  "validation",
  "patience",
  "refit",
  "seed",
  "precision",
  "ratingRange",
  "itemFeatures",
  "userFeatures",
  "onEpoch",
] as const;
const RECIPES: readonly RecipeName[] = ["mf", "svd++", "hybrid"];
const LOSSES: readonly RecipeLoss[] = ["squared", "bpr", "warp", "warp-kos"];
const OPTIMIZERS = ["adam", "adagrad", "sgd"] as const;

function checkChoice<T extends string>(caller: string, name: string, value: unknown, choices: readonly T[]): T {
  if (!choices.includes(value as T))
    throw new RangeError(
      `${caller}(): ${name} must be one of ${choices.map((c) => `"${c}"`).join(", ")}, got ${shown(value)}`,
    );
  return value as T;
}

/**
 * A recipe trained on interactions: predictions in rating units (explicit) or ranking scores
 * (implicit) for the rows of the interactions' maps. Dispose of it when done.
 */
export class Recommender<Id extends string | number = string> {
  /** the recipe, the loss, whether it predicts ratings */
  readonly recipe: RecipeName;
  readonly loss: RecipeLoss;
  readonly explicit: boolean;
  /** the trained model (its rows: docs/recommend.md's layout of the recipe) */
  readonly model: Model;
  /** the interactions' maps: user and item rows are theirs */
  readonly users: IdMap<Id>;
  readonly items: IdMap<Id>;
  /** what the run that validates reported, epoch by epoch (its bestEpoch: where it stopped) */
  readonly history: History;
  /** the epochs the model was trained for (the refit's, after one) */
  readonly trainedEpochs: number;
  /** predictions are clipped to it (explicit) */
  readonly ratingRange: readonly [number, number];
  readonly #layout: Layout;
  /** the users and items trained on (rows past them are cold) */
  readonly #trained: { readonly users: number; readonly items: number };
  #itemVectors?: { readonly v: Float64Array; readonly bias: Float64Array };

  /** @internal Use {@link trainRecipe}. */
  constructor(
    fields: Pick<
      Recommender<Id>,
      "recipe" | "loss" | "explicit" | "model" | "users" | "items" | "history" | "trainedEpochs" | "ratingRange"
    >,
    layout: Layout,
    trained: { readonly users: number; readonly items: number },
  ) {
    this.recipe = fields.recipe;
    this.loss = fields.loss;
    this.explicit = fields.explicit;
    this.model = fields.model;
    this.users = fields.users;
    this.items = fields.items;
    this.history = fields.history;
    this.trainedEpochs = fields.trainedEpochs;
    this.ratingRange = fields.ratingRange;
    this.#layout = layout;
    this.#trained = trained;
  }

  /** The layout's parts of user `u` and item `j`, or none for a row trained without (cold). */
  #sets(caller: string, user: ArrayLike<number>, item: ArrayLike<number>): Observations {
    if (user.length !== item.length)
      throw new RangeError(`${caller}(): items.length must be users.length = ${user.length}, got ${item.length}`);
    const count = user.length;
    const { users, items } = this.#layout;
    const indptr = new Uint32Array(count + 1),
      index: number[] = [],
      weight: number[] = [];
    for (let b = 0; b < count; b++) {
      const u = user[b],
        j = item[b];
      if (!Number.isInteger(u) || u < 0 || u >= this.users.size)
        throw new RangeError(
          `${caller}(): users[${b}] = ${shown(u)} is not a row of the users' map (size ${this.users.size})`,
        );
      if (!Number.isInteger(j) || j < 0 || j >= this.items.size)
        throw new RangeError(
          `${caller}(): items[${b}] = ${shown(j)} is not a row of the items' map (size ${this.items.size})`,
        );
      for (const [parts, r, known] of [
        [users, u, this.#trained.users],
        [items, j, this.#trained.items],
      ] as const) {
        if (r >= known) continue; // an id added to the map after training: cold
        for (let p = parts.indptr[r]; p < parts.indptr[r + 1]; p++) {
          index.push(parts.index[p]);
          weight.push(parts.weight[p]);
        }
      }
      indptr[b + 1] = index.length;
    }
    const Type = this.model.precision === "f32" ? Float32Array : Float64Array;
    return { indptr, index: Uint32Array.from(index), weight: Type.from(weight) };
  }

  /**
   * Predictions for pairs of user and item rows: ratings clipped to `ratingRange` (explicit),
   * or scores whose order is the ranking (implicit).
   */
  predict(users: ArrayLike<number>, items: ArrayLike<number>): Float64Array {
    const caller = "Recommender.predict";
    const out = this.model.predict(this.#sets(caller, users, items));
    if (this.explicit) {
      const [low, high] = this.ratingRange;
      for (let b = 0; b < out.length; b++) out[b] = Math.min(high, Math.max(low, out[b]));
    }
    return out;
  }

  /** RMSE and MAE of the predictions against interactions' ratings (over the same maps). */
  evaluate(test: Interactions<Id>): { readonly rmse: number; readonly mae: number; readonly count: number } {
    const caller = "Recommender.evaluate";
    const data = checkInteractions<Id>(test, caller, "test");
    if (data.users !== this.users || data.items !== this.items)
      throw new RangeError(`${caller}(): test must be over the recommender's IdMaps (the same objects)`);
    if (!this.explicit)
      throw new Error(`${caller}(): a ${this.loss} recommender ranks; use rankingMetrics(recommender.scorer, test)`);
    const predicted = this.predict(data.user, data.item);
    let squares = 0,
      absolutes = 0;
    for (let i = 0; i < data.count; i++) {
      const e = predicted[i] - data.rating[i];
      squares += e * e;
      absolutes += Math.abs(e);
    }
    return { rmse: Math.sqrt(squares / data.count), mae: absolutes / data.count, count: data.count };
  }

  /** Each item's pooled vector and bias (its part's rows), computed once. */
  #items(): { readonly v: Float64Array; readonly bias: Float64Array } {
    if (this.#itemVectors) return this.#itemVectors;
    const { k } = this.model.shape;
    const { items } = this.#layout;
    const phi = this.model.phi,
      w = this.model.w;
    const count = this.#trained.items;
    const v = new Float64Array(count * k),
      bias = new Float64Array(count);
    for (let j = 0; j < count; j++) {
      for (let p = items.indptr[j]; p < items.indptr[j + 1]; p++) {
        const row = items.index[p],
          g = items.weight[p];
        bias[j] += g * w[row];
        for (let c = 0; c < k; c++) v[j * k + c] += g * phi[row * k + c];
      }
    }
    return (this.#itemVectors = { v, bias });
  }

  /**
   * Scores every item for a user row into `out` (length: the items' map size), for
   * `rankingMetrics(recommender.scorer, test)`: an item added after training scores its cold
   * answer, the user's part alone.
   */
  readonly scorer: Scorer = (user, out) => {
    const { k } = this.model.shape;
    const { users } = this.#layout;
    const { v, bias } = this.#items();
    const phi = this.model.phi,
      w = this.model.w;
    const u = new Float64Array(k);
    let offset = this.model.w0;
    if (user < this.#trained.users) {
      for (let p = users.indptr[user]; p < users.indptr[user + 1]; p++) {
        const row = users.index[p],
          g = users.weight[p];
        offset += g * w[row];
        for (let c = 0; c < k; c++) u[c] += g * phi[row * k + c];
      }
    }
    const count = Math.min(out.length, this.#trained.items);
    for (let j = 0; j < count; j++) {
      let s = bias[j];
      for (let c = 0; c < k; c++) s += u[c] * v[j * k + c];
      out[j] = s + offset;
    }
    out.fill(offset, count);
  };

  /** Frees the model's memory. */
  dispose(): void {
    this.model.dispose();
  }
}

/**
 * Trains a recipe on interactions: ratings (explicit, squared loss) or positives (implicit:
 * `implicit(data, { threshold })`, a pairwise loss). A share (`validation`) is held out to stop
 * early on; the learning rate is flat, then falls linearly over the epochs.
 *
 * @example
 * ```ts
 * const { train, test } = splitRandom(ratings, { testFraction: 0.2, seed: 42 });
 * const mf = trainRecipe(train, { recipe: "mf" });
 * mf.evaluate(test); // { rmse, mae, count }
 * mf.dispose();
 * ```
 */
export function trainRecipe<Id extends string | number>(
  train: Interactions<Id>,
  options?: RecipeOptions<Id>,
): Recommender<Id> {
  const caller = "trainRecipe";
  const data = checkInteractions<Id>(train, caller, "train");
  const o = checkOptions<RecipeOptions<Id>>(caller, "options", options, RECIPE_OPTIONS);
  // a misspelt option would train with a default unseen: name it
  for (const key of Object.keys(options ?? {}))
    if (!(RECIPE_OPTIONS as readonly string[]).includes(key))
      throw new TypeError(
        `${caller}(): options has no option ${JSON.stringify(key)}; the options are ${RECIPE_OPTIONS.join(", ")}`,
      );
  const recipe = checkChoice(caller, "options.recipe", o.recipe ?? "mf", RECIPES);
  const loss = checkChoice(caller, "options.loss", o.loss ?? (data.hasRatings ? "squared" : "warp"), LOSSES);
  const explicit = loss === "squared";
  if (explicit && !data.hasRatings)
    throw new Error(`${caller}(): the squared loss fits ratings, and train has none (hasRatings is false)`);
  const optimizer = checkChoice(
    caller,
    "options.optimizer",
    o.optimizer ?? (explicit ? "adam" : "adagrad"),
    OPTIMIZERS,
  );
  const d = defaultsOf(explicit, optimizer, recipe);
  const k = o.k === undefined ? d.k : checkInteger(caller, "options.k", o.k, 1, 4096);
  const epochs = o.epochs === undefined ? d.epochs : checkInteger(caller, "options.epochs", o.epochs, 1, 100_000);
  const learningRate = checkReal(caller, "options.learningRate", o.learningRate, d.learningRate, 0);
  const batchSize = o.batchSize === undefined ? d.batchSize : checkInteger(caller, "options.batchSize", o.batchSize, 1);
  const reg = checkReal(caller, "options.reg", o.reg, d.reg, 0);
  const regFixed = checkReal(caller, "options.regFixed", o.regFixed, d.regFixed, 0);
  const share = checkReal(caller, "options.validation", o.validation, 0.1, 0, 1, false);
  const patience = o.patience === undefined ? 3 : checkInteger(caller, "options.patience", o.patience, 1);
  const refit = o.refit === undefined ? true : checkBoolean(caller, "options.refit", o.refit);
  const seed = checkSeed(caller, "options.seed", o.seed ?? 1);
  const precision = checkChoice(caller, "options.precision", o.precision ?? "f32", ["f32", "f64"] as const);
  if (o.onEpoch !== undefined && typeof o.onEpoch !== "function")
    throw new TypeError(`${caller}(): options.onEpoch must be a function, got ${describe(o.onEpoch)}`);
  if ((o.itemFeatures || o.userFeatures) && recipe !== "hybrid")
    throw new RangeError(`${caller}(): features are the hybrid recipe's; options.recipe is "${recipe}"`);
  const itemFeatures = o.itemFeatures && checkFeatures(caller, "options.itemFeatures", o.itemFeatures, data.items);
  const userFeatures = o.userFeatures && checkFeatures(caller, "options.userFeatures", o.userFeatures, data.users);
  if (data.count === 0) throw new RangeError(`${caller}(): train has no interactions`);
  let low = Infinity,
    high = -Infinity;
  for (let i = 0; i < data.count; i++) {
    low = Math.min(low, data.rating[i]);
    high = Math.max(high, data.rating[i]);
  }
  let ratingRange: readonly [number, number] = [low, high];
  if (o.ratingRange !== undefined) {
    const r = o.ratingRange as unknown;
    if (!Array.isArray(r) || r.length !== 2 || !r.every(Number.isFinite) || !(r[0] <= r[1]))
      throw new RangeError(`${caller}(): options.ratingRange must be [least, most], finite, got ${describe(r)}`);
    ratingRange = [r[0], r[1]];
  }

  const users = data.users.size,
    items = data.items.size;
  const layout = layoutOf(recipe, data, users, items, { user: userFeatures, item: itemFeatures });
  const held = share > 0 && Math.round(share * data.count) > 0 && Math.round(share * data.count) < data.count;
  const { train: fitPart, test: validationPart } = held
    ? splitRandom(data, { testFraction: share, seed })
    : { train: data, test: undefined };
  const observations = observationsOf(layout, fitPart, precision, explicit);
  const validation = validationPart && observationsOf(layout, validationPart, precision, explicit);

  const fitOptions = {
    loss,
    optimizer: { type: optimizer, learningRate: flatThenLinear(learningRate, epochs) },
    batchSize,
    seed,
    reg,
    regFixed,
  };
  const start = (part: Interactions<Id>, sets: Observations) => {
    const model = createModel(
      { n: layout.n, m: layout.m, k },
      { precision, seed, scale: explicit ? 0.1 : 0.1 / Math.sqrt(k), linear: true },
    );
    // rows the training part never lists stay at 0 (their cold answer: the biases around them)
    const listed = new Uint8Array(layout.n + layout.m);
    for (const row of sets.index) listed[row] = 1;
    const phi = model.phi;
    for (let r = 0; r < listed.length; r++) if (!listed[r]) phi.fill(0, r * k, (r + 1) * k);
    if (explicit) model.w0 = sumOf(part.rating) / part.count;
    return model;
  };
  let model = start(fitPart, observations);
  try {
    const history = model.fit(observations, {
      ...fitOptions,
      epochs,
      ...(validation && { validation, patience }),
      ...(o.onEpoch && { onEpoch: (report: EpochReport) => o.onEpoch!(report, "validated") }),
    });
    let trainedEpochs = history.epochs.length;
    if (validation && refit) {
      // the same run on every interaction, stopped where the held-out share was best
      model.dispose();
      const all = observationsOf(layout, data, precision, explicit);
      model = start(data, all);
      const refitted = model.fit(all, {
        ...fitOptions,
        epochs: history.bestEpoch + 1,
        ...(o.onEpoch && { onEpoch: (report: EpochReport) => o.onEpoch!(report, "refit") }),
      });
      trainedEpochs = refitted.epochs.length;
    }
    return new Recommender<Id>(
      { recipe, loss, explicit, model, users: data.users, items: data.items, history, trainedEpochs, ratingRange },
      layout,
      { users, items },
    );
  } catch (error) {
    model.dispose();
    throw error;
  }
}

function sumOf(values: Float32Array): number {
  let s = 0;
  for (const x of values) s += x;
  return s;
}
