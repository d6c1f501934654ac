// The FM family on a thread pool (docs/design.md §16): a function of crossgrad/fields rather than
// a ThreadPool method, so that the pool's module does not load the family's code.

import { checkPrecision } from "../ops/checks.js";
import { checkFieldShape } from "../ops/fieldchecks.js";
import { ThreadedFieldProblem } from "../ops/fieldtiled.js";
import { checkOptions } from "../util/checks.js";
import { describe } from "../util/read.js";
import type { FieldShape, Precision } from "../util/types.js";
import { isThreadPool } from "./brand.js";
import type { ThreadPool } from "./pool.js";

/**
 * A factorization-machine problem (G fields, weighted pairs of them, row weights, an offset)
 * whose arrays live in the pool's shared memory: createFieldProblem's, its kernels on the pool's
 * threads, with the bits of one call for every thread count.
 *
 * @example
 * ```ts
 * const pool = await createThreadPool({ threads: 2 });
 * const p = createThreadedFieldProblem(pool, { fields: [250_000, 250_000], k: 32, pairs: [[0, 1], [1, 1]] });
 * p.phi.set(embeddings); p.h.fill(1);
 * const { value, gradient, pairGradient } = await p.gradients();
 * ```
 */
export function createThreadedFieldProblem<P extends Precision = "f32">(
  pool: ThreadPool,
  shape: FieldShape,
  options?: { precision?: P },
): ThreadedFieldProblem<P> {
  const caller = "createThreadedFieldProblem";
  if (!isThreadPool(pool))
    throw new TypeError(`${caller}(): pool must be a ThreadPool made by createThreadPool(), got ${describe(pool)}`);
  pool.live(caller);
  const s = checkFieldShape(caller, "shape", shape);
  const o = checkOptions<{ precision: P }>(caller, "options", options, ["precision"]);
  return new ThreadedFieldProblem(pool, s, checkPrecision(caller, o.precision) as P);
}
