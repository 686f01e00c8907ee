import fc from 'fast-check';
import { addInZone } from '../../src/core/business-time';
import { addDuration, isIsoDuration } from '../../src/core/duration';
import { ladderSteps } from '../../src/core/ladder';
import { deriveDueAt, programManagerEscalationDue, sendTime } from '../../src/core/obligations';
import { DEFAULT_POLICY, policyProblems, type ProgramPolicy } from '../../src/core/policy';
import { applyEvent, initialCaseState, rederive, type CaseState } from '../../src/workflows/case-state';
import { buildSchedule, nextStep, toScheduledStep } from '../../src/workflows/schedule';

/**
 * Issue 12: a policy once held `P300000Y` and every workflow of its program failed its task in a
 * loop (`RangeError: Invalid time value`). The API now refuses such values, but the pure scheduling
 * code must survive anything a policy could ever have held: it may clamp, never throw.
 */

const DAY = 86_400_000;
const iso = (ms: number): string => new Date(ms).toISOString();

/** Any duration the old API pattern let through: zero, huge digit runs, tiny fractions. */
const part = fc.oneof(
  { weight: 3, arbitrary: fc.constant('') },
  { weight: 2, arbitrary: fc.constantFrom('0', '1', '3', '14', '300000', '999999999') },
  { weight: 1, arbitrary: fc.bigInt({ min: 0n, max: 10n ** 40n }).map(String) },
);
const seconds = fc.oneof(part, fc.constantFrom('0.0000001', '1.5', '0.000000000000000000001'));
const extremeDuration = fc
  .tuple(part, part, part, part, part, part, seconds)
  .map(([y, mo, w, d, h, mi, s]) => {
    const date = (y && `${y}Y`) + (mo && `${mo}M`) + (w && `${w}W`) + (d && `${d}D`);
    const time = (h && `${h}H`) + (mi && `${mi}M`) + (s && `${s}S`);
    return `P${date}${time ? `T${time}` : ''}`;
  })
  .filter((text) => text !== 'P');
const duration = fc.oneof(
  extremeDuration,
  fc.constantFrom('PT0S', 'PT0M', 'P0D', 'P300000Y', `P${'9'.repeat(30)}D`, 'P1M', 'P14D', 'PT1M', 'P10Y'),
);

const policy: fc.Arbitrary<ProgramPolicy> = fc.record({
  initialAssessmentDue: duration,
  servicePlanDue: duration,
  planApprovalDue: duration,
  reassessmentEvery: fc.record({ low: duration, medium: duration, high: duration }),
  referralResponseDue: duration,
  referralOutcomeEscalateAfter: duration,
  referralProviderFollowUp: fc.boolean(),
  stalledPlanAfter: duration,
  closureApprovalDue: duration,
  ladder: fc.record({
    headsUpBefore: duration,
    overdueEvery: duration,
    overdueRepeatLimit: fc.integer({ min: 0, max: 6 }),
    escalateToSupervisorAfter: duration,
    escalateToProgramManagerAfter: duration,
  }),
  urgent: fc.boolean(),
  allowClientNamesInEmail: fc.boolean(),
});
const zone = fc.constantFrom('UTC', 'Europe/Berlin', 'America/New_York', 'Pacific/Chatham', 'Asia/Kolkata');
const anchor = fc.integer({ min: Date.parse('2020-01-01'), max: Date.parse('2035-01-01') });

/** Drives a case the way the workflow does: events, policy changes, every step fired in turn. */
function runCase(p: ProgramPolicy, next: ProgramPolicy, timeZone: string, openedAt: number): CaseState {
  const state = initialCaseState({
    caseId: 'c',
    caseReference: 'C-1',
    programId: 'p',
    caseManagerId: 'cm',
    supervisorId: 'sup',
    programManagerId: 'pm',
    riskLevel: 'high',
    openedAt: iso(openedAt),
    policy: p,
    policyVersion: 1,
    calendar: { timeZone, holidays: ['2027-01-01'] },
    zones: { cm: timeZone, sup: 'UTC' },
  });
  let now = openedAt + DAY;
  const at = iso(now);
  applyEvent(
    state,
    { type: 'assessment_recorded', assessmentId: 'a', kind: 'initial', completedAt: at },
    now,
  );
  applyEvent(state, { type: 'plan_submitted', planId: 'plan', at }, now);
  applyEvent(
    state,
    {
      type: 'plan_decided',
      planId: 'plan',
      decision: 'approved',
      at,
      goals: [{ goalId: 'g', targetDate: '2030-01-01' }],
    },
    now,
  );
  applyEvent(state, { type: 'referral_made', referralId: 'r', at }, now);
  applyEvent(state, { type: 'referral_updated', referralId: 'r', status: 'accepted', at }, now);
  applyEvent(state, { type: 'closure_requested', at }, now);
  for (let i = 0; i < 30; i++) {
    if (i === 15) {
      state.policy = next;
      rederive(state, now, 'policy version 2');
    }
    const step = nextStep(state, now);
    if (!step) break;
    toScheduledStep(step);
    step.obligation.sent.push(step.id);
    if (step.kind === 'escalate_supervisor') step.obligation.escalation = { level: 1, raisedAt: step.sendAt };
    now = Math.max(now, step.sendAt);
  }
  JSON.stringify(buildSchedule('c', state, now, 1));
  return state;
}

