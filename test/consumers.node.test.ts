// crossgrad as a TypeScript project that depends on it sees it: the packed tarball, unpacked
// into throw-away consumer projects that type-check it strictly with no DOM library
// (lib ES2022, @types/node, skipLibCheck false) under every TypeScript from 5.4 to 7.0, with
// moduleResolution node16, nodenext, bundler and node10; the ES module consumers are compiled
// and run. Node only (npm, tar and tsc in child processes; the releases come from the npm
// registry on first run).
import { execFile, execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";

const root = resolve(import.meta.dirname, "..");
// every other supported TypeScript release lives in a fixture project of its own (as
// devDependencies here their bins would shadow the build's tsc); the test installs them from
// its lockfile when missing
const RELEASES = join(root, "test", "fixtures", "typescript");
const fixtureTsc = (alias: string) => join(RELEASES, "node_modules", alias, "bin", "tsc");
const COMPILERS: Record<string, string> = {
  "5.4": fixtureTsc("ts54"),
  "5.5": fixtureTsc("ts55"),
  "5.6": fixtureTsc("ts56"),
  "5.7": fixtureTsc("ts57"),
  "5.8": fixtureTsc("ts58"),
  "5.9": join(root, "node_modules", "typescript", "bin", "tsc"),
  "6.0": fixtureTsc("ts60"),
  "7.0": fixtureTsc("ts70"),
};
const SETUPS = {
  nodenext: { module: "nodenext", moduleResolution: "nodenext", runs: true },
  node16: { module: "node16", moduleResolution: "node16", runs: true },
  bundler: { module: "esnext", moduleResolution: "bundler", runs: false },
  node10: { module: "esnext", moduleResolution: "node10", runs: false },
};

const CONSUMER = `import { createModel, init, info, value, type Shape } from "crossgrad";
import { referenceValue } from "crossgrad/reference";

await init();
const shape: Shape = { n: 2, m: 1, k: 4 };
const phi = Float32Array.from({ length: 12 }, (_, i) => i / 10);
const h = new Float32Array([1, 1, 1]);
const model = createModel(shape, { seed: 1 });
const bytes: Uint8Array = model.save();
model.dispose();
console.log(JSON.stringify({ F: value(phi, h, shape), reference: referenceValue(phi, h, shape), simd: info().simd, bytes: bytes.length }));
`;

let packed: string;

beforeAll(() => {
  if (!Object.values(COMPILERS).every((tsc) => existsSync(tsc)))
    execFileSync("npm", ["ci", "--ignore-scripts", "--no-audit", "--no-fund"], { cwd: RELEASES, stdio: "ignore" });
  // the package as npm would install it: pack (dist/ is built by pretest), then unpack
  const work = mkdtempSync(join(tmpdir(), "crossgrad-pack-"));
  const json = execFileSync("npm", ["pack", "--json", "--ignore-scripts", "--pack-destination", work], {
    cwd: root,
    encoding: "utf8",
  });
  const tarball = join(work, JSON.parse(json)[0].filename);
  execFileSync("tar", ["xzf", tarball, "-C", work]);
  packed = join(work, "package");
}, 120_000);

/** A consumer project of one setup: crossgrad unpacked, @types/node, a strict tsconfig. */
function consumer(setup: keyof typeof SETUPS, emit: boolean, extra: Record<string, string> = {}): string {
  const dir = mkdtempSync(join(tmpdir(), `crossgrad-consumer-${setup}-`));
  mkdirSync(join(dir, "node_modules", "@types"), { recursive: true });
  symlinkSync(packed, join(dir, "node_modules", "crossgrad"), "dir");
  symlinkSync(join(root, "node_modules", "@types", "node"), join(dir, "node_modules", "@types", "node"), "dir");
  symlinkSync(join(root, "node_modules", "undici-types"), join(dir, "node_modules", "undici-types"), "dir");
  writeFileSync(join(dir, "package.json"), JSON.stringify({ name: "consumer", private: true, type: "module" }));
  const { module, moduleResolution } = SETUPS[setup];
  writeFileSync(
    join(dir, "tsconfig.json"),
    JSON.stringify({
      compilerOptions: {
        strict: true,
        target: "ES2022",
        lib: ["ES2022"],
        types: ["node"],
        skipLibCheck: false,
        module,
        moduleResolution,
        outDir: "out",
        noEmit: !emit,
        ...extra,
      },
      include: ["index.ts"],
    }),
  );
  writeFileSync(join(dir, "index.ts"), CONSUMER);
  return dir;
}

describe("a CommonJS consumer (.cts)", () => {
  it("type-checks under TypeScript 5.9 with module nodenext, and runs (require of an ES module)", () => {
    const dir = consumer("nodenext", true);
    writeFileSync(
      join(dir, "tsconfig.json"),
      readFileSync(join(dir, "tsconfig.json"), "utf8").replace('"include":["index.ts"]', '"include":["index.cts"]'),
    );
    writeFileSync(
      join(dir, "index.cts"),
      `import { init, value } from "crossgrad";
import { referenceValue } from "crossgrad/reference";
void init().then(() => {
  const phi = new Float32Array([1, 2, 3, 4]), h = new Float32Array([1, 1]), shape = { n: 1, m: 1, k: 2 };
  console.log(JSON.stringify([value(phi, h, shape), referenceValue(phi, h, shape)]));
});
`,
    );
    const check = spawnSync(process.execPath, [COMPILERS["5.9"], "-p", dir], { encoding: "utf8" });
    expect(check.stdout + check.stderr).toBe("");
    const run = spawnSync(process.execPath, [join(dir, "out", "index.cjs")], { cwd: dir, encoding: "utf8" });
    expect(run.status, run.stderr).toBe(0);
    expect(JSON.parse(run.stdout)).toEqual([11, 11]);
  }, 60_000);
});

/** Runs a Node script without blocking the event loop, so concurrent tests overlap. */
function node(
  args: string[],
  cwd?: string,
): Promise<{ status: number; output: string; stdout: string; stderr: string }> {
  return new Promise((done) =>
    execFile(process.execPath, args, { cwd, encoding: "utf8" }, (error, stdout, stderr) =>
      done({ status: error ? Number(error.code ?? 1) : 0, output: stdout + stderr, stdout, stderr }),
    ),
  );
}

// the checks are child processes: two at a time keep both cores busy
describe.concurrent(
  "the packed .d.ts files type-check in a Node-only project (no DOM library, skipLibCheck false)",
  () => {
    for (const [version, tsc] of Object.entries(COMPILERS))
      for (const [setup, { runs }] of Object.entries(SETUPS) as [keyof typeof SETUPS, { runs: boolean }][]) {
        // TypeScript 7 removed node10 (6.0 deprecates it: a consumer there sets ignoreDeprecations)
        if (setup === "node10" && version === "7.0") continue;
        const emit = runs && version === "5.9";
        it(`TypeScript ${version}, moduleResolution ${setup}${emit ? ", compiled and run" : ""}`, async () => {
          const dir = consumer(
            setup,
            emit,
            version === "6.0" && setup === "node10" ? { ignoreDeprecations: "6.0" } : {},
          );
          const check = await node([tsc, "-p", dir]);
          expect(check.output).toBe("");
          expect(check.status).toBe(0);
          if (!emit) return;
          const run = await node([join(dir, "out", "index.js")], dir);
          expect(run.status, run.stderr).toBe(0);
          const printed = JSON.parse(run.stdout);
          expect(printed.F).toBeCloseTo(printed.reference, 5);
          expect(printed.bytes).toBeGreaterThan(12 * 4);
        }, 60_000);
      }
  },
);
