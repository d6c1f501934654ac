// The benchmark suite: every contender of bench/contenders.js on every size, timed side by
// side in one process with tinybench (median of the samples); an interleave group's contenders
// (the thread pools and parallel copies) in alternating rounds (median of the rounds). Runs in
// Node (bench/node.mjs) and in Chromium (bench/browser/); the runner injects TensorFlow.js and
// a byte loader.

// by path, not by package name: the demo page runs this suite in a Web Worker, where no
// import map resolves a bare name
import { Bench } from "../node_modules/tinybench/dist/index.js";
import { closePools, contenders, makeInputs, settlePlans } from "./contenders.js";
import { timeInterleaved } from "./interleave.js";

/** Rows per group n = m, and k: the speed targets (docs/design.md §6). */
export const SIZES = [
  { n: 256, k: 64 },
  { n: 1024, k: 64 },
  { n: 4096, k: 64 },
  { n: 16384, k: 64 },
  { n: 65536, k: 64 },
  { n: 16384, k: 8 },
  { n: 16384, k: 256 },
  { n: 500_000, k: 32 },
];

/** Sizes written "4096x64,65536x64" (n = m rows per group, x k), as --sizes takes them. */
export function parseSizes(text) {
  return String(text)
    .split(",")
    .map((size) => {
      const match = /^(\d+)x(\d+)$/.exec(size.trim());
      const [n, k] = match ? [Number(match[1]), Number(match[2])] : [];
      if (!match || !(n >= 1 && k >= 1 && n <= 1e7 && k <= 4096))
        throw new Error(`--sizes: "${size}" is not ROWSxK (rows per group, then k; for example 4096x64)`);
      return { n, k };
    });
}

/** CI's quick mode: a few small sizes, a few milliseconds each, so the suite never rots. */
export const QUICK_SIZES = [
  { n: 256, k: 64 },
  { n: 4096, k: 8 },
];

/**
 * Bytes a contender must move at least (f32), the basis of the GB/s column: phi read and the
 * gradient written for F + dF/dphi and the copy, phi read otherwise; a contender may say.
 */
function bytesMoved(contender, { n, m, k }) {
  if (contender.bytes) return contender.bytes({ n, m, k });
  const phi = (n + m) * k * 4;
  return contender.group === "F + dF/dphi" || contender.name.startsWith("roofline: copy") ? 2 * phi : phi;
}

/**
 * The clock's tick, ms: the smallest step performance.now() takes. Browsers coarsen it, each by
 * its own step, and more on a page that is not cross-origin isolated (docs/engines.md).
 */
function clockTick() {
  let tick = Infinity;
  for (let i = 0; i < 5; i++) {
    const start = performance.now();
    let now = start;
    while (now === start) now = performance.now();
    tick = Math.min(tick, now - start);
  }
  return tick;
}

/** A sample lasts at least this long: 0.2 ms, or 50 ticks of a coarse clock. */
const SAMPLE_MS = Math.max(0.2, 50 * clockTick());

/**
 * How many calls of `run` make a sample of at least SAMPLE_MS: the faster of two probes, the
 * first of which also warms the call up (a cold first probe would ask too few calls).
 */
function repetitions(run) {
  let per = Infinity;
  for (let probe = 0; probe < 2; probe++) {
    let calls = 0;
    const start = performance.now();
    while (performance.now() - start < Math.max(2, 10 * SAMPLE_MS)) {
      run();
      calls++;
    }
    per = Math.min(per, (performance.now() - start) / calls);
  }
  return per >= SAMPLE_MS ? 1 : Math.ceil(SAMPLE_MS / Math.max(per, 1e-4));
}

/**
 * tinybench samples until the summed sample times reach its `time`: were a clock to read 0 for
 * every sample, it would sample forever, an array growing until the heap gives out. A task
 * stops after this many samples or this long (its statistics are kept).
 */
const MAX_SAMPLES = 100_000;
const MAX_TASK_MS = 120_000;

/** `fn`, counting its calls: past MAX_SAMPLES it aborts the task's bench. */
function limited(fn, controller) {
  let calls = 0;
  const stop = () => {
    if (++calls > MAX_SAMPLES) controller.abort();
  };
  return fn.constructor.name === "AsyncFunction"
    ? async () => {
        stop();
        await fn();
      }
    : () => {
        stop();
        fn();
      };
}

