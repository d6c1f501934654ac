// The planner (docs/design.md §6): which pooling loop a call runs, compacted (the active rows
// only) or streaming (every row, masked), is a question of the machine, not of the math, since
// both give the same bits. No fixed threshold is right on every CPU (compacted wins out of cache
// on an Intel Xeon, loses 1.6x at 32 MiB on an AMD EPYC), so by default the first dense call of
// each size class times both loops on its own inputs, within a small budget, and every later call
// of that class runs the faster. Like FFTW's wisdom, the choices can be exported and imported.
import { describe, shown } from "./validate.js";

/** The pooling loops that give the same bits. */
export type PoolingLoop = "compacted" | "streaming";

/**
 * How a size class gets its loop: `"measure"` (default) times both loops on the first dense
 * call of the class; `"fixed"` keeps the rule measured on one machine (compacted for a phi of
 * at most 16 MiB with rows of at least 128 bytes), the same choice every run.
 */
export type PlanMode = "measure" | "fixed";

/**
 * The loops chosen on a machine, by size class, for {@link importWisdom}: a plain JSON value.
 * A class is written `"f32 phi<=2^24 row<=2^8"`: the precision, phi's bytes and a row's bytes,
 * each rounded up to a power of two.
 */
export interface Wisdom {
  readonly format: "crossgrad-wisdom";
  readonly version: 1;
  readonly loops: Readonly<Record<string, PoolingLoop>>;
}

/** What the planner timed for one class (`npm run bench -- --plan` prints these). */
export interface PlanEntry {
  readonly sizeClass: string;
  readonly loop: PoolingLoop;
  /** How it was chosen: timed in this process, or imported as wisdom. */
  readonly source: "measured" | "imported";
  /** Minimum of the timed runs of each loop, ms (measured entries only). */
  readonly ms?: Readonly<Record<PoolingLoop, number>>;
  readonly runs?: number;
}

/** Time spent measuring a class: at least two runs of each loop, then until this many ms. */
export const PLAN_BUDGET_MS = 20;
const MIN_RUNS = 2;
const MAX_RUNS = 25;

const MIN_ACTIVE = 1 / 8;

function activeShare(gates: ArrayLike<number>): number {
  let on = 0;
  for (let i = 0; i < gates.length; i++) if (gates[i] !== 0) on++;
  return gates.length ? on / gates.length : 0;
}

const COMPACT_MAX_BYTES = 16 * 1024 * 1024;
const COMPACT_MIN_ROW_BYTES = 128;

let mode: PlanMode = "measure";
const entries = new Map<string, PlanEntry>();

/** The fixed rule: compacted up to 16 MiB of phi, for rows of 128 bytes and more. */
export function fixedLoop(phiBytes: number, rowBytes: number): PoolingLoop {
  return phiBytes <= COMPACT_MAX_BYTES && rowBytes >= COMPACT_MIN_ROW_BYTES ? "compacted" : "streaming";
}

const power = (bytes: number) => Math.max(0, Math.ceil(Math.log2(Math.max(1, bytes))));

// calls in a loop repeat one shape: the last class, remembered, spares each of them the format
let last = { precision: "", phiBytes: -1, rowBytes: -1, key: "" };

/** The class a problem's loop is planned for. */
export function sizeClass(precision: string, phiBytes: number, rowBytes: number): string {
  if (last.precision !== precision || last.phiBytes !== phiBytes || last.rowBytes !== rowBytes)
    last = { precision, phiBytes, rowBytes, key: `${precision} phi<=2^${power(phiBytes)} row<=2^${power(rowBytes)}` };
  return last.key;
}

/** @internal Sets the mode (init's `plan` option, checked there). */
export function setPlanMode(value: PlanMode): void {
  mode = value;
}

/**
 * @internal Whether a dense call runs the compacted loop. `run(compact)` computes F with the
 * given loop on the call's own inputs (pure: it writes only scratch); in "measure" mode the
 * first call of a class whose `gates` are at least 1/8 on times it both ways.
 */
