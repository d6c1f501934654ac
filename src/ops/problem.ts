// The zero-copy API: a Problem owns its arrays inside wasm memory, so the kernels read and
// write them in place. Views are rebuilt whenever the memory grew (growth detaches the old
// ArrayBuffer, and every view of it then has length 0).

import { requireEngine, type Engine, type PrecisionKernels } from "../wasm/loader.js";
import { allocParts, allocRegion, copyOf, type WasmMemory } from "../wasm/memory.js";
import type { Pooled } from "./api.js";
import { shapeText } from "./call.js";
import { layoutOf, runPlanned, type Layout, type PlanCache, type PlanJob } from "../wasm/planner.js";
import type { FloatArray, FloatArrayOf, Precision, Shape } from "../util/types.js";
import { checkGradientOptions, checkOptions, checkPrecision, checkShape, type CheckedShape } from "./checks.js";

/** Options of {@link createProblem}. */
export interface ProblemOptions<P extends Precision = "f32"> {
  /** Element type of phi, h and every result. Default "f32". */
  readonly precision?: P;
}

/** Options of {@link Problem.gradient} and {@link Problem.valueAndGradient}. */
export interface ProblemGradientOptions {
  /** Multiplies the gradient (e.g. by L'(F)). Default 1. */
  readonly scale?: number;
  /** Add to the Problem's gradient region instead of overwriting it. Default false. */
  readonly accumulate?: boolean;
}

/** A region of the Problem and its view over the buffer it was last built for. */
class Region {
  private view: FloatArray | undefined;
  constructor(
    readonly ptr: number,
    readonly length: number,
  ) {}
  get(K: PrecisionKernels, memory: WasmMemory): FloatArray {
    if (this.view?.buffer !== memory.buffer) this.view = memory.lease(K.ArrayType, this.ptr, this.length);
    return this.view;
  }
}

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
export class Problem<P extends Precision = Precision> {
  /** The shape, as validated at creation. */
  readonly shape: Shape;
  /** Element type of every array of this Problem. */
  readonly precision: P;

