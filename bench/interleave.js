// Tasks timed in alternating rounds, for ratios between tasks that the machine's drift would
// otherwise decide: one task timed for its whole sample window, then the next, compares two
// moments of a shared machine as much as two tasks (docs/speed.md, threads). Each round runs
// every task once untimed, then `calls` times timed; a task's time is the median of its rounds.
// No Node API: the browser suite uses it too.

/**
 * Times `tasks` ({ name: () => value or Promise }) interleaved: `warmup` untimed calls of each
 * first (a pool's workers plan on their own), then rounds until every task has `minRounds`
 * samples and `minMs` of timed calls, or `maxMs` of rounds have passed. Returns
 * { name: { ms, rme, samples } }: ms the median of a call's time over the rounds, rme the
 * relative margin of error of their mean (%, 95%), samples the rounds.
 */
export async function timeInterleaved(
  tasks,
  { warmup = 150, calls = 3, minRounds = 40, minMs = 0, maxMs = 120_000 } = {},
) {
  const entries = Object.entries(tasks);
  for (let i = 0; i < warmup; i++) for (const [, task] of entries) await task();
  const times = Object.fromEntries(entries.map(([name]) => [name, []]));
  const spent = Object.fromEntries(entries.map(([name]) => [name, 0]));
  const start = performance.now();
  for (let round = 0; ; round++) {
    const enough = round >= minRounds && entries.every(([name]) => spent[name] >= minMs);
    if (enough || (round > 0 && performance.now() - start > maxMs)) break;
    for (const [name, task] of entries) {
      await task();
      const begin = performance.now();
      for (let i = 0; i < calls; i++) await task();
      const elapsed = performance.now() - begin;
      times[name].push(elapsed / calls);
      spent[name] += elapsed;
    }
  }
  return Object.fromEntries(entries.map(([name]) => [name, summary(times[name])]));
}

/** Median, relative margin of error (%, 95%, normal) and count of a task's round times. */
function summary(list) {
  const sorted = [...list].sort((a, b) => a - b);
  const n = sorted.length;
  const mean = sorted.reduce((s, x) => s + x, 0) / n;
  const variance = n > 1 ? sorted.reduce((s, x) => s + (x - mean) ** 2, 0) / (n - 1) : 0;
  return { ms: sorted[n >> 1], rme: mean > 0 ? (196 * Math.sqrt(variance / n)) / mean : 0, samples: n };
}
