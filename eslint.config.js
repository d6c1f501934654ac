// ESLint, configured once for the TypeScript and JavaScript of src/, test/, bench/, examples/
// and scripts/ (npm run lint). Formatting is Prettier's (.prettierrc.json). The kernels in
// assembly/ are AssemblyScript, which neither parses: scripts/check-assembly.mjs checks them.
import js from "@eslint/js";
import globals from "globals";
import tseslint from "typescript-eslint";

export default tseslint.config(
  {
    ignores: [
      "dist/",
      "build/",
      "coverage/",
      "assembly/",
      "bench/assembly/",
      "bench/results/",
      "src/generated/",
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
    // examples show what a user can do: the package's public entries (its built index and
    // reference), never the benchmarks' code nor a module the exports map does not list
    files: ["examples/**"],
    rules: {
      "no-restricted-imports": [
        "error",
        {
          patterns: [
            {
              group: ["**/bench/**", "**/dist/**", "!**/dist/index.js", "!**/dist/reference.js"],
              message: "examples import only crossgrad's public entries (dist/index.js, dist/reference.js)",
            },
          ],
        },
      ],
    },
  },
);
