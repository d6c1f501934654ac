// Planning at init for shapes given in advance (init's `planShapes`, docs/planner.md): each
// shape's three kernels are called on stand-in inputs (phi uniform on [-1, 1), half the gates
// on, as the benchmarks' are) until their classes settle, so that no real call pays for the
// measuring. Only the timing modes time anything: the others plan without a clock.
import { describe, isList, readFields, shown } from "../util/read.js";
import type { Precision } from "../util/types.js";
import type { Engine } from "./loader.js";
import { isSettled, layoutOf, oneLoopBits, planMode, runPlanned, type PlanJob } from "./planner.js";

/** A shape to plan at init: rows of group A and B, k columns, and the precision (default f32). */
export interface PlanShape {
  readonly n: number;
  readonly m: number;
  readonly k: number;
  readonly precision?: Precision;
}

const JOBS: readonly PlanJob[] = ["value", "valueAndGradient", "gateGradient"];
/** A class settles within this many calls (100 runs of 18 variants and the warm-up turns, in patient mode). */
const MAX_CALLS = 102 * 18;

/** init's `planShapes`, checked: a TypeError or RangeError naming the bad element. */
export function checkPlanShapes(shapes: unknown): PlanShape[] {
  const name = "options.planShapes";
  if (!isList(shapes)) throw new TypeError(`init(): ${name} must be an array of shapes, got ${describe(shapes)}`);
  return [...shapes].map((shape, i) => {
    const at = `${name}[${i}]`;
    if (typeof shape !== "object" || shape === null)
      throw new TypeError(`init(): ${at} must be a shape { n, m, k, precision? }, got ${describe(shape)}`);
    const { n, m, k, precision } = readFields("init", at, shape, ["n", "m", "k", "precision"]);
    for (const [field, count] of Object.entries({ n, m, k }))
      if (typeof count !== "number" || !Number.isInteger(count) || count < 1 || count > 2 ** 28)
        throw new RangeError(`init(): ${at}.${field} must be a whole number from 1 to 2^28, got ${shown(count)}`);
    if (precision !== undefined && precision !== "f32" && precision !== "f64")
      throw new TypeError(`init(): ${at}.precision must be "f32", "f64" or undefined, got ${shown(precision)}`);
    return { n: n as number, m: m as number, k: k as number, precision: (precision ?? "f32") as Precision };
  });
}

/** Settles each shape's kernels on stand-in inputs in wasm memory (freed after). */
export function planShapes(engine: Engine, shapes: readonly PlanShape[]): void {
  if (planMode() !== "measure" && planMode() !== "patient") return;
  for (const { n, m, k, precision = "f32" } of shapes) {
    const K = engine[precision];
    const rows = n + m,
      elements = rows * k,
      bytes = K.bytesPerElement;
    const memory = engine.memory;
    const at = [elements, rows, elements, rows].map((count) => memory.alloc(count * bytes));
    const scratch = memory.alloc(K.scratchBytes({ n, m, k }));
    try {
      const [phi, h, out, gateOut] = at;
      let seed = 1;
      const random = () => ((seed = Math.imul(seed ^ (seed >>> 15), 0x2c1b3c6d) + 0x6d2b79f5) >>> 0) / 2 ** 32;
      memory.view(K.ArrayType, phi, elements).forEach((_, i, a) => (a[i] = 2 * random() - 1));
      const gates = memory.view(K.ArrayType, h, rows);
      gates.forEach((_, i) => (gates[i] = random() < 0.5 ? 1 : 0));
      const layout = layoutOf(engine, K, elements, k);
      const args = { n, m, k, phi, h, scratch };
      const calls: Record<PlanJob, (plan: number) => unknown> = {
        value: (plan) => K.value({ ...args, plan }),
        valueAndGradient: (plan) => K.valueAndGradient({ ...args, out, scale: 1, accumulate: false, plan }),
        gateGradient: (plan) => K.gateGradient({ ...args, out: gateOut, plan }),
      };
      // (a job whose every variant runs one loop on this shape is never planned)
      for (const job of JOBS.filter((j) => oneLoopBits(j, n, m, engine.smallRows) < 0))
        for (let call = 0; call < MAX_CALLS && !isSettled(job, layout); call++)
          runPlanned(job, layout, () => gates, calls[job]);
    } finally {
      for (const ptr of [...at, scratch]) memory.free(ptr);
    }
  }
}
