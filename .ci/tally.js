// Adds up the jest JSON reports CI wrote (test-artifacts/ci/*.json) and prints one plain closing
// line, "Tests: N passed, N failed", so the run's outcome is readable without knowing jest's format.
'use strict';
const fs = require('node:fs');
const path = require('node:path');

const dir = process.argv[2] ?? 'test-artifacts/ci';
let passed = 0;
let failed = 0;
let skipped = 0;
for (const file of fs
  .readdirSync(dir)
  .filter((f) => f.endsWith('.json'))
  .sort()) {
  const report = JSON.parse(fs.readFileSync(path.join(dir, file), 'utf8'));
  passed += report.numPassedTests;
  failed += report.numFailedTests;
  skipped += report.numPendingTests + (report.numTodoTests ?? 0);
  console.log(`== ${file}: ${report.numPassedTests} passed, ${report.numFailedTests} failed`);
}
console.log(`Tests: ${passed} passed, ${failed} failed, ${skipped} skipped`);
process.exit(failed > 0 || passed === 0 ? 1 : 0);
