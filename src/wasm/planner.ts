// The planner (docs/design.md §6): which loops a dense call runs is a question of the machine,
// not of the math, since every loop variant gives the same bits. No fixed threshold is right on
// every CPU (the compacted loop wins out of cache on an Intel Xeon and loses there on
// an AMD EPYC), so by default the calls of each size class and kernel try the variants in turn
// on their own inputs, timing each, until every variant has its minimum of several runs; from
// then on the class runs the fastest. No call is wasted: a measured call computes its result
// with the variant it tried. Like FFTW's wisdom, the choices can be exported and imported.
import { describe, isList, readFields, shown } from "../util/read.js";
import type { PlanBits } from "./loader.js";

/** An object's own enumerable entries, read once; a getter or Proxy trap that throws is a TypeError naming `name`. */
function entriesOf(object: object, name: string): [string, unknown][] {
  try {
    return Object.entries(object);
  } catch (cause) {
    throw new TypeError(`importWisdom(): reading ${name} threw: ${(cause as Error)?.message ?? String(cause)}`, {
      cause,
    });
  }
}

/** How a pooling pass reads a group's rows (docs/design.md §6). */
export type PoolingLoop = "compacted" | "streaming" | "wide-strips" | "multi-block";

/**
 * A loop variant: a pooling loop, then for `valueAndGradient` optionally `+fused` (group B's
 * gradient rows written as B's pooling pass reads its rows), then optionally one way to write
 * the other gradient rows: `+fill-first` (blocks of 0/1 gates zeroed by `memory.fill`, then
 * only the active rows stored) or `+touch-ahead` (each block's lines read a block before its
 * stores): `"streaming+fused+touch-ahead"`.
 */
export type Variant = string;

/** The kernels planned apart, each on its own calls (gradient() plans as valueAndGradient). */
export type PlanJob = "value" | "valueAndGradient" | "gateGradient";

/**
 * How a size class gets its loops: `"measure"` (default) times the variants on the class's
 * first calls; `"fixed"` keeps the rule measured on one machine (compacted pooling for a phi of
 * at most 16 MiB with rows of at least 128 bytes, else streaming; no fused pass, plain stores),
 * the same choice every run.
 */
export type PlanMode = "measure" | "fixed";

/**
 * The variants chosen on a machine, by size class and kernel, for {@link importWisdom}: a plain
 * JSON value. A class is written `"f32 phi<=2^24 row<=2^8"`: the precision, phi's bytes and a
 * row's bytes, each rounded up to a power of two.
 */
export interface Wisdom {
  readonly format: "crossgrad-wisdom";
  readonly version: 2;
  readonly plans: Readonly<Record<string, Readonly<Partial<Record<PlanJob, Variant>>>>>;
}

/** What the planner knows of one kernel of one class (`npm run bench -- --plan` prints these). */
export interface PlanEntry {
  readonly sizeClass: string;
  readonly job: PlanJob;
  /** The variant the class runs: the fastest measured so far while `settled` is false. */
  readonly variant: Variant;
  /** Whether the choice is made (measured to the end, or imported as wisdom). */
  readonly settled: boolean;
  readonly source: "measured" | "imported";
  /** Each variant timed: the minimum of its timed calls (ms) and how many there were. */
  readonly timings?: Readonly<Record<Variant, { readonly ms: number; readonly runs: number }>>;
}

/** Timed calls of a class add up to at least this many ms before it settles (unless MAX_RUNS end it). */
export const PLAN_BUDGET_MS = 20;
/** Every variant runs at least this often, timed, before a class settles (after one untimed turn); the minimum decides. */
const MIN_RUNS = 3;
/** A class settles once every variant ran this often, whatever the time spent. */
const MAX_RUNS = 25;
/** Calls with fewer of their gates on are not timed (the compacted loop would win them, and lose real calls)... */
const MIN_ACTIVE = 1 / 8;
/** ... the first this many of a class: a class whose calls keep so few gates on is planned on them. */
const MAX_SPARSE_CALLS = 3;

