// Top-k in wasm (docs/design.md §15): the kernel's picks against a brute force (every score in
// float64 rounded as the kernel's T rounds it, a full sort, ties to the lower item) over every k
// of the dot kernel's shapes, item counts around its groups and blocks, exclusions, ties and NaN,
// f32 and f64; then Recommender.recommend and similarItems against the same, and their refusals.
import { beforeAll, describe, expect, it } from "vitest";
import { createThreadPool, init } from "../../src/index.js";
import { implicit, parseInteractions, splitRandom, trainRecipe } from "../../src/recommend/index.js";
import { ItemTable } from "../../src/recommend/topk.js";
import { Random } from "../../src/util/random.js";
import type { Precision } from "../../src/util/types.js";
import { requireEngine } from "../../src/wasm/init.js";

beforeAll(() => init());

/** Scores as T computes them: each item's dot in T order is not ours to copy, so picks are compared by score value. */
function bruteForce(
  v: Float64Array,
  bias: Float64Array,
  q: Float64Array,
  k: number,
  exclude: Set<number>,
  top: number,
  round: (x: number) => number,
) {
  const items = bias.length;
  const scored: [number, number][] = [];
  for (let j = 0; j < items; j++) {
    if (exclude.has(j)) continue;
    let s = 0;
    for (let c = 0; c < k; c++) s += round(v[j * k + c]) * round(q[c]);
    s = s + round(bias[j]);
    if (!Number.isNaN(s)) scored.push([s, j]);
  }
  scored.sort((a, b) => b[0] - a[0] || a[1] - b[1]);
  return scored.slice(0, top);
}

const rounders: Record<Precision, (x: number) => number> = { f32: Math.fround, f64: (x) => x };

describe("topItems (the kernel, through ItemTable)", () => {
  it.each(["f32", "f64"] as const)(
    "picks what a full sort picks, %s, every k to 40, items around the groups",
    (precision) => {
      const engine = requireEngine("test");
      const random = new Random(11);
      const round = rounders[precision];
      for (let k = 0; k <= 40; k++) {
        for (const items of [0, 1, 2, 3, 4, 5, 7, 8, 9, 15, 16, 17, 63, 64, 65, 255, 256, 257]) {
          if (k > 12 && items > 65 && k % 5 !== 0) continue; // keep the run short: every k on small tables
          // values on a coarse grid, so that ties happen and every score is exact in T
          const grid = () => Math.round(random.normal() * 4) / 4;
          const v = Float64Array.from({ length: items * k }, grid),
            bias = Float64Array.from({ length: items }, grid);
          const queries = 3;
          const q = Float64Array.from({ length: queries * k }, grid);
          const excluded = [new Set<number>(), new Set([0, items - 1].filter((j) => j >= 0)), new Set<number>()];
          for (let j = 0; j < items; j += 3) excluded[2].add(j);
          const indptr = new Uint32Array(queries + 1),
            index: number[] = [];
          excluded.forEach((set, b) => {
            index.push(...[...set].sort((x, y) => x - y));
            indptr[b + 1] = index.length;
          });
          const table = new ItemTable(engine, precision, k, v, bias, "test");
          for (const top of [1, 3, Math.max(1, items), items + 2]) {
            const got = table.top(q, { indptr, index: Uint32Array.from(index) }, top, "dot", "test");
            for (let b = 0; b < queries; b++) {
              const want = bruteForce(v, bias, q.subarray(b * k, (b + 1) * k), k, excluded[b], top, round);
              const items_ = Array.from(got.items.subarray(b * top, (b + 1) * top));
              const scores = Array.from(got.scores.subarray(b * top, (b + 1) * top));
              const where = `${precision} k ${k} items ${items} top ${top} query ${b}`;
              expect(items_.slice(0, want.length), where).toEqual(want.map(([, j]) => j));
              expect(scores.slice(0, want.length), where).toEqual(want.map(([s]) => round(s)));
              expect(items_.slice(want.length), where).toEqual(new Array(top - want.length).fill(-1));
              expect(scores.slice(want.length), where).toEqual(new Array(top - want.length).fill(-Infinity));
            }
          }
          table.dispose();
        }
      }
    },
  );

  it("never picks an item whose score is NaN, and ranks infinities", () => {
    const engine = requireEngine("test");
    const v = new Float64Array([1, NaN, 1, 1]),
      bias = new Float64Array([0, 0, Infinity, -Infinity]);
    const table = new ItemTable(engine, "f64", 1, v, bias, "test");
    const got = table.top([2], { indptr: Uint32Array.of(0, 0), index: new Uint32Array(0) }, 4, "dot", "test");
    expect([...got.items]).toEqual([2, 0, 3, -1]);
    expect([...got.scores]).toEqual([Infinity, 2, -Infinity, -Infinity]);
    table.dispose();
  });
});

