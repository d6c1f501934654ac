// The WebAssembly and fetch types that crossgrad's declarations name, written structurally, so
// that its .d.ts files type-check in a project without the DOM library (Node-only TypeScript:
// lib ES2022 with @types/node), where the WebAssembly namespace, BufferSource and Response may
// not exist. The real objects are assignable to these; the code casts where it calls the host.

/** A compiled WebAssembly.Module (opaque). */
export type WasmModuleLike = object;

/** A WebAssembly.Memory: what crossgrad reads of one. */
export interface WasmMemoryLike {
  readonly buffer: ArrayBuffer | SharedArrayBuffer;
  grow(deltaPages: number): number;
}

/** A WebAssembly.Global holding a number. */
export interface WasmGlobalLike {
  readonly value: unknown;
}

/** A fetch Response: what crossgrad reads of one. */
export interface ResponseLike {
  readonly ok: boolean;
  readonly status: number;
  arrayBuffer(): Promise<ArrayBuffer>;
}

/** Bytes: an ArrayBuffer or a view of one (a BufferSource). */
export type BytesLike = ArrayBuffer | ArrayBufferView;
