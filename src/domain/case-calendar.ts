import type { Pool, PoolClient } from 'pg';
import type { CaseCalendar } from '../core/case-contract';

/**
 * What a case workflow needs to place its clocks in time: the program's calendar for due dates and
 * each recipient's time zone for working hours. Read when a case starts and whenever they change.
 */

type Db = Pool | PoolClient;

const isoDate = (d: Date): string => d.toISOString().slice(0, 10);

export async function programCalendar(db: Db, programId: string): Promise<CaseCalendar> {
  const row = (
    await db.query<{ time_zone: string; holidays: Date[] }>(
      'SELECT time_zone, holidays FROM programs WHERE id = $1',
      [programId],
    )
  ).rows[0];
  return calendarOf(row);
}

/** A program row's calendar, however it was read (intake reads it with the program's lock). */
export function calendarOf(row: { time_zone: string; holidays: Date[] } | undefined): CaseCalendar {
  return { timeZone: row?.time_zone ?? 'UTC', holidays: (row?.holidays ?? []).map(isoDate) };
}

export async function staffZones(
  db: Db,
  ids: (string | null | undefined)[],
): Promise<Record<string, string>> {
  const wanted = ids.filter((id): id is string => Boolean(id));
  if (wanted.length === 0) return {};
  const rows = await db.query<{ id: string; time_zone: string }>(
    'SELECT id, time_zone FROM staff WHERE id = ANY($1::uuid[])',
    [wanted],
  );
  return Object.fromEntries(rows.rows.map((r) => [r.id, r.time_zone]));
}
