// The generated catalogue the demo page offers (examples/catalogue.js): GroupLens's ml-latest
// formats as crossgrad's parser reads them, ml-latest-small's shape at the defaults (every user
// with 20 ratings or more, half stars, no pair twice), a title for every film rated, and the same
// text for the same seed. Portable: runs in Node and in the browser.
import { describe, expect, it } from "vitest";
import { catalogue, GENRES } from "../examples/catalogue.js";
import { parseInteractions } from "../src/recommend/index.js";

describe("the generated catalogue", () => {
  const { ratings, movies, count } = catalogue();
  const data = parseInteractions(ratings);

  it("has ml-latest-small's shape: 100,000 ratings of 610 users, each with 20 or more, over at most 9,700 films", () => {
    expect(count).toBe(100_000);
    expect(data.count).toBe(100_000);
    expect(data.header).toEqual(["userId", "movieId", "rating", "timestamp"]);
    expect(data.users.size).toBe(610);
    expect(data.items.size).toBeLessThanOrEqual(9700);
    expect(data.items.size).toBeGreaterThan(5000);
    const perUser = new Uint32Array(610);
    for (const u of data.user) perUser[u]++;
    expect(Math.min(...perUser)).toBeGreaterThanOrEqual(20);
    // a long tail of activity, as real users have
    expect(Math.max(...perUser)).toBeGreaterThan(5 * 164);
  });

  it("rates in half stars from 0.5 to 5, each (user, film) once, in time order", () => {
    const pairs = new Set<number>();
    let halves = 0,
      inRange = 0,
      ordered = 0;
    for (let i = 0; i < data.count; i++) {
      const r = data.rating[i];
      halves += r * 2 === Math.round(r * 2) ? 1 : 0;
      inRange += r >= 0.5 && r <= 5 ? 1 : 0;
      ordered += i === 0 || data.timestamp![i] > data.timestamp![i - 1] ? 1 : 0;
      pairs.add(data.user[i] * 100_000 + data.item[i]);
    }
    expect([halves, inRange, ordered]).toEqual([data.count, data.count, data.count]);
    expect(pairs.size).toBe(data.count);
    // not all one value: a spread like real ratings'
    const mean = data.rating.reduce((s, r) => s + r, 0) / data.count;
    const sd = Math.sqrt(data.rating.reduce((s, r) => s + (r - mean) ** 2, 0) / data.count);
    expect(mean).toBeGreaterThan(3);
    expect(mean).toBeLessThan(4.2);
    expect(sd).toBeGreaterThan(0.6);
  });

  it("titles every film in movies.csv, quoted where a title holds a comma, with its genres", () => {
    const titles = parseInteractions(movies, { columns: { user: "movieId", item: "title" } });
    const genres = parseInteractions(movies, { columns: { user: "movieId", item: "genres" } });
    expect(titles.count).toBe(9700);
    expect(titles.users.size).toBe(9700);
    const untitled = Array.from({ length: data.items.size }, (_, j) => data.items.id(j)).filter(
      (id) => !titles.users.has(id),
    );
    expect(untitled).toEqual([]);
    const names = Array.from({ length: titles.count }, (_, i) => titles.items.id(titles.item[i]));
    expect(names.filter((t) => t.includes(", The (")).length).toBe(9700 / 5);
    expect(names.filter((t) => !/^[A-Z][\w ,]+ \(\d{4}\)$/.test(t))).toEqual([]);
    expect(new Set(names).size).toBe(9700);
    const lists = Array.from({ length: genres.count }, (_, i) => genres.items.id(genres.item[i]).split("|"));
    expect(lists.filter((list) => list.length > 3 || list.some((g) => !GENRES.includes(g)))).toEqual([]);
  });

  it("gives the same text for the same seed, another for another, and other sizes when asked", () => {
    expect(catalogue().ratings).toBe(ratings);
    expect(catalogue({ seed: 2 }).ratings).not.toBe(ratings);
    const small = catalogue({ users: 30, items: 100, ratings: 900, seed: 4 });
    expect(small.count).toBe(900);
    expect(parseInteractions(small.ratings).count).toBe(900);
    expect(parseInteractions(small.movies, { columns: { user: "movieId", item: "title" } }).count).toBe(100);
    // at most half the films a user: 30 users of 10 films give 150 ratings, not 900
    expect(catalogue({ users: 30, items: 10, ratings: 900 }).count).toBe(150);
  });
});
