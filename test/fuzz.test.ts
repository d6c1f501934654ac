// A property-based fuzz of the whole public surface (fast-check): every exported function and
// method, their options, shapes from 0 to past the 4 GiB limit, and every argument type, valid
// or broken one argument at a time. The invariant of every case:
//
// - a valid call returns the float64 reference's result (the data are small integers and
//   halves, so every sum is exact in f32 and f64 and the comparison is exact);
// - a call with a broken argument throws a TypeError, RangeError or Error whose message starts
//   with the function's name and names the broken argument: never a WebAssembly trap, a raw
//   "Cannot read properties" or a result;
// - no case hangs (async ones run under a timeout), the caller's arrays are unchanged (but
//   `out`), the memory guard's canaries are intact, and the next correct call is still right.
//
// Runs in Node and in Chromium within a fixed budget: fixed seeds and run counts
// (FUZZ_RUNS=n in the environment multiplies them and FUZZ_SEED=s changes the seed, for a
// longer search by hand).
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as lib from "../src/index.js";
import type { FloatArray, Precision, Problem, Shape, ThreadPool } from "../src/index.js";
import { verifyMemories } from "../src/wasm/memory.js";
import { generator } from "../src/util/random.js";
import { referenceGateGradient, referenceGradient, referencePooled, referenceValue } from "../src/reference.js";

await lib.init();

const env = (globalThis as { process?: { env?: Record<string, string> } }).process?.env ?? {};
const SEED = Number(env.FUZZ_SEED ?? 20261129);
const SCALE = Number(env.FUZZ_RUNS ?? 1) || 1;
const runs = (n: number) => Math.max(1, Math.round(n * SCALE));
/** Each property's time limit: a longer search by hand gets longer. */
const LIMIT = 120_000 * SCALE;
const Types = { f32: Float32Array, f64: Float64Array } as const;
const other = (p: Precision): Precision => (p === "f32" ? "f64" : "f32");

// --- the invariant ------------------------------------------------------------------------

/** A call to make: its function as errors name it, and what it must do. */
interface Case {
  readonly fn: string;
  /** the argument names an error may name; empty for a valid call, which must succeed */
  readonly broken: readonly string[];
  readonly label: string;
  run(): unknown;
  /** checks a valid call's result against the reference */
  check?(result: unknown): void;
  /** the caller's arrays, which must come back unchanged (read again: a view may be rebuilt after growth) */
  readonly inputs?: () => readonly ArrayLike<number>[];
  cleanup?(): void;
}

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

/** A refusal of work beyond wasm32 memory names the shape by its fields. */
const MEMORY_REFUSAL = /\{ n: \d+, m: \d+, k: \d+ \}.* needs [\d,]+ bytes .* of wasm memory/;

function checkError(error: unknown, c: Case): void {
  const where = `${c.label}: ${c.fn}`;
  if (!(error instanceof Error)) throw new Error(`${where} threw a non-Error: ${String(error)}`);
  if (error instanceof WebAssembly.RuntimeError) throw new Error(`${where} trapped: ${error.message}`);
  if (![TypeError, RangeError, Error].includes(error.constructor as ErrorConstructor)) {
    throw new Error(`${where} threw a ${error.constructor.name}: ${error.message}`);
  }
  if (c.broken.length === 0) throw new Error(`${where} refused a valid call: ${error.message}`);
  if (!error.message.startsWith(`${c.fn}(): `) && !error.message.startsWith(`${c.fn}: `)) {
    throw new Error(`${where}: the message does not start with the function's name: ${error.message}`);
  }
  const named = c.broken.some((name) => new RegExp(`(^|[^\\w.])${escape(name)}($|[^\\w])`).test(error.message));
  if (!named && !MEMORY_REFUSAL.test(error.message)) {
    throw new Error(`${where}: the message names none of ${c.broken.join(", ")}: ${error.message}`);
  }
}

const copies = (arrays: (() => readonly ArrayLike<number>[]) | undefined) =>
  (arrays?.() ?? []).map((a) => Array.from(a));

function sameNumbers(actual: ArrayLike<number>, expected: ArrayLike<number>, what: string): void {
  if (actual.length !== expected.length)
    throw new Error(`${what}: length ${actual.length}, expected ${expected.length}`);
  for (let i = 0; i < actual.length; i++) {
    const a = actual[i],
      b = expected[i];
    if (!(a === b || (Number.isNaN(a) && Number.isNaN(b)))) throw new Error(`${what}[${i}] = ${a}, expected ${b}`);
  }
}

/** A property: `count` cases drawn from `arbitrary` (times FUZZ_RUNS), each made by `makeCase` and verified. */
function fuzz<T>(title: string, arbitrary: fc.Arbitrary<T>, makeCase: (x: T) => Case, count: number): void {
  it(title, { timeout: LIMIT }, async () => {
    await fc.assert(
      fc.asyncProperty(arbitrary, (x) => verify(makeCase(x))),
      { seed: SEED, numRuns: runs(count) },
    );
  });
}

// the next correct call, after every case
const sentinel = { phi: new Float32Array([1, 2, 3, 4, 5, 6]), h: [1, 1, 1], shape: { n: 2, m: 1, k: 2 } };
const SENTINEL_VALUE = (1 + 3) * 5 + (2 + 4) * 6;

async function verify(c: Case): Promise<void> {
  const before = copies(c.inputs);
  let outcome: { result: unknown } | { error: unknown };
  try {
    let result = c.run();
    if (result instanceof Promise) {
      let timer: ReturnType<typeof setTimeout> | undefined;
      const timeout = new Promise(
        (_, reject) =>
          (timer = setTimeout(() => reject(new Error(`${c.label}: ${c.fn} did not settle within 20 s`)), 20_000)),
      );
      try {
        result = await Promise.race([result, timeout]);
      } finally {
        clearTimeout(timer);
      }
    }
    outcome = { result };
  } catch (error) {
    if (error instanceof Error && error.message.endsWith("did not settle within 20 s")) throw error;
    outcome = { error };
  }
  try {
    if ("error" in outcome) checkError(outcome.error, c);
    else if (c.broken.length > 0) throw new Error(`${c.label}: ${c.fn} accepted a broken ${c.broken.join(" / ")}`);
    else c.check?.(outcome.result);
    copies(c.inputs).forEach((after, i) => sameNumbers(after, before[i], `${c.label}: input ${i} after ${c.fn}`));
  } finally {
    c.cleanup?.();
  }
  verifyMemories();
  expect(lib.value(sentinel.phi, sentinel.h, sentinel.shape)).toBe(SENTINEL_VALUE);
}

// --- problems made of exact data ----------------------------------------------------------

/** A problem as plain numbers: integers in [-6, 6] (halves among the gates) so every sum is exact. */
interface Data {
  readonly precision: Precision;
  readonly shape: Shape;
  readonly phi: number[];
  readonly gates: number[];
  /** gates passed as a Uint8Array, a typed array of phi's type, an array, or sparse */
  readonly form: "u8" | "float" | "array" | "sparse" | "sparse-weighted";
  /** phi (and dense gates) passed as views of a live Problem */
  readonly inWasm: boolean;
}

const small = fc.oneof({ weight: 6, arbitrary: fc.nat(24) }, { weight: 1, arbitrary: fc.constantFrom(0, 1) });
const blockEdge = fc.constantFrom(255, 256, 257);

const dataArbitrary: fc.Arbitrary<Data> = fc
  .record({
    precision: fc.constantFrom<Precision>("f32", "f64"),
    big: fc.boolean(),
    form: fc.constantFrom<Data["form"]>("u8", "float", "array", "sparse", "sparse-weighted"),
    inWasm: fc.boolean(),
  })
  .chain(({ precision, big, form, inWasm }) =>
    fc
      .record({
        n: big ? fc.oneof(blockEdge, small) : small,
        m: big ? fc.oneof(blockEdge, small) : small,
        k: big ? fc.integer({ min: 0, max: 3 }) : fc.integer({ min: 0, max: 12 }),
      })
      .chain((shape) => {
        const rows = shape.n + shape.m;
        const limit = big ? 2 : 6;
        const gate =
          form === "u8"
            ? fc.constantFrom(0, 1, 2)
            : form === "sparse"
              ? fc.constantFrom(0, 1)
              : fc.constantFrom(0, 0, 1, 1, 2, -1, 0.5);
        return fc
          .record({
            gates: fc.array(gate, { minLength: rows, maxLength: rows }),
            phi: fc.array(fc.integer({ min: -limit, max: limit }), {
              minLength: rows * shape.k,
              maxLength: rows * shape.k,
            }),
            nanInAbsent: fc.boolean(),
          })
          .map(({ gates, phi, nanInAbsent }) => {
            // NaN in rows whose gate is 0 must not reach any result but their own dF/dh
            if (nanInAbsent && shape.k > 0) gates.forEach((g, r) => void (g === 0 && (phi[r * shape.k] = NaN)));
            return { precision, shape, phi, gates, form, inWasm };
          });
      }),
  );

