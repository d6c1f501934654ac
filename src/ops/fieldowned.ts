// What a factorization-machine problem owns in wasm memory (docs/design.md §3, §16), for a
// FieldProblem (kernels on the calling thread) and a thread pool's (kernels on its workers): one
// region holds phi, h, w, rho and the shape's counts and pairs, and whatever its executor needs;
// output regions (dF/dphi, dF/dh, dF/drho) are made on first use; views are leased and rebuilt
// whenever the memory grew; after dispose() every member throws.

import type { FloatArrayOf, Precision } from "../util/types.js";
import { describe } from "../util/read.js";
import type { Engine, PrecisionKernels } from "../wasm/loader.js";
import { allocParts, type Parts } from "../wasm/layout.js";
import type { CheckedFieldShape } from "./fieldchecks.js";
import { Leased, RegionOwner } from "./owned.js";

/** The shape of a field problem, as validated at creation. */
export interface FieldProblemShape {
  readonly fields: readonly number[];
  readonly k: number;
  readonly pairs: readonly (readonly [number, number])[];
}

/** The outputs a field problem makes on first use. */
export type FieldOutput = "gradient" | "gateGradient" | "pairGradient";

/** The shape as errors describe it: "{ fields: [3, 2], k: 4, pairs: 2 }". */
export function fieldShapeText(s: CheckedFieldShape): string {
  return `{ fields: [${[...s.fields].join(", ")}], k: ${s.k}, pairs: ${s.pairs.length / 2} }`;
}

/** A field problem's memory: its region of named parts, its outputs, its views and its lifetime. */
export class FieldMemory<P extends Precision> extends RegionOwner<FieldOutput> {
  readonly shape: FieldProblemShape;
  readonly K: PrecisionKernels;
  readonly at: Readonly<Record<string, number>>;
  readonly #arrays: Record<"phi" | "h" | "w" | "rho", Leased>;
  /** The offset (a plain number: it is read once a call). */
  w0 = 0;

  constructor(
    engine: Engine,
    readonly s: CheckedFieldShape,
    readonly precision: P,
    label: string,
    extra: Parts<string>,
    caller: string,
  ) {
    super(engine, label);
    const K = (this.K = engine[precision]);
    const bytes = K.bytesPerElement;
    const P = s.pairs.length / 2;
    this.shape = Object.freeze({
      fields: Object.freeze([...s.fields]),
      k: s.k,
      pairs: Object.freeze(Array.from({ length: P }, (_, p) => Object.freeze([s.pairs[2 * p], s.pairs[2 * p + 1]]))),
    }) as FieldProblemShape;
    const parts = {
      phi: s.elements * bytes,
      h: s.rows * bytes,
      w: s.rows * bytes,
      rho: 8 * P,
      counts: 4 * s.fields.length,
      pairs: 4 * s.pairs.length,
      ...extra,
    };
    // one region: all or nothing
    const { base, at } = allocParts(engine.memory, parts, caller, () => `a ${this.what()}`);
    this.adopt(base);
    this.at = at;
    this.#arrays = {
      phi: new Leased(at.phi, s.elements),
      h: new Leased(at.h, s.rows),
      w: new Leased(at.w, s.rows),
      rho: new Leased(at.rho, P),
    };
    // regions may be reused memory: a new problem starts from zeros (rho from 1, the default)
    this.phi.fill(0);
    this.h.fill(0);
    this.w.fill(0);
    this.rho.fill(1);
    engine.memory.view(Uint32Array, at.counts, s.fields.length).set(s.fields);
    engine.memory.view(Uint32Array, at.pairs, s.pairs.length).set(s.pairs);
  }

  /** The problem as errors describe it. */
  what(): string {
    return `${fieldShapeText(this.s)} ${this.precision} field problem`;
  }

  get phi(): FloatArrayOf<P> {
    return this.#arrays.phi.view(this.engine, this.K) as FloatArrayOf<P>;
  }

  get h(): FloatArrayOf<P> {
    return this.#arrays.h.view(this.engine, this.K) as FloatArrayOf<P>;
  }

  get w(): FloatArrayOf<P> {
    return this.#arrays.w.view(this.engine, this.K) as FloatArrayOf<P>;
  }

  get rho(): Float64Array {
    return this.#arrays.rho.view(this.engine, this.engine.f64) as Float64Array;
  }

  /** gradient: rows x k elements; gateGradient: one a row; pairGradient: one a pair. */
  protected outputOf(name: FieldOutput) {
    const { s } = this;
    const length = name === "gradient" ? s.elements : name === "gateGradient" ? s.rows : s.pairs.length / 2;
    return { length, what: `the ${name} of a ${this.what()}` };
  }

  /** A leased view of an output made by output(). */
  override outputView(name: FieldOutput): FloatArrayOf<P> {
    return super.outputView(name) as FloatArrayOf<P>;
  }
}

/**
 * What every field problem shows of its memory: its shape and precision, phi, h, w and rho as
 * live views of wasm memory, the offset w0, and whether it was disposed.
 */
export abstract class OwnedFieldProblem<P extends Precision> {
  /** The shape, as validated at creation. */
  readonly shape: FieldProblemShape;
  /** Element type of phi, h, w and every result. */
  readonly precision: P;
  /** @internal */
  protected readonly owned: FieldMemory<P>;

  protected constructor(owned: FieldMemory<P>) {
    this.owned = owned;
    this.shape = owned.shape;
    this.precision = owned.precision;
  }

  /**
   * phi, rows x k row-major (field after field), as a live view of wasm memory: write into it,
   * then call the kernels. Read the getter again after anything that may grow memory.
   *
   * @example
   * ```ts
   * const p = createFieldProblem({ fields: [3], k: 2, pairs: [[0, 0]] }, { precision: "f64" });
   * p.phi.set([1, 0, 0, 1, 1, 1]);
   * p.h.fill(1);
   * p.value(); // 2
   * ```
   */
  get phi(): FloatArrayOf<P> {
    this.owned.live("phi");
    return this.owned.phi;
  }

  /**
   * The gates, one a row, of the problem's float type, as a live view (zeros at first).
   *
   * @example
   * ```ts
   * p.h.fill(1); // every row on
   * ```
   */
  get h(): FloatArrayOf<P> {
    this.owned.live("h");
    return this.owned.h;
  }

  /**
   * The row weights w, one a row, of the problem's float type, as a live view (zeros at first).
   *
   * @example
   * ```ts
   * p.w.set([1, 1, 1]); // F gains sum_r h_r w_r
   * ```
   */
  get w(): FloatArrayOf<P> {
    this.owned.live("w");
    return this.owned.w;
  }

  /**
   * The pair weights rho, one a pair of shape.pairs, as a live Float64Array view (ones at first).
   *
   * @example
   * ```ts
   * p.rho[0] = 0.5;
   * ```
   */
  get rho(): Float64Array {
    this.owned.live("rho");
    return this.owned.rho;
  }

  /**
   * The offset w0 (0 at first).
   *
   * @example
   * ```ts
   * p.w0 = 0.5; // F gains 0.5
   * ```
   */
  get w0(): number {
    this.owned.live("w0");
    return this.owned.w0;
  }

  set w0(value: number) {
    this.owned.live("w0");
    if (typeof value !== "number")
      throw new TypeError(`${this.owned.label}.w0: the offset must be a number, got ${describe(value)}`);
    this.owned.w0 = value;
  }

  /** True once dispose() was called. */
  get disposed(): boolean {
    return this.owned.disposed;
  }
}
