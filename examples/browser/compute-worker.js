// The kernel view's Compute, off the main thread: F and both gradients of random inputs in
// crossgrad and in the plain-JS float64 reference, and the median time of each. At n = m =
// 3,000,000 this is seconds of work, which on the page's own thread would freeze it.
// Request (requests.js): compute { n, m, k, seed, precision }.
import { gateGradient, init, valueAndGradient } from "../../dist/index.js";
import { generator, referenceGradient, referenceValue } from "../../dist/reference.js";
import { medianTime } from "../timing.js";
import { answer } from "./requests.js";

const norm = (a) => Math.sqrt(a.reduce((s, x) => s + x * x, 0));

answer({
  async compute({ n, m, k, seed, precision }, progress) {
    await init();
    const shape = { n, m, k };
    progress("drawing phi and the gates");
    // phi on [-1, 1) (drawn in f32, widened for f64), half the gates on
    const random = generator(seed);
    const phi32 = Float32Array.from({ length: (n + m) * k }, () => 2 * random() - 1);
    const h = Float32Array.from({ length: n + m }, () => (random() < 0.5 ? 1 : 0));
    const phi = precision === "f64" ? Float64Array.from(phi32) : phi32;
    const out = new phi.constructor(phi.length);
    progress("computing F and its gradients");
    const { value } = valueAndGradient(phi, h, shape, { out });
    const result = {
      F: value,
      reference: referenceValue(phi, h, shape),
      gradientNorm: norm(out),
      gateGradientNorm: norm(gateGradient(phi, h, shape)),
    };
    progress("timing crossgrad");
    result.ms = medianTime(() => valueAndGradient(phi, h, shape, { out }));
    progress("timing the plain-JS reference");
    result.referenceMs = medianTime(() => {
      referenceValue(phi, h, shape);
      referenceGradient(phi, h, shape);
    });
    return result;
  },
});