/** The arrays of a Data, built: phi and h as the call passes them, and what must stay unchanged. */
function materialise(d: Data) {
  const Type = Types[d.precision];
  const owned: Problem[] = [];
  let phi: FloatArray = Type.from(d.phi);
  let denseH: FloatArray | Uint8Array | number[] =
    d.form === "u8" ? Uint8Array.from(d.gates) : d.form === "array" ? [...d.gates] : Type.from(d.gates);
  let current = () => [phi, denseH as ArrayLike<number>];
  if (d.inWasm) {
    const p = lib.createProblem(d.shape, { precision: d.precision }) as Problem;
    owned.push(p);
    p.phi.set(phi);
    phi = p.phi;
    if (d.form === "float") {
      p.h.set(d.gates);
      denseH = p.h;
    }
    const plainH = denseH;
    current = () => [p.phi, d.form === "float" ? p.h : (plainH as ArrayLike<number>)];
  }
  const listed = d.gates.flatMap((g, r) => (g !== 0 ? [r] : []));
  const h =
    d.form === "sparse"
      ? { index: Uint32Array.from(listed) }
      : d.form === "sparse-weighted"
        ? { index: Uint32Array.from(listed), weight: Type.from(listed.map((r) => d.gates[r])) }
        : denseH;
  const inputs = () => (d.form.startsWith("sparse") ? [current()[0], listed] : current());
  // views die when memory grows: read them again once everything a case needs is allocated
  const views = () => ({ phi: current()[0], h: d.form.startsWith("sparse") ? h : current()[1] });
  return { phi, h, listed, inputs, views, cleanup: () => owned.forEach((p) => p.dispose()) };
}

/** A view of crossgrad memory that was freed: refused wherever an array goes. */
function staleView(precision: Precision, length: number): FloatArray {
  const p = lib.createProblem({ n: length, m: 0, k: 1 }, { precision });
  const view = p.phi;
  p.dispose();
  return view;
}

// --- the copying API ----------------------------------------------------------------------

type Args = { phi: unknown; h: unknown; shape: unknown; options?: unknown };

/** One argument broken, and the names an error may give it. */
interface Breakage {
  readonly names: readonly string[];
  apply(args: Args, d: Data): void;
}

const shapeBreakages: Record<string, Breakage> = {
  "shape: a number": { names: ["shape"], apply: (a) => void (a.shape = 3) },
  "shape: null": { names: ["shape"], apply: (a) => void (a.shape = null) },
  "shape.n negative": { names: ["shape"], apply: (a, d) => void (a.shape = { ...d.shape, n: -1 }) },
  "shape.k fractional": { names: ["shape"], apply: (a, d) => void (a.shape = { ...d.shape, k: 1.5 }) },
  "shape.m NaN": { names: ["shape"], apply: (a, d) => void (a.shape = { ...d.shape, m: NaN }) },
  "shape.k missing": { names: ["shape"], apply: (a, d) => void (a.shape = { n: d.shape.n, m: d.shape.m }) },
  "shape.n a string": { names: ["shape"], apply: (a, d) => void (a.shape = { ...d.shape, n: "3" }) },
  "shape.n + shape.m past 2^32": { names: ["shape"], apply: (a) => void (a.shape = { n: 2 ** 31, m: 2 ** 31, k: 0 }) },
  // placeable by type, not by size: past 4 GiB of scratch, or a phi that cannot match
  "shape.k past 4 GiB": {
    names: ["shape", "phi", "h"],
    apply: (a, d) => void (a.shape = { ...d.shape, k: 2 ** 32 - 1 }),
  },
  "shape.k at 1e8": { names: ["shape", "phi", "h"], apply: (a, d) => void (a.shape = { ...d.shape, k: 1e8 }) },
  "shape.n at 2^32 - 1": {
    names: ["shape", "phi", "h"],
    apply: (a, d) => void (a.shape = { n: 2 ** 32 - 1, m: 0, k: d.shape.k || 1 }),
  },
};

const phiBreakages: Record<string, Breakage> = {
  "phi: null": { names: ["phi"], apply: (a) => void (a.phi = null) },
  "phi: an Array": { names: ["phi"], apply: (a, d) => void (a.phi = [...d.phi]) },
  "phi: an Int32Array": { names: ["phi"], apply: (a, d) => void (a.phi = Int32Array.from(d.phi)) },
  "phi: a string": { names: ["phi"], apply: (a) => void (a.phi = "phi") },
  "phi: one element too many": {
    names: ["phi"],
    apply: (a, d) => void (a.phi = Types[d.precision].from([...d.phi, 1])),
  },
  "phi: a view of freed memory": {
    names: ["phi"],
    apply: (a, d) => void (a.phi = staleView(d.precision, d.phi.length || 1)),
  },
};

const hBreakages: Record<string, Breakage> = {
  "h: one gate short": { names: ["h"], apply: (a, d) => void (a.h = d.gates.length ? d.gates.slice(1) : [1]) },
  "h: an Int16Array": { names: ["h"], apply: (a, d) => void (a.h = Int16Array.from(d.gates)) },
  "h: strings": { names: ["h"], apply: (a, d) => void (a.h = d.gates.length ? d.gates.map(String) : ["1"]) },
  "h: null": { names: ["h"], apply: (a) => void (a.h = null) },
  "h: a string": { names: ["h"], apply: (a) => void (a.h = "110") },
  "h: an array-like object": { names: ["h"], apply: (a, d) => void (a.h = { length: d.gates.length }) },
  "h.index: an Array": { names: ["h"], apply: (a) => void (a.h = { index: [0] }) },
  "h.index: past the last row": {
    names: ["h"],
    apply: (a, d) => void (a.h = { index: new Uint32Array([d.shape.n + d.shape.m]) }),
  },
  "h.index: repeated": {
    names: ["h"],
    apply: (a, d) => void (a.h = { index: new Uint32Array(d.shape.n + d.shape.m > 0 ? [0, 0] : [1]) }),
  },
  "h.index: decreasing": {
    names: ["h"],
    apply: (a, d) => void (a.h = { index: new Uint32Array(d.shape.n + d.shape.m > 1 ? [1, 0] : [5]) }),
  },
  "h.weight: of the other precision": {
    names: ["h"],
    apply: (a, d) => void (a.h = { index: new Uint32Array(0), weight: new Types[other(d.precision)](0) }),
  },
  "h.weight: too short": {
    names: ["h"],
    apply: (a, d) =>
      void (a.h = { index: new Uint32Array(d.shape.n + d.shape.m > 0 ? [0] : [9]), weight: new Types[d.precision](0) }),
  },
  "h: a view of freed memory": {
    names: ["h", "phi"],
    apply: (a, d) =>
      void (a.h = staleView(d.precision, Math.max(1, d.gates.length)).subarray(0, d.gates.length || undefined)),
  },
};

// a broken h may change the layout an out must have: those cases pass no out
for (const breakage of Object.values(hBreakages)) {
  const apply = breakage.apply;
  (breakage as { apply: Breakage["apply"] }).apply = (a, d) => {
    apply(a, d);
    if (a.options) a.options = { ...(a.options as object), out: undefined };
  };
}

