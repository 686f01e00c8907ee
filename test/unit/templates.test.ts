import type { LadderStepKind } from '../../src/domain/ladder';
import { renderDigest, renderTeamDigest } from '../../src/notifications/digest-templates';
import { renderCaseMail, type CaseMailContext } from '../../src/notifications/templates';
import type { ObligationKind } from '../../src/workflows/types';

const KINDS: ObligationKind[] = [
  'initial_assessment',
  'service_plan',
  'plan_approval',
  'reassessment',
  'referral_response',
  'referral_outcome',
  'stalled_plan',
  'goal_target',
  'closure_approval',
];
const STEPS: LadderStepKind[] = [
  'heads_up',
  'due',
  'overdue',
  'escalate_supervisor',
  'escalate_program_manager',
];

const base: CaseMailContext = {
  obligationKind: 'reassessment',
  step: 'overdue',
  n: 1,
  dueAt: new Date('2027-03-01T10:00:00Z'),
  now: new Date('2027-03-04T10:00:00Z'),
  recipient: 'case_manager',
  recipientName: 'Casey <Manager>',
  recipientTimeZone: 'Europe/London',
  caseReference: 'C-1042',
  clientLabel: 'Z. Q.',
  programName: 'Housing First',
  caseManagerName: 'Casey Manager',
  supervisorName: 'Sam Supervisor',
  caseUrl: 'https://caseloop.example/cases/abc',
};

describe('email templates', () => {
  it('when a reassessment is three days overdue, then the subject says what and how late, with the case reference', () => {
    expect(renderCaseMail(base).subject).toBe('Reassessment overdue 3 days — case C-1042');
  });

  it.each(KINDS.flatMap((k) => STEPS.map((s) => [k, s] as const)))(
    'when %s / %s is rendered, then text and HTML say what to do, link the case, and carry initials only',
    (obligationKind, step) => {
      const mail = renderCaseMail({ ...base, obligationKind, step });
      for (const body of [mail.text, mail.html]) {
        expect(body).toContain('C-1042');
        expect(body).toContain('https://caseloop.example/cases/abc');
        expect(body).not.toMatch(/Zed|Quixote|birth|diagnos/i);
      }
      expect(mail.text).toMatch(/What to do: .+/);
      expect(mail.text).toMatch(/Who else knows: .+/);
      // Names people typed are escaped in HTML.
      expect(mail.html).toContain('Casey &#60;Manager&#62;');
      expect(mail.html).not.toContain('<Manager>');
    },
  );

  it('when an escalation carries an acknowledgement link, then both forms show it and its expiry', () => {
    const mail = renderCaseMail({
      ...base,
      step: 'escalate_supervisor',
      acknowledge: { url: 'https://caseloop.example/ack/t.s', expiresAt: new Date('2027-03-18T10:00:00Z') },
    });
    expect(mail.text).toContain('Acknowledge this escalation: https://caseloop.example/ack/t.s');
    expect(mail.text).toMatch(/works until Thu, 18 Mar 2027/);
    expect(mail.html).toContain('href="https://caseloop.example/ack/t.s"');
  });

  it('when a digest is rendered, then it lists each reminder with its case link and no client details', () => {
    const ctx = {
      recipientName: 'Casey',
      recipientTimeZone: 'UTC',
      localDate: '2027-03-05',
      publicBaseUrl: 'https://caseloop.example',
    };
    const digest = renderDigest(ctx, [
      {
        caseId: 'a',
        caseReference: 'C-1',
        subject: 'Reassessment overdue 3 days — case C-1',
        dueAt: new Date(0),
      },
      { caseId: 'b', caseReference: 'C-2', subject: 'Service plan due now — case C-2', dueAt: new Date(1) },
    ]);
    expect(digest.subject).toBe('Your Caseloop digest for 2027-03-05: 2 reminders');
    expect(digest.text.indexOf('C-1')).toBeLessThan(digest.text.indexOf('C-2'));
    expect(digest.html).toContain('href="https://caseloop.example/cases/b"');
    const team = renderTeamDigest(ctx, [
      {
        caseId: 'a',
        caseReference: 'C-1',
        caseManagerName: 'Ana',
        overdueCount: 2,
        nextDueKind: 'reassessment:overdue',
      },
      { caseId: 'b', caseReference: 'C-2', caseManagerName: 'Ana', overdueCount: 1, nextDueKind: null },
      { caseId: 'c', caseReference: 'C-3', caseManagerName: 'Bo', overdueCount: 1, nextDueKind: null },
    ]);
    expect(team.subject).toBe('Team digest for 2027-03-05: 3 cases with overdue work');
    expect(team.text).toMatch(
      /Ana:\n- case C-1: 2 overdue, next reassessment overdue .*\n- case C-2: 1 overdue .*\n\nBo:\n- case C-3/,
    );
    expect(team.html).toContain('<h2>Ana</h2>');
  });
});
