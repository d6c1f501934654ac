// dF/dphi and dF/dh against central finite differences of F, and the wrong formulas of
// docs/design.md §1 fed to the same checks: they must fail them, or the checks have no teeth.
import { beforeAll, describe, expect, it } from "vitest";
import { gateGradient, gradient } from "../src/index.js";
import { init } from "../src/wasm/init.js";
import { referenceGradient } from "../src/reference.js";
import { finiteDifferenceErrorGates, finiteDifferenceErrorPhi, wrongFormulas } from "./gradient-checks.js";
import { randomProblem, type GateKind } from "./helpers.js";

beforeAll(() => init());

// each group with at least two active rows and u, v nonzero, so that no wrong formula can
// coincide with the truth (docs/design.md §1)
const CASES: { shape: { n: number; m: number; k: number }; gates: GateKind }[] = [
  { shape: { n: 3, m: 4, k: 5 }, gates: "on" },
  { shape: { n: 6, m: 5, k: 9 }, gates: "real" },
  { shape: { n: 70, m: 3, k: 3 }, gates: "binary" },
  { shape: { n: 4, m: 66, k: 34 }, gates: "real" },
];

describe("central finite differences of F", () => {
  describe.each(CASES)("at $shape with gates $gates", ({ shape, gates }) => {
    it("agree with dF/dphi and dF/dh in f64 to 1e-8", () => {
      const { phi, h } = randomProblem(shape, "f64", gates, 21);
      expect(finiteDifferenceErrorPhi(phi, h, shape, gradient(phi, h, shape), 1e-3)).toBeLessThan(1e-8);
      expect(finiteDifferenceErrorGates(phi, h, shape, gateGradient(phi, h, shape), 1e-3)).toBeLessThan(1e-8);
    });

    it("agree with dF/dphi and dF/dh in f32 to 1e-3", () => {
      const { phi, h } = randomProblem(shape, "f32", gates, 22);
      expect(finiteDifferenceErrorPhi(phi, h, shape, gradient(phi, h, shape), 1e-2)).toBeLessThan(1e-3);
      expect(finiteDifferenceErrorGates(phi, h, shape, gateGradient(phi, h, shape), 1e-2)).toBeLessThan(1e-3);
    });

    it("reject each wrong formula of the design (§1) (the checks have teeth)", () => {
      const { phi, h } = randomProblem(shape, "f64", gates, 23);
      const truth = referenceGradient(phi, h, shape);
      const wrong = {
        sumsOverTheRow: wrongFormulas.sumsOverTheRow(phi, h, shape),
        quadraticInTheRow: wrongFormulas.quadraticInTheRow(phi, h, shape),
        factorTwo: wrongFormulas.factorTwo(truth),
      };
      for (const [name, g] of Object.entries(wrong)) {
        expect(finiteDifferenceErrorPhi(phi, h, shape, g, 1e-3), name).toBeGreaterThan(1e-2);
      }
      expect(
        finiteDifferenceErrorGates(phi, h, shape, wrongFormulas.factorTwo(gateGradient(phi, h, shape)), 1e-3),
      ).toBeGreaterThan(1e-2);
    });
  });
});
