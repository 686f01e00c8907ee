import fc from 'fast-check';
import { isBusinessDay, toLocal } from '../../src/core/business-time';
import { DEFAULT_POLICY, type ProgramPolicy } from '../../src/core/policy';
import {
  applyEvent,
  checkEvent,
  EventRefused,
  initialCaseState,
  type CaseState,
} from '../../src/workflows/case-state';
import { nextStep, pendingSteps, recipientId } from '../../src/workflows/schedule';
import { releaseOffsetMinutes } from '../../src/core/release-spread';
import type { CaseCalendar, CaseWorkflowInput, Obligation } from '../../src/core/case-contract';

const DAY = 86_400_000;
const t = (s: string): number => Date.parse(s);
const iso = (ms: number): string => new Date(ms).toISOString();

function newCase(
  openedAt: string,
  opts: {
    calendar?: CaseCalendar;
    policy?: ProgramPolicy;
    zones?: Record<string, string>;
    caseId?: string;
    releaseSpreadMinutes?: number;
  } = {},
): CaseState {
  const input: CaseWorkflowInput = {
    caseId: opts.caseId ?? 'case-1',
    caseReference: 'C-1',
    programId: 'prog-1',
    caseManagerId: 'cm-1',
    supervisorId: 'sup-1',
    programManagerId: 'pm-1',
    riskLevel: 'medium',
    openedAt,
    policy: opts.policy ?? DEFAULT_POLICY,
    policyVersion: 1,
    calendar: opts.calendar ?? { timeZone: 'UTC', holidays: [] },
    zones: opts.zones ?? {},
    ...(opts.releaseSpreadMinutes === undefined ? {} : { releaseSpreadMinutes: opts.releaseSpreadMinutes }),
  };
  return initialCaseState(input);
}

const find = (s: CaseState, id: string): Obligation => {
  const o = s.obligations.find((x) => x.id === id);
  if (!o) throw new Error(`no obligation ${id} in ${s.obligations.map((x) => x.id).join(', ')}`);
  return o;
};
const openIds = (s: CaseState): string[] =>
  s.obligations.filter((o) => o.metAt === undefined).map((o) => o.id);

function assessed(s: CaseState, at: string, kind: 'initial' | 'reassessment' = 'initial'): void {
  applyEvent(s, { type: 'assessment_recorded', assessmentId: `a-${at}`, kind, completedAt: at }, t(at));
}

