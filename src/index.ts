// crossgrad: F(h; phi) = sum over i in A, j in B of h_i h_j <phi_i, phi_j> = <u, v>, and its
// exact gradients dF/dphi and dF/dh, in WebAssembly SIMD. See README.md and docs/design.md.

export { init, info, type InitOptions, type RuntimeInfo } from "./wasm/init.js";
export { hostHasSimd, type WasmSource } from "./wasm/loader.js";
export { value, gradient, valueAndGradient, gateGradient, pooled } from "./ops/api.js";
export { batchPooled, batchGradient, type BatchPooled } from "./ops/batch.js";
export {
  planEntries,
  PLAN_BUDGET_MS,
  type PlanEntry,
  type PlanJob,
  type PlanMode,
  type PoolingLoop,
  type Variant,
} from "./wasm/planner.js";
export type { PlanShape } from "./wasm/preplan.js";
export { exportWisdom, importWisdom, type ImportWisdomOptions, type Wisdom, type WisdomKey } from "./wasm/wisdom.js";
export { createProblem, Problem, type ProblemOptions, type ProblemGradientOptions } from "./ops/problem.js";
export {
  CHUNK_ALIGNMENT,
  combinePooled,
  gateGradientChunk,
  gradientChunk,
  poolChunk,
  type PooledNodes,
  type PooledPart,
} from "./ops/chunks.js";
export { createThreadPool, MAX_THREADS, ThreadPool, type ThreadPoolOptions } from "./threads/pool.js";
export { ThreadedProblem, TILE_ROWS } from "./ops/tiled.js";
export { createModel, loadModel, type ModelOptions } from "./train/create.js";
export { Model } from "./train/model.js";
export type { EpochReport, FitOptions, History } from "./train/options.js";
export type { Loss } from "./train/losses.js";
export type { Observations } from "./train/minibatch.js";
export type { LearningRate, OptimizerOptions } from "./train/optimizers.js";
export { flatThenLinear, type FlatThenLinearOptions } from "./train/schedule.js";
export { auc, logLoss, mae, rmse, sigmoid } from "./train/metrics.js";
export type {
  GateGradientOptions,
  GradientOptions,
  GradientScaling,
  Pooled,
  DenseGates,
  DenseGateSets,
  FieldParams,
  FieldShape,
  FloatArray,
  FloatArrayOf,
  GateSets,
  Gates,
  Precision,
  Shape,
  SparseGates,
} from "./util/types.js";
