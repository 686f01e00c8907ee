import type { PoolClient } from 'pg';
import { staffZones } from './case-calendar';
import { inTransaction } from '../db/tx';
import type { AppointmentHandOver, CaseEvent, EscalationHandOver } from '../core/case-contract';
import {
  closedRefusal,
  closureRequestRefusal,
  reopenRefusal,
  statusRefusal,
} from '../core/case-status-rules';
import {
  assertSettled,
  changeLanded,
  INLINE_DELIVERY_MS,
  stageChange,
  withChangeLog,
  type Applied,
  type StagedChange,
} from './case-changes';
import { assertCaseParties, canApprove, type PartyRef } from './access';
import type { Actor } from './actor';
import { handAppointmentsOver } from './appointment-handover';
import { handEscalationsOver } from './escalation-handover';
import { audit } from './audit';
import { recordClosedEpisode, recordClosureEvent, resolveOpenEscalations } from './case-history';
import { composeDischarge, type DischargeInput } from './discharge';
import { loadCase, staffById, toRecord, type CaseDeps, type CaseRecord, type CaseRow } from './cases';
import { ConflictError, ForbiddenError, UnprocessableError } from '../core/errors';
import { workflowInputFor } from './workflow-input';
import { cancelOpenTasks } from './task-closure';

/**
 * Every change to a case runs the same way: lock the row, check who may do it and whether the
 * case's state allows it, write the records and the change for the workflow, commit; then deliver
 * the change (src/domain/case-changes.ts). The record decides: once committed, the workflow gets
 * the change, now (200 with its schedule) or soon (202, `pending`).
 */
export async function changeCase<T>(
  deps: CaseDeps,
  actor: Actor,
  caseId: string,
  work: (db: PoolClient, row: CaseRow) => Promise<{ result: T; event?: CaseEvent }>,
): Promise<T & Applied> {
  return changeCaseLoaded(deps, caseId, (db) => loadCase(db, actor, caseId, true), work);
}

/**
 * The same, for a change made by someone who is not staff (a provider through their signed link):
 * `lock` loads and locks the case row, having checked their right to it its own way.
 */
export async function changeCaseLoaded<T>(
  deps: CaseDeps,
  caseId: string,
  lock: (db: PoolClient) => Promise<CaseRow>,
  work: (db: PoolClient, row: CaseRow) => Promise<{ result: T; event?: CaseEvent }>,
): Promise<T & Applied> {
  return withChangeLog(deps, caseId, async () => {
    let staged: StagedChange | undefined;
    const result = await inTransaction(
      deps.pool,
      async (db) => {
        const row = await lock(db);
        await assertSettled(db, caseId);
        const done = await work(db, row);
        if (done.event) staged = await stageChange(db, caseId, { kind: 'event', event: done.event });
        return done.result;
      },
      { landed: changeLanded(() => staged) },
    );
    return { result, ...(staged ? { staged } : {}) };
  });
}

/** The audit row every case change writes in its own transaction: who changed what on which case. */
function auditCaseChange(
  db: PoolClient,
  actor: Actor,
  caseId: string,
  detail: Record<string, unknown> & { change: string },
): Promise<void> {
  return audit(db, actor, { action: 'update', entity: 'case', entityId: caseId, caseId, detail });
}

/** When something happened, as reported: defaults to now and may not lie in the future. */
export function reportedTime(at: string | undefined, now: Date, field = 'body.at'): Date {
  const time = at ? new Date(at) : now;
  if (time.getTime() > now.getTime())
    throw new UnprocessableError(`${field.split('.').pop()} is in the future.`, [
      { field, reason: 'in the future' },
    ]);
  return time;
}

/** Refuses (409) a change the case's status does not allow; the rules are the workflow's too. */
function refuseIf(refusal: string | undefined): void {
  if (refusal) throw new ConflictError(refusal);
}

const named = (row: CaseRow): string => `Case ${row.reference}`;

export function assertOpen(row: CaseRow): void {
  refuseIf(closedRefusal(row.status, named(row)));
}

function assertStatusAllows(row: CaseRow, change: CaseEvent['type']): void {
  refuseIf(statusRefusal(row.status, change, named(row)));
}

export async function putOnHold(
  deps: CaseDeps,
  actor: Actor,
  caseId: string,
  reason: string,
  now = deps.clock?.() ?? new Date(),
) {
  return changeCase(deps, actor, caseId, async (db, row) => {
    assertStatusAllows(row, 'hold');
    await db.query(
      `UPDATE cases SET status_before_hold = status, on_hold_since = $2, hold_reason = $3 WHERE id = $1`,
      [caseId, now, reason],
    );
    await auditCaseChange(db, actor, caseId, { change: 'hold' });
    return { result: { caseId }, event: { type: 'hold', at: now.toISOString() } };
  });
}

