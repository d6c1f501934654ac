// The views the memory owner (memory.ts) keeps for its own use (docs/design.md §3): for each
// element type, the last view it made and one view of the whole buffer, both dropped when the
// buffer changes (a growth detaches the old one). A loop of small calls then copies its arrays in
// and its result out without making a view each time.

/** A typed array constructor of the kinds crossgrad lays out. */
export type ViewType<A> = {
  new (buffer: ArrayBuffer, byteOffset: number, length: number): A;
  readonly BYTES_PER_ELEMENT: number;
};

/** What is kept for one element type. */
interface Slot {
  readonly type: ViewType<ArrayBufferView>;
  last: ArrayBufferView | undefined;
  ptr: number;
  length: number;
  whole: ArrayBufferView | undefined;
}

export class Views {
  #buffer: ArrayBuffer | undefined;
  readonly #slots: Slot[] = [];

  /** A view of `length` elements at byte `ptr` of `buffer` (the current one): the last of its type if it is the same. */
  view<A extends ArrayBufferView>(buffer: ArrayBuffer, Type: ViewType<A>, ptr: number, length: number): A {
    const slot = this.#slot(buffer, Type);
    if (slot.last === undefined || slot.ptr !== ptr || slot.length !== length) {
      slot.last = new Type(buffer, ptr, length);
      slot.ptr = ptr;
      slot.length = length;
    }
    return slot.last as A;
  }

  /** The whole of `buffer` (the current one) as elements of `Type`. */
  whole<A extends ArrayBufferView>(buffer: ArrayBuffer, Type: ViewType<A>): A {
    const slot = this.#slot(buffer, Type);
    slot.whole ??= new Type(buffer, 0, Math.floor(buffer.byteLength / Type.BYTES_PER_ELEMENT));
    return slot.whole as A;
  }

  /** The slot of `Type`; every view is dropped first if the buffer changed. */
  #slot(buffer: ArrayBuffer, Type: ViewType<ArrayBufferView>): Slot {
    const slots = this.#slots;
    if (buffer !== this.#buffer) {
      this.#buffer = buffer;
      for (const slot of slots) slot.last = slot.whole = undefined;
    }
    for (let i = 0; i < slots.length; i++) if (slots[i].type === Type) return slots[i];
    const slot: Slot = { type: Type, last: undefined, ptr: -1, length: -1, whole: undefined };
    slots.push(slot);
    return slot;
  }
}
