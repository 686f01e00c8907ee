import type { Pool } from 'pg';
import { consentTo } from '../domain/consent';
import {
  appointmentIcs,
  renderClientReminderMail,
  renderInvitationMail,
  renderStaffReminderMail,
  type AppointmentVersion,
} from '../notifications/appointment-mail';
import type { Mailer } from '../notifications/mailer';
import type { AgencyContact } from '../notifications/templates';
import { deliverOnce, wasRecorded } from './deliver-once';
import type { CaseNotificationRequest, NotificationResult } from './types';

export interface AppointmentMailDeps {
  pool: Pool;
  mailer: Mailer;
  publicBaseUrl: string;
  agency?: AgencyContact;
}

/** One invitation round: an appointment at one sequence, as the workflow queued it. */
export interface AppointmentInviteRequest {
  caseId: string;
  appointmentId: string;
  sequence: number;
  /** Workflow time when it was sent: the .ics's DTSTAMP and what the email is "as of". */
  scheduledFor?: string;
}

interface EventRow {
  what: string;
  sequence: number;
  starts_at: Date;
  ends_at: Date;
  mode: AppointmentVersion['mode'];
  location: string;
  attendee_ids: string[];
  removed_ids: string[];
  at: Date;
  actor_id: string;
  reference: string;
}

interface StaffRow {
  id: string;
  email: string;
  full_name: string;
  time_zone: string;
}

const CANCELLED = new Set(['cancelled_by_client', 'cancelled_by_agency']);

const versionOf = (
  appointmentId: string,
  r: Pick<EventRow, 'sequence' | 'starts_at' | 'ends_at' | 'mode' | 'location'>,
): AppointmentVersion => ({
  appointmentId,
  sequence: r.sequence,
  startsAt: r.starts_at,
  endsAt: r.ends_at,
  mode: r.mode,
  location: r.location,
});

/**
 * Sends the appointment at one sequence to its staff, each exactly once (key per appointment,
 * sequence and staff member): METHOD:REQUEST to those attending it, METHOD:CANCEL to those dropped
 * from it, or to everyone when it was cancelled. Rendered from that version's append-only event,
 * so a retry, however late, sends what was decided then.
 */
export function createSendAppointmentInvite(deps: AppointmentMailDeps) {
  return async function sendAppointmentInvite(req: AppointmentInviteRequest): Promise<{ sent: number }> {
    const row = (
      await deps.pool.query<EventRow>(
        `SELECT e.what, e.sequence, e.starts_at, e.ends_at, e.mode, e.location, e.attendee_ids::text[] AS attendee_ids,
                e.removed_ids::text[] AS removed_ids, e.at, e.actor_id, c.reference
           FROM appointment_events e JOIN cases c ON c.id = e.case_id
          WHERE e.appointment_id = $1 AND e.case_id = $2 AND e.sequence = $3
            AND e.what IN ('scheduled', 'changed', 'cancelled_by_client', 'cancelled_by_agency')
          ORDER BY e.created_at LIMIT 1`,
        [req.appointmentId, req.caseId, req.sequence],
      )
    ).rows[0];
    if (!row) return { sent: 0 };
    const cancelled = CANCELLED.has(row.what);
    const staff = new Map(
      (
        await deps.pool.query<StaffRow>(
          'SELECT id, email, full_name, time_zone FROM staff WHERE id = ANY($1::uuid[])',
          [[...row.attendee_ids, ...row.removed_ids, row.actor_id]],
        )
      ).rows.map((s) => [s.id, s]),
    );
    const organizer = staff.get(row.actor_id);
    const appointment = versionOf(req.appointmentId, row);
    // Someone dropped from it is told of the version they had (at this sequence, so it supersedes).
    const before = row.removed_ids.length
      ? (
          await deps.pool.query<EventRow>(
            `SELECT sequence, starts_at, ends_at, mode, location FROM appointment_events
              WHERE appointment_id = $1 AND sequence < $2 AND what IN ('scheduled', 'changed')
              ORDER BY sequence DESC LIMIT 1`,
            [req.appointmentId, row.sequence],
          )
        ).rows[0]
      : undefined;
    const dropped = before
      ? { ...versionOf(req.appointmentId, before), sequence: row.sequence }
      : appointment;
    const stamp = req.scheduledFor ? new Date(req.scheduledFor) : row.at;
    const recipients = [
      ...row.attendee_ids.map((id) => ({
        id,
        method: cancelled ? ('CANCEL' as const) : ('REQUEST' as const),
        version: appointment,
      })),
      ...row.removed_ids.map((id) => ({ id, method: 'CANCEL' as const, version: dropped })),
    ];
    let sent = 0;
    for (const { id, method, version } of recipients) {
      const person = staff.get(id);
      if (!person) continue;
      const caseUrl = `${deps.publicBaseUrl}/cases/${req.caseId}`;
      const ics = appointmentIcs({
        appointment: version,
        method,
        uidDomain: deps.mailer.messageIdDomain,
        summary: `Client appointment — case ${row.reference}`,
        description: `Caseloop case ${row.reference}: ${caseUrl}`,
        organizer: { name: organizer?.full_name ?? 'Caseloop', email: organizer?.email ?? person.email },
        attendee: { name: person.full_name, email: person.email },
        stamp,
      });
      const mail = renderInvitationMail({
        appointment: version,
        method,
        caseReference: row.reference,
        recipientName: person.full_name,
        recipientTimeZone: person.time_zone,
        caseUrl,
      });
      const outcome = await deliverOnce(deps, {
        key: `case/${req.caseId}/appointment-${req.appointmentId}/${row.sequence}/invitation/${id}`,
        caseId: req.caseId,
        recipientId: id,
        email: person.email,
        kind: method === 'CANCEL' ? 'appointment:cancel' : 'appointment:invitation',
        mail,
        calendar: { method, ics },
        linkPath: `/cases/${req.caseId}/appointments/${req.appointmentId}`,
        headers: { 'X-Caseloop-Scheduled-For': stamp.toISOString() },
      });
      if (outcome.status === 'sent') sent++;
    }
    return { sent };
  };
}

