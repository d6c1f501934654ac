#!/usr/bin/env node
// Ratings in, the field's models out: trains every recipe of crossgrad/recommend with its
// defaults on a GroupLens folder you downloaded, and prints RMSE, MAE and ranking metrics beside
// the published figures of Surprise and LightFM, each with the protocol it used.
//
//   npm run example:movielens -- <dir> [--json] [--recipes mf,svd++,hybrid] [--seed 1]
//
// <dir> is ml-100k (u.data, u1..u5.base/test, ua.base/test, u.item) or a folder with
// ratings.csv (ml-latest-small and the other ml-latest* sets; movies.csv for genres).
//   ml-100k, explicit: the mean over GroupLens's five folds u1..u5 (Surprise's protocol);
//   ml-100k, implicit: ua.base/ua.test, ratings >= 4 positive, training positives excluded
//     from the ranking; and LightFM's protocol: every rating positive, ranked over every item.
//   ratings.csv: one seeded 80/20 split, the same protocols on it.
// With --json the last line is one JSON object (the shape is in docs/recommend.md).
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { info, init } from "../dist/index.js";
import {
  featuresOf,
  IdMap,
  implicit,
  rankingMetrics,
  readInteractions,
  splitRandom,
  trainRecipe,
} from "../dist/recommend/index.js";

const RECIPES = ["mf", "svd++", "hybrid"];
// Published figures, and the protocol behind each (docs/recommend.md cites them).
const PUBLISHED = {
  explicit: [
    ["Surprise SVD (ml-100k, 5-fold CV)", "RMSE 0.934, MAE 0.737, 6 s"],
    ["Surprise SVD++ (ml-100k, 5-fold CV)", "RMSE 0.919, MAE 0.721, 1 min 22 s"],
    ["Surprise BaselineOnly (ml-100k, 5-fold CV)", "RMSE 0.944, MAE 0.748"],
  ],
  implicit: [
    ["LightFM BPR (ml-100k ua, every rating positive, all items ranked)", "precision@10 0.10, AUC 0.86"],
    ["LightFM WARP (same protocol)", "precision@10 0.11, AUC 0.90"],
  ],
};

function usage(message) {
  if (message) console.error(`example:movielens: ${message}`);
  console.error("usage: npm run example:movielens -- <dir> [--json] [--recipes mf,svd++,hybrid] [--seed 1]");
  process.exit(2);
}

let args;
try {
  args = parseArgs({
    allowPositionals: true,
    options: {
      json: { type: "boolean", default: false },
      recipes: { type: "string", default: RECIPES.join(",") },
      seed: { type: "string", default: "1" },
      help: { type: "boolean", short: "h", default: false },
    },
  });
} catch (error) {
  usage(error.message);
}
if (args.values.help) usage();
const [dir] = args.positionals;
if (!dir || args.positionals.length > 1) usage("give one GroupLens folder");
const recipes = args.values.recipes.split(",");
for (const r of recipes) if (!RECIPES.includes(r)) usage(`--recipes: "${r}" is not one of ${RECIPES.join(", ")}`);
const seed = Number(args.values.seed);
if (!Number.isInteger(seed) || seed < 0 || seed > 2 ** 32 - 1) usage(`--seed must be an integer from 0 to 4294967295`);
const json = args.values.json;
const say = json ? () => {} : (line) => console.log(line);

const has = (name) => existsSync(join(dir, name));
const hundredK = ["u.data", "u1.base", "u1.test", "ua.base", "ua.test"].every(has);
if (!hundredK && !has("ratings.csv"))
  usage(`${dir} holds neither ml-100k's files (u.data, u1..u5.base/test, ua.base/test) nor ratings.csv`);

await init();
const dataset = hundredK ? "ml-100k" : dir.replace(/\/+$/, "").split("/").pop();

/** Reads files over one pair of maps, so that rows of every file are the same ids. */
const maps = { users: new IdMap(), items: new IdMap() };
const read = (name) => readInteractions({ path: join(dir, name) }, { ...maps, ...(hundredK && { header: false }) });

