import js from "@eslint/js";
import tseslint from "typescript-eslint";

export default tseslint.config(
  { ignores: ["**/dist/**", "**/node_modules/**", ".testenv/**", "coverage/**"] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_" }],
    },
  },
  {
    // Production code runs without the test environment: fixtures stay in tests and benchmarks.
    files: ["services/*/src/**/*.ts", "packages/*/src/**/*.ts"],
    // packages/image builds images for the test environment's node: a tool, not production code.
    ignores: [
      "**/*.test.ts",
      "packages/testkit/**",
      "packages/image/**",
      "services/engine/src/testing.ts",
      "services/engine/src/testing/**",
    ],
    rules: {
      "no-restricted-imports": [
        "error",
        {
          patterns: [
            { group: ["@livesync/testkit", "@livesync/testkit/*"], message: "test-only" },
            { group: ["@livesync/*/testing", "**/testing.js"], message: "test-only" },
            { group: ["**/test-fixtures.js"], message: "test-only" },
          ],
        },
      ],
    },
  },
);
