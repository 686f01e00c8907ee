import { durationInWords, fromWords, toWords } from '../../src/core/duration-words';
import { moveInWords, parsePolicyForm, policyChanges, valuesOf } from '../../src/api/web/policy-pages';
import { DEFAULT_POLICY, DEMO_MINUTE_POLICY } from '../../src/core/policy';

describe('policy durations in words', () => {
  it.each([
    ['P14D', '14', 'days'],
    ['P2W', '2', 'weeks'],
    ['P1M', '1', 'months'],
    ['P1Y6M', '18', 'months'],
    ['P2Y', '2', 'years'],
    ['PT3M', '3', 'minutes'],
    ['PT2H', '2', 'hours'],
    ['PT1H30M', '90', 'minutes'],
    ['P0D', '0', 'days'],
    ['PT0S', '0', 'minutes'],
    ['P1DT12H', 'P1DT12H', 'iso'],
    ['P1W2D', 'P1W2D', 'iso'],
    ['PT30S', 'PT30S', 'iso'],
  ])('when %s is shown in a form, then it reads as %s %s', (iso, amount, unit) => {
    expect(toWords(iso)).toEqual({ amount, unit });
  });

  it.each([
    ['14', 'days', 'P14D'],
    ['5', 'weeks', 'P5W'],
    ['1', 'months', 'P1M'],
    ['3', 'years', 'P3Y'],
    ['90', 'minutes', 'PT90M'],
    ['2', 'hours', 'PT2H'],
    [' 7 ', 'days', 'P7D'],
    ['p1dt12h', 'iso', 'P1DT12H'],
  ])('when %s %s is entered, then the policy stores %s', (amount, unit, iso) => {
    expect(fromWords(amount, unit)).toEqual({ ok: true, iso });
  });

  it('when a form value is read back from what it wrote, then it is the same duration', () => {
    for (const iso of ['P14D', 'P5D', 'PT3M', 'P1M', 'P2W', 'P1DT12H', 'PT0S'])
      expect(fromWords(toWords(iso).amount, toWords(iso).unit)).toEqual({
        ok: true,
        iso: iso === 'PT0S' ? 'PT0M' : iso,
      });
  });

  it.each([
    ['', 'days', 'enter a number'],
    ['1.5', 'days', 'must be a whole number, like 14'],
    ['-3', 'days', 'must be a whole number, like 14'],
    ['1234567890', 'days', 'must be a whole number, like 14'],
    ['14', 'fortnights', 'choose a unit'],
    ['two weeks', 'iso', 'must be an ISO-8601 duration such as P14D or PT10M'],
  ])('when %j %s is entered, then it is refused: %s', (amount, unit, reason) => {
    expect(fromWords(amount, unit)).toEqual({ ok: false, reason });
  });

  it('when durations are described, then they read as a person says them, business days where the rule counts them', () => {
    expect(durationInWords('P14D')).toBe('14 days');
    expect(durationInWords('P5D', { businessDays: true })).toBe('5 business days');
    expect(durationInWords('P1D', { businessDays: true })).toBe('1 business day');
    expect(durationInWords('P1M1D')).toBe('1 month and 1 day');
    expect(durationInWords('P1DT2H30M')).toBe('1 day, 2 hours and 30 minutes');
    expect(durationInWords('PT0S')).toBe('at once');
  });

  it('when a due date moves, then the move reads in days and hours', () => {
    expect(moveInWords(-7 * 86_400_000)).toBe('7 days earlier');
    expect(moveInWords(2 * 86_400_000 + 3 * 3_600_000)).toBe('2 days 3 hours later');
    expect(moveInWords(-25 * 60_000)).toBe('25 minutes earlier');
  });
});

describe('the policy form', () => {
  const program = { timeZone: 'Europe/London', holidays: ['2027-01-01'] };

  it('when the form shows a policy and is sent back unchanged, then it is the same policy and calendar', () => {
    for (const policy of [DEFAULT_POLICY, DEMO_MINUTE_POLICY]) {
      const parsed = parsePolicyForm({ ...valuesOf(policy, program), reason: ' why ' });
      expect(parsed).toEqual({ ok: true, proposed: { policy, calendar: program }, reason: 'why' });
    }
  });

  it('when values make no sense, then each is refused with its field named and in words', () => {
    const values = {
      ...valuesOf(DEFAULT_POLICY, program),
      'initialAssessmentDue-amount': '0',
      'ladder-overdueEvery-amount': '0',
      'reassessmentEvery-low-amount': '11',
      'reassessmentEvery-low-unit': 'years',
      'servicePlanDue-amount': 'soon',
    };
    const parsed = parsePolicyForm(values);
    expect(parsed).toEqual({
      ok: false,
      errors: { 'servicePlanDue-amount': 'Service plan due must be a whole number, like 14.' },
    });
    const again = parsePolicyForm({ ...values, 'servicePlanDue-amount': '30' });
    expect(again).toEqual({
      ok: false,
      errors: {
        'initialAssessmentDue-amount': 'Initial assessment due must be longer than zero.',
        'reassessmentEvery-low-amount': 'Reassessment, low risk must be ten years or less.',
        'ladder-overdueEvery-amount': 'Overdue reminder every must be at least one minute.',
      },
    });
  });

  it('when the time zone or a holiday is wrong, then the field is named', () => {
    const parsed = parsePolicyForm({
      ...valuesOf(DEFAULT_POLICY, program),
      timeZone: 'Mars/Olympus',
      holidays: '2027-01-01\n2027-02-30',
    });
    expect(parsed).toEqual({
      ok: false,
      errors: {
        timeZone: 'Choose the program’s time zone from the list.',
        holidays: '2027-02-30 is not a date: write one date per line, like 2027-01-01.',
      },
    });
  });

  it('when two versions differ, then the history says what changed field by field in words', () => {
    expect(
      policyChanges(DEFAULT_POLICY, {
        ...DEFAULT_POLICY,
        initialAssessmentDue: 'P10D',
        planApprovalDue: 'P3D',
        urgent: true,
        ladder: { ...DEFAULT_POLICY.ladder, overdueRepeatLimit: 2 },
      }),
    ).toEqual([
      'Initial assessment due: 14 days → 10 days',
      'Plan approval due: 5 business days → 3 business days',
      'Overdue reminders at most: 5 → 2',
      'Urgent program: reminders may go out outside working hours: no → yes',
    ]);
  });
});
