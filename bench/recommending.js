// Recommending speed (crossgrad/recommend): the top 10 of every user of generated ratings shaped
// as ml-100k (943 users, 1,682 items, bench/recipes.js), one call for them all and one call a
// user; the 10 items most like an item; a new user folded in from 20 positives. Medians of
// repeated calls, one thread, and the top 10 of every user on a pool of 2 threads.
// Environment-agnostic: Node, Deno and Bun run it.

import { createThreadPool } from "../dist/index.js";
import { implicit, parseInteractions, trainRecipe } from "../dist/recommend/index.js";
import { generatedRatings } from "./recipes.js";

/** Median of `runs` timings of fn, in ms, after one untimed call. */
function median(fn, runs) {
  fn();
  const times = [];
  for (let i = 0; i < runs; i++) {
    const start = performance.now();
    fn();
    times.push(performance.now() - start);
  }
  return times.sort((a, b) => a - b)[runs >> 1];
}

/** Milliseconds of each recommending call. Returns { users, items, k, rows: [{ what, ms }] }. */
export async function recommendingBenchmark({ quick = false, log = () => {} } = {}) {
  const data = implicit(parseInteractions(generatedRatings()), { threshold: 4 });
  const model = trainRecipe(data, { epochs: 2, validation: 0 });
  const users = Array.from({ length: data.users.size }, (_, u) => u);
  const runs = quick ? 3 : 15;
  const rows = [
    {
      what: `top 10 of every user (${users.length}), one call`,
      ms: median(() => model.recommend(users, { k: 10 }), runs),
    },
    { what: "top 10 of one user", ms: median(() => model.recommend([7], { k: 10 }), runs * 20) },
    { what: "10 most similar items to one item", ms: median(() => model.similarItems([7], { k: 10 }), runs * 20) },
  ];
  // the same on a pool of 2 threads (where memory can be shared; else on this thread), timed
  // interleaved with the one-thread call so that both see the same machine (a shared host's noise
  // moves both), after warm-up calls that let each worker's engine optimise the kernel
  const pool = await createThreadPool({ threads: 2 });
  for (let i = 0; i < 3; i++) await model.recommendOn(pool, users, { k: 10 });
  const one = [],
    two = [];
  for (let i = 0; i < runs * 2; i++) {
    let start = performance.now();
    model.recommend(users, { k: 10 });
    one.push(performance.now() - start);
    start = performance.now();
    await model.recommendOn(pool, users, { k: 10 });
    two.push(performance.now() - start);
  }
  const middle = (times) => times.sort((a, b) => a - b)[times.length >> 1];
  const threaded = middle(two);
  rows.push({
    what: `top 10 of every user, a pool of 2 threads${pool.shared ? "" : " (not shared here: one thread)"}`,
    ms: threaded,
    speedup: middle(one) / threaded,
  });
  await pool.terminate();
  // fold-in: a new user a call, 20 positives drawn from the catalogue
  let next = 0;
  rows.push({
    what: "fold in a new user from 20 positives",
    ms: median(() => {
      const user = `new user ${next++}`;
      const lines = Array.from({ length: 20 }, (_, e) => `${user}\t${1 + ((next * 37 + e * 53) % data.items.size)}\t5`);
      model.foldIn(parseInteractions(lines.join("\n"), { users: model.users, items: model.items }));
    }, runs * 10),
  });
  for (const row of rows)
    log(
      `recommending: ${row.what}: ${row.ms.toFixed(3)} ms${row.speedup ? ` (${row.speedup.toFixed(2)}x one call)` : ""}`,
    );
  const result = { users: users.length, items: data.items.size, k: model.model.shape.k, rows };
  model.dispose();
  return result;
}
