// Shared by the factorization-machine family's zero-copy, threaded and chunked paths' tests
// (docs/design.md §16): shapes that cross blocks and tiles, and the copying call's results on the
// same inputs, whose bits every path must give.
import { type FieldShape, type FloatArray, type Precision } from "../src/index.js";
import { fieldGradients } from "../src/fields.js";
import { problem, shapes } from "./fields-helpers.js";

export interface Case {
  readonly name: string;
  readonly shape: FieldShape;
  readonly gates: "binary" | "real";
}

/** Rows around block boundaries (256), an empty field, a field smaller than a block, self and cross pairs. */
export function blockCases(): Case[] {
  const cases: Case[] = shapes().map(({ name, shape }, i) => ({ name, shape, gates: i % 2 ? "real" : "binary" }));
  const pairs: [number, number][] = [
    [0, 0],
    [0, 1],
    [0, 3],
    [1, 2],
    [2, 2],
    [2, 3],
    [3, 3],
  ];
  for (const k of [0, 1, 3, 4, 8, 9, 16, 17, 32, 33])
    for (const gates of ["binary", "real"] as const)
      cases.push({
        name: `fields 700+0+100+513, k=${k}, ${gates} gates`,
        shape: { fields: [700, 0, 100, 513], k, pairs },
        gates,
      });
  cases.push({
    name: "a classic FM of 1000 rows, k=5",
    shape: { fields: [1000], k: 5, pairs: [[0, 0]] },
    gates: "real",
  });
  return cases;
}

/** A case's inputs in the precision. */
export function inputs(c: Case, precision: Precision, seed: number) {
  const x = problem(c.shape, c.gates, seed);
  const A = precision === "f32" ? Float32Array : Float64Array;
  return { phi: A.from(x.phi), h: A.from(x.h), w: A.from(x.w), w0: x.w0, rho: Float64Array.from(x.rho) };
}

/** What fieldGradients gives on the inputs (copies). */
export function expected(c: Case, x: ReturnType<typeof inputs>, scale = 1) {
  const r = fieldGradients(x.phi as FloatArray, x.h, c.shape, { rho: x.rho, w: x.w, w0: x.w0 }, { scale });
  return { value: r.value, gradient: r.gradient, gateGradient: r.gateGradient!, pairGradient: r.pairGradient };
}
