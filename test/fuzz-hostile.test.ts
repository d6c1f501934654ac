// The fuzz suite's hostile objects (docs/design.md §7): every array and option argument of every
// exported function and method, given a valid call, is replaced by a hostile shape of itself:
//
// - honest in content, lying in form: a typed array with own `length`, `buffer` or `byteOffset`
//   properties, a subclass whose getters and methods lie, another kind's prototype; a list or
//   an object (a Proxy, or getters) that answers honestly on its first read of each property and
//   lies on every later one; an Array subclass whose methods throw. Property: the honest result,
//   bit for bit (crossgrad reads each argument once, by the intrinsic getters);
// - broken: a Proxy or an imitation of a typed array, a revoked Proxy, a hole in a list, a getter
//   that throws, a view made by hand over crossgrad's internal memory (found through the buffer
//   of a view it handed out). Property: an error whose message starts with the function's name
//   and names the argument;
// - never a trap, a write outside the call's regions (the memory guard), or a hang; the next
//   correct call is still right.
//
// Fixed seed and run count, as test/fuzz.test.ts (FUZZ_RUNS and FUZZ_SEED scale them by hand).
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as lib from "../src/index.js";
import * as fieldLib from "../src/fields.js";
import type { Model, Problem, ThreadPool } from "../src/index.js";
import { requireEngine } from "../src/wasm/init.js";
import { verifyMemories } from "../src/wasm/memory.js";
import { generator } from "../src/util/random.js";

await lib.init();

const env = (globalThis as { process?: { env?: Record<string, string> } }).process?.env ?? {};
const SEED = Number(env.FUZZ_SEED ?? 20261204);
const SCALE = Number(env.FUZZ_RUNS ?? 1) || 1;
const LIMIT = 120_000 * SCALE;
const workerUrl = new URL("../dist/worker.js", import.meta.url);

// --- reading values as they really are ---------------------------------------------------------

const TypedArrayPrototype = Object.getPrototypeOf(Uint8Array.prototype) as object;
const intrinsic = (key: PropertyKey) => Object.getOwnPropertyDescriptor(TypedArrayPrototype, key)!.get!;
const brandOf = intrinsic(Symbol.toStringTag);
const [lengthOf, bufferOf, offsetOf] = ["length", "buffer", "byteOffset"].map(intrinsic);
type Ctor = new (...args: never[]) => ArrayBufferView & ArrayLike<number>;
const ctorOf = (a: object) => (globalThis as unknown as Record<string, Ctor>)[brandOf.call(a) as string];

/** A value's numbers as they are, whatever its own properties say: for comparing results. */
function contents(value: unknown): unknown {
  if (typeof value === "number") return Number.isNaN(value) ? "NaN" : Object.is(value, -0) ? "-0" : value;
  if (typeof value !== "object" || value === null) return value;
  if (brandOf.call(value) !== undefined) {
    const Type = ctorOf(value) as unknown as new (b: ArrayBufferLike, o: number, l: number) => ArrayLike<number>;
    const view = new Type(
      bufferOf.call(value) as ArrayBufferLike,
      offsetOf.call(value) as number,
      lengthOf.call(value) as number,
    );
    return Array.from(view, contents);
  }
  if (Array.isArray(value)) return value.map(contents);
  return Object.fromEntries(Object.entries(value).map(([key, x]) => [key, contents(x)]));
}

// --- hostile shapes ----------------------------------------------------------------------------

type Kind = "typed" | "list" | "object";

interface Hostility {
  readonly kinds: readonly Kind[];
  /** honest in content: the call must give the honest result */
  readonly honest: boolean;
  /** whether it applies to this value (a hole needs an element, a getter a field) */
  readonly applies?: (value: unknown) => boolean;
  make(value: unknown): unknown;
}

const lengthOfValue = (value: unknown) =>
  brandOf.call(value) !== undefined ? (lengthOf.call(value) as number) : (value as unknown[]).length;

/** A Proxy that answers honestly on its first read of each property, then with `lie`. */
function honestOnce<T extends object>(target: T, lie: (key: string, honest: unknown) => unknown): T {
  const reads = new Set<string>();
  return new Proxy(target, {
    get(t, key, receiver) {
      const honest = Reflect.get(t, key, receiver);
      if (typeof key !== "string") return honest;
      if (reads.has(key)) return lie(key, honest);
      reads.add(key);
      return honest;
    },
  });
}

