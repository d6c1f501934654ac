// The contenders of the benchmark: every way a user could compute F and dF/dphi (and the
// roofline of what any such kernel must move), each set up once per size on the same inputs
// (f32, half the gates on) and returning the function to time. Environment-agnostic: the
// runner injects TensorFlow.js and a way to load the benchmark-only wasm kernels.

import {
  batchGradient,
  batchPooled,
  createProblem,
  createThreadPool,
  gradient,
  planEntries,
  value,
  valueAndGradient,
} from "../dist/index.js";
import { fixedLoop, sizeClass } from "../dist/wasm/planner.js";
import { scalarWasm } from "../dist/wasm/generated/scalar.js";
import { generator } from "../dist/reference.js";
import { parallelCopier } from "./parallelcopy.js";

/** The inputs of one size: phi on [-1, 1) and gates with about `density` of them on. */
export function makeInputs(n, m, k, density = 0.5, seed = 1) {
  const random = generator(seed);
  const phi = new Float32Array((n + m) * k);
  for (let i = 0; i < phi.length; i++) phi[i] = 2 * random() - 1;
  const h = new Float32Array(n + m);
  for (let r = 0; r < n + m; r++) h[r] = random() < density ? 1 : 0;
  return { n, m, k, phi, h };
}

/**
 * The sizes (n = m, k) of the kernel tuning tools (bench/kernels.mjs, bench/phases.mjs): those of
 * the speed targets and the narrow and wide rows, or the pairs `n k` given on the command line.
 */
export function tuningSizes(args) {
  const numbers = args.map(Number);
  if (numbers.length) return Array.from({ length: numbers.length / 2 }, (_, i) => [numbers[2 * i], numbers[2 * i + 1]]);
  return [
    [500_000, 32],
    [65_536, 64],
    [4096, 64],
    [16384, 8],
    [16384, 256],
  ];
}

/** Every `step`-th row of `rows`, as a sparse gate index (1% of the rows for step = 100). */
export function everyRow(rows, step) {
  return Uint32Array.from({ length: Math.ceil(rows / step) }, (_, i) => i * step);
}

/** `count` CSR gate sets of `perGroup` random rows of A and of B each: a training mini-batch. */
export function trainingSets(n, m, count, perGroup, seed = 3) {
  const random = generator(seed);
  const indptr = new Uint32Array(count + 1);
  const index = [];
  for (let b = 0; b < count; b++) {
    const pick = (first, rows) => {
      const chosen = new Set();
      while (chosen.size < Math.min(perGroup, rows)) chosen.add(first + Math.floor(random() * rows));
      return [...chosen].sort((x, y) => x - y);
    };
    index.push(...pick(0, n), ...pick(n, m));
    indptr[b + 1] = index.length;
  }
  return { indptr, index: Uint32Array.from(index) };
}

/**
 * The best plain-JS factored kernel: u and v in float64 skipping absent rows, F = <u, v>, then
 * the rank-one gradient rows. Returns F; writes dF/dphi into out (a Float32Array).
 */
export function plainJsValueAndGradient(phi, h, n, m, k, u, v, out) {
  u.fill(0);
  v.fill(0);
  for (let r = 0; r < n + m; r++) {
    const g = h[r];
    if (g === 0) continue;
    const acc = r < n ? u : v;
    const o = r * k;
    let l = 0;
    for (; l + 4 <= k; l += 4) {
      acc[l] += g * phi[o + l];
      acc[l + 1] += g * phi[o + l + 1];
      acc[l + 2] += g * phi[o + l + 2];
      acc[l + 3] += g * phi[o + l + 3];
    }
    for (; l < k; l++) acc[l] += g * phi[o + l];
  }
  let F = 0;
  for (let l = 0; l < k; l++) F += u[l] * v[l];
  for (let r = 0; r < n + m; r++) {
    const g = h[r];
    const o = r * k;
    if (g === 0) {
      out.fill(0, o, o + k);
      continue;
    }
    const w = r < n ? v : u;
    for (let l = 0; l < k; l++) out[o + l] = g * w[l];
  }
  return Math.fround(F);
}

