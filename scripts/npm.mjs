// Runs npm from the package's scripts: the npm that runs this script when there is one (its
// path is in npm_execpath), else the one on PATH. Returns the exit status.
import { spawnSync } from "node:child_process";

/** `npm ...args` in `cwd`, output shown; `env` defaults to this process's. */
export function runNpm(args, { cwd, env = process.env }) {
  const npm = process.env.npm_execpath;
  const { status } = npm
    ? spawnSync(process.execPath, [npm, ...args], { cwd, env, stdio: "inherit" })
    : spawnSync("npm", args, { cwd, env, stdio: "inherit", shell: process.platform === "win32" });
  return status ?? 1;
}
