// The recommender page's worker: it reads the visitor's files (or generates a catalogue), trains
// a recipe of crossgrad/recommend, and keeps the data and the model, so that the page only asks
// for a user's top 10 or an item's neighbours by message (each takes well under a millisecond
// here). Requests (requests.js): info, load, train, recommend, similar.
import { info, init } from "../../dist/index.js";
import {
  featuresOf,
  implicit,
  parseInteractions,
  rankingMetrics,
  readInteractions,
  splitRandom,
  trainRecipe,
} from "../../dist/recommend/index.js";
import { catalogue } from "../catalogue.js";
import { answer } from "./requests.js";

/** How many items a list shows. */
const K = 10;
/** The share of the interactions held out to measure the model (seeded). */
const TEST_SHARE = 0.1;

/**
 * What was loaded: `ratings` (every interaction of the file), `name` (how messages name it),
 * `titles` (id -> { title, genres }) when a titles file came with it, and `byUser` (each user's
 * interactions, as indices into ratings' columns).
 */
let data;
/** The trained model and what it was trained on: { recommender, explicit }. */
let trained;

/** A parser's message with the file's name where it names its function. */
const fromFile = (name, error) => new Error(`${name}: ${String(error.message).replace(/^\w+\(\): /, "")}`);

/** The first line of a file (its first 4 KiB). */
const firstLine = async (file) => (await file.slice(0, 4096).text()).split(/\r?\n/)[0];

/**
 * Which file holds the ratings and which the titles: a titles file is GroupLens's u.item, or
 * has a header that names a title column (movies.csv); the other is the ratings.
 */
