import type { Pool, PoolClient } from 'pg';
import { staffZones } from './case-calendar';
import { UnprocessableError } from './errors';
import type { CaseWorkflows } from './ports';

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
 * escalations go to them (a case otherwise keeps the manager it had at intake). Runs in the
 * caller's transaction: a workflow's refusal rolls the change back. Kept in one place so the
 * fan-out can later be made durable.
 */
export async function notifyProgramManagerChanged(
  db: PoolClient,
  workflows: CaseWorkflows,
  programId: string,
  programManagerId: string | null,
  now: Date,
): Promise<number> {
  const open = await db.query<{ id: string }>(
    `SELECT id FROM cases WHERE program_id = $1 AND status <> 'closed' ORDER BY id`,
    [programId],
  );
  const zones = await staffZones(db, [programManagerId]);
  for (const c of open.rows) {
    await workflows.event(c.id, {
      type: 'program_manager_changed',
      programManagerId,
      at: now.toISOString(),
      zones,
    });
  }
  return open.rowCount ?? 0;
}
