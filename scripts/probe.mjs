// What a JavaScript environment gives crossgrad: the build init() picks (SIMD or scalar),
// whether SharedArrayBuffer exists, and whether a 2-thread pool (workers on one shared memory)
// starts and gives the bits of one call. Runs anywhere: scripts/runtime-probe.mjs prints it in
// each runtime, scripts/probe.html shows it to each browser engine (npm run test:browser).
import { createThreadPool, info, init, valueAndGradient } from "../dist/index.js";
import { generator } from "../dist/reference.js";

export async function probe() {
  await init();
  const shape = { n: 3000, m: 2000, k: 24 };
  const random = generator(7);
  const phi = Float32Array.from({ length: (shape.n + shape.m) * shape.k }, () => 2 * random() - 1);
  const h = Float32Array.from({ length: shape.n + shape.m }, () => (random() < 0.5 ? 1 : 0));
  const one = valueAndGradient(phi, h, shape);
  let threads;
  try {
    const pool = await createThreadPool({ threads: 2 });
    try {
      const problem = pool.createProblem(shape);
      problem.phi.set(phi);
      problem.h.set(h);
      const { value, gradient } = await problem.valueAndGradient();
      const same = Object.is(value, one.value) && gradient.every((x, i) => Object.is(x, one.gradient[i]));
      threads = `${pool.threads} thread(s)${pool.shared ? " on shared memory" : ""}, ${same ? "bit-identical to one call" : "DIFFERENT bits"}`;
      problem.dispose();
    } finally {
      await pool.terminate();
    }
  } catch (error) {
    threads = `no thread pool: ${error.message}`;
  }
  return { build: info().simd ? "SIMD" : "scalar", sharedMemory: typeof SharedArrayBuffer === "function", threads };
}
