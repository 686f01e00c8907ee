import type { PoolClient } from 'pg';
import type { EscalationHandOver } from '../core/case-contract';

/**
 * A case's open escalations (neither acknowledged nor resolved) addressed to someone leaving the
 * case go to whoever takes their place: they appear in the successor's escalations, and the leaver,
 * who no longer sees the case, stops holding work nobody else would find. What moved, for the
 * case's workflow to tell each new recipient.
 */
export async function handEscalationsOver(
  db: PoolClient,
  caseId: string,
  successor: ReadonlyMap<string, string>,
): Promise<EscalationHandOver[]> {
  if (successor.size === 0) return [];
  const moved = await db.query<{ obligation_id: string; level: 1 | 2; recipient_id: string }>(
    `UPDATE escalations e SET recipient_id = s.to_id
       FROM jsonb_to_recordset($2::jsonb) AS s(from_id uuid, to_id uuid)
      WHERE e.case_id = $1 AND e.recipient_id = s.from_id
        AND e.acknowledged_at IS NULL AND e.resolved_at IS NULL
      RETURNING e.obligation_id, e.level, e.recipient_id`,
    [caseId, JSON.stringify([...successor].map(([from, to]) => ({ from_id: from, to_id: to })))],
  );
  return moved.rows
    .map((r) => ({ obligationId: r.obligation_id, level: r.level, recipientId: r.recipient_id }))
    .sort((a, b) => a.obligationId.localeCompare(b.obligationId) || a.level - b.level);
}
