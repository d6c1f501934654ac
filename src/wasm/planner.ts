// The planner (docs/design.md §6, docs/planner.md): which loops a dense call runs is a question
// of the machine, not of the math, since every loop variant gives the same bits. No fixed
// threshold is right on every CPU (the compacted loop wins out of cache on an Intel Xeon and
// loses there on an AMD EPYC), so by default the calls of each size class and kernel try the
// variants in turn on their own inputs, timing each, until every variant has its minimum of
// several runs; from then on the class runs the fastest. No call is wasted: a measured call
// computes its result with the variant it tried. Like FFTW's, the planner has modes: estimate
// (a model, no clock), measure, patient (more runs), wisdom-only, and the fixed rule.
import {
  estimatedVariant,
  fixedLoop,
  sizeClass,
  variantBits,
  variantsOf,
  type Layout,
  type PlanJob,
  type Variant,
} from "./variants.js";

export {
  estimatedVariant,
  fixedLoop,
  layoutOf,
  sizeClass,
  variantBits,
  variantsOf,
  type Layout,
  type PlanJob,
  type PoolingLoop,
  type Variant,
} from "./variants.js";

/**
 * How a size class gets its loops (docs/planner.md): `"estimate"` picks from a model of the
 * machine and never times; `"measure"` (default) times the variants on the class's first calls;
 * `"patient"` times them longer, for a one-off tuning run; `"wisdom-only"` takes imported
 * wisdom, else the fixed rule, and never times; `"fixed"` keeps the rule measured on one machine
 * (compacted pooling for a phi of at most 16 MiB with rows of at least 128 bytes, else
 * streaming; no fused pass, plain stores), the same choice every run. Every mode but `"fixed"`
 * runs a class's settled or imported choice first.
 */
export type PlanMode = "estimate" | "measure" | "patient" | "wisdom-only" | "fixed";

/** The modes, for checking an option. */
export const PLAN_MODES: readonly PlanMode[] = ["estimate", "measure", "patient", "wisdom-only", "fixed"];

/** What the planner knows of one kernel of one class (`npm run bench -- --plan` prints these). */
export interface PlanEntry {
  readonly sizeClass: string;
  readonly job: PlanJob;
  /** The variant the class runs: the fastest measured so far while `settled` is false. */
  readonly variant: Variant;
  /** Whether the choice is made (measured to the end, or imported as wisdom). */
  readonly settled: boolean;
  readonly source: "measured" | "imported";
  /** The mode that measured it (imported: the wisdom's). */
  readonly mode: "measure" | "patient";
  /** Each variant timed: the minimum of its timed calls (ms) and how many there were. */
  readonly timings?: Readonly<Record<Variant, { readonly ms: number; readonly runs: number }>>;
}

/** Timed calls of a class add up to at least this many ms before it settles (unless MAX_RUNS end it). */
export const PLAN_BUDGET_MS = 20;
/** How long each timing mode measures: untimed turns, then runs of every variant and ms spent (the minimum decides). */
const RIGOR = {
  measure: { warmTurns: 1, minRuns: 3, spentMs: PLAN_BUDGET_MS, maxRuns: 25 },
  // a one-off tuning run: more runs bring each minimum closer to the undisturbed time
  patient: { warmTurns: 2, minRuns: 10, spentMs: 200, maxRuns: 100 },
};
/** Calls with fewer of their gates on are not timed (the compacted loop would win them, and lose real calls)... */
const MIN_ACTIVE = 1 / 8;
/** ... the first this many of a class: a class whose calls keep so few gates on is planned on them. */
const MAX_SPARSE_CALLS = 3;

/** One job of one class: its variants, their timings, and its choice once made. */
interface JobPlan {
  readonly sizeClass: string;
  readonly job: PlanJob;
  readonly variants: Variant[];
  /** The variants' plan bits, once a call gave the module's (imported wisdom has names only). */
  bits?: number[];
  readonly ms: number[];
  readonly runs: number[];
  /** ms of timed calls, and of every call while measuring (what a budget caps). */
  spent: number;
  total: number;
  next: number;
  /** Untimed turns of the variants still to run (an engine compiles wasm in tiers). */
  warmTurns: number;
  /** Calls not timed for their gates mostly off (MAX_SPARSE_CALLS: no longer looked at). */
  sparseCalls: number;
  /** The index of the chosen variant, once settled. */
  chosen: number;
  /** Which variant to keep if a budget ends the measuring before any was timed. */
  readonly estimated: number;
  source: "measured" | "imported";
  readonly mode: "measure" | "patient";
}