/** A lie about a value that was read once already: a string for a number, nothing for an object. */
const liar = (key: string, honest: unknown): unknown =>
  key === "length" ? Number(honest) + 5 : typeof honest === "number" ? "evil" : typeof honest === "object" ? null : 7;

function revoked(): object {
  const { proxy, revoke } = Proxy.revocable({}, {});
  revoke();
  return proxy;
}

/** The bytes of the arena of the copying calls, made to hold at least `bytes`: internal memory. */
function internalView(value: unknown): unknown {
  const length = lengthOf.call(value) as number;
  const Type = ctorOf(value as object) as unknown as {
    new (b: ArrayBufferLike, o: number, l: number): unknown;
    BYTES_PER_ELEMENT: number;
  };
  const memory = requireEngine("fuzz").memory;
  const at = memory.arena(length * Type.BYTES_PER_ELEMENT, "fuzz", "an internal view");
  return new Type(memory.buffer, at, length);
}

const HOSTILITIES: Record<string, Hostility> = {
  "an own length that lies": {
    kinds: ["typed"],
    honest: true,
    make: (a) => Object.defineProperty(copyOf(a), "length", { value: lengthOfValue(a) + 3 }),
  },
  "own extent properties that lie": {
    kinds: ["typed"],
    honest: true,
    make: (a) =>
      Object.defineProperties(copyOf(a), {
        length: { value: 0 },
        byteOffset: { value: 8 },
        byteLength: { value: 1 },
        buffer: { value: new ArrayBuffer(16) },
        subarray: { value: () => new Uint8Array(1) },
        constructor: { value: Array },
      }),
  },
  "a subclass whose getters and methods lie": {
    kinds: ["typed"],
    honest: true,
    make: (a) => {
      const Base = ctorOf(a as object) as unknown as typeof Float64Array;
      class Liar extends Base {
        override get length() {
          return 1;
        }
        override get byteOffset() {
          return 4;
        }
        override map(): never {
          throw new Error("map");
        }
        override subarray(): never {
          throw new Error("subarray");
        }
      }
      const copy = new Liar(lengthOfValue(a));
      Base.prototype.set.call(copy, a as Float64Array);
      return copy;
    },
  },
  "another kind's prototype": {
    kinds: ["typed"],
    honest: true,
    make: (a) =>
      Object.setPrototypeOf(copyOf(a), brandOf.call(a) === "Uint16Array" ? Int8Array.prototype : Uint16Array.prototype),
  },
  "a Proxy of it": { kinds: ["typed"], honest: false, make: (a) => new Proxy(a as object, {}) },
  "an imitation with no bytes": {
    kinds: ["typed"],
    honest: false,
    make: (a) => Object.create(ctorOf(a as object).prototype, { length: { value: lengthOfValue(a) } }),
  },
  "a view made by hand over internal memory": {
    kinds: ["typed"],
    honest: false,
    applies: (a) => lengthOfValue(a) > 0,
    make: internalView,
  },
  "a Proxy that lies after its first reads": {
    kinds: ["list", "object"],
    honest: true,
    make: (x) => honestOnce(Array.isArray(x) ? [...x] : { ...(x as object) }, liar),
  },
  "getters that lie after their first read": {
    kinds: ["object"],
    honest: true,
    make: (x) => {
      const o: Record<string, unknown> = {};
      for (const [key, honest] of Object.entries(x as object)) {
        let reads = 0;
        Object.defineProperty(o, key, { enumerable: true, get: () => (reads++ === 0 ? honest : liar(key, honest)) });
      }
      return o;
    },
  },
  "an Array subclass whose methods throw": {
    kinds: ["list"],
    honest: true,
    make: (x) => {
      class Throwing extends Array {
        override map(): never {
          throw new Error("map");
        }
        override forEach(): never {
          throw new Error("forEach");
        }
        override slice(): never {
          throw new Error("slice");
        }
        override [Symbol.iterator](): never {
          throw new Error("iterator");
        }
      }
      const list = new Throwing();
      for (let i = 0; i < (x as unknown[]).length; i++) list.push((x as unknown[])[i]);
      return list;
    },
  },
  "a hole": {
    kinds: ["list"],
    honest: false,
    applies: (x) => (x as unknown[]).length > 0,
    make: (x) => {
      const list = [...(x as unknown[])];
      delete list[Math.floor(list.length / 2)];
      return list;
    },
  },
  "a getter that throws": {
    kinds: ["object"],
    honest: false,
    applies: (x) => Object.keys(x as object).length > 0,
    make: (x) => {
      const o = { ...(x as object) };
      const key = Object.keys(o)[0];
      Object.defineProperty(o, key, {
        enumerable: true,
        get: () => {
          throw new Error("a hostile getter");
        },
      });
      return o;
    },
  },
  "a revoked Proxy": { kinds: ["typed", "list", "object"], honest: false, make: revoked },
};

