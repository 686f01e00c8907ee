import { DEFAULT_POLICY } from '../../src/core/policy';
import type { CaseWorkflowInput, ImportedHistory } from '../../src/core/case-contract';
import { importedCaseState, overdueAtImport } from '../../src/workflows/imported-case';
import { nextStep, pendingSteps } from '../../src/workflows/schedule';

/** The first state of an imported case: clocks from the recorded dates, nothing owed from before sent. */
const DAY = 86_400_000;
const IMPORT = Date.parse('2026-12-01T10:00:00Z'); // a Tuesday
const iso = (ms: number): string => new Date(ms).toISOString();

const CASE = { caseId: 'case-1', caseReference: 'C-1', programId: 'prog-1' };
const PEOPLE = { caseManagerId: 'cm-1', supervisorId: 'sup-1', riskLevel: 'medium' } as const;
const RULES = { policy: DEFAULT_POLICY, policyVersion: 1, calendar: { timeZone: 'UTC', holidays: [] } };
const input = (openedDaysAgo: number): CaseWorkflowInput => ({
  ...CASE,
  ...PEOPLE,
  ...RULES,
  openedAt: ago(openedDaysAgo),
});
const ago = (days: number): string => iso(IMPORT - days * DAY);
const assessed = (days: number) =>
  ({ type: 'assessment_recorded', assessmentId: 'a-1', kind: 'initial', completedAt: ago(days) }) as const;
const history = (events: ImportedHistory['events']): ImportedHistory => ({ importedAt: iso(IMPORT), events });

describe('an imported case starts from its history', () => {
  it('when it was assessed 80 days ago on a 90-day cycle, then the reassessment is due in 10 days and its heads-up is the next step, 3 days before', () => {
    const h = history([
      assessed(80),
      { type: 'plan_submitted', planId: 'p-1', at: ago(70) },
      { type: 'plan_decided', planId: 'p-1', decision: 'approved', at: ago(70), goals: [] },
    ]);
    const state = importedCaseState(input(120), h);
    expect(state.status).toBe('active');
    const reassessment = state.obligations.find((o) => o.kind === 'reassessment' && o.metAt === undefined)!;
    expect(iso(reassessment.dueAt)).toBe(iso(IMPORT + 10 * DAY)); // Friday 11 Dec
    expect(nextStep(state, IMPORT)).toMatchObject({ kind: 'heads_up', sendAt: IMPORT + 7 * DAY });
    // The plan's stalled window starts at the import, not 70 days ago.
    const stalled = state.obligations.find((o) => o.kind === 'stalled_plan' && o.metAt === undefined)!;
    expect(stalled.anchorAt).toBe(IMPORT);
    expect(overdueAtImport(state, h)).toEqual([]);
    // Historical facts tell nobody anything.
    expect(state.news ?? []).toEqual([]);
  });

  it('when work was overdue before the import, then no step whose time passed is pending, each is recorded as skipped, and it is listed for the catch-up', () => {
    const h = history([assessed(100), { type: 'referral_made', referralId: 'r-1', at: ago(30) }]);
    const state = importedCaseState(input(130), h);
    expect(pendingSteps(state).filter((s) => s.at <= IMPORT)).toEqual([]);
    expect(nextStep(state, IMPORT)!.sendAt).toBeGreaterThan(IMPORT);
    expect(state.decisions.filter((d) => d.what === 'skipped').length).toBeGreaterThan(5);
    expect(
      overdueAtImport(state, h)
        .map((o) => o.kind)
        .sort(),
    ).toEqual(['referral_outcome', 'referral_response', 'service_plan', 'reassessment'].sort());
  });
});