const optionBreakages: Record<string, Breakage> = {
  "options: a number": { names: ["options"], apply: (a) => void (a.options = 5) },
  "options: null": { names: ["options"], apply: (a) => void (a.options = null) },
  "options: a string": { names: ["options"], apply: (a) => void (a.options = "out") },
  "options.out: the other precision": {
    names: ["options"],
    apply: (a, d) => void (a.options = { out: new Types[other(d.precision)](d.phi.length) }),
  },
  "options.out: an Int8Array": {
    names: ["options"],
    apply: (a, d) => void (a.options = { out: new Int8Array(d.phi.length) }),
  },
  "options.out: one element too many": {
    names: ["options"],
    apply: (a, d) => void (a.options = { out: new Types[d.precision](d.phi.length + d.gates.length + 1) }),
  },
  "options.out: a view of freed memory": {
    names: ["options"],
    apply: (a, d) => void (a.options = { out: staleView(d.precision, Math.max(1, d.phi.length)) }),
  },
};

const gradientOptionBreakages: Record<string, Breakage> = {
  ...optionBreakages,
  "options.scale: a string": { names: ["options"], apply: (a) => void (a.options = { scale: "2" }) },
  "options.accumulate: a number": { names: ["options"], apply: (a) => void (a.options = { accumulate: 1 }) },
};

/** The reference's dF/dphi rows as a call with these options returns them. */
function expectedGradient(
  d: Data,
  listed: number[],
  options: { scale: number; accumulate: boolean; out?: number[] },
): number[] {
  const { n, m, k } = d.shape;
  const full = referenceGradient(d.phi, d.gates, d.shape);
  const sparse = d.form.startsWith("sparse");
  const dense = !sparse || options.out?.length === (n + m) * k;
  const rows = dense ? Array.from({ length: n + m }, (_, r) => r) : listed;
  const out = rows.flatMap((r) => Array.from({ length: k }, (_, l) => options.scale * full[r * k + l]));
  if (options.accumulate && options.out) {
    return out.map((x, i) => {
      const r = rows[Math.floor(i / k)];
      // absent rows are left as they were when accumulating
      return d.gates[r] === 0 ? options.out![i] : options.out![i] + x;
    });
  }
  // sparse into a dense out: unlisted rows are zeroed
  return out.map((x, i) => (d.gates[rows[Math.floor(i / k)]] === 0 ? 0 : x));
}

const copyingCalls = ["value", "gradient", "gateGradient", "valueAndGradient", "pooled"] as const;

const copyingDescription = fc.record({
  fn: fc.constantFrom(...copyingCalls),
  d: dataArbitrary,
  breakage: fc.option(
    fc.constantFrom(...Object.keys({ ...shapeBreakages, ...phiBreakages, ...hBreakages, ...gradientOptionBreakages })),
    { freq: 2 },
  ),
  scale: fc.constantFrom(1, -0.5, 2, 0),
  accumulate: fc.boolean(),
  out: fc.constantFrom("none", "plain", "dense", "wasm"),
  prior: fc.integer({ min: -3, max: 3 }),
});

function copyingCase(x: typeof copyingDescription extends fc.Arbitrary<infer T> ? T : never): Case {
  const { fn, d } = x;
  const built = materialise(d);
  const args: Args = { phi: built.phi, h: built.h, shape: { ...d.shape } };
  const { n, m, k } = d.shape;
  const sparse = d.form.startsWith("sparse");
  const cleanups = [built.cleanup];
  let outPrior: number[] | undefined;
  let outView: (() => FloatArray) | undefined;
  if (fn === "gradient" || fn === "valueAndGradient" || fn === "gateGradient") {
    const length =
      fn === "gateGradient"
        ? sparse
          ? built.listed.length
          : n + m
        : x.out === "dense" || !sparse
          ? (n + m) * k
          : built.listed.length * k;
    const options: { scale?: number; accumulate?: boolean; out?: FloatArray } =
      fn === "gateGradient" ? {} : { scale: x.scale, accumulate: x.accumulate };
    if (x.out !== "none") {
      outPrior = Array.from({ length }, (_, i) => ((i * 7 + x.prior) % 5) - 2);
      if (x.out === "wasm" && length > 0) {
        const p = lib.createProblem({ n: length, m: 0, k: 1 }, { precision: d.precision });
        p.phi.set(outPrior);
        options.out = p.phi;
        outView = () => p.phi;
        cleanups.push(() => p.dispose());
      } else options.out = Types[d.precision].from(outPrior);
    }
    args.options = options;
  }
  const original = { phi: args.phi, h: args.h, out: (args.options as { out?: unknown } | undefined)?.out };
  const breakage =
    x.breakage === null
      ? undefined
      : { ...shapeBreakages, ...phiBreakages, ...hBreakages, ...gradientOptionBreakages }[x.breakage];
  // options only break the calls that take them: scale and accumulate, gradient and valueAndGradient
  const takesOptions = fn !== "value" && fn !== "pooled";
  const takesScale = fn === "gradient" || fn === "valueAndGradient";
  const applies =
    breakage &&
    (!(x.breakage! in gradientOptionBreakages) || (x.breakage! in optionBreakages ? takesOptions : takesScale));
  if (applies) breakage.apply(args, d);
  // views die when memory grows (a breakage may allocate): what it left alone is read again
  const fresh = built.views();
  if (args.phi === original.phi) args.phi = fresh.phi;
  if (args.h === original.h) args.h = fresh.h;
  const opts = args.options as { out?: unknown } | undefined;
  if (outView && opts && opts.out === original.out) args.options = { ...opts, out: outView() };
  const broken = applies ? breakage.names : [];
  const call = () => {
    const f = lib[fn] as (...a: unknown[]) => unknown;
    return args.options === undefined ? f(args.phi, args.h, args.shape) : f(args.phi, args.h, args.shape, args.options);
  };
  const options = args.options as { scale?: number; accumulate?: boolean; out?: FloatArray } | undefined;
  const check = (result: unknown) => {
    const F = referenceValue(d.phi, d.gates, d.shape);
    const gradient = () =>
      expectedGradient(d, built.listed, {
        scale: options?.scale ?? 1,
        accumulate: options?.accumulate ?? false,
        out: options?.out && outPrior,
      });
    if (fn === "value") sameNumbers([result as number], [F], "value");
    else if (fn === "pooled") {
      const { u, v } = referencePooled(d.phi, d.gates, d.shape);
      sameNumbers((result as { u: FloatArray }).u, u, "u");
      sameNumbers((result as { v: FloatArray }).v, v, "v");
    } else if (fn === "gateGradient") {
      const full = referenceGateGradient(d.phi, d.gates, d.shape);
      sameNumbers(result as FloatArray, sparse ? built.listed.map((r) => full[r]) : full, "gateGradient");
    } else if (fn === "gradient") sameNumbers(result as FloatArray, gradient(), "gradient");
    else {
      sameNumbers([(result as { value: number }).value], [F], "value");
      sameNumbers((result as { gradient: FloatArray }).gradient, gradient(), "gradient");
    }
    if (
      options?.out &&
      result !== options.out &&
      (result as { gradient?: unknown }).gradient !== options.out &&
      options.out.length > 0 &&
      options.out.buffer.byteLength > 0
    ) {
      throw new Error(`${fn} did not return its out`);
    }
  };
  return {
    fn,
    broken,
    label: `${fn} ${d.precision} ${JSON.stringify(d.shape)} ${d.form}${d.inWasm ? " in wasm" : ""} out=${x.out}${applies ? ` [${x.breakage}]` : ""}`,
    run: call,
    check,
    inputs: built.inputs,
    cleanup: () => cleanups.forEach((f) => f()),
  };
}

describe("fuzz: the copying API", () => {
  fuzz(
    "value, gradient, gateGradient, valueAndGradient and pooled: the reference, or an error naming the broken argument",
    copyingDescription,
    copyingCase,
    6000,
  );
});

// --- Problems -------------------------------------------------------------------------------

const problemMethods = ["value", "gradient", "valueAndGradient", "gateGradient", "pooled", "phi", "h"] as const;

const problemDescription = fc.record({
  d: dataArbitrary.filter((d) => !d.form.startsWith("sparse")),
  method: fc.constantFrom(...problemMethods),
  scale: fc.constantFrom(1, -0.5, 2),
  accumulate: fc.boolean(),
  breakage: fc.option(
    fc.constantFrom(
      "shape",
      "shape past 4 GiB",
      "options: null",
      "options.precision",
      "method options",
      "method options.scale",
      "disposed",
    ),
    { freq: 2 },
  ),
});

