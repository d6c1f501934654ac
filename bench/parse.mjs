// Parsing speed of crossgrad/recommend (docs/design.md §12): lines per second of
// parseInteractions() on a file's text in memory (the first call, then the median of 10) and of
// readInteractions() on the file itself, by wall clock and by CPU time (this process's; on a
// shared machine the wall clock also counts other processes' turns).
//
//   npm run build && node bench/parse.mjs [file ...]
//
// Without files it writes a 10-million-line file shaped like ml-25m's ratings.csv (a header;
// sorted by user, about 150 ratings each; each user's movies ascending, popular ones more
// often; half-star ratings; 10-digit timestamps) to the system's temporary directory.
import { existsSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { generator } from "../dist/util/random.js";
import { parseInteractions, readInteractions } from "../dist/recommend/index.js";

function generated(lines) {
  const file = join(tmpdir(), `crossgrad-ratings-${lines}.csv`);
  if (existsSync(file)) return file;
  const random = generator(7);
  const out = ["userId,movieId,rating,timestamp\n"];
  for (let written = 0, user = 1; written < lines; user++) {
    const count = Math.min(lines - written, 20 + Math.floor(-Math.log(1 - random()) * 130));
    const movies = new Set();
    while (movies.size < count) movies.add(1 + Math.floor(random() ** 2.5 * 59047));
    for (const movie of [...movies].sort((a, b) => a - b)) {
      const rating = (1 + Math.floor(random() * 10)) / 2;
      out.push(`${user},${movie},${rating},${1_000_000_000 + Math.floor(random() * 5e8)}\n`);
    }
    written += count;
  }
  writeFileSync(file, out.join(""));
  return file;
}

/** Runs `fn`, returning its result and its wall and CPU milliseconds. */
async function timed(fn) {
  const cpu = process.cpuUsage(),
    start = performance.now();
  const result = await fn();
  const used = process.cpuUsage(cpu);
  return { result, wall: performance.now() - start, cpu: (used.user + used.system) / 1000 };
}

const rate = (lines, ms) => `${(lines / ms / 1000).toFixed(2)} M lines/s`;
const files = process.argv.slice(2);
if (files.length === 0) files.push(generated(10_000_000));

console.log(
  `Node ${process.version}; load average ${(await import("node:os"))
    .loadavg()
    .map((x) => x.toFixed(1))
    .join(" ")}\n`,
);
console.log("| file | lines | call | wall | by wall | by CPU |");
console.log("|---|---:|---|---:|---:|---:|");
for (const file of files) {
  const mib = statSync(file).size / 2 ** 20;
  const name = `${file.split("/").pop()} (${mib.toFixed(0)} MiB)`;
  const row = (call, { result, wall, cpu }) =>
    console.log(
      `| ${name} | ${result.lines} | ${call} | ${wall.toFixed(0)} ms | ${rate(result.lines, wall)} | ${rate(result.lines, cpu)} |`,
    );
  if (mib < 64) {
    const text = readFileSync(file, "utf8");
    row("parseInteractions, first call", await timed(() => parseInteractions(text)));
    const runs = [];
    for (let i = 0; i < 10; i++) runs.push(await timed(() => parseInteractions(text)));
    runs.sort((a, b) => a.wall - b.wall);
    row("parseInteractions, median of 10", runs[5]);
  }
  row("readInteractions({ path })", await timed(() => readInteractions({ path: file })));
  row(
    'readInteractions({ path }), duplicates "last"',
    await timed(() => readInteractions({ path: file }, { duplicates: "last" })),
  );
}
