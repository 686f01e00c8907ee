import { DEFAULT_POLICY, type ProgramPolicy } from '../../src/core/policy';
import { ladderShape } from '../../src/core/obligation-catalogue';
import { ladderSteps } from '../../src/core/ladder';
import { applyEvent, initialCaseState, isOpen, type CaseState } from '../../src/workflows/case-state';
import { pendingSteps, recipientId } from '../../src/workflows/schedule';
import type { CaseEvent } from '../../src/core/case-contract';

const DAY = 86_400_000;
const t = (s: string): number => Date.parse(s);

function newCase(policy: ProgramPolicy = DEFAULT_POLICY): CaseState {
  return initialCaseState({
    caseId: 'case-1',
    caseReference: 'C-1',
    programId: 'prog-1',
    caseManagerId: 'cm-1',
    supervisorId: 'sup-1',
    riskLevel: 'medium',
    openedAt: '2027-01-04T10:00:00Z',
    policy,
    policyVersion: 1,
    calendar: { timeZone: 'UTC', holidays: [] },
  });
}

const scheduled = (
  over: Partial<Omit<Extract<CaseEvent, { type: 'appointment_scheduled' }>, 'type'>> & {
    type?: 'appointment_scheduled' | 'appointment_changed';
  } = {},
): CaseEvent => ({
  type: 'appointment_scheduled',
  appointmentId: 'appt-1',
  sequence: 0,
  startsAt: '2027-01-07T14:00:00Z',
  endsAt: '2027-01-07T15:00:00Z',
  attendeeIds: ['cm-1', 'outreach-1'],
  at: '2027-01-05T10:00:00Z',
  ...over,
});

const open = (s: CaseState, kind: string) => s.obligations.filter((o) => o.kind === kind && isOpen(o));

describe('appointment transitions', () => {
  it('when an appointment is scheduled, then each attendee has a reminder a day before (due rule "before"), attendance is owed a day after it ends, and the invitation is queued', () => {
    const s = newCase();
    applyEvent(s, scheduled(), t('2027-01-05T10:00:00Z'));
    const reminders = open(s, 'appointment_reminder');
    expect(reminders.map((o) => [o.assigneeId, new Date(o.dueAt).toISOString()])).toEqual([
      ['cm-1', '2027-01-06T14:00:00.000Z'],
      ['outreach-1', '2027-01-06T14:00:00.000Z'],
    ]);
    expect(open(s, 'attendance_record').map((o) => new Date(o.dueAt).toISOString())).toEqual([
      '2027-01-08T15:00:00.000Z',
    ]);
    expect(s.invites).toEqual([{ appointmentId: 'appt-1', sequence: 0 }]);
    // The reminder goes to the attendee it names, its only rung: nothing at or after the start.
    const steps = pendingSteps(s).filter((p) => p.obligation.kind === 'appointment_reminder');
    expect(steps.map((p) => [p.kind, recipientId(s, p.to, p.obligation)])).toEqual([
      ['due', 'cm-1'],
      ['due', 'outreach-1'],
    ]);
    // No client reminder by default.
    expect(open(s, 'appointment_client_reminder')).toEqual([]);
  });

  it('when the program allows client reminders, then the client reminder is one step to the client; otherwise it has none', () => {
    const allowing = { ...DEFAULT_POLICY, clientAppointmentReminders: true };
    const due = t('2027-01-06T14:00:00Z');
    expect(
      ladderSteps(due, allowing.ladder, -Infinity, ladderShape('appointment_client_reminder', allowing)),
    ).toEqual([{ kind: 'due', n: 0, at: due, id: 'due', to: 'client' }]);
    expect(
      ladderSteps(
        due,
        DEFAULT_POLICY.ladder,
        -Infinity,
        ladderShape('appointment_client_reminder', DEFAULT_POLICY),
      ),
    ).toEqual([]);
    const s = newCase(allowing);
    applyEvent(s, scheduled(), t('2027-01-05T10:00:00Z'));
    expect(open(s, 'appointment_client_reminder')).toHaveLength(1);
  });

  it('when a policy stored before appointments lacks their durations, then the defaults apply', () => {
    const { appointmentReminderBefore: _a, attendanceRecordDue: _b, ...old } = DEFAULT_POLICY;
    const s = newCase(old);
    applyEvent(s, scheduled(), t('2027-01-05T10:00:00Z'));
    expect(open(s, 'appointment_reminder')[0]!.dueAt).toBe(t('2027-01-06T14:00:00Z'));
    expect(open(s, 'attendance_record')[0]!.dueAt).toBe(t('2027-01-08T15:00:00Z'));
  });

  it('when it is changed, then the old reminders and attendance end and new ones open for the new time and attendees', () => {
    const s = newCase();
    applyEvent(s, scheduled(), t('2027-01-05T10:00:00Z'));
    applyEvent(
      s,
      scheduled({
        type: 'appointment_changed',
        sequence: 1,
        startsAt: '2027-01-08T09:00:00Z',
        endsAt: '2027-01-08T10:00:00Z',
        attendeeIds: ['cm-1'],
      }),
      t('2027-01-05T11:00:00Z'),
    );
    expect(open(s, 'appointment_reminder').map((o) => [o.assigneeId, o.dueAt])).toEqual([
      ['cm-1', t('2027-01-07T09:00:00Z')],
    ]);
    expect(s.obligations.filter((o) => o.metBecause === 'appointment changed')).toHaveLength(3);
    expect(s.invites).toEqual([
      { appointmentId: 'appt-1', sequence: 0 },
      { appointmentId: 'appt-1', sequence: 1 },
    ]);
  });

  it('when the client does not come, then re-engagement opens (once) and a contact note meets it; cancelling ends everything', () => {
    const s = newCase();
    applyEvent(s, scheduled(), t('2027-01-05T10:00:00Z'));
    const noShow: CaseEvent = {
      type: 'attendance_recorded',
      appointmentId: 'appt-1',
      attendance: 'no_show',
      at: '2027-01-08T10:00:00Z',
    };
    applyEvent(s, noShow, t('2027-01-08T10:00:00Z'));
    applyEvent(s, noShow, t('2027-01-08T10:05:00Z'));
    expect(open(s, 'attendance_record')).toEqual([]);
    expect(open(s, 're_engagement').map((o) => o.dueAt)).toEqual([t('2027-01-08T10:00:00Z') + 7 * DAY]);
    applyEvent(
      s,
      { type: 'note_added', noteType: 'supervision', at: '2027-01-09T10:00:00Z' },
      t('2027-01-09T10:00:00Z'),
    );
    expect(open(s, 're_engagement')).toHaveLength(1);
    applyEvent(
      s,
      { type: 'note_added', noteType: 'contact', at: '2027-01-09T11:00:00Z' },
      t('2027-01-09T11:00:00Z'),
    );
    expect(open(s, 're_engagement')).toEqual([]);

    applyEvent(s, scheduled({ appointmentId: 'appt-2' }), t('2027-01-09T12:00:00Z'));
    applyEvent(
      s,
      { type: 'appointment_cancelled', appointmentId: 'appt-2', sequence: 1, at: '2027-01-09T13:00:00Z' },
      t('2027-01-09T13:00:00Z'),
    );
    expect(s.obligations.filter((o) => o.subjectId === 'appt-2' && isOpen(o))).toEqual([]);
    expect(s.invites?.at(-1)).toEqual({ appointmentId: 'appt-2', sequence: 1 });
  });
});
