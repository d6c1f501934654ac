// The zero-copy API: a Problem owns its arrays inside wasm memory (src/ops/owned.ts), so the
// kernels read and write them in place, on the calling thread, each call planned by the
// planner (docs/design.md §6).

import { checkOptions } from "../util/checks.js";
import type { FloatArrayOf, GradientScaling, Pooled, Precision, Shape } from "../util/types.js";
import { requireEngine } from "../wasm/init.js";
import type { Engine, PrecisionKernels } from "../wasm/loader.js";
import { copyOf } from "../wasm/memory.js";
import { knownBits, layoutOf, runPlanned, type Layout, type PlanCache, type PlanJob } from "../wasm/planner.js";
import { checkGradientOptions, checkPrecision, checkShape, SCALING, type CheckedShape } from "./checks.js";
import { OwnedProblem, ProblemMemory, type Leased } from "./owned.js";

/** Each gradient method's name in errors, made once. */
const MEMBER = { gradient: "gradient()", valueAndGradient: "valueAndGradient()" } as const;
const CALLER = { gradient: "Problem.gradient", valueAndGradient: "Problem.valueAndGradient" } as const;
const NO_SCALING = { scale: 1, accumulate: false } as const;

/** Options of {@link createProblem}. */
export interface ProblemOptions<P extends Precision = "f32"> {
  /** Element type of phi, h and every result. Default "f32". */
  readonly precision?: P;
}

/** Options of {@link Problem.gradient} and {@link Problem.valueAndGradient}: how the gradient region is written. */
export type ProblemGradientOptions = GradientScaling;

/**
 * A problem of one shape whose phi, h and results live in wasm memory: fill {@link phi} and
 * {@link h} in place, then call the kernels with no copying. Create it with
 * {@link createProblem}; free it with {@link dispose}.
 *
 * Views (`phi`, `h`, and the arrays gradient methods return) die when wasm memory grows (any
 * larger call or Problem can grow it) or when the Problem is disposed: read the getter again,
 * or call the method again, rather than keeping a view.
 *
 * @example
 * ```ts
 * const p = createProblem({ n: 1, m: 1, k: 2 });
 * p.phi.set([1, 2, 3, 4]);
 * p.h.set([1, 1]);
 * p.valueAndGradient(); // { value: 11, gradient: Float32Array [3, 4, 1, 2] }
 * p.dispose();
 * ```
 */
