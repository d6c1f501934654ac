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
);
