// The factorization-machine family's speed (docs/design.md §16): F and every gradient of G fields
// and weighted pairs of them against a copy of phi, out of cache, timed interleaved in one process
// (medians: a shared host's noise moves both), with every array already in wasm memory (the
// zero-copy route: views of a Problem's regions are used in place); sparse gates against the
// dense call; two fields against §1's kernels. Environment-agnostic: Node, Deno and Bun run it,
// and `node bench/fields.js` prints the table alone.

import { createProblem, gateGradient, valueAndGradient } from "../dist/index.js";
import { fieldGradients } from "../dist/fields.js";

/** Every pair of G fields, self pairs included: G (G + 1) / 2. */
const allPairs = (G) => {
  const pairs = [];
  for (let a = 0; a < G; a++) for (let b = a; b < G; b++) pairs.push([a, b]);
  return pairs;
};

/** A seeded generator of uniform numbers in [0, 1) (xorshift32). */
function uniform(seed) {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 2 ** 32;
  };
}

/** Arrays of `rows` rows of k in wasm memory (f32): phi, h (half on), w, and the results' regions. */
function residentProblem(rows, k, seed) {
  const random = uniform(seed);
  const main = createProblem({ n: rows, m: 0, k }),
    results = createProblem({ n: rows, m: 0, k }),
    weights = createProblem({ n: rows, m: 0, k: 1 });
  main.phi.set(Float32Array.from({ length: rows * k }, () => random() - 0.5));
  main.h.set(Float32Array.from({ length: rows }, () => +(random() < 0.5)));
  weights.phi.set(Float32Array.from({ length: rows }, () => random() - 0.5));
  return {
    views: () => ({ phi: main.phi, h: main.h, w: weights.phi, out: results.phi, gateOut: weights.h }),
    dispose: () => [main, results, weights].forEach((p) => p.dispose()),
  };
}

/** Medians of `a` and `b`, timed in turn `runs` times after two untimed calls of each. */
function interleaved(a, b, runs) {
  const ta = [],
    tb = [];
  for (let i = 0; i < 2; i++) {
    a();
    b();
  }
  for (let i = 0; i < runs; i++) {
    let start = performance.now();
    a();
    ta.push(performance.now() - start);
    start = performance.now();
    b();
    tb.push(performance.now() - start);
  }
  const median = (t) => t.sort((x, y) => x - y)[t.length >> 1];
  return [median(ta), median(tb)];
}

/** The rows of the FM-family table: { what, ms, against, againstMs, ratio, target, met }. */
export function fieldsBenchmark({ quick = false, log = () => {} } = {}) {
  const k = 32;
  const scale = quick ? 100 : 1;
  const runs = quick ? 5 : 21;
  const rows = [];
  const fieldRow = (what, fields, pairs, target) => {
    const total = fields.reduce((a, b) => a + b, 0);
    const p = residentProblem(total, k, fields.length);
    const source = new Float32Array(total * k),
      copy = new Float32Array(total * k);
    const shape = { fields, k, pairs };
    const rho = pairs.map((_, i) => 1 + i / 10);
    const pairOut = new Float32Array(pairs.length);
    // the views are read again for every call: a growth of wasm memory detaches them
    const call = () => {
      const { phi, h, w, out, gateOut } = p.views();
      return fieldGradients(phi, h, shape, { w, w0: 0.5, rho }, { out, gateOut, pairOut });
    };
    const [ms, copyMs] = interleaved(call, () => copy.set(source), runs);
    rows.push({
      what,
      ms,
      against: "a copy of phi",
      againstMs: copyMs,
      ratio: ms / copyMs,
      target,
      met: ms / copyMs <= target,
    });
    log(`fields: ${what}: ${(ms / copyMs).toFixed(2)}x a copy`);
    return { p, shape, rho, total, call };
  };
  const quarter = 250_000 / scale;
  const g4 = fieldRow(
    `G = 4 fields of ${quarter.toLocaleString("en")} rows, all 10 pairs, k = ${k}, half the gates on: F + every gradient`,
    [quarter, quarter, quarter, quarter],
    allPairs(4),
    1.6,
  );
  // sparse: 1% of the rows listed, spread at random
  {
    const random = uniform(7);
    const listed = Uint32Array.from({ length: g4.total }, (_, r) => r).filter(() => random() < 0.01);
    const out = new Float32Array(listed.length * k),
      gateOut = new Float32Array(listed.length);
    const sparse = () => {
      const { phi, w } = g4.p.views();
      return fieldGradients(phi, { index: listed }, g4.shape, { w, w0: 0.5, rho: g4.rho }, { out, gateOut });
    };
    // timed apart (each call's rows warm from its own previous call), then interleaved with the
    // dense call (which streams phi through the cache: the listed rows come from memory)
    const alone = (f) => interleaved(f, () => {}, runs)[0];
    const [sparseWarm, denseAlone] = [alone(sparse), alone(g4.call)];
    const [sparseCold, denseMs] = interleaved(sparse, g4.call, runs);
    for (const [when, ms, against] of [
      ["each timed in a loop of its own", sparseWarm, denseAlone],
      ["timed interleaved with the dense call (the listed rows out of cache)", sparseCold, denseMs],
    ])
      rows.push({
        what: `the same, sparse gates listing 1% of the rows at random, ${when}`,
        ms,
        against: "the dense call",
        againstMs: against,
        ratio: ms / against,
        target: 1 / 30,
        met: ms / against <= 1 / 30,
      });
  }
  g4.p.dispose();
  const million = 1_000_000 / scale;
  fieldRow(
    `classic FM: one field of ${million.toLocaleString("en")} rows and its self pair, k = ${k}: F + every gradient`,
    [million],
    [[0, 0]],
    1.6,
  ).p.dispose();
  // two fields and one pair of weight 1: §1's F, against §1's kernels on the same arrays
  {
    const half = 500_000 / scale;
    const p = residentProblem(2 * half, k, 2);
    const shape = { fields: [half, half], k, pairs: [[0, 1]] };
    const [ms, twoMs] = interleaved(
      () => {
        const { phi, h, out, gateOut } = p.views();
        fieldGradients(phi, h, shape, undefined, { out, gateOut });
      },
      () => {
        const { phi, h, out, gateOut } = p.views();
        valueAndGradient(phi, h, { n: half, m: half, k }, { out });
        gateGradient(phi, h, { n: half, m: half, k }, { out: gateOut });
      },
      runs,
    );
    rows.push({
      what: `two fields of ${half.toLocaleString("en")} rows, one pair: F, dF/dphi and dF/dh`,
      ms,
      against: "valueAndGradient + gateGradient",
      againstMs: twoMs,
      ratio: ms / twoMs,
      target: undefined,
      met: undefined,
    });
    p.dispose();
  }
  return { k, quick, rows };
}

// `node bench/fields.js`: the table alone
if (typeof process !== "undefined" && process.argv[1] && import.meta.url === `file://${process.argv[1]}`) {
  const { init } = await import("../dist/index.js");
  const { fieldsTable } = await import("./report.js");
  await init();
  console.log(fieldsTable(fieldsBenchmark({ quick: process.argv.includes("--quick"), log: console.error })));
}
