// End to end: the demo page (examples/browser/) in headless Chromium, used as a person would.
// The recommender, at a phone's width (390 px): a generated ratings.csv of ml-latest-small's size
// and shape (610 users, 9,700 films, 100,000 ratings) with its movies.csv, written by the test and
// dropped on the page, trains in a worker with its progress shown; a user's top 10 lists titles
// and ids the user never rated; an item's neighbours show; bad files and fields get messages;
// and no main-thread task lasts over 200 ms. The kernel view, at desktop and phone widths:
// compute (in a worker, the page responsive), train, time, bad values. Throughout: the page
// never scrolls sideways, tables stay inside their box, chart text is at least 11 px, nothing
// of the benchmark suite loads (its link answers), nothing 404s. Screenshots go to test-results/.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import type { Server } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium, type Browser, type Page } from "playwright";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { makeInputs } from "../../bench/contenders.js";
import { catalogue } from "../../examples/catalogue.js";
import { CHROMIUM_ARGS, CHROMIUM_PATH } from "../../scripts/chromium.mjs";
import { serve } from "../../scripts/serve.mjs";
import { referenceValue } from "../../src/reference.js";

let server: Server, browser: Browser, url: string, dir: string;
/** The generated files' contents: each user's rated film ids, and each film's title by id. */
const rated = new Map<string, Set<string>>();
const titles = new Map<string, string>();

type LongTask = { start: number; duration: number };

/** A fresh page at a viewport and view, recording page errors, failed responses, requests, workers and long tasks. */
async function open(width: number, height: number, view = "") {
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
  await page.goto(`${url}/examples/browser/${view}`);
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

/**
 * Chooses files on the page's file input, as paths (the browser reads them itself: passing the
 * bytes would make a long task of the test's own on the page), writing { name, text } ones first.
 */
async function choose(page: Page, files: (string | { name: string; text: string })[]) {
  const paths = files.map((f) => {
    if (typeof f === "string") return f;
    const made = join(mkdtempSync(join(dir, "made-")), f.name);
    writeFileSync(made, f.text);
    return made;
  });
  await page.setInputFiles("#files", paths);
}

/** Waits until a load ends: the summary or an error. */
async function loaded(page: Page) {
  await page.waitForFunction(
    () =>
      document.getElementById("read-progress")!.hidden &&
      (document.getElementById("data-error")!.textContent ||
        !(document.getElementById("fit") as HTMLButtonElement).disabled),
    null,
    { timeout: 60_000 },
  );
  return { error: await text(page, "#data-error"), summary: await text(page, "#data-summary") };
}

/** Trains, sampling the progress bar and the status as it goes; resolves when it ends. */
async function train(page: Page) {
  await page.click("#fit");
  const statuses = new Set<string>(),
    progress = new Set<string>();
  for (const until = Date.now() + 120_000; Date.now() < until;) {
    const [status, error, value, max, hidden] = await page.evaluate(() => {
      const p = document.getElementById("fit-progress") as HTMLProgressElement;
      return [
        document.getElementById("fit-status")!.textContent ?? "",
        document.getElementById("fit-error")!.textContent ?? "",
        p.value,
        p.max,
        p.hidden,
      ] as const;
    });
    if (status) statuses.add(status);
    if (!hidden && value > 0 && value < max) progress.add(`${value}/${max}`);
    if (/^trained/.test(status) || error) break;
    await page.waitForTimeout(50);
  }
  return { statuses: [...statuses], progress: [...progress], error: await text(page, "#fit-error") };
}

/** A list's rows: the item id, the button's text and the last column's figure. */
const rows = (page: Page, table: string) =>
  page.locator(`${table} tr:has(button.item)`).evaluateAll((trs) =>
    trs.map((tr) => ({
      id: tr.querySelector("button")!.dataset.item!,
      name: tr.querySelector("button")!.textContent!,
      figure: tr.querySelector("td:last-child")!.textContent!,
    })),
  );

/** Asks for a user's top 10 and waits for it. */
async function showUser(page: Page, user: string) {
  await page.fill("#user", user);
  await page.click("#show-user");
  await expect.poll(() => text(page, "#top-title")).toBe(`Top 10 for user ${user}`);
}

beforeAll(async () => {
  const served = await serve(0);
  server = served.server;
  url = served.url;
  browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS });
  mkdirSync("test-results", { recursive: true });
  // ml-latest-small's size and formats, generated: ratings.csv and movies.csv
  dir = mkdtempSync(join(tmpdir(), "crossgrad-demo-"));
  const { ratings, movies, count } = catalogue({ users: 610, items: 9700, ratings: 100_000, seed: 3 });
  expect(count).toBe(100_000);
  writeFileSync(join(dir, "ratings.csv"), ratings);
  writeFileSync(join(dir, "movies.csv"), movies);
  for (const line of ratings.split("\n").slice(1, -1)) {
    const [user, item] = line.split(",");
    if (!rated.has(user)) rated.set(user, new Set());
    rated.get(user)!.add(item);
  }
  for (const line of movies.split("\n").slice(1, -1)) {
    const [, id, quoted, plain] = line.match(/^(\d+),(?:"((?:[^"]|"")*)"|([^,]*)),/)!;
    titles.set(id, quoted?.replace(/""/g, '"') ?? plain);
  }
});

