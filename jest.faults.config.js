/** `npm run test:faults`: crashes and outages against the real stack, minutes of real time each. */
const base = require('./jest.config');

module.exports = {
  ...base,
  testMatch: ['**/test/faults/**/*.test.ts'],
  testPathIgnorePatterns: ['/node_modules/'],
  testTimeout: 600_000,
};
