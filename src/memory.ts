// The one owner of wasm memory (SPEC §7): it lays out aligned regions, grows the memory, and
// hands out views. Nobody else decides where anything lives; kernels only receive pointers.

/** Alignment of every region: a cache line, so no region shares a line with another. */
export const REGION_ALIGN = 64;
const PAGE_BYTES = 65536;
/** A wasm32 memory holds at most 65,536 pages of 64 KiB. */
export const WASM32_MAX_BYTES = 65536 * PAGE_BYTES;

interface FreeRegion {
  ptr: number;
  bytes: number;
}

const alignUp = (x: number, a: number): number => Math.ceil(x / a) * a;

/** Formats a byte count for error messages: 5368709120 -> "5,368,709,120 bytes (5.00 GiB)". */
export function formatBytes(bytes: number): string {
  return `${bytes.toLocaleString("en-US")} bytes (${(bytes / 2 ** 30).toFixed(2)} GiB)`;
}

/**
 * First-fit allocator over a WebAssembly.Memory. Freed regions are coalesced with their
 * neighbours and reused, so a workload cycling through a fixed set of sizes stops growing the
 * memory after warm-up (wasm memory never shrinks).
 */
export class WasmMemory {
  private top: number;
  private readonly freeList: FreeRegion[] = [];
  private readonly sizes = new Map<number, number>();

  constructor(
    private readonly memory: WebAssembly.Memory,
    heapBase: number,
  ) {
    this.top = alignUp(heapBase, REGION_ALIGN);
  }

  /** The current buffer: replaced (and the old one detached) whenever the memory grows. */
  get buffer(): ArrayBuffer {
    return this.memory.buffer as ArrayBuffer;
  }

  /** Bytes the memory has reserved so far. */
  get byteLength(): number {
    return this.memory.buffer.byteLength;
  }

  /** Bytes a new region of this size takes, alignment included. */
  static regionBytes(bytes: number): number {
    return alignUp(Math.max(bytes, 1), REGION_ALIGN);
  }

  /**
   * A REGION_ALIGN-aligned region of at least `bytes` bytes. Throws RangeError, with nothing
   * changed, when the memory cannot grow that far.
   */
  alloc(bytes: number): number {
    const size = WasmMemory.regionBytes(bytes);
    // first fit among freed regions
    for (let i = 0; i < this.freeList.length; i++) {
      const region = this.freeList[i];
      if (region.bytes < size) continue;
      const ptr = region.ptr;
      if (region.bytes === size) this.freeList.splice(i, 1);
      else {
        region.ptr += size;
        region.bytes -= size;
      }
      this.sizes.set(ptr, size);
      return ptr;
    }
    // bump the top, growing the memory
    const ptr = this.top;
    const end = ptr + size;
    if (end > WASM32_MAX_BYTES) {
      throw new RangeError(
        `wasm memory exhausted: ${formatBytes(size)} more are needed, with ${formatBytes(this.inUseBytes)} ` +
          `already in use, beyond the ${formatBytes(WASM32_MAX_BYTES)} a wasm32 memory can address`,
      );
    }
    const have = this.memory.buffer.byteLength;
    if (end > have) {
      try {
        this.memory.grow(Math.ceil((end - have) / PAGE_BYTES));
      } catch (cause) {
        throw new RangeError(
          `wasm memory could not grow to ${formatBytes(end)}: ${formatBytes(size)} more are needed ` +
            `(${String((cause as Error)?.message ?? cause)})`,
        );
      }
    }
    this.top = end;
    this.sizes.set(ptr, size);
    return ptr;
  }

  /** Returns a region to the allocator. */
  free(ptr: number): void {
    const size = this.sizes.get(ptr);
    if (size === undefined) throw new Error(`internal: free of unknown region ${ptr}`);
    this.sizes.delete(ptr);
    // insert sorted by address, then merge with the neighbours
    let i = 0;
    while (i < this.freeList.length && this.freeList[i].ptr < ptr) i++;
    this.freeList.splice(i, 0, { ptr, bytes: size });
    if (i + 1 < this.freeList.length && ptr + size === this.freeList[i + 1].ptr) {
      this.freeList[i].bytes += this.freeList[i + 1].bytes;
      this.freeList.splice(i + 1, 1);
    }
    if (i > 0 && this.freeList[i - 1].ptr + this.freeList[i - 1].bytes === ptr) {
      this.freeList[i - 1].bytes += this.freeList[i].bytes;
      this.freeList.splice(i, 1);
      i--;
    }
    // a free region at the top goes back to the bump pointer
    const last = this.freeList[this.freeList.length - 1];
    if (last.ptr + last.bytes === this.top) {
      this.top = last.ptr;
      this.freeList.pop();
    }
  }

  /** Bytes held by live regions. */
  get inUseBytes(): number {
    let total = 0;
    for (const size of this.sizes.values()) total += size;
    return total;
  }
}

/**
 * One region of `bytes`, or a RangeError stating the bytes `what` needs. A single region, so a
 * refusal leaves nothing allocated and the memory no larger: the caller can go on with smaller
 * work. (Callers that need several arrays carve them out of one region.)
 */
export function allocRegion(memory: WasmMemory, bytes: number, caller: string, what: string): number {
  const needed = WasmMemory.regionBytes(bytes);
  if (needed > WASM32_MAX_BYTES) {
    throw new RangeError(
      `${caller}(): ${what} needs ${formatBytes(needed)} of wasm memory, more than the ` +
        `${formatBytes(WASM32_MAX_BYTES)} a wasm32 memory can hold`,
    );
  }
  try {
    return memory.alloc(bytes);
  } catch (error) {
    throw new RangeError(`${caller}(): ${what} needs ${formatBytes(needed)} of wasm memory: ${(error as Error).message}`);
  }
}
