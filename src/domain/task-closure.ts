import type { PoolClient } from 'pg';

/**
 * A case closed: its open tasks end with it (the workflow stops their clocks), recorded as cancelled
 * by whoever approved the closure, so a reopened case starts without stale tasks.
 */
export async function cancelOpenTasks(
  db: PoolClient,
  caseId: string,
  at: Date,
  actorId: string,
): Promise<void> {
  await db.query(
    `WITH closed AS (
       UPDATE case_tasks SET status = 'cancelled', closed_by = $3, closed_at = $2, close_note = 'case closed'
        WHERE case_id = $1 AND status = 'open' RETURNING id
     )
     INSERT INTO case_task_events (task_id, case_id, what, note, at, actor_id)
     SELECT id, $1, 'cancelled', 'case closed', $2, $3 FROM closed`,
    [caseId, at, actorId],
  );
}
