// Laying out regions of wasm memory (docs/design.md §3): alignment, named parts and slots of
// one region, the arena's parts of a copying call, and the refusal, with its byte count, of what
// a wasm32 memory cannot hold. Every byte offset inside a region is computed here; the memory
// owner (src/wasm/memory.ts) decides where regions start.

/** Alignment of every region: a cache line, so no region shares a line with another. */
export const REGION_ALIGN = 64;
export const PAGE_BYTES = 65536;
/** A wasm32 memory holds at most 65,536 pages of 64 KiB: 4 GiB. */
export const MAX_PAGES = 65536;
export const WASM32_MAX_BYTES = MAX_PAGES * PAGE_BYTES;

/** Formats a byte count for error messages: 5368709120 -> "5,368,709,120 bytes (5.00 GiB)". */
export function formatBytes(bytes: number): string {
  return `${bytes.toLocaleString("en-US")} bytes (${(bytes / 2 ** 30).toFixed(2)} GiB)`;
}

/** Bytes a new region of this size takes, alignment included. */
export const regionBytes = (bytes: number): number => align(Math.max(bytes, 1));

/** What lays regions out: the memory owner (src/wasm/memory.ts). */
export interface Allocator {
  /** A REGION_ALIGN-aligned region of at least `bytes`; RangeError, nothing changed, when the memory cannot grow. */
  alloc(bytes: number): number;
  /** The arena: one region reused by every copying call, grown to the largest. */
  arena(bytes: number, caller: string, what: What): number;
}

/** What a region is for, in a refusal's message; a function when it is costly to say (made only to throw). */
export type What = string | (() => string);
const whatText = (what: What): string => (typeof what === "string" ? what : what());

/** Bytes rounded up to the region alignment: parts laid out in one region stay aligned. */
export const align = (bytes: number): number => Math.ceil(bytes / REGION_ALIGN) * REGION_ALIGN;

/** A part of a region made of `count` slots of `bytes` each, every slot aligned (one per tile, per thread, ...). */
export class Slots {
  constructor(
    readonly count: number,
    readonly bytes: number,
  ) {}
  /** The first byte of slot i, in a part starting at `at`. */
  at(at: number, i: number): number {
    return at + i * align(this.bytes);
  }
}

/** Named parts of a region and their sizes in bytes (or their slots). */
export type Parts<N extends string> = Readonly<Record<N, number | Slots>>;

/**
 * Where named parts lie in one region, laid out in the order given, each on a REGION_ALIGN
 * boundary: their byte offsets from the region's start, and the region's size. Every byte
 * offset inside a region is computed here (docs/design.md §3).
 */
export function layout<N extends string>(parts: Parts<N>): { offsets: Record<N, number>; bytes: number } {
  const offsets = {} as Record<N, number>;
  let bytes = 0;
  for (const name in parts) {
    offsets[name] = bytes;
    bytes += partBytes(parts[name]);
  }
  return { offsets, bytes };
}

/** Bytes a part takes in a layout: its size, or its slots', each rounded up to the alignment. */
const partBytes = (part: number | Slots): number =>
  typeof part === "number" ? align(part) : part.count * align(part.bytes);

/** The pointers of laid-out parts in a region at `base`. */
export function partsAt<N extends string>(base: number, offsets: Record<N, number>): Record<N, number> {
  const at = {} as Record<N, number>;
  for (const name in offsets) at[name] = base + offsets[name];
  return at;
}

/**
 * One region holding the named parts: its start and each part's pointer, or the RangeError
 * of allocRegion, with nothing allocated.
 */
export function allocParts<N extends string>(
  memory: Allocator,
  parts: Parts<N>,
  caller: string,
  what: What,
): { base: number; at: Record<N, number> } {
  const { offsets, bytes } = layout(parts);
  const base = allocRegion(memory, bytes, caller, what);
  return { base, at: partsAt(base, offsets) };
}

/**
 * The memory's arena: one region for the arrays of a copying call, grown to the largest call
 * seen and then reused, so repeated calls allocate nothing after warm-up. Valid until the next
 * arena call; never hold it across one.
 */
export function arenaParts<N extends string>(
  memory: Allocator,
  parts: Parts<N>,
  caller: string,
  what: What,
): Record<N, number> {
  // every call of the copying API comes here: laid out as layout() does, without its objects
  let bytes = 0;
  for (const name in parts) bytes += partBytes(parts[name]);
  let at = memory.arena(bytes, caller, what);
  const pointers = {} as Record<N, number>;
  for (const name in parts) {
    pointers[name] = at;
    at += partBytes(parts[name]);
  }
  return pointers;
}

/**
 * One region of `bytes`, or a RangeError stating the bytes `what` needs. A single region, so a
 * refusal leaves nothing allocated and the memory no larger: the caller can go on with smaller
 * work. (Callers that need several arrays carve them out of one region.)
 */
export function allocRegion(memory: Allocator, bytes: number, caller: string, what: What): number {
  const needed = regionBytes(bytes);
  if (!(needed <= WASM32_MAX_BYTES)) {
    throw new RangeError(
      `${caller}(): ${whatText(what)} needs ${formatBytes(needed)} of wasm memory, more than the ` +
        `${formatBytes(WASM32_MAX_BYTES)} a wasm32 memory can hold`,
    );
  }
  try {
    return memory.alloc(bytes);
  } catch (cause) {
    throw new RangeError(
      `${caller}(): ${whatText(what)} needs ${formatBytes(needed)} of wasm memory: ${(cause as Error).message}`,
      { cause },
    );
  }
}
