// Bad input (docs/design.md §7): the right error class, a message that names the argument with the
// expected and the actual value, and nothing lost.
import { describe, expect, it } from "vitest";
import { createProblem, gateGradient, gradient, pooled, value, valueAndGradient } from "../src/index.js";
import { info, init } from "../src/wasm/init.js";

await init();

const shape = { n: 2, m: 1, k: 2 };
const phi = new Float32Array([1, 2, 3, 4, 5, 6]);
const h = [1, 1, 1];

const calls = {
  value: (p: unknown, g: unknown, s: unknown) => value(p as Float32Array, g as number[], s as typeof shape),
  gradient: (p: unknown, g: unknown, s: unknown) => gradient(p as Float32Array, g as number[], s as typeof shape),
  gateGradient: (p: unknown, g: unknown, s: unknown) =>
    gateGradient(p as Float32Array, g as number[], s as typeof shape),
  valueAndGradient: (p: unknown, g: unknown, s: unknown) =>
    valueAndGradient(p as Float32Array, g as number[], s as typeof shape),
  pooled: (p: unknown, g: unknown, s: unknown) => pooled(p as Float32Array, g as number[], s as typeof shape),
};

describe.each(Object.entries(calls))("%s()", (name, call) => {
  it.each([
    ["n", { n: -1, m: 1, k: 2 }, "-1"],
    ["m", { n: 2, m: 1.5, k: 2 }, "1.5"],
    ["k", { n: 2, m: 1, k: Infinity }, "Infinity"],
    ["k", { n: 2, m: 1, k: NaN }, "NaN"],
    ["n", { m: 1, k: 2 }, "undefined"],
  ])("throws RangeError naming shape.%s for a bad count", (field, bad, shown) => {
    expect(() => call(phi, h, bad)).toThrow(RangeError);
    expect(() => call(phi, h, bad)).toThrow(
      `${name}(): shape.${field} must be an integer from 0 to 4294967295, got ${shown}`,
    );
  });

  it("throws TypeError when shape is not an object", () => {
    expect(() => call(phi, h, 3)).toThrow(TypeError);
  });

  it.each([
    [[1, 2, 3, 4, 5, 6], "Array"],
    [new Int32Array(6), "Int32Array"],
    [null, "null"],
  ])("throws TypeError for phi = %o", (bad, shown) => {
    expect(() => call(bad, h, shape)).toThrow(TypeError);
    expect(() => call(bad, h, shape)).toThrow(`${name}(): phi must be a Float32Array or a Float64Array, got ${shown}`);
  });

  it.each([
    [new Int16Array(3), "Int16Array"],
    ["111", "string"],
    [{ 0: 1, 1: 1, 2: 1, length: 3 }, "Object"],
  ])("throws TypeError for gates h = %o", (bad, shown) => {
    expect(() => call(phi, bad, shape)).toThrow(TypeError);
    expect(() => call(phi, bad, shape)).toThrow(`got ${shown}`);
  });

  it("throws TypeError for a gate that is not a number", () => {
    expect(() => call(phi, [1, "1", 1], shape)).toThrow("h must hold numbers, but h[1] is string");
  });

  it("throws RangeError stating the expected and actual lengths", () => {
    expect(() => call(phi.subarray(1), h, shape)).toThrow(RangeError);
    expect(() => call(phi.subarray(1), h, shape)).toThrow(`${name}(): phi.length must be (n + m) * k = 6, got 5`);
    expect(() => call(phi, [1, 1], shape)).toThrow(`${name}(): h.length must be n + m = 3, got 2`);
  });
});

