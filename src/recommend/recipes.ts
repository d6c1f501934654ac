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

import { createModel } from "../train/create.js";
import type { EpochReport } from "../train/options.js";
import type { Observations } from "../train/minibatch.js";
import { flatThenLinear } from "../train/schedule.js";
import { checkBoolean, checkInteger, checkOptions, checkReal, checkSeed } from "../util/checks.js";
import { describe, isList, keysOf, readList, shown } from "../util/read.js";
import type { Precision } from "../util/types.js";
import { checkFeatures, type Features } from "./features.js";
import { checkInteractions, checkRatings, type Interactions } from "./interactions.js";
import { layoutOf, observationsOf, type RecipeName } from "./parts.js";
import { Recommender, type RecipeLoss } from "./recommender.js";
import { splitRandom } from "./split.js";

export type { RecipeName } from "./parts.js";

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
  for (const key of keysOf(caller, "options", options ?? {}))
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
  checkRatings(caller, "train", data);
  let low = Infinity,
    high = -Infinity;
  for (let i = 0; i < data.count; i++) {
    low = Math.min(low, data.rating[i]);
    high = Math.max(high, data.rating[i]);
  }
  let ratingRange: readonly [number, number] = [low, high];
  if (o.ratingRange !== undefined) {
    // read once: a list that answers differently on a second read cannot clip to NaN
    const r = isList(o.ratingRange) ? readList(caller, "options.ratingRange", o.ratingRange) : undefined;
    if (!r || r.length !== 2 || !r.every(Number.isFinite) || !((r[0] as number) <= (r[1] as number)))
      throw new RangeError(
        `${caller}(): options.ratingRange must be [least, most], finite, got ${r ? `[${r.map(shown).join(", ")}]` : describe(o.ratingRange)}`,
      );
    ratingRange = [r[0] as number, r[1] as number];
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

  const scale = explicit ? 0.1 : 0.1 / Math.sqrt(k);
  const fitOptions = {
    loss,
    optimizer: { type: optimizer, learningRate: flatThenLinear(learningRate, epochs) },
    batchSize,
    seed,
    reg,
    regFixed,
  };
  const start = (part: Interactions<Id>, sets: Observations) => {
    const model = createModel({ n: layout.n, m: layout.m, k }, { precision, seed, scale, linear: true });
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
      data,
      { optimizer, learningRate, reg, regFixed, seed, scale },
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
