// Compiles the benchmark-only wasm kernels of bench/assembly/ into build/bench/.
import { execFileSync } from "node:child_process";
import { mkdirSync, readdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const asc = join(root, "node_modules", "assemblyscript", "bin", "asc.js");
mkdirSync(join(root, "build", "bench"), { recursive: true });
for (const file of readdirSync(join(root, "bench", "assembly")).filter((f) => f.endsWith(".ts"))) {
  const name = file.replace(/\.ts$/, "");
  execFileSync(
    process.execPath,
    [asc, `bench/assembly/${file}`, "--config", "bench/assembly/asconfig.json", "-o", `build/bench/${name}.wasm`],
    { cwd: root, stdio: "inherit" },
  );
}
// the roofline kernels again on an imported shared memory: the parallel copy that thread pools
// are measured beside (bench/parallelcopy.js runs it on crossgrad's own worker script)
execFileSync(
  process.execPath,
  [
    asc,
    "bench/assembly/roofline.ts",
    "--config",
    "bench/assembly/asconfig.json",
    "--enable",
    "threads",
    "--importMemory",
    "--sharedMemory",
    "--initialMemory",
    "1",
    "--maximumMemory",
    "65536",
    "-o",
    "build/bench/roofline.shared.wasm",
  ],
  { cwd: root, stdio: "inherit" },
);