interface AppointmentRow {
  status: string;
  sequence: number;
  starts_at: Date;
  ends_at: Date;
  mode: AppointmentVersion['mode'];
  location: string;
  reference: string;
  client_id: string;
  client_email: string | null;
  time_zone: string;
  allows_client: boolean;
}

async function appointmentFor(pool: Pool, req: CaseNotificationRequest): Promise<AppointmentRow | undefined> {
  return (
    await pool.query<AppointmentRow>(
      `SELECT a.status, a.sequence, a.starts_at, a.ends_at, a.mode, a.location, c.reference, c.client_id,
              cl.email AS client_email, p.time_zone,
              coalesce((pp.policy->>'clientAppointmentReminders')::boolean, false) AS allows_client
         FROM appointments a JOIN cases c ON c.id = a.case_id JOIN clients cl ON cl.id = c.client_id
         JOIN programs p ON p.id = c.program_id
         LEFT JOIN LATERAL (SELECT policy FROM program_policies WHERE program_id = p.id
                             ORDER BY version DESC LIMIT 1) pp ON true
        WHERE a.id = $1 AND a.case_id = $2`,
      [req.subjectId, req.caseId],
    )
  ).rows[0];
}

/**
 * An appointment reminder: to an attending staff member, or to the client. The client's goes only
 * if, when it is due to leave, the program still allows client reminders, the client's latest
 * statement on email reminders gives consent and an email address is on record; otherwise it is
 * not sent and the workflow records it as skipped with the reason returned here.
 */
export async function sendAppointmentReminder(
  deps: AppointmentMailDeps & { now?: () => number },
  req: CaseNotificationRequest,
  key: string,
): Promise<NotificationResult> {
  const a = await appointmentFor(deps.pool, req);
  if (!a) return { status: 'no_recipient', reason: `appointment ${req.subjectId ?? ''} not found` };
  if (a.status !== 'scheduled') return { status: 'not_needed', reason: `the appointment is ${a.status}` };
  // Leaving at or after the start (held past it by quiet hours, or by a worker that was away), a
  // reminder would only confuse: not sent. Unless it was already recorded (a retry finishes it).
  const leaving = Math.max(Date.parse(req.scheduledFor), (deps.now ?? Date.now)());
  if (a.starts_at.getTime() <= leaving && !(await wasRecorded(deps.pool, key)))
    return { status: 'not_needed', reason: 'the appointment had already begun' };
  const appointment = versionOf(req.subjectId ?? '', a);
  const caseUrl = `${deps.publicBaseUrl}/cases/${req.caseId}`;
  if (req.recipient === 'client') {
    if (!a.allows_client)
      return { status: 'not_needed', reason: 'the program does not allow client reminders' };
    if (!(await consentTo(deps.pool, a.client_id, { purpose: 'email_reminders' })))
      return { status: 'not_needed', reason: 'the client has not consented to email reminders' };
    if (!a.client_email) return { status: 'not_needed', reason: 'no email address on record for the client' };
    await deps.pool.query(
      `INSERT INTO audit_log (actor_kind, action, entity, entity_id, case_id, detail)
       VALUES ('system', 'read', 'client', $1, $2, $3)`,
      [a.client_id, req.caseId, { purpose: 'notification', notificationKey: key, fields: ['email'] }],
    );
    const outcome = await deliverOnce(deps, {
      key,
      caseId: req.caseId,
      recipientId: null,
      email: a.client_email,
      kind: `${req.obligationKind}:${req.step}`,
      mail: renderClientReminderMail({
        appointment,
        timeZone: a.time_zone,
        agencyName: deps.agency?.name ?? 'your support service',
      }),
      headers: { 'X-Caseloop-Scheduled-For': req.scheduledFor },
    });
    return outcome.status === 'failed'
      ? { status: 'failed', notificationKey: key, reason: outcome.reason }
      : { status: outcome.status, notificationKey: key };
  }
  const person = (
    await deps.pool.query<StaffRow>('SELECT id, email, full_name, time_zone FROM staff WHERE id = $1', [
      req.recipientStaffId,
    ])
  ).rows[0];
  if (!person) return { status: 'no_recipient', reason: `staff ${req.recipientStaffId} not found` };
  const outcome = await deliverOnce(deps, {
    key,
    caseId: req.caseId,
    recipientId: person.id,
    email: person.email,
    kind: `${req.obligationKind}:${req.step}`,
    mail: renderStaffReminderMail({
      appointment,
      caseReference: a.reference,
      recipientName: person.full_name,
      recipientTimeZone: person.time_zone,
      caseUrl,
    }),
    dueAt: req.dueAt,
    linkPath: `/cases/${req.caseId}/appointments/${req.subjectId}`,
    headers: { 'X-Caseloop-Scheduled-For': req.scheduledFor },
  });
  return outcome.status === 'failed'
    ? { status: 'failed', notificationKey: key, reason: outcome.reason }
    : { status: outcome.status, notificationKey: key };
}
