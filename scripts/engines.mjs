// The three browser engines, each driven the way it can be from Debian's packages (docs/design.md
// §11): Chromium (V8) by Playwright; Firefox ESR (SpiderMonkey) by puppeteer-core over
// WebDriver BiDi; WebKitGTK's MiniBrowser (JavaScriptCore) by WebKitWebDriver, a W3C WebDriver
// server spoken to with fetch, on an Xvfb display. One small interface over the three, used by
// the browser tests' engine provider (scripts/engine-provider.mjs) and the browser benchmark:
//   const engine = await launchEngine("webkit"); await engine.goto(url);
//   await engine.evaluate("document.title"); await engine.close();
// Every process started here is killed by its PID on close(), and on exit if close() never ran.
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { createServer } from "node:net";
import { CHROMIUM_ARGS, CHROMIUM_PATH } from "./chromium.mjs";

export const ENGINES = ["chromium", "firefox", "webkit"];
export const FIREFOX_PATH = process.env.FIREFOX_PATH ?? "/usr/bin/firefox-esr";
export const MINIBROWSER_PATH = process.env.MINIBROWSER_PATH ?? "/usr/lib/x86_64-linux-gnu/webkit2gtk-4.1/MiniBrowser";
export const WEBKIT_DRIVER_PATH = process.env.WEBKIT_DRIVER_PATH ?? "/usr/bin/WebKitWebDriver";

/** What an engine needs installed, and the Debian packages that bring it. */
export const REQUIREMENTS = {
  chromium: { files: [CHROMIUM_PATH], packages: ["chromium"] },
  firefox: { files: [FIREFOX_PATH], packages: ["firefox-esr"] },
  webkit: { files: [WEBKIT_DRIVER_PATH, MINIBROWSER_PATH, "/usr/bin/Xvfb"], packages: ["webkit2gtk-driver", "xvfb"] },
};

/** The engine's files that are missing (empty when it can run here). */
export function missingFiles(engine) {
  return REQUIREMENTS[engine].files.filter((file) => !existsSync(file));
}

const children = new Set();
process.on("exit", () => {
  for (const child of children) child.kill("SIGKILL");
});

function start(command, args, options) {
  const child = spawn(command, args, { stdio: ["ignore", "ignore", "pipe"], ...options });
  children.add(child);
  child.on("exit", () => children.delete(child));
  return child;
}

function kill(child) {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const force = setTimeout(() => child.kill("SIGKILL"), 3000);
    child.once("exit", () => {
      clearTimeout(force);
      resolve();
    });
    child.kill("SIGTERM");
  });
}

/**
 * Launches `engine` ("chromium" | "firefox" | "webkit") with one page. `onConsole(text)` gets the
 * page's console messages where the driver reports them (Chromium, Firefox).
 */
export async function launchEngine(engine, { onConsole } = {}) {
  if (!REQUIREMENTS[engine]) throw new Error(`unknown engine "${engine}": one of ${ENGINES.join(", ")}`);
  const missing = missingFiles(engine);
  if (missing.length)
    throw new Error(
      `${engine} is not installed (missing ${missing.join(", ")}): apt-get install ${REQUIREMENTS[engine].packages.join(" ")}`,
    );
  if (engine === "chromium") return launchChromium(onConsole);
  if (engine === "firefox") return launchFirefox(onConsole);
  return launchWebKit();
}

async function launchChromium(onConsole) {
  const { chromium } = await import("playwright");
  const browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS });
  const page = await browser.newPage();
  if (onConsole) page.on("console", (message) => onConsole(message.text()));
  return {
    engine: "chromium",
    version: `Chromium ${browser.version()}`,
    goto: async (url) => void (await page.goto(url)),
    evaluate: (expression) => page.evaluate(expression),
    close: () => browser.close(),
  };
}

async function launchFirefox(onConsole) {
  const { default: puppeteer } = await import("puppeteer-core");
  const browser = await puppeteer.launch({
    browser: "firefox",
    executablePath: FIREFOX_PATH,
    headless: true,
    // keep Firefox off the network (this machine's is closed) and out of its first-run pages
    extraPrefsFirefox: {
      "app.update.enabled": false,
      "browser.safebrowsing.malware.enabled": false,
      "browser.safebrowsing.phishing.enabled": false,
      "network.captive-portal-service.enabled": false,
      "datareporting.policy.dataSubmissionEnabled": false,
    },
  });
  const page = (await browser.pages())[0] ?? (await browser.newPage());
  if (onConsole) page.on("console", (message) => onConsole(message.text()));
  const version = (await browser.version()).replace(/^firefox\//i, "Firefox ");
  return {
    engine: "firefox",
    version,
    goto: async (url) => void (await page.goto(url)),
    evaluate: (expression) => page.evaluate(expression),
    close: () => browser.close(),
  };
}

function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.on("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/** An Xvfb display of its own: Xvfb picks a free display number and writes it to fd 3. */
function startDisplay() {
  const xvfb = start("Xvfb", ["-displayfd", "3", "-screen", "0", "1280x1024x24", "-nolisten", "tcp"], {
    stdio: ["ignore", "ignore", "ignore", "pipe"],
  });
  return new Promise((resolve, reject) => {
    let text = "";
    xvfb.stdio[3].on("data", (chunk) => {
      text += chunk;
      if (text.includes("\n")) resolve({ xvfb, display: `:${text.trim()}` });
    });
    xvfb.once("exit", (code) => reject(new Error(`Xvfb exited (${code}) before it gave a display`)));
  });
}

async function webdriver(base, method, path, body) {
  const response = await fetch(`${base}${path}`, {
    method,
    headers: { "Content-Type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const reply = await response.json();
  if (!response.ok) throw new Error(`WebDriver ${method} ${path}: ${reply.value?.error}: ${reply.value?.message}`);
  return reply.value;
}

async function launchWebKit() {
  const { xvfb, display } = await startDisplay();
  const port = await freePort();
  // JSC_useSharedArrayBuffer=1: the MiniBrowser shell gives pages SharedArrayBuffer only with it
  // (Safari does under cross-origin isolation); the driver passes its environment to the browser.
  const driver = start(WEBKIT_DRIVER_PATH, [`--port=${port}`], {
    env: { ...process.env, DISPLAY: display, JSC_useSharedArrayBuffer: "1" },
  });
  const stop = async () => {
    await kill(driver);
    await kill(xvfb);
  };
  try {
    const base = `http://127.0.0.1:${port}`;
    for (let tries = 0; ; tries++) {
      try {
        if ((await webdriver(base, "GET", "/status")).ready) break;
      } catch (error) {
        if (tries >= 100 || driver.exitCode !== null)
          throw new Error(`WebKitWebDriver did not start: ${error.message}`, { cause: error });
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    const session = await webdriver(base, "POST", "/session", {
      capabilities: {
        alwaysMatch: { "webkitgtk:browserOptions": { binary: MINIBROWSER_PATH, args: ["--automation"] } },
      },
    });
    const path = `/session/${session.sessionId}`;
    const { browserName, browserVersion } = session.capabilities;
    return {
      engine: "webkit",
      version: `WebKitGTK ${browserName} ${browserVersion}`,
      goto: async (url) => void (await webdriver(base, "POST", `${path}/url`, { url })),
      evaluate: (expression) =>
        webdriver(base, "POST", `${path}/execute/sync`, { script: `return (${expression});`, args: [] }),
      close: async () => {
        await webdriver(base, "DELETE", path).catch(() => {});
        await stop();
      },
    };
  } catch (error) {
    await stop();
    throw error;
  }
}
