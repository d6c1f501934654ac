// What `npm pack` ships: what users need (dist/: JavaScript and types; README, LICENSE; the
// `npx crossgrad plan` command, bin/crossgrad.mjs) and
// nothing else; a size budget; nothing that keeps it from running in browsers or from
// Node's require(). Node only (it runs npm and reads files).
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { describe, expect, it } from "vitest";
import { ENTRIES, measure, shippedFiles } from "../scripts/size.mjs";

describe("the package", () => {
  const pack = spawnSync("npm", ["pack", "--dry-run", "--json", "--ignore-scripts"], { encoding: "utf8" });
  const files: string[] = JSON.parse(pack.stdout)[0].files.map((f: { path: string }) => f.path);

  it("holds dist's JavaScript and types, the README, the license, package.json and the command, nothing else", () => {
    for (const file of files)
      expect(file).toMatch(/^(dist\/[\w/.-]+\.(js|d\.ts)|package\.json|README\.md|LICENSE|bin\/crossgrad\.mjs)$/);
    for (const needed of [
      "dist/index.js",
      "dist/index.d.ts",
      "dist/wasm/generated/simd.js",
      "dist/wasm/generated/scalar.js",
      "dist/reference.js",
      "bin/crossgrad.mjs",
      "LICENSE",
      "README.md",
    ]) {
      expect(files).toContain(needed);
    }
    expect(files.some((f) => /^(src|test|assembly|bench|examples|scripts)\//.test(f))).toBe(false);
  });

  it.each(Object.entries(ENTRIES))("fits %s in its size budget", (_, { entry, budget }) => {
    expect(measure(entry).gzip).toBeLessThanOrEqual(budget);
  });

  it("keeps the scalar build out of what a host with wasm SIMD loads: it is imported only where SIMD is missing", () => {
    expect(shippedFiles().some((file) => file.endsWith("scalar.js"))).toBe(false);
    expect(readFileSync(new URL("../dist/wasm/loader.js", import.meta.url), "utf8")).toMatch(
      /import\((\/\* @vite-ignore \*\/ )?"\.\/generated\/scalar\.js"\)/,
    );
  });

  it("has no node: imports and no top-level await on the browser path, so require() works too", () => {
    for (const file of shippedFiles()) {
      const source = readFileSync(file, "utf8");
      expect(source, file).not.toMatch(/from\s+["']node:|import\(["']node:/);
    }
    // Node refuses to require() an ES module graph with top-level await
    const lib = createRequire(import.meta.url)("../dist/index.js");
    expect(typeof lib.init).toBe("function");
  });

  it("ships without comments, but with /* @vite-ignore */ on every computed import() and TSDoc in its types", () => {
    for (const file of [...shippedFiles(), new URL("../dist/worker.js", import.meta.url).pathname]) {
      const source = readFileSync(file, "utf8");
      for (const [call] of source.matchAll(/\bimport\((?!\s*["'`])[^)]*\)/g))
        expect(call, file).toMatch(/^import\(\/\* @vite-ignore \*\/ /);
      expect(source.replace(/\/\* @vite-ignore \*\//g, ""), file).not.toMatch(/^\s*\/\/|\/\*\*/m);
    }
    expect(readFileSync(new URL("../dist/ops/api.d.ts", import.meta.url), "utf8")).toMatch(/@example/);
  });

  it("lists types first in its exports map and declares no side effects", () => {
    const pkg = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8"));
    expect(Object.keys(pkg.exports["."])[0]).toBe("types");
    expect(pkg.sideEffects).toBe(false);
    expect(pkg.type).toBe("module");
    expect(pkg.dependencies ?? {}).toEqual({});
  });
});