/** A copy of a typed array of the same kind (ours to give own properties to). */
function copyOf(a: unknown): ArrayBufferView {
  const Type = ctorOf(a as object) as unknown as typeof Float64Array;
  const copy = new Type(lengthOfValue(a));
  Type.prototype.set.call(copy, a as Float64Array);
  return copy;
}

// --- every exported function and method with array or option arguments --------------------------

/** Where a hostile value goes: an argument, or a field of one; `name` is what an error must name. */
interface Slot {
  readonly path: readonly (number | string)[];
  readonly name: string;
  readonly kind: Kind;
}

/** A valid call, built fresh (and alike) for the honest run and for the hostile one. */
interface Built {
  readonly args: unknown[];
  /** the call; its result as a comparable value */
  run(args: unknown[]): unknown | Promise<unknown>;
  cleanup?(): void;
}

interface Spec {
  readonly fn: string;
  readonly slots: readonly Slot[];
  build(seed: number): Built;
}

const at = (...path: (number | string)[]) => path;
const slot = (kind: Kind, name: string, ...path: (number | string)[]): Slot => ({ path: at(...path), name, kind });

/** A small problem of exact data (integers and halves: every sum exact), f32 or f64 by the seed. */
function data(seed: number) {
  const next = generator(seed);
  const precision = next() < 0.5 ? "f32" : "f64";
  const Type = precision === "f32" ? Float32Array : Float64Array;
  const n = 1 + Math.floor(next() * 5),
    m = 1 + Math.floor(next() * 5),
    k = 1 + Math.floor(next() * 9);
  const phi = Type.from(Array.from({ length: (n + m) * k }, () => Math.floor(next() * 9) - 4));
  const gates = Array.from({ length: n + m }, () => [0, 1, 1, 2, 0.5][Math.floor(next() * 5)]);
  const listed = gates.flatMap((g, r) => (g !== 0 ? [r] : []));
  return { precision, Type, shape: { n, m, k }, phi, gates, listed, next } as const;
}

const owned: { dispose(): void }[] = [];
const keep = <T extends { dispose(): void }>(x: T): T => (owned.push(x), x);

function copyingSpec(fn: "value" | "gradient" | "valueAndGradient" | "gateGradient" | "pooled"): Spec[] {
  const takesOut = fn !== "value" && fn !== "pooled";
  const forms = ["dense", "list", "sparse"] as const;
  return forms.map((form) => ({
    fn,
    slots: [
      slot("typed", "phi", 0),
      ...(form === "dense"
        ? [slot("typed", "h", 1)]
        : form === "list"
          ? [slot("list", "h", 1)]
          : [slot("object", "h", 1), slot("typed", "h", 1, "index"), slot("typed", "h", 1, "weight")]),
      slot("object", "shape", 2),
      ...(takesOut ? [slot("object", "options", 3), slot("typed", "options", 3, "out")] : []),
    ],
    build(seed) {
      const d = data(seed);
      const h =
        form === "dense"
          ? d.Type.from(d.gates)
          : form === "list"
            ? [...d.gates]
            : { index: Uint32Array.from(d.listed), weight: d.Type.from(d.listed.map((r) => d.gates[r])) };
      const outLength = fn === "gateGradient" ? (form === "sparse" ? d.listed.length : d.gates.length) : d.phi.length;
      const options =
        fn === "gateGradient"
          ? { out: new d.Type(outLength) }
          : {
              out: d.Type.from(Array.from({ length: outLength }, (_, i) => i % 3)),
              scale: 0.5,
              accumulate: d.next() < 0.5,
            };
      const args = [d.phi, h, { ...d.shape }, ...(takesOut ? [options] : [])];
      return { args, run: (a) => (lib[fn] as (...x: unknown[]) => unknown)(...a) };
    },
  }));
}

