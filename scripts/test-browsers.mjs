// npm run test:browser: the browser project's test files in each engine, one engine at a time
// (Chromium, Firefox ESR, WebKitGTK; scripts/engines.mjs), then the end-to-end tests. Before each
// engine's suite, scripts/probe.html reports the build init() picks there, shared memory, and a
// 2-thread pool. A run whose browser crashed (vitest lost the page, the engine provider's
// watchdog ended it, or every failure is "Target crashed") is run once more; a run with a
// failed assertion never is.
//   node scripts/test-browsers.mjs [chromium firefox webkit] [--no-e2e]   (default: all, then e2e)
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { CRASHED } from "./engine-provider.mjs";
import { ENGINES, REQUIREMENTS, launchEngine, missingFiles } from "./engines.mjs";
import { serve } from "./serve.mjs";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const args = process.argv.slice(2);
const e2e = !args.includes("--no-e2e");
const chosen = args.filter((a) => a !== "--no-e2e");
for (const name of chosen) if (!ENGINES.includes(name)) throw new Error(`unknown engine ${name}: ${ENGINES}`);
const engines = chosen.length ? chosen : ENGINES;
const missing = engines.filter((name) => missingFiles(name).length);
if (missing.length) {
  const packages = missing.flatMap((name) => REQUIREMENTS[name].packages);
  console.error(`not installed: ${missing.join(", ")}; as root: apt-get install -y ${packages.join(" ")}`);
  process.exit(1);
}

/** Runs vitest on one project; resolves to { status, output, report } (report: vitest's JSON). */
function vitest(project) {
  const dir = mkdtempSync(join(tmpdir(), "crossgrad-vitest-"));
  const reportFile = join(dir, "report.json");
  const child = spawn(
    process.execPath,
    [
      join(root, "node_modules", "vitest", "vitest.mjs"),
      "run",
      "--project",
      project,
      "--reporter=default",
      "--reporter=json",
      `--outputFile.json=${reportFile}`,
    ],
    {
      cwd: root,
      stdio: ["ignore", "pipe", "pipe"],
      env: { ...process.env, FORCE_COLOR: process.stdout.isTTY ? "1" : "0" },
    },
  );
  let output = "";
  child.stdout.on("data", (chunk) => ((output += chunk), process.stdout.write(chunk)));
  child.stderr.on("data", (chunk) => ((output += chunk), process.stderr.write(chunk)));
  return new Promise((resolve) =>
    child.on("close", (status) => {
      let report;
      try {
        report = JSON.parse(readFileSync(reportFile, "utf8"));
      } catch {
        report = undefined;
      }
      rmSync(dir, { recursive: true, force: true });
      resolve({ status, output, report });
    }),
  );
}

const CRASH = /Browser connection was closed|Target crashed|Target closed|Page crashed/;

/**
 * A run that failed because its browser went away: the provider's watchdog ended it, or every
 * failure vitest reports is the browser crashing, none an assertion.
 */
function crashed({ status, output, report }) {
  if (status === 0) return false;
  if (status === CRASHED) return true;
  if (!report) return CRASH.test(output);
  const failures = report.testResults.flatMap((file) => [
    ...(file.status === "failed" && file.message ? [file.message] : []),
    ...file.assertionResults.filter((test) => test.status === "failed").flatMap((test) => test.failureMessages),
  ]);
  return failures.length > 0 ? failures.every((message) => CRASH.test(message)) : CRASH.test(output);
}

async function probeEngine(name) {
  const { server, url } = await serve(0);
  let engine;
  try {
    engine = await launchEngine(name);
    await engine.goto(`${url}/scripts/probe.html`);
    for (let waited = 0; waited < 60_000; waited += 250) {
      const result = await engine.evaluate("window.probeResult");
      if (result) return { version: engine.version, ...result };
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    return { version: engine.version, error: "no answer in 60 s" };
  } catch (error) {
    return { error: error.message };
  } finally {
    await engine?.close();
    server.close();
  }
}

const summary = [];
for (const name of engines) {
  const found = await probeEngine(name);
  console.log(`\n== ${found.version ?? name}: ${JSON.stringify(found)}`);
  let run = await vitest(`browser (${name})`);
  let note = "";
  if (crashed(run)) {
    console.log(`\n== ${name} crashed with no failed test: running its suite once more`);
    run = await vitest(`browser (${name})`);
    note = " (after a crash)";
  }
  const tests = run.report ? `${run.report.numPassedTests}/${run.report.numTotalTests}` : "?";
  summary.push({ name, found, passed: run.status === 0 && !found.error, tests, note });
}
let e2eRun;
if (e2e) {
  e2eRun = await vitest("e2e");
  if (crashed(e2eRun)) {
    console.log("\n== the end-to-end run's browser crashed, with no failed assertion: running it once more");
    e2eRun = await vitest("e2e");
  }
}

console.log("\n| engine | build | shared memory | thread pool | tests passed | result |\n|---|---|---|---|---|---|");
for (const { name, found, passed, tests, note } of summary)
  console.log(
    `| ${found.version ?? name} | ${found.build ?? "?"} | ${found.sharedMemory ? "yes" : "no"} | ${found.threads ?? found.error} | ${tests} | ${passed ? "passed" : "FAILED"}${note} |`,
  );
if (e2eRun) console.log(`\ne2e (Chromium, Node driving it): ${e2eRun.status === 0 ? "passed" : "FAILED"}`);
process.exit(summary.every((s) => s.passed) && (!e2eRun || e2eRun.status === 0) ? 0 : 1);