export async function resume(
  deps: CaseDeps,
  actor: Actor,
  caseId: string,
  now = deps.clock?.() ?? new Date(),
) {
  return changeCase(deps, actor, caseId, async (db, row) => {
    assertStatusAllows(row, 'resume');
    await db.query(
      `UPDATE cases SET status_before_hold = NULL, on_hold_since = NULL, hold_reason = NULL WHERE id = $1`,
      [caseId],
    );
    await auditCaseChange(db, actor, caseId, { change: 'resume' });
    return { result: { caseId }, event: { type: 'resume', at: now.toISOString() } };
  });
}

export interface Reassignment {
  caseManagerId?: string;
  supervisorId?: string;
}

/** An open task that went to someone else because its assignee left the case: to whom. */
export interface MovedTask {
  taskId: string;
  assigneeId: string;
}

/** What a hand-over changed on one case: its new people, and the tasks and appointments that moved. */
export interface HandedOver {
  caseManagerId: string;
  supervisorId: string;
  tasks: MovedTask[];
  appointments?: AppointmentHandOver[];
  escalations?: EscalationHandOver[];
}

/** The `reassigned` event a reassignment sends its case's workflow (tasks and appointments only when some moved). */
export async function reassignedEvent(db: PoolClient, moved: HandedOver, now: Date): Promise<CaseEvent> {
  return {
    type: 'reassigned',
    caseManagerId: moved.caseManagerId,
    supervisorId: moved.supervisorId,
    at: now.toISOString(),
    zones: await staffZones(db, [moved.caseManagerId, moved.supervisorId]),
    ...(moved.tasks.length ? { tasks: moved.tasks } : {}),
    ...(moved.appointments?.length ? { appointments: moved.appointments } : {}),
    ...(moved.escalations?.length ? { escalations: moved.escalations } : {}),
  };
}

/** From the moment this commits, every reminder goes to the new people and none to the old. */
export async function reassign(
  deps: CaseDeps,
  actor: Actor,
  caseId: string,
  to: Reassignment,
  now = deps.clock?.() ?? new Date(),
) {
  return changeCase(deps, actor, caseId, async (db, row) => {
    if (!canApprove(actor, row))
      throw new ForbiddenError('Only the supervisor, program manager or an admin may reassign.');
    assertOpen(row);
    const result = await applyReassignment(db, actor, row, to, now);
    return { result, event: await reassignedEvent(db, result, now) };
  });
}

async function currentParty(db: PoolClient, id: string): Promise<PartyRef> {
  return (await db.query<PartyRef>('SELECT id, role, supervisor_id FROM staff WHERE id = $1', [id])).rows[0]!;
}

/** Shared by single reassignment and by deactivating a staff member with open cases. */
export async function applyReassignment(
  db: PoolClient,
  actor: Actor,
  row: CaseRow,
  to: Reassignment,
  now: Date,
): Promise<HandedOver & { caseId: string }> {
  if (!to.caseManagerId && !to.supervisorId) {
    throw new UnprocessableError('Name a new case manager or supervisor.', [
      { field: 'body', reason: 'nothing to change' },
    ]);
  }
  // A new case manager brings their own supervisor unless the request names one.
  const caseManager = to.caseManagerId
    ? await staffById(db, to.caseManagerId, 'body.caseManagerId')
    : await currentParty(db, row.case_manager_id);
  const supervisorId =
    to.supervisorId ?? (to.caseManagerId ? caseManager.supervisor_id : null) ?? row.supervisor_id;
  const supervisor = await staffById(db, supervisorId, 'body.supervisorId');
  // When only the supervisor changes, a case carried from before the rule keeps its carrier's
  // role unchecked; the new supervisor must still be responsible for them.
  const carrier = to.caseManagerId ? caseManager : { ...caseManager, role: 'case_manager' };
  assertCaseParties(carrier, supervisor, row.program_manager_id, {
    caseManager: 'body.caseManagerId',
    supervisor: 'body.supervisorId',
  });
  const caseManagerId = caseManager.id;
  await db.query(
    'UPDATE cases SET case_manager_id = $2, supervisor_id = $3, updated_at = now() WHERE id = $1',
    [row.id, caseManagerId, supervisorId],
  );
  const successor = successorsOf(row, { caseManagerId, supervisorId });
  const tasks = await moveOpenTasks(db, actor, row.id, successor, now);
  const appointments = await handAppointmentsOver(db, actor, row.id, successor, now);
  const escalations = await handEscalationsOver(db, row.id, successor);
  await auditCaseChange(db, actor, row.id, {
    change: 'reassign',
    from: { caseManagerId: row.case_manager_id, supervisorId: row.supervisor_id },
    to: { caseManagerId, supervisorId },
    ...(tasks.length ? { tasksMoved: tasks.length } : {}),
    ...(appointments.length ? { appointmentsMoved: appointments.length } : {}),
    ...(escalations.length ? { escalationsMoved: escalations.length } : {}),
  });
  return { caseId: row.id, caseManagerId, supervisorId, tasks, appointments, escalations };
}

