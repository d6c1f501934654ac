// A generated catalogue of films and their ratings, in GroupLens's ml-latest formats: ratings.csv
// (userId,movieId,rating,timestamp; half stars from 0.5 to 5) and movies.csv (movieId,title,genres;
// quoted titles, genres split at "|"). Its defaults have ml-latest-small's shape: 610 users, 9,700
// films, 100,000 ratings, every user with 20 or more, a popular head and a long tail. Tastes are
// planted (a film's genres place it, a user likes some places more), so a recommender trained on
// it has something to find. The demo page offers it to visitors without a file, and its test
// writes it to disk to drop on the page. Plain ESM with no Node imports.

import { generator } from "../dist/reference.js";

/** The genres films are drawn from (GroupLens's names). */
export const GENRES = [
  "Action",
  "Adventure",
  "Animation",
  "Children",
  "Comedy",
  "Crime",
  "Documentary",
  "Drama",
  "Fantasy",
  "Film-Noir",
  "Horror",
  "Musical",
  "Mystery",
  "Romance",
  "Sci-Fi",
  "Thriller",
  "War",
  "Western",
];

const FIRST = ["Silent", "Last", "Crimson", "Hidden", "Golden", "Broken", "Northern", "Wild", "Paper", "Quiet"];
const SECOND = ["Harbour", "Garden", "Empire", "Signal", "Winter", "Mirror", "Highway", "Orchard", "Machine", "Tide"];

/**
 * @param {{ users?: number, items?: number, ratings?: number, seed?: number }} [options] ratings is
 *   at least 20 a user and at most half the films a user
 * @returns {{ ratings: string, movies: string, count: number }} the two files' text, and how many
 *   ratings ratings.csv holds
 */
export function catalogue({ users = 610, items = 9700, ratings = 100_000, seed = 1 } = {}) {
  const random = generator(seed);
  const normal = () => Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
  const dims = 3;
  // genres sit at random places; a film is near the places of its one to three genres
  const places = GENRES.map(() => Array.from({ length: dims }, () => 0.8 * normal()));
  const genres = [],
    q = [],
    popularity = [];
  for (let i = 0; i < items; i++) {
    const own = new Set(
      Array.from({ length: 1 + Math.floor(random() * 3) }, () => Math.floor(random() * GENRES.length)),
    );
    genres.push([...own].sort((a, b) => a - b));
    q.push(
      Array.from(
        { length: dims },
        (_, l) => genres[i].reduce((s, g) => s + places[g][l], 0) / own.size + 0.3 * normal(),
      ),
    );
    popularity.push(normal());
  }
  // films are drawn by popularity (a long tail): the running sums, searched by bisection
  const cumulative = new Float64Array(items);
  for (let i = 0, sum = 0; i < items; i++) cumulative[i] = sum += Math.exp(1.3 * popularity[i]);
  const draw = () => {
    const x = random() * cumulative[items - 1];
    let lo = 0,
      hi = items - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (cumulative[mid] < x) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };
  // each user rates 20, plus a share of the rest by a heavy-tailed activity, at most half the films
  const most = Math.max(1, Math.floor(items / 2)),
    least = Math.min(20, most);
  const activity = Array.from({ length: users }, () => Math.exp(1.2 * normal()));
  const total = activity.reduce((s, a) => s + a, 0);
  const spare = Math.max(0, ratings - least * users);
  const counts = activity.map((a) => Math.min(most, least + Math.floor((spare * a) / total)));
  // what rounding (and the cap) left over goes to users one at a time
  let left = Math.min(ratings, most * users) - counts.reduce((s, c) => s + c, 0);
  for (let u = 0; left > 0; u = (u + 1) % users)
    if (counts[u] < most) {
      counts[u]++;
      left--;
    }

  const lines = ["userId,movieId,rating,timestamp"];
  const movieId = (i) => i + 1 + 3 * Math.floor(i / 7); // ids with gaps, as GroupLens's have
  let time = 964_982_703,
    count = 0;
  for (let u = 0; u < users; u++) {
    const p = Array.from({ length: dims }, () => normal());
    const bias = 0.4 * normal();
    const taste = (i) => p.reduce((s, x, l) => s + x * q[i][l], 0);
    // a user watches what is popular and to their taste: the best of a few popular draws
    const seen = new Set();
    while (seen.size < counts[u]) {
      let best = -1,
        bestScore = -Infinity;
      for (let c = 0; c < 8; c++) {
        const i = draw(),
          score = 2 * taste(i) + normal();
        if (!seen.has(i) && score > bestScore) [best, bestScore] = [i, score];
      }
      if (best >= 0) seen.add(best);
    }
    for (const i of seen) {
      const score = 2.9 + bias + 0.3 * popularity[i] + 0.5 * taste(i) + 0.5 * normal();
      const stars = Math.min(5, Math.max(0.5, Math.round(2 * score) / 2));
      lines.push(`${u + 1},${movieId(i)},${stars.toFixed(1)},${(time += 1 + Math.floor(random() * 600))}`);
      count++;
    }
  }
  const movies = ["movieId,title,genres"];
  for (let i = 0; i < items; i++) {
    const name = `${FIRST[i % 10]} ${SECOND[Math.floor(i / 10) % 10]}${i >= 100 ? ` ${Math.floor(i / 100) + 1}` : ""}`;
    // every fifth title has a comma, and so quotes, as "American President, The (1995)" has
    const title = i % 5 === 4 ? `"${name}, The (${1950 + (i % 70)})"` : `${name} (${1950 + (i % 70)})`;
    movies.push(`${movieId(i)},${title},${genres[i].map((g) => GENRES[g]).join("|")}`);
  }
  return { ratings: lines.join("\n") + "\n", movies: movies.join("\n") + "\n", count };
}
