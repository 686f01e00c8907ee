import fc from 'fast-check';
import { addDuration, isIsoDuration, parseDuration } from '../../src/core/duration';
import { ladderSteps, multiplyDuration } from '../../src/core/ladder';
import { DEFAULT_POLICY } from '../../src/core/policy';

const at = (iso: string): number => Date.parse(iso);
const DAY = 86_400_000;

describe('ISO-8601 durations', () => {
  it('when given day, week and clock parts, then each is parsed', () => {
    expect(parseDuration('P1W2DT3H4M5S')).toEqual({
      years: 0,
      months: 0,
      weeks: 1,
      days: 2,
      hours: 3,
      minutes: 4,
      seconds: 5,
    });
    expect(isIsoDuration('PT10M')).toBe(true);
    expect(isIsoDuration('P')).toBe(false);
    expect(isIsoDuration('PT')).toBe(false);
    expect(isIsoDuration('14 days')).toBe(false);
  });

  it('when a month is added to 31 January, then it lands on the last day of February', () => {
    expect(new Date(addDuration(at('2027-01-31T09:00:00Z'), 'P1M')).toISOString()).toBe(
      '2027-02-28T09:00:00.000Z',
    );
  });

  it('when a duration is added then subtracted, then day-based durations return to the start', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 4_000_000_000_000 }),
        fc.integer({ min: 0, max: 400 }),
        fc.integer({ min: 0, max: 1440 }),
        (start, days, minutes) => {
          const d = `P${days}DT${minutes}M`;
          expect(addDuration(addDuration(start, d), d, -1)).toBe(start);
        },
      ),
    );
  });
});

describe('reminder ladder', () => {
  const due = at('2027-03-15T09:00:00Z');

  it('when nothing has happened, then the ladder is heads-up, due, overdue repeats and a supervisor escalation', () => {
    const steps = ladderSteps(due, DEFAULT_POLICY.ladder).map((s) => [
      s.id,
      new Date(s.at).toISOString().slice(0, 10),
    ]);
    expect(steps).toEqual([
      ['heads_up', '2027-03-12'],
      ['due', '2027-03-15'],
      ['overdue_1', '2027-03-18'],
      ['escalate_supervisor', '2027-03-20'],
      ['overdue_2', '2027-03-21'],
      ['overdue_3', '2027-03-24'],
      ['overdue_4', '2027-03-27'],
      ['overdue_5', '2027-03-30'],
    ]);
  });

  it('when the obligation began after the heads-up time, then no heads-up is planned', () => {
    const steps = ladderSteps(due, DEFAULT_POLICY.ladder, due - DAY);
    expect(steps[0]!.id).toBe('due');
  });

  it('when overdue steps are computed, then step n is always due + n × interval (nothing accumulates)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 30 }), fc.integer({ min: 1, max: 12 }), (everyDays, limit) => {
        const ladder = {
          ...DEFAULT_POLICY.ladder,
          overdueEvery: `P${everyDays}D`,
          overdueRepeatLimit: limit,
        };
        const overdue = ladderSteps(due, ladder).filter((s) => s.kind === 'overdue');
        expect(overdue).toHaveLength(limit);
        overdue.forEach((s) => expect(s.at).toBe(due + s.n * everyDays * DAY));
      }),
    );
  });

  it('when any ladder is generated, then steps are in time order with unique ids', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 10 }),
        fc.integer({ min: 1, max: 10 }),
        fc.integer({ min: 0, max: 8 }),
        (before, every, limit) => {
          const ladder = {
            ...DEFAULT_POLICY.ladder,
            headsUpBefore: `P${before}D`,
            overdueEvery: `PT${every}H`,
            overdueRepeatLimit: limit,
          };
          const steps = ladderSteps(due, ladder);
          for (let i = 1; i < steps.length; i++)
            expect(steps[i]!.at).toBeGreaterThanOrEqual(steps[i - 1]!.at);
          expect(new Set(steps.map((s) => s.id)).size).toBe(steps.length);
        },
      ),
    );
  });

  it('when a duration is multiplied, then calendar and clock parts scale', () => {
    expect(multiplyDuration('P1DT2H', 3)).toBe('P3DT6H');
    expect(multiplyDuration('PT1M', 0)).toBe('PT0S');
  });
});
