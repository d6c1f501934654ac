// The one owner of wasm memory: it lays out aligned regions, grows the memory, and hands out
// views. Nobody else decides where anything lives; kernels only receive pointers.
//
// It is also the one place where arrays become pointers (locate): an array the caller passes
// is used in place only if it lies in bytes that crossgrad handed out (a Problem's or Model's
// arrays, a result) of a live region of this memory; a view of a region that was freed (a view
// kept across dispose()) is refused, so a careless call can never read or write memory that now
// belongs to someone else, and so is a view made by hand over internal memory (the arena, a
// scratch, an optimizer's state), whose bytes the call itself may overwrite. A view whose buffer
// was detached by growth has length 0 and fails the length checks before it gets here.

import { copyFrom, objectOf, ownRef, type ArrayRef } from "../util/read.js";
import {
  align,
  allocRegion,
  formatBytes,
  PAGE_BYTES,
  REGION_ALIGN,
  regionBytes,
  WASM32_MAX_BYTES,
  type What,
} from "./layout.js";
import { Views, type ViewType } from "./views.js";
import type { WasmMemoryLike } from "./wasm-types.js";

/** The test build's guard (enableMemoryGuard): bytes around every region, and their pattern. */
const GUARD_BYTES = REGION_ALIGN;
const CANARY = 0xa5;
/** Freed and never-used memory holds this under the guard: NaN as f32 and as f64, so a read before a write shows. */
const POISON = 0xff;
/** A free region is checked whole up to this size, else at its two ends. */
const POISON_CHECK_BYTES = 4096;

interface FreeRegion {
  ptr: number;
  bytes: number;
}

/** A live region. Views handed out for it die with it: `live` turns false when it is freed. */
export interface Lease {
  readonly ptr: number;
  /** bytes reserved: the request rounded up to REGION_ALIGN */
  readonly bytes: number;
  /** bytes asked for: the guard watches the rest of the region too */
  readonly asked: number;
  live: boolean;
  /** The byte ranges of it that views were handed out for, as [start, end) pairs: the caller's memory. */
  readonly handedOut: number[];
}

/** Which WasmMemory a buffer belongs to (every buffer a view was made over is recorded). */
const owners = new WeakMap<ArrayBufferLike, WasmMemory>();
/** The region each view handed out was made for. */
const leases = new WeakMap<ArrayBufferView, Lease>();

let guardNext = false;
// weakly held: a memory nobody can reach (a terminated pool's, say) must stay collectable, or
// engines that cap live shared memories (JavaScriptCore: about 15 of 4 GiB) refuse the next one
const guarded = new Set<WeakRef<WasmMemory>>();

/**
 * @internal Test build: every WasmMemory created from now on surrounds its regions with canary
 * bytes and poisons the memory no region holds; {@link verifyMemories} checks them.
 */
export function enableMemoryGuard(): void {
  guardNext = true;
}

/** @internal Checks the canaries and poison of every guarded memory; throws Error naming the damage. */
export function verifyMemories(): void {
  for (const ref of guarded) {
    const memory = ref.deref();
    if (memory) memory.verify();
    else guarded.delete(ref);
  }
}

/** A typed array of any element type. */
type TypedArray = ArrayBufferView & ArrayLike<number> & { set(array: ArrayLike<number>): void };

/**
 * A copy of a view of wasm memory in a new array (allocated, then set(): V8's slice() of such a
 * view is far slower).
 */
export function copyOf<A extends TypedArray>(view: A): A {
  const copy = new (view.constructor as new (length: number) => A)(view.length);
  copy.set(view);
  return copy;
}

export type { ViewType } from "./views.js";

/**
 * First-fit allocator over a WebAssembly.Memory. Freed regions are coalesced with their
 * neighbours and reused, so a workload cycling through a fixed set of sizes stops growing the
 * memory after warm-up (wasm memory never shrinks).
 */
export class WasmMemory {
  private top: number;
  private readonly freeList: FreeRegion[] = [];
  /** Live regions by start, and their starts in increasing order (for locate). */
  private readonly regions = new Map<number, Lease>();
  private readonly starts: number[] = [];
  private seen: ArrayBufferLike | undefined;
  private arenaRegion: { ptr: number; bytes: number } | undefined;
  /** The views view() and copyIn() keep. */
  private readonly views = new Views();
  /** Bytes of guard on each side of a region: 0 unless the test build's guard is on. */
  private readonly guard: number;

