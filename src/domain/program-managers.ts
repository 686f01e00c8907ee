import type { Pool, PoolClient } from 'pg';
import { staffZones } from './case-calendar';
import { UnprocessableError } from '../core/errors';
import { stageForProgram } from './case-changes';

/** A program's manager must be an active program manager. */
export async function assertProgramManager(db: Pool | PoolClient, id: string, field: string): Promise<void> {
  const pm = (
    await db.query<{ role: string; active: boolean }>('SELECT role, active FROM staff WHERE id = $1', [id])
  ).rows[0];
  if (!pm?.active || pm.role !== 'program_manager') {
    throw new UnprocessableError(`${field.split('.').pop()} must name an active program manager.`, [
      { field, reason: 'not an active program manager' },
    ]);
  }
}

/**
 * Tells every open case of the program who its program manager now is, so its level-2
 * escalations go to them (a case otherwise keeps the manager it had at intake). Staged in the
 * caller's transaction and delivered after it commits (src/domain/case-changes.ts).
 */
export async function notifyProgramManagerChanged(
  db: PoolClient,
  programId: string,
  programManagerId: string | null,
  now: Date,
  fanOutId: string,
): Promise<string[]> {
  const zones = await staffZones(db, [programManagerId]);
  return stageForProgram(
    db,
    programId,
    {
      kind: 'event',
      event: { type: 'program_manager_changed', programManagerId, at: now.toISOString(), zones },
    },
    fanOutId,
  );
}
