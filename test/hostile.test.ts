// Hostile arguments (docs/design.md §7): a caller's object is read once, through the intrinsic
// getters, and only what was checked is used; only views that crossgrad handed out count as
// crossgrad memory; every timer crossgrad sets fits the host's. Each case here once made a
// call read or write past the bytes it checked, trap, or settle wrongly.
import { afterAll, describe, expect, it } from "vitest";
import {
  batchGradient,
  batchPooled,
  combinePooled,
  createModel,
  createProblem,
  createThreadPool,
  gateGradient,
  gradient,
  poolChunk,
  pooled,
  value,
  valueAndGradient,
  type FloatArray,
  type Precision,
} from "../src/index.js";
import { init, requireEngine } from "../src/wasm/init.js";
import { referenceGradient, referencePooled, referenceValue } from "../src/reference.js";
import { changingList, firstBitDifference, lyingLength, randomProblem, twoFaced } from "./helpers.js";

await init();

const Types = { f32: Float32Array, f64: Float64Array } as const;

describe.each(["f32", "f64"] as const)("%s arrays whose own properties lie", (precision: Precision) => {
  const Type = Types[precision];
  const shape = { n: 5, m: 4, k: 3 };
  const { phi, h } = randomProblem(shape, precision, "real", 3);
  const rows = shape.n + shape.m;

  it("an out view of wasm memory whose own length is larger than its real one is refused, and the next Problem is untouched", () => {
    const p = createProblem({ n: rows * shape.k - 2, m: 0, k: 1 }, { precision });
    const neighbour = createProblem({ n: 64, m: 0, k: 1 }, { precision });
    neighbour.phi.fill(7);
    const out = lyingLength(p.phi, rows * shape.k);
    expect(() => gradient(phi, h, shape, { out: out as FloatArray })).toThrow(
      /^gradient\(\): options\.out\.length must be \(n \+ m\) \* k = 27, got 25$/,
    );
    expect(neighbour.phi.every((x) => x === 7)).toBe(true);
    p.dispose();
    neighbour.dispose();
  });

  it("phi and h with a lying own length are read by their real length: the call refuses them by it", () => {
    const short = lyingLength(phi.slice(0, phi.length - 3), phi.length);
    expect(() => value(short, h, shape)).toThrow(/^value\(\): phi\.length must be \(n \+ m\) \* k = 27, got 24$/);
    const shortH = lyingLength(h.slice(0, rows - 1), rows);
    expect(() => value(phi, shortH, shape)).toThrow(/^value\(\): h\.length must be n \+ m = 9, got 8$/);
  });

  it("an honest array with a lying own length gives the honest result", () => {
    const liar = lyingLength(phi.slice(), 1);
    expect(value(liar, lyingLength(h.slice(), 2), shape)).toBe(value(phi, h, shape));
    const out = lyingLength(new Type(rows * shape.k), 3);
    const returned = gradient(phi, h, shape, { out });
    expect(returned).toBe(out);
    expect(firstBitDifference(new Type(out.buffer), gradient(phi, h, shape))).toBe(-1);
  });

  it("a plain out with a lying own length is refused by its real length, never a raw RangeError", () => {
    const out = lyingLength(new Type(rows * shape.k - 1), rows * shape.k);
    expect(() => gradient(phi, h, shape, { out })).toThrow(/^gradient\(\): options\.out\.length must be/);
  });

  it("a subclass whose length getter lies is read by its real length", () => {
    const Base = Type as typeof Float64Array;
    class Liar extends Base {
      override get length(): number {
        return 1;
      }
    }
    const liar = new Liar(phi.length);
    liar.set(phi);
    expect(value(liar as unknown as FloatArray, h, shape)).toBe(value(phi, h, shape));
  });

  it("a Proxy of a typed array is no typed array: a TypeError naming the argument", () => {
    expect(() => value(new Proxy(phi, {}), h, shape)).toThrow(
      /^value\(\): phi must be a Float32Array or a Float64Array, got a Proxy or an imitation of /,
    );
  });

  it("gates as a Proxy of an array are read once: a list that lies on a second read gives the honest result", () => {
    const gates = Array.from(h);
    const liar = changingList(gates, 1, (key) => (key === "length" ? rows + 100 : "a string"));
    expect(value(phi, liar, shape)).toBe(value(phi, gates, shape));
  });

  it("a hole in number[] gates is a TypeError naming h", () => {
    const gates: number[] = Array.from(h);
    delete gates[2];
    expect(() => value(phi, gates, shape)).toThrow(/^value\(\): h must hold numbers, but h\[2\] is undefined/);
  });

  it("an options.out getter that answers differently on a second read is read once", () => {
    const out = new Type(rows * shape.k);
    const options = twoFaced({ out: undefined as FloatArray | undefined }, "out", out, new Type(1));
    expect(gradient(phi, h, shape, options)).toBe(out);
  });

  it("a shape getter that throws is a TypeError naming the field", () => {
    const hostile = {
      n: 5,
      m: 4,
      get k(): number {
        throw new Error("boom");
      },
    };
    expect(() => value(phi, h, hostile)).toThrow(/^value\(\): reading shape\.k threw: boom$/);
  });

  it("sparse gates whose index has a lying own length are read by the real one", () => {
    const index = lyingLength(new Uint32Array([0, 2, 6]), 2);
    const gates = new Float64Array(rows);
    for (const r of [0, 2, 6]) gates[r] = 1;
    expect(value(phi, { index }, shape)).toBe(referenceValueOf(phi, gates));
    function referenceValueOf(p: FloatArray, g: Float64Array) {
      return value(p, g, shape);
    }
  });

  it("a batch's sets with lying lengths are read by their real ones", () => {
    const sets = {
      indptr: lyingLength(new Uint32Array([0, 2, 3]), 9),
      index: lyingLength(new Uint32Array([0, 6, 7]), 1),
    };
    const honest = { indptr: new Uint32Array([0, 2, 3]), index: new Uint32Array([0, 6, 7]) };
    const p = batchPooled(phi, sets, shape);
    expect(firstBitDifference(p.values, batchPooled(phi, honest, shape).values)).toBe(-1);
    const weights = lyingLength(new Float64Array([1, -1]), 5);
    const out = new Type(rows * shape.k);
    const g = batchGradient(sets, shape, p, weights, { out });
    expect(firstBitDifference(g, batchGradient(honest, shape, p, [1, -1], { out: new Type(rows * shape.k) }))).toBe(-1);
  });
});

