import fs from 'node:fs';
import path from 'node:path';
import { projectRoot } from '../shared/paths';

/**
 * The closing line of `.ci/run`: every test the run executed, added up from Jest's JSON results
 * (test-artifacts/ci/*.json: `npm test`, the fault tests, each other Node line) and Schemathesis's
 * JUnit reports (test-artifacts/schemathesis/*.xml: one test per API operation and role), printed
 * as one plain "ci: N passed, N failed, N skipped" line. Exits non-zero when a report is missing or
 * unreadable, or nothing ran at all, so the line never claims tests that did not run.
 */
export interface Tally {
  passed: number;
  failed: number;
  skipped: number;
}

const none = (): Tally => ({ passed: 0, failed: 0, skipped: 0 });

interface JestResults {
  numPassedTests: number;
  numFailedTests: number;
  numPendingTests: number;
  numTodoTests?: number;
  numRuntimeErrorTestSuites?: number;
}

/** One Jest `--json` result file; a suite that failed to run counts as a failure. */
export function jestTally(json: string): Tally {
  const r = JSON.parse(json) as JestResults;
  if (typeof r.numPassedTests !== 'number') throw new Error('not a Jest --json result');
  return {
    passed: r.numPassedTests,
    failed: r.numFailedTests + (r.numRuntimeErrorTestSuites ?? 0),
    skipped: r.numPendingTests + (r.numTodoTests ?? 0),
  };
}

/** One JUnit report's top element (`<testsuites ...>`): tests, failures, errors, skipped. */
export function junitTally(xml: string): Tally {
  const top = /<testsuites\b([^>]*)>/.exec(xml)?.[1];
  if (top === undefined) throw new Error('no <testsuites> element');
  const count = (name: string): number => Number(new RegExp(`\\b${name}="(\\d+)"`).exec(top)?.[1] ?? 0);
  const failed = count('failures') + count('errors');
  const skipped = count('skipped');
  return { passed: count('tests') - failed - skipped, failed, skipped };
}

export function add(a: Tally, b: Tally): Tally {
  return { passed: a.passed + b.passed, failed: a.failed + b.failed, skipped: a.skipped + b.skipped };
}

export const closingLine = (t: Tally): string =>
  `ci: ${t.passed} passed, ${t.failed} failed, ${t.skipped} skipped`;

function filesIn(dir: string, extension: string): string[] {
  if (!fs.existsSync(dir)) return [];
  return fs
    .readdirSync(dir)
    .filter((f) => f.endsWith(extension))
    .map((f) => path.join(dir, f));
}

function main(): void {
  const artifacts = path.join(projectRoot(), 'test-artifacts');
  const jest = filesIn(path.join(artifacts, 'ci'), '.json');
  const junit = filesIn(path.join(artifacts, 'schemathesis'), '.xml');
  let total = none();
  for (const file of jest) total = add(total, jestTally(fs.readFileSync(file, 'utf8')));
  for (const file of junit) total = add(total, junitTally(fs.readFileSync(file, 'utf8')));
  console.log(`${jest.length} Jest result files, ${junit.length} Schemathesis reports`);
  console.log(closingLine(total));
  if (total.passed + total.failed === 0 || total.failed > 0) process.exit(1);
}

if (require.main === module) main();
