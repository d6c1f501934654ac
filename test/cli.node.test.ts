// `npm start` (examples/cli.mjs) as a person meets it: run as a child process over a table of
// bad and edge inputs. A bad flag gets one line naming it, its value and what is allowed, then
// the usage, exit status 2 and no stack trace, before any work (so at once); every size that
// validation admits finishes. The default run descends every epoch. Node only (child processes).
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, statSync, symlinkSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { isFresh } from "../scripts/build-if-stale.mjs";
import { positiveNumber } from "../examples/options.js";
import { DEFAULTS } from "../examples/training-defaults.js";

const directory = mkdtempSync(join(tmpdir(), "crossgrad-cli-"));
const svg = join(directory, "loss.svg");

function cli(args: string[], timeout = 60_000, nodeOptions: string[] = []) {
  const start = performance.now();
  const run = spawnSync(process.execPath, [...nodeOptions, "examples/cli.mjs", ...args], { encoding: "utf8", timeout });
  return { ...run, ms: performance.now() - start };
}

describe("the CLI refuses a bad flag before any work", () => {
  const cases: [string[], RegExp][] = [
    [["--k", "-3"], /^crossgrad: --k must be a whole number from 1 to 4096 \(columns of phi\), got "-3"$/],
    [["--k", "0"], /^crossgrad: --k must be from 1 to 4096 .*got 0$/],
    [["--k", "1e3"], /^crossgrad: --k must be a whole number .*got "1e3"$/],
    [["--n", "0"], /^crossgrad: --n must be from 1 to 10000000 \(rows of group A\), got 0$/],
    [["--m", "2.5"], /^crossgrad: --m must be a whole number .*got "2.5"$/],
    [["--n", ""], /^crossgrad: --n must be a whole number .*got ""$/],
    [["--n"], /^crossgrad: --n needs a value$/],
    [["--bogus"], /^crossgrad: unknown flag --bogus$/],
    [["-x"], /^crossgrad: unknown flag -x$/],
    [["stray"], /^crossgrad: unexpected argument "stray"$/],
    [["--help=yes"], /^crossgrad: --help takes no value$/],
    [["--loss", "hinge"], /^crossgrad: --loss must be squared, logistic or bpr, got "hinge"$/],
    [["--optimizer", "rmsprop"], /^crossgrad: --optimizer must be adam, adagrad or sgd, got "rmsprop"$/],
    [["--precision", "f16"], /^crossgrad: --precision must be f32 or f64, got "f16"$/],
    [["--epochs", "abc"], /^crossgrad: --epochs must be a whole number from 1 to 10000 .*got "abc"$/],
    [["--epochs", "0"], /^crossgrad: --epochs must be from 1 to 10000 .*got 0$/],
    [["--observations", "0"], /^crossgrad: --observations must be from 10 to 10000000 .*got 0$/],
    [["--lr", "0"], /^crossgrad: --lr must be finite and above 0 \(the optimizer's base learning rate\), got "0"$/],
    [
      ["--lr", "-0.01"],
      /^crossgrad: --lr must be a decimal number above 0 \(the optimizer's base learning rate\), got "-0.01"$/,
    ],
    [["--lr", ""], /^crossgrad: --lr must be a decimal number above 0 .*got ""$/],
    [["--lr"], /^crossgrad: --lr needs a value$/],
    [["--batch", "0"], /^crossgrad: --batch must be from 1 to 10000000 \(observations per mini-batch\), got 0$/],
    [
      ["--batch", "101", "--observations", "100"],
      /^crossgrad: --batch must be from 1 to 100 \(observations per mini-batch, at most --observations\), got 101$/,
    ],
    [["--seed", "-1"], /^crossgrad: --seed must be a whole number from 0 to 4294967295 .*got "-1"$/],
    [["--seed", "4294967296"], /^crossgrad: --seed must be from 0 to 4294967295 .*got 4294967296$/],
    [["--n", "10000000", "--k", "4096"], /^crossgrad: --n, --m and --k give \(n \+ m\) k = 40964096000 entries/],
    [["--loss", "bpr", "--m", "1"], /^crossgrad: --m must be at least 2 for the bpr loss .*got 1$/],
    [
      ["--svg", join(directory, "missing", "x.svg")],
      /^crossgrad: --svg must be a file in an existing, writable directory/,
    ],
    [["--svg", directory], /^crossgrad: --svg must be a file in an existing, writable directory/],
    // the first bad flag is named even when a later one is good
    [["--epochs", "abc", "--n", "5"], /^crossgrad: --epochs must be/],
  ];
  it.each(cases)("%j", (args, message) => {
    const run = cli(args, 20_000);
    expect(run.status, run.stderr).toBe(2);
    const [first, blank, usage] = run.stderr.split("\n");
    expect(first).toMatch(message);
    expect(blank).toBe("");
    expect(usage).toMatch(/^usage: npm start -- \[options\]/);
    expect(run.stderr).not.toMatch(/\n\s+at /); // no stack trace
    expect(run.stdout).toBe(""); // no work started
    expect(run.ms).toBeLessThan(10_000); // a hang guard (it takes about 0.2 s), not a speed target
  });

  it("answers --help at once, with the usage and status 0", () => {
    const run = cli(["--help"], 20_000);
    expect(run.status).toBe(0);
    expect(run.stdout).toMatch(/^usage: npm start -- \[options\]/);
    for (const flag of ["--n", "--k", "--loss", "--optimizer", "--epochs", "--observations", "--precision", "--seed"])
      expect(run.stdout).toContain(flag);
    // --lr and --batch with what they take and each optimizer's own default
    expect(run.stdout).toMatch(
      /^ {2}--lr +base learning rate, above 0 .*\[adam [\d.]+, sgd [\d.]+, adagrad [\d.]+\]$/m,
    );
    expect(run.stdout).toMatch(/^ {2}--batch +observations per mini-batch: 1 to --observations +\[\d+\]$/m);
    expect(run.ms).toBeLessThan(10_000);
  });
});

describe("the CLI refuses an --svg the file system answers with an error, in one line, before any work", () => {
  // a file where a directory should be, a name past the file system's limit, a loop of symbolic
  // links, and (through a preloaded module) a stat that fails with a code the CLI has no words for
  const file = join(directory, "file.txt");
  writeFileSync(file, "");
  symlinkSync("loop", join(directory, "loop"));
  const failingStat = join(directory, "failing-stat.mjs");
  writeFileSync(
    failingStat,
    `import fs from "node:fs";
import { syncBuiltinESMExports } from "node:module";
const statSync = fs.statSync;
fs.statSync = (path, options) => {
  if (String(path).endsWith("eio.svg"))
    throw Object.assign(new Error("EIO: i/o error, stat '" + path + "'"), { code: "EIO", errno: -5, syscall: "stat", path });
  return statSync(path, options);
};
syncBuiltinESMExports();
`,
  );
  const cases: [string, string, RegExp, string[]][] = [
    ["a trailing slash on a file", `${file}/`, /\(ENOTDIR: a part of the path is a file, not a directory\)$/, []],
    ["a file as a directory", join(file, "x", "loss.svg"), /\(ENOTDIR: a part of the path is a file/, []],
    [
      "a name too long",
      join(directory, `${"x".repeat(300)}.svg`),
      /\(ENAMETOOLONG: a name in the path is too long/,
      [],
    ],
    [
      "a symbolic link that loops",
      join(directory, "loop"),
      /\(ELOOP: the path goes round a loop of symbolic links\)$/,
      [],
    ],
    ["a directory through a loop", join(directory, "loop", "loss.svg"), /\(ELOOP: /, []],
    [
      "an unexpected error code",
      join(directory, "eio.svg"),
      /\(EIO: i\/o error, stat '.*eio\.svg'\)$/,
      ["--import", failingStat],
    ],
    ["a trailing slash on a new name", join(directory, "new.svg/"), /\(a trailing slash names a directory\)$/, []],
  ];
  it.each(cases)("%s", (_, path, why, nodeOptions) => {
    // a small run, so that a CLI that let the name through fails fast, on writing it
    const run = cli(
      ["--n", "3", "--m", "3", "--observations", "100", "--epochs", "1", "--svg", path],
      20_000,
      nodeOptions,
    );
    expect(run.status, run.stderr).toBe(2);
    const [first, blank, usage] = run.stderr.split("\n");
    expect(first).toMatch(/^crossgrad: --svg must be a file in an existing, writable directory, got /);
    expect(first).toContain(`got ${JSON.stringify(path)} (`);
    expect(first).toMatch(why);
    expect(blank).toBe("");
    expect(usage).toMatch(/^usage: npm start -- \[options\]/);
    expect(run.stderr).not.toMatch(/\n\s+at /); // no stack trace
    expect(run.stdout).toBe(""); // no work started
  });
});

describe("npm start builds only when dist/ is stale", () => {
  it("answers npm start -- --help without building (pretest left dist/ fresh)", () => {
    expect(isFresh()).toBe(true);
    const run = spawnSync("npm", ["start", "--", "--help"], { encoding: "utf8", timeout: 60_000 });
    expect(run.status, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/usage: npm start -- \[options\]/);
    expect(run.stdout).not.toMatch(/crossgrad@[\d.]+ build/); // no `npm run build` ran
  });

  it("sees a source edited after the last build", () => {
    const source = "src/ops/api.ts";
    const { atime, mtime } = statSync(source);
    try {
      utimesSync(source, atime, new Date(Date.now() + 60_000));
      expect(isFresh()).toBe(false);
    } finally {
      utimesSync(source, atime, mtime);
    }
    expect(isFresh()).toBe(true);
  });
});

describe("a loss curve the file system refuses", () => {
  // /proc takes no new file. Root passes the writable-directory check and fails on writing (status
  // 1, after training); another user is refused before any work (status 2). One line either way.
  it("gets one line naming the file, and no stack trace", () => {
    const run = cli(["--n", "3", "--m", "3", "--observations", "100", "--epochs", "1", "--svg", "/proc/loss.svg"]);
    const first = run.stderr.split("\n")[0];
    if (run.status === 1) {
      expect(run.stdout).toMatch(/validation loss/);
      expect(first).toMatch(/^crossgrad: could not write the loss curve to \/proc\/loss\.svg: \S/);
    } else {
      expect(run.status).toBe(2);
      expect(first).toMatch(/^crossgrad: --svg must be a file in an existing, writable directory/);
    }
    expect(run.stderr).not.toMatch(/\n\s+at /);
  });
});

describe("every size the CLI admits finishes", () => {
  const cases: string[][] = [
    ["--n", "1", "--m", "1", "--k", "1"],
    ["--n", "2", "--m", "1"],
    ["--n", "1", "--m", "2", "--loss", "logistic", "--k", "3"],
    ["--n", "1", "--m", "2", "--loss", "bpr"],
    ["--n", "3", "--m", "2", "--loss", "bpr", "--optimizer", "sgd", "--precision", "f64"],
    ["--n", "1", "--m", "1", "--observations", "10", "--epochs", "1", "--optimizer", "adagrad"],
  ];
  it.each(cases)("%j", (...args) => {
    const run = cli([...args, "--observations", args.includes("--observations") ? "10" : "200", "--svg", svg]);
    expect(run.error).toBeUndefined(); // not killed by the timeout
    expect(run.status, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/validation loss [\d.]+ against .*: [\d.]+x/);
    expect(readFileSync(svg, "utf8")).toMatch(/^<svg[^]*<\/svg>$/);
  });
});

describe("the learning rate and the mini-batch", () => {
  // a small run (n = m = 3, 100 observations) prints the rate of every epoch
  const small = ["--n", "3", "--m", "3", "--observations", "100", "--svg", svg];
  const ratesOf = (stdout: string) => [...stdout.matchAll(/epoch +\d+\/\d+ +rate (\S+) /g)].map((m) => Number(m[1]));
  /** Whether the printed rates are `expected` to the 3 digits printed. */
  const asPrinted = (printed: number[], expected: number[]) => {
    expect(printed).toHaveLength(expected.length);
    printed.forEach((rate, e) =>
      expect(Math.abs(rate - expected[e]), `epoch ${e + 1}`).toBeLessThanOrEqual(5e-3 * expected[e]),
    );
  };

  it("reads --lr in every decimal form (in-process: the same check the CLI runs)", () => {
    for (const [text, value] of [
      ["0.02", 0.02],
      [".5", 0.5],
      ["3.", 3],
      ["2e-3", 2e-3],
      ["1E1", 10],
      ["1e+2", 100],
    ] as const)
      expect(positiveNumber("lr", text)).toBe(value);
  });

  it("refuses every other --lr in-process, with the message the CLI prints (the spawned cases are above)", () => {
    const decimal = /^--lr must be a decimal number above 0 \(the optimizer's base learning rate\), got /;
    const finite = /^--lr must be finite and above 0 \(the optimizer's base learning rate\), got /;
    for (const [text, message] of [
      ["abc", decimal],
      ["NaN", decimal],
      ["Infinity", decimal],
      ["0x10", decimal],
      [" 1", decimal],
      ["1e", decimal],
      [".", decimal],
      ["+1", decimal],
      ["1e999", finite],
      ["0.0", finite],
      ["0e5", finite],
    ] as const)
      expect(() => positiveNumber("lr", text, (name) => `--${name}`), text).toThrow(
        new RegExp(message.source + JSON.stringify(text).replace(/[.+]/g, "\\$&") + "$"),
      );
  });

  it("trains with --lr and --batch, and says so", () => {
    const run = cli([...small, "--epochs", "2", "--lr", "5e-4", "--batch", "7"]);
    expect(run.status, run.stderr).toBe(0);
    expect(run.stdout).toMatch(
      /^ {2}learning rate 5\.00e-4 at the first epoch, .* \(a schedule made for 2 epochs\); mini-batches of 7$/m,
    );
    expect(ratesOf(run.stdout)[0]).toBe(5e-4);
  });

  it("makes the schedule for the epoch count: 11 and 21 epochs both end at its final share of --lr", () => {
    const printed = (epochs: number) => {
      const run = cli([...small, "--epochs", String(epochs), "--lr", "0.02"]);
      expect(run.status, run.stderr).toBe(0);
      return ratesOf(run.stdout);
    };
    const schedule = (epochs: number) => DEFAULTS.adam.fit(epochs, { rate: 0.02 }).optimizer.learningRate;
    const epochsOf = (count: number) => Array.from({ length: count }, (_, e) => e);
    const eleven = printed(11),
      twentyOne = printed(21);
    asPrinted(eleven, epochsOf(11).map(schedule(11)));
    asPrinted(twentyOne, epochsOf(21).map(schedule(21)));
    // both start at --lr and end at the same share of it, 10 and 20 epochs later
    expect(eleven[0]).toBe(0.02);
    expect(twentyOne[0]).toBe(0.02);
    const final = schedule(100)(99) / 0.02; // the final share, read off a 100-epoch schedule
    expect(final).toBeLessThan(0.01);
    asPrinted([eleven.at(-1)!, twentyOne.at(-1)!], [0.02 * final, 0.02 * final]);
    // so 21 epochs fall more slowly: halfway (epoch 6 of 11, epoch 11 of 21) at the same rate, and
    // the 11th epoch of 21 above the 11th (the last) of 11
    expect(eleven[5]).toBe(twentyOne[10]);
    expect(twentyOne[10]).toBeGreaterThan(eleven[10]);
    // a run too short to fall that far at x0.4 an epoch at most ends above the final share
    const five = epochsOf(5).map(schedule(5));
    expect(five.at(-1)).toBeCloseTo(0.02 * 0.4 ** 4, 12);
  });

  it("ends a training that diverges (a --lr far too large) with one line, status 1", () => {
    const run = cli([
      "--n",
      "30",
      "--m",
      "30",
      "--observations",
      "1000",
      "--epochs",
      "2",
      "--optimizer",
      "sgd",
      "--lr",
      "1e6",
      "--svg",
      svg,
    ]);
    expect(run.status, run.stderr).toBe(1);
    expect(run.stderr).toMatch(
      /^crossgrad: Model\.fit\(\): training diverged in epoch 0 .* \(--lr 1000000, --batch 256\)\n$/,
    );
  });
});

describe("the default run", () => {
  it("descends every epoch, ends below 1.045x of the noise floor, and draws its loss curve", () => {
    const run = cli(["--svg", svg], 180_000);
    expect(run.status, run.stderr).toBe(0);
    const validation = [...run.stdout.matchAll(/epoch +(\d+)\/15 .*validation loss ([\d.]+)/g)].map((m) =>
      Number(m[2]),
    );
    expect(validation).toHaveLength(15);
    // never rises (as printed, 5 decimals), and no stall: each epoch of the first half takes at
    // least 1% off the excess over the noise floor (the old default rose at epoch 2 and stalled
    // at 0.025 until epoch 6)
    for (let e = 1; e < validation.length; e++) {
      expect(validation[e], `epoch ${e + 1}`).toBeLessThanOrEqual(validation[e - 1]);
      if (e < validation.length / 2)
        expect(validation[e - 1] - validation[e], `epoch ${e + 1}`).toBeGreaterThan(0.01 * (validation[e - 1] - 0.01));
    }
    const ratio = Number(run.stdout.match(/against the noise variance 0\.01000: ([\d.]+)x/)![1]);
    // the old default (30 epochs) ended at 1.045x after a plateau from epoch 2 to 6
    expect(ratio).toBeLessThan(1.045);
    const chart = readFileSync(svg, "utf8");
    expect(chart).toContain("squared error");
    expect(chart).toMatch(/>noise variance<\/tspan><tspan[^>]*>\(best possible\)</);
  }, 180_000);
});
