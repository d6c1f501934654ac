// Two builds of crossgrad side by side in one process (each with its own module and memory),
// on the same inputs, in interleaved rounds, the minimum time of each: whether a change made a
// call slower, with the machine's noise shared by both. For refactors and kernel work:
//   git worktree add /tmp/before <rev> && (cd /tmp/before && npm ci)
//   node bench/ab.mjs /tmp/before/dist ./dist
const [, , dirA, dirB] = process.argv;
if (!dirA || !dirB) {
  console.error("usage: node bench/ab.mjs <dist of build A> <dist of build B>");
  process.exit(2);
}
const { pathToFileURL } = await import("node:url");
const { resolve } = await import("node:path");
const load = (dir) => import(pathToFileURL(resolve(dir, "index.js")).href);
const A = await load(dirA),
  B = await load(dirB);
await A.init();
await B.init();
const sizes = [
  // a call's own work, where per-call overhead (checks, placement, the plan look-up) shows
  [2, 8],
  [256, 64],
  [4096, 64],
  [16384, 8],
  [65536, 64],
  [16384, 256],
  [500000, 32],
];
const rows = [];
/** Calls of each task before timing, each build (the planner's turn of variants ends within them). */
const WARM_UP_CALLS = 80;
for (const [n, k] of sizes) {
  const shape = { n, m: n, k };
  const phi = Float32Array.from({ length: 2 * n * k }, (_, i) => Math.sin(i * 0.37));
  const h = Float32Array.from({ length: 2 * n }, (_, i) => (Math.sin(i * 1.7) > 0 ? 1 : 0));
  const sparse = { index: Uint32Array.from({ length: Math.ceil((2 * n) / 100) }, (_, i) => i * 100) };
  // 64 sets of 2 rows of A and 2 of B each (strictly increasing within a set)
  const index = Uint32Array.from({ length: 256 }, (_, e) => {
    const set = e >> 2,
      j = e & 3;
    return j < 2
      ? ((set * 37 + j * (n >> 1)) % (n >> 1)) + j * (n >> 1)
      : n + ((set * 53 + (j - 2) * (n >> 1)) % (n >> 1)) + (j - 2) * (n >> 1);
  });
  const sets = { indptr: Uint32Array.from({ length: 65 }, (_, b) => 4 * b), index };
  const out = new Float32Array(2 * n * k);
  const make = (lib) => {
    const p = lib.createProblem(shape);
    p.phi.set(phi);
    p.h.set(h);
    return {
      "F+dF/dphi, Problem": () => p.valueAndGradient(),
      "F, Problem": () => p.value(),
      "dF/dh, Problem": () => p.gateGradient(),
      "copying API into out": () => lib.gradient(phi, h, shape, { out }),
      "sparse 1%, Problem": () => lib.valueAndGradient(p.phi, sparse, shape),
      "batch of 64 sets": () => {
        const q = lib.batchPooled(p.phi, sets, shape);
        lib.batchGradient(sets, shape, q, new Float32Array(64).fill(1));
      },
      dispose: () => p.dispose(),
    };
  };
  const a = make(A),
    b = make(B);
  const names = Object.keys(a).filter((x) => x !== "dispose");
  const best = Object.fromEntries(
    names.flatMap((name) => [
      [name + "|A", Infinity],
      [name + "|B", Infinity],
    ]),
  );
  // untimed first: a planner settles on a class's first calls (up to 72 for valueAndGradient:
  // docs/design.md §6), and the rounds must time the variants kept, not the turn of variants
  for (let warm = 0; warm < WARM_UP_CALLS; warm++) for (const name of names) for (const impl of [a, b]) impl[name]();
  const bytes = 2 * n * k * 4;
  const rounds = Math.max(15, Math.min(400, Math.round(2e9 / bytes / 4)));
  // calls of a few hundred nanoseconds are timed in runs of many, so the clock's own cost fades
  const reps = Math.max(1, Math.floor(65536 / bytes));
  for (let r = 0; r < rounds; r++) {
    for (const name of names) {
      for (const [tag, impl] of r % 2
        ? [
            ["A", a],
            ["B", b],
          ]
        : [
            ["B", b],
            ["A", a],
          ]) {
        const t = performance.now();
        for (let i = 0; i < reps; i++) impl[name]();
        const dt = (performance.now() - t) / reps;
        if (dt < best[name + "|" + tag]) best[name + "|" + tag] = dt;
      }
    }
  }
  for (const name of names)
    rows.push(
      `| ${n}, ${k} | ${name} | ${best[name + "|A"].toFixed(4)} | ${best[name + "|B"].toFixed(4)} | ${(best[name + "|B"] / best[name + "|A"]).toFixed(2)} |`,
    );
  a.dispose();
  b.dispose();
}
console.log("| n = m, k | call | A (ms) | B (ms) | B / A |\n|---|---|---:|---:|---:|\n" + rows.join("\n"));
