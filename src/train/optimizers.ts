// Training's optimizers (docs/design.md §8): their options, the state kept between fit() and
// fitPartial(), and one step over the rows a mini-batch touched. The update rules themselves
// are kernels (assembly/optimize.ts): lazy, as embedding trainers' are.

import type { PrecisionKernels } from "../wasm/loader.js";

/** A learning rate, or a schedule: the rate of each epoch (0, 1, ...). */
export type LearningRate = number | ((epoch: number) => number);

/** The optimizer and its hyper-parameters (defaults in brackets). */
export type OptimizerOptions =
  | {
      readonly type: "sgd";
      /** [0.01] */ readonly learningRate?: LearningRate;
      /** [0] */ readonly momentum?: number;
      /** [false] */ readonly nesterov?: boolean;
      /** decoupled weight decay per step, phi -= lr * weightDecay * phi [0] */ readonly weightDecay?: number;
    }
  | {
      readonly type: "adagrad";
      /** [0.1] */ readonly learningRate?: LearningRate;
      /** [1e-7] */ readonly epsilon?: number;
      /** [0] */ readonly weightDecay?: number;
    }
  | {
      readonly type: "adam";
      /** [0.01] */ readonly learningRate?: LearningRate;
      /** [0.9] */ readonly beta1?: number;
      /** [0.999] */ readonly beta2?: number;
      /** [1e-7] */ readonly epsilon?: number;
      /** [0] */ readonly weightDecay?: number;
    };

/** The learning rate of an optimizer that gives none. */
export const defaultLearningRate = (type: OptimizerOptions["type"]): number => (type === "adagrad" ? 0.1 : 0.01);

/** The optimizer state kept between fit() and fitPartial(). */
export interface OptimizerState {
  readonly type: OptimizerOptions["type"];
  /** regions of state, each the size of phi (sgd with momentum: velocity; adagrad: sums of squares; adam: m, v) */
  readonly regions: number[];
  /** steps taken (adam's bias correction) */
  steps: number;
}

/** Regions of state (each the size of phi) an optimizer with these options needs. */
export function stateRegions(o: OptimizerOptions): number {
  return o.type === "adam" ? 2 : o.type === "adagrad" ? 1 : (o.momentum ?? 0) !== 0 ? 1 : 0;
}

/** Where a step works: the rows it updates, phi and the gradient buffer (pointers). */
export interface StepRows {
  /** how many rows, listed (u32) at `list` */
  readonly count: number;
  readonly list: number;
  readonly k: number;
  readonly phi: number;
  readonly grad: number;
}

/** Where region i of the state holds a part at `offset` bytes, or 0 (no such region). */
function stateAt(state: OptimizerState, i: number, offset: number): number {
  return i < state.regions.length ? state.regions[i] + offset : 0;
}

/**
 * One step of the optimizer over the listed rows of one part of the parameters (phi, or the
 * linear weights): the gradient buffer's rows, scaled by gradScale (clipping), update the
 * parameters and the rows' state, which lies at `stateOffset` bytes into each region of state
 * (the regions mirror the parameter block), and are zeroed. The caller counts the step
 * (state.steps) once for all parts.
 */
export function stepRows(
  K: PrecisionKernels,
  state: OptimizerState,
  o: OptimizerOptions,
  learningRate: number,
  rows: StepRows,
  gradScale: number,
  stateOffset = 0,
): void {
  const { count, list, k, phi, grad } = rows;
  const first = stateAt(state, 0, stateOffset),
    second = stateAt(state, 1, stateOffset);
  if (o.type === "adam") {
    const b1 = o.beta1 ?? 0.9,
      b2 = o.beta2 ?? 0.999,
      t = state.steps;
    const c1 = 1 - b1 ** t,
      c2 = 1 - b2 ** t;
    K.adamRows({
      count,
      list,
      k,
      phi,
      grad,
      mom: first,
      vel: second,
      lr: learningRate,
      b1,
      b2,
      eps: o.epsilon ?? 1e-7,
      c1,
      c2,
      decay: o.weightDecay ?? 0,
      gradScale,
    });
  } else if (o.type === "adagrad") {
    K.adagradRows({
      count,
      list,
      k,
      phi,
      grad,
      accum: first,
      lr: learningRate,
      eps: o.epsilon ?? 1e-7,
      decay: o.weightDecay ?? 0,
      gradScale,
    });
  } else {
    const momentum = o.momentum ?? 0;
    K.sgdRows({
      count,
      list,
      k,
      phi,
      grad,
      velocity: first,
      lr: learningRate,
      mu: momentum,
      nesterov: o.nesterov ?? false,
      decay: o.weightDecay ?? 0,
      gradScale,
    });
  }
}