describe("combinePooled reads its parts once", () => {
  const shape = { n: 512, m: 256, k: 4 };
  const { phi, h } = randomProblem(shape, "f64", "binary", 5);
  const k = shape.k;
  const chunk = (start: number, rows: number) =>
    poolChunk(phi.subarray(start * k, (start + rows) * k), h.subarray(start, start + rows), shape, start);
  const parts = [chunk(0, 256), chunk(256, 256), chunk(512, 256)];
  const whole = pooled(phi, h, shape);

  it("a hole in the list is a TypeError naming it", () => {
    // eslint-disable-next-line no-sparse-arrays
    const holey = [parts[0], , parts[2]];
    expect(() => combinePooled(holey as never)).toThrow(
      /^combinePooled\(\): parts\[1\] must be a poolChunk\(\) result, got undefined/,
    );
  });

  it("a Proxy whose length changes on every read gives the honest result", () => {
    const liar = changingList(parts as never, 1, (key) => (key === "length" ? 0 : Reflect.get(parts, key)));
    const combined = combinePooled(liar as never);
    expect(firstBitDifference(combined.u, whole.u)).toBe(-1);
    expect(firstBitDifference(combined.v, whole.v)).toBe(-1);
  });

  it("an Array subclass whose map substitutes unchecked parts is read element by element", () => {
    class Swapping extends Array {
      override map(): never {
        throw new Error("map must not be called");
      }
    }
    const list = Swapping.from(parts);
    const combined = combinePooled(list as never);
    expect(firstBitDifference(combined.v, whole.v)).toBe(-1);
  });

  it("node arrays with lying lengths are read by their real ones", () => {
    const lying = {
      ...parts[0],
      a: {
        blocks: lyingLength(parts[0].a.blocks.slice(), 40),
        levels: parts[0].a.levels,
        sums: lyingLength(parts[0].a.sums.slice(), 1000),
      },
    };
    const combined = combinePooled([lying, parts[1], parts[2]]);
    expect(firstBitDifference(combined.u, whole.u)).toBe(-1);
  });
});

