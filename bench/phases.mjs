// Where the time of a dense call goes, phase by phase, and what every loop variant costs: the
// method behind the speed report (docs/design.md §6). Calls the module's kernels directly (the
// SIMD build, one memory), on the benchmark's inputs (f32, half the gates on), and times each
// phase, each whole kernel under every plan, and the rooflines (a read of one group, a fill of
// one group's gradient with v128 stores and with memory.fill, a copy of phi, and, for rows of
// whole 4-vector steps, the dots' loads and arithmetic without their lane sums), side by side in
// one process: the minimum of many interleaved runs. Without sizes given, the tables also go to
// bench/results/<cpu>/phases.md.
//   node bench/phases.mjs [n k [n k ...]]
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { cpus } from "node:os";
import { makeInputs, tuningSizes } from "./contenders.js";
import { cpuSlug } from "./report.js";

const file = (path) => readFileSync(new URL(path, import.meta.url));
const memory = new WebAssembly.Memory({ initial: 1, maximum: 65536 });
const X = (await WebAssembly.instantiate(file("../build/crossgrad.simd.wasm"), { env: { memory } })).instance.exports;
const R = (await WebAssembly.instantiate(file("../build/bench/roofline.wasm"))).instance.exports;
const bit = (name) => X[name].value;
const PLAN = {
  compact: bit("PLAN_COMPACT"),
  wide: bit("PLAN_WIDE_STRIPS"),
  multi: bit("PLAN_MULTI_BLOCK"),
  fused: bit("PLAN_FUSED"),
  fill: bit("PLAN_FILL_FIRST"),
  touch: bit("PLAN_TOUCH_AHEAD"),
};
const planName = (plan) =>
  [
    plan & PLAN.compact ? "compacted" : "streaming",
    plan & PLAN.wide && "wide strips",
    plan & PLAN.multi && "multi-block",
    plan & PLAN.fused && "fused",
    plan & PLAN.fill && "fill-first",
    plan & PLAN.touch && "touch-ahead",
  ]
    .filter(Boolean)
    .join(", ");

/** Grows `mem` to hold `bytes` from `base`; returns a bump allocator of 64-byte aligned regions. */
function arena(mem, base, bytes) {
  const need = base + bytes + 1024 * 1024;
  if (mem.buffer.byteLength < need) mem.grow(Math.ceil((need - mem.buffer.byteLength) / 65536));
  let top = base;
  return (size) => {
    const at = (top + 63) & ~63;
    top = at + size;
    return at;
  };
}