/** The literal double sum, O(n m k): F and dF/dphi_i = sum_j h_i h_j phi_j (and for B). */
export function literalDoubleSum(phi, h, n, m, k, out) {
  out.fill(0);
  let F = 0;
  for (let i = 0; i < n; i++) {
    if (h[i] === 0) continue;
    for (let j = n; j < n + m; j++) {
      const w = h[i] * h[j];
      if (w === 0) continue;
      let dot = 0;
      for (let l = 0; l < k; l++) {
        dot += phi[i * k + l] * phi[j * k + l];
        out[i * k + l] += w * phi[j * k + l];
        out[j * k + l] += w * phi[i * k + l];
      }
      F += w * dot;
    }
  }
  return F;
}

/** A zero-copy Problem (or a thread pool's) holding the inputs. */
function problemWith(create, { n, m, k, phi, h }, options) {
  const p = create({ n, m, k }, options);
  p.phi.set(phi);
  p.h.set(h);
  return p;
}

/**
 * Settles the planner's choices for a size's class (docs/design.md §6): a Problem's calls of
 * each kernel until each is settled, so that the timings that follow measure the variant kept,
 * not the turn of variants of a class's first calls (bench -- --plan shows those). Returns the
 * class's plan entries.
 */
export function settlePlans({ n, m, k, phi, h }, precision = "f32") {
  const bytes = precision === "f32" ? 4 : 8;
  const key = sizeClass(precision, (n + m) * k * bytes, k * bytes);
  const p = problemWith(createProblem, { n, m, k, phi, h }, { precision });
  const jobs = {
    value: () => p.value(),
    valueAndGradient: () => p.valueAndGradient(),
    gateGradient: () => p.gateGradient(),
  };
  const entry = (job) => planEntries().find((e) => e.job === job && e.sizeClass === key);
  // a class settles within 25 turns of its variants (at most 18 of them)
  for (const [job, call] of Object.entries(jobs)) for (let i = 0; i < 25 * 18 && !entry(job)?.settled; i++) call();
  p.dispose();
  return Object.keys(jobs).map(entry);
}

/** The scalar build through its raw exports, zero-copy (init() loads one build per realm). */
async function scalarKernels() {
  const bytes = Uint8Array.from(atob(scalarWasm), (c) => c.charCodeAt(0));
  const { instance } = await WebAssembly.instantiate(bytes, {});
  return instance.exports;
}

function layout(exports, regions) {
  const memory = exports.memory;
  let at = (exports.heapBase ? exports.heapBase() : 1024) + 64;
  const ptrs = regions.map((bytes) => {
    const p = Math.ceil(at / 64) * 64;
    at = p + bytes;
    return p;
  });
  if (memory.buffer.byteLength < at) memory.grow(Math.ceil((at - memory.buffer.byteLength) / 65536));
  return ptrs;
}

/** Thread pools, made once for the threaded contenders and closed with the suite. */
const pools = new Map();
async function poolOf(threads) {
  if (!pools.has(threads))
    pools.set(threads, await createThreadPool({ threads, workerUrl: new URL("../dist/worker.js", import.meta.url) }));
  return pools.get(threads);
}
export async function closePools() {
  for (const pool of pools.values()) await pool.terminate();
  pools.clear();
}

/**
 * Every contender: name, group (what it computes) and setup(inputs) -> { run, dispose }.
 * `maxWork` skips a contender above that much work(inputs) (the literal double sum),
 * `minWork` below (threads, for the large sizes only); `async` runs return Promises. Contenders
 * of one `interleave` group are timed together in alternating rounds (bench/interleave.js): the
 * report checks the pools' speedup against the parallel copies'.
 */