/** The FM family's copying calls (src/ops/fields.ts): two fields of the data's rows, a cross and a self pair. */
function fieldSpec(fn: "fieldValue" | "fieldGradients" | "fieldPooled"): Spec[] {
  const takesParams = fn !== "fieldPooled",
    takesOptions = fn === "fieldGradients";
  return (["dense", "list", "sparse"] as const).map((form) => ({
    fn,
    slots: [
      slot("typed", "phi", 0),
      ...(form === "dense"
        ? [slot("typed", "h", 1)]
        : form === "list"
          ? [slot("list", "h", 1)]
          : [slot("object", "h", 1), slot("typed", "h", 1, "index"), slot("typed", "h", 1, "weight")]),
      slot("object", "shape", 2),
      slot("list", "shape.fields", 2, "fields"),
      slot("list", "shape.pairs", 2, "pairs"),
      ...(takesParams
        ? [slot("object", "params", 3), slot("list", "params.rho", 3, "rho"), slot("typed", "params.w", 3, "w")]
        : []),
      ...(takesOptions
        ? [
            slot("object", "options", 4),
            slot("typed", "options.out", 4, "out"),
            slot("typed", "options.gateOut", 4, "gateOut"),
            slot("typed", "options.pairOut", 4, "pairOut"),
          ]
        : []),
    ],
    build(seed) {
      const d = data(seed);
      const h =
        form === "dense"
          ? d.Type.from(d.gates)
          : form === "list"
            ? [...d.gates]
            : { index: Uint32Array.from(d.listed), weight: d.Type.from(d.listed.map((r) => d.gates[r])) };
      const rows = d.shape.n + d.shape.m;
      const shape = {
        fields: [d.shape.n, d.shape.m],
        k: d.shape.k,
        pairs: [
          [0, 1],
          [1, 1],
        ],
      };
      const params = { rho: [0.5, 2], w: d.Type.from(Array.from({ length: rows }, (_, r) => r - 2)), w0: 1 };
      const count = form === "sparse" ? d.listed.length : rows;
      const options = {
        out: d.Type.from(Array.from({ length: d.phi.length }, (_, i) => i % 3)),
        gateOut: new d.Type(count),
        pairOut: new d.Type(2),
        scale: 0.5,
        accumulate: d.next() < 0.5,
      };
      const args = [d.phi, h, shape, ...(takesParams ? [params] : []), ...(takesOptions ? [options] : [])];
      return { args, run: (a) => (fieldLib[fn] as (...x: unknown[]) => unknown)(...a) };
    },
  }));
}

