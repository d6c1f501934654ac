// End to end: the demo page (examples/browser/) in headless Chromium, used as a person would, at
// desktop and phone widths: compute (in a worker, the page responsive), train, time, and type bad
// values. The numbers it shows are checked; so are its messages, that the page never scrolls
// sideways, that tables stay inside their box and chart text is at least 11 px, that the timings
// leave no task over 200 ms on the main thread while they paint their progress, that the page
// loads nothing of the benchmark suite (no TensorFlow.js, nothing from bench/) while its link to
// the suite's own page (bench/browser/) answers, and that nothing 404s (the favicon).
// Screenshots are saved in test-results/ for review. Runs with npm run test:browser.
import { mkdirSync } from "node:fs";
import type { Server } from "node:http";
import { chromium, type Browser, type Page } from "playwright";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { makeInputs } from "../../bench/contenders.js";
import { CHROMIUM_ARGS, CHROMIUM_PATH } from "../../scripts/chromium.mjs";
import { serve } from "../../scripts/serve.mjs";
import { referenceValue } from "../../src/reference.js";

let server: Server, browser: Browser, url: string;

type LongTask = { start: number; duration: number };

/** A fresh page at a viewport, recording page errors, failed responses, requests, workers and long tasks. */
async function open(width: number, height: number) {
  const page = await browser.newPage({ viewport: { width, height } });
  const errors: string[] = [];
  const failed: string[] = [];
  const requested: string[] = [];
  const workers: string[] = [];
  page.on("pageerror", (error) => errors.push(error.message));
  page.on("response", (response) => {
    if (response.status() >= 400) failed.push(`${response.status()} ${response.url()}`);
  });
  page.on("request", (request) => requested.push(request.url()));
  page.on("worker", (worker) => workers.push(worker.url()));
  // every main-thread task over 50 ms, from the first script on
  await page.addInitScript(() => {
    const w = window as unknown as { longTasks: LongTask[] };
    w.longTasks = [];
    new PerformanceObserver((list) => {
      for (const e of list.getEntries()) w.longTasks.push({ start: e.startTime, duration: e.duration });
    }).observe({ type: "longtask", buffered: true });
  });
  await page.goto(`${url}/examples/browser/`);
  await page.waitForFunction(() => document.getElementById("build")?.textContent?.includes("build"));
  return { page, errors, failed, requested, workers };
}

const text = async (page: Page, selector: string) => (await page.locator(selector).textContent()) ?? "";
const now = (page: Page) => page.evaluate(() => performance.now());

/** The main thread's tasks over 200 ms since `since` (performance.now() on the page). */
const longTasksSince = (page: Page, since: number) =>
  page.evaluate(
    (since) =>
      (window as unknown as { longTasks: LongTask[] }).longTasks.filter((t) => t.start >= since && t.duration > 200),
    since,
  );

/**
 * What must hold at any moment on a page: no sideways scrolling (the page no wider than the
 * viewport), every table and chart inside its box, and chart text at least 11 px as shown.
 */
async function fits(page: Page, width: number) {
  const layout = await page.evaluate(() => {
    const visible = (e: Element) => (e as HTMLElement).offsetParent !== null || e.tagName === "svg";
    const shown = Array.from(document.querySelectorAll("table, .chart svg")).filter(
      (e) => e.getBoundingClientRect().width > 0 && visible(e),
    );
    const boxes = shown.map((e) => ({
      what: e.id || e.parentElement!.id || e.tagName,
      width: e.getBoundingClientRect().width,
      box: e.parentElement!.clientWidth,
    }));
    const fonts = shown
      .filter((e) => e.tagName === "svg")
      .flatMap((svg) => {
        const scale = svg.getBoundingClientRect().width / (svg as SVGSVGElement).viewBox.baseVal.width;
        return Array.from(svg.querySelectorAll("text")).map((t) => parseFloat(getComputedStyle(t).fontSize) * scale);
      });
    const fieldsets = Array.from(document.querySelectorAll("fieldset")).filter(
      (f) => f.getBoundingClientRect().width > 0,
    );
    return {
      scrollWidth: document.documentElement.scrollWidth,
      boxes,
      fonts,
      overflowing: fieldsets.filter((f) => f.scrollWidth > f.clientWidth).map((f) => f.id),
    };
  });
  expect(layout.scrollWidth).toBeLessThanOrEqual(width);
  for (const { what, width, box } of layout.boxes) expect(width, what).toBeLessThanOrEqual(box + 0.5);
  expect(layout.overflowing).toEqual([]);
  if (layout.fonts.length) expect(Math.min(...layout.fonts)).toBeGreaterThanOrEqual(11);
  return layout;
}

beforeAll(async () => {
  const served = await serve(0);
  server = served.server;
  url = served.url;
  browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS });
  mkdirSync("test-results", { recursive: true });
});

afterAll(async () => {
  await browser?.close();
  server?.close();
});

