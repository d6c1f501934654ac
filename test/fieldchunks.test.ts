// The factorization-machine family in chunks (docs/design.md §16): a table pooled a chunk at a
// time (a chunk may span fields, start or end inside one on a block boundary), combined, given its
// rows passes and its sums folded, has the bits of one fieldGradients call whatever the chunking;
// the parts' checks name the argument.
import { beforeAll, describe, expect, it } from "vitest";
import { type FieldShape, type FloatArray } from "../src/index.js";
import { combineFieldParts, combineFieldSums, fieldGradientChunk, fieldPoolChunk, fieldPooled } from "../src/fields.js";
import { init } from "../src/wasm/init.js";
import { firstBitDifference } from "./helpers.js";
import { blockCases, expected, inputs } from "./fieldpaths-helpers.js";
import { starts } from "./fields-helpers.js";

beforeAll(() => init());

/** Chunkings of a shape: the whole table, one chunk a field, and every block boundary of every field split where a random draw says. */
function chunkings(shape: FieldShape): number[][] {
  const s = starts(shape.fields);
  const rows = s[shape.fields.length];
  const boundaries = new Set<number>();
  Array.from(shape.fields).forEach((_, g) => {
    for (let r = s[g]; r < s[g + 1]; r += 256) boundaries.add(r);
  });
  const all = [...boundaries, ...s].filter((r) => r > 0 && r < rows).sort((a, b) => a - b);
  const unique = [...new Set(all)];
  const cuts = [[], s.slice(1, -1).filter((r) => r > 0 && r < rows), unique, unique.filter((_, i) => i % 2)];
  return cuts.map((c) => [0, ...new Set(c), rows]);
}

const slice = (a: FloatArray, from: number, to: number) => a.slice(from, to);

describe.each(["f32", "f64"] as const)("%s chunks of a field table", (precision) => {
  it.each(blockCases().map((c, i) => [c.name, c, i] as const))(
    "give the bits of one call whatever the chunking: %s",
    (_, c, seed) => {
      const x = inputs(c, precision, 500 + seed);
      const want = expected(c, x, 0.5);
      const { k } = c.shape;
      for (const cut of chunkings(c.shape)) {
        const spans = cut.slice(1).map((end, i) => [cut[i], end] as const);
        const parts = spans.map(([a, b]) => fieldPoolChunk(slice(x.phi, a * k, b * k), x.h.slice(a, b), c.shape, a));
        // the parts in any order
        const pooled = combineFieldParts([...parts].reverse(), { rho: x.rho });
        fieldPooled(x.phi, x.h, c.shape).forEach((u, g) => expect(firstBitDifference(pooled.pooled[g], u)).toBe(-1));
        const chunks = spans.map(([a, b]) =>
          fieldGradientChunk(
            slice(x.phi, a * k, b * k),
            x.h.slice(a, b),
            c.shape,
            a,
            pooled,
            { w: x.w.slice(a, b) },
            { scale: 0.5 },
          ),
        );
        const gradient = new (x.phi.constructor as Float64ArrayConstructor)(x.phi.length);
        const gates = new (x.phi.constructor as Float64ArrayConstructor)(x.h.length);
        chunks.forEach((r, i) => {
          gradient.set(r.gradient, spans[i][0] * k);
          gates.set(r.gateGradient!, spans[i][0]);
        });
        expect(firstBitDifference(gradient as FloatArray, want.gradient)).toBe(-1);
        expect(firstBitDifference(gates as FloatArray, want.gateGradient)).toBe(-1);
        const { value, pairGradient } = combineFieldSums(chunks.map((r) => r.sums).reverse(), pooled, { w0: x.w0 });
        expect(value).toBe(want.value);
        expect(firstBitDifference(pairGradient, want.pairGradient)).toBe(-1);
      }
    },
  );
});

describe("the chunks' checks", () => {
  const shape = {
    fields: [300, 100],
    k: 2,
    pairs: [
      [0, 0],
      [0, 1],
    ] as [number, number][],
  };
  const phi = new Float32Array(400 * 2).fill(1);
  const h = new Float32Array(400).fill(1);

  it("refuse a chunk that does not start and end on a block boundary of its fields", () => {
    expect(() => fieldPoolChunk(phi.subarray(0, 200), h.subarray(0, 100), shape, 0)).toThrow(
      /fieldPoolChunk\(\): start = 0 and 100 rows give a chunk of rows 0\.\.99, which does not start and end on a block boundary/,
    );
    expect(() => fieldPoolChunk(phi.subarray(0, 88), h.subarray(0, 44), shape, 256)).not.toThrow();
    expect(() => fieldPoolChunk(phi.subarray(0, 200), h.subarray(0, 100), shape, 301)).toThrow(
      /start must be an integer from 0 to/,
    );
    expect(() => fieldPoolChunk(phi.subarray(0, 10), h.subarray(0, 100), shape, 300)).toThrow(
      /fieldPoolChunk\(\): phi\.length must be h\.length \* k = 200, got 10/,
    );
  });

  it("refuse parts of different tables, overlapping parts and nodes outside their chunk", () => {
    const a = fieldPoolChunk(phi.subarray(0, 512), h.subarray(0, 256), shape, 0);
    const b = fieldPoolChunk(phi.subarray(512), h.subarray(256), shape, 256);
    const other = fieldPoolChunk(phi.subarray(512), h.subarray(256), { ...shape, pairs: [[0, 1]] }, 256);
    expect(() => combineFieldParts([a, other])).toThrow(/combineFieldParts\(\): every part must come from the same/);
    expect(() => combineFieldParts([a, a])).toThrow(/combineFieldParts\(\): parts overlap: rows 0\.\.255 and 0\.\.255/);
    const moved = { ...b, fields: [{ ...b.fields[0], blocks: Uint32Array.of(0) }, b.fields[1]] };
    expect(() => combineFieldParts([a, moved])).toThrow(
      /combineFieldParts\(\): parts\[1\]\.fields\[0\] node 0 \(block 0, level 0\) does not belong/,
    );
    expect(() => combineFieldParts([])).toThrow(/combineFieldParts\(\): parts must be a non-empty array/);
    const pooled = combineFieldParts([a, b]);
    expect(() => fieldGradientChunk(new Float64Array(512), h.subarray(0, 256), shape, 0, pooled)).toThrow(
      /fieldGradientChunk\(\): pooled\.precision must be "f64" like phi, got/,
    );
    expect(() =>
      fieldGradientChunk(phi.subarray(0, 512), h.subarray(0, 256), shape, 0, { ...pooled, pooled64: [] }),
    ).toThrow(/fieldGradientChunk\(\): pooled\.pooled64\.length must be the fields of shape\.fields = 2, got 0/);
    const r = fieldGradientChunk(phi.subarray(0, 512), h.subarray(0, 256), shape, 0, pooled);
    expect(() => combineFieldSums([r.sums, r.sums], pooled)).toThrow(/combineFieldSums\(\): sums overlap/);
    expect(() => combineFieldSums([{ ...r.sums, sums: new Float64Array(1) }], pooled)).toThrow(
      /combineFieldSums\(\): sums\[0\]\.sums\.length must be 2 \* the chunk's blocks = 2, got 1/,
    );
  });
});
