/**
 * Jest runs the unit, policy and integration suites. Integration tests drive the real `pulumi` binary and the
 * simulator as child processes, so they get a long timeout and run in band to stay within a 2-core machine.
 * @type {import('jest').Config}
 */
module.exports = {
  testEnvironment: "node",
  transform: { "^.+\\.ts$": ["ts-jest", { tsconfig: "tsconfig.json", isolatedModules: true, diagnostics: false }] },
  testMatch: ["<rootDir>/test/**/*.test.ts", "<rootDir>/policies/test/**/*.test.ts"],
  modulePathIgnorePatterns: ["<rootDir>/.stackguard/"],
  testTimeout: 60_000,
};
