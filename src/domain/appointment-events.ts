import type { PoolClient } from 'pg';
import type { Actor } from './actor';
import { audit } from './audit';

/** An appointment's row and its append-only versions: shared by its own changes and by a case's hand-over. */

export type AppointmentMode = 'in_person' | 'phone' | 'video';

export interface AppointmentRow {
  id: string;
  case_id: string;
  starts_at: Date;
  ends_at: Date;
  mode: AppointmentMode;
  location: string;
  attendee_ids: string[];
  sequence: number;
  status: 'scheduled' | 'attended' | 'no_show' | 'cancelled_by_client' | 'cancelled_by_agency';
}

export const COLUMNS = `id, case_id, starts_at, ends_at, mode, location, attendee_ids::text[] AS attendee_ids, sequence, status`;

/** Appends the version to appointment_events and audits it: 'scheduled' as a create, the rest as updates. */
export async function appendEvent(
  db: PoolClient,
  actor: Actor,
  row: AppointmentRow,
  what: string,
  at: Date,
  extra: { removedIds?: string[]; note?: string } = {},
): Promise<void> {
  await db.query(
    `INSERT INTO appointment_events (appointment_id, case_id, what, sequence, starts_at, ends_at, mode, location,
                                     attendee_ids, removed_ids, note, at, actor_id)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9::uuid[], $10::uuid[], $11, $12, $13)`,
    [
      row.id,
      row.case_id,
      what,
      row.sequence,
      row.starts_at,
      row.ends_at,
      row.mode,
      row.location,
      row.attendee_ids,
      extra.removedIds ?? [],
      extra.note ?? null,
      at,
      actor.id,
    ],
  );
  await audit(db, actor, {
    action: what === 'scheduled' ? 'create' : 'update',
    entity: 'appointment',
    entityId: row.id,
    caseId: row.case_id,
    ...(what === 'scheduled' ? {} : { detail: { change: what } }),
  });
}
