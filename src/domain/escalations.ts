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

/** What became of the overdue work an escalation was about, from the workflow's own schedule. */
export type Aftermath =
  /** Still owed (its clock running or paused), due at `dueAt`. */
  | { state: 'open'; dueAt: string; running: boolean }
  /** Met: the workflow recorded it done at `at`. */
  | { state: 'met'; at: string }
  /** No longer on the case's schedule, with no record of it being met (e.g. the case closed). */
  | { state: 'gone' };

export interface EscalationOverviewItem extends Escalation {
  recipientId: string;
  recipientName: string;
  acknowledgedByName: string | null;
  caseManagerId: string;
  caseManagerName: string;
  /** The viewer may acknowledge it here (open, and they are its recipient or may approve on the case). */
  mayAcknowledge: boolean;
  since: Aftermath;
}

interface OverviewRow extends EscalationRow {
  recipient_name: string;
  acknowledged_by_name: string | null;
  case_manager_id: string;
  case_manager_name: string;
  supervisor_id: string;
  program_manager_id: string | null;
  still_due_at: Date | null;
  still_running: boolean | null;
  met_at: Date | null;
}

/** How far back "recent" reaches on the escalations page. */
export const RECENT_ESCALATION_DAYS = 30;
const MAX_ESCALATIONS = 500;

/**
 * Escalations on the cases the actor oversees (visible to them, not carried by them): the open
 * ones, and those acknowledged or resolved in the last `recentDays`, each with who was told, who
 * acknowledged and what happened since (the obligation still owed, from case_obligations, or met,
 * from the workflow's schedule decisions). Open first, newest first; `caseManagerId` narrows it to
 * one person's cases (the team view), `openOnly` to the open ones.
 */
export async function escalationOverview(
  pool: Pool,
  actor: Actor,
  now: Date,
  opts: { caseManagerId?: string; openOnly?: boolean; recentDays?: number } = {},
): Promise<EscalationOverviewItem[]> {
  const since = new Date(now.getTime() - (opts.recentDays ?? RECENT_ESCALATION_DAYS) * 86_400_000);
  const rows = (
    await pool.query<OverviewRow>(
      `SELECT e.*, c.reference, r.full_name AS recipient_name, a.full_name AS acknowledged_by_name,
              c.case_manager_id, cm.full_name AS case_manager_name, c.supervisor_id, p.program_manager_id,
              o.due_at AS still_due_at, o.running AS still_running,
              (SELECT max(d.occurred_at) FROM schedule_decisions d
                WHERE d.case_id = e.case_id AND d.obligation_id = e.obligation_id AND d.what = 'met') AS met_at
         FROM escalations e
         JOIN cases c ON c.id = e.case_id
         JOIN programs p ON p.id = c.program_id
         JOIN staff r ON r.id = e.recipient_id
         JOIN staff cm ON cm.id = c.case_manager_id
         LEFT JOIN staff a ON a.id = e.acknowledged_by
         LEFT JOIN case_obligations o ON o.case_id = e.case_id AND o.obligation_id = e.obligation_id
        WHERE ${visibleCasesSql(actor, 1)} AND c.case_manager_id <> $1
          AND ($3::uuid IS NULL OR c.case_manager_id = $3)
          AND ((e.acknowledged_at IS NULL AND e.resolved_at IS NULL)
               OR (NOT $4 AND (e.acknowledged_at >= $2 OR e.resolved_at >= $2)))
        ORDER BY (e.acknowledged_at IS NULL AND e.resolved_at IS NULL) DESC, e.raised_at DESC, e.id
        LIMIT $5`,
      [actor.id, since, opts.caseManagerId ?? null, opts.openOnly ?? false, MAX_ESCALATIONS],
    )
  ).rows;
  return rows.map((r) => {
    const open = !r.acknowledged_at && !r.resolved_at;
    return {
      ...toEscalation(r),
      recipientId: r.recipient_id,
      recipientName: r.recipient_name,
      acknowledgedByName: r.acknowledged_by_name,
      caseManagerId: r.case_manager_id,
      caseManagerName: r.case_manager_name,
      mayAcknowledge: open && canAcknowledgeEscalation(actor, r, r.recipient_id),
      since: r.still_due_at
        ? { state: 'open', dueAt: r.still_due_at.toISOString(), running: r.still_running ?? false }
        : r.met_at
          ? { state: 'met', at: r.met_at.toISOString() }
          : { state: 'gone' },
    };
  });
}
