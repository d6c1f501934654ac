// `npx crossgrad plan` (bin/crossgrad.mjs, on the built dist) as a person meets it, run as a
// child process: it prints wisdom for the sizes given, which this machine's crossgrad imports; a
// bad flag gets one line naming it, then the usage, and exit status 2. Node only (child processes).
import { spawnSync } from "node:child_process";
import { cpus } from "node:os";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { exportWisdom, importWisdom, planEntries } from "../src/index.js";
import { init } from "../src/wasm/init.js";
import { resetPlan, sizeClass } from "../src/wasm/planner.js";

const plan = (...args: string[]) =>
  spawnSync(process.execPath, ["bin/crossgrad.mjs", ...args], { encoding: "utf8", timeout: 60_000 });

beforeAll(() => init());
afterEach(() => resetPlan());

describe("npx crossgrad plan", () => {
  it("prints the wisdom of every kernel of the sizes given, keyed to this machine, which imports it", () => {
    const run = plan("plan", "--sizes", "256x16,300x8", "--precision", "f64", "--mode", "patient");
    expect(run.stderr).toBe("");
    expect(run.status).toBe(0);
    const wisdom = JSON.parse(run.stdout);
    const classes = [sizeClass("f64", 512 * 16 * 8, 128), sizeClass("f64", 600 * 8 * 8, 64)];
    expect(Object.keys(wisdom.plans)).toEqual(classes);
    for (const c of classes)
      expect(Object.keys(wisdom.plans[c])).toEqual(["value", "valueAndGradient", "gateGradient"]);
    expect(wisdom).toMatchObject({ format: "crossgrad-wisdom", version: 3, mode: "patient" });
    // the same build, engine and CPU as this process
    expect(wisdom.key).toEqual(exportWisdom().key);
    expect(wisdom.key.cpu).toBe(`${cpus()[0].model.trim()}, ${cpus().length} threads`);
    importWisdom(wisdom);
    expect(planEntries()).toHaveLength(6);
  });

  it("prints its usage for --help", () => {
    const run = plan("--help");
    expect(run.status).toBe(0);
    expect(run.stdout).toMatch(/^usage: npx crossgrad plan --sizes/);
  });

  const cases: [string[], RegExp][] = [
    [["plan"], /^crossgrad: --sizes is required$/],
    [["plan", "--sizes", "4096"], /^crossgrad: --sizes: "4096" is not ROWSxK/],
    [["plan", "--sizes", "4096x0"], /^crossgrad: --sizes: "4096x0" is not ROWSxK/],
    [["plan", "--sizes", "64x8", "--precision", "f16"], /^crossgrad: --precision must be f32 or f64, got "f16"$/],
    [
      ["plan", "--sizes", "64x8", "--mode", "estimate"],
      /^crossgrad: --mode must be measure or patient, got "estimate"$/,
    ],
    [["plan", "--sizes", "64x8", "--budget", "soon"], /^crossgrad: --budget must be a number of ms >= 0, got "soon"$/],
    [["plan", "--sizes", "64x8", "--bogus"], /^crossgrad: Unknown option '--bogus'/],
    [["measure", "--sizes", "64x8"], /^crossgrad: the command must be "plan", got "measure"$/],
  ];
  for (const [args, message] of cases)
    it(`refuses ${args.join(" ")} in one line naming it, with the usage, exit status 2`, () => {
      const run = plan(...args);
      expect(run.status).toBe(2);
      expect(run.stdout).toBe("");
      const [first, blank, usage] = run.stderr.split("\n");
      expect(first).toMatch(message);
      expect([blank, usage.split(" --sizes")[0]]).toEqual(["", "usage: npx crossgrad plan"]);
    });
});