/**
 * Runs the suite. Returns { sizes: [{ n, m, k, results: [{ name, group, ms, rme, samples }] }] }.
 * options: tf and tfBackends (TensorFlow.js and the backends to time), loadBytes(path),
 * quick, sizes, log(line), progress(done, total) after each contender of each size.
 */
export async function runSuite({
  tf,
  tfBackends = [],
  loadBytes,
  quick = false,
  sizes,
  log = () => {},
  progress = () => {},
}) {
  const all = await contenders({ tf, tfBackends, loadBytes });
  const runs = (shape) =>
    all.filter(
      (c) =>
        (c.maxWork === undefined || c.work(shape) <= c.maxWork) &&
        (c.minWork === undefined || c.work(shape) >= c.minWork),
    );
  const chosen = sizes ?? (quick ? QUICK_SIZES : SIZES);
  const total = chosen.reduce((sum, { n, k }) => sum + runs({ n, m: n, k }).length, 0);
  let done = 0;
  const timing = quick
    ? { time: 30, warmupTime: 5, iterations: 2, warmupIterations: 1 }
    : { time: 600, warmupTime: 100, iterations: 5, warmupIterations: 2 };
  const order = new Map(all.map((c, i) => [c.name, i]));
  const out = [];
  for (const { n, k } of chosen) {
    const inputs = makeInputs(n, n, k);
    // the planner's choices for this size settled first (f32 and f64): every call timed runs the variant kept
    settlePlans(inputs);
    settlePlans(inputs, "f64");
    const results = [];
    const chosenHere = runs(inputs);
    for (const c of chosenHere.filter((c) => !c.interleave)) {
      const { run, dispose } = await c.setup(inputs);
      // calls shorter than a sample run several times a sample: a browser's clock is coarse
      // (clockTick), and one tick must not be a call's whole time
      const reps = c.async ? 1 : repetitions(run);
      const controller = new AbortController();
      const bench = new Bench({ ...timing, signal: controller.signal });
      // tinybench awaits only functions declared async, not any that returns a Promise
      const timed = c.async
        ? async () => {
            await run();
          }
        : reps === 1
          ? run
          : () => {
              for (let i = 0; i < reps; i++) run();
            };
      bench.add(c.name, limited(timed, controller));
      const wall = setTimeout(() => controller.abort(), MAX_TASK_MS);
      await bench.run();
      clearTimeout(wall);
      const task = bench.tasks[0];
      dispose?.();
      if (task.result?.error) throw task.result.error;
      const latency = task.result.latency;
      const entry = {
        name: c.name,
        group: c.group,
        ms: latency.p50 / reps,
        rme: latency.rme,
        samples: latency.samplesCount ?? 0,
        bytes: bytesMoved(c, inputs),
      };
      results.push(entry);
      log(`n = m = ${n}, k = ${k}: ${c.name}: ${entry.ms.toPrecision(4)} ms`);
      progress(++done, total);
    }
    // each interleave group's contenders together, in alternating rounds
    for (const groupName of new Set(chosenHere.map((c) => c.interleave).filter(Boolean))) {
      const group = chosenHere.filter((c) => c.interleave === groupName);
      const set = [];
      let timed;
      try {
        for (const c of group) set.push(await c.setup(inputs));
        timed = await timeInterleaved(
          Object.fromEntries(group.map((c, i) => [c.name, set[i].run])),
          quick ? { warmup: 5, minRounds: 3 } : { warmup: 150, minRounds: 40, minMs: timing.time, maxMs: MAX_TASK_MS },
        );
      } finally {
        // a failed setup or call leaves no worker running (a parallel copier's would keep the process alive)
        for (const { dispose } of set) await dispose?.();
      }
      for (const c of group) {
        const entry = {
          name: c.name,
          group: c.group,
          ...timed[c.name],
          interleaved: true,
          bytes: bytesMoved(c, inputs),
        };
        results.push(entry);
        log(`n = m = ${n}, k = ${k}: ${c.name}: ${entry.ms.toPrecision(4)} ms (interleaved)`);
        progress(++done, total);
      }
    }
    // in the contenders' order, whichever way each was timed
    results.sort((a, b) => order.get(a.name) - order.get(b.name));
    out.push({ n, m: n, k, results });
  }
  await closePools();
  return { sizes: out };
}