describe("Recommender.recommend and similarItems", () => {
  // a planted catalogue: 40 users, 60 items, positives from a low-rank preference
  const random = new Random(5);
  const lines: string[] = [];
  for (let u = 0; u < 40; u++)
    for (let i = 0; i < 60; i++) {
      const taste = Math.sin(u) * Math.cos(i) + 0.3 * Math.sin(2 * i);
      if (random.next() < 0.25) lines.push(`u${u}\ti${i}\t${taste > 0 ? 5 : 2}`);
    }
  const data = parseInteractions(lines.join("\n"));
  const { train } = splitRandom(data, { testFraction: 0.2, seed: 2 });

  it.each(["f32", "f64"] as const)(
    "recommends what the scorer ranks best, without the items trained on (%s)",
    (precision) => {
      const model = trainRecipe(implicit(train, { threshold: 4 }), { epochs: 3, validation: 0, precision });
      const liked = implicit(train, { threshold: 4 });
      const users = [0, 3, 39, 17];
      const { items, scores } = model.recommend(users, { k: 7 });
      expect(items).toHaveLength(28);
      const out = new Float32Array(data.items.size);
      users.forEach((u, b) => {
        model.scorer(u, out);
        const seen = new Set<number>();
        for (let i = 0; i < liked.count; i++) if (liked.user[i] === u) seen.add(liked.item[i]);
        const ranked = [...out.keys()].filter((j) => !seen.has(j)).sort((x, y) => out[y] - out[x] || x - y);
        const picked = Array.from(items.subarray(b * 7, (b + 1) * 7));
        for (const j of picked) expect(seen.has(j)).toBe(false);
        // the scorer rounds to float32: the picks' scores match the best scores within that
        picked.forEach((j, e) => expect(scores[b * 7 + e]).toBeCloseTo(out[ranked[e]], 4));
        expect(picked.map((j) => out[j])).toEqual(ranked.slice(0, 7).map((j) => out[j]));
      });
      // exclude: false lets the trained items back in; scores then equal predict's
      const all = model.recommend([0], { k: 5, exclude: false });
      const predicted = model.predict([0, 0, 0, 0, 0], Array.from(all.items));
      all.scores.forEach((s, e) => expect(s).toBeCloseTo(predicted[e], precision === "f32" ? 4 : 10));
      model.dispose();
    },
  );

  it("fills past the candidates with -1, and finds the most similar items by cosine, itself left out", () => {
    const model = trainRecipe(train, { epochs: 2, validation: 0 });
    const size = data.items.size;
    const { items } = model.recommend([1], { k: size, exclude: false });
    expect(new Set(items).size).toBe(size);
    const seenBy1 = new Set<number>();
    for (let i = 0; i < train.count; i++) if (train.user[i] === 1) seenBy1.add(train.item[i]);
    const left = model.recommend([1], { k: size });
    expect(left.items.filter((j) => j >= 0)).toHaveLength(size - seenBy1.size);
    expect([...left.items.slice(size - seenBy1.size)]).toEqual(new Array(seenBy1.size).fill(-1));

    const { items: like, scores } = model.similarItems([4, 9], { k: 5 });
    const phi = model.model.phi,
      k = model.model.shape.k,
      n = model.model.shape.n;
    const unit = (j: number) => {
      const row = Array.from(phi.subarray((n + j) * k, (n + j + 1) * k));
      const norm = Math.hypot(...row);
      return row.map((x) => x / norm);
    };
    [4, 9].forEach((query, b) => {
      const cosines = Array.from({ length: size }, (_, j) => unit(j).reduce((s, x, c) => s + x * unit(query)[c], 0));
      const want = [...cosines.keys()].filter((j) => j !== query).sort((x, y) => cosines[y] - cosines[x]);
      expect(Array.from(like.subarray(b * 5, b * 5 + 5))).not.toContain(query);
      Array.from(like.subarray(b * 5, b * 5 + 5)).forEach((j, e) => {
        expect(cosines[j]).toBeCloseTo(cosines[want[e]], 5);
        expect(scores[b * 5 + e]).toBeCloseTo(cosines[j], 5);
      });
    });
    model.dispose();
  });

  it("recommends on a thread pool what it recommends on one thread, bit for bit", async () => {
    const pool = await createThreadPool({ threads: 2, workerUrl: new URL("../../dist/worker.js", import.meta.url) });
    for (const precision of ["f32", "f64"] as const) {
      const model = trainRecipe(implicit(train, { threshold: 4 }), { epochs: 2, validation: 0, precision });
      for (const users of [[5], [0, 1, 2], Array.from({ length: 40 }, (_, u) => 39 - u)]) {
        const here = model.recommend(users, { k: 6 });
        const there = await model.recommendOn(pool, users, { k: 6 });
        expect(there.items).toEqual(here.items);
        expect(there.scores).toEqual(here.scores);
      }
      // a look-alike (a pool's prototype and fields) is not a pool
      const fake = Object.assign(Object.create(Object.getPrototypeOf(pool)), { threads: 2, engine: pool.engine });
      for (const notPool of [{}, fake, null])
        await expect(model.recommendOn(notPool as never, [0])).rejects.toThrow(
          "Recommender.recommendOn(): pool must be a ThreadPool",
        );
      await expect(model.recommendOn(pool, [0], { k: 0 })).rejects.toThrow("options.k must be an integer");
      // disposed while the workers run: the call rejects, the table is freed once they are done
      const running = model.recommendOn(pool, [0, 1], { k: 3 });
      model.dispose();
      await expect(running).rejects.toThrow(
        "Recommender.recommendOn(): this Recommender was disposed while the call ran",
      );
      await expect(model.recommendOn(pool, [0])).rejects.toThrow("this Recommender was disposed");
    }
    await pool.terminate();
  });

  it("refuses a bad k, rows, repeats, exclusions and a disposed model, naming them", () => {
    const model = trainRecipe(train, { epochs: 1, validation: 0 });
    const items = data.items.size;
    expect(() => model.recommend([0], { k: 0 })).toThrow(
      `Recommender.recommend(): options.k must be an integer from 1 to ${items}, got 0`,
    );
    expect(() => model.recommend([0], { k: -1 })).toThrow("options.k must be an integer");
    expect(() => model.recommend([0], { k: 1.5 })).toThrow("options.k must be an integer");
    expect(() => model.recommend([0], { k: items + 1 })).toThrow(
      `options.k must be an integer from 1 to ${items}, got ${items + 1}`,
    );
    expect(() => model.recommend([40])).toThrow("Recommender.recommend(): users[0] = 40 is not a row (from 0 to 39)");
    expect(() => model.recommend([1, 2, 1])).toThrow("Recommender.recommend(): users[2] = 1 repeats users[0]");
    expect(() => model.recommend("0" as never)).toThrow(TypeError);
    expect(() => model.recommend([0], { exclude: implicit(parseInteractions("a\tb\t1")) })).toThrow(
      "options.exclude must be over the recommender's IdMaps",
    );
    expect(() => model.similarItems([0], { k: items })).toThrow(`options.k must be an integer from 1 to ${items - 1}`);
    expect(() => model.similarItems([items])).toThrow(`Recommender.similarItems(): items[0] = ${items} is not a row`);
    model.dispose();
    expect(() => model.recommend([0])).toThrow("Recommender.recommend(): this Recommender was disposed");
    expect(() => model.similarItems([0])).toThrow("Recommender.similarItems(): this Recommender was disposed");
  });
});
