import { OBLIGATION_KINDS } from '../../src/core/obligation-catalogue';
import { obligationPageLabel, pathForObligation } from '../../src/core/obligation-pages';

const caseId = '6f1c2a9e-0000-4000-8000-000000000001';
const subjectId = '6f1c2a9e-0000-4000-8000-0000000000aa';

describe('where each obligation is met (the page every reminder, digest line and "My work" links to)', () => {
  it.each([
    ['initial_assessment', undefined, `/cases/${caseId}/assessments/new`],
    ['reassessment', undefined, `/cases/${caseId}/assessments/new`],
    ['service_plan', undefined, `/cases/${caseId}/plans/new`],
    ['service_plan', subjectId, `/cases/${caseId}/plans/${subjectId}`],
    ['plan_approval', subjectId, `/cases/${caseId}/plans/${subjectId}`],
    ['referral_response', subjectId, `/cases/${caseId}/referrals/${subjectId}`],
    ['referral_outcome', subjectId, `/cases/${caseId}/referrals/${subjectId}`],
    ['goal_target', subjectId, `/cases/${caseId}/goals/${subjectId}/progress/new`],
    ['stalled_plan', undefined, `/cases/${caseId}/notes/new`],
    ['closure_approval', undefined, `/cases/${caseId}#due`],
  ] as const)('when the obligation is %s (subject %s), then its page is %s', (kind, subject, path) => {
    expect(pathForObligation({ kind, caseId, subjectId: subject })).toBe(path);
  });

  it('when an obligation that needs a subject has none, then it links the case section instead of a broken page', () => {
    expect(pathForObligation({ kind: 'plan_approval', caseId })).toBe(`/cases/${caseId}#plan`);
    expect(pathForObligation({ kind: 'referral_response', caseId, subjectId: null })).toBe(
      `/cases/${caseId}#referrals`,
    );
    expect(pathForObligation({ kind: 'goal_target', caseId })).toBe(`/cases/${caseId}#plan`);
  });

  it('when ids carry characters a path cannot, then they are encoded, never spliced raw', () => {
    expect(pathForObligation({ kind: 'referral_outcome', caseId: 'a/b', subjectId: '../x?y' })).toBe(
      '/cases/a%2Fb/referrals/..%2Fx%3Fy',
    );
  });

  it('when a kind of the catalogue is asked for, then it has a page and a label (a kind not yet known gets the due list)', () => {
    for (const kind of OBLIGATION_KINDS) {
      expect(pathForObligation({ kind, caseId, subjectId })).toMatch(new RegExp(`^/cases/${caseId}[/#]`));
      expect(obligationPageLabel(kind)).toMatch(/^[A-Z]/);
    }
    expect(pathForObligation({ kind: 'retired_kind' as never, caseId })).toBe(`/cases/${caseId}#due`);
  });
});