/** Item genres as hybrid features: u.item's 19 flags (Latin-1) or movies.csv's genres column. */
async function genres(items) {
  if (hundredK) {
    if (!has("u.item")) return undefined;
    const names =
      "unknown,Action,Adventure,Animation,Children,Comedy,Crime,Documentary,Drama,Fantasy,Film-Noir,Horror,Musical,Mystery,Romance,Sci-Fi,Thriller,War,Western".split(
        ",",
      );
    const lines = new TextDecoder("latin1").decode(readFileSync(join(dir, "u.item"))).split("\n");
    return featuresOf(
      items,
      lines.filter(Boolean).map((line) => {
        const fields = line.split("|");
        return [fields[0], names.filter((_, g) => fields[5 + g] === "1")];
      }),
    );
  }
  if (!has("movies.csv")) return undefined;
  // movies.csv: movieId,title,genres with quoted titles; the genres column read as an "item"
  const movies = await readInteractions(
    { path: join(dir, "movies.csv") },
    { columns: { user: "movieId", item: "genres" }, header: true },
  );
  return featuresOf(
    items,
    Array.from({ length: movies.count }, (_, i) => [
      movies.users.id(movies.user[i]),
      movies.items
        .id(movies.item[i])
        .split("|")
        .filter((g) => g !== "(no genres listed)"),
    ]),
  );
}

const seconds = (from) => (performance.now() - from) / 1000;
const fixed = (x, digits = 4) => (Number.isFinite(x) ? x.toFixed(digits) : String(x));

/** Trains a recipe on `train`, with genres for the hybrid. */
function train(recipe, data, features) {
  return trainRecipe(data, { recipe, seed, ...(recipe === "hybrid" && features && { itemFeatures: features }) });
}

// --- explicit: RMSE and MAE -----------------------------------------------------------------
const folds = [];
if (hundredK) {
  for (let f = 1; f <= 5; f++) if (has(`u${f}.base`)) folds.push([await read(`u${f}.base`), await read(`u${f}.test`)]);
} else {
  const all = await read("ratings.csv");
  const { train: base, test } = splitRandom(all, { testFraction: 0.2, seed });
  folds.push([base, test]);
}
const features = await genres(maps.items);
say(`crossgrad on ${dataset} (${info().simd ? "wasm SIMD" : "scalar wasm"}, one thread), seed ${seed}`);
say(
  `explicit: ${hundredK ? "mean over folds u1..u5" : "a seeded 80/20 split"}; ${features ? `hybrid with ${features.names.size} genres` : "no genres file: hybrid without features"}`,
);
const explicitReport = {};
for (const recipe of recipes) {
  let rmse = 0,
    mae = 0;
  const from = performance.now();
  for (const [base, test] of folds) {
    const model = train(recipe, base, features);
    const r = model.evaluate(test);
    rmse += r.rmse / folds.length;
    mae += r.mae / folds.length;
    model.dispose();
  }
  explicitReport[recipe] = { rmse, mae, seconds: seconds(from) };
  say(`  ${recipe.padEnd(7)} RMSE ${fixed(rmse)}  MAE ${fixed(mae)}  ${fixed(seconds(from), 1)} s`);
}
for (const [who, figure] of PUBLISHED.explicit) say(`  published: ${who}: ${figure}`);

// --- implicit: ranking metrics ---------------------------------------------------------------
const [base, test] = hundredK ? [await read("ua.base"), await read("ua.test")] : folds[0];
say(
  `implicit: ${hundredK ? "ua.base / ua.test" : "the same 80/20 split"}; ratings >= 4 positive, training positives excluded ` +
    `(and LightFM's protocol: every rating positive, every item ranked)`,
);
const implicitReport = {};
for (const recipe of recipes) {
  const from = performance.now();
  const liked = implicit(base, { threshold: 4 });
  const model = train(recipe, liked, features);
  const took = seconds(from);
  const m = rankingMetrics(model.scorer, implicit(test, { threshold: 4 }), { k: 10, exclude: liked });
  model.dispose();
  // LightFM's protocol: every rating a positive in training and test, every item ranked
  const lightfm = train(recipe, implicit(base), features);
  const l = rankingMetrics(lightfm.scorer, implicit(test), { k: 10 });
  lightfm.dispose();
  implicitReport[recipe] = {
    "precision@10": m.precision,
    "recall@10": m.recall,
    "ndcg@10": m.ndcg,
    auc: m.auc,
    seconds: took,
    lightfm: { "precision@10": l.precision, auc: l.auc },
  };
  say(
    `  ${recipe.padEnd(7)} precision@10 ${fixed(m.precision)}  recall@10 ${fixed(m.recall)}  NDCG@10 ${fixed(m.ndcg)}  ` +
      `AUC ${fixed(m.auc)}  ${fixed(took, 1)} s | LightFM's protocol: precision@10 ${fixed(l.precision)}  AUC ${fixed(l.auc)}`,
  );
}
for (const [who, figure] of PUBLISHED.implicit) say(`  published: ${who}: ${figure}`);
if (json) console.log(JSON.stringify({ dataset, explicit: explicitReport, implicit: implicitReport }));