describe('extreme policy values through the pure scheduling code', () => {
  it('when any policy the old pattern allowed drives a case, then nothing throws and every time is a valid instant', () => {
    fc.assert(
      fc.property(policy, policy, zone, anchor, (p, next, timeZone, openedAt) => {
        const state = runCase(p, next, timeZone, openedAt);
        for (const o of state.obligations) expect(() => iso(o.dueAt)).not.toThrow();
      }),
      { numRuns: 60, seed: 12 },
    );
  });

  it('when a single duration is extreme, then each scheduling primitive returns a valid instant', () => {
    fc.assert(
      fc.property(duration, zone, anchor, fc.constantFrom<1 | -1>(1, -1), (d, timeZone, at, sign) => {
        const cal = { timeZone, holidays: [] };
        const p: ProgramPolicy = {
          ...DEFAULT_POLICY,
          initialAssessmentDue: d,
          planApprovalDue: d,
          ladder: {
            ...DEFAULT_POLICY.ladder,
            overdueEvery: d,
            headsUpBefore: d,
            escalateToProgramManagerAfter: d,
          },
        };
        const results = [
          addDuration(at, d, sign),
          addInZone(at, d, timeZone, sign),
          deriveDueAt({ kind: 'initial_assessment', anchorAt: at, pausedMs: 0 }, p, 'low', cal),
          deriveDueAt({ kind: 'plan_approval', anchorAt: at, pausedMs: 0 }, p, 'low', cal),
          programManagerEscalationDue(at, p, cal),
          sendTime(addDuration(at, d), timeZone, cal, false),
          ...ladderSteps(addDuration(at, d), p.ladder, at).map((s) => s.at),
        ];
        for (const ms of results) {
          expect(Number.isFinite(ms)).toBe(true);
          expect(() => iso(ms)).not.toThrow();
        }
      }),
      { numRuns: 300, seed: 12 },
    );
  });

  it('when a policy holds P300000Y or PT0M, then the API check names each and the case still schedules', () => {
    const bad: ProgramPolicy = {
      ...DEFAULT_POLICY,
      initialAssessmentDue: 'P300000Y',
      ladder: { ...DEFAULT_POLICY.ladder, overdueEvery: 'PT0M' },
    };
    expect(policyProblems(bad, 'body').map((x) => x.field)).toEqual([
      'body.initialAssessmentDue',
      'body.ladder.overdueEvery',
    ]);
    expect(() => runCase(bad, bad, 'Europe/Berlin', Date.parse('2026-12-01T10:00:00Z'))).not.toThrow();
  });

  it('when a duration has ten or more digits in a part, then the API does not accept it as a duration', () => {
    expect(isIsoDuration('P999999999D')).toBe(true);
    expect(isIsoDuration('P9999999999D')).toBe(false);
    expect(isIsoDuration('PT0.0000000001S')).toBe(false);
  });

  it('when the default policy drives a case, then valid values are untouched by the clamping', () => {
    const at = Date.parse('2027-01-06T10:00:00Z');
    expect(iso(addDuration(at, 'P10Y'))).toBe('2037-01-06T10:00:00.000Z');
    expect(iso(addInZone(at, 'P1M', 'Europe/Berlin'))).toBe('2027-02-06T10:00:00.000Z');
    expect(iso(addDuration(Date.parse('2027-01-31T10:00:00Z'), 'P1M'))).toBe('2027-02-28T10:00:00.000Z');
  });
});
