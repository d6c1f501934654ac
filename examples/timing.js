// The median time of a call, measured over about `budget` milliseconds (at least 3 calls
// after one warm-up): the CLI's and the browser demo's timings.

/** @param {() => unknown} fn @param {number} [budget] @returns {number} median milliseconds */
export function medianTime(fn, budget = 300) {
  fn();
  const times = [];
  for (const until = performance.now() + budget; performance.now() < until || times.length < 3;) {
    const t = performance.now();
    fn();
    times.push(performance.now() - t);
  }
  return times.sort((a, b) => a - b)[times.length >> 1];
}
