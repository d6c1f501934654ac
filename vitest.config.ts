import { defineConfig } from "vitest/config";
import { engine } from "./scripts/engine-provider.mjs";

export default defineConfig({
  // cross-origin isolation: SharedArrayBuffer (and so wasm threads) in the browser project
  server: {
    headers: {
      "Cross-Origin-Opener-Policy": "same-origin",
      "Cross-Origin-Embedder-Policy": "require-corp",
    },
  },
  test: {
    projects: [
      {
        extends: true,
        test: {
          name: "node",
          environment: "node",
          setupFiles: ["test/setup.ts"],
          include: ["test/**/*.test.ts"],
          // *.browser.test.ts need a browser (Web Workers, the page); test/e2e drives Chromium;
          // test/install installs from the registry (npm run test:install)
          exclude: ["test/**/*.browser.test.ts", "test/e2e/**", "test/install/**"],
          testTimeout: 60_000,
        },
      },
      {
        extends: true,
        test: {
          // the files that run in any runtime: what npm run test:runtimes runs in Deno and Bun
          name: "portable",
          environment: "node",
          setupFiles: ["test/setup.ts"],
          include: ["test/**/*.test.ts"],
          exclude: ["test/**/*.node.test.ts", "test/**/*.browser.test.ts", "test/e2e/**", "test/install/**"],
          testTimeout: 60_000,
        },
      },
      {
        extends: true,
        test: {
          // the README's install paths, in throw-away apps (npm run test:install)
          name: "install",
          environment: "node",
          include: ["test/install/**/*.test.ts"],
          testTimeout: 600_000,
        },
      },
      {
        extends: true,
        test: {
          name: "browser",
          setupFiles: ["test/setup.ts"],
          include: ["test/**/*.test.ts"],
          // *.node.test.ts need Node (worker_threads, the file system, child processes)
          exclude: ["test/**/*.node.test.ts", "test/e2e/**", "test/install/**"],
          testTimeout: 120_000,
          browser: {
            enabled: true,
            headless: true,
            // each engine as scripts/engines.mjs drives it from Debian's packages (Playwright's own
            // Firefox and WebKit builds do not install here): npm run test:browser picks them
            provider: engine(),
            instances: [{ browser: "chromium" }, { browser: "firefox" }, { browser: "webkit" }],
          },
        },
      },
      {
        extends: true,
        test: {
          // Node tests that drive Chromium with Playwright: the demo page, bundled apps
          name: "e2e",
          environment: "node",
          include: ["test/e2e/**/*.e2e.test.ts"],
          testTimeout: 600_000,
          hookTimeout: 120_000,
        },
      },
    ],
  },
});