export async function contenders({ tf, tfBackends = [], loadBytes }) {
  const scalar = await scalarKernels();
  const roofline = (await WebAssembly.instantiate(await loadBytes("build/bench/roofline.wasm"), {})).instance.exports;
  const list = [
    {
      name: "crossgrad SIMD, Problem",
      group: "F + dF/dphi",
      setup(inputs) {
        const p = problemWith(createProblem, inputs);
        return { run: () => p.valueAndGradient(), dispose: () => p.dispose() };
      },
    },
    {
      name: "crossgrad SIMD, copying API into out",
      group: "F + dF/dphi",
      setup({ n, m, k, phi, h }) {
        const out = new Float32Array(phi.length);
        return { run: () => valueAndGradient(phi, h, { n, m, k }, { out }) };
      },
    },
    {
      name: "crossgrad SIMD, copying API, new array",
      group: "F + dF/dphi",
      setup({ n, m, k, phi, h }) {
        return { run: () => valueAndGradient(phi, h, { n, m, k }) };
      },
    },
    {
      name: "crossgrad scalar build",
      group: "F + dF/dphi",
      setup({ n, m, k, phi, h }) {
        const bytes = phi.length * 4;
        const [phiAt, hAt, outAt, scratch] = layout(scalar, [
          bytes,
          h.length * 4,
          bytes,
          scalar.scratchBytesF32(n, m, k),
        ]);
        new Float32Array(scalar.memory.buffer, phiAt, phi.length).set(phi);
        new Float32Array(scalar.memory.buffer, hAt, h.length).set(h);
        // the scalar build runs beside the planner's module: the fixed rule picks its loop
        const plan = fixedLoop(bytes, k * 4) === "compacted" ? scalar.PLAN_COMPACT.value : 0;
        return { run: () => scalar.valueAndGradientF32(n, m, k, phiAt, hAt, outAt, 1, 0, scratch, plan) };
      },
    },
    {
      name: "crossgrad SIMD f64, Problem",
      group: "F + dF/dphi",
      setup(inputs) {
        const p = problemWith(createProblem, inputs, { precision: "f64" });
        return { run: () => p.valueAndGradient(), dispose: () => p.dispose() };
      },
    },
    {
      name: "plain JS, factored",
      group: "F + dF/dphi",
      setup({ n, m, k, phi, h }) {
        const u = new Float64Array(k),
          v = new Float64Array(k),
          out = new Float32Array(phi.length);
        return { run: () => plainJsValueAndGradient(phi, h, n, m, k, u, v, out) };
      },
    },
    {
      name: "plain JS, literal double sum",
      group: "F + dF/dphi",
      maxWork: 2 ** 31,
      work: ({ n, m, k }) => (n / 2) * (m / 2) * k,
      setup({ n, m, k, phi, h }) {
        const out = new Float32Array(phi.length);
        return { run: () => literalDoubleSum(phi, h, n, m, k, out) };
      },
    },
    {
      name: "roofline: copy (n+m)k floats",
      group: "roofline",
      setup({ phi }) {
        const bytes = phi.length * 4;
        const [src, dst] = layout(roofline, [bytes, bytes]);
        new Float32Array(roofline.memory.buffer, src, phi.length).set(phi);
        return { run: () => roofline.copySimd(dst, src, bytes) };
      },
    },
    {
      name: "roofline: SIMD read of phi",
      group: "roofline",
      setup({ phi }) {
        const bytes = phi.length * 4;
        const [src] = layout(roofline, [bytes]);
        new Float32Array(roofline.memory.buffer, src, phi.length).set(phi);
        return { run: () => roofline.readF32(src, bytes) };
      },
    },
    {
      name: "crossgrad sparse 1%, Problem",
      group: "F + dF/dphi",
      bytes: ({ n, m, k }) => 2 * everyRow(n + m, 100).length * k * 4,
      setup({ n, m, k, phi }) {
        const p = createProblem({ n, m, k });
        p.phi.set(phi);
        const gates = { index: everyRow(n + m, 100) };
        const out = new Float32Array(gates.index.length * k);
        return { run: () => valueAndGradient(p.phi, gates, { n, m, k }, { out }), dispose: () => p.dispose() };
      },
    },
    {
      name: "crossgrad batch of 64 sets, batchPooled + batchGradient",
      group: "batch",
      bytes: ({ k }) => 2 * 64 * 32 * k * 4,
      setup({ n, m, k, phi }) {
        const p = createProblem({ n, m, k });
        p.phi.set(phi);
        const sets = trainingSets(n, m, 64, 16);
        const out = new Float32Array(sets.index.length * k);
        return {
          run: () => {
            const pooledSets = batchPooled(p.phi, sets, { n, m, k });
            const weights = Array.from(pooledSets.values, (F) => Math.tanh(F));
            batchGradient(sets, { n, m, k }, pooledSets, weights, { out });
          },
          dispose: () => p.dispose(),
        };
      },
    },
    {
      name: "crossgrad loop of 64 single calls (value, then gradient)",
      group: "batch",
      bytes: ({ k }) => 2 * 64 * 32 * k * 4,
      setup({ n, m, k, phi }) {
        const p = createProblem({ n, m, k });
        p.phi.set(phi);
        const sets = trainingSets(n, m, 64, 16);
        const single = Array.from({ length: 64 }, (_, b) => ({
          index: sets.index.subarray(sets.indptr[b], sets.indptr[b + 1]),
        }));
        const outs = single.map((g) => new Float32Array(g.index.length * k));
        return {
          run: () => {
            for (let b = 0; b < 64; b++) {
              const weight = Math.tanh(value(p.phi, single[b], { n, m, k }));
              gradient(p.phi, single[b], { n, m, k }, { out: outs[b], scale: weight });
            }
          },
          dispose: () => p.dispose(),
        };
      },
    },
    ...[1, 2].map((threads) => ({
      name: `crossgrad ${threads} thread${threads > 1 ? "s" : ""}, ThreadPool`,
      group: "F + dF/dphi",
      async: true,
      interleave: "threads",
      minWork: 65536,
      work: ({ n }) => n,
      async setup(inputs) {
        const pool = await poolOf(threads);
        const p = problemWith((shape) => pool.createProblem(shape), inputs);
        return { run: () => p.valueAndGradient(), dispose: () => p.dispose() };
      },
    })),
    ...[1, 2].map((threads) => ({
      name: `roofline: copy (n+m)k floats, ${threads} worker${threads > 1 ? "s" : ""}`,
      group: "roofline",
      async: true,
      interleave: "threads",
      minWork: 65536,
      work: ({ n }) => n,
      async setup({ phi }) {
        const bytes = phi.length * 4;
        const copier = await parallelCopier({
          threads,
          bytes,
          moduleBytes: await loadBytes("build/bench/roofline.shared.wasm"),
          workerUrl: new URL("../dist/worker.js", import.meta.url),
        });
        new Float32Array(copier.memory.buffer, copier.src, phi.length).set(phi);
        return { run: () => copier.copy(), dispose: () => copier.terminate() };
      },
    })),
    {
      name: "crossgrad SIMD, F only",
      group: "F",
      setup(inputs) {
        const p = problemWith(createProblem, inputs);
        return { run: () => p.value(), dispose: () => p.dispose() };
      },
    },
    {
      name: "crossgrad SIMD, dF/dh",
      group: "dF/dh",
      setup(inputs) {
        const p = problemWith(createProblem, inputs);
        return { run: () => p.gateGradient(), dispose: () => p.dispose() };
      },
    },
  ];
  for (const backend of tfBackends) {
    list.push(
      {
        name: `TF.js ${backend}, tensors resident`,
        group: "F + dF/dphi",
        async setup(inputs) {
          await tf.setBackend(backend);
          return tfContender(tf, inputs, false);
        },
      },
      {
        name: `TF.js ${backend}, with upload`,
        group: "F + dF/dphi",
        // phi uploaded and the gradient downloaded on every call: too slow for the suite above
        // 2^24 elements (docs/speed.md has the time it took), so left out there
        maxWork: 2 ** 24,
        work: ({ n, m, k }) => (n + m) * k,
        async setup(inputs) {
          await tf.setBackend(backend);
          return tfContender(tf, inputs, true);
        },
      },
    );
  }
  return list;
}

/**
 * tf.valueAndGrads of the factored formulation F = <hA^T phiA, hB^T phiB>, gradient with
 * respect to phi, on the current backend. Resident: phi and h live as tensors; with upload:
 * phi is uploaded and the gradient downloaded on every call.
 */
function tfContender(tf, { n, m, k, phi, h }, upload) {
  const hA = tf.tensor2d(h.subarray(0, n), [1, n]);
  const hB = tf.tensor2d(h.subarray(n), [1, m]);
  const F = (p) => tf.sum(tf.mul(tf.matMul(hA, p.slice([0, 0], [n, k])), tf.matMul(hB, p.slice([n, 0], [m, k]))));
  const valueAndGrads = tf.valueAndGrads(F);
  const resident = tf.tensor2d(phi, [n + m, k]);
  const run = () => {
    const result = tf.tidy(() => {
      const p = upload ? tf.tensor2d(phi, [n + m, k]) : resident;
      const { value, grads } = valueAndGrads([p]);
      if (upload) return [value.dataSync()[0], grads[0].dataSync()];
      return [value, grads[0]];
    });
    if (!upload) tf.dispose(result);
  };
  return {
    run,
    dispose: () => {
      tf.dispose([hA, hB, resident]);
    },
  };
}
