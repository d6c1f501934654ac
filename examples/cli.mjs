#!/usr/bin/env node
// crossgrad demo: F, its gradients, a finite-difference check and the speed against the
// plain-JS float64 reference, on a random problem. Run: npm start [-- --n 4096 --m 4096
// --k 64 --precision f32 --seed 1]
import { parseArgs } from "node:util";
import { createProblem, gradient, gateGradient, info, init, value } from "../dist/index.js";
import { referenceGateGradient, referenceGradient, referencePooled, referenceValue } from "../dist/reference.js";

const { values: args } = parseArgs({
  options: {
    n: { type: "string", default: "4096" },
    m: { type: "string", default: "4096" },
    k: { type: "string", default: "64" },
    precision: { type: "string", default: "f32" },
    seed: { type: "string", default: "1" },
    help: { type: "boolean", short: "h", default: false },
  },
});
if (args.help) {
  console.log("usage: npm start -- [--n rows of A] [--m rows of B] [--k columns] [--precision f32|f64] [--seed s]");
  process.exit(0);
}
const shape = { n: Number(args.n), m: Number(args.m), k: Number(args.k) };
const precision = args.precision;
if (precision !== "f32" && precision !== "f64") throw new RangeError(`--precision must be f32 or f64, got ${precision}`);

/** mulberry32: a small seeded generator, so a run is reproducible. */
function generator(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), a | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Median milliseconds of fn over about half a second. */
function time(fn) {
  fn();
  const times = [];
  const until = performance.now() + 500;
  while (performance.now() < until || times.length < 3) {
    const t = performance.now();
    fn();
    times.push(performance.now() - t);
  }
  return times.sort((a, b) => a - b)[times.length >> 1];
}

const norm = (a) => Math.sqrt(a.reduce((s, x) => s + x * x, 0));

await init();
const problem = createProblem(shape, { precision });
const random = generator(Number(args.seed));
const phi = problem.phi;
for (let i = 0; i < phi.length; i++) phi[i] = 2 * random() - 1;
const h = problem.h;
for (let r = 0; r < h.length; r++) h[r] = random() < 0.5 ? 1 : 0;
const active = h.reduce((s, g) => s + (g !== 0 ? 1 : 0), 0);

const { value: F, gradient: dphi } = problem.valueAndGradient();
const dphiNorm = norm(dphi); // read before the next call rewrites memory views
const dh = problem.gateGradient();
console.log(`crossgrad ${info().simd ? "SIMD" : "scalar"} build, ${precision}`);
console.log(`shape n = ${shape.n}, m = ${shape.m}, k = ${shape.k}; ${active} of ${shape.n + shape.m} gates on`);
console.log(`F            = ${F}`);
console.log(`|dF/dphi|    = ${dphiNorm.toPrecision(8)}`);
console.log(`|dF/dh|      = ${norm(dh).toPrecision(8)}`);

// Central differences of F in float64 at a few entries: F is linear in each single entry, so
// they agree with the gradients up to rounding.
const phi64 = Float64Array.from(problem.phi), h64 = Float64Array.from(problem.h);
const g64 = gradient(phi64, h64, shape), dh64 = gateGradient(phi64, h64, shape);
let worst = 0;
for (let trial = 0; trial < 8 && phi64.length > 0; trial++) {
  const i = Math.floor(random() * phi64.length), r = Math.floor(random() * h64.length);
  const x = phi64[i], g = h64[r], step = 1e-3;
  phi64[i] = x + step; const fPlus = value(phi64, h64, shape);
  phi64[i] = x - step; const fMinus = value(phi64, h64, shape);
  phi64[i] = x;
  h64[r] = g + step; const hPlus = value(phi64, h64, shape);
  h64[r] = g - step; const hMinus = value(phi64, h64, shape);
  h64[r] = g;
  const scale = 1 + Math.abs(F);
  worst = Math.max(worst, Math.abs((fPlus - fMinus) / (2 * step) - g64[i]) / scale, Math.abs((hPlus - hMinus) / (2 * step) - dh64[r]) / scale);
}
console.log(`finite differences vs gradients (f64, 16 entries): worst relative error ${worst.toExponential(2)}`);

// Speed: the zero-copy Problem against the plain-JS float64 reference, same inputs.
const phiJs = Array.from(problem.phi), hJs = Array.from(problem.h);
const wasm = time(() => problem.valueAndGradient());
const js = time(() => {
  referenceValue(phiJs, hJs, shape);
  referenceGradient(phiJs, hJs, shape);
});
const wasmDh = time(() => problem.gateGradient());
const jsDh = time(() => referenceGateGradient(phiJs, hJs, shape));
console.log(`F + dF/dphi: crossgrad ${wasm.toFixed(3)} ms, plain-JS reference ${js.toFixed(3)} ms: ${(js / wasm).toFixed(1)}x`);
console.log(`dF/dh:       crossgrad ${wasmDh.toFixed(3)} ms, plain-JS reference ${jsDh.toFixed(3)} ms: ${(jsDh / wasmDh).toFixed(1)}x`);
const abs = referencePooled(phiJs.map(Math.abs), hJs.map(Math.abs), shape);
const sumOfTerms = abs.u.reduce((s, x, l) => s + x * abs.v[l], 0);
const error = Math.abs(F - referenceValue(phiJs, hJs, shape)) / (sumOfTerms || 1);
console.log(`F against the float64 reference: error ${error.toExponential(2)} of the sum of |terms|`);
problem.dispose();