function problemCase(x: typeof problemDescription extends fc.Arbitrary<infer T> ? T : never): Case {
  const { d, method } = x;
  let shape: unknown = d.shape;
  let createOptions: unknown = { precision: d.precision };
  if (x.breakage === "shape") shape = { ...d.shape, k: -2 };
  if (x.breakage === "shape past 4 GiB") shape = { n: 2 ** 20, m: 2 ** 20, k: 600 };
  if (x.breakage === "options: null") createOptions = null;
  if (x.breakage === "options.precision") createOptions = { precision: "f16" };
  if (["shape", "shape past 4 GiB", "options: null", "options.precision"].includes(x.breakage ?? "")) {
    return {
      fn: "createProblem",
      broken: ["shape", "options"],
      label: `createProblem [${x.breakage}]`,
      run: () => lib.createProblem(shape as Shape, createOptions as never),
    };
  }
  const p = lib.createProblem(d.shape, { precision: d.precision }) as Problem;
  p.phi.set(d.phi);
  p.h.set(d.gates);
  const takesOptions = method === "gradient" || method === "valueAndGradient";
  let options: unknown = takesOptions ? { scale: x.scale, accumulate: x.accumulate } : undefined;
  let broken: string[] = [];
  if (x.breakage === "disposed") {
    p.dispose();
    broken = ["Problem"];
  } else if (takesOptions && x.breakage === "method options") {
    options = 7;
    broken = ["options"];
  } else if (takesOptions && x.breakage === "method options.scale") {
    options = { scale: null };
    broken = ["options"];
  }
  const fn = method === "phi" || method === "h" ? `Problem.${method}` : `Problem.${method}`;
  const run = () =>
    method === "phi" || method === "h" ? p[method] : (p[method] as (o?: unknown) => unknown).call(p, options);
  const check = (result: unknown) => {
    const scale = x.scale;
    const G = Array.from(referenceGradient(d.phi, d.gates, d.shape), (g) => scale * g);
    if (method === "phi") sameNumbers(result as FloatArray, d.phi, "phi");
    else if (method === "h") sameNumbers(result as FloatArray, d.gates, "h");
    else if (method === "value") sameNumbers([result as number], [referenceValue(d.phi, d.gates, d.shape)], "value");
    else if (method === "gateGradient")
      sameNumbers(result as FloatArray, referenceGateGradient(d.phi, d.gates, d.shape), "gateGradient");
    else if (method === "pooled") {
      const { u, v } = referencePooled(d.phi, d.gates, d.shape);
      sameNumbers((result as { u: FloatArray }).u, u, "u");
      sameNumbers((result as { v: FloatArray }).v, v, "v");
    } else {
      // the gradient region starts at zeros: accumulating adds to them
      const gradient = method === "gradient" ? (result as FloatArray) : (result as { gradient: FloatArray }).gradient;
      sameNumbers(
        gradient,
        G.map((g) => g + 0),
        "gradient",
      );
      if (method === "valueAndGradient")
        sameNumbers([(result as { value: number }).value], [referenceValue(d.phi, d.gates, d.shape)], "value");
    }
  };
  return {
    fn,
    broken,
    label: `Problem.${method} ${d.precision} ${JSON.stringify(d.shape)}${x.breakage ? ` [${x.breakage}]` : ""}`,
    run,
    check,
    cleanup: () => p.dispose(),
  };
}

describe("fuzz: Problems", () => {
  fuzz(
    "createProblem and every method and getter: the reference, or an error naming the broken argument",
    problemDescription,
    problemCase,
    2000,
  );
});

// --- batches ----------------------------------------------------------------------------------

const batchDescription = dataArbitrary
  .filter((d) => !d.inWasm && d.form !== "u8")
  .chain((d) => {
    const rows = d.shape.n + d.shape.m;
    const set = fc
      .uniqueArray(fc.nat(Math.max(0, rows - 1)), { maxLength: Math.min(rows, 6) })
      .map((r) => (rows ? r.sort((a, b) => a - b) : []));
    return fc.record({
      d: fc.constant(d),
      sets: fc.array(set, { maxLength: 5 }),
      dense: fc.boolean(),
      weighted: fc.boolean(),
      setWeights: fc.array(fc.constantFrom(1, -1, 2, 0.5, 0), { minLength: 5, maxLength: 5 }),
      scale: fc.constantFrom(1, -2, 0.5),
      accumulate: fc.boolean(),
      out: fc.constantFrom("none", "dense", "listed"),
      breakage: fc.option(
        fc.constantFrom(
          "sets: null",
          "sets.indptr: an Array",
          "sets.indptr: not ending at index.length",
          "sets.index: past the last row",
          "sets.weight: of the other precision",
          "sets.gates: too short",
          "sets.count: negative",
          "pooled: null",
          "pooled.u: too short",
          "pooled.v: missing",
          "weights: strings",
          "weights: too short",
          "weights: an object",
          "options: a number",
          "options.out: too long",
          "shape.k: NaN",
          "phi: a view of freed memory",
        ),
        { freq: 2 },
      ),
    });
  });