export class Problem<P extends Precision = Precision> extends OwnedProblem<P> {
  /** The planner's loops for each kernel once settled (docs/design.md §6), and what it plans by. */
  readonly #plans: Record<PlanJob, PlanCache> = {
    value: { generation: -1, bits: 0 },
    valueAndGradient: { generation: -1, bits: 0 },
    gateGradient: { generation: -1, bits: 0 },
  };
  readonly #layout: Layout;
  /** What every call passes the kernels, fixed for the Problem's life (its region never moves): its counts and pointers. */
  readonly #args: { n: number; m: number; k: number; phi: number; h: number; scratch: number };
  readonly #K: PrecisionKernels;
  /** The output regions, once made (on a call's first use). */
  #gradient: Leased | undefined;
  #gateGradient: Leased | undefined;

  /** @internal Use {@link createProblem}. */
  constructor(engine: Engine, s: CheckedShape, precision: P) {
    const scratch = engine[precision].scratchBytes({ n: s.n, m: s.m, k: s.k });
    super(new ProblemMemory(engine, s, precision, "Problem", { scratch }, "createProblem"));
    const { K, at } = this.owned;
    this.#K = K;
    this.#layout = layoutOf(engine, K, s.elements, s.k);
    this.#args = { n: s.n, m: s.m, k: s.k, phi: at.phi, h: at.h, scratch: at.scratch };
  }

  /**
   * The plan bits of a call of `job`, known without the planner's clock (one loop for every
   * variant, or a settled choice, docs/design.md §6), else -1: the call then goes through #planned.
   */
  #bits(job: PlanJob): number {
    const a = this.#args;
    return knownBits(job, a.n, a.m, this.owned.engine.smallRows, this.#plans[job]);
  }

  /** A dense call of `job` with the planner's loops for this Problem's class: `call(plan)` runs the kernel. */
  #planned<R>(job: PlanJob, call: (plan: number) => R, timed = true): R {
    return runPlanned(job, this.#layout, () => this.owned.h, call, this.#plans[job], timed);
  }

  /**
   * F = <u, v> of the current phi and h.
   *
   * @example
   * ```ts
   * const p = createProblem({ n: 1, m: 1, k: 2 }, { precision: "f64" });
   * p.phi.set([1, 2, 3, 4]); p.h.set([1, 1]);
   * p.value(); // 11
   * ```
   */
  value(): number {
    this.owned.live("value()");
    const bits = this.#bits("value");
    return bits >= 0 ? this.#value(bits) : this.#planned("value", (plan) => this.#value(plan));
  }

  #value(plan: number): number {
    const a = this.#args;
    return this.#K.value({ n: a.n, m: a.m, k: a.k, phi: a.phi, h: a.h, scratch: a.scratch, plan });
  }

  /**
   * dF/dphi into the Problem's gradient region, returned as a view valid until the next call
   * that writes it. With `accumulate`, adds scale * dF/dphi to what the region holds
   * (zeros at first).
   *
   * @example
   * ```ts
   * const p = createProblem({ n: 1, m: 1, k: 2 });
   * p.phi.set([1, 2, 3, 4]); p.h.set([1, 1]);
   * p.gradient(); // Float32Array [3, 4, 1, 2]
   * ```
   */
  gradient(options?: ProblemGradientOptions): FloatArrayOf<P> {
    return this.#valueAndGradient("gradient", options).gradient;
  }

  /**
   * F and dF/dphi in one pass over phi; the gradient is a view of the Problem's gradient
   * region, as {@link gradient} returns.
   *
   * @example
   * ```ts
   * const p = createProblem({ n: 1, m: 1, k: 2 });
   * p.phi.set([1, 2, 3, 4]); p.h.set([1, 1]);
   * p.valueAndGradient(); // { value: 11, gradient: Float32Array [3, 4, 1, 2] }
   * ```
   */
  valueAndGradient(options?: ProblemGradientOptions): { value: number; gradient: FloatArrayOf<P> } {
    return this.#valueAndGradient("valueAndGradient", options);
  }

  #valueAndGradient(method: "gradient" | "valueAndGradient", options: ProblemGradientOptions | undefined) {
    this.owned.live(MEMBER[method]);
    const caller = CALLER[method];
    // no options: the defaults, without reading or allocating (a small call's hot path)
    const { scale, accumulate } =
      options === undefined
        ? NO_SCALING
        : checkGradientOptions(caller, checkOptions(caller, "options", options, SCALING));
    const out = (this.#gradient ??= this.owned.leased("gradient", caller));
    const bits = this.#bits("valueAndGradient");
    const value =
      bits >= 0
        ? this.#valueAndGradientKernel(bits, out.ptr, scale, accumulate)
        : this.#planned(
            "valueAndGradient",
            (plan) => this.#valueAndGradientKernel(plan, out.ptr, scale, accumulate),
            !accumulate,
          );
    return { value, gradient: out.view(this.owned.engine, this.#K) as FloatArrayOf<P> };
  }

  #valueAndGradientKernel(plan: number, out: number, scale: number, accumulate: boolean): number {
    const a = this.#args;
    return this.#K.valueAndGradient({
      n: a.n,
      m: a.m,
      k: a.k,
      phi: a.phi,
      h: a.h,
      out,
      scale,
      accumulate,
      scratch: a.scratch,
      plan,
    });
  }

  /**
   * dF/dh for every row into the Problem's gate-gradient region, returned as a view valid
   * until the next gateGradient() call.
   *
   * @example
   * ```ts
   * const p = createProblem({ n: 1, m: 1, k: 2 });
   * p.phi.set([1, 2, 3, 4]); p.h.set([1, 1]);
   * p.gateGradient(); // Float32Array [11, 11]
   * ```
   */
  gateGradient(): FloatArrayOf<P> {
    this.owned.live("gateGradient()");
    const out = (this.#gateGradient ??= this.owned.leased("gateGradient", "Problem.gateGradient"));
    const bits = this.#bits("gateGradient");
    if (bits >= 0) this.#gateGradientKernel(bits, out.ptr);
    else this.#planned("gateGradient", (plan) => this.#gateGradientKernel(plan, out.ptr));
    return out.view(this.owned.engine, this.#K) as FloatArrayOf<P>;
  }

  #gateGradientKernel(plan: number, out: number): void {
    const a = this.#args;
    this.#K.gateGradient({ n: a.n, m: a.m, k: a.k, phi: a.phi, h: a.h, out, scratch: a.scratch, plan });
  }

  /**
   * The pooled sums u and v, as new arrays (k elements each).
   *
   * @example
   * ```ts
   * const p = createProblem({ n: 1, m: 1, k: 2 });
   * p.phi.set([1, 2, 3, 4]); p.h.set([1, 1]);
   * p.pooled(); // { u: Float32Array [1, 2], v: Float32Array [3, 4] }
   * ```
   */
  pooled(): Pooled<FloatArrayOf<P>> {
    const { s, at, K, engine } = this.owned;
    this.owned.live("pooled()");
    const run = (plan: number) =>
      K.pooled({ n: s.n, m: s.m, k: s.k, phi: at.phi, h: at.h, u: at.u, v: at.v, scratch: at.scratch, plan });
    const bits = this.#bits("value");
    if (bits >= 0) run(bits);
    else this.#planned("value", run);
    const copy = (ptr: number) => copyOf(engine.memory.view(K.ArrayType, ptr, s.k)) as FloatArrayOf<P>;
    return { u: copy(at.u), v: copy(at.v) };
  }

  /**
   * Frees the Problem's wasm memory for reuse. Afterwards every method and getter throws, and
   * views obtained earlier must not be used (their memory is reused). Calling it twice is a no-op.
   *
   * @example
   * ```ts
   * const p = createProblem({ n: 4, m: 4, k: 16 });
   * p.dispose();
   * p.value(); // throws Error: Problem.value(): this Problem was disposed
   * ```
   */
  dispose(): void {
    if (this.owned.disposed) return;
    this.owned.dispose();
    this.owned.free();
  }
}

/**
 * A {@link Problem} of this shape, its arrays in wasm memory, filled with zeros.
 *
 * @example
 * ```ts
 * await init();
 * const p = createProblem({ n: 1000, m: 1000, k: 64 });
 * p.phi.set(myEmbeddings); // Float32Array of 2000 * 64
 * p.h.fill(1);
 * const { value, gradient } = p.valueAndGradient();
 * p.dispose();
 * ```
 */
export function createProblem<P extends Precision = "f32">(shape: Shape, options?: ProblemOptions<P>): Problem<P> {
  const caller = "createProblem";
  const engine = requireEngine(caller);
  const s = checkShape(caller, "shape", shape);
  const precision = checkPrecision(
    caller,
    checkOptions<ProblemOptions<P>>(caller, "options", options, ["precision"]).precision,
  ) as P;
  return new Problem(engine, s, precision);
}
