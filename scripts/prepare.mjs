// npm's prepare: builds dist/. `npm install /path/to/a/clone` runs it in a clone where nobody
// ran npm ci, so the build's own tools (AssemblyScript, TypeScript: devDependencies) are
// missing there; then it installs them first, from the clone's lockfile, without scripts
// (this one included), and builds.
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { runNpm } from "./npm.mjs";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const tools = [
  join(root, "node_modules", "assemblyscript", "bin", "asc.js"),
  join(root, "node_modules", "typescript", "bin", "tsc"),
];
const run = (args, env = process.env) => {
  const status = runNpm(args, { cwd: root, env });
  if (status !== 0) process.exit(status);
};

if (!tools.every((tool) => existsSync(tool))) {
  console.error("crossgrad: the build's tools are not installed here; installing devDependencies (npm ci)");
  // the installing npm's own settings (npm_config_*: prefix, global, omit=dev) are not this one's
  const env = Object.fromEntries(Object.entries(process.env).filter(([name]) => !/^npm_/i.test(name)));
  run(["ci", "--include=dev", "--ignore-scripts", "--no-audit", "--no-fund"], env);
}
run(["run", "build"]);
