// A trained recipe (docs/design.md §14, §15): predictions for pairs of rows, the scores of every
// item for a user (rankingMetrics' scorer), and the top items of users and the items most like
// an item, picked in wasm over a table of the items' pooled vectors.

import type { Model } from "../train/model.js";
import type { History } from "../train/options.js";
import type { Observations } from "../train/minibatch.js";
import { callerRef, checkRows } from "../ops/checks.js";
import { checkInteger, checkLength, checkOptions } from "../util/checks.js";
import { copyInto, describe, typedKind } from "../util/read.js";
import { requireEngine } from "../wasm/init.js";
import type { IdMap } from "./idmap.js";
import { checkInteractions, checkRatings, type Interactions } from "./interactions.js";
import { byUser, gathered, merged } from "./exclusions.js";
import { foldInto, type RecipeLoss, type RecipeSettings } from "./foldin.js";
import type { Layout, RecipeName } from "./parts.js";
import type { Scorer } from "./ranking.js";
import { isThreadPool } from "../threads/brand.js";
import type { ThreadPool } from "../threads/pool.js";
import { ItemTable, type Exclusions, type TopItems } from "./topk.js";

export type { TopItems } from "./topk.js";
export type { RecipeLoss, RecipeSettings } from "./foldin.js";

/** Options of {@link Recommender.recommend}. */
export interface RecommendOptions<Id extends string | number = string> {
  /** how many items a user [10]; from 1 to the items trained */
  readonly k?: number;
  /**
   * the items not to recommend to a user: "train" (what the recipe trained on, the default),
   * false (none), or interactions over the same maps (a user's pairs there)
   */
  readonly exclude?: "train" | false | Interactions<Id>;
}

/** Options of {@link Recommender.foldIn}. */
export interface FoldInOptions {
  /** epochs over the new interactions [15] */
  readonly epochs?: number;
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
  #model: Model;
  /** the interactions' maps: user and item rows are theirs */
  readonly users: IdMap<Id>;
  readonly items: IdMap<Id>;
  /** what the run that validates reported, epoch by epoch (its bestEpoch, from 0: where it was best) */
  readonly history: History;
  /** the epochs the model was trained for (the refit's, after one) */
  readonly trainedEpochs: number;
  /** predictions are clipped to it (explicit) */
  readonly ratingRange: readonly [number, number];
  #layout: Layout;
  /** the users and items trained on (rows past them are cold) */
  #trained: { readonly users: number; readonly items: number };
  #itemVectors?: { readonly v: Float64Array; readonly bias: Float64Array };
  #table?: ItemTable;
  /** the items' table in each pool's memory that recommendOn ran on */
  readonly #poolTables = new Map<ThreadPool, ItemTable>();
  /** recommendOn calls whose workers may still read a pool's table, and tables dropped meanwhile */
  #inFlight = 0;
  readonly #retired: ItemTable[] = [];
  /** what the recipe trained on, by user row (the default exclusions) */
  #seen: Exclusions;
  /** how the recipe trained, for fold-in */
  readonly #settings: RecipeSettings;

  /** @internal Use {@link trainRecipe}. */
  constructor(
    fields: Pick<
      Recommender<Id>,
      "recipe" | "loss" | "explicit" | "model" | "users" | "items" | "history" | "trainedEpochs" | "ratingRange"
    >,
    layout: Layout,
    trained: { readonly users: number; readonly items: number },
    train: Interactions<Id>,
    settings: RecipeSettings,
  ) {
    this.recipe = fields.recipe;
    this.loss = fields.loss;
    this.explicit = fields.explicit;
    this.#model = fields.model;
    this.#settings = settings;
    this.users = fields.users;
    this.items = fields.items;
    this.history = fields.history;
    this.trainedEpochs = fields.trainedEpochs;
    this.ratingRange = fields.ratingRange;
    this.#layout = layout;
    this.#trained = trained;
    this.#seen = byUser(train, trained.users, trained.items);
  }