/** What a call's plan depends on: the build (and its plan bits), the precision, phi's and a row's bytes. */
export interface Layout {
  readonly simd: boolean;
  readonly bits: PlanBits;
  readonly precision: string;
  readonly phiBytes: number;
  readonly rowBytes: number;
}

/** The layout of a call on an engine's module: `elements` elements of phi, k a row, of K's precision. */
export function layoutOf(
  engine: { readonly simd: boolean; readonly planBits: PlanBits },
  K: { readonly precision: string; readonly bytesPerElement: number },
  elements: number,
  k: number,
): Layout {
  const { bytesPerElement } = K;
  return {
    simd: engine.simd,
    bits: engine.planBits,
    precision: K.precision,
    phiBytes: elements * bytesPerElement,
    rowBytes: k * bytesPerElement,
  };
}

const COMPACT_MAX_BYTES = 16 * 1024 * 1024;
const COMPACT_MIN_ROW_BYTES = 128;

/** The fixed rule: compacted up to 16 MiB of phi, for rows of 128 bytes and more. */
export function fixedLoop(phiBytes: number, rowBytes: number): PoolingLoop {
  return phiBytes <= COMPACT_MAX_BYTES && rowBytes >= COMPACT_MIN_ROW_BYTES ? "compacted" : "streaming";
}

/**
 * The variants of a job on a layout, the fixed rule's first (a tie keeps it). Pooling loops
 * that would run the same code as streaming are left out: wide strips only for rows of 65 to
 * 128 bytes, multi-block only for rows of one to four whole vectors (16 to 64 bytes), neither in
 * the scalar build.
 */
export function variantsOf(job: PlanJob, layout: Layout): Variant[] {
  const { simd, phiBytes, rowBytes } = layout;
  const fixed = fixedLoop(phiBytes, rowBytes);
  const loops: PoolingLoop[] = [fixed, fixed === "compacted" ? "streaming" : "compacted"];
  if (simd && rowBytes > 64 && rowBytes <= 128) loops.push("wide-strips");
  if (simd && rowBytes >= 16 && rowBytes <= 64) loops.push("multi-block");
  if (job !== "valueAndGradient") return loops;
  return loops.flatMap((loop) =>
    [loop, `${loop}+fused`].flatMap((pass) => [pass, `${pass}+fill-first`, `${pass}+touch-ahead`]),
  );
}

const LOOPS: readonly PoolingLoop[] = ["compacted", "streaming", "wide-strips", "multi-block"];

/** A variant's `plan` bits, or undefined if it is not a variant's name. */
export function variantBits(variant: string, b: PlanBits): number | undefined {
  const [loop, ...extras] = variant.split("+");
  if (!LOOPS.includes(loop as PoolingLoop)) return undefined;
  const loopBits = { compacted: b.compact, streaming: 0, "wide-strips": b.wideStrips, "multi-block": b.multiBlock };
  let bits = loopBits[loop as PoolingLoop];
  // at most "fused", then at most one of the ways to write
  let order = 0;
  for (const extra of extras) {
    const at = ["fused", "fill-first", "touch-ahead"].indexOf(extra);
    if (at < 0 || Math.min(at, 1) < order) return undefined;
    order = Math.min(at, 1) + 1;
    bits |= [b.fused, b.fillFirst, b.touchAhead][at];
  }
  return bits;
}

/** One job of one class: its variants, their timings, and its choice once made. */
interface JobPlan {
  readonly sizeClass: string;
  readonly job: PlanJob;
  readonly variants: Variant[];
  /** The variants' plan bits, once a call gave the module's (imported wisdom has names only). */
  bits?: number[];
  readonly ms: number[];
  readonly runs: number[];
  spent: number;
  next: number;
  /** Whether the variants' first turn, not timed, is still running. */
  warming: boolean;
  /** Calls not timed for their gates mostly off (MAX_SPARSE_CALLS: no longer looked at). */
  sparseCalls: number;
  /** The index of the chosen variant, once settled. */
  chosen: number;
  source: "measured" | "imported";
}

