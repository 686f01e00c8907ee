import type { Pool } from 'pg';
import type { CaseProjection } from './types';

/**
 * Writes the workflow's view of the schedule onto the case row, so lists never ask Temporal.
 * A projection computed before a newer change (written by the API from an update's result) is ignored.
 */
export function createProjectCaseSchedule(deps: { pool: Pool }) {
  return async function projectCaseSchedule(p: CaseProjection): Promise<{ found: boolean }> {
    const result = await deps.pool.query(
      `UPDATE cases
          SET status = $2, next_due_at = $3, next_due_kind = $4, overdue_count = $5,
              escalation_level = $6, projection_version = $7, schedule_updated_at = now(), updated_at = now()
        WHERE id = $1 AND (projection_version IS NULL OR projection_version <= $7)`,
      [p.caseId, p.status, p.nextDueAt, p.nextDueKind, p.overdueCount, p.escalationLevel, p.version],
    );
    if (result.rowCount === 1) {
      await recordDecisions(deps.pool, p);
      return { found: true };
    }
    // Not applied: either the case does not exist, or a newer state was already written.
    const exists = await deps.pool.query('SELECT 1 FROM cases WHERE id = $1', [p.caseId]);
    if (exists.rowCount === 1) await recordDecisions(deps.pool, p);
    return { found: exists.rowCount === 1 };
  };
}

/** The workflow's schedule decisions, for the case timeline; a retried activity writes each once. */
async function recordDecisions(pool: Pool, p: CaseProjection): Promise<void> {
  const decisions = p.decisions ?? [];
  if (decisions.length === 0) return;
  await pool.query(
    `INSERT INTO schedule_decisions (case_id, decision_key, obligation_id, obligation_kind, what, detail, occurred_at)
     SELECT $1, d.key, d.obligation_id, d.obligation_kind, d.what, d.detail, d.at
       FROM jsonb_to_recordset($2::jsonb)
            AS d(key text, obligation_id text, obligation_kind text, what text, detail text, at timestamptz)
     ON CONFLICT (case_id, decision_key) DO NOTHING`,
    [
      p.caseId,
      JSON.stringify(
        decisions.map((d) => ({
          key: d.key,
          obligation_id: d.obligationId,
          obligation_kind: d.obligationKind,
          what: d.what,
          detail: d.detail,
          at: d.at,
        })),
      ),
    ],
  );
}
