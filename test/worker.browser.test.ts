// crossgrad in Web Workers: each worker is a fresh realm that loads its own module and
// memory. Browser only (the node project runs worker_threads in worker.node.test.ts).
import { describe, expect, it } from "vitest";
import { referenceGateGradient, referenceGradient, referenceValue } from "../src/reference.js";
import { randomProblem } from "./helpers.js";

function ask(request: unknown): Promise<Record<string, unknown>> {
  const worker = new Worker(new URL("./fixtures/worker.ts", import.meta.url), { type: "module" });
  return new Promise((resolve, reject) => {
    worker.onmessage = (event) => {
      resolve(event.data);
      worker.terminate();
    };
    worker.onerror = (event) => reject(new Error(event.message));
    worker.postMessage(request);
  });
}

describe("Web Workers", () => {
  it("compute F and both gradients in two workers at once, each after its own init()", async () => {
    const shape = { n: 37, m: 70, k: 19 };
    const { phi, h } = randomProblem(shape, "f32", "binary", 1);
    const request = { phi, h: Array.from(h), shape };
    const [a, b] = await Promise.all([ask(request), ask(request)]);
    for (const r of [a, b]) {
      expect(r.beforeInit).toBe("crossgrad is not initialised: await init() before calling value()");
      expect(r.shared).toBe(true);
      expect(r.simd).toBe(true);
      expect(r.problemValue).toBe(r.value);
      expect(Math.abs((r.value as number) - referenceValue(phi, h, shape))).toBeLessThan(1e-4);
      const g = r.gradient as Float32Array,
        dh = r.gateGradient as Float32Array;
      const refG = referenceGradient(phi, h, shape),
        refDh = referenceGateGradient(phi, h, shape);
      expect(g.every((x, i) => Math.abs(x - refG[i]) < 1e-4)).toBe(true);
      expect(dh.every((x, i) => Math.abs(x - refDh[i]) < 1e-4)).toBe(true);
    }
    expect(a.value).toBe(b.value);
    // the test server sends COOP/COEP headers: workers can share memory (threads issue)
    expect(a.crossOriginIsolated).toBe(true);
  });
});