describe("views of crossgrad's internal memory are not the caller's", () => {
  const shape = { n: 4, m: 3, k: 2 };
  const { phi, h } = randomProblem(shape, "f32", "on", 9);
  const memory = requireEngine("test").memory;
  const problems: { dispose(): void }[] = [];
  afterAll(() => problems.forEach((p) => p.dispose()));

  /** A hand-made view of `length` floats at byte `at` of wasm memory. */
  const viewAt = <A extends FloatArray | Uint32Array>(
    Type: new (b: ArrayBuffer, o: number, l: number) => A,
    at: number,
    length: number,
  ) => new Type(memory.buffer, at, length);

  it("a sparse h.index in the arena of the copying calls is refused, not a trap", () => {
    value(phi, h, shape); // the arena exists
    const arena = memory.arena(0, "test", "the arena");
    const index = viewAt(Uint32Array, arena, 2);
    expect(() => value(phi, { index }, shape)).toThrow(/^value\(\): h\.index is a view of crossgrad's internal memory/);
  });

  it("a phi made by hand over a Problem's scratch is refused, and no other Problem is written", () => {
    const p = createProblem({ n: 64, m: 64, k: 8 });
    const other = createProblem({ n: 8, m: 8, k: 8 });
    problems.push(p, other);
    other.phi.fill(3);
    const afterH = p.h.byteOffset + p.h.byteLength;
    const scratch = viewAt(Float32Array, Math.ceil(afterH / 64) * 64, phi.length);
    expect(() => gradient(scratch, h, shape)).toThrow(/^gradient\(\): phi is a view of crossgrad's internal memory/);
    expect(other.phi.every((x) => x === 3)).toBe(true);
  });

  it("an out made by hand over a Model's training buffers is refused", () => {
    const model = createModel({ n: 4, m: 3, k: 2 });
    problems.push(model);
    const afterPhi = model.phi.byteOffset + model.phi.byteLength;
    const out = viewAt(Float32Array, Math.ceil(afterPhi / 64) * 64, phi.length);
    expect(() => gradient(phi, h, shape, { out })).toThrow(
      /^gradient\(\): options\.out is a view of crossgrad's internal memory/,
    );
  });

  it("a view made by hand over a Problem's own phi is the caller's: used in place", () => {
    const p = createProblem(shape);
    problems.push(p);
    p.phi.set(phi);
    const same = viewAt(Float32Array, p.phi.byteOffset, phi.length);
    expect(value(same, h, shape)).toBe(value(phi, h, shape));
    const out = createProblem({ n: phi.length, m: 0, k: 1 });
    problems.push(out);
    const handMade = viewAt(Float32Array, out.phi.byteOffset, phi.length);
    expect(gradient(phi, h, shape, { out: handMade })).toBe(handMade);
    expect(firstBitDifference(out.phi, gradient(phi, h, shape))).toBe(-1);
  });

  it("the reference agrees with the calls these tests compare against", () => {
    expect(value(phi, h, shape)).toBeCloseTo(referenceValue(phi, h, shape), 4);
    expect(gradient(phi, h, shape)[0]).toBeCloseTo(referenceGradient(phi, h, shape)[0], 4);
    expect(pooled(phi, h, shape).u[0]).toBeCloseTo(referencePooled(phi, h, shape).u[0], 4);
    expect(gateGradient(phi, h, shape).length).toBe(7);
    expect(valueAndGradient(phi, h, shape).value).toBe(value(phi, h, shape));
  });
});

describe("timers fit the host's", () => {
  it("a startTimeout of 2^31 ms or more is clamped to 2^31 - 1 ms, not fired at once", async () => {
    const workerUrl = new URL("../dist/worker.js", import.meta.url);
    const pool = await createThreadPool({ threads: 1, startTimeout: 2 ** 40, workerUrl });
    expect(pool.threads).toBe(1);
    await pool.terminate();
    const infinite = await createThreadPool({ threads: 1, startTimeout: Infinity, workerUrl });
    await infinite.terminate();
  });
});
