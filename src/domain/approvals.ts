import type { Pool } from 'pg';
import { approverSql } from './access';
import type { Actor } from './actor';
import { audit, auditEach } from './audit';
import { clientInitials } from './work';
import { NotFoundError } from '../core/errors';

/**
 * The approvals queue: submitted plans and requested closures waiting for this actor's decision
 * (the cases on which `canApprove` holds, as SQL), oldest first. The deadline is the due time of
 * the plan-approval or closure-approval obligation the case's workflow keeps in case_obligations,
 * never a second calculation; null while the workflow has not projected it yet (or its clock is
 * paused), and `overdue` compares it with now.
 */

export interface ApprovalItem {
  kind: 'plan' | 'closure';
  caseId: string;
  caseReference: string;
  clientInitials: string;
  /** The plan waiting, for a plan; null for a closure. */
  planId: string | null;
  planVersion: number | null;
  /** When it was submitted (plan) or requested (closure). */
  waitingSince: string;
  requestedBy: string | null;
  requestedByName: string | null;
  /** The approval obligation's due time, from the workflow's schedule. */
  dueAt: string | null;
  overdue: boolean;
}

interface QueueRow {
  kind: 'plan' | 'closure';
  case_id: string;
  reference: string;
  given_name: string;
  family_name: string;
  plan_id: string | null;
  plan_version: number | null;
  waiting_since: Date;
  requested_by: string | null;
  requested_by_name: string | null;
  due_at: Date | null;
}

const MAX_ITEMS = 500;

export async function approvalQueue(
  pool: Pool,
  actor: Actor,
  now: Date,
): Promise<{ items: ApprovalItem[]; truncated: boolean }> {
  const rows = (
    await pool.query<QueueRow>(
      `WITH waiting AS (
         SELECT 'plan' AS kind, c.id AS case_id, c.reference, c.client_id, sp.id AS plan_id, sp.version AS plan_version,
                sp.submitted_at AS waiting_since, sp.submitted_by AS requested_by,
                (SELECT o.due_at FROM case_obligations o
                  WHERE o.case_id = c.id AND o.obligation_kind = 'plan_approval' AND o.running
                    AND (o.subject_id = sp.id::text OR o.subject_id IS NULL)
                  ORDER BY o.due_at LIMIT 1) AS due_at
           FROM service_plans sp
           JOIN cases c ON c.id = sp.case_id
           JOIN programs p ON p.id = c.program_id
          WHERE sp.status = 'submitted' AND c.status <> 'closed' AND ${approverSql(actor, 1)}
         UNION ALL
         SELECT 'closure', c.id, c.reference, c.client_id, NULL, NULL, c.closure_requested_at, c.closure_requested_by,
                (SELECT o.due_at FROM case_obligations o
                  WHERE o.case_id = c.id AND o.obligation_kind = 'closure_approval' AND o.running
                  ORDER BY o.due_at LIMIT 1)
           FROM cases c
           JOIN programs p ON p.id = c.program_id
          WHERE c.closure_requested_at IS NOT NULL AND c.status <> 'closed' AND ${approverSql(actor, 1)}
       )
       SELECT w.kind, w.case_id, w.reference, cl.given_name, cl.family_name, w.plan_id, w.plan_version,
              w.waiting_since, w.requested_by, s.full_name AS requested_by_name, w.due_at
         FROM waiting w
         JOIN clients cl ON cl.id = w.client_id
         LEFT JOIN staff s ON s.id = w.requested_by
        ORDER BY w.waiting_since, w.reference, w.kind
        LIMIT $2`,
      [actor.id, MAX_ITEMS + 1],
    )
  ).rows;
  const shown = rows.slice(0, MAX_ITEMS);
  const cases = [...new Set(shown.map((r) => r.case_id))];
  // Each case the queue disclosed, once; an empty queue is still recorded.
  if (cases.length > 0)
    await auditEach(
      pool,
      actor,
      { action: 'read', entity: 'case', detail: { approvals: true } },
      cases.map((id) => ({ entityId: id, caseId: id })),
    );
  else await audit(pool, actor, { action: 'read', entity: 'case', detail: { approvals: true, results: 0 } });
  return {
    truncated: rows.length > MAX_ITEMS,
    items: shown.map((r) => ({
      kind: r.kind,
      caseId: r.case_id,
      caseReference: r.reference,
      clientInitials: clientInitials(r.given_name, r.family_name),
      planId: r.plan_id,
      planVersion: r.plan_version,
      waitingSince: r.waiting_since.toISOString(),
      requestedBy: r.requested_by,
      requestedByName: r.requested_by_name,
      dueAt: r.due_at?.toISOString() ?? null,
      overdue: r.due_at !== null && r.due_at.getTime() < now.getTime(),
    })),
  };
}

/** The approval obligation's due time on one case (plan approval for `planId`, else closure approval). */
export async function approvalDeadline(
  pool: Pool,
  caseId: string,
  planId: string | null,
): Promise<Date | null> {
  const row = (
    await pool.query<{ due_at: Date }>(
      `SELECT due_at FROM case_obligations
        WHERE case_id = $1 AND running
          AND (($2::text IS NOT NULL AND obligation_kind = 'plan_approval' AND (subject_id = $2 OR subject_id IS NULL))
               OR ($2::text IS NULL AND obligation_kind = 'closure_approval'))
        ORDER BY due_at LIMIT 1`,
      [caseId, planId],
    )
  ).rows[0];
  return row?.due_at ?? null;
}

/** The case a plan belongs to (no client data); an unknown plan is not found. */
export async function planCaseId(pool: Pool, planId: string): Promise<string> {
  const row = (
    await pool.query<{ case_id: string }>('SELECT case_id FROM service_plans WHERE id = $1', [planId])
  ).rows[0];
  if (!row) throw new NotFoundError(`No plan ${planId}.`);
  return row.case_id;
}
