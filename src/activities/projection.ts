import type { Pool } from 'pg';
import { prepared } from '../db/prepared';
import type { CaseProjection } from './types';

/**
 * Writes the workflow's view of the schedule onto the case row, so lists never ask Temporal.
 * A projection computed before a newer change (written by the API from an update's result) is ignored.
 *
 * One statement, so one round trip and atomic without BEGIN/COMMIT: the case row, its open
 * obligations (upserted, the ones no longer owed deleted, unchanged rows left alone) and the
 * timeline's decisions land together, and a list never sees the row without its obligations.
 * Projections run after every change and every reminder, so their round trips are most of what
 * the worker asks of PostgreSQL; prepared, since planning it cost several times running it.
 */
export function createProjectCaseSchedule(deps: { pool: Pool }) {
  return async function projectCaseSchedule(p: CaseProjection): Promise<{ found: boolean }> {
    const { rows } = await deps.pool.query<{ found: boolean }>(
      PROJECTION.with([
        p.caseId,
        p.status,
        p.nextDueAt,
        p.nextDueKind,
        p.overdueCount,
        p.escalationLevel,
        p.version,
        p.releaseOffsetMinutes ?? 0,
        p.obligations ? JSON.stringify(p.obligations.map(obligationRow)) : null,
        JSON.stringify((p.decisions ?? []).map(decisionRow)),
        p.escalationRules ?? null,
      ]),
    );
    return { found: rows[0]!.found };
  };
}

/**
 * $9 is NULL for workflows that project no obligations (generation 1, or before
 * 'obligations-projected'): their rows and obligations_projected_at are left as they are. The case
 * row's first_running_due_at follows the obligations by trigger (migration 1733300000005).
 * Decisions are recorded whenever the case exists, even when a newer projection already landed:
 * a retried activity writes each once (unique key).
 */
export const PROJECTION = prepared(`
WITH applied AS (
  UPDATE cases
     SET status = $2, next_due_at = $3, next_due_kind = $4, overdue_count = $5,
         escalation_level = $6, projection_version = $7, release_offset_minutes = $8,
         escalation_rules = coalesce($11::text[], escalation_rules),
         obligations_projected_at = CASE WHEN $9::jsonb IS NULL THEN obligations_projected_at ELSE now() END,
         schedule_updated_at = now(), updated_at = now()
   WHERE id = $1 AND (projection_version IS NULL OR projection_version <= $7)
  RETURNING id
), owed AS (
  SELECT o.* FROM jsonb_to_recordset(coalesce($9::jsonb, '[]'))
    AS o(id text, kind text, subject_id text, due_at timestamptz, running boolean, escalation_level integer,
         acknowledged boolean, clock jsonb, assignee_id uuid)
), gone AS (
  DELETE FROM case_obligations
   WHERE case_id = $1 AND $9::jsonb IS NOT NULL AND EXISTS (SELECT 1 FROM applied)
     AND obligation_id NOT IN (SELECT id FROM owed)
), kept AS (
  INSERT INTO case_obligations AS c (case_id, obligation_id, obligation_kind, subject_id, due_at, running,
                                     escalation_level, acknowledged, clock, assignee_id)
  SELECT $1, o.id, o.kind, o.subject_id, o.due_at, o.running, o.escalation_level, o.acknowledged, o.clock, o.assignee_id
    FROM owed o
   WHERE EXISTS (SELECT 1 FROM applied)
  ON CONFLICT (case_id, obligation_id) DO UPDATE
     SET obligation_kind = excluded.obligation_kind, subject_id = excluded.subject_id, due_at = excluded.due_at,
         running = excluded.running, escalation_level = excluded.escalation_level,
         acknowledged = excluded.acknowledged, clock = excluded.clock, assignee_id = excluded.assignee_id
   WHERE (c.obligation_kind, c.subject_id, c.due_at, c.running, c.escalation_level, c.acknowledged, c.clock, c.assignee_id)
         IS DISTINCT FROM (excluded.obligation_kind, excluded.subject_id, excluded.due_at, excluded.running,
                           excluded.escalation_level, excluded.acknowledged, excluded.clock, excluded.assignee_id)
), decided AS (
  INSERT INTO schedule_decisions
         (case_id, decision_key, obligation_id, obligation_kind, what, detail, occurred_at, due_at)
  SELECT $1, d.key, d.obligation_id, d.obligation_kind, d.what, d.detail, d.at, d.due_at
    FROM jsonb_to_recordset($10::jsonb)
      AS d(key text, obligation_id text, obligation_kind text, what text, detail text, at timestamptz,
           due_at timestamptz)
   WHERE EXISTS (SELECT 1 FROM cases WHERE id = $1)
  ON CONFLICT (case_id, decision_key) DO NOTHING
)
SELECT EXISTS (SELECT 1 FROM cases WHERE id = $1) AS found`);

function obligationRow(o: NonNullable<CaseProjection['obligations']>[number]) {
  return {
    id: o.id,
    kind: o.kind,
    subject_id: o.subjectId ?? null,
    due_at: o.dueAt,
    running: o.running,
    escalation_level: o.escalationLevel,
    acknowledged: o.acknowledged,
    clock: o.clock ?? null,
    assignee_id: o.assigneeId ?? null,
  };
}

function decisionRow(d: NonNullable<CaseProjection['decisions']>[number]) {
  return {
    key: d.key,
    obligation_id: d.obligationId,
    obligation_kind: d.obligationKind,
    what: d.what,
    detail: d.detail,
    at: d.at,
    due_at: d.dueAt ?? null,
  };
}
