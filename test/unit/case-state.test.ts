import { applyEvent, checkEvent, EventRefused, type CaseState } from '../../src/workflows/case-state';

const at = '2027-01-10T09:00:00.000Z';

function freshCase(): CaseState {
  return {
    status: 'assessment',
    caseManagerId: 'cm-1',
    supervisorId: 'sup-1',
    riskLevel: 'medium',
    obligations: [
      {
        id: 'initial-assessment',
        kind: 'initial_assessment',
        openedAt: 0,
        dueAt: 1,
        pausedMs: 0,
        sent: [],
        skipped: [],
      },
    ],
  };
}

describe('case state: how recorded events move a case', () => {
  it('when the initial assessment is recorded, then the obligation is met and the case moves to planning', () => {
    const state = freshCase();
    applyEvent(
      state,
      { type: 'assessment_recorded', assessmentId: 'a', kind: 'initial', completedAt: at },
      Date.parse(at),
    );
    expect(state.status).toBe('planning');
    expect(state.obligations[0]!.metAt).toBe(Date.parse(at));
  });

  it('when a plan is approved in planning, then the case becomes active', () => {
    const state = { ...freshCase(), status: 'planning' as const };
    applyEvent(
      state,
      { type: 'plan_decided', planId: 'p', decision: 'approved', at, goals: [] },
      Date.parse(at),
    );
    expect(state.status).toBe('active');
  });

  it('when a case is put on hold and resumed, then it returns to the status it had', () => {
    const state = { ...freshCase(), status: 'active' as const };
    applyEvent(state, { type: 'hold', at }, Date.parse(at));
    expect(state).toMatchObject({ status: 'on_hold', onHoldSince: Date.parse(at) });
    expect(() => checkEvent(state, { type: 'hold', at })).toThrow(EventRefused);
    applyEvent(state, { type: 'resume', at }, Date.parse(at));
    expect(state.status).toBe('active');
    expect(() => checkEvent(state, { type: 'resume', at })).toThrow(EventRefused);
  });

  it('when a case resumes after ten days on hold, then every open deadline moves by exactly ten days', () => {
    const state = { ...freshCase(), status: 'assessment' as const };
    state.obligations[0]!.dueAt = Date.parse('2027-01-20T09:00:00Z');
    applyEvent(state, { type: 'hold', at: '2027-01-05T09:00:00Z' }, Date.parse('2027-01-05T09:00:00Z'));
    applyEvent(state, { type: 'resume', at: '2027-01-15T09:00:00Z' }, Date.parse('2027-01-15T09:00:00Z'));
    expect(new Date(state.obligations[0]!.dueAt).toISOString()).toBe('2027-01-30T09:00:00.000Z');
    expect(state.obligations[0]!.pausedMs).toBe(10 * 86_400_000);
    expect(state.status).toBe('assessment');
  });

  it('when a case is reassigned, then the new people are who the workflow will address', () => {
    const state = freshCase();
    applyEvent(
      state,
      { type: 'reassigned', caseManagerId: 'cm-2', supervisorId: 'sup-2', at },
      Date.parse(at),
    );
    expect(state).toMatchObject({ caseManagerId: 'cm-2', supervisorId: 'sup-2' });
  });

  it('when closure is returned, then the case goes back; when approved, it is closed and refuses everything', () => {
    const state = { ...freshCase(), status: 'active' as const };
    applyEvent(state, { type: 'closure_requested', at }, Date.parse(at));
    expect(state.status).toBe('closing');
    expect(() => checkEvent(state, { type: 'closure_requested', at })).toThrow(/already/);
    applyEvent(state, { type: 'closure_decided', decision: 'returned', at }, Date.parse(at));
    expect(state.status).toBe('active');
    expect(() => checkEvent(state, { type: 'closure_decided', decision: 'approved', at })).toThrow(
      EventRefused,
    );
    applyEvent(state, { type: 'closure_requested', at }, Date.parse(at));
    applyEvent(state, { type: 'closure_decided', decision: 'approved', at }, Date.parse(at));
    expect(state.status).toBe('closed');
    expect(() => checkEvent(state, { type: 'note_added', noteType: 'contact', at })).toThrow(/closed/);
  });

  it('when an event carries an impossible time, then it is refused before it changes anything', () => {
    expect(() => checkEvent(freshCase(), { type: 'hold', at: 'yesterday' })).toThrow(/not a valid time/);
  });
});
