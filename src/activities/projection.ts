import type { Pool } from 'pg';
import type { CaseProjection } from './types';

/** Writes the workflow's view of the schedule onto the case row, so lists never ask Temporal. */
export function createProjectCaseSchedule(deps: { pool: Pool }) {
  return async function projectCaseSchedule(p: CaseProjection): Promise<{ found: boolean }> {
    const result = await deps.pool.query(
      `UPDATE cases
          SET status = $2, next_due_at = $3, next_due_kind = $4, overdue_count = $5,
              escalation_level = $6, schedule_updated_at = now(), updated_at = now()
        WHERE id = $1`,
      [p.caseId, p.status, p.nextDueAt, p.nextDueKind, p.overdueCount, p.escalationLevel],
    );
    return { found: result.rowCount === 1 };
  };
}