  readonly #engine: Engine;
  readonly #K: PrecisionKernels;
  readonly #s: CheckedShape;
  /** The region of phi, h and the scratch. */
  readonly #base: number;
  readonly #phi: Region;
  readonly #h: Region;
  readonly #scratch: number;
  /** The planner's loops for each kernel once settled (docs/design.md §6), and what it plans by. */
  readonly #plans: Record<PlanJob, PlanCache> = {
    value: { generation: -1, bits: 0 },
    valueAndGradient: { generation: -1, bits: 0 },
    gateGradient: { generation: -1, bits: 0 },
  };
  readonly #layout: Layout;
  #gradient: Region | undefined;
  #gateGradient: Region | undefined;
  /** Where pooled() puts u and v (in the Problem's region). */
  readonly #pooled: { readonly u: number; readonly v: number };
  #disposed = false;

  /** @internal Use {@link createProblem}. */
  constructor(engine: Engine, s: CheckedShape, precision: P) {
    this.#engine = engine;
    this.#K = engine[precision];
    this.#s = s;
    this.shape = Object.freeze({ n: s.n, m: s.m, k: s.k });
    this.precision = precision;
    const bytes = this.#K.bytesPerElement;
    // one region: all or nothing
    const { base, at } = allocParts(
      engine.memory,
      {
        phi: s.elements * bytes,
        h: s.rows * bytes,
        scratch: this.#K.scratchBytes(s.n, s.m, s.k),
        u: s.k * bytes,
        v: s.k * bytes,
      },
      "createProblem",
      `a ${shapeText(s)} ${precision} problem`,
    );
    this.#base = base;
    this.#phi = new Region(at.phi, s.elements);
    this.#h = new Region(at.h, s.rows);
    this.#scratch = at.scratch;
    this.#pooled = { u: at.u, v: at.v };
    this.#layout = layoutOf(engine, this.#K, s.elements, s.k);
    // regions may be reused memory: a new Problem starts from zeros
    this.#view(this.#phi).fill(0);
    this.#view(this.#h).fill(0);
  }

  /** Error once disposed; `member` is a getter's name or a method's with its parentheses. */
  #live(member: string): void {
    if (this.#disposed) throw new Error(`Problem.${member}: this Problem was disposed`);
  }

  /** A dense call of `job` with the planner's loops for this Problem's class: `call(plan)` runs the kernel. */
  #planned<R>(job: PlanJob, call: (plan: number) => R, timed = true): R {
    return runPlanned(job, this.#layout, () => this.#view(this.#h), call, this.#plans[job], timed);
  }

  #view(region: Region): FloatArrayOf<P> {
    return region.get(this.#K, this.#engine.memory) as FloatArrayOf<P>;
  }

  /** A lazily allocated output region of `length` elements, zero-filled once. */
  #output(region: Region | undefined, length: number, method: string): Region {
    if (region !== undefined) return region;
    const ptr = allocRegion(
      this.#engine.memory,
      length * this.#K.bytesPerElement,
      `Problem.${method}`,
      `the output of a ${shapeText(this.#s)} ${this.precision} problem`,
    );
    const created = new Region(ptr, length);
    this.#view(created).fill(0);
    return created;
  }

  /**
   * phi, (n + m) x k row-major, as a live view of wasm memory: write into it, then call the
   * kernels. Read the getter again after anything that may grow memory.
   *
   * @example
   * ```ts
   * const p = createProblem({ n: 1, m: 1, k: 2 });
   * p.phi.set([1, 2, 3, 4]);
   * p.h.set([1, 1]);
   * p.value(); // 11
   * ```
   */
  get phi(): FloatArrayOf<P> {
    this.#live("phi");
    return this.#view(this.#phi);
  }

  /**
   * The gates, one per row (length n + m), of the Problem's float type, as a live view.
   *
   * @example
   * ```ts
   * const p = createProblem({ n: 2, m: 2, k: 8 });
   * p.h.fill(1); // every row on
   * ```
   */
  get h(): FloatArrayOf<P> {
    this.#live("h");
    return this.#view(this.#h);
  }

  /** True once {@link dispose} was called. */
  get disposed(): boolean {
    return this.#disposed;
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
    this.#live("value()");
    const s = this.#s;
    return this.#planned("value", (plan) =>
      this.#K.value(s.n, s.m, s.k, this.#phi.ptr, this.#h.ptr, this.#scratch, plan),
    );
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

  #valueAndGradient(method: string, options: ProblemGradientOptions | undefined) {
    this.#live(`${method}()`);
    const caller = `Problem.${method}`;
    const { scale, accumulate } = checkGradientOptions(checkOptions(options, caller, ["scale", "accumulate"]), caller);
    const s = this.#s;
    const out = (this.#gradient = this.#output(this.#gradient, s.elements, method));
    const value = this.#planned(
      "valueAndGradient",
      (plan) =>
        this.#K.valueAndGradient(
          s.n,
          s.m,
          s.k,
          this.#phi.ptr,
          this.#h.ptr,
          out.ptr,
          scale,
          accumulate,
          this.#scratch,
          plan,
        ),
      !accumulate,
    );
    return { value, gradient: this.#view(out) };
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
    this.#live("gateGradient()");
    const s = this.#s;
    const out = (this.#gateGradient = this.#output(this.#gateGradient, s.rows, "gateGradient"));
    this.#planned("gateGradient", (plan) =>
      this.#K.gateGradient(s.n, s.m, s.k, this.#phi.ptr, this.#h.ptr, out.ptr, this.#scratch, plan),
    );
    return this.#view(out);
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
    this.#live("pooled()");
    const s = this.#s;
    const { u, v } = this.#pooled;
    this.#planned("value", (plan) =>
      this.#K.pooled(s.n, s.m, s.k, this.#phi.ptr, this.#h.ptr, u, v, this.#scratch, plan),
    );
    const copy = (ptr: number) => copyOf(this.#engine.memory.view(this.#K.ArrayType, ptr, s.k)) as FloatArrayOf<P>;
    return { u: copy(u), v: copy(v) };
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
    if (this.#disposed) return;
    this.#disposed = true;
    const memory = this.#engine.memory;
    memory.free(this.#base);
    for (const region of [this.#gradient, this.#gateGradient]) if (region) memory.free(region.ptr);
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
  const s = checkShape(shape, caller);
  const precision = checkPrecision(
    checkOptions<ProblemOptions<P>>(options, caller, ["precision"]).precision,
    caller,
  ) as P;
  return new Problem(engine, s, precision);
}
