// What a problem owns in wasm memory (docs/design.md §3, §7), for both kinds of problem: a
// Problem, whose kernels run on the calling thread, and a thread pool's problem, whose kernels
// run on its workers. One region holds phi, h, the pooled sums and whatever scratch its
// executor needs; output regions are made on first use; views are leased and rebuilt whenever
// the memory grew (growth detaches the old ArrayBuffer, and every view of it then has length
// 0); and after dispose() every member throws.

import type { FloatArray, FloatArrayOf, Precision, Shape } from "../util/types.js";
import type { Engine, PrecisionKernels } from "../wasm/loader.js";
import { allocParts, allocRegion, type Parts } from "../wasm/layout.js";
import { shapeText } from "./call.js";
import type { CheckedShape } from "./checks.js";

/** An array in wasm memory and its leased view over the buffer it was last made for. */
export class Leased {
  #view: FloatArray | undefined;
  constructor(
    readonly ptr: number,
    readonly length: number,
  ) {}
  view(engine: Engine, K: PrecisionKernels): FloatArray {
    // a growth detaches a view of unshared memory (its length reads 0) and leaves one of shared
    // memory valid: the length says which, without the buffer getters (a small call's hot path)
    if (this.#view === undefined || this.#view.length !== this.length || this.length === 0)
      this.#view = engine.memory.lease(K.ArrayType, this.ptr, this.length);
    return this.#view;
  }
}

/** The outputs a problem makes on first use. */
export type Output = "gradient" | "gateGradient";

/**
 * What owns regions of wasm memory for a problem: its outputs, made on first use, their leased
 * views, and its lifetime. `label` names its members in errors ("Problem", "FieldProblem", ...).
 */
export abstract class RegionOwner<O extends string> {
  abstract readonly K: PrecisionKernels;
  readonly #regions: number[] = [];
  readonly #outputs: Partial<Record<O, Leased>> = {};
  #disposed = false;

  constructor(
    readonly engine: Engine,
    readonly label: string,
  ) {}

  /** The problem as errors describe it. */
  abstract what(): string;

  /** An output's elements, and what it is in a refusal's message. */
  protected abstract outputOf(name: O): { readonly length: number; readonly what: string };

  /** Takes a region of the problem's: freed with it. */
  protected adopt(ptr: number): void {
    this.#regions.push(ptr);
  }

  get disposed(): boolean {
    return this.#disposed;
  }

  /** Error once disposed; `member` is a getter's name or a method's with its parentheses. */
  live(member: string): void {
    if (this.#disposed) throw new Error(`${this.label}.${member}: this ${this.label} was disposed`);
  }

  /** An output region, made and zeroed on first use; its pointer. */
  output(name: O, caller: string): number {
    return this.leased(name, caller).ptr;
  }

  /** An output region, made and zeroed on first use: its pointer and view (freed with the problem). */
  leased(name: O, caller: string): Leased {
    let output = this.#outputs[name];
    if (output === undefined) {
      const { length, what } = this.outputOf(name);
      const ptr = allocRegion(this.engine.memory, length * this.K.bytesPerElement, caller, what);
      this.#regions.push(ptr);
      output = this.#outputs[name] = new Leased(ptr, length);
      output.view(this.engine, this.K).fill(0);
    }
    return output;
  }

  /** A leased view of an output made by output(). */
  outputView(name: O): FloatArray {
    return this.#outputs[name]!.view(this.engine, this.K);
  }

  /** Marks the problem disposed (every member throws from now on); free() returns its memory. */
  dispose(): void {
    this.#disposed = true;
  }

  /** Returns every region to the allocator: views made for them die. Once. */
  free(): void {
    for (const ptr of this.#regions.splice(0)) this.engine.memory.free(ptr);
  }
}

/**
 * A problem's memory: its region of named parts (phi, h, u and v, and `extra`), its outputs, its
 * views and its lifetime. `label` names its members in errors ("Problem" or "ThreadedProblem").
 */
export class ProblemMemory<P extends Precision> extends RegionOwner<Output> {
  readonly shape: Shape;
  readonly K: PrecisionKernels;
  /** Where each part of the problem's region is. */
  readonly at: Readonly<Record<string, number>>;
  readonly #phi: Leased;
  readonly #h: Leased;

  constructor(
    engine: Engine,
    readonly s: CheckedShape,
    readonly precision: P,
    label: string,
    extra: Parts<string>,
    caller: string,
  ) {
    super(engine, label);
    const K = (this.K = engine[precision]);
    const bytes = K.bytesPerElement;
    this.shape = Object.freeze({ n: s.n, m: s.m, k: s.k });
    // one region: all or nothing
    const parts = { phi: s.elements * bytes, h: s.rows * bytes, u: s.k * bytes, v: s.k * bytes, ...extra };
    const { base, at } = allocParts(engine.memory, parts, caller, () => `a ${this.what()}`);
    this.adopt(base);
    this.at = at;
    this.#phi = new Leased(at.phi, s.elements);
    this.#h = new Leased(at.h, s.rows);
    // regions may be reused memory: a new problem starts from zeros
    this.phi.fill(0);
    this.h.fill(0);
  }

  /** The problem as errors describe it: "{ n: 2, m: 3, k: 4 } f32 problem". */
  what(): string {
    return `${shapeText(this.s)} ${this.precision} problem`;
  }

  get phi(): FloatArrayOf<P> {
    return this.#phi.view(this.engine, this.K) as FloatArrayOf<P>;
  }

  get h(): FloatArrayOf<P> {
    return this.#h.view(this.engine, this.K) as FloatArrayOf<P>;
  }

  /** gradient: (n + m) k elements; gateGradient: n + m. */
  protected outputOf(name: Output) {
    const gradient = name === "gradient";
    return {
      length: gradient ? this.s.elements : this.s.rows,
      what: `the ${gradient ? "gradient" : "gate gradient"} of a ${this.what()}`,
    };
  }

  /** A leased view of an output made by output(). */
  override outputView(name: Output): FloatArrayOf<P> {
    return super.outputView(name) as FloatArrayOf<P>;
  }
}

/**
 * What every problem shows of its memory: its shape and precision, phi and h as live views of
 * wasm memory, and whether it was disposed. Problem (the calling thread) and ThreadedProblem
 * (a thread pool) add their kernels.
 */
export abstract class OwnedProblem<P extends Precision> {
  /** The shape, as validated at creation. */
  readonly shape: Shape;
  /** Element type of phi, h and every result. */
  readonly precision: P;
  /** @internal */
  protected readonly owned: ProblemMemory<P>;

  protected constructor(owned: ProblemMemory<P>) {
    this.owned = owned;
    this.shape = owned.shape;
    this.precision = owned.precision;
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
    this.owned.live("phi");
    return this.owned.phi;
  }

  /**
   * The gates, one per row (length n + m), of the problem's float type, as a live view.
   *
   * @example
   * ```ts
   * const p = createProblem({ n: 2, m: 2, k: 8 });
   * p.h.fill(1); // every row on
   * ```
   */
  get h(): FloatArrayOf<P> {
    this.owned.live("h");
    return this.owned.h;
  }

  /** True once dispose() was called. */
  get disposed(): boolean {
    return this.owned.disposed;
  }
}
