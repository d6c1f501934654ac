// The other JavaScript runtimes crossgrad is tested and timed in: Node 22 and 24, Deno and Bun,
// each a binary carried by an npm package of test/fixtures/runtimes (installed with npm ci from
// its lockfile when missing). Shared by npm run test:runtimes and npm run bench:engines.
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { runNpm } from "./npm.mjs";

const fixture = join(dirname(fileURLToPath(import.meta.url)), "..", "test", "fixtures", "runtimes");
const bin = (...path) => join(fixture, "node_modules", ...path);

/** Each runtime's command line before a script's path, and the vitest project it runs. */
export const RUNTIMES = {
  node22: { command: [bin("node22", "bin", "node")], project: "node" },
  node24: { command: [bin("node24", "bin", "node")], project: "node" },
  deno: { command: [bin(".bin", "deno"), "run", "-A"], project: "portable" },
  bun: { command: [bin(".bin", "bun"), "--bun"], project: "portable" },
};

/** Installs the runtimes' packages when one of `names` is missing; returns npm's status (0: ready). */
export function installRuntimes(names) {
  for (const name of names)
    if (!(name in RUNTIMES)) throw new Error(`unknown runtime ${name}: ${Object.keys(RUNTIMES)}`);
  if (names.every((name) => existsSync(RUNTIMES[name].command[0]))) return 0;
  return runNpm(["ci", "--no-audit", "--no-fund"], { cwd: fixture });
}
