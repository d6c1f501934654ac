// The kernels in assembly/ and bench/assembly/ are AssemblyScript: top-level functions carry
// decorators (@inline), which neither Prettier nor ESLint parse. This holds them to the rules
// .editorconfig states for every file: lines of at most 120 characters, spaces, no trailing
// whitespace, a final newline. Run by npm run lint.
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const MAX_LINE = 120;
const files = ["assembly", join("bench", "assembly")].flatMap((dir) =>
  readdirSync(join(root, dir))
    .filter((name) => name.endsWith(".ts"))
    .map((name) => join(root, dir, name)),
);
const problems = [];
for (const file of files) {
  const text = readFileSync(file, "utf8");
  const where = (line) => `${relative(root, file)}:${line + 1}`;
  text.split("\n").forEach((line, i) => {
    if (line.length > MAX_LINE) problems.push(`${where(i)}: ${line.length} characters, more than ${MAX_LINE}`);
    if (/\t/.test(line)) problems.push(`${where(i)}: a tab`);
    if (/\s$/.test(line)) problems.push(`${where(i)}: trailing whitespace`);
  });
  if (!text.endsWith("\n")) problems.push(`${relative(root, file)}: no final newline`);
}
if (problems.length) {
  console.error(problems.join("\n"));
  process.exit(1);
}
console.log(`assembly: ${files.length} files follow .editorconfig`);
