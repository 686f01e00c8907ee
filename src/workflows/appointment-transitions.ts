import { isOpen, type Decision } from '../core/case-schedule';
import type {
  AppointmentHandOver,
  AppointmentInvite,
  CaseEvent,
  Obligation,
  ObligationKind,
} from '../core/case-contract';
import type { ProgramPolicy } from '../core/policy';

/**
 * What appointments do to a case's clocks. Pure and deterministic, like the rest of the case state:
 * scheduling one opens a reminder for each attending staff member (and the client, where the
 * program allows it) and the attendance owed after it, and queues the staff's invitation; a change
 * replaces them and queues the updated invitation; a cancellation ends them and queues the
 * cancellation; attendance ends them, and a no-show opens the re-engagement of the client.
 * An appointment, scheduled or attended, is contact: it counts as plan activity.
 *
 * The case state's own helpers come in as `ops` (the case state imports this module).
 */

export interface AppointmentState {
  status: string;
  policy: ProgramPolicy;
  zones: Record<string, string>;
  obligations: Obligation[];
  invites?: AppointmentInvite[];
  /** The client's consent as last told to the case (see case-consent.ts). */
  consent?: { emailReminders?: { given: boolean } };
}

export interface CaseStateOps<S> {
  open: (
    state: S,
    kind: ObligationKind,
    id: string,
    anchorAt: number,
    now: number,
    subjectId?: string,
  ) => Obligation;
  meet: (state: S, o: Obligation, now: number, because: string) => void;
  nextId: (state: S, prefix: string) => string;
  planActivity: (state: S, at: number, now: number) => void;
}

type AppointmentEvent = Extract<
  CaseEvent,
  { type: 'appointment_scheduled' | 'appointment_changed' | 'appointment_cancelled' | 'attendance_recorded' }
>;

/** The obligations that belong to one appointment. */
const APPOINTMENT_KINDS: ReadonlySet<ObligationKind> = new Set([
  'appointment_reminder',
  'appointment_client_reminder',
  'attendance_record',
]);

const ofAppointment = (state: AppointmentState, appointmentId: string): Obligation[] =>
  state.obligations.filter(
    (o) => isOpen(o) && o.subjectId === appointmentId && APPOINTMENT_KINDS.has(o.kind),
  );

export function applyAppointmentEvent<S extends AppointmentState>(
  state: S,
  event: AppointmentEvent,
  now: number,
  ops: CaseStateOps<S>,
): void {
  const endAll = (because: string): void => {
    for (const o of ofAppointment(state, event.appointmentId)) ops.meet(state, o, now, because);
  };
  switch (event.type) {
    case 'appointment_scheduled':
    case 'appointment_changed': {
      endAll('appointment changed');
      Object.assign(state.zones, event.zones ?? {});
      const startsAt = Date.parse(event.startsAt);
      const endsAt = Date.parse(event.endsAt);
      for (const staffId of event.attendeeIds) {
        const reminder = ops.open(
          state,
          'appointment_reminder',
          ops.nextId(state, 'appointment-reminder'),
          startsAt,
          now,
          event.appointmentId,
        );
        reminder.assigneeId = staffId;
      }
      // Where the client has withdrawn consent to email reminders, none is scheduled.
      if (state.policy.clientAppointmentReminders === true && state.consent?.emailReminders?.given !== false)
        ops.open(
          state,
          'appointment_client_reminder',
          ops.nextId(state, 'client-reminder'),
          startsAt,
          now,
          event.appointmentId,
        );
      ops.open(state, 'attendance_record', ops.nextId(state, 'attendance'), endsAt, now, event.appointmentId);
      (state.invites ??= []).push({ appointmentId: event.appointmentId, sequence: event.sequence });
      ops.planActivity(state, Date.parse(event.at), now);
      break;
    }
    case 'appointment_cancelled':
      endAll('appointment cancelled');
      (state.invites ??= []).push({ appointmentId: event.appointmentId, sequence: event.sequence });
      break;
    case 'attendance_recorded': {
      endAll(event.attendance === 'attended' ? 'client attended' : 'client did not attend');
      const at = Date.parse(event.at);
      if (event.attendance === 'attended') {
        meetReEngagement(state, now, 'client attended an appointment', ops);
        ops.planActivity(state, at, now);
      } else if (
        !state.obligations.some(
          (o) => isOpen(o) && o.kind === 're_engagement' && o.subjectId === event.appointmentId,
        )
      ) {
        ops.open(state, 're_engagement', ops.nextId(state, 're-engagement'), at, now, event.appointmentId);
      }
      break;
    }
  }
}

