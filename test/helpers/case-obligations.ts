import type { Pool } from 'pg';

export interface ObligationRow {
  caseId: string;
  id: string;
  kind: string;
  dueAt: Date | string;
  running?: boolean;
  subjectId?: string | null;
  assigneeId?: string | null;
}

/**
 * One obligation of a case, written as the projection writes it: the row, and the case's earliest
 * running due time with it in one statement (the team view trusts the case row for "may have
 * something overdue"; a fixture that wrote the row alone would hide its overdue work).
 */
export async function insertObligation(pool: Pool, o: ObligationRow): Promise<void> {
  const running = o.running ?? true;
  await pool.query(
    `WITH written AS (
       INSERT INTO case_obligations (case_id, obligation_id, obligation_kind, subject_id, due_at, running, assignee_id)
       VALUES ($1, $2, $3, $4, $5, $6, $7)
       RETURNING case_id
     )
     UPDATE cases c SET first_running_due_at = least(c.first_running_due_at, $5::timestamptz)
      WHERE c.id IN (SELECT case_id FROM written) AND $6`,
    [o.caseId, o.id, o.kind, o.subjectId ?? null, o.dueAt, running, o.assigneeId ?? null],
  );
}
