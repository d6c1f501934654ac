// docs/design.md §5 at full size: f32 pooled sums must not drift with the row count. phi uniform on
// [0, 1) (all positive, so running sums grow linearly: the hard case), half the gates on,
// k = 4 and 4,194,304 rows per group.
import { beforeAll, describe, expect, it } from "vitest";
import { createProblem, type Problem } from "../src/index.js";
import { init } from "../src/wasm/init.js";
import { referencePooled } from "../src/reference.js";
import { rng } from "./helpers.js";

const n = 4_194_304,
  m = 4_194_304,
  k = 4;

describe("f32 accuracy at 4,194,304 rows per group (docs/design.md §5)", () => {
  let problem: Problem<"f32">;
  let exact: { u: Float64Array; v: Float64Array };

  beforeAll(async () => {
    await init();
    problem = createProblem({ n, m, k });
    const random = rng(5);
    const phi = problem.phi;
    for (let i = 0; i < phi.length; i++) phi[i] = random();
    const h = problem.h;
    for (let r = 0; r < n + m; r++) h[r] = random() < 0.5 ? 1 : 0;
    // all terms are non-negative, so the compensated reference sum is also the sum of |terms|
    exact = referencePooled(problem.phi, problem.h, { n, m, k });
    return () => problem.dispose();
  });

  it("keeps every component of u and v, as seen in the gradient rows, within 2.4e-7 of sum |h phi|", () => {
    const gradient = problem.gradient();
    // read h after gradient(): its first call allocates the output region, which may grow
    // memory and detach views taken before
    const h = problem.h;
    const firstActive = (from: number) => {
      for (let r = from; ; r++) if (h[r] !== 0) return r;
    };
    const rowA = firstActive(0),
      rowB = firstActive(n);
    let worst = 0;
    for (let l = 0; l < k; l++) {
      // rows of A carry v, rows of B carry u (gate 1: exactly the pooled sums)
      worst = Math.max(worst, Math.abs(gradient[rowA * k + l] - exact.v[l]) / exact.v[l]);
      worst = Math.max(worst, Math.abs(gradient[rowB * k + l] - exact.u[l]) / exact.u[l]);
    }
    expect(worst).toBeLessThanOrEqual(2.4e-7);
  });

  it("keeps F within 1e-6 of sum_l |u_l v_l|", () => {
    let F = 0,
      scale = 0;
    for (let l = 0; l < k; l++) {
      F += exact.u[l] * exact.v[l];
      scale += Math.abs(exact.u[l] * exact.v[l]);
    }
    expect(Math.abs(problem.value() - F) / scale).toBeLessThanOrEqual(1e-6);
  });

  it("agrees with pooled() bit for bit", () => {
    const { u, v } = problem.pooled();
    const g = problem.gradient();
    const rowA = Array.prototype.findIndex.call(problem.h, (x: number) => x !== 0);
    expect(Array.from(g.subarray(rowA * k, rowA * k + k))).toEqual(Array.from(v));
    expect(u.length).toBe(k);
  });
});
