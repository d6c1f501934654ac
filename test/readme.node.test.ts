// The README's snippets run as written: every ```ts block of README.md and docs/*.md becomes a
// module of a throw-away app in which "crossgrad" is this package (a symlink to the repository,
// whose exports map points at dist/). All of them are type-checked with the repository's
// TypeScript (strict, module nodenext, Node's types and no DOM library; a block marked
// ```ts browser gets the DOM library instead and is only type-checked), then each is transpiled
// and run with Node, which must exit with status 0. A line `expr; // => value` asserts that expr
// deep-equals value; `expr; // => throws TypeError: message` that it throws (docs/contributing.md,
// "README snippets"). The checker is checked too: snippets broken on purpose must fail. Node only.
import { execFile } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import ts from "typescript";
import { beforeAll, describe, expect, it } from "vitest";

const root = resolve(import.meta.dirname, "..");
const DOCUMENTS = ["README.md", ...readdirSync(join(root, "docs")).map((name) => `docs/${name}`)].filter((path) =>
  path.endsWith(".md"),
);

interface Snippet {
  /** Where it stands: "README.md:120" (the line of its first line of code). */
  where: string;
  /** Its document, and the line number there of its module's line 1. */
  document: string;
  first: number;
  /** The heading it stands under. */
  heading: string;
  /** Marked ```ts browser: type-checked with the DOM library, not run. */
  browser: boolean;
  /** Its module's name in the app. */
  file: string;
  /** The module's source, one line for each line of the block. */
  source: string;
  /** Run it, or only type-check it. */
  runs: boolean;
}