describe("options", () => {
  it("reject an out of another type or length", () => {
    expect(() => gradient(phi, h, shape, { out: new Float64Array(6) as never })).toThrow(TypeError);
    expect(() => gradient(phi, h, shape, { out: new Float64Array(6) as never })).toThrow(
      "gradient(): options.out must be a Float32Array like phi, got Float64Array",
    );
    expect(() => gradient(phi, h, shape, { out: new Float32Array(5) })).toThrow(
      "gradient(): options.out.length must be (n + m) * k = 6, got 5",
    );
    expect(() => gateGradient(phi, h, shape, { out: new Float32Array(6) })).toThrow(
      "gateGradient(): options.out.length must be n + m = 3, got 6",
    );
  });

  it("reject a scale that is not a number and an accumulate that is not a boolean", () => {
    expect(() => gradient(phi, h, shape, { scale: "2" as never })).toThrow(TypeError);
    expect(() => gradient(phi, h, shape, { accumulate: 1 as never })).toThrow(
      "gradient(): options.accumulate must be a boolean, got number",
    );
  });

  it("leave out untouched when the call is refused", () => {
    const out = new Float32Array([9, 9, 9, 9, 9, 9]);
    expect(() => gradient(phi, [1, 1], shape, { out })).toThrow(RangeError);
    expect(Array.from(out)).toEqual([9, 9, 9, 9, 9, 9]);
  });

  it("let a NaN scale propagate like any IEEE value", () => {
    expect(gradient(phi, h, shape, { scale: NaN }).every(Number.isNaN)).toBe(true);
  });
});

describe("createProblem()", () => {
  it("rejects a bad precision with TypeError", () => {
    expect(() => createProblem(shape, { precision: "f16" as never })).toThrow(
      'createProblem(): options.precision must be "f32" or "f64", got "f16"',
    );
  });

  it("rejects a bad shape with RangeError naming the field", () => {
    expect(() => createProblem({ n: 1, m: -3, k: 1 })).toThrow("createProblem(): shape.m must be");
  });

  it("refuses a problem beyond 4 GiB with the bytes it needs, and stays usable", () => {
    const before = info().memoryBytes;
    const huge = { n: 1_000_000, m: 1_000_000, k: 1000 };
    expect(() => createProblem(huge)).toThrow(RangeError);
    expect(() => createProblem(huge)).toThrow(
      /needs 8,0\d\d,\d{3},\d{3} bytes \(7\.4\d GiB\) of wasm memory, more than the 4,294,967,296 bytes/,
    );
    expect(info().memoryBytes).toBe(before);
    expect(value(phi, h, shape)).toBe(5 * 1 + 6 * 2 + 5 * 3 + 6 * 4);
  });

  it("refuses a problem that fits 4 GiB alone but not beside the memory in use, and stays usable", () => {
    const held = createProblem({ n: 1 << 20, m: 1 << 20, k: 8 }); // 64 MiB
    const before = info().memoryBytes;
    // phi and h take 4 GiB minus 40 MiB: alone it would fit
    const almost = { n: 0, m: Math.floor((2 ** 32 - 40 * 2 ** 20) / (65 * 4)), k: 64 };
    expect(() => createProblem(almost)).toThrow(RangeError);
    expect(() => createProblem(almost)).toThrow(
      /createProblem\(\): a .* f32 problem needs 4,2\d\d,\d{3},\d{3} bytes .* of wasm memory: wasm memory exhausted/,
    );
    expect(info().memoryBytes).toBe(before);
    held.phi.fill(1);
    held.h.fill(1);
    expect(held.value()).toBe((1 << 20) * (1 << 20) * 8);
    held.dispose();
  });
});

describe("a disposed Problem", () => {
  const p = createProblem(shape);
  p.dispose();
  it.each(["value", "gradient", "gateGradient", "valueAndGradient", "pooled"] as const)(
    "throws Error from %s()",
    (method) => {
      expect(() => p[method]()).toThrow(`Problem.${method}(): this Problem was disposed`);
    },
  );
  it.each(["phi", "h"] as const)("throws Error from the %s getter", (getter) => {
    expect(() => p[getter]).toThrow(`Problem.${getter}: this Problem was disposed`);
  });
  it("reports disposed and accepts a second dispose()", () => {
    expect(p.disposed).toBe(true);
    expect(() => p.dispose()).not.toThrow();
  });
});