let mode: PlanMode = "measure";
/** ms a class and kernel may spend measuring (init's `planBudget`). */
let budget = Infinity;
const plans = new Map<string, JobPlan>();
/** Bumped whenever a choice may change under a cached plan (reset, import, mode): see PlanCache. */
let generation = 0;

/** @internal Sets the mode and the budget (init's `plan` and `planBudget` options, checked there). */
export function setPlanMode(value: PlanMode, budgetMs?: number): void {
  if (value !== mode) generation++;
  mode = value;
  if (budgetMs !== undefined) budget = budgetMs;
}

/** @internal The planner's mode. */
export function planMode(): PlanMode {
  return mode;
}

/** The fixed rule's plan bits on a layout: its pooling loop, no fused pass, plain stores. */
function fixedBits(layout: Layout): number {
  return variantBits(fixedLoop(layout.phiBytes, layout.rowBytes), layout.bits)!;
}

// the last plan looked up, for the same reason (forgotten whenever the table changes)
let lastPlan: JobPlan | undefined;

function newPlan(key: string, job: PlanJob, variants: Variant[], how: "measure" | "patient", estimated = 0): JobPlan {
  return {
    sizeClass: key,
    job,
    variants,
    ms: variants.map(() => Infinity),
    runs: variants.map(() => 0),
    spent: 0,
    total: 0,
    next: 0,
    warmTurns: RIGOR[how].warmTurns,
    sparseCalls: 0,
    chosen: -1,
    estimated,
    source: "measured",
    mode: how,
  };
}

