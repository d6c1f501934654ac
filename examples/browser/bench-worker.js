// The demo page's benchmark, off the main thread so the page stays responsive: a classic
// worker, so that TensorFlow.js (UMD scripts) loads here, and only when a benchmark starts.
// It posts { progress: [done, total], line } as it goes, then { results } or { error }.
/* global tf, importScripts */

self.onmessage = async ({ data: { sizes } }) => {
  try {
    self.postMessage({ line: "loading TensorFlow.js..." });
    importScripts(
      "/node_modules/@tensorflow/tfjs/dist/tf.min.js",
      "/node_modules/@tensorflow/tfjs-backend-wasm/dist/tf-backend-wasm.min.js",
    );
    tf.wasm.setWasmPaths("/node_modules/@tensorflow/tfjs-backend-wasm/dist/");
    await tf.setBackend("wasm");
    const [{ init }, { runSuite }] = await Promise.all([import("../../dist/index.js"), import("../../bench/suite.js")]);
    await init();
    const results = await runSuite({
      tf,
      tfBackends: ["wasm", "cpu"],
      loadBytes: async (path) => new Uint8Array(await (await fetch("/" + path)).arrayBuffer()),
      quick: true,
      sizes,
      log: (line) => self.postMessage({ line }),
      progress: (done, total) => self.postMessage({ progress: [done, total] }),
    });
    self.postMessage({ results, tfjs: tf.version.tfjs });
  } catch (error) {
    self.postMessage({ error: String(error?.message ?? error) });
  }
};
