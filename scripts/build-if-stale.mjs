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

/** The newest modification time under `path` (a file or a directory), or 0. */
function newest(path) {
  const stat = statSync(path, { throwIfNoEntry: false });
  if (!stat) return 0;
  if (!stat.isDirectory()) return stat.mtimeMs;
  return Math.max(stat.mtimeMs, ...readdirSync(path).map((name) => newest(join(path, name))));
}

/** True when dist/ was stamped after the newest input changed. */
export function isFresh() {
  // generated sources are outputs too: the build writes them before the stamp
  const built = statSync(STAMP, { throwIfNoEntry: false })?.mtimeMs ?? 0;
  const inputs = INPUTS.map((p) => (p === "src" || p === "assembly" ? sourcesOf(p) : newest(join(root, p))));
  return built > 0 && Math.max(...inputs) <= built;
}

/** Newest time under a source directory, leaving out its generated/ folder (a build output). */
function sourcesOf(directory) {
  const path = join(root, directory);
  return Math.max(
    statSync(path).mtimeMs,
    ...readdirSync(path)
      .filter((name) => name !== "generated")
      .map((name) => newest(join(path, name))),
  );
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  if (process.argv.includes("--stamp")) writeFileSync(STAMP, "");
  else if (!isFresh()) process.exit(runNpm(["run", "build"], { cwd: root }));
}
