// A copy of phi split across worker threads on one shared memory: what a memory-bound kernel can
// gain from threads on this machine, measured beside the thread pool (issue: a pool should gain
// at least what this copy gains). The roofline's copy (bench/assembly/roofline.ts, built on a
// shared memory by bench/build.mjs) runs on crossgrad's own worker script, which instantiates
// any module it is sent and runs its exports by name: the same messages a pool's call costs.

import { spawn, started } from "../dist/threads/workers.js";

/** Workers that copy; `copy(dst, src, bytes)` splits the bytes among them (whole 128-byte steps). */
export async function parallelCopier({ threads, moduleBytes, workerUrl, bytes }) {
  const pages = Math.ceil((2 * bytes + (1 << 20)) / 65536);
  const memory = new WebAssembly.Memory({ initial: pages, maximum: 65536, shared: true });
  const module = await WebAssembly.compile(moduleBytes);
  const workers = [];
  for (let i = 0; i < threads; i++) {
    const worker = await spawn(workerUrl);
    worker.hold(true);
    const ready = started(worker, workerUrl, 30_000, "parallelCopier");
    worker.post({ init: { module, memory } });
    await ready;
    workers.push(worker);
  }
  let id = 0;
  const pending = new Map();
  for (const worker of workers) {
    worker.onReply((reply) => {
      const settle = pending.get(reply.id);
      if (!settle) return;
      pending.delete(reply.id);
      if (reply.error) settle.reject(new Error(reply.error));
      else settle.resolve();
    });
  }
  const src = 65536,
    dst = src + Math.ceil(bytes / 65536) * 65536;
  const part = Math.ceil(bytes / threads / 128) * 128;
  return {
    memory,
    src,
    dst,
    /** One copy of `bytes` from src to dst, each worker taking its share. */
    copy: () =>
      Promise.all(
        workers.map((worker, w) => {
          const from = w * part,
            size = Math.max(0, Math.min(part, bytes - from));
          const call = id++;
          return new Promise((resolve, reject) => {
            pending.set(call, { resolve, reject });
            worker.post({ id: call, calls: [["copySimd", [dst + from, src + from, size]]] });
          });
        }),
      ),
    terminate: () => Promise.all(workers.map((worker) => worker.terminate())),
  };
}