/**
 * Who takes whose place on the case with this change: the outgoing case manager's open tasks and
 * appointments go to the new case manager, the outgoing supervisor's to the new supervisor. Someone
 * who stays on the case in another role, or its program's manager, keeps theirs.
 */
function successorsOf(
  row: CaseRow,
  to: { caseManagerId: string; supervisorId: string },
): Map<string, string> {
  const stays = new Set([to.caseManagerId, to.supervisorId, row.program_manager_id]);
  const successor = new Map<string, string>();
  if (!stays.has(row.case_manager_id)) successor.set(row.case_manager_id, to.caseManagerId);
  if (!stays.has(row.supervisor_id) && !successor.has(row.supervisor_id))
    successor.set(row.supervisor_id, to.supervisorId);
  return successor;
}

/**
 * Gives the case's open tasks of each `from` to its successor, each move on the task's timeline
 * ('reassigned', from whom, to whom, by whom); the moves, for the case's workflow.
 */
export async function moveOpenTasks(
  db: PoolClient,
  actor: Actor,
  caseId: string,
  successor: ReadonlyMap<string, string>,
  now: Date,
): Promise<MovedTask[]> {
  if (successor.size === 0) return [];
  const moved = await db.query<{ id: string; to_id: string }>(
    `WITH successor AS (
       SELECT * FROM jsonb_to_recordset($2::jsonb) AS s(from_id uuid, to_id uuid)
     ), leaving AS (
       SELECT t.id, t.assignee_id AS from_id, s.to_id
         FROM case_tasks t JOIN successor s ON s.from_id = t.assignee_id
        WHERE t.case_id = $1 AND t.status = 'open'
          FOR UPDATE OF t
     ), moved AS (
       UPDATE case_tasks t SET assignee_id = l.to_id FROM leaving l WHERE t.id = l.id
       RETURNING t.id, l.from_id, l.to_id
     ), logged AS (
       INSERT INTO case_task_events (task_id, case_id, what, at, actor_id, assignee_id, from_assignee_id)
       SELECT id, $1, 'reassigned', $3, $4, to_id, from_id FROM moved
     )
     SELECT id, to_id FROM moved ORDER BY id`,
    [
      caseId,
      JSON.stringify([...successor].map(([from, toId]) => ({ from_id: from, to_id: toId }))),
      now,
      actor.id,
    ],
  );
  return moved.rows.map((m) => ({ taskId: m.id, assigneeId: m.to_id }));
}

export async function changeRisk(
  deps: CaseDeps,
  actor: Actor,
  caseId: string,
  riskLevel: 'low' | 'medium' | 'high',
  now = deps.clock?.() ?? new Date(),
) {
  return changeCase(deps, actor, caseId, async (db, row) => {
    assertOpen(row);
    if (row.risk_level === riskLevel) throw new ConflictError(`The risk level is already ${riskLevel}.`);
    await db.query('UPDATE cases SET risk_level = $2 WHERE id = $1', [caseId, riskLevel]);
    await auditCaseChange(db, actor, caseId, { change: 'risk', riskLevel });
    return {
      result: { caseId, riskLevel },
      event: { type: 'risk_changed', riskLevel, at: now.toISOString() },
    };
  });
}

