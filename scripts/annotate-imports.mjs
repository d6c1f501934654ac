// tsc's removeComments (dist/ ships without comments; the .d.ts keep their TSDoc) also drops
// the /* @vite-ignore */ of the two computed import() calls (node:worker_threads, loaded only
// in Node), and Vite then warns about them in every app that bundles crossgrad. This puts the
// annotation back on every import() whose specifier is not a string literal.
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const dist = join(dirname(fileURLToPath(import.meta.url)), "..", "dist");
// every .js under dist/, its folders included
for (const name of readdirSync(dist, { recursive: true }).filter((f) => f.endsWith(".js"))) {
  const file = join(dist, name);
  const source = readFileSync(file, "utf8");
  const annotated = source.replace(/\bimport\((?!\s*["'`]|\s*\/\* @vite-ignore \*\/)/g, "import(/* @vite-ignore */ ");
  if (annotated !== source) writeFileSync(file, annotated);
}
