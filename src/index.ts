// crossgrad: F(h; phi) = sum over i in A, j in B of h_i h_j <phi_i, phi_j> = <u, v>, and its
// exact gradients dF/dphi and dF/dh, in WebAssembly SIMD. See README.md and docs/design.md.

export { init, info, hostHasSimd, type InitOptions, type RuntimeInfo, type WasmSource } from "./loader.js";
export {
  value,
  gradient,
  valueAndGradient,
  gateGradient,
  pooled,
  type GradientOptions,
  type GateGradientOptions,
  type Pooled,
} from "./api.js";
export { batchPooled, batchGradient, type BatchPooled } from "./batch.js";
export {
  exportWisdom,
  importWisdom,
  planEntries,
  PLAN_BUDGET_MS,
  type PlanEntry,
  type PlanJob,
  type PlanMode,
  type PoolingLoop,
  type Variant,
  type Wisdom,
} from "./planner.js";
export { createProblem, Problem, type ProblemOptions, type ProblemGradientOptions } from "./problem.js";
export {
  CHUNK_ALIGNMENT,
  combinePooled,
  gateGradientChunk,
  gradientChunk,
  poolChunk,
  type PooledNodes,
  type PooledPart,
} from "./chunks.js";
export {
  createThreadPool,
  MAX_THREADS,
  ThreadPool,
  ThreadedProblem,
  TILE_ROWS,
  type ThreadPoolOptions,
} from "./threads.js";
export { createModel, loadModel, Model, type ModelOptions } from "./model.js";
export type { EpochReport, FitOptions, History } from "./fit.js";
export type { Loss } from "./losses.js";
export type { Observations } from "./minibatch.js";
export type { LearningRate, OptimizerOptions } from "./optimizers.js";
export { auc, logLoss, rmse, sigmoid } from "./metrics.js";
export type {
  DenseGates,
  DenseGateSets,
  FloatArray,
  FloatArrayOf,
  GateSets,
  Gates,
  Precision,
  Shape,
  SparseGates,
} from "./types.js";
