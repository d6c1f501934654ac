// The rooflines split across worker threads on one shared memory: a copy of phi (and a read of it,
// and a v128 fill of its size), each worker taking a contiguous share. What a memory-bound kernel
// can gain from threads on this machine, measured beside the thread pool (issue: a pool should
// gain at least what this copy gains). The roofline's loops (bench/assembly/roofline.ts, built on
// a shared memory by bench/build.mjs) run on crossgrad's own worker script through the pool's
// doorbells (src/threads/doorbell.ts): the same wake-ups a pool's pass costs.

import { exportNames, startDoorbells } from "../dist/threads/doorbell.js";

/** Workers that copy, read and fill `bytes`: src to dst, src, dst (whole 128-byte steps). */
export async function parallelCopier({ threads, moduleBytes, workerUrl, bytes }) {
  const pages = Math.ceil((2 * bytes + (1 << 20)) / 65536);
  const memory = new WebAssembly.Memory({ initial: pages, maximum: 65536, shared: true });
  const module = await WebAssembly.compile(moduleBytes);
  const doorbells = await startDoorbells(workerUrl, threads, 30_000, { module, memory }, "parallelCopier");
  const index = (name) => exportNames(module).indexOf(name);
  const src = 65536,
    dst = src + Math.ceil(bytes / 65536) * 65536;
  const part = Math.ceil(bytes / threads / 128) * 128;
  /** One pass of `kernel` over `bytes`, each worker taking its share; args(from, size) are its arguments. */
  const split = (kernel, args) =>
    Promise.all(
      doorbells.map((doorbell, w) => {
        const from = w * part,
          size = Math.max(0, Math.min(part, bytes - from));
        return doorbell.run([[kernel, args(from, size)]]);
      }),
    );
  const [copySimd, readF32, fillSimd] = ["copySimd", "readF32", "fillSimd"].map(index);
  return {
    memory,
    src,
    dst,
    copy: () => split(copySimd, (from, size) => [dst + from, src + from, size]),
    read: () => split(readF32, (from, size) => [src + from, size]),
    fill: () => split(fillSimd, (from, size) => [dst + from, size]),
    terminate: () => Promise.all(doorbells.map((doorbell) => doorbell.stop())),
  };
}