export async function requestClosure(
  deps: CaseDeps,
  actor: Actor,
  caseId: string,
  req: { reason: string; summary: string } & DischargeInput,
  now = deps.clock?.() ?? new Date(),
) {
  return changeCase(deps, actor, caseId, async (db, row) => {
    // The workflow's rule, and the record's own: a case on hold is resumed before it closes.
    refuseIf(closureRequestRefusal(row.status, named(row)));
    const discharge = await composeDischarge(db, caseId, req, now);
    await db.query(
      `UPDATE cases SET closure_reason = $2, closure_summary = $3, closure_requested_at = $4, closure_requested_by = $5,
                        closure_discharge = $6
        WHERE id = $1`,
      [caseId, req.reason, req.summary, now, actor.id, JSON.stringify(discharge)],
    );
    await recordClosureEvent(db, {
      caseId,
      what: 'requested',
      reason: req.reason,
      summary: req.summary,
      at: now,
      actorId: actor.id,
      discharge,
    });
    await auditCaseChange(db, actor, caseId, { change: 'closure_requested' });
    return { result: { caseId }, event: { type: 'closure_requested', at: now.toISOString() } };
  });
}

export interface ClosureDecision {
  decision: 'approved' | 'returned';
  /** Why: kept with the decision, so the case manager sees what to change before asking again. */
  note?: string;
}

export async function decideClosure(
  deps: CaseDeps,
  actor: Actor,
  caseId: string,
  { decision, note }: ClosureDecision,
  now = deps.clock?.() ?? new Date(),
) {
  return changeCase(deps, actor, caseId, async (db, row) => {
    if (!canApprove(actor, row))
      throw new ForbiddenError('Only the supervisor, program manager or an admin may decide a closure.');
    assertStatusAllows(row, 'closure_decided');
    await recordClosureEvent(db, { caseId, what: decision, note, at: now, actorId: actor.id });
    let escalationsResolved = 0;
    if (decision === 'approved') {
      await db.query('UPDATE cases SET closed_at = $2, closed_by = $3 WHERE id = $1', [
        caseId,
        now,
        actor.id,
      ]);
      await recordClosedEpisode(db, caseId, now, actor.id);
      escalationsResolved = await resolveOpenEscalations(db, caseId, now, 'case closed');
      await cancelOpenTasks(db, caseId, now, actor.id);
    } else {
      await db.query(
        'UPDATE cases SET closure_requested_at = NULL, closure_requested_by = NULL WHERE id = $1',
        [caseId],
      );
    }
    await auditCaseChange(db, actor, caseId, {
      change: `closure_${decision}`,
      ...(escalationsResolved ? { escalationsResolved } : {}),
    });
    return {
      result: { caseId, decision },
      event: { type: 'closure_decided', decision, at: now.toISOString() },
    };
  });
}

/**
 * Reopening a closed case starts a new episode and a new workflow run from a fresh intake time.
 * The episode that ended was kept in case_episodes when its closure was approved.
 */
export async function reopenCase(
  deps: CaseDeps,
  actor: Actor,
  caseId: string,
  now = deps.clock?.() ?? new Date(),
): Promise<CaseRecord & Applied> {
  // The closed run may still be finishing its last step; a start now would join it, not replace it.
  const row = await loadCase(deps.pool, actor, caseId);
  if (row.status === 'closed' && (await deps.workflows.running(caseId, { timeoutMs: INLINE_DELIVERY_MS })))
    throw new ConflictError(`Case ${row.reference} is still closing; try again in a moment.`);
  return withChangeLog(deps, caseId, async () => {
    let staged: StagedChange | undefined;
    const result = await inTransaction(
      deps.pool,
      async (db) => {
        const row = await loadCase(db, actor, caseId, true);
        if (!canApprove(actor, row))
          throw new ForbiddenError('Only the supervisor, program manager or an admin may reopen.');
        refuseIf(reopenRefusal(row.status, named(row)));
        await assertSettled(db, caseId);
        const updated = (
          await db.query<CaseRow>(
            `UPDATE cases SET status = 'assessment', opened_at = $2, closed_at = NULL, closed_by = NULL,
                    closure_reason = NULL, closure_summary = NULL, closure_discharge = NULL, closure_requested_at = NULL, closure_requested_by = NULL,
                    reopen_count = reopen_count + 1, projection_version = NULL, next_due_at = NULL, overdue_count = 0, escalation_level = 0, updated_at = now()
              WHERE id = $1 RETURNING *, $3::uuid AS program_manager_id`,
            [caseId, now, row.program_manager_id],
          )
        ).rows[0]!;
        await auditCaseChange(db, actor, caseId, { change: 'reopen' });
        staged = await stageChange(db, caseId, {
          kind: 'start',
          input: await workflowInputFor(db, updated),
        });
        return toRecord(updated);
      },
      { landed: changeLanded(() => staged) },
    );
    return { result, ...(staged ? { staged } : {}) };
  });
}
