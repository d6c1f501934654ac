// The browser demo: plain ESM importing the built package (no bundler). Its computations
// (kernels.js: compute, time, train) run in Web Workers, so no task holds the page's own thread
// for long, at any size, on a phone too.
import { info, init } from "../../dist/index.js";
import "./kernels.js";

await init();
document.getElementById("build").value =
  `${info().simd ? "SIMD" : "scalar"} build${self.crossOriginIsolated ? ", cross-origin isolated" : ""}`;