function batchCase(x: typeof batchDescription extends fc.Arbitrary<infer T> ? T : never): Case {
  const { d } = x;
  const Type = Types[d.precision];
  const { n, m, k } = d.shape;
  const rows = n + m;
  const weightOf = (r: number) => (x.weighted ? d.gates[r] || 1 : 1);
  const gateSets = x.sets.map((set) => {
    const gates = new Array(rows).fill(0);
    for (const r of set) gates[r] = weightOf(r);
    return gates;
  });
  const csr = {
    indptr: Uint32Array.from([
      0,
      ...x.sets.map((_, b) => x.sets.slice(0, b + 1).reduce((sum, s) => sum + s.length, 0)),
    ]),
    index: Uint32Array.from(x.sets.flat()),
    ...(x.weighted ? { weight: Type.from(x.sets.flat().map(weightOf)) } : {}),
  };
  let sets: unknown = x.dense ? { gates: Type.from(gateSets.flat()), count: x.sets.length } : csr;
  let phi: unknown = Type.from(d.phi);
  let shape: unknown = d.shape;
  const setWeights = x.setWeights.slice(0, x.sets.length);
  let weights: unknown = setWeights;
  const entries = x.sets.flat().length;
  // the documented rule: an out of (n + m) k elements is dense, also when the listed rows number n + m
  const denseOut = x.dense || x.out === "dense" || (x.out === "listed" && entries === rows);
  const outLength = denseOut ? rows * k : entries * k;
  const outPrior = Array.from({ length: outLength }, (_, i) => (i % 3) - 1);
  const options: Record<string, unknown> = { scale: x.scale, accumulate: x.accumulate };
  if (x.out !== "none" && !(x.out === "listed" && x.dense)) options.out = Type.from(outPrior);
  let optionsArg: unknown = options;
  const phase =
    x.breakage?.startsWith("pooled") || x.breakage?.startsWith("weights") || x.breakage?.startsWith("options")
      ? "gradient"
      : "pooled";
  let pooledArg: unknown;
  const broken: string[] = [];
  const csrOnly = (b: string) =>
    b.startsWith("sets.indptr") || b.startsWith("sets.index") || b.startsWith("sets.weight");
  const applies =
    x.breakage !== null &&
    !(csrOnly(x.breakage) && x.dense) &&
    !(x.breakage.startsWith("sets.gates") || x.breakage.startsWith("sets.count") ? !x.dense || rows === 0 : false);
  if (applies) {
    const b = x.breakage!;
    broken.push(b.split(/[.:]/)[0]);
    if (b === "sets: null") sets = null;
    if (b === "sets.indptr: an Array") sets = { ...csr, indptr: Array.from(csr.indptr) };
    if (b === "sets.indptr: not ending at index.length")
      sets = { ...csr, indptr: Uint32Array.from([...csr.indptr.slice(0, -1), entries + 1]) };
    if (b === "sets.index: past the last row")
      sets = { indptr: new Uint32Array([0, 1]), index: new Uint32Array([rows]) };
    if (b === "sets.weight: of the other precision") sets = { ...csr, weight: new Types[other(d.precision)](entries) };
    if (b === "sets.gates: too short") sets = { gates: Type.from(gateSets.flat().slice(1)), count: x.sets.length || 1 };
    if (b === "sets.count: negative") sets = { gates: new Type(0), count: -1 };
    if (b === "shape.k: NaN") shape = { n, m, k: NaN };
    if (b === "phi: a view of freed memory")
      phi = staleView(d.precision, Math.max(1, d.phi.length)).subarray(0, d.phi.length || 1);
    if (b === "phi: a view of freed memory" && d.phi.length === 0) broken.push("shape");
  }
  const run = () => {
    const p = lib.batchPooled(phi as FloatArray, sets as never, shape as Shape);
    if (phase === "pooled" && broken.length) return p;
    pooledArg = p;
    if (applies) {
      const b = x.breakage!;
      if (b === "pooled: null") pooledArg = null;
      if (b === "pooled.u: too short") pooledArg = { ...p, u: p.u.length ? p.u.subarray(1) : new Type(1) };
      if (b === "pooled.v: missing") pooledArg = { ...p, v: undefined };
      if (b === "weights: strings") weights = setWeights.length ? setWeights.map(String) : ["1"];
      if (b === "weights: too short") weights = setWeights.slice(1);
      if (b === "weights: an object") weights = { length: setWeights.length };
      if (b === "options: a number") optionsArg = 3;
      if (b === "options.out: too long") optionsArg = { out: new Type(outLength + rows * k + 1) };
      if (b === "weights: too short" && setWeights.length === 0) weights = [1];
    }
    return {
      p,
      gradient: lib.batchGradient(
        sets as never,
        shape as Shape,
        pooledArg as never,
        weights as never,
        optionsArg as never,
      ),
    };
  };
  const check = (result: unknown) => {
    const { p, gradient } = result as { p: lib.BatchPooled; gradient: FloatArray };
    const refs = gateSets.map((gates) => ({
      F: referenceValue(d.phi, gates, d.shape),
      ...referencePooled(d.phi, gates, d.shape),
    }));
    sameNumbers(
      p.values,
      refs.map((r) => r.F),
      "values",
    );
    sameNumbers(
      p.u,
      refs.flatMap((r) => [...r.u]),
      "u",
    );
    sameNumbers(
      p.v,
      refs.flatMap((r) => [...r.v]),
      "v",
    );
    const add = x.accumulate && options.out !== undefined;
    let expected: number[];
    if (denseOut) {
      const sum = new Array(rows * k).fill(0);
      gateSets.forEach((gates, b) => {
        const G = referenceGradient(d.phi, gates, d.shape);
        for (let i = 0; i < sum.length; i++) sum[i] += x.scale * setWeights[b] * G[i];
      });
      expected = add ? sum.map((g, i) => outPrior[i] + g) : sum;
    } else {
      expected = x.sets.flatMap((set, b) =>
        set.flatMap((r) =>
          Array.from(
            { length: k },
            (_, l) => x.scale * setWeights[b] * weightOf(r) * (r < n ? refs[b].v[l] : refs[b].u[l]),
          ),
        ),
      );
      if (add) expected = expected.map((g, i) => outPrior[i] + g);
    }
    sameNumbers(gradient, expected, "batch gradient");
  };
  return {
    fn: phase === "gradient" || (applies && x.breakage!.startsWith("options")) ? "batchGradient" : "batchPooled",
    broken,
    label: `batch ${d.precision} ${JSON.stringify(d.shape)} ${x.dense ? "dense" : "csr"} sets=${x.sets.length} out=${x.out}${applies ? ` [${x.breakage}]` : ""}`,
    run,
    check,
  };
}

describe("fuzz: batches", () => {
  fuzz(
    "batchPooled and batchGradient: the reference, or an error naming the broken argument",
    batchDescription,
    batchCase,
    2500,
  );
});

// --- chunks -------------------------------------------------------------------------------------

const chunkDescription = fc
  .record({
    precision: fc.constantFrom<Precision>("f32", "f64"),
    n: fc.constantFrom(0, 100, 256, 300, 512),
    m: fc.constantFrom(0, 100, 256, 300, 512),
    k: fc.integer({ min: 0, max: 3 }),
    seed: fc.nat(),
    cuts: fc.array(fc.nat(4), { maxLength: 4 }),
    pick: fc.nat(),
    scale: fc.constantFrom(1, -1, 0.5),
    accumulate: fc.boolean(),
    withOut: fc.boolean(),
    breakage: fc.option(
      fc.constantFrom(
        "start: off a block boundary",
        "start: negative",
        "start: a string",
        "parts: empty",
        "parts: a null part",
        "parts: a part relabelled",
        "parts: sums too short",
        "parts: another table",
        "pooled: null",
        "pooled.v: too long",
        "h: one gate short",
        "phi: not whole rows",
        "options.accumulate: a string",
      ),
      { freq: 2 },
    ),
  })
  .filter((x) => x.n + x.m > 0);

function chunkCase(x: typeof chunkDescription extends fc.Arbitrary<infer T> ? T : never): Case {
  const { n, m, k, precision } = x;
  const shape = { n, m, k };
  const Type = Types[precision];
  const next = generator(x.seed);
  const phi = Array.from({ length: (n + m) * k }, () => Math.floor(next() * 5) - 2);
  const gates = Array.from({ length: n + m }, () => [0, 1, 2, 0.5][Math.floor(next() * 4)]);
  // block-aligned boundaries in each group, n and n + m among them
  const cuts = new Set([0, n, n + m]);
  for (const c of x.cuts) cuts.add(Math.min(n, c * 256));
  for (const c of x.cuts) cuts.add(n + Math.min(m, c * 256));
  const bounds = [...cuts].sort((a, b) => a - b);
  const chunks = bounds
    .slice(0, -1)
    .map((start, i) => ({ start, rows: bounds[i + 1] - start }))
    .filter((c) => c.rows > 0);
  const phiOf = (c: { start: number; rows: number }) => Type.from(phi.slice(c.start * k, (c.start + c.rows) * k));
  const hOf = (c: { start: number; rows: number }) => Type.from(gates.slice(c.start, c.start + c.rows));
  const chosen = chunks[x.pick % chunks.length];
  const twin = chunks.slice(1).find((c) => c.rows === chunks[0].rows && c.start !== chunks[0].start);
  // a breakage that this table leaves nothing to break on is not made
  const applicable: Record<string, boolean> = {
    "parts: a part relabelled": twin !== undefined,
    "parts: sums too short": k > 0 && n > 0,
    "phi: not whole rows": k >= 2,
  };
  const b = x.breakage !== null && (applicable[x.breakage] ?? true) ? x.breakage : null;
  const broken: string[] = [];
  let fn = "combinePooled";
  const run = () => {
    let parts: unknown[] = chunks.map((c) => lib.poolChunk(phiOf(c), hOf(c), shape, c.start)).reverse();
    if (b === "parts: empty") [parts, fn] = [[], "combinePooled"];
    if (b === "parts: a null part") parts.push(null);
    if (b === "parts: a part relabelled") {
      // the first chunk's part again, claiming the rows of a chunk of the same size elsewhere
      const all = parts as lib.PooledPart[];
      parts = [
        ...all.filter((p) => p.start !== twin!.start),
        { ...all.find((p) => p.start === chunks[0].start)!, start: twin!.start },
      ];
    }
    if (b === "parts: sums too short") {
      const withNodes = (parts as lib.PooledPart[]).findIndex((p) => p.a.sums.length > 0);
      if (withNodes >= 0)
        parts[withNodes] = {
          ...(parts[withNodes] as lib.PooledPart),
          a: { ...(parts[withNodes] as lib.PooledPart).a, sums: new Float64Array(0) },
        };
    }
    if (b === "parts: another table")
      parts.push(lib.poolChunk(new Type(256 * (k + 1)), new Type(256), { n: 256, m: 0, k: k + 1 }, 0));
    const pooled = lib.combinePooled(parts as lib.PooledPart[]);
    let pooledArg: unknown = pooled;
    if (b === "pooled: null") pooledArg = null;
    if (b === "pooled.v: too long") pooledArg = { u: pooled.u, v: new Type(k + 1) };
    const out = x.withOut ? Type.from(Array.from({ length: chosen.rows * k }, (_, i) => (i % 3) - 1)) : undefined;
    let start: unknown = chosen.start;
    if (b === "start: off a block boundary") start = chosen.start + 1;
    if (b === "start: negative") start = -256;
    if (b === "start: a string") start = String(chosen.start);
    let h: unknown = hOf(chosen);
    if (b === "h: one gate short") h = hOf(chosen).subarray(1);
    let options: unknown = { scale: x.scale, accumulate: x.accumulate, ...(out && { out }) };
    if (b === "options.accumulate: a string") options = { accumulate: "yes" };
    fn = "gradientChunk";
    const gradient = lib.gradientChunk(h as FloatArray, shape, start as number, pooledArg as never, options as never);
    let rowsPhi = phiOf(chosen);
    if (b === "phi: not whole rows") rowsPhi = rowsPhi.subarray(1);
    fn = "gateGradientChunk";
    const gate =
      k === 0 && !b
        ? new Type(chosen.rows)
        : lib.gateGradientChunk(rowsPhi, shape, start as number, pooledArg as never);
    return { pooled, gradient, gate, out };
  };
  if (b) {
    // the broken argument, and the function that meets it first
    const [arg] = b.split(/[.:]/);
    broken.push(arg);
  }
  const check = (result: unknown) => {
    const { pooled, gradient, gate, out } = result as {
      pooled: { u: FloatArray; v: FloatArray; value: number };
      gradient: FloatArray;
      gate: FloatArray;
      out?: FloatArray;
    };
    const ref = referencePooled(phi, gates, shape);
    sameNumbers(pooled.u, ref.u, "u");
    sameNumbers(pooled.v, ref.v, "v");
    sameNumbers([pooled.value], [referenceValue(phi, gates, shape)], "value");
    const G = referenceGradient(phi, gates, shape).subarray(chosen.start * k, (chosen.start + chosen.rows) * k);
    const prior = Array.from({ length: chosen.rows * k }, (_, i) => (i % 3) - 1);
    const expected = Array.from(G, (g, i) => {
      const absent = gates[chosen.start + Math.floor(i / Math.max(1, k))] === 0;
      return x.accumulate && out ? (absent ? prior[i] : prior[i] + x.scale * g) : absent ? 0 : x.scale * g;
    });
    sameNumbers(gradient, expected, "gradientChunk");
    if (out && gradient !== out) throw new Error("gradientChunk did not return its out");
    if (k > 0)
      sameNumbers(
        gate,
        referenceGateGradient(phi, gates, shape).subarray(chosen.start, chosen.start + chosen.rows),
        "gateGradientChunk",
      );
  };
  const c: Case = {
    get fn() {
      return fn;
    },
    broken,
    label: `chunks ${precision} ${JSON.stringify(shape)} at ${chosen.start}+${chosen.rows}${b ? ` [${b}]` : ""}`,
    run,
    check,
  };
  return c;
}

