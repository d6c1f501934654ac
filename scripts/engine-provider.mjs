// A vitest browser provider over scripts/engines.mjs: it opens vitest's test page in Chromium,
// Firefox ESR or WebKitGTK as Debian packages them (Playwright's own Firefox and WebKit builds do
// not install here), so the browser project's test files run in each engine unchanged
// (docs/design.md §11). Like vitest's "preview" provider it offers no user-event commands or
// locators; crossgrad's tests use neither.
import { defineBrowserProvider } from "@vitest/browser";
import { launchEngine } from "./engines.mjs";

/** The exit status of a run whose browser crashed: npm run test:browser retries such a run once. */
export const CRASHED = 75;
// a page busy in a long synchronous test answers late; one silent this long is gone
const ANSWER_MS = 120_000;

class EngineProvider {
  name = "engine";
  supportsParallelism = false;
  #project;
  #engine;
  #watchdog;

  constructor(project) {
    this.#project = project;
  }

  getCommandsContext() {
    return {};
  }

  async openPage(_sessionId, url) {
    const name = this.#project.config.browser.name;
    const logger = this.#project.vitest.logger;
    if (!this.#engine) {
      this.#engine = await launchEngine(name, {
        // vite's own connection chatter is noise; the page's errors and logs are not
        onConsole: (text) => text.startsWith("[vite]") || logger.log(`[${name}] ${text}`),
      });
      logger.log(`${name}: ${this.#engine.version}`);
      this.#watch(name, this.#engine);
    }
    await this.#engine.goto(url);
  }

  /**
   * A crashed page sends vitest nothing more, and vitest would wait for it forever: ask the page
   * for a value every 5 s, and end the run with CRASHED when it fails to answer twice running.
   */
  #watch(name, engine) {
    let busy = false,
      misses = 0;
    this.#watchdog = setInterval(async () => {
      if (busy) return;
      busy = true;
      let timer;
      const silent = new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer in ${ANSWER_MS / 1000} s`)), ANSWER_MS);
      });
      try {
        await Promise.race([engine.evaluate("1"), silent]);
        misses = 0;
      } catch (error) {
        // one miss may be a navigation in progress; two in a row are a crash
        if (this.#engine !== engine || ++misses < 2) return;
        this.#project.vitest.logger.error(`${name} crashed (${error.message}): ending the run with status ${CRASHED}`);
        await engine.close().catch(() => {});
        process.exit(CRASHED);
      } finally {
        clearTimeout(timer);
        busy = false;
      }
    }, 5000);
    this.#watchdog.unref();
  }

  async close() {
    clearInterval(this.#watchdog);
    const engine = this.#engine;
    this.#engine = undefined;
    await engine?.close();
  }
}

/** The provider for a browser instance named "firefox" or "webkit" (or "chromium"). */
export function engine() {
  return defineBrowserProvider({ name: "engine", providerFactory: (project) => new EngineProvider(project) });
}
