// The demo page's timings, off the main thread so the page stays responsive: F + dF/dphi in
// crossgrad (zero-copy and copying), F and dF/dh alone, a copy of phi (the floor of any
// F + dF/dphi: it reads phi and writes as many floats) and the plain-JS float64 reference, on
// the public package only. The full suite (TensorFlow.js, plain JS, rooflines in wasm) is the
// benchmark page, bench/browser/, which the demo links to.
// Request (requests.js): time { sizes: [{ n, k }] }, telling { line } and { done, total } as it goes.
import { createProblem, init, valueAndGradient } from "../../dist/index.js";
import { generator, referenceGradient, referenceValue } from "../../dist/reference.js";
import { medianTime } from "../timing.js";
import { answer } from "./requests.js";

/** What is timed, each on a size's inputs; `run` gets { p, phi, h, shape, out }. */
const TASKS = [
  { name: "crossgrad F + dF/dphi, zero-copy Problem", run: ({ p }) => p.valueAndGradient() },
  {
    name: "crossgrad F + dF/dphi, copying call",
    run: ({ phi, h, shape, out }) => valueAndGradient(phi, h, shape, { out }),
  },
  { name: "crossgrad F alone, Problem", run: ({ p }) => p.value() },
  { name: "crossgrad dF/dh, Problem", run: ({ p }) => p.gateGradient() },
  { name: "copy of phi (TypedArray set)", run: ({ phi, out }) => out.set(phi) },
  {
    name: "plain-JS float64 reference, F + dF/dphi",
    run: ({ phi, h, shape }) => (referenceValue(phi, h, shape), referenceGradient(phi, h, shape)),
  },
];

answer({
  async time({ sizes }, progress) {
    await init();
    const total = sizes.length * TASKS.length;
    const results = [];
    for (const { n, k } of sizes) {
      const shape = { n, m: n, k };
      // phi on [-1, 1), half the gates on, as the page's Compute draws them
      const random = generator(1);
      const phi = Float32Array.from({ length: 2 * n * k }, () => 2 * random() - 1);
      const h = Float32Array.from({ length: 2 * n }, () => (random() < 0.5 ? 1 : 0));
      const p = createProblem(shape);
      p.phi.set(phi);
      p.h.set(h);
      const inputs = { p, phi, h, shape, out: new Float32Array(phi.length) };
      const times = [];
      for (const task of TASKS) {
        progress({ line: `n = m = ${n}, k = ${k}: ${task.name}` });
        times.push({ name: task.name, ms: medianTime(() => task.run(inputs), 200) });
        progress({ done: results.length * TASKS.length + times.length, total });
      }
      p.dispose();
      results.push({ n, k, times });
    }
    return results;
  },
});