describe("fuzz: chunks", () => {
  fuzz(
    "poolChunk, combinePooled, gradientChunk and gateGradientChunk: the reference, or an error naming the broken argument",
    chunkDescription,
    chunkCase,
    1200,
  );
});

// --- models ---------------------------------------------------------------------------------

const modelDescription = fc.record({
  precision: fc.constantFrom<Precision>("f32", "f64"),
  n: fc.integer({ min: 1, max: 20 }),
  m: fc.integer({ min: 2, max: 20 }),
  k: fc.integer({ min: 1, max: 6 }),
  seed: fc.nat(),
  count: fc.integer({ min: 0, max: 40 }),
  call: fc.constantFrom("createModel", "fit", "fitPartial", "predict", "evaluate", "save/load", "loadModel"),
  loss: fc.constantFrom("squared", "logistic", "bpr"),
  optimizer: fc.constantFrom(
    { type: "sgd", learningRate: 0.01 },
    { type: "sgd", learningRate: 0.01, momentum: 0.9, nesterov: true },
    { type: "adagrad" },
    { type: "adam", beta1: 0.8 },
    { type: "adam", learningRate: 0.005, weightDecay: 0.01 },
  ),
  epochs: fc.integer({ min: 0, max: 2 }),
  batchSize: fc.integer({ min: 1, max: 50 }),
  breakage: fc.option(
    fc.constantFrom(
      "shape: negative m",
      "options: a string",
      "options.phi: strings",
      "options.scale: negative",
      "options.seed: fractional",
      "observations: null",
      "observations.y: too short",
      "observations.index: unsorted",
      "observations.sampleWeight: negative",
      "options.epochs: negative",
      "options.optimizer.beta2: 1",
      "options.optimizer.learningRate: NaN",
      "options.loss: hinge",
      "options.validation: rows out of range",
      "bytes: a flipped bit",
      "bytes: reserved bytes",
      "bytes: an Array",
      "loss: hinge",
      "seed: negative",
    ),
    { freq: 2 },
  ),
});

