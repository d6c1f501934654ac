// The browser demo: plain ESM importing the built package (no bundler), in two views. The
// recommender (recommender.js) trains on a visitor's ratings file; the kernel view (kernels.js)
// computes, times and trains the kernels under it. Every computation runs in a Web Worker, so
// no task holds the page's own thread for long, at any size, on a phone too.
import "./kernels.js";
import { recommenderWorker } from "./recommender.js";

const VIEWS = ["recommender", "kernels"];

/** Shows the view the address names (#recommender, #kernels; the recommender by default). */
function showView() {
  const wanted = location.hash.slice(1);
  const shown = VIEWS.includes(wanted) ? wanted : VIEWS[0];
  for (const view of VIEWS) {
    document.getElementById(view).hidden = view !== shown;
    document.getElementById(`tab-${view}`).setAttribute("aria-selected", String(view === shown));
  }
}
addEventListener("hashchange", showView);
showView();

const build = document.getElementById("build");
recommenderWorker()
  .call("info")
  .then(
    ({ simd }) =>
      (build.value = `${simd ? "SIMD" : "scalar"} build${self.crossOriginIsolated ? ", cross-origin isolated" : ""}`),
    (error) => (build.value = `failed: ${error.message}`),
  );
