// ESLint, configured once for the TypeScript and JavaScript of src/, test/, bench/, examples/
// and scripts/ (npm run lint). Formatting is Prettier's (.prettierrc.json). The kernels in
// assembly/ are AssemblyScript, which neither parses: scripts/check-assembly.mjs checks them.
import js from "@eslint/js";
import { createTypeScriptImportResolver } from "eslint-import-resolver-typescript";
import { importX } from "eslint-plugin-import-x";
import globals from "globals";
import tseslint from "typescript-eslint";

/**
 * The floors of src/, lowest first (docs/design.md §12): a folder imports only from the
 * folders below it, and the entry files (index.ts, reference.ts, worker.ts) from any.
 */
const FLOORS = ["util", "wasm", "ops", "threads", "train", "recommend"];

export default tseslint.config(
  {
    ignores: [
      "dist/",
      "build/",
      "coverage/",
      "assembly/",
      "bench/assembly/",
      "bench/results/",
      "src/wasm/generated/",
      "node_modules/",
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.browser, ...globals.node } },
    rules: {
      // `void (x = y)` marks an expression evaluated for its effect in an arrow's body
      "no-void": "off",
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
    },
  },
  {
    // the house: arrows only downward (dpdm, in npm run lint, refuses a circle of imports)
    files: ["src/**/*.ts"],
    plugins: { "import-x": importX },
    settings: { "import-x/resolver-next": [createTypeScriptImportResolver({ project: "tsconfig.json" })] },
    rules: {
      "import-x/no-restricted-paths": [
        "error",
        {
          zones: FLOORS.map((floor, i) => ({
            target: `./src/${floor}`,
            from: [...FLOORS.slice(i + 1).map((above) => `./src/${above}`), "./src/index.ts", "./src/reference.ts"],
            message: `src/${floor}/ is below ${FLOORS.slice(i + 1).join(", ")}: it may import only from ${FLOORS.slice(0, i).join(", ") || "nothing in src/"}`,
          })),
        },
      ],
      // a module is one job a reader can hold: past this, it is two
      "max-lines": ["error", { max: 450 }],
    },
  },
  {
    // examples show what a user can do: the package's public entries (its built index and
    // reference and recommend), never the benchmarks' code nor a module the exports map does not list
    files: ["examples/**"],
    rules: {
      "no-restricted-imports": [
        "error",
        {
          patterns: [
            {
              group: [
                "**/bench/**",
                "**/dist/*.js",
                "!**/dist/index.js",
                "!**/dist/reference.js",
                "!**/dist/fields.js",
                "**/dist/*/**",
                "!**/dist/recommend/index.js",
              ],
              message:
                "examples import only crossgrad's public entries (dist/index.js, dist/reference.js, dist/fields.js, dist/recommend/index.js)",
            },
          ],
        },
      ],
    },
  },
);
