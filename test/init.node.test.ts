// init(): one compiled module, one shared promise, options fixed by the first call, a source
// override. Each case loads a fresh copy of the library (vi.resetModules), since init() is
// once per realm. Node only: vitest's browser mode cannot reset modules; in Chromium,
// worker.browser.test.ts checks init() in fresh Web Worker realms instead.
import { describe, expect, it, vi } from "vitest";
import { scalarWasm } from "../src/wasm/generated/scalar.js";

async function freshLibrary(): Promise<typeof import("../src/index.js")> {
  vi.resetModules();
  return import("../src/index.js");
}

const scalarBytes = (): Uint8Array<ArrayBuffer> => Uint8Array.from(atob(scalarWasm), (c) => c.charCodeAt(0));

describe("init()", () => {
  it("makes concurrent callers share one promise", async () => {
    const lib = await freshLibrary();
    const first = lib.init();
    expect(lib.init()).toBe(first);
    expect(lib.init({})).toBe(first);
    await first;
    expect(lib.init()).toBe(first);
  });

  it("picks the SIMD build where the host validates wasm SIMD", async () => {
    const lib = await freshLibrary();
    await lib.init();
    expect(lib.info().simd).toBe(lib.hostHasSimd());
  });

  it("rejects a later call whose explicit options differ from the first", async () => {
    const lib = await freshLibrary();
    await lib.init({ simd: false });
    await expect(lib.init({ simd: true })).rejects.toThrow("a later call cannot change the options");
    await expect(lib.init({ source: scalarBytes() })).rejects.toThrow(Error);
    // the same options, or none, are fine
    await expect(lib.init({ simd: false })).resolves.toBeUndefined();
    await expect(lib.init()).resolves.toBeUndefined();
    expect(lib.info().simd).toBe(false);
  });

  it("rejects a later call that changes the options the first call left to detection", async () => {
    const lib = await freshLibrary();
    await lib.init();
    await expect(lib.init({ simd: !lib.info().simd })).rejects.toThrow("cannot change the options");
  });

  it.each([
    ["bytes", () => scalarBytes()],
    ["an ArrayBuffer", () => scalarBytes().buffer],
    ["a compiled WebAssembly.Module", () => new WebAssembly.Module(scalarBytes())],
    ["a Response", () => new Response(scalarBytes(), { headers: { "content-type": "application/wasm" } })],
    ["a promised Response", () => Promise.resolve(new Response(scalarBytes()))],
  ])("loads a source override given as %s", async (_, source) => {
    const lib = await freshLibrary();
    await lib.init({ source: source() });
    expect(lib.info().simd).toBe(false); // it loaded the scalar bytes it was given
    expect(lib.value(new Float64Array([1, 2, 3, 4]), [1, 1], { n: 1, m: 1, k: 2 })).toBe(11);
  });

  it("rejects a bad source with TypeError, and can then be retried", async () => {
    const lib = await freshLibrary();
    await expect(lib.init({ source: "crossgrad.wasm" as never })).rejects.toThrow(TypeError);
    await expect(lib.init({ source: new Response("not found", { status: 404 }) })).rejects.toThrow(
      "init(): options.source is a Response of HTTP 404",
    );
    await lib.init();
    expect(lib.value(new Float32Array([1, 2, 3, 4]), [1, 1], { n: 1, m: 1, k: 2 })).toBe(11);
  });

  it("makes every kernel throw an Error saying to await init() before it resolves", async () => {
    const lib = await freshLibrary();
    const phi = new Float32Array(4);
    const shape = { n: 1, m: 1, k: 2 };
    for (const [name, call] of [
      ["value", () => lib.value(phi, [1, 1], shape)],
      ["gradient", () => lib.gradient(phi, [1, 1], shape)],
      ["gateGradient", () => lib.gateGradient(phi, [1, 1], shape)],
      ["valueAndGradient", () => lib.valueAndGradient(phi, [1, 1], shape)],
      ["pooled", () => lib.pooled(phi, [1, 1], shape)],
      ["createProblem", () => lib.createProblem(shape)],
      ["info", () => lib.info()],
    ] as const) {
      expect(call).toThrow(`crossgrad is not initialised: await init() before calling ${name}()`);
    }
    const pending = lib.init();
    expect(() => lib.value(phi, [1, 1], shape)).toThrow("await init()");
    await pending;
    expect(lib.value(phi, [1, 1], shape)).toBe(0);
  });
});
