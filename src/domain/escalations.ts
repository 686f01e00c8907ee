import type { Pool, PoolClient } from 'pg';
import { inTransaction } from '../db/tx';
import {
  assertSettled,
  changeLanded,
  stageChange,
  withChangeLog,
  type Applied,
  type StagedChange,
} from './case-changes';
import { canAcknowledgeEscalation, visibleCasesSql } from './access';
import type { Actor } from './actor';
import { audit } from './audit';
import { loadCase } from './cases';
import { ConflictError, NotFoundError } from '../core/errors';
import type { CaseWorkflows } from './ports';

export interface Escalation {
  id: string;
  caseId: string;
  caseReference: string;
  obligationId: string;
  obligationKind: string;
  level: number;
  dueAt: string;
  raisedAt: string;
  acknowledgedAt: string | null;
  acknowledgedBy: string | null;
  /** Set when the escalation ended without acknowledgement, e.g. because the case closed. */
  resolvedAt: string | null;
  resolution: string | null;
}

interface EscalationRow {
  id: string;
  case_id: string;
  recipient_id: string;
  reference: string;
  obligation_id: string;
  obligation_kind: string;
  level: number;
  due_at: Date;
  raised_at: Date;
  acknowledged_at: Date | null;
  acknowledged_by: string | null;
  resolved_at: Date | null;
  resolution: string | null;
}

const toEscalation = (r: EscalationRow): Escalation => ({
  id: r.id,
  caseId: r.case_id,
  caseReference: r.reference,
  obligationId: r.obligation_id,
  obligationKind: r.obligation_kind,
  level: r.level,
  dueAt: r.due_at.toISOString(),
  raisedAt: r.raised_at.toISOString(),
  acknowledgedAt: r.acknowledged_at?.toISOString() ?? null,
  acknowledgedBy: r.acknowledged_by,
  resolvedAt: r.resolved_at?.toISOString() ?? null,
  resolution: r.resolution,
});

/** Escalations sent to me on cases I still have access to and do not carry, open ones first; acknowledged and resolved ones only when asked for. */
export async function myEscalations(
  pool: Pool,
  actor: Actor,
  includeAcknowledged: boolean,
): Promise<Escalation[]> {
  const rows = await pool.query<EscalationRow>(
    `SELECT e.*, c.reference FROM escalations e JOIN cases c ON c.id = e.case_id JOIN programs p ON p.id = c.program_id
      WHERE e.recipient_id = $1 AND ($2 OR (e.acknowledged_at IS NULL AND e.resolved_at IS NULL)) AND c.case_manager_id <> $1
        AND ${visibleCasesSql(actor, 1)}
      ORDER BY coalesce(e.acknowledged_at, e.resolved_at) NULLS FIRST, e.raised_at DESC`,
    [actor.id, includeAcknowledged],
  );
  return rows.rows.map(toEscalation);
}

/** One escalation, for its recipient or anyone who may approve on the case; others see "not found". */
async function visibleEscalation(
  db: Pool | PoolClient,
  actor: Actor,
  escalationId: string,
  lock = false,
): Promise<EscalationRow> {
  const row = (
    await db.query<EscalationRow>(
      `SELECT e.*, c.reference FROM escalations e JOIN cases c ON c.id = e.case_id WHERE e.id = $1${lock ? ' FOR UPDATE OF e' : ''}`,
      [escalationId],
    )
  ).rows[0];
  if (!row) throw new NotFoundError(`No escalation ${escalationId}.`);
  // Being its recipient is not enough: whoever has since lost access to the case (reassigned away,
  // no longer the program's manager) must not stop its ladder, nor may whoever carries the case.
  const caseRow = await loadCase(db, actor, row.case_id).catch(() => undefined);
  const mayAct = caseRow !== undefined && canAcknowledgeEscalation(actor, caseRow, row.recipient_id);
  if (!mayAct) throw new NotFoundError(`No escalation ${escalationId}.`);
  return row;
}

export async function getEscalation(pool: Pool, actor: Actor, escalationId: string): Promise<Escalation> {
  return toEscalation(await visibleEscalation(pool, actor, escalationId));
}

/** The recipient (or anyone who may approve on the case) acknowledges; the workflow stops climbing. */
export async function acknowledgeEscalation(
  deps: { pool: Pool; workflows: CaseWorkflows; clock?: () => Date },
  actor: Actor,
  escalationId: string,
  now = deps.clock?.() ?? new Date(),
): Promise<Escalation & Applied> {
  const found = await visibleEscalation(deps.pool, actor, escalationId);
  return withChangeLog(deps, found.case_id, async () => {
    let staged: StagedChange | undefined;
    const result = await inTransaction(
      deps.pool,
      async (db) => {
        // The case first, then the escalation: the order closure takes them in.
        await db.query('SELECT 1 FROM cases WHERE id = $1 FOR UPDATE', [found.case_id]);
        const row = await visibleEscalation(db, actor, escalationId, true);
        if (row.acknowledged_at) throw new ConflictError('The escalation has already been acknowledged.');
        if (row.resolved_at)
          throw new ConflictError(
            `The escalation was resolved ${row.resolved_at.toISOString()} (${row.resolution ?? 'resolved'}); nothing is left to acknowledge.`,
          );
        await assertSettled(db, row.case_id);
        const updated = (
          await db.query<EscalationRow>(
            `UPDATE escalations SET acknowledged_at = $2, acknowledged_by = $3 WHERE id = $1 RETURNING *, $4::text AS reference`,
            [escalationId, now, actor.id, row.reference],
          )
        ).rows[0]!;
        await audit(db, actor, {
          action: 'update',
          entity: 'escalation',
          entityId: escalationId,
          caseId: row.case_id,
          detail: { change: 'acknowledged' },
        });
        staged = await stageChange(db, row.case_id, {
          kind: 'acknowledge',
          ack: { obligationId: row.obligation_id, staffId: actor.id },
        });
        return toEscalation(updated);
      },
      { landed: changeLanded(() => staged) },
    );
    return { result, ...(staged ? { staged } : {}) };
  });
}
