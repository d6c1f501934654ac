// The median time of a call, measured over about `budget` milliseconds (at least 3 samples
// after one warm-up): the CLI's and the browser demo's timings. A sample runs the call as many
// times as make it last SAMPLE_MS at least: browsers coarsen their clock, and one tick must not
// be a call's whole time.

/** The shortest sample, ms: many ticks of a coarse clock. */
const SAMPLE_MS = 1;

/** @param {() => unknown} fn @param {number} [budget] @returns {number} median milliseconds */
export function medianTime(fn, budget = 300) {
  fn();
  let repeat = 1;
  for (;;) {
    const t = performance.now();
    for (let i = 0; i < repeat; i++) fn();
    if (performance.now() - t >= SAMPLE_MS) break;
    repeat *= 2;
  }
  const times = [];
  for (const until = performance.now() + budget; performance.now() < until || times.length < 3;) {
    const t = performance.now();
    for (let i = 0; i < repeat; i++) fn();
    times.push((performance.now() - t) / repeat);
  }
  return times.sort((a, b) => a - b)[times.length >> 1];
}