/** `Float64Array [1, 2]`, a typed array as Node prints it but for its length, as code: `new Float64Array([1, 2])`. */
export function expectedSource(text: string): string {
  const typed = /\b((?:Float|Int|Uint|BigInt|BigUint)\d+(?:Clamped)?Array) \[/g;
  let out = "";
  let done = 0;
  for (let match; (match = typed.exec(text));) {
    let end = match.index + match[0].length - 1;
    for (let depth = 0; end < text.length; end++) {
      if (text[end] === "[") depth++;
      else if (text[end] === "]" && --depth === 0) break;
    }
    out += `${text.slice(done, match.index)}new ${match[1]}(${text.slice(match.index + match[0].length - 1, end + 1)})`;
    done = end + 1;
    typed.lastIndex = done;
  }
  return out + text.slice(done);
}

/**
 * A line of a snippet as it runs: `expr; // => value` becomes a check of expr against value, and
 * `expr; // => throws Name: message` a check that expr throws (a message ending in "..." is a
 * prefix). Text after a further ` // ` is a note. Every other line is kept as it is.
 */
export function checkedLine(line: string, where: string): string {
  const match = /^(\s*)(.*?);\s*\/\/ => (.*)$/.exec(line);
  if (!match) return line;
  const [, indent, expression, rest] = match;
  if (/^(const|let|var|import|export|return|if|for|while)\b/.test(expression))
    throw new Error(`${where}: a line with "// =>" must be an expression statement: ${line.trim()}`);
  const claim = rest.split(" // ")[0].trim();
  const at = JSON.stringify(where);
  const awaits = /\bawait\b/.test(expression);
  const throws = /^throws (\w+)(?::\s*(.*))?$/.exec(claim);
  if (throws) {
    const [, name, message] = throws;
    const call = `__throws(${awaits ? "async " : ""}() => { ${expression}; }, ${JSON.stringify(name)}, ${JSON.stringify(message ?? null)}, ${at})`;
    return `${indent}${awaits ? "await " : ""}${call};`;
  }
  return `${indent}__check(${expression}, ${expectedSource(claim)}, ${at});`;
}

/** Every ```ts block of a markdown file, as snippets. */
export function snippetsOf(document: string, markdown: string): Snippet[] {
  const lines = markdown.split("\n");
  const snippets: Snippet[] = [];
  let heading = "";
  for (let i = 0; i < lines.length; i++) {
    if (/^#+ /.test(lines[i])) heading = lines[i].replace(/^#+ /, "");
    const fence = /^```ts(?:\s+(\S+))?\s*$/.exec(lines[i]);
    if (!fence) {
      if (lines[i].startsWith("```")) while (++i < lines.length && !lines[i].startsWith("```"));
      continue;
    }
    if (fence[1] !== undefined && fence[1] !== "browser")
      throw new Error(`${document}:${i + 1}: a ts block is marked "${fence[1]}"; only "browser" is known`);
    const first = i + 1;
    let end = first;
    while (end < lines.length && !lines[end].startsWith("```")) end++;
    const where = (line: number) => `${document}:${line + 1}`;
    const body = lines.slice(first, end).map((line, j) => checkedLine(line, where(first + j)));
    const browser = fence[1] === "browser";
    snippets.push({
      where: where(first),
      document,
      first: first + 1,
      heading,
      browser,
      runs: !browser,
      file: `${document.replace(/[/.]/g, "-")}-${first + 1}.ts`,
      // the helpers' import goes last, so that every line keeps its number (imports are hoisted)
      source: `${body.join("\n")}\nimport { __check, __throws } from "./check.js";\n`,
    });
    i = end;
  }
  return snippets;
}

/** What the rewritten lines call: deep equality (node:assert's, strict), and a throw of a named error. */
const CHECK = `import { deepStrictEqual } from "node:assert/strict";
import { inspect } from "node:util";

export function __check(actual: unknown, expected: unknown, where: string): void {
  try {
    deepStrictEqual(actual, expected);
  } catch {
    throw new Error(\`\${where}: got \${inspect(actual)}, the snippet says \${inspect(expected)}\`);
  }
}

function thrown(error: unknown, name: string, message: string | null, where: string): void {
  const got = error instanceof Error ? \`\${error.name}: \${error.message}\` : inspect(error);
  const fits = message === null ? true : message.endsWith("...") ? got.startsWith(\`\${name}: \${message.slice(0, -3)}\`) : got === \`\${name}: \${message}\`;
  if (!(error instanceof Error) || error.name !== name || !fits)
    throw new Error(\`\${where}: threw \${got}, the snippet says \${name}\${message === null ? "" : \`: \${message}\`}\`);
}

export function __throws(run: () => unknown, name: string, message: string | null, where: string): void | Promise<void> {
  let result: unknown;
  try {
    result = run();
  } catch (error) {
    return thrown(error, name, message, where);
  }
  if (result instanceof Promise)
    return result.then(
      () => { throw new Error(\`\${where}: threw nothing, the snippet says \${name}\`); },
      (error: unknown) => thrown(error, name, message, where),
    );
  throw new Error(\`\${where}: threw nothing, the snippet says \${name}\`);
}
`;

/** Snippets broken on purpose: each must fail, type-check or run, with the words given. */
const BROKEN: { name: string; markdown: string; fails: "types" | "run"; says: RegExp }[] = [
  {
    name: "a name no one defined",
    markdown:
      '```ts\nimport { init, value } from "crossgrad";\nawait init();\nvalue(phi, [1, 1], { n: 1, m: 1, k: 0 });\n```',
    fails: "types",
    says: /TS2304: Cannot find name 'phi'/,
  },
  {
    name: "a wrong result after // =>",
    markdown:
      '```ts\nimport { init, value } from "crossgrad";\nawait init();\nvalue(new Float64Array([1, 2]), [1, 1], { n: 1, m: 1, k: 1 }); // => 3\n```',
    fails: "run",
    says: /broken\.md:4: got 2, the snippet says 3/,
  },
  {
    name: "a wrong typed array after // =>",
    markdown:
      '```ts\nimport { gradient, init } from "crossgrad";\nawait init();\ngradient(new Float64Array([1, 2]), [1, 1], { n: 1, m: 1, k: 1 }); // => Float32Array [2, 1]\n```',
    fails: "run",
    says: /got Float64Array\(2\) \[ 2, 1 \], the snippet says Float32Array\(2\) \[ 2, 1 \]/,
  },
  {
    name: "an error that is not thrown",
    markdown:
      '```ts\nimport { init, value } from "crossgrad";\nawait init();\nvalue(new Float64Array(0), [], { n: 0, m: 0, k: 0 }); // => throws RangeError\n```',
    fails: "run",
    says: /threw nothing, the snippet says RangeError/,
  },
  {
    name: "a DOM name outside a browser block",
    markdown:
      '```ts\nimport { exportWisdom, init } from "crossgrad";\nawait init();\nlocalStorage.setItem("w", JSON.stringify(exportWisdom()));\n```',
    fails: "types",
    says: /TS2304: Cannot find name 'localStorage'/,
  },
];

let app: string;
const problems = new Map<string, string[]>();
const snippets = DOCUMENTS.flatMap((path) => snippetsOf(path, readFileSync(join(root, path), "utf8")));
const broken = BROKEN.map((b, i) => ({
  ...b,
  snippet: { ...snippetsOf(`broken.md`, b.markdown)[0], file: `broken-${i}.ts` },
}));

/** Type-checks snippets; records each one's diagnostics as "README.md:123: TS2304: message". */
function typeCheck(modules: Snippet[], lib: string[], types: string[], extra: string[] = []): void {
  const byFile = new Map(modules.map((s) => [join(app, s.file), s]));
  const program = ts.createProgram([...extra.map((file) => join(app, file)), ...byFile.keys()], {
    strict: true,
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    lib: lib.map((name) => `lib.${name.toLowerCase()}.d.ts`),
    types,
    typeRoots: [join(root, "node_modules", "@types")],
    skipLibCheck: true,
    noEmit: true,
  });
  for (const diagnostic of ts.getPreEmitDiagnostics(program)) {
    const text = ts.flattenDiagnosticMessageText(diagnostic.messageText, "\n");
    if (!diagnostic.file) throw new Error(`TypeScript: TS${diagnostic.code} ${text}`);
    const snippet = byFile.get(diagnostic.file.fileName);
    const line = diagnostic.file.getLineAndCharacterOfPosition(diagnostic.start ?? 0).line;
    const where = snippet ? `${snippet.document}:${snippet.first + line}` : `${diagnostic.file.fileName}:${line + 1}`;
    const key = snippet?.file ?? diagnostic.file.fileName;
    problems.set(key, [...(problems.get(key) ?? []), `${where}: TS${diagnostic.code}: ${text}`]);
  }
}

/** Runs a module of the app with Node; resolves to its status and output. */
function run(file: string): Promise<{ status: number; output: string }> {
  const js = join(app, file.replace(/\.ts$/, ".js"));
  return new Promise((done) =>
    execFile(process.execPath, [js], { cwd: app, encoding: "utf8", timeout: 60_000 }, (error, stdout, stderr) =>
      done({ status: error ? Number(error.code ?? 1) : 0, output: stdout + stderr }),
    ),
  );
}

beforeAll(() => {
  app = mkdtempSync(join(tmpdir(), "crossgrad-readme-"));
  mkdirSync(join(app, "node_modules"));
  symlinkSync(root, join(app, "node_modules", "crossgrad"), "dir");
  writeFileSync(join(app, "package.json"), JSON.stringify({ name: "readme-snippets", private: true, type: "module" }));
  const all = [...snippets, ...broken.map((b) => b.snippet)];
  for (const { file, source } of [...all, { file: "check.ts", source: CHECK }]) {
    writeFileSync(join(app, file), source);
    const js = ts.transpileModule(source, {
      compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 },
      fileName: file,
    });
    writeFileSync(join(app, file.replace(/\.ts$/, ".js")), js.outputText);
  }
  typeCheck(
    all.filter((s) => !s.browser),
    ["ES2022"],
    ["node"],
    ["check.ts"],
  );
  typeCheck(
    all.filter((s) => s.browser),
    ["ES2022", "DOM"],
    [],
  );
}, 60_000);

describe("the snippets of README.md and docs/", () => {
  it("are found: the README has a snippet under each part of its API tour", () => {
    const headings = new Set(snippets.filter((s) => s.where.startsWith("README.md")).map((s) => s.heading));
    for (const part of [
      "Functions",
      "Batches of gate sets",
      "Zero-copy problems",
      "Training",
      "Threads",
      "Chunks and sharding",
    ])
      expect(headings).toContain(part);
  });

  for (const snippet of snippets)
    it(`${snippet.where} (${snippet.heading}) type-checks${snippet.runs ? " and runs" : " with the DOM library"}`, async () => {
      expect(problems.get(snippet.file) ?? [], `${snippet.where}: TypeScript`).toEqual([]);
      if (!snippet.runs) return;
      const { status, output } = await run(snippet.file);
      expect(status, `${snippet.where} exited with ${status}:\n${output}`).toBe(0);
    });
});

describe("the snippet checker fails a snippet that is wrong", () => {
  for (const { name, fails, says, snippet } of broken)
    it(`${name}: it fails to ${fails === "types" ? "type-check" : "run"}, saying why`, async () => {
      const found = problems.get(snippet.file) ?? [];
      if (fails === "types") {
        expect(found.join("\n")).toMatch(says);
        return;
      }
      expect(found).toEqual([]);
      const { status, output } = await run(snippet.file);
      expect(status).not.toBe(0);
      expect(output).toMatch(says);
    });

  it("refuses a line with // => that is not an expression statement", () => {
    expect(() => checkedLine("const x = 1; // => 1", "README.md:9")).toThrow(/README.md:9: .*expression statement/);
  });

  it("reads a typed array as Node prints it, but for its length", () => {
    expect(expectedSource("{ u: Float64Array [1, 2], v: Float32Array [[3][0]] }")).toBe(
      "{ u: new Float64Array([1, 2]), v: new Float32Array([[3][0]]) }",
    );
  });
});