/** The plan of a job's class; `how` makes one (or remakes one measured less patiently) when given. */
function jobPlan(job: PlanJob, layout: Layout, how?: "measure" | "patient"): JobPlan | undefined {
  const key = sizeClass(layout.precision, layout.phiBytes, layout.rowBytes);
  if (lastPlan && lastPlan.job === job && lastPlan.sizeClass === key && (how !== "patient" || lastPlan.mode === how))
    return lastPlan;
  const id = `${job} ${key}`;
  let plan = plans.get(id);
  if (how && (!plan || (how === "patient" && plan.mode !== how))) {
    const variants = variantsOf(job, layout);
    plan = newPlan(key, job, variants, how, variants.indexOf(estimatedVariant(job, layout)));
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
 * The plan bits of a call of `job` on groups of n and m rows when every variant runs the same
 * loop there, else -1 (the planner then chooses). The kernels pool a group of at most
 * `smallRows` rows (the module's SMALL_ROWS) row by row whatever the plan: value pools both
 * groups, and so does gateGradient when compacted (streaming, it pools the smaller and reads the
 * larger once for its sum and dots); valueAndGradient's fused pass and ways to write differ at
 * every size. Such calls are not planned, timed or remembered: they run plan 0.
 */
export function oneLoopBits(job: PlanJob, n: number, m: number, smallRows: number): number {
  if (job === "valueAndGradient") return -1;
  return Math.max(n, m) <= smallRows ? 0 : -1;
}

/**
 * The plan bits of a call of `job` on groups of n and m rows known without the planner's clock:
 * one loop for every variant (oneLoopBits), else a settled choice's memo while it is current,
 * else -1 (the call then goes through runPlanned).
 */
export function knownBits(job: PlanJob, n: number, m: number, smallRows: number, cache: PlanCache): number {
  const one = oneLoopBits(job, n, m, smallRows);
  return one >= 0 ? one : cachedBits(cache);
}

/** A memo's plan bits while they are current, else -1 (the call then goes through runPlanned): a settled call's look-up. */
export const cachedBits = (cache: PlanCache): number => (cache.generation === generation ? cache.bits : -1);

/** The bits of a call that is not timed: a settled choice, else the mode's rule (estimate's model, or the fixed rule). */
function untimedBits(job: PlanJob, layout: Layout, plan = jobPlan(job, layout)): number {
  if (plan && plan.chosen >= 0) return bitsOf(plan, plan.chosen, layout);
  return mode === "estimate" ? variantBits(estimatedVariant(job, layout), layout.bits)! : fixedBits(layout);
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
  if (mode !== "measure" && mode !== "patient") return call(remember(cache, untimedBits(job, layout)));
  const plan = jobPlan(job, layout, mode)!;
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
  // the first turns warm up: an engine compiles wasm in tiers, and a class's first calls may
  // run the baseline tier's code, slower and not alike for every loop (timed only for a budget)
  const warming = plan.warmTurns > 0;
  if (warming && plan.next === 0) plan.warmTurns--;
  if (warming && budget === Infinity) return call(bitsOf(plan, i, layout));
  const start = performance.now();
  const result = call(bitsOf(plan, i, layout));
  const ms = performance.now() - start;
  plan.total += ms;
  if (!warming) {
    plan.ms[i] = Math.min(plan.ms[i], ms);
    plan.runs[i]++;
    plan.spent += ms;
  }
  const rigor = RIGOR[plan.mode];
  const fewest = Math.min(...plan.runs);
  if (fewest >= rigor.maxRuns || (fewest >= rigor.minRuns && plan.spent >= rigor.spentMs)) plan.chosen = fastest(plan);
  // a budget spent ends the measuring: the fastest timed so far, or estimate's choice if none was
  else if (plan.total >= budget)
    plan.chosen = plan.runs.some((r) => r > 0) ? fastest(plan) : Math.max(0, plan.estimated);
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
 * class's settled choice for `job`, else estimate's model in that mode, else the fixed rule's.
 */
export function settledBits(job: PlanJob, layout: Layout): number {
  if (mode === "fixed") return fixedBits(layout);
  return untimedBits(job, layout, plans.get(`${job} ${sizeClass(layout.precision, layout.phiBytes, layout.rowBytes)}`));
}

/** @internal Whether a class's kernel has settled (init's planning of shapes runs calls until it has). */
export function isSettled(job: PlanJob, layout: Layout): boolean {
  const plan = plans.get(`${job} ${sizeClass(layout.precision, layout.phiBytes, layout.rowBytes)}`);
  return plan !== undefined && plan.chosen >= 0 && (mode !== "patient" || plan.mode === "patient");
}

/**
 * What the planner knows of each size class and kernel so far: its variant and the timings
 * behind it.
 *
 * @example
 * ```ts
 * planEntries();
 * // [{ sizeClass: "f32 phi<=2^27 row<=2^7", job: "value", variant: "wide-strips", settled: true,
 * //    source: "measured", mode: "measure", timings: { streaming: { ms: 14.3, runs: 3 }, ... } }, ...]
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
      mode: plan.mode,
      ...(timed && {
        timings: Object.fromEntries(
          plan.variants.flatMap((v, i) => (plan.runs[i] ? [[v, { ms: plan.ms[i], runs: plan.runs[i] }]] : [])),
        ),
      }),
    };
  });
}

/** @internal The settled choices, for exportWisdom: [class, job, variant, the mode that made it]. */
export function settledChoices(): [string, PlanJob, Variant, "measure" | "patient"][] {
  return [...plans.values()]
    .filter((plan) => plan.chosen >= 0)
    .map((plan) => [plan.sizeClass, plan.job, plan.variants[plan.chosen], plan.mode]);
}

/** @internal Adopts checked choices of imported wisdom: a class and kernel named is then never timed. */
export function adoptChoices(choices: readonly [string, PlanJob, Variant][], how: "measure" | "patient"): void {
  for (const [key, job, variant] of choices) {
    const plan = newPlan(key, job, [variant], how);
    Object.assign(plan, { warmTurns: 0, sparseCalls: MAX_SPARSE_CALLS, chosen: 0, source: "imported" });
    plans.set(`${job} ${key}`, plan);
  }
  if (choices.length) {
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
