// crossgrad in worker_threads: each worker loads its own module and memory, no shared state.
// Node only (worker_threads); the browser project runs the Web Worker version.
import { Worker } from "node:worker_threads";
import { describe, expect, it } from "vitest";
import { referenceValue } from "../src/reference.js";

const library = new URL("../dist/index.js", import.meta.url).href;

function runInWorker(code: string): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(
      `import("${library}").then(async (lib) => { const { parentPort } = await import("node:worker_threads");
        ${code} }).catch((e) => { throw e; });`,
      { eval: true },
    );
    worker.once("message", (result) => {
      resolve(result);
      void worker.terminate();
    });
    worker.once("error", reject);
  });
}

describe("worker_threads", () => {
  it("computes F, dF/dphi and dF/dh in two workers at once, each with its own module", async () => {
    const phi = Array.from({ length: 5 * 3 }, (_, i) => Math.sin(i));
    const h = [1, 0, 1, 1, 2];
    const shape = { n: 2, m: 3, k: 3 };
    const code = `await lib.init();
      const phi = new Float64Array(${JSON.stringify(phi)});
      const h = ${JSON.stringify(h)};
      const shape = ${JSON.stringify(shape)};
      parentPort.postMessage({ value: lib.value(phi, h, shape), simd: lib.info().simd,
        gradient: Array.from(lib.gradient(phi, h, shape)) });`;
    const results = (await Promise.all([runInWorker(code), runInWorker(code)])) as { value: number }[];
    for (const r of results) expect(r.value).toBeCloseTo(referenceValue(phi, h, shape), 12);
    expect(results[0]).toEqual(results[1]);
  });
});