const SPECS: Spec[] = [
  ...copyingSpec("value"),
  ...fieldSpec("fieldValue"),
  ...fieldSpec("fieldGradients"),
  ...fieldSpec("fieldPooled"),
  ...copyingSpec("gradient"),
  ...copyingSpec("valueAndGradient"),
  ...copyingSpec("gateGradient"),
  ...copyingSpec("pooled"),
  {
    fn: "batchPooled",
    slots: [
      slot("typed", "phi", 0),
      slot("object", "sets", 1),
      slot("typed", "sets", 1, "indptr"),
      slot("typed", "sets", 1, "index"),
      slot("typed", "sets", 1, "weight"),
      slot("object", "shape", 2),
    ],
    build(seed) {
      const d = data(seed);
      const sets = {
        indptr: new Uint32Array([0, d.listed.length, d.listed.length]),
        index: Uint32Array.from(d.listed),
        weight: d.Type.from(d.listed.map((r) => d.gates[r])),
      };
      return {
        args: [d.phi, sets, d.shape],
        run: (a) => lib.batchPooled(...(a as Parameters<typeof lib.batchPooled>)),
      };
    },
  },
  {
    fn: "batchGradient",
    slots: [
      slot("object", "sets", 0),
      slot("typed", "sets", 0, "index"),
      slot("object", "shape", 1),
      slot("object", "pooled", 2),
      slot("typed", "pooled", 2, "u"),
      slot("typed", "pooled", 2, "v"),
      slot("list", "weights", 3),
      slot("object", "options", 4),
      slot("typed", "options", 4, "out"),
    ],
    build(seed) {
      const d = data(seed);
      const sets = {
        indptr: new Uint32Array([0, d.listed.length, d.listed.length]),
        index: Uint32Array.from(d.listed),
      };
      const p = lib.batchPooled(d.phi, sets, d.shape);
      const args = [
        sets,
        d.shape,
        { u: p.u, v: p.v, values: p.values },
        [1, -0.5],
        { out: new d.Type(d.phi.length), scale: 2 },
      ];
      return { args, run: (a) => lib.batchGradient(...(a as Parameters<typeof lib.batchGradient>)) };
    },
  },
  {
    fn: "poolChunk",
    slots: [slot("typed", "phi", 0), slot("typed", "h", 1), slot("list", "h", 1), slot("object", "shape", 2)],
    build(seed) {
      const d = data(seed);
      const rows = d.shape.n; // group A is one chunk
      return {
        args: [
          d.phi.subarray(0, rows * d.shape.k),
          seed % 2 ? d.Type.from(d.gates.slice(0, rows)) : d.gates.slice(0, rows),
          d.shape,
          0,
        ],
        run: (a) => lib.poolChunk(...(a as Parameters<typeof lib.poolChunk>)),
      };
    },
  },
  {
    fn: "combinePooled",
    slots: [
      slot("list", "parts", 0),
      slot("object", "parts", 0, 0),
      slot("object", "parts", 0, 1, "b"),
      slot("typed", "parts", 0, 0, "a", "blocks"),
      slot("typed", "parts", 0, 1, "b", "sums"),
    ],
    build(seed) {
      const d = data(seed);
      const { n, k } = d.shape;
      const parts = [
        lib.poolChunk(d.phi.subarray(0, n * k), d.Type.from(d.gates.slice(0, n)), d.shape, 0),
        lib.poolChunk(d.phi.subarray(n * k), d.Type.from(d.gates.slice(n)), d.shape, n),
      ];
      return { args: [parts], run: (a) => lib.combinePooled(a[0] as never) };
    },
  },
  {
    fn: "gradientChunk",
    slots: [
      slot("typed", "h", 0),
      slot("object", "shape", 1),
      slot("object", "pooled", 3),
      slot("typed", "pooled", 3, "v"),
      slot("object", "options", 4),
      slot("typed", "options", 4, "out"),
    ],
    build(seed) {
      const d = data(seed);
      const pooled = lib.pooled(d.phi, d.gates, d.shape);
      const rows = d.shape.n;
      return {
        args: [
          d.Type.from(d.gates.slice(0, rows)),
          d.shape,
          0,
          pooled,
          { out: new d.Type(rows * d.shape.k), scale: -1 },
        ],
        run: (a) => lib.gradientChunk(...(a as Parameters<typeof lib.gradientChunk>)),
      };
    },
  },
  {
    fn: "gateGradientChunk",
    slots: [
      slot("typed", "phi", 0),
      slot("object", "shape", 1),
      slot("object", "pooled", 3),
      slot("typed", "pooled", 3, "u"),
    ],
    build(seed) {
      const d = data(seed);
      const pooled = lib.pooled(d.phi, d.gates, d.shape);
      return {
        args: [d.phi.subarray(0, d.shape.n * d.shape.k), d.shape, 0, pooled],
        run: (a) => lib.gateGradientChunk(...(a as Parameters<typeof lib.gateGradientChunk>)),
      };
    },
  },
  {
    fn: "createProblem",
    slots: [slot("object", "shape", 0), slot("object", "options", 1)],
    build(seed) {
      const d = data(seed);
      return {
        args: [d.shape, { precision: d.precision }],
        run: (a) => {
          const p = keep(lib.createProblem(...(a as Parameters<typeof lib.createProblem>)));
          return { shape: p.shape, precision: p.precision, phi: p.phi.length };
        },
      };
    },
  },
  ...(["gradient", "valueAndGradient"] as const).map((method): Spec => ({
    fn: `Problem.${method}`,
    slots: [slot("object", "options", 0)],
    build(seed) {
      const d = data(seed);
      const p = lib.createProblem(d.shape, { precision: d.precision }) as Problem;
      p.phi.set(d.phi);
      p.h.set(d.gates);
      return {
        args: [{ scale: -2, accumulate: false }],
        run: (a) => contents(p[method](a[0] as never)),
        cleanup: () => p.dispose(),
      };
    },
  })),
  {
    fn: "createModel",
    slots: [
      slot("object", "shape", 0),
      slot("object", "options", 1),
      slot("list", "options", 1, "phi"),
      slot("typed", "options", 1, "phi"),
    ],
    build(seed) {
      const d = data(seed);
      const phi = seed % 2 ? Array.from(d.phi) : d.Type.from(d.phi);
      return {
        args: [d.shape, { precision: d.precision, phi, seed: 3 }],
        run: (a) => contents(keep(lib.createModel(...(a as Parameters<typeof lib.createModel>))).phi),
      };
    },
  },
  ...(["fit", "fitPartial", "predict", "evaluate"] as const).map((method): Spec => {
    const takesOptions = method === "fit" || method === "fitPartial";
    return {
      fn: `Model.${method}`,
      slots: [
        slot("object", "observations", 0),
        slot("typed", "observations", 0, "indptr"),
        slot("typed", "observations", 0, "index"),
        ...(method === "predict" ? [] : [slot("list", "observations", 0, "y")]),
        ...(takesOptions ? [slot("object", "options", 1), slot("object", "options", 1, "optimizer")] : []),
      ],
      build(seed) {
        const d = data(seed);
        const { n, m } = d.shape;
        const count = 6;
        const indptr = Uint32Array.from({ length: count + 1 }, (_, b) => 2 * b);
        const index = Uint32Array.from({ length: 2 * count }, (_, e) => (e % 2 === 0 ? e % n : n + (e % m)));
        const observations = { indptr, index, y: Array.from({ length: count }, (_, b) => (b % 3) - 1) };
        const model = lib.createModel(d.shape, { precision: d.precision, seed: 5 }) as Model;
        const options = { epochs: 1, batchSize: 4, seed: 2, optimizer: { type: "sgd", learningRate: 0.01 } };
        const run = (a: unknown[]) => {
          if (method === "predict") return contents(model.predict(a[0] as never));
          if (method === "evaluate") return contents(model.evaluate(a[0] as never));
          model[method](a[0] as never, a[1] as never);
          return contents(model.phi);
        };
        return { args: takesOptions ? [observations, options] : [observations], run, cleanup: () => model.dispose() };
      },
    };
  }),
  {
    fn: "loadModel",
    slots: [slot("typed", "bytes", 0)],
    build(seed) {
      const d = data(seed);
      const model = lib.createModel(d.shape, { precision: d.precision, seed: 4 });
      const bytes = model.save();
      model.dispose();
      return { args: [bytes], run: (a) => contents(keep(lib.loadModel(a[0] as Uint8Array)).phi) };
    },
  },
  {
    fn: "Model.load",
    slots: [slot("typed", "bytes", 0)],
    build(seed) {
      const d = data(seed);
      const model = lib.createModel(d.shape, { precision: d.precision, seed: 4 }) as Model;
      const source = lib.createModel(d.shape, { precision: d.precision, seed: 9 });
      const bytes = source.save();
      source.dispose();
      return {
        args: [bytes],
        run: (a) => (model.load(a[0] as Uint8Array), contents(model.phi)),
        cleanup: () => model.dispose(),
      };
    },
  },
  ...(["rmse", "mae", "logLoss", "auc"] as const).map((fn): Spec => ({
    fn,
    slots: [
      slot("list", fn === "rmse" || fn === "mae" ? "predictions" : fn === "auc" ? "scores" : "logits", 0),
      slot("typed", fn === "rmse" || fn === "mae" ? "targets" : "labels", 1),
    ],
    build(seed) {
      const next = generator(seed);
      const a = Array.from({ length: 6 }, () => Math.floor(next() * 7) - 3);
      const b = Float64Array.from({ length: 6 }, (_, i) => i % 2);
      return { args: [a, b], run: (x) => lib[fn](x[0] as number[], x[1] as Float64Array) };
    },
  })),
  {
    fn: "importWisdom",
    slots: [slot("object", "wisdom", 0), slot("object", "wisdom", 0, "plans")],
    build() {
      const wisdom = {
        format: "crossgrad-wisdom",
        version: 3,
        key: lib.exportWisdom().key,
        mode: "measure",
        plans: { "f32 phi<=2^30 row<=2^9": { value: "streaming" } },
      };
      return { args: [wisdom], run: (a) => (lib.importWisdom(a[0] as never), "imported") };
    },
  },
  {
    fn: "init",
    slots: [slot("object", "options", 0)],
    build() {
      return { args: [{ plan: "measure" }], run: async (a) => (await lib.init(a[0] as never), "initialised") };
    },
  },
];

