// npm run test:runtimes: the test suite in the other runtimes crossgrad runs in, each a binary
// carried by an npm package of test/fixtures/runtimes (installed here with npm ci when
// missing): Node 22 and 24 run the whole Node project; Deno and Bun run the portable files
// (vitest's "portable" project: every test file but the *.node.test.ts ones, which drive
// Node's own binary, flags and child processes). Before each suite, scripts/runtime-probe.mjs
// reports the build init() picks, shared memory and a 2-thread pool in that runtime.
//   node scripts/test-runtimes.mjs [node22 node24 deno bun]   (default: all)
import { spawnSync } from "node:child_process";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { installRuntimes, RUNTIMES } from "./runtimes.mjs";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const chosen = process.argv.slice(2).length ? process.argv.slice(2) : Object.keys(RUNTIMES);
const installed = installRuntimes(chosen);
if (installed !== 0) process.exit(installed);

const summary = [];
for (const name of chosen) {
  const [program, ...args] = RUNTIMES[name].command;
  const probe = spawnSync(program, [...args, "scripts/runtime-probe.mjs"], { cwd: root, encoding: "utf8" });
  const found = probe.status === 0 ? JSON.parse(probe.stdout.trim().split("\n").at(-1)) : undefined;
  console.log(`\n== ${found?.runtime ?? name}: ${found ? JSON.stringify(found) : `probe failed: ${probe.stderr}`}`);
  const suite = spawnSync(
    program,
    [...args, join(root, "node_modules", "vitest", "vitest.mjs"), "run", "--project", RUNTIMES[name].project],
    { cwd: root, stdio: "inherit" },
  );
  summary.push({ name, found, passed: probe.status === 0 && suite.status === 0, project: RUNTIMES[name].project });
}

console.log("\n| runtime | build | shared memory | thread pool | suite | result |\n|---|---|---|---|---|---|");
for (const { name, found, passed, project } of summary)
  console.log(
    `| ${found?.runtime ?? name} | ${found?.build ?? "?"} | ${found?.sharedMemory ? "yes" : "no"} | ${found?.threads ?? "?"} | ${project} | ${passed ? "passed" : "FAILED"} |`,
  );
process.exit(summary.every((s) => s.passed) ? 0 : 1);
