import type { Pool, PoolClient } from 'pg';
import { inTransaction } from '../db/tx';
import type { CaseSchedule, CaseStatus } from '../core/case-contract';
import { assessmentRefusal } from '../core/case-status-rules';
import type { Actor } from './actor';
import { canAccessCase } from './access';
import { caseEpisodes, type Episode } from './case-history';
import { audit } from './audit';
import { ConflictError, NotFoundError, UnprocessableError } from '../core/errors';
import type { RiskLevel } from '../core/policy';
import type { CaseWorkflows } from './ports';
import { recordIntake, type IntakeRequest } from './intake';
import { activeStaff, type StaffRef } from './staff-refs';
import { projectedSchedule } from './projected-schedule';
import {
  changeLanded,
  deliverAfterCommit,
  stageChange,
  withChangeLog,
  assertSettled,
  undeliveredCount,
  type Applied,
  type StagedChange,
} from './case-changes';

export interface CaseDeps {
  pool: Pool;
  workflows: CaseWorkflows;
  /** What "now" means for recorded facts; tests hand in the time-skipping server's clock. */
  clock?: () => Date;
}

export type { IntakeRequest, NewClient } from './intake';

export interface CaseRecord {
  id: string;
  reference: string;
  clientId: string;
  programId: string;
  caseManagerId: string;
  supervisorId: string;
  status: string;
  riskLevel: RiskLevel;
  openedAt: string;
  closedAt: string | null;
  workflowId: string | null;
  nextDueAt: string | null;
  nextDueKind: string | null;
  overdueCount: number;
  escalationLevel: number;
}

export interface CaseRow {
  id: string;
  reference: string;
  client_id: string;
  program_id: string;
  case_manager_id: string;
  supervisor_id: string;
  status: CaseStatus;
  risk_level: RiskLevel;
  opened_at: Date;
  closed_at: Date | null;
  workflow_id: string | null;
  next_due_at: Date | null;
  next_due_kind: string | null;
  overdue_count: number;
  escalation_level: number;
  program_manager_id: string | null;
}

export const toRecord = (r: CaseRow): CaseRecord => ({
  id: r.id,
  reference: r.reference,
  clientId: r.client_id,
  programId: r.program_id,
  caseManagerId: r.case_manager_id,
  supervisorId: r.supervisor_id,
  status: r.status,
  riskLevel: r.risk_level,
  openedAt: r.opened_at.toISOString(),
  closedAt: r.closed_at?.toISOString() ?? null,
  workflowId: r.workflow_id,
  nextDueAt: r.next_due_at?.toISOString() ?? null,
  nextDueKind: r.next_due_kind,
  overdueCount: r.overdue_count,
  escalationLevel: r.escalation_level,
});

export type { StaffRef };

export async function staffById(db: PoolClient, id: string, field: string): Promise<StaffRef> {
  const row = (
    await db.query<StaffRef>('SELECT id, role, active, supervisor_id FROM staff WHERE id = $1', [id])
  ).rows[0];
  return activeStaff(row, field);
}

/**
 * Intake: records the client (if new), the case and the start of its workflow in one transaction,
 * then starts the workflow (src/domain/case-changes.ts). The workflow never runs before its case
 * is committed, so it never gives up on a case that exists; a start that cannot happen within the
 * bound is left to the relay and the caller is told 202 (`pending`).
 */
export async function openCase(
  deps: CaseDeps,
  actor: Actor,
  req: IntakeRequest,
  now = deps.clock?.() ?? new Date(),
): Promise<CaseRecord & Applied> {
  let staged: StagedChange | undefined;
  const recorded = await inTransaction(
    deps.pool,
    async (db) => {
      const r = await recordIntake<Omit<CaseRow, 'program_manager_id'>>(db, actor, req, now);
      staged = r.staged;
      return r;
    },
    { landed: changeLanded(() => staged) },
  );
  const record = toRecord({ ...recorded.row, program_manager_id: null });
  // A case this new has no change but its start: deliver it without looking the log up.
  const start = { id: recorded.staged.id, seq: recorded.staged.seq, payload: recorded.start };
  return { ...record, ...(await deliverAfterCommit(deps, record.id, [start])) };
}

export async function loadCase(
  db: Pool | PoolClient,
  actor: Actor,
  caseId: string,
  lock = false,
): Promise<CaseRow> {
  const row = (
    await db.query<CaseRow>(
      `SELECT c.*, p.program_manager_id FROM cases c JOIN programs p ON p.id = c.program_id
        WHERE c.id = $1 ${lock ? 'FOR UPDATE OF c' : ''}`,
      [caseId],
    )
  ).rows[0];
  // A case the actor may not see is reported exactly like one that does not exist.
  if (!row || !canAccessCase(actor, row)) throw new NotFoundError(`No case ${caseId}.`);
  return row;
}

export interface CaseView extends CaseRecord {
  client: { id: string; initials: string };
  openEscalations: {
    id: string;
    obligationKind: string;
    level: number;
    raisedAt: string;
    recipientId: string;
  }[];
  /** Every episode of the case, oldest first; reopening starts a new one and keeps the old. */
  episodes: Episode[];
  schedule: CaseSchedule | null;
  scheduleError?: string;
  /** Changes recorded on the case that its workflow has not confirmed yet (the relay is delivering them). */
  pendingChanges: number;
}

/**
 * The case record plus its schedule as the workflow last projected it: one read of PostgreSQL, the
 * same whatever the worker caches. `live` asks the workflow instead (its query), as does a case
 * whose projection is not written yet or still being written after a change; when the workflow
 * cannot answer, `schedule` is null with `scheduleError`.
 */