  constructor(
    private readonly memory: WasmMemoryLike,
    heapBase: number,
  ) {
    this.guard = guardNext ? GUARD_BYTES : 0;
    this.top = align(heapBase);
    if (this.guard) {
      guarded.add(new WeakRef(this));
      this.bytes(this.top, this.memory.buffer.byteLength - this.top).fill(POISON);
    }
  }

  /** The current buffer: replaced (and the old one detached) whenever the memory grows. */
  get buffer(): ArrayBuffer {
    // the last buffer seen, unless a growth made another: ours (grow() forgets it) or one elsewhere
    // (an unshared buffer is then detached: its length reads 0). WebAssembly.Memory's getter is
    // not free, and a small call reads the buffer several times.
    const seen = this.seen;
    if (seen !== undefined && seen.byteLength !== 0) return seen as ArrayBuffer;
    const buffer = this.memory.buffer;
    if (buffer !== seen) owners.set(buffer, this);
    this.seen = buffer;
    return buffer as ArrayBuffer;
  }

  /** Whether the test build's guard watches this memory (verify() then checks it). */
  get guarded(): boolean {
    return this.guard > 0;
  }

  /** Bytes the memory has reserved so far. */
  get byteLength(): number {
    return this.memory.buffer.byteLength;
  }

  /**
   * A view of `length` elements at byte `ptr` over the current buffer, for the library's own use
   * (never handed to a caller: {@link lease} makes those). The last one of each type is kept
   * until the buffer changes, so a loop of small calls that reads one result makes it once.
   */
  view<A extends ArrayBufferView>(Type: ViewType<A>, ptr: number, length: number): A {
    return this.views.view(this.buffer, Type, ptr, length);
  }

  /**
   * Copies an array (as read once) into memory at byte `ptr` (a multiple of its size), converted
   * to `Type`: through a view of the whole buffer kept per type, so a small call's copies make no view.
   */
  copyIn(Type: ViewType<ArrayBufferView>, ptr: number, ref: ArrayRef): void {
    copyFrom(this.views.whole(this.buffer, Type), ref, ptr / Type.BYTES_PER_ELEMENT);
  }

  /**
   * A view to hand to a caller: leased to the region it lies in, so that it dies (locate
   * refuses it) when that region is freed.
   */
  lease<A extends ArrayBufferView>(Type: ViewType<A>, ptr: number, length: number): A {
    const view = new Type(this.buffer, ptr, length);
    const end = ptr + length * Type.BYTES_PER_ELEMENT;
    const lease = this.regionAt(ptr, end - ptr);
    if (lease) {
      leases.set(view, lease);
      const ranges = lease.handedOut;
      let known = false;
      for (let i = 0; i < ranges.length && !known; i += 2) known = ranges[i] <= ptr && end <= ranges[i + 1];
      if (!known) ranges.push(ptr, end);
    }
    return view;
  }

  /**
   * `ref`, or a copy of its array if it is a view of this memory: growing the memory detaches
   * such a view (its length turns 0), so an array the library copies in after it allocates must
   * not be read through it. Only views not used in place (another type, or overlapping an `out`)
   * pay.
   */
  stable(ref: ArrayRef): ArrayRef {
    // (every buffer of this memory a view can have was seen by the buffer getter: owners knows it;
    // a view of an old one was detached and is empty)
    if (ref.buffer === undefined || owners.get(ref.buffer) !== this || ref.length === 0) return ref;
    const Type = globalThis[ref.kind] as unknown as new (length: number) => Float64Array;
    const copy = new Type(ref.length);
    copyFrom(copy, ref);
    return ownRef(copy, ref.kind);
  }

  private bytes(ptr: number, length: number): Uint8Array {
    // the top may lie past the end of the memory until the first region grows it
    return length > 0 ? new Uint8Array(this.memory.buffer, ptr, length) : new Uint8Array(0);
  }

  /**
   * A REGION_ALIGN-aligned region of at least `bytes` bytes. Throws RangeError, with nothing
   * changed, when the memory cannot grow that far.
   */
  alloc(bytes: number): number {
    const size = regionBytes(bytes);
    const block = size + 2 * this.guard;
    let at = -1;
    // first fit among freed regions
    for (let i = 0; i < this.freeList.length; i++) {
      const region = this.freeList[i];
      if (region.bytes < block) continue;
      at = region.ptr;
      if (region.bytes === block) this.freeList.splice(i, 1);
      else {
        region.ptr += block;
        region.bytes -= block;
      }
      break;
    }
    if (at < 0) at = this.grow(block);
    const ptr = at + this.guard;
    if (this.guard) {
      this.bytes(at, this.guard).fill(CANARY);
      // from the last byte asked for: a write into the alignment slack counts as past the end
      this.bytes(ptr + bytes, size - bytes + this.guard).fill(CANARY);
    }
    this.regions.set(ptr, { ptr, bytes: size, asked: bytes, live: true, handedOut: [] });
    this.starts.splice(this.insertionPoint(ptr), 0, ptr);
    return ptr;
  }

