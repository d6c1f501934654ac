// The factorization-machine family's zero-copy API (docs/design.md §16): a FieldProblem owns phi,
// h, w and rho in wasm memory (src/ops/fieldowned.ts), so fieldsDense reads and writes them in
// place, on the calling thread, each call planned by the planner (docs/design.md §6). Its shape is
// checked once, at creation.

import { checkOptions } from "../util/checks.js";
import type { FieldShape, FloatArrayOf, Precision } from "../util/types.js";
import { requireEngine } from "../wasm/init.js";
import type { Engine } from "../wasm/loader.js";
import { layoutOf, runPlanned, type Layout, type PlanCache } from "../wasm/planner.js";
import { checkGradientOptions, checkPrecision } from "./checks.js";
import { checkFieldShape, type CheckedFieldShape } from "./fieldchecks.js";
import { FieldMemory, OwnedFieldProblem } from "./fieldowned.js";

/** Options of {@link FieldProblem.gradients}. */
export interface FieldProblemGradientOptions {
  /** dF/dphi is written times this. Default 1. */
  readonly scale?: number;
  /** Add scale * dF/dphi to what the gradient region holds (zeros at first). Default false. */
  readonly accumulate?: boolean;
  /** Compute dF/dh (a read of phi more for the fields without a self pair). Default true. */
  readonly gateGradient?: boolean;
}

/** The keys of {@link FieldProblemGradientOptions}, read once each. */
export const FIELD_PROBLEM_OPTIONS = ["scale", "accumulate", "gateGradient"] as const;

/** F and views of a field problem's gradient regions (valid until its next gradients call). */
export interface FieldProblemGradients<A> {
  readonly value: number;
  /** scale * dF/dphi (added to the region's contents when accumulating) */
  readonly gradient: A;
  /** dF/dh, one a row (undefined when options.gateGradient is false) */
  readonly gateGradient: A | undefined;
  /** dF/drho, one a pair */
  readonly pairGradient: A;
}

/** The options of a gradients call, checked: what the kernels are asked. */
export function checkFieldProblemOptions(
  caller: string,
  options: unknown,
): { scale: number; accumulate: boolean; gateGradient: boolean } {
  const o = checkOptions<Record<(typeof FIELD_PROBLEM_OPTIONS)[number], unknown>>(
    caller,
    "options",
    options,
    FIELD_PROBLEM_OPTIONS,
  );
  if (o.gateGradient !== undefined && typeof o.gateGradient !== "boolean")
    throw new TypeError(`${caller}(): options.gateGradient must be a boolean, got ${typeof o.gateGradient}`);
  return { ...checkGradientOptions(caller, o), gateGradient: o.gateGradient ?? true };
}

/**
 * A factorization-machine problem (G fields, weighted pairs of them, row weights and an offset)
 * whose phi, h, w and rho live in wasm memory: fill them in place, then call the kernels with no
 * copying. The results have the bits of {@link fieldValue} and {@link fieldGradients} on the
 * same inputs. Create it with {@link createFieldProblem}; free it with {@link dispose}.
 *
 * Views (`phi`, `h`, `w`, `rho`, and the arrays gradients() returns) die when wasm memory grows
 * or when the problem is disposed: read the getter again, or call the method again.
 *
 * @example
 * ```ts
 * const p = createFieldProblem({ fields: [3], k: 2, pairs: [[0, 0]] }, { precision: "f64" });
 * p.phi.set([1, 0, 0, 1, 1, 1]);
 * p.h.fill(1);
 * p.gradients(); // { value: 2, gradient: [1, 2, 2, 1, 1, 1], gateGradient: [1, 1, 2], pairGradient: [2] }
 * p.dispose();
 * ```
 */
