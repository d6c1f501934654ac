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
