// Prints one JSON line: the runtime and its version, and what it gives crossgrad (scripts/probe.mjs).
// Run by scripts/test-runtimes.mjs under each runtime.
import { probe } from "./probe.mjs";

const g = globalThis;
const runtime = g.Deno
  ? `Deno ${g.Deno.version.deno}`
  : g.Bun
    ? `Bun ${g.Bun.version}`
    : `Node ${process.versions.node}`;
console.log(JSON.stringify({ runtime, ...(await probe()) }));