export function compactLoop(
  precision: string,
  phiBytes: number,
  rowBytes: number,
  run?: (compact: boolean) => unknown,
  gates?: () => ArrayLike<number>,
): boolean {
  if (mode === "fixed") return fixedLoop(phiBytes, rowBytes) === "compacted";
  const key = sizeClass(precision, phiBytes, rowBytes);
  const known = entries.get(key);
  if (known) return known.loop === "compacted";
  // the compacted loop skips inactive rows: timed on gates mostly off (a Problem's zeros before
  // its gates are set, say) it would win a class whose real calls it loses; wait for a call
  // with at least MIN_ACTIVE of its rows on
  if (!run || (gates && activeShare(gates()) < MIN_ACTIVE)) return fixedLoop(phiBytes, rowBytes) === "compacted";
  const best = { compacted: Infinity, streaming: Infinity };
  const start = performance.now();
  let runs = 0;
  // alternate the loops so a disturbance hits both alike; the minimum is the least disturbed run
  while (runs < MIN_RUNS || (runs < MAX_RUNS && performance.now() - start < PLAN_BUDGET_MS)) {
    for (const loop of ["compacted", "streaming"] as const) {
      const t = performance.now();
      run(loop === "compacted");
      best[loop] = Math.min(best[loop], performance.now() - t);
    }
    runs++;
  }
  // a tie (below the clock's resolution) keeps the fixed rule's choice
  const loop =
    best.compacted === best.streaming
      ? fixedLoop(phiBytes, rowBytes)
      : best.compacted < best.streaming
        ? "compacted"
        : "streaming";
  entries.set(key, { sizeClass: key, loop, source: "measured", ms: best, runs });
  return loop === "compacted";
}

/** @internal Whether a call of this class now has a settled loop (the fixed rule, or an entry). */
export function planned(precision: string, phiBytes: number, rowBytes: number): boolean {
  return mode === "fixed" || entries.has(sizeClass(precision, phiBytes, rowBytes));
}

/** The loop chosen for each size class so far (timed or imported), with its timings. */
export function planEntries(): PlanEntry[] {
  return [...entries.values()];
}

/**
 * The loops chosen on this machine so far, as a JSON value to store and pass to
 * {@link importWisdom} in a later process (a service's start, a page's next visit), which then
 * skips the measuring. Wisdom is the machine's: import it only where it was made.
 *
 * @example
 * ```ts
 * localStorage.setItem("crossgrad-wisdom", JSON.stringify(exportWisdom()));
 * ```
 */
export function exportWisdom(): Wisdom {
  const loops: Record<string, PoolingLoop> = {};
  for (const [key, entry] of entries) loops[key] = entry.loop;
  return { format: "crossgrad-wisdom", version: 1, loops };
}

const CLASS = /^(f32|f64) phi<=2\^(\d|[1-5]\d) row<=2\^(\d|[1-2]\d)$/;

/**
 * Adds the loops of `wisdom` (from {@link exportWisdom}) to the plan; a class it names is then
 * never timed. Throws TypeError naming the first thing that is not wisdom, and adds nothing then.
 *
 * @example
 * ```ts
 * importWisdom(JSON.parse(localStorage.getItem("crossgrad-wisdom") ?? "null") ?? exportWisdom());
 * ```
 */
export function importWisdom(wisdom: Wisdom): void {
  const fail = (what: string) => new TypeError(`importWisdom(): ${what}`);
  if (typeof wisdom !== "object" || wisdom === null || Array.isArray(wisdom))
    throw fail(`wisdom must be the object exportWisdom() returns, got ${describe(wisdom)}`);
  if (wisdom.format !== "crossgrad-wisdom" || wisdom.version !== 1)
    throw fail(
      `wisdom.format must be "crossgrad-wisdom" and wisdom.version 1, got ${shown(wisdom.format)} and ${shown(wisdom.version)}`,
    );
  const loops: unknown = wisdom.loops;
  if (typeof loops !== "object" || loops === null || Array.isArray(loops))
    throw fail(`wisdom.loops must be an object, got ${describe(loops)}`);
  const checked: [string, PoolingLoop][] = [];
  for (const [key, loop] of Object.entries(loops)) {
    if (!CLASS.test(key))
      throw fail(`wisdom.loops has ${shown(key)}, which is not a size class such as "f32 phi<=2^24 row<=2^8"`);
    if (loop !== "compacted" && loop !== "streaming")
      throw fail(`wisdom.loops[${shown(key)}] must be "compacted" or "streaming", got ${shown(loop)}`);
    checked.push([key, loop]);
  }
  for (const [key, loop] of checked) entries.set(key, { sizeClass: key, loop, source: "imported" });
}

/** @internal Forgets every choice (tests). */
export function resetPlan(): void {
  entries.clear();
}
