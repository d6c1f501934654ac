// What training reads and changes of a model (docs/design.md §8): its memory, its parameters,
// the buffers of a step, its optimizer and snapshots, and its running state.

import type { CheckedShape } from "../ops/checks.js";
import type { Random } from "../util/random.js";
import type { Engine, PrecisionKernels } from "../wasm/loader.js";
import type { Scored } from "./minibatch.js";
import type { OptimizerState } from "./optimizers.js";
import type { Params } from "./params.js";

/**
 * @internal The copies a fit keeps (docs/design.md §8): the parameters where the call began and
 * where the current epoch began (the points a diverging run goes back to), and those of the
 * best epoch (early stopping).
 */
export type Snapshot = "start" | "epoch" | "best";

/** @internal What training reads and changes of a model: its memory and its running state. */
export interface Trainee extends Scored {
  readonly engine: Engine;
  readonly K: PrecisionKernels;
  readonly s: CheckedShape;
  readonly precision: "f32" | "f64";
  readonly phi: number;
  /** phi, and with linear terms w and w0, in one block from phi on */
  readonly params: Params;
  /** what a step needs besides phi, placed by the first fit (a model that only predicts has none) */
  stepBuffers: StepBuffers | undefined;
  optimizer: OptimizerState | undefined;
  /** regions for copies of phi and the optimizer state, placed as fits need them (see Snapshot) */
  snapshots: Partial<Record<Snapshot, number>>;
  epoch: number;
  random: Random;
  /** the method training, while it runs: callbacks may then only read the model */
  training: string | undefined;
  /** set by dispose(): a callback's dispose() stops training, which then frees the memory */
  disposed: boolean;
}

/**
 * @internal The buffers of an optimizer step, in one region: the gradient buffer (zero between
 * steps), the row marks (one byte a row, zero between steps), the list of a batch's rows and a
 * coefficient for each.
 * They hold nothing from one step to the next, but stay with the model from its first fit on.
 */
export interface StepBuffers {
  readonly base: number;
  /** the gradient of the parameter block (phi's, then w's and w0's), zero between steps */
  readonly grad: number;
  readonly marks: number;
  readonly list: number;
  /** a coefficient per listed row (the penalty per occurrence), and a list of one row, 0 (w0's step) */
  readonly coef: number;
  readonly zero: number;
}

/** Error once a callback disposed of the model: training stops. */
export function stopIfDisposed(t: Trainee, caller: string): void {
  if (t.disposed)
    throw new Error(`${caller}(): the Model was disposed during training (by a callback); training stopped`);
}