async function roles(files) {
  if (files.length === 0) throw new Error("no file: drop a ratings file (ratings.csv, u.data or any CSV/TSV)");
  if (files.length > 2)
    throw new Error(
      `${files.length} files: drop one ratings file, and at most one titles file (movies.csv or u.item) with it`,
    );
  const ratings = [],
    titles = [];
  for (const file of files) {
    if (file.size === 0) throw new Error(`${file.name} is empty (0 bytes)`);
    const titled = file.name === "u.item" || /(^|[,;\t|"])\s*title\s*("?)([,;\t|]|$)/i.test(await firstLine(file));
    (titled ? titles : ratings).push(file);
  }
  if (ratings.length === 0)
    throw new Error(
      `${titles.map((f) => f.name).join(" and ")}: titles, no ratings; drop a ratings file (ratings.csv, u.data) with it`,
    );
  if (ratings.length === 2)
    throw new Error(`${files[0].name} and ${files[1].name} both look like ratings: drop one at a time`);
  return { ratings: ratings[0], titles: titles[0] };
}

/** Titles and genres by item id, from movies.csv (a header naming the columns) or u.item. */
async function readTitles(file) {
  const titles = new Map();
  if (file.name === "u.item") {
    // GroupLens's ml-100k: id|title|release|video release|url|19 genre flags, in Latin-1
    const GENRES_100K =
      "unknown|Action|Adventure|Animation|Children|Comedy|Crime|Documentary|Drama|Fantasy|Film-Noir|Horror|Musical|Mystery|Romance|Sci-Fi|Thriller|War|Western".split(
        "|",
      );
    const text = new TextDecoder("latin1").decode(await file.arrayBuffer());
    for (const [i, line] of text.split(/\r?\n/).entries()) {
      if (line === "") continue;
      const fields = line.split("|");
      if (fields.length !== 5 + GENRES_100K.length)
        throw new Error(`${file.name}: line ${i + 1}: ${fields.length} fields, expected 24 separated by |`);
      const genres = GENRES_100K.filter((g, f) => fields[5 + f] === "1" && g !== "unknown");
      titles.set(fields[0], { title: fields[1], genres });
    }
    return titles;
  }
  // movies.csv: movieId,title,genres (titles quoted where they hold a comma): the parser reads the
  // id column as users and another column as items, once for the titles and once for the genres
  const header = await firstLine(file);
  const delimiter = [",", "\t", ";", "|"].find((d) => header.includes(d)) ?? ",";
  const names = header.split(delimiter).map((name) => name.trim().replace(/^"|"$/g, ""));
  const column = (pattern) => names.findIndex((name) => pattern.test(name));
  const read = async (item) => {
    try {
      return await readInteractions(file, { delimiter, header: true, columns: { user: 0, item } });
    } catch (error) {
      throw fromFile(file.name, error);
    }
  };
  const title = await read(column(/title/i));
  for (let i = 0; i < title.count; i++)
    titles.set(title.users.id(title.user[i]), { title: title.items.id(title.item[i]), genres: [] });
  if (column(/genre/i) >= 0) {
    const genres = await read(column(/genre/i));
    for (let i = 0; i < genres.count; i++)
      titles.get(genres.users.id(genres.user[i])).genres = genres.items
        .id(genres.item[i])
        .split("|")
        .filter((g) => g !== "(no genres listed)");
  }
  return titles;
}

/** Each user's interactions: `order[indptr[u]..indptr[u + 1])` index ratings' columns (a counting sort). */
function byUser(ratings) {
  const indptr = new Uint32Array(ratings.users.size + 1);
  for (const u of ratings.user) indptr[u + 1]++;
  for (let u = 0; u < ratings.users.size; u++) indptr[u + 1] += indptr[u];
  const next = indptr.slice(0, -1),
    order = new Uint32Array(ratings.count);
  for (let i = 0; i < ratings.count; i++) order[next[ratings.user[i]]++] = i;
  return { indptr, order };
}

/** What the page shows of the loaded data. */
function summary() {
  const { ratings, name, titles } = data;
  let low = Infinity,
    high = -Infinity;
  for (const r of ratings.rating) {
    low = Math.min(low, r);
    high = Math.max(high, r);
  }
  let titled = 0;
  const genres = new Set();
  if (titles)
    for (let j = 0; j < ratings.items.size; j++) {
      const entry = titles.get(ratings.items.id(j));
      if (entry) titled++;
      for (const g of entry?.genres ?? []) genres.add(g);
    }
  return {
    name,
    count: ratings.count,
    users: ratings.users.size,
    items: ratings.items.size,
    hasRatings: ratings.hasRatings,
    ratingRange: [low, high],
    skipped: ratings.skipped?.count ?? 0,
    titles: titles ? { name: data.titlesName, titled, genres: genres.size } : null,
    firstUser: ratings.users.id(0),
  };
}

/** Loads a file (with a titles file) or a generated catalogue; resolves to the summary. */
async function load({ files = [], generated }, progress) {
  trained?.recommender.dispose();
  trained = data = undefined;
  await init();
  if (generated) {
    const { ratings, movies } = catalogue(generated);
    const parsed = parseInteractions(ratings);
    const file = new File([movies], "movies.csv");
    data = {
      ratings: parsed,
      name: "the generated catalogue",
      titles: await readTitles(file),
      titlesName: "its titles",
    };
    return summary();
  }
  const chosen = await roles(files);
  let ratings;
  try {
    ratings = await readInteractions(chosen.ratings, {
      onProgress: ({ bytes, totalBytes }) => progress({ bytes, totalBytes, name: chosen.ratings.name }),
    });
  } catch (error) {
    throw fromFile(chosen.ratings.name, error);
  }
  if (ratings.count === 0)
    throw new Error(
      `${chosen.ratings.name} holds no ratings: ${ratings.lines} line${ratings.lines === 1 ? "" : "s"}${ratings.header ? ", a header" : ""} and no interaction`,
    );
  const titles = chosen.titles && (await readTitles(chosen.titles));
  data = { ratings, name: chosen.ratings.name, titles, titlesName: chosen.titles?.name, byUser: byUser(ratings) };
  return summary();
}

/** Trains a recipe on all but a held-out tenth, which measures it; resolves to the figures. */
function train({ recipe, target, threshold, epochs }, progress) {
  if (!data) throw new Error("no ratings yet: drop a file or use the generated catalogue");
  trained?.recommender.dispose();
  trained = undefined;
  const { ratings, name } = data;
  const explicit = target === "ratings";
  if (explicit && !ratings.hasRatings)
    throw new Error(`${name} has no rating column (user and item only): train on likes, every line a like`);
  const chosen = explicit ? ratings : implicit(ratings, ratings.hasRatings ? { threshold } : undefined);
  if (chosen.count === 0) throw new Error(`no rating in ${name} is ${threshold} or more: lower "likes from"`);
  let itemFeatures;
  if (recipe === "hybrid") {
    if (!data.titles)
      throw new Error("the hybrid recipe learns from genres: drop movies.csv (or u.item) with the ratings");
    itemFeatures = featuresOf(
      chosen.items,
      [...data.titles].map(([id, { genres }]) => [id, genres]),
    );
  }
  const { train: part, test } = splitRandom(chosen, { testFraction: TEST_SHARE, seed: 1 });
  const started = performance.now();
  const recommender = trainRecipe(part, {
    recipe,
    epochs,
    ...(itemFeatures && { itemFeatures }),
    onEpoch: ({ epoch, loss, validationLoss }, run) => progress({ run, epoch, loss, validationLoss }),
  });
  const seconds = (performance.now() - started) / 1000;
  trained = { recommender, explicit };
  let quality;
  if (explicit) {
    const { rmse, mae, count } = recommender.evaluate(test);
    // the mean rating's error on the same ratings: what a model has to beat
    let mean = 0,
      squares = 0;
    for (const r of part.rating) mean += r / part.count;
    for (const r of test.rating) squares += (r - mean) ** 2;
    quality = { rmse, mae, count, meanRmse: Math.sqrt(squares / test.count) };
  } else {
    const { precision, recall, auc, users } = rankingMetrics(recommender.scorer, test, { k: K, exclude: part });
    quality = { precision, recall, auc, users };
  }
  return {
    seconds,
    trainedEpochs: recommender.trainedEpochs,
    bestEpoch: recommender.history.bestEpoch,
    quality,
    loss: recommender.loss,
  };
}

/** An item row as the page lists it. */
function itemOf(row, score) {
  const id = trained.recommender.items.id(row);
  const entry = data.titles?.get(id);
  return { id, title: entry?.title ?? null, genres: entry?.genres ?? [], score };
}

/** A list of rows and scores (from similarItems), without the -1 of none. */
const listOf = ({ items, scores }) =>
  Array.from(items.subarray(0, K), (row, e) => (row < 0 ? null : itemOf(row, scores[e]))).filter(Boolean);

/** A user's top 10 (the items the user rated never among them) and the user's own best rated. */
function recommend({ user, random }) {
  if (!trained) throw new Error("no model yet: train one first");
  const { recommender, explicit } = trained;
  const { users } = recommender;
  const row = random ? Math.floor(Math.random() * users.size) : users.get(String(user).trim());
  if (row === undefined)
    throw new Error(
      `no user ${JSON.stringify(String(user))} in ${data.name} (${users.size} users, ids like ${[0, 1, 2]
        .filter((r) => r < users.size)
        .map((r) => users.id(r))
        .join(", ")})`,
    );
  // what the user rated, best first (latest first among equals)
  const { ratings } = data;
  const { indptr, order } = data.byUser;
  const own = Array.from(order.subarray(indptr[row], indptr[row + 1]));
  const time = ratings.timestamp;
  own.sort((a, b) => ratings.rating[b] - ratings.rating[a] || (time ? time[b] - time[a] : b - a));
  const rated = own.slice(0, K).map((i) => itemOf(ratings.item[i], ratings.rating[i]));
  // the model leaves out what it trained on; the user's held-out (and, for likes, unliked)
  // items are left out here, from a list long enough to leave 10
  const seen = new Set(own.map((i) => ratings.item[i]));
  const { items, scores } = recommender.recommend([row], { k: Math.min(recommender.items.size, K + seen.size) });
  const top = [];
  for (let e = 0; e < items.length && top.length < K; e++)
    if (items[e] >= 0 && !seen.has(items[e])) top.push(itemOf(items[e], scores[e]));
  if (explicit) {
    // recommend ranks by the score before clipping; the page shows the predicted rating
    const [low, high] = recommender.ratingRange;
    for (const item of top) item.score = Math.min(high, Math.max(low, item.score));
  }
  return { user: users.id(row), explicit, top, rated, ratedCount: own.length, hasRatings: ratings.hasRatings };
}

/** The items most like an item, by its id or a part of its title (the most rated match). */
function similar({ item }) {
  if (!trained) throw new Error("no model yet: train one first");
  const { recommender } = trained;
  const { items } = recommender;
  const asked = String(item).trim();
  if (asked === "") throw new Error("name an item: its id, or a part of its title");
  let row = items.get(asked);
  if (row === undefined && data.titles) {
    // by title: the matching item with the most ratings
    const wanted = asked.toLowerCase();
    const counts = new Uint32Array(items.size);
    for (const j of data.ratings.item) counts[j]++;
    let best = -1;
    for (let j = 0; j < items.size; j++)
      if ((best < 0 || counts[j] > counts[best]) && data.titles.get(items.id(j))?.title.toLowerCase().includes(wanted))
        best = j;
    if (best >= 0) row = best;
  }
  if (row === undefined)
    throw new Error(
      `no item ${JSON.stringify(asked)} in ${data.name} (${items.size} items${data.titles ? "; an id, or a part of a title" : ", by id"})`,
    );
  return { item: itemOf(row, 1), similar: listOf(recommender.similarItems([row], { k: Math.min(K, items.size - 1) })) };
}

answer({
  info: async () => {
    await init();
    return { simd: info().simd };
  },
  load,
  train,
  recommend,
  similar,
});