describe("the demo page on a desktop", () => {
  let page: Page, errors: string[], failed: string[], requested: string[], workers: string[];
  beforeAll(async () => ({ page, errors, failed, requested, workers } = await open(1100, 1600)));
  afterAll(async () => {
    await page?.screenshot({ path: "test-results/demo-desktop.png", fullPage: true });
    await page?.close();
  });

  it("loads the SIMD build, cross-origin isolated, with its favicon and nothing of the benchmark suite", async () => {
    expect(await text(page, "#build")).toBe("SIMD build, cross-origin isolated");
    expect(requested.some((r) => r.endsWith("/examples/browser/favicon.svg"))).toBe(true);
    expect(failed).toEqual([]);
    expect(requested.filter((r) => r.includes("tensorflow") || r.includes("/bench/"))).toEqual([]);
    expect(await page.evaluate(() => "tf" in window)).toBe(false);
  });

  it("links to the benchmark suite's own page, which answers", async () => {
    const href = await page.locator("#bench-suite").evaluate((a) => (a as HTMLAnchorElement).href);
    expect(href).toBe(`${url}/bench/browser/?quick`);
    const response = await page.request.get(href);
    expect(response.status()).toBe(200);
    expect(await response.text()).toContain("<title>crossgrad benchmark");
  });

  it("sees a main-thread task of 250 ms (the long-task check measures something)", async () => {
    const since = await now(page);
    await page.evaluate(() =>
      setTimeout(() => {
        for (const until = performance.now() + 250; performance.now() < until;);
      }),
    );
    await expect.poll(async () => (await longTasksSince(page, since)).length).toBe(1);
  });

  it("computes F as the float64 reference does, and faster, in a worker", async () => {
    await page.fill("#n", "300");
    await page.fill("#m", "200");
    await page.fill("#k", "37");
    await page.fill("#seed", "5");
    await page.click("#compute");
    await expect.poll(() => text(page, "#speedup")).toMatch(/x$/);
    const shown = Number(await text(page, "#F"));
    const { phi, h } = makeInputs(300, 200, 37, 0.5, 5);
    const expected = referenceValue(phi, h, { n: 300, m: 200, k: 37 });
    expect(Math.abs(shown - expected)).toBeLessThan(1e-4 * (1 + Math.abs(expected)));
    expect(Number(await text(page, "#F-reference"))).toBeCloseTo(expected, 8);
    expect(parseFloat(await text(page, "#speedup"))).toBeGreaterThan(1);
    expect(workers.some((w) => w.endsWith("/examples/browser/compute-worker.js"))).toBe(true);
  });

  it("keeps the page responsive through a Compute of seconds: no task over 200 ms, timers on time", async () => {
    await page.fill("#n", "300000");
    await page.fill("#m", "300000");
    await page.fill("#k", "32");
    const since = await now(page);
    // a 20 ms timer on the page: the longest gap between its ticks
    await page.evaluate(() => {
      const w = window as unknown as { gap: number; ticker: number };
      let last = performance.now();
      w.gap = 0;
      w.ticker = window.setInterval(() => {
        w.gap = Math.max(w.gap, performance.now() - last);
        last = performance.now();
      }, 20);
    });
    await page.click("#compute");
    await expect.poll(() => text(page, "#compute-status"), { timeout: 60_000 }).toMatch(/^(done|failed)/);
    expect(await text(page, "#compute-status")).toBe("done");
    const gap = await page.evaluate(() => {
      const w = window as unknown as { gap: number; ticker: number };
      clearInterval(w.ticker);
      return w.gap;
    });
    expect(gap).toBeLessThan(200);
    expect(await longTasksSince(page, since)).toEqual([]);
    expect(Number(await text(page, "#F"))).not.toBeNaN();
  });

  it("refuses bad sizes with a message on the page and clears the old results", async () => {
    const cases: [string, string, RegExp][] = [
      ["#k", "-3", /^k must be a whole number from 1 to 4096 \(columns of phi\), got "-3"$/],
      ["#k", "", /^k must be a whole number from 1 to 4096 .*got ""$/],
      ["#n", "0", /^n must be from 1 to 10000000 \(rows of group A\), got 0$/],
      ["#seed", "1.5", /^seed must be a whole number/],
    ];
    await page.fill("#m", "200");
    for (const [field, bad, message] of cases) {
      await page.fill("#n", "300");
      await page.fill("#k", "37");
      await page.fill("#seed", "5");
      await page.click("#compute");
      await expect.poll(() => text(page, "#F")).not.toBe("");
      await page.fill(field, bad);
      await page.click("#compute");
      expect(await text(page, "#compute-error")).toMatch(message);
      expect(await page.locator(field).getAttribute("aria-invalid")).toBe("true");
      for (const output of ["#F", "#F-reference", "#gradient-norm", "#time", "#speedup"])
        expect(await text(page, output), output).toBe("");
    }
    await page.fill("#n", "10000000");
    await page.fill("#k", "4096");
    await page.fill("#seed", "5");
    await page.click("#compute");
    expect(await text(page, "#compute-error")).toMatch(/^n, m and k give \(n \+ m\) k = \d+ entries of phi; at most/);
    // a good value again: the message goes, results come back
    await page.fill("#n", "300");
    await page.fill("#k", "37");
    await page.click("#compute");
    await expect.poll(() => text(page, "#speedup")).toMatch(/x$/);
    expect(await text(page, "#compute-error")).toBe("");
    expect(await page.locator("#compute-error").isVisible()).toBe(false);
    expect(errors).toEqual([]);
  });

  it("refuses 0 epochs with a message, then trains in a worker, drawing the loss live", async () => {
    await page.fill("#epochs", "0");
    await page.click("#train");
    expect(await text(page, "#train-error")).toMatch(/^epochs must be from 1 to 10000 \(epochs of training\), got 0$/);
    expect(await text(page, "#train-status")).toBe("");
    await page.fill("#epochs", "6");
    await page.fill("#observations", "40000");
    await page.click("#train");
    expect(await text(page, "#train-error")).toBe("");
    await expect.poll(() => text(page, "#train-status"), { timeout: 60_000 }).toMatch(/^(done|failed)/);
    const status = await text(page, "#train-status");
    // validation loss well down from about 1 (untrained): within 10x of the noise floor after 6 epochs
    const ratio = parseFloat(status.match(/, ([\d.]+)x the best possible/)![1]);
    expect(ratio).toBeLessThan(10);
    const chart = page.locator("#loss-chart");
    const points = await chart.locator("g.series polyline").first().getAttribute("points");
    expect(points!.trim().split(/\s+/)).toHaveLength(6);
    const ticks = await chart.locator("g.axis-x text.tick").allTextContents();
    expect(ticks[0]).toBe("1");
    expect(ticks.at(-1)).toBe("6");
    expect(await chart.locator("g.axis-y text.label").textContent()).toMatch(/squared error/);
    expect(errors).toEqual([]);
  });

  it("times in a worker: live progress, no main-thread task over 200 ms, crossgrad beside a copy and the reference", async () => {
    const { progress, longTasks } = await benchmark(page);
    expect(await text(page, "#bench-status")).toBe("done");
    expect(progress.size).toBeGreaterThanOrEqual(3);
    expect(longTasks).toEqual([]);
    // one table a size (256 and 1024 rows a group), one row a task under its header
    expect(await page.locator("#bench-table table").count()).toBe(2);
    expect(await page.locator("#bench-table tr").count()).toBe(2 * 7);
    const ratioOf = async (name: string) => {
      const row = page.locator("#bench-table tr", { hasText: name }).last();
      return parseFloat((await row.locator("td").nth(2).textContent())!);
    };
    expect(await ratioOf("crossgrad F + dF/dphi, zero-copy Problem")).toBe(1);
    expect(await ratioOf("copy of phi")).toBeGreaterThan(0);
    expect(await ratioOf("plain-JS float64 reference")).toBeGreaterThan(1);
    await fits(page, 1100);
    expect(failed).toEqual([]);
    expect(errors).toEqual([]);
  });
});

