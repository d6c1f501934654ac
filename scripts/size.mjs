// The size of what a user's page downloads: the JavaScript of dist/ that `import "crossgrad"`
// loads (the wasm is embedded in it, base64), raw and gzipped, against a budget. CI fails
// above it. Run: npm run size
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";

/**
 * Budget, gzipped bytes: the whole library, both wasm builds included (as base64 text, which
 * compresses less than the binary). The scalar build, a fallback for hosts without wasm SIMD,
 * is optimised for size. Raised for the planner, for the loop variants it chooses between (the
 * fused pass, multi-block pooling, narrow dots, touch-ahead writes, each case's loop in a
 * function of its own), and for reading every argument once through the intrinsic getters and
 * refusing hand-made views of internal memory: docs/contributing.md gives each step's bytes.
 */
export const GZIP_BUDGET = 81 * 1024;

const root = join(dirname(fileURLToPath(import.meta.url)), "..");

/** The files `import "crossgrad"` reaches from dist/index.js, following relative imports. */
export function shippedFiles(entry = join(root, "dist", "index.js")) {
  const seen = new Set();
  const visit = (file) => {
    if (seen.has(file)) return;
    seen.add(file);
    const source = readFileSync(file, "utf8");
    for (const [, path] of source.matchAll(/(?:import|export)[^"']*?from\s*["'](\.[^"']+)["']/g))
      visit(join(dirname(file), path));
  };
  visit(entry);
  return [...seen];
}

export function measure() {
  const files = shippedFiles();
  let raw = 0,
    gzip = 0;
  for (const file of files) {
    const bytes = readFileSync(file);
    raw += bytes.length;
    gzip += gzipSync(bytes, { level: 9 }).length;
  }
  const wasm = ["simd", "scalar"].map((b) => readFileSync(join(root, "build", `crossgrad.${b}.wasm`)).length);
  return { files: files.length, raw, gzip, wasm };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { files, raw, gzip, wasm } = measure();
  console.log(
    `crossgrad ships ${files} JS files: ${(raw / 1024).toFixed(1)} KiB, ${(gzip / 1024).toFixed(1)} KiB gzipped ` +
      `(budget ${GZIP_BUDGET / 1024} KiB), with the SIMD and scalar wasm builds (${wasm[0]} and ${wasm[1]} bytes) embedded`,
  );
  if (gzip > GZIP_BUDGET) {
    console.error(`over budget by ${gzip - GZIP_BUDGET} bytes`);
    process.exit(1);
  }
}
