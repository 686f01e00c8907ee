import { closedRefusal, statusRefusal } from '../../src/core/case-status-rules';
import { DEFAULT_POLICY } from '../../src/core/policy';
import { checkEvent, initialCaseState, type CaseState } from '../../src/workflows/case-state';
import type { CaseEvent, CaseStatus } from '../../src/core/case-contract';

/**
 * The status rules the API applies to the record and the case workflow's validator applies again:
 * one definition, so the two lines can never disagree about what a status allows.
 */
describe('what a case status allows', () => {
  const at = '2027-01-08T10:00:00Z';
  const STATUSES: CaseStatus[] = [
    'intake',
    'assessment',
    'planning',
    'active',
    'on_hold',
    'closing',
    'closed',
  ];
  const EVENTS: CaseEvent[] = [
    { type: 'hold', at },
    { type: 'resume', at },
    { type: 'closure_requested', at },
    { type: 'closure_decided', decision: 'approved', at },
    { type: 'risk_changed', riskLevel: 'high', at },
  ];

  it.each([
    ['hold', 'on_hold', 'Case C-7 is already on hold.'],
    ['hold', 'closed', 'Case C-7 is closed.'],
    ['resume', 'active', 'Case C-7 is not on hold.'],
    ['resume', 'closed', 'Case C-7 is not on hold.'],
    ['closure_requested', 'closing', 'Closure has already been requested.'],
    ['closure_requested', 'closed', 'Case C-7 is closed.'],
    ['closure_decided', 'active', 'No closure request is waiting for a decision.'],
  ] as const)('when %s reaches a case that is %s, then it is refused: "%s"', (change, status, message) => {
    expect(statusRefusal(status, change, 'Case C-7')).toBe(message);
  });

  it.each([
    ['hold', 'active'],
    ['resume', 'on_hold'],
    ['closure_requested', 'planning'],
    ['closure_decided', 'closing'],
    ['risk_changed', 'active'],
  ] as const)('when %s reaches a case that is %s, then it is allowed', (change, status) => {
    expect(statusRefusal(status, change)).toBeUndefined();
  });

  it('when no name is given, then the message calls it "the case" (as the workflow does)', () => {
    expect(statusRefusal('on_hold', 'hold')).toBe('The case is already on hold.');
    expect(closedRefusal('closed')).toBe('The case is closed.');
  });

  it('when the workflow validates an event, then it refuses exactly what the shared rules refuse, in the same words', () => {
    for (const status of STATUSES) {
      for (const event of EVENTS) {
        const state: CaseState = {
          ...initialCaseState({
            caseId: 'case-1',
            caseReference: 'C-1',
            programId: 'prog-1',
            caseManagerId: 'cm-1',
            supervisorId: 'sup-1',
            riskLevel: 'medium',
            openedAt: '2027-01-06T10:00:00Z',
            policy: DEFAULT_POLICY,
            policyVersion: 1,
          }),
          status,
        };
        const expected = closedRefusal(status) ?? statusRefusal(status, event.type);
        let refused: string | undefined;
        try {
          checkEvent(state, event);
        } catch (err) {
          refused = (err as Error).message;
        }
        expect({ status, event: event.type, refused }).toEqual({
          status,
          event: event.type,
          refused: expected,
        });
      }
    }
  });
});