/** Runs the quick timings; returns the progress values seen while they ran and their long tasks. */
async function benchmark(page: Page) {
  await page.selectOption("#bench-sizes", "quick");
  const since = await now(page);
  await page.click("#bench");
  const seen = new Set<string>();
  for (const until = Date.now() + 600_000; Date.now() < until;) {
    const [status, value, max] = await page.evaluate(() => {
      const p = document.getElementById("bench-progress") as HTMLProgressElement;
      return [document.getElementById("bench-status")!.textContent ?? "", p.value, p.max];
    });
    if (max > 1 && value > 0 && value < max) seen.add(`${value}/${max}`);
    if (/^(done|failed)/.test(status)) break;
    await page.waitForTimeout(50);
  }
  return { progress: seen, longTasks: await longTasksSince(page, since) };
}

describe("the demo page on a phone (390 px)", () => {
  let page: Page, errors: string[], failed: string[];
  beforeAll(async () => ({ page, errors, failed } = await open(390, 844)));
  afterAll(async () => {
    await page?.screenshot({ path: "test-results/demo-phone.png", fullPage: true });
    await page?.close();
  });

  it("fits the width, tables in their box and chart text readable, with results, messages, a loss curve and timings", async () => {
    await fits(page, 390);
    await page.fill("#n", "1000");
    await page.fill("#m", "1000");
    await page.fill("#k", "16");
    await page.click("#compute");
    await expect.poll(() => text(page, "#speedup")).toMatch(/x$/);
    await fits(page, 390);
    await page.fill("#k", "100000");
    await page.click("#compute");
    expect(await text(page, "#compute-error")).toMatch(/^k must be from 1 to 4096/);
    await fits(page, 390);
    await page.fill("#epochs", "3");
    await page.fill("#observations", "20000");
    await page.click("#train");
    await expect.poll(() => text(page, "#train-status"), { timeout: 60_000 }).toMatch(/^(done|failed)/);
    expect(await text(page, "#train-status")).toMatch(/^done/);
    const { fonts } = await fits(page, 390);
    expect(fonts.length).toBeGreaterThan(10);
    const { longTasks } = await benchmark(page);
    expect(await text(page, "#bench-status")).toBe("done");
    expect(longTasks).toEqual([]);
    expect(await page.locator("#bench-table table").count()).toBe(2);
    await fits(page, 390);
    expect(failed).toEqual([]);
    expect(errors).toEqual([]);
  });
});