const sizes = tuningSizes(process.argv.slice(2));
const lines = [];
const print = (text) => {
  console.log(text);
  lines.push(text);
};
print(`# Phases and plans: ${cpus()[0].model}, Node ${process.version}, ${new Date().toISOString().slice(0, 10)}`);
print("");
print("Reproduce with `npm run build && node bench/build.mjs && node bench/phases.mjs`. Each task's minimum of");
print("interleaved runs, side by side in one process; a phase is one group's pass (A = the first");
print("n rows); 'B read and written' is valueAndGradient of a problem whose A is empty. The rooflines");
print("run in a module of their own on their own copy of phi: where the host's L3 holds much of the");
print("data (this VM reports 480 MiB), theirs can be colder than the kernels', so compare phases and");
print("variants with one another here, and kernels with the rooflines in the suite's report.");
for (const [n, k] of sizes) {
  const m = n;
  const { phi, h } = makeInputs(n, m, k);
  const bytes = phi.length * 4,
    groupBytes = n * k * 4;
  const scratchBytes = X.scratchBytesF32(n, m, k);
  const alloc = arena(memory, X.heapBase() >>> 0, 2 * bytes + (n + m) * 8 + scratchBytes + 2 * k * 4 + 1e6);
  const at = {
    phi: alloc(bytes),
    h: alloc((n + m) * 4),
    out: alloc(bytes),
    dots: alloc((n + m) * 4),
    scratch: alloc(scratchBytes),
    w: alloc(k * 4),
  };
  new Float32Array(memory.buffer, at.phi, phi.length).set(phi);
  new Float32Array(memory.buffer, at.h, n + m).set(h);
  new Float32Array(memory.buffer, at.w, k).fill(0.5);
  const r = arena(R.memory, 1024, 2 * bytes + n * 16 + k * 4);
  const src = r(bytes),
    dst = r(bytes),
    rowSums = r(n * 16),
    rooflineW = r(k * 4);
  new Float32Array(R.memory.buffer, rooflineW, k).fill(0.5);
  new Float32Array(R.memory.buffer, src, phi.length).set(phi);

  const rowBytes = k * 4;
  const pooling = [0, PLAN.compact];
  if (rowBytes > 64 && rowBytes <= 128) pooling.push(PLAN.wide);
  if (rowBytes <= 64) pooling.push(PLAN.multi);
  const { phi: p, h: g, out, dots, scratch, w } = at;
  const meta = scratch,
    values = scratch + 1024,
    pass = scratch + 1024 + 66 * k * 8 + 64;
  const tasks = {
    "roofline: read of A": () => R.readF32(src, groupBytes),
    "roofline: v128 fill of A": () => R.fillSimd(dst, groupBytes),
    "roofline: memory.fill of A": () => R.fillBulk(dst, groupBytes),
    "roofline: copy of phi": () => R.copySimd(dst, src, bytes),
    "roofline: read of phi": () => R.readF32(src, bytes),
  };
  // the dots' own floor (rows of whole 4-vector steps): 2 loads a vector where a read has 1
  const dotsFloor = k > 0 && k % 16 == 0;
  if (dotsFloor) tasks["roofline: dots of A"] = () => R.dotsF32(n, k, src, rooflineW, rowSums);
  for (const plan of pooling)
    tasks[`pool A: ${planName(plan)}`] = () => X.poolRangeF32(n, k, p, g, 0, meta, values, pass, plan);
  for (const plan of [0, PLAN.fill])
    tasks[`gradient A: ${planName(plan)}`] = () => X.gradientRowsF32(n, k, g, w, 1, out, false, pass, plan);
  tasks["dots A"] = () => X.rowDotsF32(n, k, p, w, dots);
  // one group as B of a problem whose A is empty: its pass with the gradient rows, fused or after the pool
  for (const pool of pooling)
    for (const extra of [0, PLAN.fused]) {
      const plan = pool | extra;
      tasks[`B read and written: ${planName(plan)}`] = () =>
        X.valueAndGradientF32(0, n, k, p, g, out, 1, false, scratch, plan);
    }
  tasks["roofline: copy of A"] = () => R.copySimd(dst, src, groupBytes);
  for (const plan of pooling) tasks[`F: ${planName(plan)}`] = () => X.valueF32(n, m, k, p, g, scratch, plan);
  for (const pool of pooling)
    for (const extra of [0, PLAN.fill, PLAN.touch].flatMap((writes) => [writes, writes | PLAN.fused])) {
      const plan = pool | extra;
      tasks[`F+dF/dphi: ${planName(plan)}`] = () => X.valueAndGradientF32(n, m, k, p, g, out, 1, false, scratch, plan);
    }
  for (const plan of pooling)
    tasks[`dF/dh: ${planName(plan)}`] = () => X.gateGradientF32(n, m, k, p, g, dots, scratch, plan);

  const best = Object.fromEntries(Object.keys(tasks).map((t) => [t, Infinity]));
  const rounds = Math.max(15, Math.min(1000, Math.round(1e9 / bytes)));
  const names = Object.keys(tasks);
  for (let i = 0; i < rounds; i++) {
    // a different order each round, so that no task always follows the same one
    for (let j = 0; j < names.length; j++) {
      const name = names[(j * 7 + i) % names.length];
      const t = performance.now();
      tasks[name]();
      best[name] = Math.min(best[name], performance.now() - t);
    }
  }
  // what each task is measured against
  const ref = (name) => {
    if (name == "dots A" && dotsFloor) return "roofline: dots of A";
    if (name.startsWith("F+dF/dphi")) return "roofline: copy of phi";
    if (name.startsWith("B read")) return "roofline: copy of A";
    if (name.startsWith("F:") || name.startsWith("dF/dh")) return "roofline: read of phi";
    return "roofline: read of A";
  };
  print(`\n## n = m = ${n}, k = ${k} (phi ${(bytes / 2 ** 20).toFixed(1)} MiB), minimum of ${rounds} rounds\n`);
  print("| task | ms | against |\n|---|---:|---|");
  for (const name of names) {
    const against =
      name.startsWith("roofline") && name != "roofline: dots of A"
        ? ""
        : `${(best[name] / best[ref(name)]).toFixed(2)}x ${ref(name).slice(10)}`;
    print(`| ${name} | ${best[name].toFixed(4)} | ${against} |`);
  }
}

if (!process.argv[2]) {
  const dir = new URL(`results/${cpuSlug(cpus()[0].model.trim())}/`, import.meta.url);
  mkdirSync(dir, { recursive: true });
  writeFileSync(new URL("phases.md", dir), lines.join("\n") + "\n");
}