  /** Bumps the top by `block` bytes, growing the memory; returns the old top. */
  private grow(block: number): number {
    const at = this.top;
    const end = at + block;
    if (end > WASM32_MAX_BYTES) {
      throw new RangeError(
        `wasm memory exhausted: ${formatBytes(block)} more are needed, with ${formatBytes(this.inUseBytes)} ` +
          `already in use, beyond the ${formatBytes(WASM32_MAX_BYTES)} a wasm32 memory can address`,
      );
    }
    const have = this.memory.buffer.byteLength;
    if (end > have) {
      try {
        this.memory.grow(Math.ceil((end - have) / PAGE_BYTES));
        this.seen = undefined;
      } catch (cause) {
        throw new RangeError(
          `wasm memory could not grow to ${formatBytes(end)}: ${formatBytes(block)} more are needed ` +
            `(${String((cause as Error)?.message ?? cause)})`,
          { cause },
        );
      }
      if (this.guard) this.bytes(have, this.memory.buffer.byteLength - have).fill(POISON);
    }
    this.top = end;
    return at;
  }

  /** Returns a region to the allocator; views made for it die. */
  free(ptr: number): void {
    const lease = this.regions.get(ptr);
    if (lease === undefined) throw new Error(`internal: free of unknown region ${ptr}`);
    lease.live = false;
    this.regions.delete(ptr);
    this.starts.splice(this.insertionPoint(ptr), 1);
    const start = ptr - this.guard,
      block = lease.bytes + 2 * this.guard;
    if (this.guard) this.bytes(start, block).fill(POISON);
    // insert sorted by address, then merge with the neighbours
    let i = 0;
    while (i < this.freeList.length && this.freeList[i].ptr < start) i++;
    this.freeList.splice(i, 0, { ptr: start, bytes: block });
    if (i + 1 < this.freeList.length && start + block === this.freeList[i + 1].ptr) {
      this.freeList[i].bytes += this.freeList[i + 1].bytes;
      this.freeList.splice(i + 1, 1);
    }
    if (i > 0 && this.freeList[i - 1].ptr + this.freeList[i - 1].bytes === start) {
      this.freeList[i - 1].bytes += this.freeList[i].bytes;
      this.freeList.splice(i, 1);
    }
    // a free region at the top goes back to the bump pointer
    const last = this.freeList[this.freeList.length - 1];
    if (last.ptr + last.bytes === this.top) {
      this.top = last.ptr;
      this.freeList.pop();
    }
  }

  /** A region of at least `bytes`, reused from call to call (see arenaParts). */
  arena(bytes: number, caller: string, what: What): number {
    const arena = this.arenaRegion;
    return arena !== undefined && arena.bytes >= bytes ? arena.ptr : this.newArena(bytes, caller, what);
  }

  private newArena(bytes: number, caller: string, what: What): number {
    if (this.arenaRegion) this.free(this.arenaRegion.ptr);
    this.arenaRegion = undefined;
    const ptr = allocRegion(this, bytes, caller, what);
    this.arenaRegion = { ptr, bytes };
    return ptr;
  }

  /** Bytes held by live regions. */
  get inUseBytes(): number {
    let total = 0;
    for (const lease of this.regions.values()) total += lease.bytes;
    return total;
  }

  /** Index of the first region start >= ptr. */
  private insertionPoint(ptr: number): number {
    let lo = 0,
      hi = this.starts.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.starts[mid] < ptr) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** The live region holding bytes [ptr, ptr + bytes), if one does. */
  private regionAt(ptr: number, bytes: number): Lease | undefined {
    const i = this.insertionPoint(ptr + 1) - 1;
    const lease = i >= 0 ? this.regions.get(this.starts[i]) : undefined;
    return lease && ptr + bytes <= lease.ptr + lease.bytes ? lease : undefined;
  }

