import type { PoolClient } from 'pg';

/**
 * A case's open escalations (neither acknowledged nor resolved) addressed to someone leaving the
 * case go to whoever takes their place: they appear in the successor's escalations, and the leaver,
 * who no longer sees the case, stops holding work nobody else would find. Returns how many moved.
 */
export async function handEscalationsOver(
  db: PoolClient,
  caseId: string,
  successor: ReadonlyMap<string, string>,
): Promise<number> {
  if (successor.size === 0) return 0;
  const moved = await db.query(
    `UPDATE escalations e SET recipient_id = s.to_id
       FROM jsonb_to_recordset($2::jsonb) AS s(from_id uuid, to_id uuid)
      WHERE e.case_id = $1 AND e.recipient_id = s.from_id
        AND e.acknowledged_at IS NULL AND e.resolved_at IS NULL`,
    [caseId, JSON.stringify([...successor].map(([from, to]) => ({ from_id: from, to_id: to })))],
  );
  return moved.rowCount ?? 0;
}
