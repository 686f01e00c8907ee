import { applyEvent, checkEvent, EventRefused, type CaseState } from '../../src/workflows/case-state';

const at = '2027-01-10T09:00:00.000Z';

function freshCase(): CaseState {
  return {
    status: 'assessment',
    caseManagerId: 'cm-1',
    supervisorId: 'sup-1',
    riskLevel: 'medium',
    obligations: [
      { id: 'initial-assessment', kind: 'initial_assessment', openedAt: 0, dueAt: 1, sent: [], skipped: [] },
    ],
  };
}

describe('case state: how recorded events move a case', () => {
  it('when the initial assessment is recorded, then the obligation is met and the case moves to planning', () => {
    const state = freshCase();
    applyEvent(state, { type: 'assessment_recorded', assessmentId: 'a', kind: 'initial', completedAt: at });
    expect(state.status).toBe('planning');
    expect(state.obligations[0]!.metAt).toBe(Date.parse(at));
  });

  it('when a plan is approved in planning, then the case becomes active', () => {
    const state = { ...freshCase(), status: 'planning' as const };
    applyEvent(state, { type: 'plan_decided', planId: 'p', decision: 'approved', at, goals: [] });
    expect(state.status).toBe('active');
  });

  it('when a case is put on hold and resumed, then it returns to the status it had', () => {
    const state = { ...freshCase(), status: 'active' as const };
    applyEvent(state, { type: 'hold', at });
    expect(state).toMatchObject({ status: 'on_hold', onHoldSince: Date.parse(at) });
    expect(() => checkEvent(state, { type: 'hold', at })).toThrow(EventRefused);
    applyEvent(state, { type: 'resume', at });
    expect(state.status).toBe('active');
    expect(() => checkEvent(state, { type: 'resume', at })).toThrow(EventRefused);
  });

  it('when a case is reassigned, then the new people are who the workflow will address', () => {
    const state = freshCase();
    applyEvent(state, { type: 'reassigned', caseManagerId: 'cm-2', supervisorId: 'sup-2', at });
    expect(state).toMatchObject({ caseManagerId: 'cm-2', supervisorId: 'sup-2' });
  });

  it('when closure is returned, then the case goes back; when approved, it is closed and refuses everything', () => {
    const state = { ...freshCase(), status: 'active' as const };
    applyEvent(state, { type: 'closure_requested', at });
    expect(state.status).toBe('closing');
    expect(() => checkEvent(state, { type: 'closure_requested', at })).toThrow(/already/);
    applyEvent(state, { type: 'closure_decided', decision: 'returned', at });
    expect(state.status).toBe('active');
    expect(() => checkEvent(state, { type: 'closure_decided', decision: 'approved', at })).toThrow(
      EventRefused,
    );
    applyEvent(state, { type: 'closure_requested', at });
    applyEvent(state, { type: 'closure_decided', decision: 'approved', at });
    expect(state.status).toBe('closed');
    expect(() => checkEvent(state, { type: 'note_added', noteType: 'contact', at })).toThrow(/closed/);
  });

  it('when an event carries an impossible time, then it is refused before it changes anything', () => {
    expect(() => checkEvent(freshCase(), { type: 'hold', at: 'yesterday' })).toThrow(/not a valid time/);
  });
});
