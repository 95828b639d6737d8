/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: "node",
  transform: { "^.+\\.ts$": ["ts-jest", { tsconfig: "tsconfig.json" }] },
  roots: ["<rootDir>/contract-tests"],
  testMatch: ["**/*.test.ts"],
  globalSetup: "<rootDir>/contract-tests/support/globalSetup.ts",
  globalTeardown: "<rootDir>/contract-tests/support/globalTeardown.ts",
  testTimeout: 60000,
};
