// Runs the benchmark suite in headless Chromium (Debian's, at /usr/bin/chromium or
// $CHROMIUM_PATH) and writes bench/results/chromium.{json,md,svg}.
//   npm run bench:browser            every size (many minutes)
//   npm run bench:browser -- --quick a few small sizes
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright";
import { CHROMIUM_ARGS, CHROMIUM_PATH } from "../scripts/chromium.mjs";
import { serve } from "../scripts/serve.mjs";
import { markdown, svgChart } from "./report.js";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const quick = process.argv.includes("--quick");
const { server, url } = await serve(0);
const browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS });
try {
  const page = await browser.newPage();
  page.on("console", (message) => console.error(`[chromium] ${message.text()}`));
  await page.goto(`${url}/bench/browser/${quick ? "?quick" : ""}`);
  await page.waitForFunction(() => window.benchResults || window.benchError, null, { timeout: 0, polling: 1000 });
  const error = await page.evaluate(() => window.benchError);
  if (error) throw new Error(`the benchmark failed in Chromium: ${error}`);
  const results = await page.evaluate(() => window.benchResults);
  const name = quick ? "chromium-quick" : "chromium";
  const dir = join(root, "bench", "results");
  mkdirSync(dir, { recursive: true });
  const report = markdown(results, {
    title: "crossgrad benchmark: Chromium",
    command: quick ? "npm run bench:browser -- --quick" : "npm run bench:browser",
  });
  writeFileSync(join(dir, `${name}.json`), JSON.stringify(results, null, 2) + "\n");
  writeFileSync(join(dir, `${name}.md`), report + "\n");
  if (!quick)
    writeFileSync(
      join(dir, `${name}.svg`),
      svgChart(results, { title: `crossgrad vs the alternatives, F + dF/dphi (Chromium)` }) + "\n",
    );
  console.log(report);
} finally {
  await browser.close();
  server.close();
}