afterAll(async () => {
  await browser?.close();
  server?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe("the recommender on a phone (390 px)", () => {
  let page: Page, errors: string[], failed: string[], requested: string[];
  beforeAll(async () => ({ page, errors, failed, requested } = await open(390, 844)));
  afterAll(async () => {
    await page?.screenshot({ path: "test-results/demo-recommender-phone.png", fullPage: true });
    await page?.close();
  });

  it("opens on the recommender: the SIMD build, cross-origin isolated, its favicon, nothing of the benchmark suite", async () => {
    expect(await text(page, "#build")).toBe("SIMD build, cross-origin isolated");
    expect(await page.locator("#recommender").isVisible()).toBe(true);
    expect(await page.locator("#kernels").isVisible()).toBe(false);
    expect(await page.locator("#tab-recommender").getAttribute("aria-selected")).toBe("true");
    expect(requested.some((r) => r.endsWith("/examples/browser/favicon.svg"))).toBe(true);
    expect(requested.filter((r) => r.includes("tensorflow") || r.includes("/bench/"))).toEqual([]);
    expect(failed).toEqual([]);
    await fits(page, 390);
  });

  it("refuses bad files with a message that names the file and where: the parser's line and column, empty, no interaction, titles alone", async () => {
    const cases: [{ name: string; text: string }[], RegExp][] = [
      [
        [{ name: "bad.csv", text: "userId,movieId,rating\n1,10,4\n1,11,four\n" }],
        /^bad\.csv: line 3, column "rating": "four" is not a number$/,
      ],
      [[{ name: "cut.tsv", text: "1\t10\t4\n1\t11\n" }], /^cut\.tsv: line 2: 2 columns, expected 3 as on line 1$/],
      [[{ name: "empty.csv", text: "" }], /^empty\.csv is empty \(0 bytes\)$/],
      [[{ name: "header.csv", text: "userId,movieId,rating\n" }], /^header\.csv holds no ratings: 1 line, a header/],
      [
        [{ name: "movies.csv", text: "movieId,title,genres\n1,Heat (1995),Crime\n" }],
        /^movies\.csv: titles, no ratings/,
      ],
    ];
    for (const [files, message] of cases) {
      await choose(page, files);
      const { error, summary } = await loaded(page);
      expect(error).toMatch(message);
      expect(summary).toBe("");
      expect(await page.locator("#fit").isDisabled()).toBe(true);
    }
    // dropped, not chosen: the same kind of message
    await page.evaluate(() => {
      const transfer = new DataTransfer();
      transfer.items.add(new File(["a,b,1\na,c,x\n"], "dropped.csv"));
      document.getElementById("drop")!.dispatchEvent(new DragEvent("drop", { dataTransfer: transfer, bubbles: true }));
    });
    expect((await loaded(page)).error).toBe('dropped.csv: line 2, column 3 (rating): "x" is not a number');
    expect(errors).toEqual([]);
  });

  it("reads a file without ratings (user and item only, tab-separated) as likes", async () => {
    const lines = [];
    for (let u = 0; u < 40; u++) for (let i = 0; i < 60; i++) if ((u * 7 + i * 3) % 5 < 2) lines.push(`u${u}\tm${i}`);
    await choose(page, [{ name: "likes.tsv", text: lines.join("\n") + "\n" }]);
    const { error, summary } = await loaded(page);
    expect(error).toBe("");
    expect(summary).toBe(
      `likes.tsv: ${lines.length.toLocaleString("en-US")} interactions without ratings (each one a like) by 40 users of 60 items.`,
    );
    expect(await page.locator("#target").inputValue()).toBe("likes");
    expect(await page.locator('#target option[value="ratings"]').isDisabled()).toBe(true);
    expect(await page.locator("#threshold").isDisabled()).toBe(true);
    await page.fill("#rec-epochs", "3");
    const { error: failure } = await train(page);
    expect(failure).toBe("");
    expect(await text(page, "#fit-result")).toMatch(/^On the held-out likes of \d+ users: precision@10 /);
    await expect.poll(async () => (await rows(page, "#top")).length).toBe(10);
    expect(await text(page, "#rated-title")).toMatch(/^User u0 has \d+ items; the latest:$/);
  });

  it("trains on a dropped ratings.csv of ml-latest-small's size in a worker, showing its progress, with no main-thread task over 200 ms", async () => {
    const since = await now(page);
    await choose(page, [join(dir, "ratings.csv"), join(dir, "movies.csv")]);
    const { error, summary } = await loaded(page);
    expect(error).toBe("");
    expect(summary).toMatch(
      /^ratings\.csv: 100,000 ratings \(0\.5 to 5\) by 610 users of [\d,]+ items; movies\.csv: titles of [\d,]+, 18 genres\.$/,
    );
    // fields are checked before anything starts
    await page.selectOption("#target", "likes");
    await page.fill("#threshold", "7");
    await page.click("#fit");
    expect(await text(page, "#fit-error")).toBe(
      `likes from must be a rating from 0.5 to 5 (the file's ratings), got "7"`,
    );
    expect(await page.locator("#threshold").getAttribute("aria-invalid")).toBe("true");
    await page.selectOption("#target", "ratings");
    await page.fill("#rec-epochs", "0");
    await page.click("#fit");
    expect(await text(page, "#fit-error")).toBe("epochs must be from 1 to 10000 (epochs of training), got 0");
    await page.fill("#rec-epochs", "15");

    const { statuses, progress, error: failure } = await train(page);
    expect(failure).toBe("");
    const choosing = statuses.filter((s) => /^choosing the epochs: epoch \d+ of at most 15, held-out RMSE /.test(s));
    expect(choosing.length).toBeGreaterThanOrEqual(2);
    expect(statuses.some((s) => /^training on all: epoch \d+ of \d+/.test(s))).toBe(true);
    expect(progress.length).toBeGreaterThanOrEqual(3);
    expect(await text(page, "#fit-status")).toMatch(/^trained in [\d.]+ s \(\d+ epochs\)$/);
    // the held-out tenth: a model that learned beats the mean rating
    const [, rmse, mean] = (await text(page, "#fit-result")).match(/RMSE ([\d.]+) stars.*RMSE ([\d.]+)\)/)!;
    expect(Number(rmse)).toBeLessThan(0.9 * Number(mean));
    expect(await page.locator("#fit-chart g.series polyline").count()).toBe(2);
    expect(await longTasksSince(page, since)).toEqual([]);
    await fits(page, 390);
  });

  it("lists a user's top 10 by title and id, none the user rated, and the items most like one, with no task over 200 ms", async () => {
    const since = await now(page);
    // the first user's list comes by itself after training
    await expect.poll(() => text(page, "#top-title")).toBe("Top 10 for user 1");
    for (const user of ["42", "1"]) {
      await showUser(page, user);
      const top = await rows(page, "#top");
      expect(top).toHaveLength(10);
      for (const { id, name, figure } of top) {
        expect(name).toBe(`${titles.get(id)} (${id})`);
        expect(rated.get(user)!.has(id)).toBe(false);
        expect(Number(figure)).toBeGreaterThanOrEqual(0.5);
        expect(Number(figure)).toBeLessThanOrEqual(5);
      }
      expect(await text(page, "#rated-title")).toBe(`User ${user} rated ${rated.get(user)!.size} items; the best:`);
      for (const { id } of await rows(page, "#rated")) expect(rated.get(user)!.has(id)).toBe(true);
    }
    // an item of the list: the items most like it, itself not among them
    const first = (await rows(page, "#top"))[0];
    await page.locator("#top button.item").first().click();
    await expect.poll(() => text(page, "#similar-title")).toBe(`Most like ${titles.get(first.id)}`);
    expect(await page.locator("#item").inputValue()).toBe(first.id);
    const similar = await rows(page, "#similar");
    expect(similar).toHaveLength(10);
    expect(similar.map((s) => s.id)).not.toContain(first.id);
    for (const { figure } of similar) expect(Math.abs(Number(figure))).toBeLessThanOrEqual(1);
    // by a part of a title, in any case
    const wanted = titles.get(similar[3].id)!;
    await page.fill("#item", wanted.slice(0, -7).toLowerCase());
    await page.click("#show-item");
    await expect.poll(() => page.locator("#item").inputValue()).toMatch(/^\d+$/);
    expect(titles.get(await page.locator("#item").inputValue())!.toLowerCase()).toContain(
      wanted.slice(0, -7).toLowerCase(),
    );
    expect(await text(page, "#item-error")).toBe("");
    // a random user, then ids that are not there
    await page.click("#random-user");
    await expect.poll(() => text(page, "#top-title")).not.toBe("Top 10 for user 1");
    expect(await rows(page, "#top")).toHaveLength(10);
    await page.fill("#user", "nobody");
    await page.click("#show-user");
    await expect
      .poll(() => text(page, "#user-error"))
      .toBe('no user "nobody" in ratings.csv (610 users, ids like 1, 2, 3)');
    expect(await page.locator("#user").getAttribute("aria-invalid")).toBe("true");
    await page.fill("#user", "");
    await page.click("#show-user");
    expect(await text(page, "#user-error")).toBe("user must be an id from the ratings file, got nothing");
    await page.fill("#item", "no such film");
    await page.click("#show-item");
    await expect
      .poll(() => text(page, "#item-error"))
      .toMatch(/^no item "no such film" in ratings\.csv \([\d,]+ items; an id, or a part of a title\)$/);
    expect(await longTasksSince(page, since)).toEqual([]);
    await fits(page, 390);
    expect(errors).toEqual([]);
    expect(failed).toEqual([]);
  });
});

describe("the kernel view on a desktop", () => {
  let page: Page, errors: string[], failed: string[], workers: string[];
  beforeAll(async () => ({ page, errors, failed, workers } = await open(1100, 1600, "#kernels")));
  afterAll(async () => {
    await page?.screenshot({ path: "test-results/demo-kernels-desktop.png", fullPage: true });
    await page?.close();
  });

  it("is the second tab, and links to the benchmark suite's own page, which answers", async () => {
    expect(await page.locator("#kernels").isVisible()).toBe(true);
    expect(await page.locator("#recommender").isVisible()).toBe(false);
    await page.click("#tab-recommender");
    await expect.poll(() => page.locator("#recommender").isVisible()).toBe(true);
    expect(await page.locator("#kernels").isVisible()).toBe(false);
    await page.click("#tab-kernels");
    await expect.poll(() => page.locator("#kernels").isVisible()).toBe(true);
    expect(await page.locator("#tab-kernels").getAttribute("aria-selected")).toBe("true");
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

describe("the kernel view on a phone (390 px)", () => {
  let page: Page, errors: string[], failed: string[];
  beforeAll(async () => ({ page, errors, failed } = await open(390, 844, "#kernels")));
  afterAll(async () => {
    await page?.screenshot({ path: "test-results/demo-kernels-phone.png", fullPage: true });
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
