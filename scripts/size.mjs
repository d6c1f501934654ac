// The size of what a user's page downloads, by entry: the JavaScript of dist/ that each import
// loads (the wasm is embedded in it, base64), each file gzipped as a server sends it, against
// the entry's own budget. CI fails above one. Run: npm run size
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");

/**
 * Each entry, the file it starts from and its budget (gzipped bytes). "crossgrad" holds the SIMD
 * build (about two fifths of it: base64 text compresses less than the binary); the scalar build,
 * a fallback imported only by hosts without wasm SIMD, is measured apart (docs/contributing.md
 * keeps the budgets' history).
 */
export const ENTRIES = {
  crossgrad: { entry: "dist/index.js", budget: 107 * 1024 },
  "crossgrad/reference": { entry: "dist/reference.js", budget: 2 * 1024 },
  // the recommender layer reaches the trainer, and through it the kernels: a page that uses it loads both
  "crossgrad/recommend": { entry: "dist/recommend/index.js", budget: 120 * 1024 },
  // the FM family's paths (docs/fields.md) on the kernels and the trainer
  "crossgrad/fields": { entry: "dist/fields.js", budget: 108 * 1024 },
  "the scalar build (hosts without wasm SIMD)": { entry: "dist/wasm/generated/scalar.js", budget: 21 * 1024 },
};

/** The files an entry reaches, following its static relative imports (an import() is another entry's). */
export function shippedFiles(entry = join(root, "dist", "index.js")) {
  const seen = new Set();
  const visit = (file) => {
    if (seen.has(file)) return;
    seen.add(file);
    const source = readFileSync(file, "utf8");
    for (const [, path] of source.matchAll(/(?:import|export)[^"'()]*?from\s*["'](\.[^"']+)["']/g))
      visit(join(dirname(file), path));
  };
  visit(entry);
  return [...seen];
}

/** An entry's files, their bytes and their gzipped bytes. */
export function measure(entry = ENTRIES.crossgrad.entry) {
  const files = shippedFiles(join(root, entry));
  let raw = 0,
    gzip = 0;
  for (const file of files) {
    const bytes = readFileSync(file);
    raw += bytes.length;
    gzip += gzipSync(bytes, { level: 9 }).length;
  }
  return { files: files.length, raw, gzip };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  let over = false;
  for (const [name, { entry, budget }] of Object.entries(ENTRIES)) {
    const { files, raw, gzip } = measure(entry);
    console.log(
      `${name}: ${files} JS files, ${(raw / 1024).toFixed(1)} KiB, ${(gzip / 1024).toFixed(1)} KiB gzipped ` +
        `(budget ${budget / 1024} KiB)`,
    );
    if (gzip > budget) {
      console.error(`  over budget by ${gzip - budget} bytes`);
      over = true;
    }
  }
  if (over) process.exit(1);
}