function modelCase(x: typeof modelDescription extends fc.Arbitrary<infer T> ? T : never): Case {
  const { n, m, k, precision } = x;
  const shape = { n, m, k };
  const next = generator(x.seed);
  const loss = x.loss as "squared" | "logistic" | "bpr";
  // observations: one A row and one B row each (bpr: a positive B row; m >= 2 leaves a negative)
  const indptr = Uint32Array.from({ length: x.count + 1 }, (_, b) => 2 * b);
  const index = Uint32Array.from({ length: 2 * x.count }, (_, e) =>
    e % 2 === 0 ? Math.floor(next() * n) : n + Math.floor(next() * m),
  );
  const y = Array.from({ length: x.count }, () =>
    loss === "logistic" ? Math.round(next()) : Math.floor(next() * 5) - 2,
  );
  let observations: Record<string, unknown> = { indptr, index, ...(loss !== "bpr" && { y }) };
  const initial = Array.from({ length: (n + m) * k }, () => Math.floor(next() * 5) - 2);
  let createOptions: unknown = { precision, phi: initial };
  let fitOptions: Record<string, unknown> | string = {
    loss,
    optimizer: x.optimizer,
    epochs: x.epochs,
    batchSize: x.batchSize,
    seed: 3,
  };
  let shapeArg: unknown = shape;
  let evaluateLoss: unknown = loss;
  let evaluateSeed: unknown = 2;
  const b = x.breakage;
  const [arg] = b ? b.split(/[.:]/) : [""];
  // which call a breakage goes to
  const target: Record<string, string> = {
    shape: "createModel",
    options: [
      "options.epochs: negative",
      "options.optimizer.beta2: 1",
      "options.optimizer.learningRate: NaN",
      "options.loss: hinge",
      "options.validation: rows out of range",
    ].includes(b ?? "")
      ? x.call === "fitPartial"
        ? "fitPartial"
        : "fit"
      : "createModel",
    observations: ["fit", "fitPartial", "predict", "evaluate"].includes(x.call) ? x.call : "fit",
    bytes: x.call === "loadModel" ? "loadModel" : "save/load",
    loss: "evaluate",
    seed: "evaluate",
  };
  const call = b ? target[arg] : x.call;
  let broken: string[] = b ? [arg] : [];
  if (b === "shape: negative m") shapeArg = { ...shape, m: -1 };
  if (b === "options: a string") createOptions = "f64";
  if (b === "options.phi: strings") createOptions = { phi: initial.map(String) };
  if (b === "options.scale: negative") createOptions = { scale: -1 };
  if (b === "options.seed: fractional") createOptions = { seed: 0.5 };
  if (b === "observations: null") observations = null as never;
  if (b === "observations.y: too short")
    observations = { indptr, index, y: [...y.slice(1), ...(x.count === 0 ? [] : [])] };
  if (b === "observations.y: too short" && (x.count === 0 || loss === "bpr" || call === "predict"))
    observations = { indptr: new Uint32Array([0, 1]), index: new Uint32Array([n + m]), y: [1] };
  if (b === "observations.index: unsorted")
    observations = { indptr: new Uint32Array([0, 2]), index: new Uint32Array([n, 0]), y: [1] };
  if (b === "observations.sampleWeight: negative") observations = { ...observations, sampleWeight: y.map(() => -1) };
  if (b === "observations.sampleWeight: negative" && (x.count === 0 || call === "predict"))
    observations = { indptr: new Uint32Array([0, 1]), index: new Uint32Array([n + m]) };
  if (b === "options.epochs: negative") fitOptions = { ...(fitOptions as object), epochs: -1 };
  if (b === "options.optimizer.beta2: 1")
    fitOptions = { ...(fitOptions as object), optimizer: { type: "adam", beta2: 1 } };
  if (b === "options.optimizer.learningRate: NaN")
    fitOptions = { ...(fitOptions as object), optimizer: { type: "sgd", learningRate: NaN } };
  if (b === "options.loss: hinge") fitOptions = { ...(fitOptions as object), loss: "hinge" };
  if (b === "options.validation: rows out of range")
    fitOptions = {
      ...(fitOptions as object),
      validation: { indptr: new Uint32Array([0, 1]), index: new Uint32Array([n + m]), y: [0] },
    };
  if (b === "loss: hinge") evaluateLoss = "hinge";
  if (b === "seed: negative") evaluateSeed = -1;
  // the model every call but a broken createModel works on
  const model =
    call === "createModel" || call === "loadModel" ? undefined : lib.createModel(shape, { precision, phi: initial });
  const before = () => (model && !model.disposed ? [model.phi] : []);
  // a model file, broken as the case says
  const breakBytes = (bytes: Uint8Array): unknown =>
    b === "bytes: a flipped bit"
      ? flip(bytes, 40)
      : b === "bytes: reserved bytes"
        ? flip(bytes, 10)
        : b === "bytes: an Array"
          ? Array.from(bytes)
          : bytes;
  const run = () => {
    switch (call) {
      case "createModel": {
        const made = lib.createModel(shapeArg as Shape, createOptions as never);
        const phi = made.phi.slice();
        made.dispose();
        return phi;
      }
      case "fit":
      case "fitPartial":
        try {
          return model![call](observations as never, fitOptions as never);
        } catch (error) {
          // a valid run may diverge: it throws, with finite parameters restored
          if (broken.length === 0 && /training diverged/.test((error as Error).message)) return "diverged";
          throw error;
        }
      case "predict":
        return model!.predict(observations as never);
      case "evaluate":
        return model!.evaluate(observations as never, evaluateLoss as never, evaluateSeed as never);
      case "save/load": {
        const bytes = model!.save();
        const bad = breakBytes(bytes);
        model!.load(bad as Uint8Array);
        return model!.phi.slice();
      }
      default: {
        const source = lib.createModel(shape, { precision, phi: initial });
        const bytes = source.save();
        source.dispose();
        const bad = breakBytes(bytes);
        const loaded = lib.loadModel(bad as Uint8Array);
        const phi = loaded.phi.slice();
        loaded.dispose();
        return phi;
      }
    }
  };
  if (!b && loss === "bpr" && (call === "fit" || call === "fitPartial" || call === "evaluate") && x.count > 0) {
    // bpr needs a negative: an item some user has not seen (an observation's item is its B row,
    // and every row of group B is an item)
    const seen = new Map<number, Set<number>>();
    for (let o = 0; o < x.count; o++)
      seen.set(index[2 * o], (seen.get(index[2 * o]) ?? new Set()).add(index[2 * o + 1]));
    if ([...seen.values()].every((mine) => mine.size === x.m)) broken = ["observations"];
  }
  const fn = {
    createModel: "createModel",
    fit: "Model.fit",
    fitPartial: "Model.fitPartial",
    predict: "Model.predict",
    evaluate: "Model.evaluate",
    "save/load": "Model.load",
    loadModel: "loadModel",
  }[call]!;
  if (b === "seed: negative" && call === "evaluate") broken = ["seed"];
  const check = (result: unknown) => {
    const scores = Array.from({ length: x.count }, (_, o) => {
      const gates = new Array(n + m).fill(0);
      gates[index[2 * o]] = 1;
      gates[index[2 * o + 1]] = 1;
      return referenceValue(initial, gates, shape);
    });
    if (call === "createModel" || call === "save/load" || call === "loadModel")
      sameNumbers(result as FloatArray, initial, "phi");
    else if (call === "predict") sameNumbers(result as Float64Array, scores, "predict");
    else if (call === "evaluate") {
      const value = result as number;
      if (loss === "bpr") expect(value).toBeGreaterThanOrEqual(0);
      else {
        const terms = scores.map((F, o) =>
          loss === "squared" ? (F - y[o]) ** 2 : y[o] > 0.5 ? Math.log1p(Math.exp(-F)) : Math.log1p(Math.exp(F)),
        );
        const mean = terms.reduce((a, t) => a + t, 0) / (x.count || 1);
        expect(Math.abs(value - mean)).toBeLessThanOrEqual(1e-12 * (1 + Math.abs(mean)));
      }
    } else {
      if (result !== "diverged") expect((result as lib.History).epochs.length).toBe(x.epochs);
      expect(model!.phi.every(Number.isFinite)).toBe(true);
    }
  };
  return {
    fn,
    broken,
    label: `${fn} ${precision} ${JSON.stringify(shape)} ${loss} count=${x.count}${b ? ` [${b}]` : ""}`,
    run,
    check,
    // a refused call changes nothing: the model's parameters included
    inputs: () => (broken.length ? before() : []),
    cleanup: () => model?.dispose(),
  };
}

function flip(bytes: Uint8Array, at: number): Uint8Array {
  const copy = bytes.slice();
  copy[Math.min(at, copy.length - 5)] ^= 1;
  return copy;
}

describe("fuzz: models", () => {
  fuzz(
    "createModel, fit, fitPartial, predict, evaluate, save, load and loadModel: the reference, or an error naming the broken argument",
    modelDescription,
    modelCase,
    1200,
  );
});

// --- metrics ------------------------------------------------------------------------------------

const metricDescription = fc.record({
  fn: fc.constantFrom("rmse", "mae", "logLoss", "auc", "sigmoid"),
  a: fc.array(fc.integer({ min: -4, max: 4 }), { maxLength: 12 }),
  labels: fc.array(fc.constantFrom(0, 1), { minLength: 12, maxLength: 12 }),
  typed: fc.boolean(),
  breakage: fc.option(
    fc.constantFrom(
      "first: a string",
      "first: null",
      "first: strings",
      "second: one short",
      "second: an object",
      "x: a string",
    ),
    { freq: 2 },
  ),
});

function metricCase(x: typeof metricDescription extends fc.Arbitrary<infer T> ? T : never): Case {
  const names = {
    rmse: ["predictions", "targets"],
    mae: ["predictions", "targets"],
    logLoss: ["logits", "labels"],
    auc: ["scores", "labels"],
    sigmoid: ["x", "x"],
  }[x.fn]!;
  let first: unknown = x.typed ? Float64Array.from(x.a) : [...x.a];
  let second: unknown = x.fn === "rmse" || x.fn === "mae" ? x.a.map((v) => v + 1) : x.labels.slice(0, x.a.length);
  let broken: string[] = [];
  if (x.fn === "sigmoid") {
    const arg = x.breakage === "x: a string" ? "0" : (x.a[0] ?? 0);
    if (x.breakage === "x: a string") broken = ["x"];
    return {
      fn: "sigmoid",
      broken,
      label: `sigmoid(${JSON.stringify(arg)})`,
      run: () => lib.sigmoid(arg as number),
      check: (r) => expect(Math.abs((r as number) - 1 / (1 + Math.exp(-(arg as number))))).toBeLessThan(1e-15),
    };
  }
  if (x.breakage && x.breakage !== "x: a string") {
    const [which, what] = x.breakage.split(": ");
    broken = [which === "first" ? names[0] : names[1]];
    if (what === "a string") first = "1,2";
    if (what === "null") first = null;
    if (what === "strings") first = x.a.length ? x.a.map(String) : ["1"];
    if (what === "one short") second = (second as number[]).length ? (second as number[]).slice(1) : [1];
    if (what === "an object") second = { length: (second as number[]).length };
    if (what === "one short" && (second as number[]).length === x.a.length) broken = [names[0], names[1]];
  }
  const a = x.a,
    t = second as number[];
  const check = (result: unknown) => {
    const r = result as number;
    if (x.fn === "rmse")
      sameNumbers([r], [a.length ? Math.sqrt(a.reduce((s, v, i) => s + (v - t[i]) ** 2, 0) / a.length) : NaN], "rmse");
    if (x.fn === "mae")
      sameNumbers([r], [a.length ? a.reduce((s, v, i) => s + Math.abs(v - t[i]), 0) / a.length : NaN], "mae");
    if (x.fn === "logLoss") {
      const expected = a.length
        ? a.reduce((s, v, i) => s + (t[i] > 0.5 ? Math.log1p(Math.exp(-v)) : Math.log1p(Math.exp(v))), 0) / a.length
        : NaN;
      if (!(Math.abs(r - expected) <= 1e-12 * (1 + Math.abs(expected)) || (Number.isNaN(r) && Number.isNaN(expected))))
        throw new Error(`logLoss ${r}, expected ${expected}`);
    }
    if (x.fn === "auc") {
      // the probability that a positive scores above a negative, ties one half
      let wins = 0,
        pairs = 0;
      a.forEach((p, i) =>
        a.forEach((q, j) => void (t[i] === 1 && t[j] === 0 && (pairs++, (wins += p > q ? 1 : p === q ? 0.5 : 0)))),
      );
      sameNumbers([r], [pairs ? wins / pairs : NaN], "auc");
    }
  };
  return {
    fn: x.fn,
    broken,
    label: `${x.fn} n=${x.a.length}${x.breakage ? ` [${x.breakage}]` : ""}`,
    run: () => (lib[x.fn as "rmse"] as (a: unknown, b: unknown) => number)(first, second),
    check,
  };
}

