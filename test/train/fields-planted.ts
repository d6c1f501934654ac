// A planted field-weighted FM (docs/design.md §16) for the training tests: three fields (30, 20
// and 10 rows, k = 4), three cross pairs and field 2's self pair, a weight per row and an offset;
// each observation lists one row of field 0, one of field 1 and two or three of field 2 (tags),
// its target F* + noise.
import type { FieldShape, Observations } from "../../src/index.js";
import { rng } from "../helpers.js";

const PAIRS: [number, number][] = [
  [0, 1],
  [0, 2],
  [1, 2],
  [2, 2],
];
export const PLANTED_SHAPE: FieldShape = { fields: [30, 20, 10], k: 4, pairs: PAIRS };
export const PLANTED_RHO = [1.5, 0.8, 0.6, 1.2];
export const NOISE = 0.1;

/** The planted parameters: phi and w normal (phi's entries of standard deviation 0.5), w0 0.3. */
export function plantedParameters(seed: number) {
  const random = rng(seed);
  const normal = () => Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
  const rows = 60,
    k = 4;
  return {
    phi: Float64Array.from({ length: rows * k }, () => 0.5 * normal()),
    w: Float64Array.from({ length: rows }, () => 0.3 * normal()),
    w0: 0.3,
    rho: Float64Array.from(PLANTED_RHO),
    normal,
    random,
  };
}

/** F* of one observation's rows (all gates 1), by the literal sums over pairs of rows. */
function plantedValue(x: ReturnType<typeof plantedParameters>, rows: number[]): number {
  const { phi, w, w0, rho } = x;
  const fieldOf = (r: number) => (r < 30 ? 0 : r < 50 ? 1 : 2);
  const dot = (i: number, j: number) => {
    let d = 0;
    for (let l = 0; l < 4; l++) d += phi[i * 4 + l] * phi[j * 4 + l];
    return d;
  };
  let F = w0;
  for (const r of rows) F += w[r];
  for (let a = 0; a < rows.length; a++)
    for (let b = a + 1; b < rows.length; b++) {
      const [g, h] = [fieldOf(rows[a]), fieldOf(rows[b])];
      const p = PAIRS.findIndex(([x, y]) => x === g && y === h);
      if (p >= 0) F += rho[p] * dot(rows[a], rows[b]);
    }
  return F;
}

/** `count` observations of the planted problem, their noise drawn from `x`'s stream too. */
export function plantedObservations(x: ReturnType<typeof plantedParameters>, count: number) {
  const { random, normal } = x;
  const indptr = new Uint32Array(count + 1);
  const index: number[] = [],
    y: number[] = [];
  let noiseSquares = 0;
  for (let b = 0; b < count; b++) {
    const tags = new Set<number>();
    const wanted = 2 + Math.floor(random() * 2);
    while (tags.size < wanted) tags.add(50 + Math.floor(random() * 10));
    const rows = [Math.floor(random() * 30), 30 + Math.floor(random() * 20), ...[...tags].sort((a, b) => a - b)];
    const noise = NOISE * normal();
    noiseSquares += noise * noise;
    index.push(...rows);
    y.push(plantedValue(x, rows) + noise);
    indptr[b + 1] = index.length;
  }
  const observations: Observations = { indptr, index: Uint32Array.from(index), y: Float64Array.from(y) };
  return { observations, noiseFloor: noiseSquares / count };
}
