// End to end: the demo page (examples/browser/) in headless Chromium, used as a person would:
// compute, train, benchmark; the numbers it shows are checked, and a screenshot is saved.
// Runs with npm run test:browser (it needs Debian's Chromium).
import { mkdirSync } from "node:fs";
import type { Server } from "node:http";
import { chromium, type Browser, type Page } from "playwright";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { makeInputs } from "../../bench/contenders.js";
import { CHROMIUM_ARGS, CHROMIUM_PATH } from "../../scripts/chromium.mjs";
import { serve } from "../../scripts/serve.mjs";
import { referenceValue } from "../../src/reference.js";

let server: Server, browser: Browser, page: Page;
const errors: string[] = [];

beforeAll(async () => {
  const served = await serve(0);
  server = served.server;
  browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS });
  page = await browser.newPage({ viewport: { width: 1100, height: 1600 } });
  page.on("pageerror", (error) => errors.push(error.message));
  await page.goto(`${served.url}/examples/browser/`);
  await page.waitForFunction(() => document.getElementById("build")?.textContent?.includes("build"));
});

afterAll(async () => {
  mkdirSync("test-results", { recursive: true });
  await page?.screenshot({ path: "test-results/demo.png", fullPage: true });
  await browser?.close();
  server?.close();
});

describe("the demo page", () => {
  it("loads the SIMD build, cross-origin isolated", async () => {
    expect(await page.locator("#build").textContent()).toBe("SIMD build, cross-origin isolated");
  });

  it("computes F as the float64 reference does, and faster", async () => {
    await page.fill("#n", "300");
    await page.fill("#m", "200");
    await page.fill("#k", "37");
    await page.fill("#seed", "5");
    await page.click("#compute");
    await expect.poll(() => page.locator("#speedup").textContent()).toMatch(/x$/);
    const shown = Number(await page.locator("#F").textContent());
    const { phi, h } = makeInputs(300, 200, 37, 0.5, 5);
    const expected = referenceValue(phi, h, { n: 300, m: 200, k: 37 });
    expect(Math.abs(shown - expected)).toBeLessThan(1e-4 * (1 + Math.abs(expected)));
    expect(Number(await page.locator("#F-reference").textContent())).toBeCloseTo(expected, 8);
    expect(parseFloat((await page.locator("#speedup").textContent())!)).toBeGreaterThan(1);
  });

  it("trains a planted problem in a worker, drawing the loss live", async () => {
    await page.fill("#epochs", "6");
    await page.fill("#observations", "40000");
    await page.click("#train");
    await expect.poll(() => page.locator("#train-status").textContent(), { timeout: 60_000 }).toMatch(/^(done|failed)/);
    const status = (await page.locator("#train-status").textContent())!;
    // validation loss well down from about 1 (untrained): within 10x of the noise floor after 6 epochs
    const ratio = parseFloat(status.match(/, ([\d.]+)x the best possible/)![1]);
    expect(ratio).toBeLessThan(10);
    const points = await page.locator("#loss-chart polyline").first().getAttribute("points");
    expect(points!.trim().split(/\s+/)).toHaveLength(6);
  });

  it("runs the benchmark suite in the page, with a table and TF.js far behind", async () => {
    await page.selectOption("#bench-sizes", "quick");
    await page.click("#bench");
    // the page reports "done", or "failed: ..." (say, a kernel file it could not fetch)
    await expect
      .poll(() => page.locator("#bench-status").textContent(), { timeout: 300_000, interval: 1000 })
      .toMatch(/^(done|failed)/);
    expect(await page.locator("#bench-status").textContent()).toBe("done");
    const rows = page.locator("#bench-table tr");
    expect(await rows.count()).toBeGreaterThan(20);
    const ratioOf = async (name: string) => {
      const row = page.locator("#bench-table tr", { hasText: name }).first();
      return parseFloat((await row.locator("td").nth(3).textContent())!);
    };
    expect(await ratioOf("crossgrad SIMD, Problem")).toBe(1);
    expect(await ratioOf("TF.js wasm, tensors resident")).toBeGreaterThan(5);
    expect(errors).toEqual([]);
  });
});
