import type { PoolClient } from 'pg';
import { supervisesCases } from './access';
import type { Actor, Role } from './actor';
import { ConflictError, UnprocessableError } from '../core/errors';

/**
 * What keeps the agency from locking itself out: nobody deactivates or demotes themselves, and the
 * last active admin stays one. Only SQL could bring a lost admin back.
 */

/** Nobody deactivates themselves or changes their own role. */
export function refuseSelf(actor: Actor, targetId: string, field: string, what: string): void {
  if (actor.id === targetId)
    throw new UnprocessableError(`You cannot ${what} yourself; ask another admin.`, [
      { field, reason: 'yourself' },
    ]);
}

/**
 * Locks every active admin row, always in the same order, before the target's own row is locked:
 * two admins removing each other at once then wait for one another instead of both succeeding
 * (or deadlocking). Returns their ids. NO KEY UPDATE, as every staff lock here: it serializes these
 * changes without blocking the foreign-key checks of rows that merely name a staff member (an audit
 * entry, a notification), which FOR UPDATE would, deadlocking with a case's own writes.
 */
export async function lockActiveAdmins(db: PoolClient): Promise<string[]> {
  const rows = await db.query<{ id: string }>(
    `SELECT id FROM staff WHERE role = 'admin' AND active ORDER BY id FOR NO KEY UPDATE`,
  );
  return rows.rows.map((r) => r.id);
}

export function refuseLastAdmin(
  activeAdmins: string[],
  target: { id: string; role: Role; active: boolean },
  what: string,
): void {
  if (target.role !== 'admin' || !target.active) return;
  if (!activeAdmins.some((id) => id !== target.id))
    throw new ConflictError(`The last active admin cannot be ${what}; make someone else an admin first.`);
}

/**
 * A role change may not strand what the person holds: open cases they carry (case managers
 * only), open cases they supervise and team members (supervisors and program managers), programs
 * they manage (program managers). Hand those over first.
 */
export async function refuseStrandingRoleChange(db: PoolClient, id: string, role: Role): Promise<void> {
  const held = (
    await db.query<{ carries: number; supervises: number; team: number; programs: number }>(
      `SELECT
         (SELECT count(*)::int FROM cases WHERE case_manager_id = $1 AND status <> 'closed') AS carries,
         (SELECT count(*)::int FROM cases WHERE supervisor_id = $1 AND status <> 'closed') AS supervises,
         (SELECT count(*)::int FROM staff WHERE supervisor_id = $1 AND active) AS team,
         (SELECT count(*)::int FROM programs WHERE program_manager_id = $1) AS programs`,
      [id],
    )
  ).rows[0]!;
  const supervising = supervisesCases(role);
  const stranded = [
    role !== 'case_manager' && held.carries ? `carries ${held.carries} open case(s)` : '',
    !supervising && held.supervises ? `supervises ${held.supervises} open case(s)` : '',
    !supervising && held.team ? `supervises ${held.team} staff member(s)` : '',
    role !== 'program_manager' && held.programs ? `manages ${held.programs} program(s)` : '',
  ].filter(Boolean);
  if (stranded.length)
    throw new ConflictError(
      `The staff member ${stranded.join(', ')}; hand them over before making them a ${role.replace('_', ' ')}.`,
    );
}
