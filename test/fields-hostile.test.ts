// Hostile arguments to crossgrad/fields (docs/design.md §7, §16): each case here once gave a wrong
// result, a wrong error class, or let a wrong argument through unnoticed.
import { describe, expect, it } from "vitest";
import {
  combineFieldParts,
  combineFieldSums,
  fieldGradientChunk,
  fieldGradients,
  fieldPoolChunk,
  fieldValue,
} from "../src/fields.js";
import { init } from "../src/wasm/init.js";

await init();

const phi = new Float64Array([1, 0, 0, 1, 1, 1]);
const shape = {
  fields: [1, 2],
  k: 2,
  pairs: [
    [0, 1],
    [1, 1],
  ] as [number, number][],
};

describe("fieldGradients' outputs", () => {
  const right = fieldGradients(phi, [1, 1, 1], shape);

  it("refuses options.pairOut inside options.out, writing nothing (it overwrote dF/dphi)", () => {
    const out = new Float64Array(6).fill(7);
    expect(() => fieldGradients(phi, [1, 1, 1], shape, {}, { out, pairOut: out.subarray(0, 2) })).toThrow(
      new RangeError(
        "fieldGradients(): options.pairOut shares memory with options.out: each result needs memory of its own",
      ),
    );
    expect([...out]).toEqual([7, 7, 7, 7, 7, 7]);
  });

  it("refuses options.gateOut overlapping options.out by one element, and the same array for both", () => {
    const buffer = new Float64Array(9);
    expect(() =>
      fieldGradients(phi, [1, 1, 1], shape, {}, { out: buffer.subarray(0, 6), gateOut: buffer.subarray(5, 8) }),
    ).toThrow(/options\.gateOut shares memory with options\.out/);
    const one = { fields: [3], k: 1, pairs: [[0, 0]] as [number, number][] };
    const same = new Float64Array(3);
    expect(() => fieldGradients(new Float64Array([1, 2, 3]), [1, 1, 1], one, {}, { out: same, gateOut: same })).toThrow(
      RangeError,
    );
    expect([...same]).toEqual([0, 0, 0]);
  });

  it("takes outputs that are next to each other in one buffer, with the bits of a call without them", () => {
    const buffer = new Float64Array(11);
    const r = fieldGradients(
      phi,
      [1, 1, 1],
      shape,
      {},
      {
        out: buffer.subarray(0, 6),
        gateOut: buffer.subarray(6, 9),
        pairOut: buffer.subarray(9, 11),
      },
    );
    expect([...r.gradient]).toEqual([...right.gradient]);
    expect([...r.gateGradient!]).toEqual([...right.gateGradient!]);
    expect([...r.pairGradient]).toEqual([...right.pairGradient]);
  });

  it("checks options.gateOut when options.gateGradient is false: a wrong type is a TypeError, not ignored", () => {
    expect(() =>
      fieldGradients(phi, [1, 1, 1], shape, {}, { gateGradient: false, gateOut: 5 as unknown as Float64Array }),
    ).toThrow(new TypeError("fieldGradients(): options.gateOut must be a Float64Array like phi, got number"));
    expect(() =>
      fieldGradients(phi, [1, 1, 1], shape, {}, { gateGradient: false, gateOut: new Float64Array(2) }),
    ).toThrow(RangeError);
    // a right one is still allowed, and left as it was
    const gateOut = new Float64Array(3).fill(9);
    expect(fieldGradients(phi, [1, 1, 1], shape, {}, { gateGradient: false, gateOut }).gateGradient).toBeUndefined();
    expect([...gateOut]).toEqual([9, 9, 9]);
  });
});

describe("shape.pairs entries of the wrong type", () => {
  it("is a TypeError for a hole, a number or an object where a pair goes (a RangeError before)", () => {
    const pairs = [
      [0, 1],
      [1, 1],
      [1, 1],
    ] as unknown as [number, number][];
    delete pairs[1]; // a hole
    expect(() => fieldValue(phi, [1, 1, 1], { ...shape, pairs })).toThrow(
      new TypeError("fieldValue(): shape.pairs[1] must be a pair [g, g'] of fields, got undefined"),
    );
    for (const bad of [5, { 0: 0, 1: 1 }, "01", null])
      expect(() => fieldValue(phi, [1, 1, 1], { ...shape, pairs: [bad as unknown as [number, number]] })).toThrow(
        TypeError,
      );
  });

  it("keeps RangeErrors for pairs out of range, reversed, repeated or of three ends", () => {
    for (const pairs of [
      [[1, 0]],
      [[0, 2]],
      [
        [0, 1],
        [0, 1],
      ],
    ])
      expect(() => fieldValue(phi, [1, 1, 1], { ...shape, pairs: pairs as [number, number][] })).toThrow(RangeError);
    expect(() => fieldValue(phi, [1, 1, 1], { ...shape, pairs: [[0, 1, 1]] as unknown as [number, number][] })).toThrow(
      new RangeError("fieldValue(): shape.pairs[0].length must be the ends of a pair = 2, got 3"),
    );
  });
});

describe("the chunks' errors name what was given", () => {
  const table = { fields: [300, 260], k: 2, pairs: [[0, 1]] as [number, number][] };
  const rows = 560;
  const all = Float64Array.from({ length: rows * 2 }, (_, i) => Math.sin(i));
  const gates = new Float64Array(rows).fill(1);
  const cuts = [
    [0, 256],
    [256, 44],
    [300, 260],
  ];
  const pooled = combineFieldParts(
    cuts.map(([start, n]) =>
      fieldPoolChunk(all.subarray(2 * start, 2 * (start + n)), gates.subarray(start, start + n), table, start),
    ),
  );

  it("fieldGradientChunk: params.w is one a row of the chunk, and the message says so (it said the rows of shape.fields)", () => {
    expect(() =>
      fieldGradientChunk(all.subarray(0, 512), gates.subarray(0, 256), table, 0, pooled, { w: [1] }),
    ).toThrow(new RangeError("fieldGradientChunk(): params.w.length must be h.length (the chunk's rows) = 256, got 1"));
  });

  it("combineFieldSums: pooled of another precision is compared with the sums' (there is no phi), shown as a value", () => {
    const sums = cuts.map(
      ([start, n]) =>
        fieldGradientChunk(
          all.subarray(2 * start, 2 * (start + n)),
          gates.subarray(start, start + n),
          table,
          start,
          pooled,
        ).sums,
    );
    expect(() => combineFieldSums(sums, { ...pooled, precision: "f32" })).toThrow(
      new TypeError('combineFieldSums(): pooled.precision must be "f64" like sums, got "f32"'),
    );
  });
});
