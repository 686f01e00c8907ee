import { digestLines, type WaitingNotification } from '../../src/notifications/digest-lines';

describe('digest lines: one line per obligation, where it stands now', () => {
  const reminder = (
    step: string,
    dueAt: string,
    extra: Partial<WaitingNotification> = {},
  ): WaitingNotification => ({
    caseId: 'a',
    caseReference: 'C-1001',
    subject: `Initial assessment ${step} — case C-1001`,
    dueAt: new Date(dueAt),
    path: '/cases/a/assessments/new',
    kind: `initial_assessment:${step}`,
    obligationId: 'initial-assessment',
    topic: 'Initial assessment',
    ...extra,
  });

  it("when an obligation's heads-up, due and overdue reminders all waited, then the digest has one line: overdue since its due day, with the count", () => {
    const lines = digestLines(
      [
        reminder('heads_up', '2026-12-03T10:00:00Z'),
        reminder('due', '2026-12-03T10:00:00Z'),
        reminder('overdue', '2026-12-03T10:00:00Z'),
      ],
      new Date('2026-12-07T08:01:00Z'),
      'UTC',
    );
    expect(lines.map((l) => l.summary)).toEqual([
      'Initial assessment — C-1001 — overdue since Thu 3 Dec (3 reminders)',
    ]);
  });

  it('when the due time is still ahead, then the line says when, in the reader’s zone', () => {
    const lines = digestLines(
      [reminder('heads_up', '2026-12-03T15:00:00Z')],
      new Date('2026-12-01T13:01:00Z'),
      'America/New_York',
    );
    expect(lines.map((l) => l.summary)).toEqual(['Initial assessment — C-1001 — due Thu 3 Dec, 10:00 GMT-5']);
  });

  it('when a policy change moved the due time between reminders, then the latest due time wins', () => {
    const lines = digestLines(
      [reminder('heads_up', '2026-12-10T10:00:00Z'), reminder('overdue', '2026-12-04T10:00:00Z')],
      new Date('2026-12-07T08:01:00Z'),
      'UTC',
    );
    expect(lines.map((l) => l.summary)).toEqual([
      'Initial assessment — C-1001 — due Thu 10 Dec, 10:00 UTC (2 reminders)',
    ]);
  });

  it('when other cases, other obligations, requests and rows from before grouping wait too, then each keeps its own line, oldest due first', () => {
    const lines = digestLines(
      [
        reminder('due', '2026-12-02T10:00:00Z', { caseId: 'b', caseReference: 'C-1002' }),
        reminder('overdue', '2026-12-01T10:00:00Z', {
          obligationId: 'referral-response-r1',
          topic: 'Referral response (Acme Housing, Housing search)',
          kind: 'referral_response:overdue',
        }),
        {
          ...reminder('due', '2026-12-03T10:00:00Z'),
          kind: 'news:plan_submitted',
          subject: 'Plan submitted',
        },
        { ...reminder('due', '2026-12-04T10:00:00Z'), obligationId: null, topic: null, subject: 'Old row' },
      ],
      new Date('2026-12-07T08:01:00Z'),
      'UTC',
    );
    expect(lines.map((l) => l.summary ?? l.subject)).toEqual([
      'Referral response (Acme Housing, Housing search) — C-1001 — overdue since Tue 1 Dec',
      'Initial assessment — C-1002 — overdue since Wed 2 Dec',
      'Plan submitted',
      'Old row',
    ]);
  });
});
