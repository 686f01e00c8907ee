import type { Pool, PoolClient } from 'pg';
import type { Actor } from './actor';
import { appendEvent, COLUMNS, type AppointmentMode, type AppointmentRow } from './appointment-events';
import { audit } from './audit';
import { assertOpen, changeCase } from './case-actions';
import { staffZones } from './case-calendar';
import { loadCase, type CaseDeps } from './cases';
import { ConflictError, NotFoundError, UnprocessableError } from '../core/errors';
import type { CaseEvent } from '../core/case-contract';

/**
 * Appointments with the client. Each change writes the appointment row, an append-only event
 * holding that version (the invitation at its sequence is rendered from it) and the case's change
 * for its workflow, in one transaction; the workflow sends the invitations and keeps the clocks.
 */

export type Attendance = 'attended' | 'no_show';
export type CancelledBy = 'client' | 'agency';

export interface AppointmentInput {
  startsAt: string;
  durationMinutes: number;
  mode: AppointmentMode;
  /** The place, or the phone number or video link. */
  location: string;
  attendeeIds: string[];
}

export type { AppointmentMode } from './appointment-events';

export interface Appointment {
  id: string;
  caseId: string;
  startsAt: string;
  endsAt: string;
  durationMinutes: number;
  mode: AppointmentMode;
  location: string;
  attendeeIds: string[];
  sequence: number;
  status: 'scheduled' | 'attended' | 'no_show' | 'cancelled_by_client' | 'cancelled_by_agency';
}

const toAppointment = (r: AppointmentRow): Appointment => ({
  id: r.id,
  caseId: r.case_id,
  startsAt: r.starts_at.toISOString(),
  endsAt: r.ends_at.toISOString(),
  durationMinutes: Math.round((r.ends_at.getTime() - r.starts_at.getTime()) / 60_000),
  mode: r.mode,
  location: r.location,
  attendeeIds: r.attendee_ids,
  sequence: r.sequence,
  status: r.status,
});

/** Attendees are active staff members, each named once. */
async function checkAttendees(db: PoolClient, ids: string[]): Promise<void> {
  if (new Set(ids).size !== ids.length)
    throw new UnprocessableError('attendeeIds names someone twice.', [
      { field: 'body.attendeeIds', reason: 'duplicate' },
    ]);
  const found = await db.query<{ id: string }>('SELECT id FROM staff WHERE id = ANY($1::uuid[]) AND active', [
    ids,
  ]);
  if (found.rowCount !== ids.length)
    throw new UnprocessableError('attendeeIds names someone who is not an active staff member.', [
      { field: 'body.attendeeIds', reason: 'not found' },
    ]);
}

/** Scheduled in the past by more than a day is a mistake, not a record (attendance is recorded separately). */
function checkStart(startsAt: Date, now: Date): void {
  if (startsAt.getTime() < now.getTime() - 86_400_000)
    throw new UnprocessableError('startsAt is in the past.', [
      { field: 'body.startsAt', reason: 'in the past' },
    ]);
}

async function appointmentOn(
  db: PoolClient | Pool,
  caseId: string,
  id: string,
  lock = false,
): Promise<AppointmentRow> {
  const row = (
    await db.query<AppointmentRow>(
      `SELECT ${COLUMNS} FROM appointments WHERE id = $1 AND case_id = $2 ${lock ? 'FOR UPDATE' : ''}`,
      [id, caseId],
    )
  ).rows[0];
  if (!row) throw new NotFoundError(`No appointment ${id} on this case.`);
  return row;
}

async function timesEvent(
  db: PoolClient,
  type: 'appointment_scheduled' | 'appointment_changed',
  row: AppointmentRow,
  at: Date,
): Promise<CaseEvent> {
  return {
    type,
    appointmentId: row.id,
    sequence: row.sequence,
    startsAt: row.starts_at.toISOString(),
    endsAt: row.ends_at.toISOString(),
    attendeeIds: row.attendee_ids,
    zones: await staffZones(db, row.attendee_ids),
    at: at.toISOString(),
  };
}

export async function scheduleAppointment(
  deps: CaseDeps,
  actor: Actor,
  caseId: string,
  input: AppointmentInput,
  now = deps.clock?.() ?? new Date(),
) {
  const startsAt = new Date(input.startsAt);
  checkStart(startsAt, now);
  const endsAt = new Date(startsAt.getTime() + input.durationMinutes * 60_000);
  return changeCase(deps, actor, caseId, async (db, caseRow) => {
    assertOpen(caseRow);
    await checkAttendees(db, input.attendeeIds);
    const row = (
      await db.query<AppointmentRow>(
        `INSERT INTO appointments (case_id, starts_at, ends_at, mode, location, attendee_ids, created_by, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6::uuid[], $7, $8, $8) RETURNING ${COLUMNS}`,
        [caseId, startsAt, endsAt, input.mode, input.location, input.attendeeIds, actor.id, now],
      )
    ).rows[0]!;
    await appendEvent(db, actor, row, 'scheduled', now);
    return { result: toAppointment(row), event: await timesEvent(db, 'appointment_scheduled', row, now) };
  });
}