export class FieldProblem<P extends Precision = Precision> extends OwnedFieldProblem<P> {
  /** The planner's settled loops for each kernel (docs/design.md §6), and what it plans by. */
  readonly #plans: Record<"value" | "valueAndGradient", PlanCache> = {
    value: { generation: -1, bits: 0 },
    valueAndGradient: { generation: -1, bits: 0 },
  };
  readonly #layout: Layout;

  /** @internal Use {@link createFieldProblem}. */
  constructor(engine: Engine, s: CheckedFieldShape, precision: P) {
    const K = engine[precision];
    const scratch = K.fieldsScratchBytes({ G: s.fields.length, largest: s.largest, k: s.k });
    super(new FieldMemory(engine, s, precision, "FieldProblem", { scratch }, "createFieldProblem"));
    this.#layout = layoutOf(engine, K, s.elements, s.k);
  }

  /** fieldsDense on the problem's arrays, with the planner's loops for `job`; what it writes is asked by pointers. */
  #call(
    job: "value" | "valueAndGradient",
    want: { out: number; scale: number; accumulate: boolean; gateOut: number; pairOut: number },
  ): number {
    const { s, at, K } = this.owned;
    const args = {
      G: s.fields.length,
      counts: at.counts,
      P: s.pairs.length / 2,
      pairs: at.pairs,
      rho: at.rho,
      k: s.k,
      phi: at.phi,
      h: at.h,
      w: at.w,
      w0: this.owned.w0,
      ...want,
      pooledOut: 0,
      scratch: at.scratch,
    };
    const timed = !want.accumulate;
    return runPlanned(
      job,
      this.#layout,
      () => this.owned.h,
      (plan) => K.fieldsDense({ ...args, plan }),
      this.#plans[job],
      timed,
    );
  }

  /**
   * F of the current phi, h, w, rho and w0.
   *
   * @example
   * ```ts
   * const p = createFieldProblem({ fields: [3], k: 2, pairs: [[0, 0]] }, { precision: "f64" });
   * p.phi.set([1, 0, 0, 1, 1, 1]); p.h.fill(1); p.w.fill(1); p.w0 = 0.5;
   * p.value(); // 5.5
   * ```
   */
  value(): number {
    this.owned.live("value()");
    return this.#call("value", { out: 0, scale: 1, accumulate: false, gateOut: 0, pairOut: 0 });
  }

  /**
   * F and every gradient in place: scale * dF/dphi (added to the region's contents with
   * `accumulate`), dF/dh (unless options.gateGradient is false) and dF/drho, as views of the
   * problem's output regions, valid until its next gradients() call. dF/dw_r is h_r and dF/dw0 is 1.
   *
   * @example
   * ```ts
   * const p = createFieldProblem({ fields: [3], k: 2, pairs: [[0, 0]] }, { precision: "f64" });
   * p.phi.set([1, 0, 0, 1, 1, 1]); p.h.fill(1);
   * const { value, gradient, gateGradient, pairGradient } = p.gradients();
   * // value 2; gradient [1, 2, 2, 1, 1, 1]; gateGradient [1, 1, 2]; pairGradient [2]
   * ```
   */
  gradients(options?: FieldProblemGradientOptions): FieldProblemGradients<FloatArrayOf<P>> {
    this.owned.live("gradients()");
    const caller = "FieldProblem.gradients";
    const { scale, accumulate, gateGradient } = checkFieldProblemOptions(caller, options);
    const out = this.owned.output("gradient", caller);
    const gateOut = gateGradient ? this.owned.output("gateGradient", caller) : 0;
    const pairOut = this.owned.output("pairGradient", caller);
    const value = this.#call("valueAndGradient", { out, scale, accumulate, gateOut, pairOut });
    return {
      value,
      gradient: this.owned.outputView("gradient"),
      gateGradient: gateGradient ? this.owned.outputView("gateGradient") : undefined,
      pairGradient: this.owned.outputView("pairGradient"),
    };
  }

  /**
   * Frees the problem's wasm memory for reuse. Afterwards every method and getter throws, and
   * views obtained earlier must not be used. Calling it twice is a no-op.
   *
   * @example
   * ```ts
   * p.dispose();
   * p.value(); // throws Error: FieldProblem.value(): this FieldProblem was disposed
   * ```
   */
  dispose(): void {
    if (this.owned.disposed) return;
    this.owned.dispose();
    this.owned.free();
  }
}

/**
 * A {@link FieldProblem} of this shape ({ fields: row counts, k, pairs: [g, g'] with g <= g' },
 * as {@link fieldValue}'s), its arrays in wasm memory: phi, h and w zeros, rho ones, w0 0.
 *
 * @example
 * ```ts
 * await init();
 * const p = createFieldProblem({ fields: [1000, 1000, 500], k: 32, pairs: [[0, 1], [0, 2], [1, 1]] });
 * p.phi.set(embeddings); p.h.fill(1);
 * const { value, gradient, pairGradient } = p.gradients();
 * p.dispose();
 * ```
 */
export function createFieldProblem<P extends Precision = "f32">(
  shape: FieldShape,
  options?: { readonly precision?: P },
): FieldProblem<P> {
  const caller = "createFieldProblem";
  const engine = requireEngine(caller);
  const s = checkFieldShape(caller, "shape", shape);
  const o = checkOptions<{ precision: P }>(caller, "options", options, ["precision"]);
  return new FieldProblem(engine, s, checkPrecision(caller, o.precision) as P);
}
