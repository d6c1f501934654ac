// Every way the README tells a user to install crossgrad, done as a user would in throw-away
// projects: `npm install /path/to/a/clone` (a fresh clone where nobody ran npm ci: its prepare
// installs the build's tools and builds) and `npm install` of the tarball `npm pack` makes.
// Each app then imports crossgrad and crossgrad/reference and computes. Needs git, npm and the
// registry (for the clone's devDependencies); run by npm run test:install (and .ci/run).
import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";

const root = resolve(import.meta.dirname, "..", "..");

const APP = `import { init, info, value } from "crossgrad";
import { referenceValue } from "crossgrad/reference";
await init();
const phi = new Float32Array([1, 2, 3, 4]), h = new Float32Array([1, 1]), shape = { n: 1, m: 1, k: 2 };
console.log(JSON.stringify({ F: value(phi, h, shape), reference: referenceValue(phi, h, shape), simd: info().simd }));
`;

/** An app that installs `spec` with npm and runs APP; returns what it printed. */
function installAndRun(spec: string) {
  const app = mkdtempSync(join(tmpdir(), "crossgrad-app-"));
  writeFileSync(join(app, "package.json"), JSON.stringify({ name: "app", private: true, type: "module" }));
  writeFileSync(join(app, "app.js"), APP);
  const install = spawnSync("npm", ["install", "--no-audit", "--no-fund", spec], { cwd: app, encoding: "utf8" });
  expect(install.status, install.stdout + install.stderr).toBe(0);
  const run = spawnSync(process.execPath, ["app.js"], { cwd: app, encoding: "utf8" });
  expect(run.status, run.stderr).toBe(0);
  return JSON.parse(run.stdout);
}

describe("installing crossgrad", () => {
  it("from the path of a fresh clone where npm ci never ran", () => {
    const clone = join(mkdtempSync(join(tmpdir(), "crossgrad-clone-")), "crossgrad");
    execFileSync("git", ["clone", "--quiet", root, clone]);
    expect(installAndRun(clone)).toEqual({ F: 11, reference: 11, simd: true });
  }, 600_000);

  it("from the tarball npm pack makes", () => {
    const out = mkdtempSync(join(tmpdir(), "crossgrad-pack-"));
    const json = execFileSync("npm", ["pack", "--json", "--ignore-scripts", "--pack-destination", out], {
      cwd: root,
      encoding: "utf8",
    });
    expect(installAndRun(join(out, JSON.parse(json)[0].filename))).toEqual({ F: 11, reference: 11, simd: true });
  }, 120_000);
});
