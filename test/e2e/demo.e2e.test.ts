// End to end: the demo page (examples/browser/) in headless Chromium, used as a person would, at
// desktop and phone widths: compute, train, time, and type bad values. The numbers it shows are
// checked; so are its messages, that the page never scrolls sideways, that the timings (in a
// worker) leave no task over 200 ms on the main thread while they paint their progress, that the
// page loads nothing of the benchmark suite (no TensorFlow.js, nothing from bench/) while its link
// to the suite's own page (bench/browser/) answers, and that nothing 404s (the favicon).
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

/** A fresh page at a viewport, recording page errors, failed responses and long tasks. */
async function open(width: number, height: number) {
  const page = await browser.newPage({ viewport: { width, height } });
  const errors: string[] = [];
  const failed: string[] = [];
  const requested: string[] = [];
  page.on("pageerror", (error) => errors.push(error.message));
  page.on("response", (response) => {
    if (response.status() >= 400) failed.push(`${response.status()} ${response.url()}`);
  });
  page.on("request", (request) => requested.push(request.url()));
  // every main-thread task over 50 ms, from the first script on
  await page.addInitScript(() => {
    const w = window as unknown as { longTasks: { start: number; duration: number }[] };
    w.longTasks = [];
    new PerformanceObserver((list) => {
      for (const e of list.getEntries()) w.longTasks.push({ start: e.startTime, duration: e.duration });
    }).observe({ type: "longtask", buffered: true });
  });
  await page.goto(`${url}/examples/browser/`);
  await page.waitForFunction(() => document.getElementById("build")?.textContent?.includes("build"));
  return { page, errors, failed, requested };
}

const text = async (page: Page, selector: string) => (await page.locator(selector).textContent()) ?? "";

/** Scroll width beyond the viewport: 0 when the page never scrolls sideways. */
const overflow = (page: Page) =>
  page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);

/** Runs the timings; returns the progress values seen while they ran and their long tasks. */
async function benchmark(page: Page, sizes: "quick" | "sweep") {
  await page.selectOption("#bench-sizes", sizes);
  const clickedAt = await page.evaluate(() => performance.now());
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
  const longTasks = await page.evaluate(
    (since) =>
      (window as unknown as { longTasks: { start: number; duration: number }[] }).longTasks.filter(
        (t) => t.start >= since,
      ),
    clickedAt,
  );
  return { progress: seen, longTasks };
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
  let page: Page, errors: string[], failed: string[], requested: string[];
  beforeAll(async () => ({ page, errors, failed, requested } = await open(1100, 1600)));
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

  it("computes F as the float64 reference does, and faster", async () => {
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
    // the long-task observer works: this computation's timing loops run on the main thread
    const longest = await page.evaluate(() =>
      Math.max(0, ...(window as unknown as { longTasks: { duration: number }[] }).longTasks.map((t) => t.duration)),
    );
    expect(longest).toBeGreaterThan(200);
  });

  it("refuses bad sizes with a message on the page and clears the old results", async () => {
    const cases: [string, string, RegExp][] = [
      ["#k", "-3", /^k must be a whole number from 1 to 4096 \(columns of phi\), got "-3"$/],
      ["#k", "", /^k must be a whole number from 1 to 4096 .*got ""$/],
      ["#n", "0", /^n must be from 1 to 10000000 \(rows of group A\), got 0$/],
      ["#seed", "1.5", /^seed must be a whole number/],
    ];
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
    const { progress, longTasks } = await benchmark(page, "quick");
    expect(await text(page, "#bench-status")).toBe("done");
    expect(progress.size).toBeGreaterThanOrEqual(3);
    expect(longTasks.filter((t) => t.duration > 200)).toEqual([]);
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
    expect(failed).toEqual([]);
    expect(errors).toEqual([]);
  });
});

describe("the demo page on a phone (390 px)", () => {
  let page: Page, errors: string[], failed: string[];
  beforeAll(async () => ({ page, errors, failed } = await open(390, 844)));
  afterAll(async () => {
    await page?.screenshot({ path: "test-results/demo-phone.png", fullPage: true });
    await page?.close();
  });

  it("fits the width without sideways scrolling, with results, messages, a loss curve and timings", async () => {
    expect(await overflow(page)).toBeLessThanOrEqual(0);
    await page.fill("#n", "1000");
    await page.fill("#m", "1000");
    await page.fill("#k", "16");
    await page.click("#compute");
    await expect.poll(() => text(page, "#speedup")).toMatch(/x$/);
    expect(await overflow(page)).toBeLessThanOrEqual(0);
    await page.fill("#k", "100000");
    await page.click("#compute");
    expect(await text(page, "#compute-error")).toMatch(/^k must be from 1 to 4096/);
    expect(await overflow(page)).toBeLessThanOrEqual(0);
    await page.fill("#epochs", "3");
    await page.fill("#observations", "20000");
    await page.click("#train");
    await expect.poll(() => text(page, "#train-status"), { timeout: 60_000 }).toMatch(/^(done|failed)/);
    expect(await text(page, "#train-status")).toMatch(/^done/);
    expect(await overflow(page)).toBeLessThanOrEqual(0);
    const { longTasks } = await benchmark(page, "quick");
    expect(await text(page, "#bench-status")).toBe("done");
    expect(longTasks.filter((t) => t.duration > 200)).toEqual([]);
    expect(await page.locator("#bench-table table").count()).toBeGreaterThan(0);
    expect(await overflow(page)).toBeLessThanOrEqual(0);
    expect(failed).toEqual([]);
    expect(errors).toEqual([]);
  });
});