/**
 * An appointment's attendee who left the case hands it to their successor: the reminder still owed
 * to them goes to the successor instead (or ends, when the successor already has one), and the new
 * version's invitation and cancellation are queued. The time is unchanged, so nothing else restarts:
 * the client's reminder and the attendance record keep their clocks and whatever they already sent.
 */
export function appointmentHandedOver<S extends AppointmentState>(
  state: S,
  handOver: AppointmentHandOver,
  now: number,
  ops: CaseStateOps<S>,
): void {
  const reminders = ofAppointment(state, handOver.appointmentId).filter(
    (o) => o.kind === 'appointment_reminder',
  );
  for (const { from, to } of handOver.attendees) {
    const theirs = reminders.find((o) => o.assigneeId === from && isOpen(o));
    if (!theirs) continue;
    if (reminders.some((o) => o.assigneeId === to && isOpen(o)))
      ops.meet(state, theirs, now, 'attendee handed over');
    else theirs.assigneeId = to;
  }
  (state.invites ??= []).push({ appointmentId: handOver.appointmentId, sequence: handOver.sequence });
}

/** Reminders whose clock is the appointment's own start: a hold on the case cannot move an appointment. */
const REMINDER_KINDS: ReadonlySet<ObligationKind> = new Set([
  'appointment_reminder',
  'appointment_client_reminder',
]);

/**
 * At a resume (patch 'appointment-times-fixed'): an appointment's reminder keeps the appointment's
 * time instead of shifting by the hold, and ends unsent if the appointment began meanwhile (what is
 * still ahead leaves at once). True when `o` was such a reminder, handled here.
 */
export function resumedAppointmentReminder<S extends AppointmentState>(
  state: S,
  o: Obligation,
  now: number,
  ops: CaseStateOps<S>,
): boolean {
  if (!REMINDER_KINDS.has(o.kind)) return false;
  if (o.anchorAt <= now) ops.meet(state, o, now, 'the appointment began while the case was on hold');
  return true;
}

function meetReEngagement<S extends AppointmentState>(
  state: S,
  now: number,
  because: string,
  ops: CaseStateOps<S>,
): void {
  for (const o of state.obligations.filter((x) => isOpen(x) && x.kind === 're_engagement'))
    ops.meet(state, o, now, because);
}

/** A contact or progress note is contact with the client: it re-engages one who missed a visit. */
export function contactRecorded<S extends AppointmentState>(
  state: S,
  event: Extract<CaseEvent, { type: 'note_added' }>,
  now: number,
  ops: CaseStateOps<S>,
): void {
  if (event.noteType === 'contact' || event.noteType === 'progress')
    meetReEngagement(state, now, 'contact recorded', ops);
}

/**
 * After a reminder that is its obligation's whole work has gone (or was not needed, e.g. the client
 * has not consented), the obligation is met; a reminder not sent is recorded as skipped, with why.
 */
export function reminderDone<S extends AppointmentState & { decisions: Decision[] }>(
  state: S,
  o: Obligation,
  stepId: string,
  notSentBecause: string | undefined,
  now: number,
  ops: Pick<CaseStateOps<S>, 'meet'>,
): void {
  if (notSentBecause !== undefined) {
    state.decisions.push({
      key: `${o.id}/skipped/${stepId}/${o.dueAt}`,
      at: now,
      obligationId: o.id,
      obligationKind: o.kind,
      what: 'skipped',
      detail: `reminder not sent: ${notSentBecause}`,
      dueAt: o.dueAt,
    });
  }
  ops.meet(state, o, now, notSentBecause === undefined ? 'reminder sent' : 'reminder not sent');
}