export async function getCase(
  deps: CaseDeps,
  actor: Actor,
  caseId: string,
  opts: { live?: boolean } = {},
): Promise<CaseView> {
  const row = await loadCase(deps.pool, actor, caseId);
  const client = (
    await deps.pool.query<{ given_name: string; family_name: string }>(
      'SELECT given_name, family_name FROM clients WHERE id = $1',
      [row.client_id],
    )
  ).rows[0]!;
  await audit(deps.pool, actor, { action: 'read', entity: 'case', entityId: row.id, caseId: row.id });
  let schedule: CaseSchedule | null =
    (!opts.live && (await projectedSchedule(deps.pool, row.id, deps.clock?.() ?? new Date()))) || null;
  let scheduleError: string | undefined;
  if (!schedule) {
    try {
      schedule = await deps.workflows.schedule(row.id);
    } catch (err) {
      scheduleError = `Live schedule unavailable: ${(err as Error).message}`;
    }
  }
  const escalations = await deps.pool.query<{
    id: string;
    obligation_kind: string;
    level: number;
    raised_at: Date;
    recipient_id: string;
  }>(
    `SELECT id, obligation_kind, level, raised_at, recipient_id FROM escalations
      WHERE case_id = $1 AND acknowledged_at IS NULL AND resolved_at IS NULL ORDER BY raised_at`,
    [row.id],
  );
  return {
    ...toRecord(row),
    openEscalations: escalations.rows.map((e) => ({
      id: e.id,
      obligationKind: e.obligation_kind,
      level: e.level,
      raisedAt: e.raised_at.toISOString(),
      recipientId: e.recipient_id,
    })),
    episodes: await caseEpisodes(deps.pool, row),
    pendingChanges: await undeliveredCount(deps.pool, row.id),
    client: {
      id: row.client_id,
      initials: `${client.given_name.charAt(0)}. ${client.family_name.charAt(0)}.`,
    },
    schedule,
    ...(scheduleError ? { scheduleError } : {}),
  };
}

/** The standard life domains; a program may add its own (programs.extra_domains). */
export const LIFE_DOMAINS = [
  'housing',
  'income',
  'employment',
  'health',
  'mental_health',
  'substance_use',
  'safety',
  'family_social_support',
  'legal',
  'education',
] as const;

async function programDomains(db: PoolClient, programId: string): Promise<string[]> {
  return (
    (
      await db.query<{ extra_domains: string[] }>('SELECT extra_domains FROM programs WHERE id = $1', [
        programId,
      ])
    ).rows[0]?.extra_domains ?? []
  );
}

export interface AssessmentInput {
  kind: 'initial' | 'reassessment';
  scores: Record<string, number>;
  needs: string[];
  summary: string;
  completedAt?: string;
}

/** Records a completed assessment; the change reaches the workflow through the case's change log. */
export async function recordAssessment(
  deps: CaseDeps,
  actor: Actor,
  caseId: string,
  input: AssessmentInput,
  now = deps.clock?.() ?? new Date(),
): Promise<{ assessmentId: string } & Applied> {
  const completedAt = input.completedAt ? new Date(input.completedAt) : now;
  return withChangeLog(deps, caseId, async () => {
    let staged: StagedChange | undefined;
    const result = await inTransaction(
      deps.pool,
      async (db) => {
        const row = await loadCase(db, actor, caseId, true);
        await assertSettled(db, caseId);
        const forbidOnHold =
          row.status === 'on_hold' &&
          Boolean(
            (
              await db.query<{ forbid: boolean }>(
                'SELECT forbid_assessment_on_hold AS forbid FROM programs WHERE id = $1',
                [row.program_id],
              )
            ).rows[0]?.forbid,
          );
        const refusal = assessmentRefusal(row.status, forbidOnHold);
        if (refusal) throw new ConflictError(refusal);
        if (input.kind === 'initial') {
          const done = await db.query(
            `SELECT 1 FROM assessments WHERE case_id = $1 AND kind = 'initial' AND completed_at >= $2`,
            [caseId, row.opened_at],
          );
          if (done.rowCount)
            throw new ConflictError('The initial assessment is already recorded; record a reassessment.');
        }
        const allowedDomains = new Set([...LIFE_DOMAINS, ...(await programDomains(db, row.program_id))]);
        const unknown = Object.keys(input.scores).filter((d) => !allowedDomains.has(d));
        if (unknown.length) {
          throw new UnprocessableError(
            'Scores name domains the program does not use.',
            unknown.map((d) => ({ field: `body.scores.${d}`, reason: 'unknown life domain' })),
          );
        }
        if (completedAt.getTime() > now.getTime()) {
          throw new UnprocessableError('completedAt is in the future.', [
            { field: 'body.completedAt', reason: 'in the future' },
          ]);
        }
        if (completedAt.getTime() < row.opened_at.getTime()) {
          throw new UnprocessableError('completedAt is before the case was opened.', [
            { field: 'body.completedAt', reason: 'before intake' },
          ]);
        }
        const assessmentId = (
          await db.query<{ id: string }>(
            `INSERT INTO assessments (case_id, kind, scores, needs, summary, completed_by, completed_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id`,
            [caseId, input.kind, input.scores, input.needs, input.summary, actor.id, completedAt],
          )
        ).rows[0]!.id;
        await audit(db, actor, { action: 'create', entity: 'assessment', entityId: assessmentId, caseId });
        staged = await stageChange(db, caseId, {
          kind: 'event',
          event: {
            type: 'assessment_recorded',
            assessmentId,
            kind: input.kind,
            completedAt: completedAt.toISOString(),
          },
        });
        return { assessmentId };
      },
      { landed: changeLanded(() => staged) },
    );
    return { result, ...(staged ? { staged } : {}) };
  });
}