// --- the property ----------------------------------------------------------------------------

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

function valueAt(args: unknown[], path: readonly (number | string)[]): unknown {
  return path.reduce<unknown>((x, key) => (x as Record<string, unknown>)?.[key as string], args);
}

/** `args` with the value at `path` replaced (every container on the way copied, the caller's left alone). */
function withValue(args: unknown[], path: readonly (number | string)[], value: unknown): unknown[] {
  const put = (container: unknown, rest: readonly (number | string)[]): unknown => {
    const copy = Array.isArray(container) ? [...container] : { ...(container as object) };
    const [key, ...tail] = rest;
    (copy as Record<string, unknown>)[key as string] = tail.length
      ? put((container as Record<string, unknown>)[key as string], tail)
      : value;
    return copy;
  };
  return put(args, path) as unknown[];
}

const kindOf = (value: unknown): Kind | undefined =>
  typeof value !== "object" || value === null
    ? undefined
    : brandOf.call(value) !== undefined
      ? "typed"
      : Array.isArray(value)
        ? "list"
        : "object";

async function settle<T>(value: T | Promise<T>): Promise<T> {
  if (!(value instanceof Promise)) return value;
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    return await Promise.race([
      value,
      new Promise<never>(
        (_, reject) => (timer = setTimeout(() => reject(new Error("did not settle within 20 s")), 20_000)),
      ),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

const sentinel = { phi: new Float32Array([1, 2, 3, 4, 5, 6]), h: [1, 1, 1], shape: { n: 2, m: 1, k: 2 } };

async function hostileCase(spec: Spec, slotIndex: number, hostilityName: string, seed: number): Promise<void> {
  const s = spec.slots[slotIndex % spec.slots.length];
  const hostility = HOSTILITIES[hostilityName];
  const label = `${spec.fn} ${s.path.join(".")} (${s.kind}): ${hostilityName}, seed ${seed}`;
  const honestCall = spec.build(seed);
  let honest: unknown;
  try {
    honest = contents(await settle(honestCall.run(honestCall.args)));
  } finally {
    honestCall.cleanup?.();
  }
  const hostileCall = spec.build(seed);
  try {
    const original = valueAt(hostileCall.args, s.path);
    // a slot whose value the case does not have (no weights), or a hostility that needs what it lacks
    if (
      kindOf(original) !== s.kind ||
      !hostility.kinds.includes(s.kind) ||
      (hostility.applies && !hostility.applies(original))
    )
      return;
    const args = withValue(hostileCall.args, s.path, hostility.make(original));
    let outcome: { result: unknown } | { error: unknown };
    try {
      outcome = { result: contents(await settle(hostileCall.run(args))) };
    } catch (error) {
      if (error instanceof Error && error.message === "did not settle within 20 s")
        throw new Error(`${label}: hung`, { cause: error });
      outcome = { error };
    }
    if (hostility.honest) {
      if ("error" in outcome)
        throw new Error(
          `${label}: refused an honest value: ${String((outcome.error as Error)?.message ?? outcome.error)}`,
        );
      expect(outcome.result, label).toEqual(honest);
    } else {
      if (!("error" in outcome)) throw new Error(`${label}: accepted it`);
      const error = outcome.error;
      if (!(error instanceof Error) || ![TypeError, RangeError, Error].includes(error.constructor as ErrorConstructor))
        throw new Error(`${label}: threw ${String(error)}`);
      if (error instanceof WebAssembly.RuntimeError) throw new Error(`${label}: trapped: ${error.message}`);
      if (!error.message.startsWith(`${spec.fn}(): `))
        throw new Error(`${label}: the message does not start with ${spec.fn}(): ${error.message}`);
      if (!new RegExp(`(^|[^\\w.])${escape(s.name)}($|[^\\w])`).test(error.message))
        throw new Error(`${label}: the message does not name ${s.name}: ${error.message}`);
    }
  } finally {
    hostileCall.cleanup?.();
    for (const x of owned.splice(0)) x.dispose();
  }
  verifyMemories();
  expect(lib.value(sentinel.phi, sentinel.h, sentinel.shape)).toBe((1 + 3) * 5 + (2 + 4) * 6);
}

describe("fuzz: hostile objects in place of every array and option argument", () => {
  it("every spec's honest call succeeds (the property compares against it)", async () => {
    for (const spec of SPECS) {
      const built = spec.build(1);
      try {
        await settle(built.run(built.args));
      } finally {
        built.cleanup?.();
        for (const x of owned.splice(0)) x.dispose();
      }
    }
  });

  it(
    "the honest result, or an error naming the argument; never a trap, a stray write or a hang",
    { timeout: LIMIT },
    async () => {
      await fc.assert(
        fc.asyncProperty(
          fc.nat(SPECS.length - 1),
          fc.nat(16),
          fc.constantFrom(...Object.keys(HOSTILITIES)),
          fc.nat(1_000_000),
          (spec, slotIndex, hostility, seed) => hostileCase(SPECS[spec], slotIndex, hostility, seed),
        ),
        { seed: SEED, numRuns: Math.round(1500 * SCALE) },
      );
    },
  );

  it("every spec meets every hostility of each of its arguments' kinds at least once", async () => {
    for (const spec of SPECS)
      for (let i = 0; i < spec.slots.length; i++)
        for (const [name, hostility] of Object.entries(HOSTILITIES))
          if (hostility.kinds.includes(spec.slots[i].kind)) await hostileCase(spec, i, name, 7 + i);
  });
});

describe("fuzz: hostile options of thread pools", () => {
  let pool: ThreadPool;
  beforeAll(async () => void (pool = await lib.createThreadPool({ threads: 2, workerUrl })));
  afterAll(() => pool.terminate());

  it("ThreadPool.createProblem and ThreadedProblem.valueAndGradient read their options once", async () => {
    for (const [name, hostility] of Object.entries(HOSTILITIES)) {
      if (!hostility.kinds.includes("object")) continue;
      const shape = hostility.make({ n: 3, m: 2, k: 2 });
      const create = () => pool.createProblem(shape as never, hostility.make({ precision: "f64" }) as never);
      if (!hostility.honest) {
        expect(create, name).toThrow(/^ThreadPool\.createProblem\(\): .*(shape|options)/);
        continue;
      }
      const p = create();
      p.phi.fill(1);
      p.h.fill(1);
      const { value, gradient } = await p.valueAndGradient(hostility.make({ scale: 2, accumulate: false }) as never);
      // u = (3, 3), v = (2, 2): rows of A get 2v, rows of B 2u
      expect(value, name).toBe(12);
      expect(Array.from(gradient), name).toEqual([4, 4, 4, 4, 4, 4, 6, 6, 6, 6]);
      p.dispose();
    }
  });

  it("createThreadPool reads its options once", async () => {
    for (const [name, hostility] of Object.entries(HOSTILITIES)) {
      if (!hostility.kinds.includes("object")) continue;
      const options = hostility.make({ threads: 1, workerUrl, startTimeout: 60_000 });
      if (!hostility.honest) {
        await expect(lib.createThreadPool(options as never), name).rejects.toThrow(/^createThreadPool\(\): .*options/);
        continue;
      }
      const started = await lib.createThreadPool(options as never);
      expect(started.threads, name).toBe(1);
      await started.terminate();
    }
  });
});