let mode: PlanMode = "measure";
const plans = new Map<string, JobPlan>();
/** Bumped whenever a choice may change under a cached plan (reset, import, mode): see PlanCache. */
let generation = 0;

/** @internal Sets the mode (init's `plan` option, checked there). */
export function setPlanMode(value: PlanMode): void {
  if (value !== mode) generation++;
  mode = value;
}

const power = (bytes: number) => Math.max(0, Math.ceil(Math.log2(Math.max(1, bytes))));

// calls in a loop repeat one shape: the last class, remembered, spares each of them the format
let last = { precision: "", phiBytes: -1, rowBytes: -1, key: "" };

/** The class a problem's loops are planned for. */
export function sizeClass(precision: string, phiBytes: number, rowBytes: number): string {
  if (last.precision !== precision || last.phiBytes !== phiBytes || last.rowBytes !== rowBytes)
    last = { precision, phiBytes, rowBytes, key: `${precision} phi<=2^${power(phiBytes)} row<=2^${power(rowBytes)}` };
  return last.key;
}

/** The fixed rule's plan bits on a layout: its pooling loop, no fused pass, plain stores. */
function fixedBits(layout: Layout): number {
  return variantBits(fixedLoop(layout.phiBytes, layout.rowBytes), layout.bits)!;
}

// the last plan looked up, for the same reason (forgotten whenever the table changes)
let lastPlan: JobPlan | undefined;

function jobPlan(job: PlanJob, layout: Layout, key = sizeClass(layout.precision, layout.phiBytes, layout.rowBytes)) {
  if (lastPlan && lastPlan.job === job && lastPlan.sizeClass === key) return lastPlan;
  const id = `${job} ${key}`;
  let plan = plans.get(id);
  if (!plan) {
    const variants = variantsOf(job, layout);
    plan = {
      sizeClass: key,
      job,
      variants,
      ms: variants.map(() => Infinity),
      runs: variants.map(() => 0),
      spent: 0,
      next: 0,
      warming: true,
      sparseCalls: 0,
      chosen: -1,
      source: "measured",
    };
    plans.set(id, plan);
  }
  return (lastPlan = plan);
}

/** The plan bits of a job's variant i on this layout's module. */
function bitsOf(plan: JobPlan, i: number, layout: Layout): number {
  plan.bits ??= plan.variants.map((v) => variantBits(v, layout.bits)!);
  return plan.bits[i];
}

/** The variant measured fastest so far (the first on a tie, or if none was timed). */
function fastest(plan: JobPlan): number {
  let best = 0;
  for (let i = 1; i < plan.ms.length; i++) if (plan.ms[i] < plan.ms[best]) best = i;
  return best;
}

function activeShare(gates: ArrayLike<number>): number {
  let on = 0;
  for (let i = 0; i < gates.length; i++) if (gates[i] !== 0) on++;
  return gates.length ? on / gates.length : 0;
}

/**
 * A caller's memo of its plan (a Problem's, per job): valid while the planner's generation is
 * the one it was taken under, so a settled choice costs a comparison per call.
 */
export interface PlanCache {
  generation: number;
  bits: number;
}

/**
 * @internal Runs a dense call of `job` with its class's plan bits: `call(bits)` computes the
 * call's result with those loops (every variant gives the same bits). While the class is being
 * measured the call runs the next variant in turn, timed, unless it is not `timed` (an
 * accumulating gradient, where the fused pass and the ways to write do not apply) or it is one of
 * the class's first 3 calls with less than 1/8 of its gates on (read only then). A settled plan
 * is memoised in `cache`, when given.
 */