  /**
   * Where an array lives: its byte offset if it lies in bytes handed out of a live region of
   * this memory, -1 if it is not in this memory (an array of the caller's, or a view of another
   * crossgrad memory: it is then copied like any array). Errors as {@link checkHandedOut}.
   */
  locate(caller: string, name: string, ref: ArrayRef): number {
    const owner = checkHandedOut(caller, name, ref);
    return owner === this ? ref.byteOffset : -1;
  }

  /** @internal The live region holding bytes [ptr, ptr + bytes), if one does (checkHandedOut). */
  leaseAt(ptr: number, bytes: number): Lease | undefined {
    return this.regionAt(ptr, bytes);
  }

  /** Test build: throws Error if a canary around a live region, or the poison of free memory, was overwritten. */
  verify(): void {
    if (!this.guard) return;
    const damaged = (ptr: number, length: number, pattern: number): number => {
      const bytes = this.bytes(ptr, length);
      for (let i = 0; i < bytes.length; i++) if (bytes[i] !== pattern) return i;
      return -1;
    };
    const fail = (what: string) => {
      throw new Error(`crossgrad memory guard: ${what}`);
    };
    for (const { ptr, bytes, asked } of this.regions.values()) {
      const before = damaged(ptr - this.guard, this.guard, CANARY);
      if (before >= 0)
        fail(`a write before the region at ${ptr} (${asked} bytes), ${this.guard - before} bytes before it`);
      const after = damaged(ptr + asked, bytes - asked + this.guard, CANARY);
      if (after >= 0) fail(`a write past the end of the region at ${ptr} (${asked} bytes), ${after} bytes past it`);
    }
    const end = this.memory.buffer.byteLength;
    for (const { ptr, bytes } of [...this.freeList, { ptr: this.top, bytes: end - this.top }]) {
      const ends =
        bytes <= 2 * POISON_CHECK_BYTES
          ? [[ptr, bytes]]
          : [
              [ptr, POISON_CHECK_BYTES],
              [ptr + bytes - POISON_CHECK_BYTES, POISON_CHECK_BYTES],
            ];
      for (const [from, length] of ends) {
        const at = damaged(from, length, POISON);
        if (at >= 0) fail(`a write into free memory at ${from + at} (free from ${ptr}, ${bytes} bytes)`);
      }
    }
  }
}

/**
 * The crossgrad memory an array is a view of (undefined: none, or it is empty and never read or
 * written), once it is known to lie in bytes that crossgrad handed out of a live region (a
 * Problem's or Model's arrays, a result). Error for a view no live region holds (one kept across
 * dispose(), whose bytes may now belong to someone else), and for a view made by hand over
 * internal memory (the arena, a scratch, an optimizer's state), which a call may overwrite as
 * it runs (docs/design.md §3).
 */
export function checkHandedOut(caller: string, name: string, ref: ArrayRef): WasmMemory | undefined {
  const owner = ref.buffer && owners.get(ref.buffer);
  // (the rest apart: a caller's own array, the usual case, then costs a look-up, inlined)
  return owner === undefined ? undefined : checkLease(caller, name, ref, owner);
}

/** checkHandedOut of a view of `owner`'s memory. */
function checkLease(caller: string, name: string, ref: ArrayRef, owner: WasmMemory): WasmMemory | undefined {
  const bytes = ref.length * ref.bytesPerElement;
  // a view of a buffer that growth detached reads as empty: it is dead, not an empty list
  if (ref.buffer!.byteLength === 0 && owner.byteLength > 0) {
    throw new Error(
      `${caller}(): ${name} is a view of crossgrad memory that has grown since (growth detaches views); ` +
        `read the getter of a live one again`,
    );
  }
  if (bytes === 0) return undefined;
  const from = ref.byteOffset,
    to = from + bytes;
  const lease = leases.get(objectOf(ref)) ?? owner.leaseAt(from, bytes);
  if (lease === undefined || !lease.live || to > lease.ptr + lease.bytes) {
    throw new Error(
      `${caller}(): ${name} is a view of crossgrad memory that was freed (its Problem or Model was disposed); ` +
        `views die with their owner: read the getter of a live one again`,
    );
  }
  const ranges = lease.handedOut;
  for (let i = 0; i < ranges.length; i += 2) if (ranges[i] <= from && to <= ranges[i + 1]) return owner;
  throw new Error(
    `${caller}(): ${name} is a view of crossgrad's internal memory, not an array crossgrad handed out ` +
      `(a Problem's or Model's phi or h, or a result); pass an array of your own, or such a view`,
  );
}
