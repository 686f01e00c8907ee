import { DEFAULT_POLICY, type ProgramPolicy } from '../../src/core/policy';
import { computePreview, type PreviewCase, type PolicyUnderTest } from '../../src/domain/policy-preview';

/**
 * The policy preview on hand-built cases whose right answers are worked out below: the due dates a
 * change moves, and the reminders and escalations the workflow's own ladder code would send in the
 * next seven days under each policy. UTC, no holidays, an urgent program (no working hours), so
 * every step leaves at its ladder time: heads-up 3 days before, due, overdue every 3 days, the
 * supervisor 5 days late, the program manager 2 business days after that.
 */
const H = 3_600_000;
const DAY = 24 * H;
const at = (iso: string): number => Date.parse(iso);
const policy = (changes: Partial<ProgramPolicy> = {}, ladder: Partial<ProgramPolicy['ladder']> = {}) => ({
  ...DEFAULT_POLICY,
  urgent: true,
  ...changes,
  ladder: { ...DEFAULT_POLICY.ladder, ...ladder },
});
const utc = { timeZone: 'UTC', holidays: [] as string[] };
const under = (p: ProgramPolicy): PolicyUnderTest => ({ policy: p, calendar: utc });

/** A case owing only its initial assessment, counted from `anchor`, due at `dueAt` (as the workflow derived it). */
function assessmentCase(reference: string, anchor: string, dueAt: string, sent: string[] = []): PreviewCase {
  return {
    caseId: `case-${reference}`,
    reference,
    status: 'assessment',
    riskLevel: 'medium',
    caseManagerId: 'cm',
    supervisorId: 'sv',
    programManagerId: 'pm',
    zones: {},
    known: true,
    obligations: [
      {
        id: 'initial-assessment',
        kind: 'initial_assessment',
        dueAt: at(dueAt),
        running: true,
        clock: { anchorAt: anchor, pausedMs: 0, openedAt: anchor, sent, skipped: [] },
      },
    ],
  };
}

describe('policy preview (pure computation)', () => {
  it('when the initial assessment shortens from 14 to 7 days, then each due date moves 7 days earlier, one becomes overdue at once, and the next week holds the new ladder', () => {
    // Thursday 4 March 2027, 11:00: the next seven days run to Thursday 11 March 11:00.
    const now = at('2027-03-04T11:00:00Z');
    // Opened Monday 1 March: due Monday 15 March; would be due Monday 8 March.
    const a = assessmentCase('C-1', '2027-03-01T10:00:00.000Z', '2027-03-15T10:00:00.000Z');
    // Opened Wednesday 24 February: due Wednesday 10 March; would be due Wednesday 3 March, already past.
    const c = assessmentCase('C-2', '2027-02-24T10:00:00.000Z', '2027-03-10T10:00:00.000Z');
    const unknown = {
      ...assessmentCase('C-3', '2027-03-01T10:00:00.000Z', '2027-03-15T10:00:00.000Z'),
      known: false,
    };

    const preview = computePreview(
      [a, c, unknown],
      under(policy()),
      under(policy({ initialAssessmentDue: 'P7D' })),
      now,
    );

    expect(preview.casesCompared).toBe(2);
    expect(preview.casesNotYetKnown).toBe(1);
    expect(preview.totals).toEqual({ earlier: 2, later: 0, unchanged: 0, newlyOverdue: 1 });
    // Overdue at once first, then the largest move.
    expect(
      preview.moves.map((m) => [m.caseReference, m.oldDueAt, m.newDueAt, m.deltaMs / DAY, m.newlyOverdue]),
    ).toEqual([
      ['C-2', '2027-03-10T10:00:00.000Z', '2027-03-03T10:00:00.000Z', -7, true],
      ['C-1', '2027-03-15T10:00:00.000Z', '2027-03-08T10:00:00.000Z', -7, false],
    ]);
    // Current: C-2's heads-up (7 Mar) and due (10 Mar); C-1's heads-up is on 12 Mar, after the week.
    // Proposed: C-1 heads-up 5 Mar, due 8 Mar, overdue 11 Mar 10:00; C-2's past heads-up is skipped
    // for its due reminder (sent at once), overdue 6 and 9 Mar, the supervisor on Monday 8 Mar and
    // the program manager 2 business days later (Wednesday 10 Mar).
    expect(preview.nextDays).toEqual({
      current: { reminders: 2, escalations: 0 },
      proposed: { reminders: 6, escalations: 2 },
    });
  });

  it('when only the ladder changes, then no due date moves and the week counts the reminders and escalations of each ladder', () => {
    // Monday 8 March 2027, 11:00, an hour after the due reminder went; the week runs to 15 March 11:00.
    const now = at('2027-03-08T11:00:00Z');
    const sevenDays = policy({ initialAssessmentDue: 'P7D' });
    const a = assessmentCase('C-1', '2027-03-01T10:00:00.000Z', '2027-03-08T10:00:00.000Z', [
      'heads_up',
      'due',
    ]);

    const preview = computePreview(
      [a],
      under(sevenDays),
      under({
        ...sevenDays,
        ladder: { ...sevenDays.ladder, overdueEvery: 'P1D', escalateToSupervisorAfter: 'P2D' },
      }),
      now,
    );

    expect(preview.totals).toEqual({ earlier: 0, later: 0, unchanged: 1, newlyOverdue: 0 });
    expect(preview.moves).toEqual([]);
    // Current: overdue 11 and 14 Mar; the supervisor on Saturday 13 Mar, the program manager not
    // before Tuesday 16 Mar. Proposed: overdue daily 9-13 Mar (the limit of 5); the supervisor on
    // Wednesday 10 Mar, the program manager on Friday 12 Mar.
    expect(preview.nextDays).toEqual({
      current: { reminders: 2, escalations: 1 },
      proposed: { reminders: 5, escalations: 2 },
    });
  });

  it('when an obligation is paused (case on hold), then its due date still moves but its ladder sends nothing', () => {
    const now = at('2027-03-04T11:00:00Z');
    const held = assessmentCase('C-1', '2027-03-01T10:00:00.000Z', '2027-03-15T10:00:00.000Z');
    held.obligations[0]!.running = false;
    const preview = computePreview(
      [held],
      under(policy()),
      under(policy({ initialAssessmentDue: 'P7D' })),
      now,
    );
    expect(preview.totals.earlier).toBe(1);
    expect(preview.nextDays.proposed).toEqual({ reminders: 0, escalations: 0 });
  });

  it("when the supervisor carries a case, then the preview escalates by the rules the case's run follows: past them to the program manager once, or (a run from before) to them and then on", () => {
    const now = at('2027-03-04T11:00:00Z');
    // C-2 of the first test, carried by its supervisor: under the 7-day policy its escalation falls
    // on Monday 8 March and the program manager's follow-up on Wednesday 10 March, both in the week.
    const carried = (escalationRules?: string[]): PreviewCase => ({
      ...assessmentCase('C-2', '2027-02-24T10:00:00.000Z', '2027-03-10T10:00:00.000Z'),
      caseManagerId: 'sv',
      ...(escalationRules ? { escalationRules } : {}),
    });
    const escalations = (c: PreviewCase): number =>
      computePreview([c], under(policy()), under(policy({ initialAssessmentDue: 'P7D' })), now).nextDays
        .proposed.escalations;
    expect(escalations(carried(['passes_doer', 'not_to_doer']))).toBe(1);
    expect(escalations(carried())).toBe(2);
  });
});
