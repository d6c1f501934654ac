// Fold-in (docs/design.md §15): users and items added to the maps since training get rows of
// their own, fit from their interactions alone with every other row frozen, by the recipe's
// loss, optimizer and penalty.

import type { Model } from "../train/model.js";
import type { OptimizerOptions } from "../train/optimizers.js";
import { flatThenLinear } from "../train/schedule.js";
import type { Interactions } from "./interactions.js";
import { grownLayout, itemSets, observationsOf, type Layout, type RecipeName } from "./parts.js";

/** squared for ratings; the pairwise losses for positives (LightFM's). */
export type RecipeLoss = "squared" | "bpr" | "warp" | "warp-kos";

/** How a recipe trained: what fold-in trains new rows with. */
export interface RecipeSettings {
  readonly optimizer: OptimizerOptions["type"];
  /** the base rate of the schedule */
  readonly learningRate: number;
  readonly reg: number;
  readonly regFixed: number;
  readonly seed: number;
  readonly scale: number;
}

/** A trained recipe's state that a fold-in replaces. */
export interface Trained {
  readonly model: Model;
  readonly layout: Layout;
  /** the users and items trained on (rows past them are cold) */
  readonly rows: { readonly users: number; readonly items: number };
}

/** What a recipe is, for fold-in. */
export interface Recipe {
  readonly recipe: RecipeName;
  readonly loss: RecipeLoss;
  readonly explicit: boolean;
  readonly settings: RecipeSettings;
}

/**
 * A new model with rows for the users and items of `data` added since `before` (up to `after`),
 * the new rows `data` lists fit alone for `epochs`, the others 0 (cold). `before` is untouched;
 * the caller disposes of its model once it takes the new one.
 */
export function foldInto<Id extends string | number>(
  caller: string,
  recipe: Recipe,
  before: Trained,
  after: Trained["rows"],
  data: Interactions<Id>,
  epochs: number,
): Trained {
  const { layout, a, b } = grownLayout(recipe.recipe, before.layout, before.rows, after, data);
  const { precision } = before.model;
  const sets = observationsOf(layout, data, precision, recipe.explicit);
  // the new rows: the end of A, and the end of B
  const oldN = before.layout.n,
    firstNewB = layout.n + before.layout.m;
  const isNew = (row: number) => (row >= oldN && row < oldN + a) || row >= firstNewB;
  const trainable = [...new Set(sets.index)].filter(isNew).sort((x, y) => x - y);
  if (trainable.length === 0)
    throw new RangeError(`${caller}(): interactions list no user or item added since training; nothing to fold in`);
  const { settings } = recipe;
  const grown = before.model.withNewRows({ a, b }, { scale: settings.scale, seed: settings.seed });
  try {
    // new rows no interaction lists stay 0: their cold answer
    const { k } = grown.shape,
      listed = new Set(trainable),
      phi = grown.phi;
    for (let row = 0; row < layout.n + layout.m; row++)
      if (isNew(row) && !listed.has(row)) phi.fill(0, row * k, (row + 1) * k);
    grown.fit(sets, {
      loss: recipe.loss,
      optimizer: { type: settings.optimizer, learningRate: flatThenLinear(settings.learningRate, epochs) },
      epochs,
      batchSize: Math.max(1, data.count),
      seed: settings.seed,
      reg: settings.reg,
      regFixed: settings.regFixed,
      trainable,
      // a hybrid's items are parts of several rows (indicator and features): negatives are
      // drawn among every item of the recipe, not only among those these interactions list
      ...(recipe.recipe === "hybrid" && !recipe.explicit && { catalogue: itemSets(layout, precision) }),
    });
  } catch (error) {
    grown.dispose();
    throw error;
  }
  return { model: grown, layout, rows: after };
}