describe('case obligations: what is owed when (program calendar, UTC)', () => {
  it('when a case is opened on a Wednesday, then the initial assessment is due 14 days later at the same time', () => {
    const s = newCase('2027-01-06T10:00:00Z');
    expect(openIds(s)).toEqual(['initial-assessment']);
    expect(iso(find(s, 'initial-assessment').dueAt)).toBe('2027-01-20T10:00:00.000Z');
  });

  it('when 14 days after intake is a Saturday, then the assessment is due on the Monday', () => {
    const s = newCase('2027-01-09T10:00:00Z');
    expect(iso(find(s, 'initial-assessment').dueAt)).toBe('2027-01-25T10:00:00.000Z');
  });

  it('when the due day is a program holiday, then it moves to the next business day', () => {
    const s = newCase('2027-01-06T10:00:00Z', { calendar: { timeZone: 'UTC', holidays: ['2027-01-20'] } });
    expect(iso(find(s, 'initial-assessment').dueAt)).toBe('2027-01-21T10:00:00.000Z');
  });

  it('when intake is before a daylight-saving change in Berlin, then the due time keeps its wall-clock hour', () => {
    // 09:00 CET on 17 March is 08:00Z; 14 days later clocks have gone forward: 09:00 CEST is 07:00Z.
    const s = newCase('2027-03-17T08:00:00Z', { calendar: { timeZone: 'Europe/Berlin', holidays: [] } });
    expect(iso(find(s, 'initial-assessment').dueAt)).toBe('2027-03-31T07:00:00.000Z');
  });

  it('when the initial assessment is recorded, then the plan and the first reassessment are due from its time', () => {
    const s = newCase('2027-01-06T10:00:00Z');
    assessed(s, '2027-01-13T15:00:00Z');
    expect(s.status).toBe('planning');
    expect(find(s, 'initial-assessment').metBecause).toBe('assessment recorded');
    expect(openIds(s)).toEqual(['service-plan-1', 'reassessment-2']);
    expect(iso(find(s, 'service-plan-1').dueAt)).toBe('2027-02-12T15:00:00.000Z');
    expect(iso(find(s, 'reassessment-2').dueAt)).toBe('2027-04-13T15:00:00.000Z');
  });

  it('when a reassessment is done early, then the next one counts from it', () => {
    const s = newCase('2027-01-06T10:00:00Z');
    assessed(s, '2027-01-13T15:00:00Z');
    assessed(s, '2027-03-01T15:00:00Z', 'reassessment');
    expect(find(s, 'reassessment-2').metBecause).toBe('reassessment recorded');
    expect(iso(find(s, 'reassessment-3').dueAt)).toBe('2027-05-31T15:00:00.000Z');
  });

  it('when the risk level rises to high, then the open reassessment is re-derived from the same anchor at 30 days', () => {
    const s = newCase('2027-01-06T10:00:00Z');
    assessed(s, '2027-01-13T15:00:00Z');
    applyEvent(
      s,
      { type: 'risk_changed', riskLevel: 'high', at: '2027-01-20T09:00:00Z' },
      t('2027-01-20T09:00:00Z'),
    );
    expect(iso(find(s, 'reassessment-2').dueAt)).toBe('2027-02-12T15:00:00.000Z');
    expect(s.decisions.at(-1)).toMatchObject({ what: 'rescheduled', obligationId: 'reassessment-2' });
  });

  it('when a plan is submitted on a Friday, then the supervisor has five business days: the next Friday', () => {
    const s = newCase('2027-01-06T10:00:00Z');
    assessed(s, '2027-01-13T15:00:00Z');
    applyEvent(
      s,
      { type: 'plan_submitted', planId: 'p1', at: '2027-01-22T11:00:00Z' },
      t('2027-01-22T11:00:00Z'),
    );
    expect(find(s, 'service-plan-1').metBecause).toBe('plan submitted');
    expect(iso(find(s, 'plan-approval-p1').dueAt)).toBe('2027-01-29T11:00:00.000Z');
  });

  it('when a plan is returned, then the service plan is owed again from the return', () => {
    const s = newCase('2027-01-06T10:00:00Z');
    assessed(s, '2027-01-13T15:00:00Z');
    applyEvent(
      s,
      { type: 'plan_submitted', planId: 'p1', at: '2027-01-22T11:00:00Z' },
      t('2027-01-22T11:00:00Z'),
    );
    applyEvent(
      s,
      { type: 'plan_decided', planId: 'p1', decision: 'returned', at: '2027-01-25T11:00:00Z', goals: [] },
      t('2027-01-25T11:00:00Z'),
    );
    expect(find(s, 'plan-approval-p1').metBecause).toBe('plan returned');
    expect(openIds(s)).toContain('service-plan-3');
    expect(s.status).toBe('planning');
  });

  it('when a plan is approved, then the case is active with goal targets and a stalled-plan window', () => {
    const s = newCase('2027-01-06T10:00:00Z');
    assessed(s, '2027-01-13T15:00:00Z');
    applyEvent(
      s,
      { type: 'plan_submitted', planId: 'p1', at: '2027-01-22T11:00:00Z' },
      t('2027-01-22T11:00:00Z'),
    );
    applyEvent(
      s,
      {
        type: 'plan_decided',
        planId: 'p1',
        decision: 'approved',
        at: '2027-01-25T11:00:00Z',
        goals: [{ goalId: 'g1', targetDate: '2027-06-30' }],
      },
      t('2027-01-25T11:00:00Z'),
    );
    expect(s.status).toBe('active');
    expect(iso(find(s, 'goal-g1').dueAt)).toBe('2027-06-30T00:00:00.000Z');
    expect(iso(find(s, 'stalled-plan-3').dueAt)).toBe('2027-02-24T11:00:00.000Z');

    // A note slides the window while nothing has been sent for it yet.
    applyEvent(
      s,
      { type: 'note_added', noteType: 'contact', at: '2027-02-10T09:00:00Z' },
      t('2027-02-10T09:00:00Z'),
    );
    expect(iso(find(s, 'stalled-plan-3').dueAt)).toBe('2027-03-12T09:00:00.000Z');

    // Once it has reminded, activity meets it and a fresh window opens.
    find(s, 'stalled-plan-3').sent.push('heads_up');
    applyEvent(
      s,
      { type: 'goal_progress', goalId: 'g1', status: 'achieved', at: '2027-03-11T09:00:00Z' },
      t('2027-03-11T09:00:00Z'),
    );
    expect(find(s, 'stalled-plan-3').metBecause).toBe('plan activity recorded');
    expect(find(s, 'goal-g1').metBecause).toBe('goal achieved');
    expect(iso(find(s, 'stalled-plan-4').dueAt)).toBe('2027-04-12T09:00:00.000Z');
  });

  it('when a referral is accepted and later completed, then the response chase stops first and the outcome watch second', () => {
    const s = newCase('2027-01-06T10:00:00Z');
    applyEvent(
      s,
      { type: 'referral_made', referralId: 'r1', at: '2027-01-07T10:00:00Z' },
      t('2027-01-07T10:00:00Z'),
    );
    expect(iso(find(s, 'referral-response-r1').dueAt)).toBe('2027-01-14T10:00:00.000Z');
    expect(iso(find(s, 'referral-outcome-r1').dueAt)).toBe('2027-01-28T10:00:00.000Z');
    applyEvent(
      s,
      { type: 'referral_updated', referralId: 'r1', status: 'accepted', at: '2027-01-09T10:00:00Z' },
      t('2027-01-09T10:00:00Z'),
    );
    expect(find(s, 'referral-response-r1').metBecause).toBe('provider answered (accepted)');
    expect(openIds(s)).toContain('referral-outcome-r1');
    applyEvent(
      s,
      { type: 'referral_updated', referralId: 'r1', status: 'completed', at: '2027-01-20T10:00:00Z' },
      t('2027-01-20T10:00:00Z'),
    );
    expect(openIds(s)).not.toContain('referral-outcome-r1');
  });

  it('when a case resumes after ten days on hold, then every open deadline moves by the paused span', () => {
    const s = newCase('2027-01-06T10:00:00Z');
    applyEvent(s, { type: 'hold', at: '2027-01-08T10:00:00Z' }, t('2027-01-08T10:00:00Z'));
    expect(() => checkEvent(s, { type: 'hold', at: '2027-01-08T10:00:00Z' })).toThrow(EventRefused);
    applyEvent(s, { type: 'resume', at: '2027-01-18T10:00:00Z' }, t('2027-01-18T10:00:00Z'));
    expect(s.status).toBe('assessment');
    expect(find(s, 'initial-assessment').pausedMs).toBe(10 * DAY);
    expect(iso(find(s, 'initial-assessment').dueAt)).toBe('2027-02-01T10:00:00.000Z'); // Sat 30th → Mon
  });

  it('when closure is approved, then every clock ends and the case refuses further events', () => {
    const s = newCase('2027-01-06T10:00:00Z');
    applyEvent(s, { type: 'closure_requested', at: '2027-01-08T10:00:00Z' }, t('2027-01-08T10:00:00Z'));
    expect(s.status).toBe('closing');
    expect(iso(find(s, 'closure-approval-1').dueAt)).toBe('2027-01-15T10:00:00.000Z');
    applyEvent(
      s,
      { type: 'closure_decided', decision: 'approved', at: '2027-01-09T10:00:00Z' },
      t('2027-01-09T10:00:00Z'),
    );
    expect(s.status).toBe('closed');
    expect(openIds(s)).toEqual([]);
    expect(find(s, 'initial-assessment').metBecause).toBe('case closed');
    expect(() =>
      checkEvent(s, { type: 'note_added', noteType: 'contact', at: '2027-01-10T10:00:00Z' }),
    ).toThrow(EventRefused);
  });

  it('when closure is returned, then the case goes back to where it was', () => {
    const s = newCase('2027-01-06T10:00:00Z');
    applyEvent(s, { type: 'closure_requested', at: '2027-01-08T10:00:00Z' }, t('2027-01-08T10:00:00Z'));
    applyEvent(
      s,
      { type: 'closure_decided', decision: 'returned', at: '2027-01-09T10:00:00Z' },
      t('2027-01-09T10:00:00Z'),
    );
    expect(s.status).toBe('assessment');
    expect(openIds(s)).toEqual(['initial-assessment']);
  });

  it('when closure is pending on a case that pauses clocks, then only closure approval runs, and a return moves every other deadline by the wait', () => {
    const s = newCase('2027-01-06T10:00:00Z');
    assessed(s, '2027-01-06T10:00:00Z');
    const planDue = find(s, 'service-plan-1').dueAt;
    applyEvent(s, { type: 'closure_requested', at: '2027-01-08T10:00:00Z' }, t('2027-01-08T10:00:00Z'), {
      closurePausesClocks: true,
    });
    // Everything pending is closure approval's: the plan and reassessment ladders are paused.
    const pending = pendingSteps(s);
    expect(pending.length).toBeGreaterThan(0);
    expect(new Set(pending.map((p) => p.obligation.kind))).toEqual(new Set(['closure_approval']));
    expect(nextStep(s, t('2027-02-20T10:00:00Z'))?.obligation.kind).toBe('closure_approval');

    applyEvent(
      s,
      { type: 'closure_decided', decision: 'returned', at: '2027-01-18T10:00:00Z' },
      t('2027-01-18T10:00:00Z'),
    );
    expect(s.status).toBe('planning');
    expect(s.closingSince).toBeUndefined();
    expect(find(s, 'service-plan-1').pausedMs).toBe(10 * DAY);
    expect(find(s, 'service-plan-1').dueAt - planDue).toBeGreaterThanOrEqual(10 * DAY);
    expect(find(s, 'closure-approval-3').metBecause).toBe('closure returned');
    expect(new Set(pendingSteps(s).map((p) => p.obligation.kind))).toEqual(
      new Set(['service_plan', 'reassessment']),
    );
  });

  it('when a case that pauses clocks goes on hold while closing, then the hold span is not counted twice', () => {
    const s = newCase('2027-01-06T10:00:00Z');
    const opts = { closurePausesClocks: true };
    applyEvent(s, { type: 'closure_requested', at: '2027-01-08T10:00:00Z' }, t('2027-01-08T10:00:00Z'), opts);
    applyEvent(s, { type: 'hold', at: '2027-01-10T10:00:00Z' }, t('2027-01-10T10:00:00Z'));
    applyEvent(s, { type: 'resume', at: '2027-01-13T10:00:00Z' }, t('2027-01-13T10:00:00Z'));
    applyEvent(
      s,
      { type: 'closure_decided', decision: 'returned', at: '2027-01-15T10:00:00Z' },
      t('2027-01-15T10:00:00Z'),
    );
    // 2 days closing, 3 on hold, 2 closing again: 7 days in all.
    expect(find(s, 'initial-assessment').pausedMs).toBe(7 * DAY);
  });

  it('when closure is pending on an older case (before the patch), then its other reminders keep running', () => {
    const s = newCase('2027-01-06T10:00:00Z');
    applyEvent(s, { type: 'closure_requested', at: '2027-01-08T10:00:00Z' }, t('2027-01-08T10:00:00Z'));
    expect(s.closingSince).toBeUndefined();
    expect(pendingSteps(s).map((p) => p.obligation.kind)).toContain('initial_assessment');
  });

  it('when a reassignment arrives, then the new people and their time zones are who the case addresses', () => {
    const s = newCase('2027-01-06T10:00:00Z');
    applyEvent(
      s,
      {
        type: 'reassigned',
        caseManagerId: 'cm-2',
        supervisorId: 'sup-2',
        at: '2027-01-07T10:00:00Z',
        zones: { 'cm-2': 'America/New_York' },
      },
      t('2027-01-07T10:00:00Z'),
    );
    expect(s).toMatchObject({
      caseManagerId: 'cm-2',
      supervisorId: 'sup-2',
      zones: { 'cm-2': 'America/New_York' },
    });
  });

  it('when the program manager changes, then the program-manager escalation goes to the new one, in their time zone', () => {
    const s = newCase('2027-01-06T10:00:00Z');
    applyEvent(
      s,
      {
        type: 'program_manager_changed',
        programManagerId: 'pm-2',
        at: '2027-01-07T10:00:00Z',
        zones: { 'pm-2': 'Asia/Tokyo' },
      },
      t('2027-01-07T10:00:00Z'),
    );
    expect(s).toMatchObject({ programManagerId: 'pm-2', zones: { 'pm-2': 'Asia/Tokyo' } });
    expect(recipientId(s, 'program_manager')).toBe('pm-2');
    applyEvent(
      s,
      { type: 'program_manager_changed', programManagerId: null, at: '2027-01-08T10:00:00Z' },
      t('2027-01-08T10:00:00Z'),
    );
    expect(recipientId(s, 'program_manager')).toBeUndefined();
  });

  it("when a staff member's time zone changes, then their steps keep to working hours in the new zone and nothing else moves", () => {
    // Intake Wednesday 6 January, due Wednesday 20th: the heads-up falls on Sunday 17th 10:00 UTC and
    // waits for Monday 08:00, in UTC before the change and in New York (13:00 UTC) after it.
    const s = newCase('2027-01-06T10:00:00Z', { zones: { 'cm-1': 'UTC', 'sup-1': 'UTC' } });
    const dueBefore = find(s, 'initial-assessment').dueAt;
    expect(iso(pendingSteps(s)[0]!.sendAt)).toBe('2027-01-18T08:00:00.000Z');
    applyEvent(
      s,
      {
        type: 'time_zone_changed',
        staffId: 'cm-1',
        timeZone: 'America/New_York',
        at: '2027-01-07T10:00:00Z',
      },
      t('2027-01-07T10:00:00Z'),
    );
    expect(s.zones).toEqual({ 'cm-1': 'America/New_York', 'sup-1': 'UTC' });
    expect(find(s, 'initial-assessment').dueAt).toBe(dueBefore);
    expect(iso(pendingSteps(s)[0]!.sendAt)).toBe('2027-01-18T13:00:00.000Z');
    expect(s.caseManagerId).toBe('cm-1');
  });

  it('for any intake time and holidays, the initial assessment falls on a business day, 14 to 30 days out', () => {
    const zones = ['UTC', 'Europe/Berlin', 'America/Los_Angeles', 'Australia/Sydney'];
    fc.assert(
      fc.property(
        fc.integer({ min: t('2026-01-01T00:00:00Z'), max: t('2030-12-31T00:00:00Z') }),
        fc.constantFrom(...zones),
        fc.array(fc.integer({ min: 0, max: 40 }), { maxLength: 6 }),
        (openedAt, timeZone, holidayOffsets) => {
          const holidays = holidayOffsets.map((d) => iso(openedAt + d * DAY).slice(0, 10));
          const s = newCase(iso(openedAt), { calendar: { timeZone, holidays } });
          const due = find(s, 'initial-assessment').dueAt;
          expect(isBusinessDay(due, { timeZone, holidays })).toBe(true);
          expect(due - openedAt).toBeGreaterThanOrEqual(14 * DAY - 2 * 3_600_000);
          expect(due - openedAt).toBeLessThanOrEqual(30 * DAY);
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe('case schedule: what leaves when', () => {
  it('when a heads-up falls at 03:00 for a case manager in New York, then it waits for 08:00 their time', () => {
    // Due Monday 2027-01-25 08:00Z = 03:00 EST; heads-up Friday 22nd 03:00 EST → held to 08:00 EST (13:00Z).
    const s = newCase('2027-01-11T08:00:00Z', { zones: { 'cm-1': 'America/New_York' } });
    const headsUp = pendingSteps(s).find((x) => x.kind === 'heads_up')!;
    expect(iso(headsUp.at)).toBe('2027-01-22T08:00:00.000Z');
    expect(iso(headsUp.sendAt)).toBe('2027-01-22T13:00:00.000Z');
    expect(toLocal(headsUp.sendAt, 'America/New_York')).toMatchObject({ hour: 8, minute: 0 });
  });

  describe('with a release spread of 15 minutes', () => {
    // A case whose id puts it at minute 7 of the spread (the offset is a fixed function of the id).
    const caseId = Array.from({ length: 200 }, (_, i) => `spread-${i}`).find(
      (id) => releaseOffsetMinutes(id, 15) === 7,
    )!;
    const spreadCase = (opts: Parameters<typeof newCase>[1] = {}) =>
      newCase('2027-01-11T08:00:00Z', { caseId, releaseSpreadMinutes: 15, ...opts });

    it('when a heads-up is held overnight, then it leaves at the case’s own minute after the working start', () => {
      const s = spreadCase({ zones: { 'cm-1': 'America/New_York' } });
      expect(s.releaseOffsetMinutes).toBe(7);
      const headsUp = pendingSteps(s).find((x) => x.kind === 'heads_up')!;
      expect(iso(headsUp.at)).toBe('2027-01-22T08:00:00.000Z');
      expect(iso(headsUp.sendAt)).toBe('2027-01-22T13:07:00.000Z');
    });

    it('when a step falls inside working hours, then it leaves at its own time, not shifted', () => {
      // Opened Monday 08:00 UTC; the heads-up (Friday 08:00 UTC) is inside the UTC working day.
      const s = spreadCase();
      const headsUp = pendingSteps(s).find((x) => x.kind === 'heads_up')!;
      expect(iso(headsUp.sendAt)).toBe('2027-01-22T08:00:00.000Z');
    });

    it('when a missed reminder is found in the evening, then it waits for the next morning at the case’s minute', () => {
      const s = newCase('2027-01-06T10:00:00Z', { caseId, releaseSpreadMinutes: 15 });
      const step = nextStep(s, t('2027-01-18T19:00:00Z'))!;
      expect(step.kind).toBe('heads_up');
      expect(iso(step.sendAt)).toBe('2027-01-19T08:07:00.000Z');
      // Looked at again inside working hours (a message woke the case at 08:03), a step already late
      // leaves at once, as any late step does then: the spread only places held releases.
      expect(nextStep(s, t('2027-01-19T08:03:00Z'))!.sendAt).toBeLessThanOrEqual(t('2027-01-19T08:03:00Z'));
    });

    it('when a held heads-up’s minute would come after the due notice, then it leaves with the due notice, which supersedes it', () => {
      // Opened Monday 08:02: due Monday the 25th 08:02; the heads-up two days before is a Saturday,
      // held to Monday 08:07, after the due notice.
      const s = newCase('2027-01-11T08:02:00Z', {
        caseId,
        releaseSpreadMinutes: 15,
        policy: { ...DEFAULT_POLICY, ladder: { ...DEFAULT_POLICY.ladder, headsUpBefore: 'P2D' } },
      });
      const [headsUp, due] = pendingSteps(s);
      expect([headsUp?.kind, iso(headsUp!.sendAt)]).toEqual(['heads_up', '2027-01-25T08:02:00.000Z']);
      expect([due?.kind, iso(due!.sendAt)]).toEqual(['due', '2027-01-25T08:02:00.000Z']);
      expect(nextStep(s, t('2027-01-25T08:02:00Z'))?.kind).toBe('due');
      expect(find(s, 'initial-assessment').skipped).toEqual(['heads_up']);
    });

    it('when the program is urgent, then nothing is held and nothing is shifted', () => {
      const s = spreadCase({
        zones: { 'cm-1': 'America/New_York' },
        policy: { ...DEFAULT_POLICY, urgent: true },
      });
      const headsUp = pendingSteps(s).find((x) => x.kind === 'heads_up')!;
      expect(headsUp.sendAt).toBe(headsUp.at);
    });

    it('when a case started without a spread, then its held reminders leave at the working start', () => {
      const s = newCase('2027-01-11T08:00:00Z', { caseId, zones: { 'cm-1': 'America/New_York' } });
      expect(s.releaseOffsetMinutes).toBeUndefined();
      const headsUp = pendingSteps(s).find((x) => x.kind === 'heads_up')!;
      expect(iso(headsUp.sendAt)).toBe('2027-01-22T13:00:00.000Z');
    });
  });

  it('when the program is urgent, then reminders leave at the ladder time whatever the hour', () => {
    const s = newCase('2027-01-11T08:00:00Z', {
      zones: { 'cm-1': 'America/New_York' },
      policy: { ...DEFAULT_POLICY, urgent: true },
    });
    const headsUp = pendingSteps(s).find((x) => x.kind === 'heads_up')!;
    expect(headsUp.sendAt).toBe(headsUp.at);
  });

  it('when several reminders are already due after an outage, then only the latest goes and the rest are skipped', () => {
    const s = newCase('2027-01-06T10:00:00Z');
    // Due on the 20th; overdue 1 on Saturday the 23rd is held to Monday 08:00, overdue 2 is Tuesday 10:00,
    // and the supervisor escalation (Monday 10:00) is the oldest thing left once the reminders collapse.
    const now = t('2027-01-26T10:30:00Z');
    const step = nextStep(s, now)!;
    const o = find(s, 'initial-assessment');
    expect(step.kind).toBe('escalate_supervisor');
    expect(o.skipped).toEqual(['heads_up', 'due', 'overdue_1']);
    o.sent.push(step.id);
    expect(nextStep(s, now)).toMatchObject({ kind: 'overdue', n: 2 });
    expect(s.decisions.filter((d) => d.what === 'skipped')).not.toHaveLength(0);
  });

  it('when a reminder was missed and it is now evening, then it waits for the next morning rather than leaving at once', () => {
    // Opened Wednesday the 6th, due Wednesday the 20th; the heads-up (Sunday the 17th, held to Monday
    // 08:00) was missed because the worker was down all Monday.
    const s = newCase('2027-01-06T10:00:00Z');
    const step = nextStep(s, t('2027-01-18T19:00:00Z'))!;
    expect(step.kind).toBe('heads_up');
    expect(iso(step.sendAt)).toBe('2027-01-19T08:00:00.000Z');
    // Inside working hours a late step leaves immediately, not at the next minute.
    const late = nextStep(s, t('2027-01-19T09:30:10Z'))!;
    expect(late.kind).toBe('heads_up');
    expect(late.sendAt).toBeLessThanOrEqual(t('2027-01-19T09:30:10Z'));
  });

  it('when a step is due at an odd second, then it leaves at the next whole minute', () => {
    const s = newCase('2027-01-06T10:00:07.250Z');
    const due = pendingSteps(s).find((x) => x.kind === 'due')!;
    expect(iso(due.at)).toBe('2027-01-20T10:00:07.250Z');
    expect(iso(due.sendAt)).toBe('2027-01-20T10:01:00.000Z');
  });

  it('when an escalation is due, then it is never skipped in favour of a later reminder', () => {
    const s = newCase('2027-01-06T10:00:00Z');
    const o = find(s, 'initial-assessment');
    o.sent.push('heads_up', 'due', 'overdue_1');
    const step = nextStep(s, t('2027-02-10T12:00:00Z'))!;
    expect(step.kind).toBe('escalate_supervisor');
  });

  it('when plan approval is overdue, then reminders go to the supervisor and the escalation to the program manager', () => {
    const s = newCase('2027-01-06T10:00:00Z');
    applyEvent(
      s,
      { type: 'plan_submitted', planId: 'p1', at: '2027-01-22T11:00:00Z' },
      t('2027-01-22T11:00:00Z'),
    );
    const steps = pendingSteps(s).filter((x) => x.obligation.kind === 'plan_approval');
    expect(steps.map((x) => `${x.id}:${x.to}`)).toEqual([
      'due:supervisor',
      'overdue_1:supervisor',
      'escalate_program_manager:program_manager',
      'overdue_2:supervisor',
      'overdue_3:supervisor',
      'overdue_4:supervisor',
      'overdue_5:supervisor',
    ]);
  });

  describe("when the supervisor's escalation sits unacknowledged", () => {
    /**
     * Opened Monday 11 January: due Monday the 25th, the supervisor escalation (due + 5 days, a
     * Saturday) held to Monday 1 February 08:00. Sending it is what the workflow records (fire() in
     * case-lifecycle.ts): the step is sent and a level-1 escalation raised at its send time.
     */
    function escalatedToSupervisor(opts: Parameters<typeof newCase>[1] = {}) {
      const s = newCase('2027-01-11T10:00:00Z', opts);
      const o = find(s, 'initial-assessment');
      const supervisor = pendingSteps(s).find((x) => x.obligation === o && x.kind === 'escalate_supervisor')!;
      o.sent.push(
        ...pendingSteps(s)
          .filter((x) => x.obligation === o && x.sendAt <= supervisor.sendAt)
          .map((x) => x.id),
      );
      o.escalation = { level: 1, raisedAt: supervisor.sendAt };
      return { s, o, raisedAt: supervisor.sendAt };
    }
    const toProgramManager = (s: CaseState) =>
      pendingSteps(s)
        .filter((x) => x.kind === 'escalate_program_manager')
        .map((x) => ({ id: x.id, to: x.to, at: iso(x.at), sendAt: iso(x.sendAt) }));

    it('then the program manager is escalated two business days after it was raised, a holiday not counted', () => {
      const { s, raisedAt } = escalatedToSupervisor({
        calendar: { timeZone: 'UTC', holidays: ['2027-02-02'] },
      });
      expect(iso(raisedAt)).toBe('2027-02-01T08:00:00.000Z');
      // Wednesday the 3rd and Thursday the 4th are the two business days (Tuesday is a holiday).
      expect(toProgramManager(s)).toEqual([
        {
          id: 'escalate_program_manager',
          to: 'program_manager',
          at: '2027-02-04T08:00:00.000Z',
          sendAt: '2027-02-04T08:00:00.000Z',
        },
      ]);
      expect(recipientId(s, 'program_manager')).toBe('pm-1');
    });

    it('then, raised on a Friday, the program manager hears on Tuesday, not over the weekend', () => {
      const { s, o } = escalatedToSupervisor();
      o.escalation = { level: 1, raisedAt: t('2027-02-05T10:00:00Z') };
      expect(toProgramManager(s)).toMatchObject([{ at: '2027-02-09T10:00:00.000Z' }]);
    });

    it('then, under a minute-scale policy, the program manager hears after the elapsed minutes', () => {
      const policy = {
        ...DEFAULT_POLICY,
        ladder: { ...DEFAULT_POLICY.ladder, escalateToProgramManagerAfter: 'PT2M' },
      };
      const { s, raisedAt } = escalatedToSupervisor({ policy });
      expect(toProgramManager(s)).toMatchObject([{ at: iso(raisedAt + 2 * 60_000) }]);
    });

    it('then, once acknowledged or once sent, nothing goes to the program manager', () => {
      const acknowledged = escalatedToSupervisor();
      acknowledged.o.escalation!.acknowledgedAt = t('2027-02-02T09:00:00Z');
      expect(toProgramManager(acknowledged.s)).toEqual([]);
      const sent = escalatedToSupervisor();
      sent.o.sent.push('escalate_program_manager');
      sent.o.escalation = { ...sent.o.escalation!, level: 2 };
      expect(toProgramManager(sent.s)).toEqual([]);
    });

    it('then, before the supervisor was escalated to, no program-manager step is planned', () => {
      const s = newCase('2027-01-11T10:00:00Z');
      expect(toProgramManager(s)).toEqual([]);
    });
  });

  it('when a referral gets no answer, then the case manager is chased and the supervisor hears at 21 days', () => {
    const s = newCase('2027-01-06T10:00:00Z', {
      policy: { ...DEFAULT_POLICY, referralProviderFollowUp: true },
    });
    applyEvent(
      s,
      { type: 'referral_made', referralId: 'r1', at: '2027-01-07T10:00:00Z' },
      t('2027-01-07T10:00:00Z'),
    );
    const steps = pendingSteps(s).filter((x) => x.obligation.subjectId === 'r1');
    expect(steps.slice(0, 3).map((x) => `${x.obligation.kind}:${x.id}:${x.to}`)).toEqual([
      'referral_response:due:case_manager',
      'referral_response:provider_follow_up:provider',
      'referral_response:overdue_1:case_manager',
    ]);
    expect(steps.find((x) => x.kind === 'escalate_supervisor')).toMatchObject({
      to: 'supervisor',
      at: t('2027-01-28T10:00:00Z'),
    });
  });
});

describe('news of requests and decisions (patch decisions-told)', () => {
  const at = (d: number): string => iso(t('2027-03-01T10:00:00Z') + d * DAY);
  const lived = (tellDecisions: boolean): CaseState => {
    const s = newCase(at(0));
    const apply = (event: Parameters<typeof applyEvent>[1], d: number) =>
      applyEvent(s, event, t(at(d)), { tellDecisions, closurePausesClocks: true });
    apply({ type: 'assessment_recorded', assessmentId: 'a', kind: 'initial', completedAt: at(1) }, 1);
    apply({ type: 'plan_submitted', planId: 'p1', at: at(2) }, 2);
    apply({ type: 'plan_decided', planId: 'p1', decision: 'returned', goals: [], at: at(3) }, 3);
    apply({ type: 'reassigned', caseManagerId: 'cm-2', supervisorId: 'sup-2', at: at(4) }, 4);
    apply({ type: 'plan_submitted', planId: 'p2', at: at(5) }, 5);
    apply({ type: 'plan_decided', planId: 'p2', decision: 'approved', goals: [], at: at(6) }, 6);
    apply({ type: 'closure_requested', at: at(7) }, 7);
    apply({ type: 'closure_decided', decision: 'returned', at: at(8) }, 8);
    apply({ type: 'closure_requested', at: at(9) }, 9);
    apply({ type: 'closure_decided', decision: 'approved', at: at(10) }, 10);
    return s;
  };

  it('when plans and closures are requested and decided, then each is queued once for the person then on the case, requests with their decision due time', () => {
    const s = lived(true);
    const approvalDue = (id: string) => iso(find(s, id).dueAt);
    expect(s.news).toEqual([
      {
        what: 'plan_submitted',
        planId: 'p1',
        at: at(2),
        to: 'supervisor',
        staffId: 'sup-1',
        decideBy: approvalDue('plan-approval-p1'),
      },
      { what: 'plan_returned', planId: 'p1', at: at(3), to: 'case_manager', staffId: 'cm-1' },
      {
        what: 'plan_submitted',
        planId: 'p2',
        at: at(5),
        to: 'supervisor',
        staffId: 'sup-2',
        decideBy: approvalDue('plan-approval-p2'),
      },
      { what: 'plan_approved', planId: 'p2', at: at(6), to: 'case_manager', staffId: 'cm-2' },
      {
        what: 'closure_requested',
        at: at(7),
        to: 'supervisor',
        staffId: 'sup-2',
        decideBy: expect.any(String),
      },
      { what: 'closure_returned', at: at(8), to: 'case_manager', staffId: 'cm-2' },
      {
        what: 'closure_requested',
        at: at(9),
        to: 'supervisor',
        staffId: 'sup-2',
        decideBy: expect.any(String),
      },
      { what: 'closure_approved', at: at(10), to: 'case_manager', staffId: 'cm-2' },
    ]);
    // Five business days after the request (a Monday): the following Monday.
    expect(s.news?.[4]?.decideBy).toBe(at(14));
  });

  it('when the workflow does not tell decisions (a case that started before the patch), then nothing is queued and the clocks are the same', () => {
    const told = lived(true);
    const silent = lived(false);
    expect(silent.news).toBeUndefined();
    expect(silent.obligations).toEqual(told.obligations);
  });
});

describe("escalation past the supervisor's own work (patch 'escalation-passes-doer')", () => {
  /** A case the supervisor carries themselves (older cases may be), on a run past the patch or not. */
  const carriedBySupervisor = (passes: boolean, programManagerId?: string | null): CaseState => {
    const s = newCase('2027-01-11T10:00:00Z');
    s.caseManagerId = s.supervisorId;
    if (programManagerId === null) delete s.programManagerId;
    if (passes) s.escalationPassesDoer = true;
    return s;
  };
  const escalations = (s: CaseState) =>
    pendingSteps(s)
      .filter((p) => p.obligation.id === 'initial-assessment' && p.kind.startsWith('escalate'))
      .map((p) => ({ kind: p.kind, to: recipientId(s, p.to, p.obligation), at: iso(p.at) }));
  const supervisorTime = escalations(newCase('2027-01-11T10:00:00Z'))[0]!.at;

  it('when the supervisor carries the case, then its escalation goes to the program manager at the time it would have gone to them, and no second one follows', () => {
    const s = carriedBySupervisor(true);
    expect(escalations(s)).toEqual([{ kind: 'escalate_program_manager', to: 'pm-1', at: supervisorTime }]);
    // Sent: the escalation is at the top rung, so no follow-up to the program manager is planned.
    const step = pendingSteps(s).find((p) => p.kind === 'escalate_program_manager')!;
    find(s, 'initial-assessment').sent.push(step.id);
    find(s, 'initial-assessment').escalation = { level: 2, raisedAt: step.sendAt };
    expect(escalations(s)).toEqual([]);
  });

  it('when the program has no manager, then the escalation stays with the supervisor: someone still hears of it', () => {
    expect(escalations(carriedBySupervisor(true, null))).toEqual([
      { kind: 'escalate_supervisor', to: 'sup-1', at: supervisorTime },
    ]);
  });

  it('when the run is older than the patch, then the supervisor is escalated to, as before', () => {
    expect(escalations(carriedBySupervisor(false))).toEqual([
      { kind: 'escalate_supervisor', to: 'sup-1', at: supervisorTime },
    ]);
  });

  it('when a case manager carries the case, then the escalation goes to the supervisor', () => {
    const s = newCase('2027-01-11T10:00:00Z');
    s.escalationPassesDoer = true;
    expect(escalations(s)).toEqual([{ kind: 'escalate_supervisor', to: 'sup-1', at: supervisorTime }]);
  });

  it('when the supervisor was already escalated to before the patch, then the follow-up to the program manager stands and nothing is sent twice', () => {
    const s = carriedBySupervisor(true);
    const o = find(s, 'initial-assessment');
    const raisedAt = Date.parse(supervisorTime);
    o.sent.push('escalate_supervisor');
    o.escalation = { level: 1, raisedAt };
    const planned = escalations(s);
    expect(planned).toHaveLength(1);
    expect(planned[0]).toMatchObject({ kind: 'escalate_program_manager', to: 'pm-1' });
    expect(Date.parse(planned[0]!.at)).toBeGreaterThan(raisedAt);
  });
});

describe("no escalation to the one whose work is late (patch 'no-escalation-to-doer')", () => {
  /** A case with a task assigned to `assigneeId`, due a week after opening, on a run past the patch or not. */
  const withTask = (assigneeId: string, spares: boolean): CaseState => {
    const opened = '2027-01-11T10:00:00Z';
    const s = newCase(opened);
    s.escalationPassesDoer = true;
    if (spares) s.noEscalationToDoer = true;
    applyEvent(
      s,
      { type: 'task_added', taskId: 'k1', assigneeId, dueAt: '2027-01-18T10:00:00Z', at: opened },
      t(opened),
    );
    return s;
  };
  const taskOf = (s: CaseState): Obligation => s.obligations.find((o) => o.kind === 'task')!;
  /** The task's supervisor escalation as sent: what is planned for the task after it. */
  const afterSupervisorEscalation = (s: CaseState) => {
    const o = taskOf(s);
    const step = pendingSteps(s).find((p) => p.obligation === o && p.kind === 'escalate_supervisor')!;
    o.sent.push(step.id);
    o.escalation = { level: 1, raisedAt: step.sendAt };
    return pendingSteps(s)
      .filter((p) => p.obligation === o && p.kind.startsWith('escalate'))
      .map((p) => ({ kind: p.kind, to: recipientId(s, p.to, p.obligation) }));
  };

  it("when the task is the program manager's own, then the supervisor's escalation is its last rung: no follow-up goes to the program manager", () => {
    const s = withTask('pm-1', true);
    expect(
      pendingSteps(s)
        .filter((p) => p.obligation === taskOf(s) && p.kind.startsWith('escalate'))
        .map((p) => recipientId(s, p.to, p.obligation)),
    ).toEqual(['sup-1']);
    expect(afterSupervisorEscalation(s)).toEqual([]);
  });

  it("when the task is a case manager's, then the unacknowledged escalation still goes on to the program manager", () => {
    expect(afterSupervisorEscalation(withTask('cm-1', true))).toEqual([
      { kind: 'escalate_program_manager', to: 'pm-1' },
    ]);
  });

  it('when the run is older than the patch, then the program manager is escalated to about their own task, as before', () => {
    expect(afterSupervisorEscalation(withTask('pm-1', false))).toEqual([
      { kind: 'escalate_program_manager', to: 'pm-1' },
    ]);
  });
});
