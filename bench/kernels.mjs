// Kernel tuning harness: crossgrad's kernels against the roofline at the sizes of the speed targets (docs/design.md §6), the
// minimum of many interleaved runs (the least disturbed by a shared machine). For reading
// the effect of a kernel change quickly; the report comes from npm run bench.
//   node bench/kernels.mjs [n k [n k ...]]
import { readFileSync } from "node:fs";
import { createProblem, init } from "../dist/index.js";
import { makeInputs, tuningSizes } from "./contenders.js";

await init();
const roofline = (await WebAssembly.instantiate(readFileSync(new URL("../build/bench/roofline.wasm", import.meta.url))))
  .instance.exports;
const sizes = tuningSizes(process.argv.slice(2));

for (const [n, k] of sizes) {
  const { phi, h } = makeInputs(n, n, k);
  const p = createProblem({ n, m: n, k });
  p.phi.set(phi);
  p.h.set(h);
  const bytes = phi.length * 4;
  if (roofline.memory.buffer.byteLength < 2 * bytes + 4096)
    roofline.memory.grow(Math.ceil((2 * bytes + 4096 - roofline.memory.buffer.byteLength) / 65536));
  const src = 1024,
    dst = 1024 + bytes;
  new Float32Array(roofline.memory.buffer, src, phi.length).set(phi);
  const tasks = {
    read: () => roofline.readF32(src, bytes),
    copy: () => roofline.copySimd(dst, src, bytes),
    F: () => p.value(),
    "F+dF/dphi": () => p.valueAndGradient(),
    "dF/dh": () => p.gateGradient(),
  };
  const best = Object.fromEntries(Object.keys(tasks).map((t) => [t, Infinity]));
  const rounds = Math.max(20, Math.min(2000, Math.round(2e9 / bytes)));
  for (let i = 0; i < rounds; i++) {
    for (const [name, fn] of Object.entries(tasks)) {
      const t = performance.now();
      fn();
      best[name] = Math.min(best[name], performance.now() - t);
    }
  }
  const r = (a, b) => (best[a] / best[b]).toFixed(2);
  console.log(
    `n = m = ${n}, k = ${k}: read ${best.read.toFixed(4)} copy ${best.copy.toFixed(4)} ms | ` +
      `F ${r("F", "read")}x read, F+dF/dphi ${r("F+dF/dphi", "copy")}x copy, dF/dh ${r("dF/dh", "read")}x read`,
  );
  p.dispose();
}
