import type { PoolClient } from 'pg';
import type { AppointmentHandOver } from '../core/case-contract';
import type { Actor } from './actor';
import { appendEvent, COLUMNS, type AppointmentRow } from './appointment-events';

/**
 * A case's appointments yet to start that someone leaving the case was to attend: each becomes a
 * new version (SEQUENCE + 1) with whoever takes their place attending instead. The leaver is sent
 * the cancellation and everyone attending the updated invitation, as for any change of attendees.
 * One who already attends keeps their place; the leaver is then only removed.
 */
export async function handAppointmentsOver(
  db: PoolClient,
  actor: Actor,
  caseId: string,
  successor: ReadonlyMap<string, string>,
  now: Date,
): Promise<AppointmentHandOver[]> {
  if (successor.size === 0) return [];
  const affected = await db.query<AppointmentRow>(
    `SELECT ${COLUMNS} FROM appointments
      WHERE case_id = $1 AND status = 'scheduled' AND starts_at > $2 AND attendee_ids && $3::uuid[]
      ORDER BY starts_at, id FOR UPDATE`,
    [caseId, now, [...successor.keys()]],
  );
  const handedOver: AppointmentHandOver[] = [];
  for (const before of affected.rows) {
    const attendees = before.attendee_ids
      .filter((id) => successor.has(id))
      .map((from) => ({ from, to: successor.get(from)! }));
    const attendeeIds = [...new Set(before.attendee_ids.map((id) => successor.get(id) ?? id))];
    const row = (
      await db.query<AppointmentRow>(
        `UPDATE appointments SET attendee_ids = $2::uuid[], sequence = sequence + 1, updated_at = $3
          WHERE id = $1 RETURNING ${COLUMNS}`,
        [before.id, attendeeIds, now],
      )
    ).rows[0]!;
    await appendEvent(db, actor, row, 'changed', now, {
      removedIds: attendees.map((a) => a.from),
      note: 'Handed over with the case',
    });
    handedOver.push({ appointmentId: row.id, sequence: row.sequence, attendees });
  }
  return handedOver;
}
