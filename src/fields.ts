// crossgrad/fields: the factorization-machine family (docs/design.md §16). Rows in G fields,
// weighted pairs of fields (a pair [g, g]: the pairs of rows within g), row weights and an offset:
// F and every gradient on the copying API, batches of gate sets, a zero-copy Problem, a thread
// pool, chunks, and models that learn phi, w, w0 and rho. An entry of its own, as
// crossgrad/recommend is, so that a page of two-field kernels does not load its code.

export {
  fieldValue,
  fieldGradients,
  fieldPooled,
  type FieldGradientOptions,
  type FieldGradients,
} from "./ops/fields.js";
export { fieldBatchValues, fieldBatchGradient, type FieldBatchGradient } from "./ops/fieldbatch.js";
export {
  createFieldProblem,
  FieldProblem,
  type FieldProblemGradientOptions,
  type FieldProblemGradients,
} from "./ops/fieldproblem.js";
export type { FieldProblemShape } from "./ops/fieldowned.js";
export {
  combineFieldParts,
  combineFieldSums,
  fieldGradientChunk,
  fieldPoolChunk,
  type FieldChunkOptions,
  type FieldChunkSums,
  type FieldPooled,
  type FieldPooledPart,
} from "./ops/fieldchunks.js";
export { ThreadedFieldProblem } from "./ops/fieldtiled.js";
export { createThreadedFieldProblem } from "./threads/fieldpool.js";
export { createFieldModel, loadFieldModel, type FieldModelOptions } from "./train/create.js";
export type { FieldParams, FieldShape } from "./util/types.js";
