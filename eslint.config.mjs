// @ts-check
/**
 * Lint (issue 18 item 7): typescript-eslint's recommended rules, the layer rules of docs/design.md as
 * import-x/no-restricted-paths zones (test/unit/layers/imports.test.ts checks the same table on the source), import
 * cycles refused, lines at most 160 characters. Formatting is prettier's (.prettierrc.json); `npm run lint` runs both.
 */
import js from "@eslint/js";
import tseslint from "typescript-eslint";
import importX from "eslint-plugin-import-x";
import globals from "globals";

const layer = (target, from, message) => ({ target, from, message });

export default tseslint.config(
  { ignores: ["node_modules/**", "policies/dist/**", ".stackguard/**", ".scratch/**", "**/*.d.ts", "coverage/**"] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node, ...globals.jest } },
    plugins: { "import-x": importX },
    rules: {
      "import-x/no-restricted-paths": [
        "error",
        {
          zones: [
            layer("./infra", "./apps", "infra/ is library code and must not import apps/: the edge's wire contract is infra/edge-contract"),
            layer("./infra", "./stacks", "infra/ must not import the program (stacks/)"),
            layer("./infra", "./test", "infra/ must not import tests"),
            layer("./infra", "./bench", "infra/ must not import benchmarks"),
            layer("./apps", "./stacks", "apps/ must not import the program (stacks/)"),
            layer("./apps", "./test", "apps/ must not import tests"),
            layer("./sim", "./apps", "the simulator must not import apps/"),
            layer("./sim", "./stacks", "the simulator must not import the program"),
            layer("./policies", "./apps", "the policy pack must not import apps/"),
            layer("./policies", "./stacks", "the policy pack must not import the program"),
          ],
        },
      ],
      "import-x/no-cycle": ["error", { ignoreExternal: true }],
      "max-len": ["error", { code: 160, ignoreUrls: true, ignoreStrings: true, ignoreTemplateLiterals: true, ignoreRegExpLiterals: true }],
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_", caughtErrors: "none" }],
    },
  },
  {
    // Tests and benchmarks read untyped JSON answers and load the CommonJS scripts under tools/ and .github/ as they
    // are: `any` and `require` are the honest types there.
    files: ["test/**", "bench/**", "policies/test/**"],
    rules: { "@typescript-eslint/no-explicit-any": "off", "@typescript-eslint/no-require-imports": "off" },
  },
  {
    // The simulator's handlers take request bodies the OpenAPI validator (sim/openapi/validator.ts) already checked
    // against Render's spec; the guardian's OTLP parser walks untrusted JSON checking each field where it is used.
    // Typing Render's API or OTLP's JSON mapping a second time in TypeScript would be a copy that drifts.
    files: ["sim/api/**", "sim/domain/**", "sim/http/router.ts", "sim/openapi/**", "apps/guardian/otlp-receiver.ts"],
    rules: { "@typescript-eslint/no-explicit-any": "off" },
  },
  {
    files: ["**/*.js", "**/*.cjs"],
    languageOptions: { sourceType: "commonjs" },
    // CommonJS modules: `const crypto = require("node:crypto")` shadows Node's global of that name on purpose.
    rules: { "@typescript-eslint/no-require-imports": "off", "no-redeclare": ["error", { builtinGlobals: false }] },
  },
);