export function runPlanned<R>(
  job: PlanJob,
  layout: Layout,
  gates: () => ArrayLike<number>,
  call: (bits: number) => R,
  cache?: PlanCache,
  timed = true,
): R {
  if (cache && cache.generation === generation) return call(cache.bits);
  if (mode === "fixed") return call(remember(cache, fixedBits(layout)));
  const plan = jobPlan(job, layout);
  if (plan.chosen >= 0) return call(remember(cache, bitsOf(plan, plan.chosen, layout)));
  if (!timed) return call(bitsOf(plan, fastest(plan), layout));
  // a Problem's initial zeros must not plan a class; a class whose calls keep few gates on is
  // planned on them after a few (and its gates are no longer read)
  if (plan.sparseCalls < MAX_SPARSE_CALLS && activeShare(gates()) < MIN_ACTIVE) {
    plan.sparseCalls++;
    return call(bitsOf(plan, fastest(plan), layout));
  }
  plan.sparseCalls = MAX_SPARSE_CALLS;
  const i = plan.next;
  plan.next = (i + 1) % plan.variants.length;
  // the first turn warms up: an engine compiles wasm in tiers, and a class's first calls may
  // run the baseline tier's code, slower and not alike for every loop
  if (plan.warming) {
    if (plan.next === 0) plan.warming = false;
    return call(bitsOf(plan, i, layout));
  }
  const start = performance.now();
  const result = call(bitsOf(plan, i, layout));
  const ms = performance.now() - start;
  plan.ms[i] = Math.min(plan.ms[i], ms);
  plan.runs[i]++;
  plan.spent += ms;
  const fewest = Math.min(...plan.runs);
  if (fewest >= MAX_RUNS || (fewest >= MIN_RUNS && plan.spent >= PLAN_BUDGET_MS)) plan.chosen = fastest(plan);
  return result;
}

function remember(cache: PlanCache | undefined, value: number): number {
  if (cache) {
    cache.generation = generation;
    cache.bits = value;
  }
  return value;
}

/**
 * @internal The plan bits of a call that is not timed (batches, chunks, thread pools): the
 * class's settled choice for `job`, else the fixed rule's.
 */
export function settledBits(job: PlanJob, layout: Layout): number {
  if (mode === "fixed") return fixedBits(layout);
  const plan = plans.get(`${job} ${sizeClass(layout.precision, layout.phiBytes, layout.rowBytes)}`);
  return plan && plan.chosen >= 0 ? bitsOf(plan, plan.chosen, layout) : fixedBits(layout);
}

/**
 * What the planner knows of each size class and kernel so far: its variant and the timings
 * behind it.
 *
 * @example
 * ```ts
 * planEntries();
 * // [{ sizeClass: "f32 phi<=2^27 row<=2^7", job: "value", variant: "wide-strips", settled: true,
 * //    source: "measured", timings: { streaming: { ms: 14.3, runs: 3 }, ... } }, ...]
 * ```
 */
export function planEntries(): PlanEntry[] {
  return [...plans.values()].map((plan) => {
    const timed = plan.runs.some((r) => r > 0);
    return {
      sizeClass: plan.sizeClass,
      job: plan.job,
      variant: plan.variants[plan.chosen >= 0 ? plan.chosen : fastest(plan)],
      settled: plan.chosen >= 0,
      source: plan.source,
      ...(timed && {
        timings: Object.fromEntries(
          plan.variants.flatMap((v, i) => (plan.runs[i] ? [[v, { ms: plan.ms[i], runs: plan.runs[i] }]] : [])),
        ),
      }),
    };
  });
}

/**
 * The variants chosen on this machine so far (settled classes only), as a JSON value to store
 * and pass to {@link importWisdom} in a later process (a service's start, a page's next visit),
 * which then skips the measuring. Wisdom is the machine's: import it only where it was made.
 *
 * @example
 * ```ts
 * localStorage.setItem("crossgrad-wisdom", JSON.stringify(exportWisdom()));
 * ```
 */
export function exportWisdom(): Wisdom {
  const out: Record<string, Partial<Record<PlanJob, Variant>>> = {};
  for (const plan of plans.values()) {
    if (plan.chosen < 0) continue;
    (out[plan.sizeClass] ??= {})[plan.job] = plan.variants[plan.chosen];
  }
  return { format: "crossgrad-wisdom", version: 2, plans: out };
}

