// The loop variants of the dense kernels (docs/design.md §6): their names, their plan bits, the
// fixed rule, and estimate's model of the machine. Every variant gives the same bits; which is
// fastest depends on the machine, which the planner (planner.ts) measures.
import type { PlanBits } from "./loader.js";

/** How a pooling pass reads a group's rows (docs/design.md §6). */
export type PoolingLoop = "compacted" | "streaming" | "wide-strips" | "multi-block";

/**
 * A loop variant: a pooling loop, then for `valueAndGradient` optionally `+fused` (group B's
 * gradient rows written as B's pooling pass reads its rows), then optionally one way to write
 * the other gradient rows: `+fill-first` (blocks of 0/1 gates zeroed by `memory.fill`, then
 * only the active rows stored) or `+touch-ahead` (each block's lines read a block before its
 * stores): `"streaming+fused+touch-ahead"`.
 */
export type Variant = string;

/** The kernels planned apart, each on its own calls (gradient() plans as valueAndGradient). */
export type PlanJob = "value" | "valueAndGradient" | "gateGradient";

/** What a call's plan depends on: the build (and its plan bits), the precision, phi's and a row's bytes. */
export interface Layout {
  readonly simd: boolean;
  readonly bits: PlanBits;
  readonly precision: string;
  readonly phiBytes: number;
  readonly rowBytes: number;
}

/** The layout of a call on an engine's module: `elements` elements of phi, k a row, of K's precision. */
export function layoutOf(
  engine: { readonly simd: boolean; readonly planBits: PlanBits },
  K: { readonly precision: string; readonly bytesPerElement: number },
  elements: number,
  k: number,
): Layout {
  const { bytesPerElement } = K;
  return {
    simd: engine.simd,
    bits: engine.planBits,
    precision: K.precision,
    phiBytes: elements * bytesPerElement,
    rowBytes: k * bytesPerElement,
  };
}

const COMPACT_MAX_BYTES = 16 * 1024 * 1024;
const COMPACT_MIN_ROW_BYTES = 128;
/** estimate compacts value's and gateGradient's rows from this width in a cache (they write no rows). */
const COMPACT_MIN_ROW_BYTES_READING = 32;

/** The fixed rule: compacted up to 16 MiB of phi, for rows of 128 bytes and more. */
export function fixedLoop(phiBytes: number, rowBytes: number): PoolingLoop {
  return phiBytes <= COMPACT_MAX_BYTES && rowBytes >= COMPACT_MIN_ROW_BYTES ? "compacted" : "streaming";
}

/**
 * The variants of a job on a layout, the fixed rule's first (a tie keeps it). Pooling loops
 * that would run the same code as streaming are left out: wide strips only for rows of 65 to
 * 128 bytes, multi-block only for rows of one to four whole vectors (16 to 64 bytes), neither in
 * the scalar build.
 */
export function variantsOf(job: PlanJob, layout: Layout): Variant[] {
  const { simd, phiBytes, rowBytes } = layout;
  const fixed = fixedLoop(phiBytes, rowBytes);
  const loops: PoolingLoop[] = [fixed, fixed === "compacted" ? "streaming" : "compacted"];
  if (simd && rowBytes > 64 && rowBytes <= 128) loops.push("wide-strips");
  if (simd && rowBytes >= 16 && rowBytes <= 64) loops.push("multi-block");
  if (job !== "valueAndGradient") return loops;
  return loops.flatMap((loop) =>
    [loop, `${loop}+fused`].flatMap((pass) => [pass, `${pass}+fill-first`, `${pass}+touch-ahead`]),
  );
}

const LOOPS: readonly PoolingLoop[] = ["compacted", "streaming", "wide-strips", "multi-block"];

/** A variant's `plan` bits, or undefined if it is not a variant's name. */
export function variantBits(variant: string, b: PlanBits): number | undefined {
  const [loop, ...extras] = variant.split("+");
  if (!LOOPS.includes(loop as PoolingLoop)) return undefined;
  const loopBits = { compacted: b.compact, streaming: 0, "wide-strips": b.wideStrips, "multi-block": b.multiBlock };
  let bits = loopBits[loop as PoolingLoop];
  // at most "fused", then at most one of the ways to write
  let order = 0;
  for (const extra of extras) {
    const at = ["fused", "fill-first", "touch-ahead"].indexOf(extra);
    if (at < 0 || Math.min(at, 1) < order) return undefined;
    order = Math.min(at, 1) + 1;
    bits |= [b.fused, b.fillFirst, b.touchAhead][at];
  }
  return bits;
}

/**
 * estimate's choice (docs/planner.md), from a model of the machine rather than a clock: phi of at
 * most 16 MiB stays in a cache, where compacted pooling reads the fewest rows (value and dF/dh
 * compact rows of 32 bytes and more there; valueAndGradient, whose stores dominate, rows of 128
 * bytes and more, the fixed rule's); beyond, streaming keeps one stream for the prefetcher (wide
 * strips for rows of 65 to 128 bytes). Rows of 16 to 64 bytes not compacted pool by multi-block:
 * their add chains are latency bound. valueAndGradient takes the fused pass (a copy's traffic) on
 * streaming rows of any width, and plain stores: no machine measured gained 1.15x from the other
 * ways to write. Measured on an AMD EPYC (bench/estimate.mjs).
 */
export function estimatedVariant(job: PlanJob, layout: Layout): Variant {
  const { simd, phiBytes, rowBytes } = layout;
  let loop: PoolingLoop = fixedLoop(phiBytes, rowBytes);
  if (simd && loop === "streaming" && rowBytes > 64 && rowBytes <= 128) loop = "wide-strips";
  if (job === "valueAndGradient") return `${loop}+fused`;
  if (simd && phiBytes <= COMPACT_MAX_BYTES && rowBytes >= COMPACT_MIN_ROW_BYTES_READING) return "compacted";
  return simd && rowBytes >= 16 && rowBytes <= 64 ? "multi-block" : loop;
}

const power = (bytes: number) => Math.max(0, Math.ceil(Math.log2(Math.max(1, bytes))));

// calls in a loop repeat one shape: the last class, remembered, spares each of them the format
let last = { precision: "", phiBytes: -1, rowBytes: -1, key: "" };

/** The class a problem's loops are planned for. */
export function sizeClass(precision: string, phiBytes: number, rowBytes: number): string {
  if (last.precision !== precision || last.phiBytes !== phiBytes || last.rowBytes !== rowBytes)
    last = { precision, phiBytes, rowBytes, key: `${precision} phi<=2^${power(phiBytes)} row<=2^${power(rowBytes)}` };
  return last.key;
}
