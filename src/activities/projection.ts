import type { Pool, PoolClient } from 'pg';
import { inTransaction } from '../db/tx';
import type { CaseProjection } from './types';

/**
 * Writes the workflow's view of the schedule onto the case row, so lists never ask Temporal.
 * A projection computed before a newer change (written by the API from an update's result) is ignored.
 */
export function createProjectCaseSchedule(deps: { pool: Pool }) {
  return async function projectCaseSchedule(p: CaseProjection): Promise<{ found: boolean }> {
    // The case row and its obligations land together: a list never sees one without the other.
    const applied = await inTransaction(deps.pool, async (db) => {
      const result = await db.query(
        `UPDATE cases
            SET status = $2, next_due_at = $3, next_due_kind = $4, overdue_count = $5,
                escalation_level = $6, projection_version = $7, release_offset_minutes = $8,
                schedule_updated_at = now(), updated_at = now()
          WHERE id = $1 AND (projection_version IS NULL OR projection_version <= $7)`,
        [
          p.caseId,
          p.status,
          p.nextDueAt,
          p.nextDueKind,
          p.overdueCount,
          p.escalationLevel,
          p.version,
          p.releaseOffsetMinutes ?? 0,
        ],
      );
      if (result.rowCount === 1 && p.obligations) await replaceObligations(db, p);
      return result.rowCount === 1;
    });
    if (applied) {
      await recordDecisions(deps.pool, p);
      return { found: true };
    }
    // Not applied: either the case does not exist, or a newer state was already written.
    const exists = await deps.pool.query('SELECT 1 FROM cases WHERE id = $1', [p.caseId]);
    if (exists.rowCount === 1) await recordDecisions(deps.pool, p);
    return { found: exists.rowCount === 1 };
  };
}

/** The case's open obligations as the workflow has them now: the old rows go, these replace them. */
async function replaceObligations(db: PoolClient, p: CaseProjection): Promise<void> {
  await db.query('DELETE FROM case_obligations WHERE case_id = $1', [p.caseId]);
  await db.query(
    `INSERT INTO case_obligations (case_id, obligation_id, obligation_kind, subject_id, due_at, running, escalation_level, acknowledged, clock, assignee_id)
     SELECT $1, o.id, o.kind, o.subject_id, o.due_at, o.running, o.escalation_level, o.acknowledged, o.clock, o.assignee_id
       FROM jsonb_to_recordset($2::jsonb)
            AS o(id text, kind text, subject_id text, due_at timestamptz, running boolean, escalation_level integer, acknowledged boolean, clock jsonb, assignee_id uuid)`,
    [
      p.caseId,
      JSON.stringify(
        (p.obligations ?? []).map((o) => ({
          id: o.id,
          kind: o.kind,
          subject_id: o.subjectId ?? null,
          due_at: o.dueAt,
          running: o.running,
          escalation_level: o.escalationLevel,
          acknowledged: o.acknowledged,
          clock: o.clock ?? null,
          assignee_id: o.assigneeId ?? null,
        })),
      ),
    ],
  );
  await db.query('UPDATE cases SET obligations_projected_at = now() WHERE id = $1', [p.caseId]);
}

/** The workflow's schedule decisions, for the case timeline; a retried activity writes each once. */
async function recordDecisions(pool: Pool, p: CaseProjection): Promise<void> {
  const decisions = p.decisions ?? [];
  if (decisions.length === 0) return;
  await pool.query(
    `INSERT INTO schedule_decisions
            (case_id, decision_key, obligation_id, obligation_kind, what, detail, occurred_at, due_at)
     SELECT $1, d.key, d.obligation_id, d.obligation_kind, d.what, d.detail, d.at, d.due_at
       FROM jsonb_to_recordset($2::jsonb)
            AS d(key text, obligation_id text, obligation_kind text, what text, detail text, at timestamptz,
                 due_at timestamptz)
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
          due_at: d.dueAt ?? null,
        })),
      ),
    ],
  );
}
