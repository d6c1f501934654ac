// Runs `npm run build` only when dist/ is older than what it is built from, so `npm start --
// --help` answers at once instead of after a full build. `--stamp` (the build's last step)
// records that dist/ is fresh. A checkout or an edit of any input makes it stale again.
//   node scripts/build-if-stale.mjs [--stamp]
import { readdirSync, statSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { runNpm } from "./npm.mjs";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const STAMP = join(root, "dist", ".built");
/** What the build reads: sources, its scripts and configuration, and the toolchain's lock. */
const INPUTS = [
  "assembly",
  "src",
  "scripts/embed-wasm.mjs",
  "scripts/kernels.mjs",
  "scripts/annotate-imports.mjs",
  "asconfig.json",
  "tsconfig.build.json",
  "package.json",
  "package-lock.json",
];

/** The newest modification time under `path` (a file or a directory, its generated/ folders left out), or 0. */
function newest(path) {
  const stat = statSync(path, { throwIfNoEntry: false });
  if (!stat) return 0;
  if (!stat.isDirectory()) return stat.mtimeMs;
  const names = readdirSync(path).filter((name) => name !== "generated");
  return Math.max(stat.mtimeMs, ...names.map((name) => newest(join(path, name))));
}

/** True when dist/ was stamped after the newest input changed. */
export function isFresh() {
  const built = statSync(STAMP, { throwIfNoEntry: false })?.mtimeMs ?? 0;
  // generated sources (src/wasm/generated/, assembly/generated/) are outputs too: newest() leaves them out
  const inputs = INPUTS.map((p) => newest(join(root, p)));
  return built > 0 && Math.max(...inputs) <= built;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  if (process.argv.includes("--stamp")) writeFileSync(STAMP, "");
  else if (!isFresh()) process.exit(runNpm(["run", "build"], { cwd: root }));
}
