// Training speed of each recipe (crossgrad/recommend), on generated ratings the size and shape
// of GroupLens's ml-100k: 943 users, 1,682 items, 100,000 ratings, popularity-skewed (a popular
// item is rated more often and higher), low rank plus biases; the hybrid gets 1 to 3 of 19
// genres an item. A fixed number of epochs, nothing
// held out, so every row is the same work whatever the data: seconds an epoch and ratings a
// second. Accuracy is the example's to measure, on real data (docs/recommend.md).
// Environment-agnostic: Node, Deno and Bun run it.

import { featuresOf, implicit, parseInteractions, trainRecipe } from "../dist/recommend/index.js";
import { generator } from "../dist/reference.js";

/** u.data-like text: `count` ratings of `users` x `items`, drawn without repeats. */
export function generatedRatings({ users = 943, items = 1682, count = 100_000, seed = 3 } = {}) {
  const random = generator(seed);
  const normal = () => Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
  const k = 4;
  const p = Array.from({ length: users * k }, () => 0.6 * normal()),
    q = Array.from({ length: items * k }, () => 0.6 * normal());
  const z = Array.from({ length: items }, () => normal());
  // items drawn in proportion to exp(z): a cumulative table and a binary search
  const cumulative = new Float64Array(items);
  z.forEach((x, i) => (cumulative[i] = (i ? cumulative[i - 1] : 0) + Math.exp(x)));
  const seen = new Set(),
    lines = [];
  while (lines.length < count) {
    const u = Math.floor(random() * users);
    const target = random() * cumulative[items - 1];
    let lo = 0,
      hi = items - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (cumulative[mid] < target) lo = mid + 1;
      else hi = mid;
    }
    const key = u * items + lo;
    if (seen.has(key)) continue;
    seen.add(key);
    let score = 3.5 + 0.4 * z[lo] + 0.3 * normal();
    for (let c = 0; c < k; c++) score += p[u * k + c] * q[lo * k + c];
    lines.push(`${u + 1}\t${lo + 1}\t${Math.min(5, Math.max(1, Math.round(score)))}`);
  }
  return lines.join("\n") + "\n";
}

/** The rows: each recipe with its default loss, a few epochs, one thread. */
const ROWS = [
  { recipe: "mf", data: "ratings" },
  { recipe: "svd++", data: "ratings" },
  { recipe: "hybrid", data: "ratings" },
  { recipe: "mf", data: "positives", loss: "warp" },
  { recipe: "mf", data: "positives", loss: "bpr" },
  { recipe: "mf", data: "positives", loss: "warp-kos" },
];

/** Seconds an epoch (median) and ratings a second, per recipe. Returns { rows, ratings, positives }. */
export function recipesBenchmark({ quick = false, log = () => {} } = {}) {
  const ratings = parseInteractions(generatedRatings(quick ? { count: 20_000 } : {}));
  const positives = implicit(ratings, { threshold: 4 });
  // the hybrid's features: one to three of 19 genres an item, as u.item's flags give
  const pick = generator(9);
  const genres = featuresOf(
    ratings.items,
    [...ratings.items].map((id) => [
      id,
      Array.from({ length: 1 + Math.floor(pick() * 3) }, () => `g${Math.floor(pick() * 19)}`),
    ]),
  );
  const epochs = quick ? 2 : 4;
  const rows = [];
  for (const row of ROWS) {
    const data = row.data === "ratings" ? ratings : positives;
    const times = [];
    let last = 0;
    const model = trainRecipe(data, {
      recipe: row.recipe,
      ...(row.loss && { loss: row.loss }),
      ...(row.recipe === "hybrid" && { itemFeatures: genres }),
      epochs,
      validation: 0,
      onEpoch: (report) => {
        times.push(report.elapsed - last);
        last = report.elapsed;
      },
    });
    model.dispose();
    const epoch = times.sort((a, b) => a - b)[times.length >> 1] / 1000;
    rows.push({ ...row, loss: row.loss ?? "squared", count: data.count, epochs, epochSeconds: epoch });
    log(`recipes: ${row.recipe} ${row.loss ?? "squared"} ${epoch.toFixed(3)} s an epoch`);
  }
  return { rows, ratings: ratings.count, positives: positives.count };
}
