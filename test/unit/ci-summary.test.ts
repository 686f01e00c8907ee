import { add, closingLine, jestTally, junitTally } from '../../src/cli/ci-summary';
import { withoutBanner } from '../../src/cli/contract-check';

describe('the closing line of a CI run', () => {
  it('when Jest reports passed, failed, pending and todo tests, then each lands in its column', () => {
    const json = JSON.stringify({
      numPassedTests: 7,
      numFailedTests: 1,
      numPendingTests: 2,
      numTodoTests: 1,
    });
    expect(jestTally(json)).toEqual({ passed: 7, failed: 1, skipped: 3 });
  });

  it('when a Jest suite could not run at all, then it counts as a failure', () => {
    const json = JSON.stringify({
      numPassedTests: 4,
      numFailedTests: 0,
      numPendingTests: 0,
      numRuntimeErrorTestSuites: 1,
    });
    expect(jestTally(json).failed).toBe(1);
  });

  it('when the file is not Jest output, then it is refused rather than counted as nothing', () => {
    expect(() => jestTally('{"tests": 3}')).toThrow(/Jest/);
  });

  it('when Schemathesis reports operations, then failures and errors fail and the rest pass', () => {
    const xml =
      '<?xml version="1.0"?>\n<testsuites errors="1" failures="2" skipped="3" tests="67" time="9.1">' +
      '<testsuite name="schemathesis" tests="67"></testsuite></testsuites>';
    expect(junitTally(xml)).toEqual({ passed: 61, failed: 3, skipped: 3 });
  });

  it('when the runs are added up, then the line is the plain "N passed, N failed" kind', () => {
    const total = add({ passed: 1173, failed: 0, skipped: 0 }, { passed: 67, failed: 0, skipped: 2 });
    expect(closingLine(total)).toBe('ci: 1240 passed, 0 failed, 2 skipped');
  });

  it("when Schemathesis prints pytest's closing banner, then it is relayed without the rules", () => {
    expect(
      withoutBanner('============================= 2 warnings in 75.40s ============================='),
    ).toBe('[schemathesis] 2 warnings in 75.40s');
    expect(
      withoutBanner('=================================== SUMMARY ===================================='),
    ).toBe('[schemathesis] SUMMARY');
    expect(withoutBanner('     ✅ 67 passed')).toBe('     ✅ 67 passed');
  });
});
