// A tiny app that imports "crossgrad" as a user would, built with Vite and with esbuild,
// then run in headless Chromium: the package resolves through its exports map, bundles
// without node: imports, finds its embedded wasm with no file to host, and starts a thread
// pool whose worker script the bundle serves.
import { cpSync, mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { build as esbuild } from "esbuild";
import { chromium, type Browser } from "playwright";
import { build as vite } from "vite";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CHROMIUM_ARGS, CHROMIUM_PATH } from "../../scripts/chromium.mjs";
import { serve } from "../../scripts/serve.mjs";

const root = fileURLToPath(new URL("../..", import.meta.url));
let app: string, browser: Browser;

// the app also starts a thread pool: its worker script must be found next to the bundle
const MAIN = `import { createThreadPool, init, info, value, gradient } from "crossgrad";
const phi = new Float32Array([1, 2, 30, 40, 3, 4]);
const shape = { n: 2, m: 1, k: 2 };
init()
  .then(async () => {
    const pool = await createThreadPool({ threads: 2 });
    const p = pool.createProblem(shape);
    p.phi.set(phi);
    p.h.set([1, 0, 1]);
    const threaded = await p.value();
    await pool.terminate();
    document.title = "F=" + value(phi, [1, 0, 1], shape) + " grad=" + Array.from(gradient(phi, [1, 0, 1], shape)) +
      " simd=" + info().simd + " threads=" + pool.threads + ":" + threaded;
  })
  .catch((error) => { document.title = "failed: " + error; });
`;

beforeAll(async () => {
  // an app folder whose node_modules/crossgrad is this package, as npm would link it
  app = mkdtempSync(join(tmpdir(), "crossgrad-app-"));
  mkdirSync(join(app, "node_modules"));
  symlinkSync(root, join(app, "node_modules", "crossgrad"), "dir");
  writeFileSync(join(app, "main.js"), MAIN);
  writeFileSync(
    join(app, "index.html"),
    '<!doctype html><meta charset="utf-8"><title>loading</title><script type="module" src="./main.js"></script>',
  );
  browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS });
});

afterAll(async () => {
  await browser?.close();
});

async function titleOf(directory: string): Promise<string> {
  const { server, url } = await serve(0, directory);
  try {
    const page = await browser.newPage();
    await page.goto(`${url}/index.html`);
    await page.waitForFunction(() => document.title !== "loading", null, { timeout: 30_000 });
    return await page.title();
  } finally {
    server.close();
  }
}

const EXPECTED = "F=11 grad=3,4,0,0,1,2 simd=true threads=2:11";

describe("bundled apps", () => {
  it("work when built with Vite", async () => {
    const out = join(app, "dist-vite");
    await vite({ root: app, logLevel: "silent", build: { outDir: out, emptyOutDir: true } });
    expect(await titleOf(out)).toBe(EXPECTED);
  });

  it("work when built with esbuild for the browser", async () => {
    const out = join(app, "dist-esbuild");
    await esbuild({
      entryPoints: [join(app, "main.js")],
      bundle: true,
      format: "esm",
      platform: "browser",
      outfile: join(out, "main.js"),
      logLevel: "silent",
    });
    cpSync(join(app, "index.html"), join(out, "index.html"));
    // esbuild does not follow new URL("./worker.js", import.meta.url): the README says to copy it
    cpSync(join(root, "dist", "worker.js"), join(out, "worker.js"));
    expect(await titleOf(out)).toBe(EXPECTED);
  });
});