/** Bits that tell variants apart, for checking a variant's name before any module is loaded. */
const NAMES_ONLY: PlanBits = { compact: 1, wideStrips: 2, multiBlock: 4, fused: 8, fillFirst: 16, touchAhead: 32 };

const CLASS = /^(f32|f64) phi<=2\^(\d|[1-5]\d) row<=2\^(\d|[1-2]\d)$/;
const JOBS: readonly PlanJob[] = ["value", "valueAndGradient", "gateGradient"];

/**
 * Adds the choices of `wisdom` (from {@link exportWisdom}; also version 1, whose pooling loops
 * become the value kernel's) to the plan: a class and kernel it names is then never timed.
 * Throws TypeError naming the first thing that is not wisdom, and adds nothing then.
 *
 * @example
 * ```ts
 * importWisdom(JSON.parse(localStorage.getItem("crossgrad-wisdom") ?? "null") ?? exportWisdom());
 * ```
 */
export function importWisdom(wisdom: Wisdom): void {
  const fail = (what: string) => new TypeError(`importWisdom(): ${what}`);
  if (typeof wisdom !== "object" || wisdom === null || isList(wisdom))
    throw fail(`wisdom must be the object exportWisdom() returns, got ${describe(wisdom)}`);
  const fields = readFields("importWisdom", "wisdom", wisdom, ["format", "version", "loops", "plans"]);
  const { format, version } = fields;
  if (format !== "crossgrad-wisdom" || (version !== 1 && version !== 2))
    throw fail(
      `wisdom.format must be "crossgrad-wisdom" and wisdom.version 2 (or 1), got ${shown(format)} and ${shown(version)}`,
    );
  const field = version === 1 ? "loops" : "plans";
  const table = version === 1 ? fields.loops : fields.plans;
  if (typeof table !== "object" || table === null || isList(table))
    throw fail(`wisdom.${field} must be an object, got ${describe(table)}`);
  const checked: [string, PlanJob, Variant][] = [];
  for (const [key, entry] of entriesOf(table, `wisdom.${field}`)) {
    if (!CLASS.test(key))
      throw fail(`wisdom.${field} has ${shown(key)}, which is not a size class such as "f32 phi<=2^24 row<=2^8"`);
    const named: unknown = version === 1 ? { value: entry } : entry;
    if (typeof named !== "object" || named === null || isList(named))
      throw fail(`wisdom.plans[${shown(key)}] must be an object of variants by kernel, got ${describe(named)}`);
    for (const [job, variant] of entriesOf(named, `wisdom.plans[${shown(key)}]`)) {
      const where = version === 1 ? `wisdom.loops[${shown(key)}]` : `wisdom.plans[${shown(key)}].${job}`;
      if (!JOBS.includes(job as PlanJob))
        throw fail(
          `wisdom.plans[${shown(key)}] has ${shown(job)}, which is not value, valueAndGradient or gateGradient`,
        );
      const extras = job === "valueAndGradient";
      if (
        typeof variant !== "string" ||
        variantBits(variant, NAMES_ONLY) === undefined ||
        (!extras && variant.includes("+")) ||
        (version === 1 && variant !== "compacted" && variant !== "streaming")
      )
        throw fail(
          `${where} must be ${version === 1 ? '"compacted" or "streaming"' : `a variant such as ${extras ? '"streaming+fused"' : '"streaming"'}`}, got ${shown(variant)}`,
        );
      checked.push([key, job as PlanJob, variant]);
    }
  }
  for (const [key, job, variant] of checked) {
    const id = `${job} ${key}`;
    plans.set(id, {
      sizeClass: key,
      job,
      variants: [variant],
      ms: [Infinity],
      runs: [0],
      spent: 0,
      next: 0,
      warming: false,
      sparseCalls: MAX_SPARSE_CALLS,
      chosen: 0,
      source: "imported",
    });
  }
  if (checked.length) {
    generation++;
    lastPlan = undefined;
  }
}

/** @internal Forgets every choice (tests). */
export function resetPlan(): void {
  plans.clear();
  lastPlan = undefined;
  generation++;
}
