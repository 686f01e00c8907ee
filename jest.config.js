/** Real PostgreSQL, Temporal and SMTP: see test/setup/global-setup.ts. */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  // Fault tests take minutes of real time each: `npm run test:faults` (CI runs both).
  testPathIgnorePatterns: ['/node_modules/', '<rootDir>/test/faults/'],
  transform: { '^.+\\.ts$': 'ts-jest' },
  globalSetup: '<rootDir>/test/setup/global-setup.ts',
  globalTeardown: '<rootDir>/test/setup/global-teardown.ts',
  setupFiles: ['<rootDir>/test/setup/quiet-temporal.ts'],
  // A guard against hangs, not a speed check: a busy machine can make a browser walk take minutes.
  testTimeout: 300_000,
  maxWorkers: 2,
};