/** A change of time, place or attendees: a new version (SEQUENCE + 1) sent to everyone concerned. */
export async function changeAppointment(
  deps: CaseDeps,
  actor: Actor,
  caseId: string,
  appointmentId: string,
  input: Partial<AppointmentInput>,
  now = deps.clock?.() ?? new Date(),
) {
  return changeCase(deps, actor, caseId, async (db, caseRow) => {
    assertOpen(caseRow);
    const before = await appointmentOn(db, caseId, appointmentId, true);
    if (before.status !== 'scheduled')
      throw new ConflictError(`The appointment is ${before.status.replace(/_/g, ' ')}.`);
    const startsAt = input.startsAt ? new Date(input.startsAt) : before.starts_at;
    if (input.startsAt) checkStart(startsAt, now);
    const minutes = input.durationMinutes ?? (before.ends_at.getTime() - before.starts_at.getTime()) / 60_000;
    const attendeeIds = input.attendeeIds ?? before.attendee_ids;
    if (input.attendeeIds) await checkAttendees(db, attendeeIds);
    const row = (
      await db.query<AppointmentRow>(
        `UPDATE appointments SET starts_at = $2, ends_at = $3, mode = $4, location = $5, attendee_ids = $6::uuid[],
                sequence = sequence + 1, updated_at = $7
          WHERE id = $1 RETURNING ${COLUMNS}`,
        [
          appointmentId,
          startsAt,
          new Date(startsAt.getTime() + minutes * 60_000),
          input.mode ?? before.mode,
          input.location ?? before.location,
          attendeeIds,
          now,
        ],
      )
    ).rows[0]!;
    const removedIds = before.attendee_ids.filter((id) => !attendeeIds.includes(id));
    await appendEvent(db, actor, row, 'changed', now, { removedIds });
    return { result: toAppointment(row), event: await timesEvent(db, 'appointment_changed', row, now) };
  });
}

/** Cancelled by the client or the agency: the attending staff get METHOD:CANCEL, the clocks stop. */
export async function cancelAppointment(
  deps: CaseDeps,
  actor: Actor,
  caseId: string,
  appointmentId: string,
  input: { by: CancelledBy; note?: string },
  now = deps.clock?.() ?? new Date(),
) {
  return changeCase(deps, actor, caseId, async (db, caseRow) => {
    assertOpen(caseRow);
    const before = await appointmentOn(db, caseId, appointmentId, true);
    if (before.status !== 'scheduled')
      throw new ConflictError(`The appointment is ${before.status.replace(/_/g, ' ')}.`);
    const status = `cancelled_by_${input.by}` as const;
    const row = (
      await db.query<AppointmentRow>(
        `UPDATE appointments SET status = $2, sequence = sequence + 1, updated_at = $3 WHERE id = $1 RETURNING ${COLUMNS}`,
        [appointmentId, status, now],
      )
    ).rows[0]!;
    await appendEvent(db, actor, row, status, now, input.note ? { note: input.note } : {});
    return {
      result: toAppointment(row),
      event: { type: 'appointment_cancelled', appointmentId, sequence: row.sequence, at: now.toISOString() },
    };
  });
}

/** Whether the client came: once the appointment has started, once per appointment. */
export async function recordAttendance(
  deps: CaseDeps,
  actor: Actor,
  caseId: string,
  appointmentId: string,
  input: { attendance: Attendance; note?: string },
  now = deps.clock?.() ?? new Date(),
) {
  return changeCase(deps, actor, caseId, async (db, caseRow) => {
    assertOpen(caseRow);
    const before = await appointmentOn(db, caseId, appointmentId, true);
    if (before.status !== 'scheduled')
      throw new ConflictError(`The appointment is already recorded as ${before.status.replace(/_/g, ' ')}.`);
    if (before.starts_at.getTime() > now.getTime())
      throw new UnprocessableError('The appointment has not started yet.', [
        { field: 'body.attendance', reason: 'before the appointment' },
      ]);
    const row = (
      await db.query<AppointmentRow>(
        `UPDATE appointments SET status = $2, updated_at = $3 WHERE id = $1 RETURNING ${COLUMNS}`,
        [appointmentId, input.attendance, now],
      )
    ).rows[0]!;
    await appendEvent(db, actor, row, input.attendance, now, input.note ? { note: input.note } : {});
    return {
      result: toAppointment(row),
      event: {
        type: 'attendance_recorded',
        appointmentId,
        attendance: input.attendance,
        at: now.toISOString(),
      },
    };
  });
}

/** The case's appointments, soonest first (audited as a read of the case's records). */
export async function listAppointments(pool: Pool, actor: Actor, caseId: string): Promise<Appointment[]> {
  await loadCase(pool, actor, caseId);
  const rows = await pool.query<AppointmentRow>(
    `SELECT ${COLUMNS} FROM appointments WHERE case_id = $1 ORDER BY starts_at, id`,
    [caseId],
  );
  await audit(pool, actor, { action: 'read', entity: 'appointment', entityId: caseId, caseId });
  return rows.rows.map(toAppointment);
}

export async function getAppointment(
  pool: Pool,
  actor: Actor,
  caseId: string,
  id: string,
): Promise<Appointment> {
  await loadCase(pool, actor, caseId);
  const row = await appointmentOn(pool, caseId, id);
  await audit(pool, actor, { action: 'read', entity: 'appointment', entityId: id, caseId });
  return toAppointment(row);
}