  /** the trained model (its rows: docs/recommend.md's layout of the recipe; a fold-in replaces it) */
  get model(): Model {
    return this.#model;
  }

  #live(caller: string): void {
    if (this.model.disposed) throw new Error(`${caller}(): this Recommender was disposed`);
  }

  /** The layout's parts of user `u` and item `j`, or none for a row trained without (cold). */
  #sets(caller: string, userRows: unknown, itemRows: unknown): Observations {
    const user = checkRows(caller, "users", userRows, this.users.size, false),
      item = checkRows(caller, "items", itemRows, this.items.size, false);
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
    this.#live(caller);
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
    this.#live(caller);
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
   * Scores every item for a user row into `out` (a Float32Array, length: the items' map size), for
   * `rankingMetrics(recommender.scorer, test)`: an item added after training scores its cold
   * answer, the user's part alone.
   */
  readonly scorer: Scorer = (user, out) => {
    const caller = "Recommender.scorer";
    this.#live(caller);
    const size = this.users.size;
    if (typeof user !== "number") throw new TypeError(`${caller}(): user must be a row number, got ${describe(user)}`);
    if (!Number.isInteger(user) || user < 0 || user >= size)
      throw new RangeError(`${caller}(): user = ${user} is not a row of the users' map (from 0 to ${size - 1})`);
    if (typedKind(out) !== "Float32Array")
      throw new TypeError(`${caller}(): out must be a Float32Array, got ${describe(out)}`);
    // written through its internal slots, if crossgrad did not keep it (a view of its own memory, freed or grown)
    const target = callerRef(caller, "out", out, "Float32Array");
    checkLength(caller, "out", target.length, this.items.size, "the items' map size");
    const { k } = this.model.shape;
    const { v, bias } = this.#items();
    const u = new Float64Array(k),
      offsets = new Float64Array(1);
    this.#userVectors([user], u, offsets);
    const offset = offsets[0];
    const scores = new Float32Array(target.length).fill(offset);
    for (let j = 0; j < this.#trained.items; j++) {
      let s = bias[j];
      for (let c = 0; c < k; c++) s += u[c] * v[j * k + c];
      scores[j] = s + offset;
    }
    copyInto(target, scores);
  };

  /**
   * Each user row's pooled vector into out (rows x k; zeros when cold), and w0 plus its bias into
   * offsets. The model's arrays are read once a call: each getter hands out a tracked view.
   */
  #userVectors(rows: ArrayLike<number>, out: Float64Array, offsets: Float64Array): void {
    const { k } = this.model.shape;
    const { users } = this.#layout;
    const phi = this.model.phi,
      w = this.model.w,
      w0 = this.model.w0;
    for (let b = 0; b < rows.length; b++) {
      const user = rows[b];
      let offset = w0;
      if (user < this.#trained.users) {
        for (let p = users.indptr[user]; p < users.indptr[user + 1]; p++) {
          const row = users.index[p],
            g = users.weight[p];
          offset += g * w[row];
          for (let c = 0; c < k; c++) out[b * k + c] += g * phi[row * k + c];
        }
      }
      offsets[b] = offset;
    }
  }

  /** The items' table in wasm memory, made on first use. */
  #itemTable(caller: string): ItemTable {
    if (this.#table) return this.#table;
    const { v, bias } = this.#items();
    return (this.#table = new ItemTable(
      requireEngine(caller),
      this.model.precision,
      this.model.shape.k,
      v,
      bias,
      caller,
    ));
  }

  /** k, checked: from 1 to the items there are to pick from (1 when there are none: a -1 a query). */
  #k(caller: string, k: unknown, most: number): number {
    const largest = Math.max(1, most);
    if (k === undefined) return Math.min(10, largest);
    return checkInteger(caller, "options.k", k, 1, largest);
  }

  /**
   * The top `k` items of each user row, best first, by the model's score (the rating a
   * rating recipe predicts, before clipping): `items[b * k + e]` is user b's e-th item (a row of
   * `items`), -1 where fewer than k are left after the exclusions. Items a user trained on are
   * left out unless `exclude: false`; items added to the map after training are not in the table.
   *
   * @example
   * ```ts
   * const { items, scores } = recommender.recommend([0, 5], { k: 3 });
   * recommender.items.id(items[0]); // user 0's best item
   * ```
   */
  recommend(users: ArrayLike<number>, options?: RecommendOptions<Id>): TopItems {
    const caller = "Recommender.recommend";
    const q = this.#queries(caller, users, options);
    return this.#withOffsets(this.#itemTable(caller).top(q.queries, q.exclude, q.k, "dot", caller), q);
  }

  /**
   * recommend() on a thread pool: the users cut into one share a thread (the items' table is
   * copied into the pool's memory on first use, and freed with the recommender). The same
   * items and scores as recommend(), bit for bit.
   *
   * @example
   * ```ts
   * const pool = await createThreadPool({ threads: 2 });
   * const { items } = await recommender.recommendOn(pool, everyUser, { k: 10 });
   * ```
   */
  async recommendOn(pool: ThreadPool, users: ArrayLike<number>, options?: RecommendOptions<Id>): Promise<TopItems> {
    const caller = "Recommender.recommendOn";
    if (!isThreadPool(pool))
      throw new TypeError(`${caller}(): pool must be a ThreadPool (createThreadPool()), got ${describe(pool)}`);
    pool.live(caller);
    const q = this.#queries(caller, users, options);
    let table = this.#poolTables.get(pool);
    if (!table) {
      const { v, bias } = this.#items();
      table = new ItemTable(pool.engine, this.#model.precision, this.#model.shape.k, v, bias, caller);
      this.#poolTables.set(pool, table);
    }
    // a dispose() or foldIn() while the workers read the table retires it until they are done
    this.#inFlight++;
    try {
      const top = await table.topOn(pool, q.queries, q.exclude, q.k, "dot", caller);
      if (this.#model.disposed) throw new Error(`${caller}(): this Recommender was disposed while the call ran`);
      return this.#withOffsets(top, q);
    } finally {
      if (--this.#inFlight === 0) for (const retired of this.#retired.splice(0)) retired.dispose();
    }
  }

  /** A recommend call's queries, checked: the users' vectors and offsets, k, their exclusions. */
  #queries(caller: string, users: ArrayLike<number>, options: RecommendOptions<Id> | undefined) {
    this.#live(caller);
    const o = checkOptions<RecommendOptions<Id>>(caller, "options", options, ["k", "exclude"]);
    const rows = checkRows(caller, "users", users, this.users.size, true);
    const items = this.#trained.items;
    const k = this.#k(caller, o.k, items);
    let source: Exclusions | undefined;
    if (o.exclude === undefined || o.exclude === "train") source = this.#seen;
    else if (o.exclude !== false) {
      const other = checkInteractions<Id>(o.exclude, caller, "options.exclude");
      if (other.users !== this.users || other.items !== this.items)
        throw new RangeError(`${caller}(): options.exclude must be over the recommender's IdMaps (the same objects)`);
      source = byUser(other, this.users.size, items);
    }
    const { k: dims } = this.#model.shape;
    const queries = new Float64Array(rows.length * dims),
      offsets = new Float64Array(rows.length);
    this.#userVectors(rows, queries, offsets);
    return { k, queries, offsets, exclude: gathered(source, rows) };
  }

  /** The picks with each user's offset (w0 and its bias) added: the scores predict gives. */
  #withOffsets(top: TopItems, q: { readonly k: number; readonly offsets: Float64Array }): TopItems {
    const { k, offsets } = q;
    for (let b = 0; b < offsets.length; b++)
      for (let e = b * k; e < (b + 1) * k; e++) if (top.items[e] >= 0) top.scores[e] += offsets[b];
    return top;
  }

  /**
   * The `k` items most like each item row, by the cosine of their pooled vectors, best first,
   * the item itself left out (`items[b * k + e]`, -1 past the others; a zero vector's cosines are 0).
   *
   * @example
   * ```ts
   * const { items, scores } = recommender.similarItems([recommender.items.get("m1")!], { k: 5 });
   * ```
   */
  similarItems(items: ArrayLike<number>, options?: { readonly k?: number }): TopItems {
    const caller = "Recommender.similarItems";
    this.#live(caller);
    const o = checkOptions<{ k: number }>(caller, "options", options, ["k"]);
    const trained = this.#trained.items;
    const rows = checkRows(caller, "items", items, trained, true);
    const k = this.#k(caller, o.k, trained - 1);
    const table = this.#itemTable(caller);
    const { k: dims } = this.model.shape;
    const queries = new Float64Array(rows.length * dims);
    rows.forEach((j, b) => queries.set(table.unitRow(j), b * dims));
    const indptr = Uint32Array.from({ length: rows.length + 1 }, (_, b) => b);
    return table.top(queries, { indptr, index: rows }, k, "cosine", caller);
  }

  /**
   * Trains users and items added to the maps since training (`users.add(id)`, or a parse given
   * these maps) from their interactions, every other row frozen: the model gains their rows (its
   * rows keep their values), and the new rows the interactions list are fit alone, with the
   * recipe's loss, optimizer and penalty. New ids the interactions do not list stay cold; the
   * interactions join the exclusions of `recommend`. Features of new rows are not known.
   *
   * @example
   * ```ts
   * const newcomer = recommender.users.add("newcomer");
   * recommender.foldIn(parseInteractions("newcomer,m1,5\nnewcomer,m7,4\n", { users: recommender.users, items: recommender.items }));
   * recommender.recommend([newcomer], { k: 10 });
   * ```
   */
  foldIn(interactions: Interactions<Id>, options?: FoldInOptions): void {
    const caller = "Recommender.foldIn";
    this.#live(caller);
    const data = checkInteractions<Id>(interactions, caller);
    if (data.users !== this.users || data.items !== this.items)
      throw new RangeError(`${caller}(): interactions must be over the recommender's IdMaps (the same objects)`);
    const o = checkOptions<FoldInOptions>(caller, "options", options, ["epochs"]);
    const epochs = o.epochs === undefined ? 15 : checkInteger(caller, "options.epochs", o.epochs, 1, 100_000);
    if (this.explicit && !data.hasRatings)
      throw new Error(`${caller}(): a rating recipe folds in ratings, and interactions has none (hasRatings is false)`);
    if (this.explicit) checkRatings(caller, "interactions", data);
    const after = { users: this.users.size, items: this.items.size };
    const next = foldInto(
      caller,
      { recipe: this.recipe, loss: this.loss, explicit: this.explicit, settings: this.#settings },
      { model: this.#model, layout: this.#layout, rows: this.#trained },
      after,
      data,
      epochs,
    );
    this.#model.dispose();
    this.#model = next.model;
    this.#layout = next.layout;
    this.#trained = next.rows;
    this.#itemVectors = undefined;
    this.#table?.dispose();
    this.#table = undefined;
    this.#dropPoolTables();
    this.#seen = merged(this.#seen, byUser(data, after.users, after.items));
  }

  #dropPoolTables(): void {
    for (const table of this.#poolTables.values()) {
      if (this.#inFlight > 0) this.#retired.push(table);
      else table.dispose();
    }
    this.#poolTables.clear();
  }

  /** Frees the model's memory and the items' tables. */
  dispose(): void {
    this.#table?.dispose();
    this.#table = undefined;
    this.#dropPoolTables();
    this.model.dispose();
  }
}