describe("fuzz: metrics", () => {
  fuzz(
    "rmse, mae, logLoss, auc and sigmoid: the reference, or an error naming the broken argument",
    metricDescription,
    metricCase,
    1000,
  );
});

// --- thread pools -------------------------------------------------------------------------------

const workerUrl = new URL("../dist/worker.js", import.meta.url);

const threadedDescription = fc.record({
  d: dataArbitrary.filter((d) => d.form === "float"),
  method: fc.constantFrom("value", "gradient", "valueAndGradient", "gateGradient", "pooled"),
  scale: fc.constantFrom(1, -2, 0.5),
  accumulate: fc.boolean(),
  breakage: fc.option(
    fc.constantFrom(
      "shape: fractional n",
      "shape past 4 GiB",
      "options.precision",
      "method options: a number",
      "method options.accumulate",
      "disposed",
    ),
    { freq: 2 },
  ),
});

describe("fuzz: thread pools", () => {
  let pool: ThreadPool;
  beforeAll(async () => void (pool = await lib.createThreadPool({ threads: 2, workerUrl })));
  afterAll(() => pool.terminate());

  it(
    "ThreadPool.createProblem and every ThreadedProblem method: the reference, or an error naming the broken argument",
    { timeout: LIMIT },
    async () => {
      const threadedCase = (x: typeof threadedDescription extends fc.Arbitrary<infer T> ? T : never): Case => {
        const { d, method } = x;
        const b = x.breakage;
        if (b === "shape: fractional n" || b === "shape past 4 GiB" || b === "options.precision") {
          const shape =
            b === "shape: fractional n"
              ? { ...d.shape, n: 0.5 }
              : b === "shape past 4 GiB"
                ? { n: 2 ** 21, m: 2 ** 21, k: 300 }
                : d.shape;
          return {
            fn: "ThreadPool.createProblem",
            broken: ["shape", "options"],
            label: `ThreadPool.createProblem [${b}]`,
            run: () =>
              pool.createProblem(shape, { precision: b === "options.precision" ? ("f8" as never) : d.precision }),
          };
        }
        const p = pool.createProblem(d.shape, { precision: d.precision });
        p.phi.set(d.phi);
        p.h.set(d.gates);
        const takesOptions = method === "gradient" || method === "valueAndGradient";
        let options: unknown = takesOptions ? { scale: x.scale, accumulate: x.accumulate } : undefined;
        let broken: string[] = [];
        if (b === "disposed") {
          p.dispose();
          broken = ["ThreadedProblem"];
        } else if (takesOptions && b === "method options: a number") [options, broken] = [4, ["options"]];
        else if (takesOptions && b === "method options.accumulate")
          [options, broken] = [{ accumulate: null }, ["options"]];
        const run = async () => {
          const result = await (p[method] as (o?: unknown) => Promise<unknown>).call(p, options);
          // copy views at once: the next call rewrites them
          if (method === "gradient" || method === "gateGradient") return (result as FloatArray).slice();
          if (method === "valueAndGradient")
            return { ...(result as object), gradient: (result as { gradient: FloatArray }).gradient.slice() };
          return result;
        };
        const check = (result: unknown) => {
          const F = referenceValue(d.phi, d.gates, d.shape);
          const G = Array.from(referenceGradient(d.phi, d.gates, d.shape), (g) => x.scale * g + 0);
          if (method === "value") sameNumbers([result as number], [F], "value");
          else if (method === "gateGradient")
            sameNumbers(result as FloatArray, referenceGateGradient(d.phi, d.gates, d.shape), "gateGradient");
          else if (method === "pooled") {
            const { u, v } = referencePooled(d.phi, d.gates, d.shape);
            sameNumbers((result as { u: FloatArray }).u, u, "u");
            sameNumbers((result as { v: FloatArray }).v, v, "v");
          } else if (method === "gradient") sameNumbers(result as FloatArray, G, "gradient");
          else {
            sameNumbers([(result as { value: number }).value], [F], "value");
            sameNumbers((result as { gradient: FloatArray }).gradient, G, "gradient");
          }
        };
        return {
          fn: `ThreadedProblem.${method}`,
          broken,
          label: `ThreadedProblem.${method} ${d.precision} ${JSON.stringify(d.shape)}${b ? ` [${b}]` : ""}`,
          run,
          check,
          cleanup: () => p.dispose(),
        };
      };
      await fc.assert(
        fc.asyncProperty(threadedDescription, (x) => verify(threadedCase(x))),
        { seed: SEED, numRuns: runs(400) },
      );
    },
  );

  it("createThreadPool: a pool, or an error naming the broken option", { timeout: LIMIT }, async () => {
    const optionsArbitrary = fc.oneof(
      fc.constant({ valid: true, options: { threads: 1, workerUrl } as unknown }),
      fc
        .constantFrom<unknown>(
          null,
          7,
          { threads: 0 },
          { threads: 65 },
          { threads: -1 },
          { threads: 2.5 },
          { threads: "4" },
          { threads: NaN },
          { workerUrl: 12 },
          { workerUrl: {} },
          { startTimeout: 0 },
          { startTimeout: "1000" },
          { startTimeout: -1 },
        )
        .map((options) => ({ valid: false, options })),
    );
    await fc.assert(
      fc.asyncProperty(optionsArbitrary, ({ valid, options }) =>
        verify({
          fn: "createThreadPool",
          broken: valid ? [] : ["options"],
          label: `createThreadPool(${JSON.stringify(options)})`,
          run: () => lib.createThreadPool(options as never).then((p) => p.terminate()),
        }),
      ),
      { seed: SEED, numRuns: runs(40) },
    );
  });
});

// --- loading ------------------------------------------------------------------------------------

describe("fuzz: init, info and hostHasSimd", () => {
  it(
    "a later init() with the same options resolves; any broken option rejects naming it",
    { timeout: LIMIT },
    async () => {
      const simd = lib.info().simd;
      const optionsArbitrary = fc.oneof(
        fc.constantFrom<unknown>(undefined, {}, { simd }).map((options) => ({ valid: true, options })),
        fc
          .constantFrom<unknown>(
            null,
            3,
            "simd",
            { simd: "yes" },
            { simd: 1 },
            { simd: !simd },
            { source: 5 },
            { source: new Uint8Array(8) },
          )
          .map((options) => ({ valid: false, options })),
      );
      await fc.assert(
        fc.asyncProperty(optionsArbitrary, ({ valid, options }) =>
          verify({
            fn: "init",
            broken: valid ? [] : ["options"],
            label: `init(${String(JSON.stringify(options))})`,
            run: () => lib.init(options as never),
          }),
        ),
        { seed: SEED, numRuns: runs(60) },
      );
      expect(typeof lib.hostHasSimd()).toBe("boolean");
      expect(lib.info()).toEqual({ simd, memoryBytes: expect.any(Number) });
    },
  );
});
