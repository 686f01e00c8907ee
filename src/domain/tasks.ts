import type { Pool, PoolClient } from 'pg';
import { canAccessCase, isAdmin } from './access';
import type { Actor, Role } from './actor';
import { audit } from './audit';
import { staffZones } from './case-calendar';
import { changeCase } from './case-actions';
import { loadCase, type CaseDeps, type CaseRow } from './cases';
import { ConflictError, ForbiddenError, NotFoundError, UnprocessableError } from '../core/errors';
import { closedRefusal } from '../core/case-status-rules';

/**
 * Tasks: follow-through beyond the fixed obligations. Someone responsible for the case adds one
 * (what, who does it, by when); the case's workflow runs the `task` obligation's ladder to its
 * assignee until it is marked done or cancelled. The due time is an instant (the pages read and
 * show it in the viewer's own zone); the reminders keep the assignee's working hours.
 */

export type TaskStatus = 'open' | 'done' | 'cancelled';

export interface Task {
  id: string;
  what: string;
  assigneeId: string;
  dueAt: string;
  status: TaskStatus;
  createdBy: string;
  createdAt: string;
  closedBy: string | null;
  closedAt: string | null;
  closeNote: string | null;
}

export interface TaskInput {
  what: string;
  assigneeId: string;
  dueAt: string;
}

/** Who may add tasks to a case: its case manager, its supervisor, an admin. */
export function canAddTask(actor: Actor, c: Pick<CaseRow, 'case_manager_id' | 'supervisor_id'>): boolean {
  return (
    isAdmin(actor) ||
    c.case_manager_id === actor.id ||
    (actor.role === 'supervisor' && c.supervisor_id === actor.id)
  );
}

/** Who may mark a task done or cancel it: its assignee, or anyone who may add tasks to the case. */
export const canCloseTask = (
  actor: Actor,
  c: Pick<CaseRow, 'case_manager_id' | 'supervisor_id'>,
  task: Pick<Task, 'assigneeId'>,
): boolean => task.assigneeId === actor.id || canAddTask(actor, c);

export interface Assignable {
  id: string;
  fullName: string;
  role: Role;
}

/**
 * The staff a task on this case may be assigned to: active staff who may see the case, by the
 * same rule as every read of it (its case manager, its supervisor, its program's manager, admins).
 */
export async function assignableStaff(
  db: Pool | PoolClient,
  c: Pick<CaseRow, 'case_manager_id' | 'supervisor_id' | 'program_manager_id'>,
): Promise<Assignable[]> {
  const rows = (
    await db.query<{ id: string; full_name: string; role: Role; email: string }>(
      `SELECT id, full_name, role, email FROM staff
        WHERE active AND (role = 'admin' OR id = ANY($1::uuid[]))
        ORDER BY full_name, id`,
      [[c.case_manager_id, c.supervisor_id, c.program_manager_id].filter(Boolean)],
    )
  ).rows;
  return rows
    .filter((s) => canAccessCase({ id: s.id, role: s.role, email: s.email }, c))
    .map((s) => ({ id: s.id, fullName: s.full_name, role: s.role }));
}

interface TaskRow {
  id: string;
  what: string;
  assignee_id: string;
  due_at: Date;
  status: TaskStatus;
  created_by: string;
  created_at: Date;
  closed_by: string | null;
  closed_at: Date | null;
  close_note: string | null;
}

const toTask = (r: TaskRow): Task => ({
  id: r.id,
  what: r.what,
  assigneeId: r.assignee_id,
  dueAt: r.due_at.toISOString(),
  status: r.status,
  createdBy: r.created_by,
  createdAt: r.created_at.toISOString(),
  closedBy: r.closed_by,
  closedAt: r.closed_at?.toISOString() ?? null,
  closeNote: r.close_note,
});

export async function addTask(
  deps: CaseDeps,
  actor: Actor,
  caseId: string,
  input: TaskInput,
  now = deps.clock?.() ?? new Date(),
) {
  return changeCase(deps, actor, caseId, async (db, row) => {
    const refusal = closedRefusal(row.status, `Case ${row.reference}`);
    if (refusal) throw new ConflictError(refusal);
    // On hold every clock stands still; a task's due time is a chosen instant that a hold would move.
    if (row.status === 'on_hold')
      throw new ConflictError(`Case ${row.reference} is on hold; resume it before adding a task.`);
    if (!canAddTask(actor, row))
      throw new ForbiddenError("Only the case's case manager, its supervisor or an admin may add tasks.");
    const dueAt = new Date(input.dueAt);
    if (dueAt.getTime() <= now.getTime())
      throw new UnprocessableError('dueAt is not in the future.', [
        { field: 'body.dueAt', reason: 'not in the future' },
      ]);
    if (!(await assignableStaff(db, row)).some((s) => s.id === input.assigneeId))
      throw new UnprocessableError('The assignee is not an active staff member with access to this case.', [
        { field: 'body.assigneeId', reason: 'no access to the case' },
      ]);
    const task = (
      await db.query<TaskRow>(
        `INSERT INTO case_tasks (case_id, what, assignee_id, due_at, created_by, created_at)
         VALUES ($1, $2, $3, $4, $5, $6) RETURNING *`,
        [caseId, input.what, input.assigneeId, dueAt, actor.id, now],
      )
    ).rows[0]!;
    await db.query(
      `INSERT INTO case_task_events (task_id, case_id, what, at, actor_id, assignee_id)
       VALUES ($1, $2, 'added', $3, $4, $5)`,
      [task.id, caseId, now, actor.id, input.assigneeId],
    );
    await audit(db, actor, { action: 'create', entity: 'case_task', entityId: task.id, caseId });
    return {
      result: { id: task.id, task: toTask(task) },
      event: {
        type: 'task_added',
        taskId: task.id,
        assigneeId: input.assigneeId,
        dueAt: dueAt.toISOString(),
        at: now.toISOString(),
        zones: await staffZones(db, [input.assigneeId]),
      },
    };
  });
}

/** Marks a task done or cancels it: its reminders stop, and the timeline says who and when. */
export async function closeTask(
  deps: CaseDeps,
  actor: Actor,
  caseId: string,
  taskId: string,
  input: { outcome: 'done' | 'cancelled'; note?: string | undefined },
  now = deps.clock?.() ?? new Date(),
) {
  // Not an id at all (a page's path): no such task, rather than a database error.
  if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(taskId))
    throw new NotFoundError(`No task ${taskId} on this case.`);
  return changeCase(deps, actor, caseId, async (db, row) => {
    const task = (
      await db.query<TaskRow>('SELECT * FROM case_tasks WHERE id = $1 AND case_id = $2 FOR UPDATE', [
        taskId,
        caseId,
      ])
    ).rows[0];
    if (!task) throw new NotFoundError(`No task ${taskId} on this case.`);
    if (!canCloseTask(actor, row, { assigneeId: task.assignee_id }))
      throw new ForbiddenError(
        "Only the task's assignee, the case's case manager, its supervisor or an admin may close it.",
      );
    if (task.status !== 'open') throw new ConflictError(`The task is already ${task.status}.`);
    const refusal = closedRefusal(row.status, `Case ${row.reference}`);
    if (refusal) throw new ConflictError(refusal);
    const note = input.note?.trim() ? input.note.trim() : null;
    const closed = (
      await db.query<TaskRow>(
        `UPDATE case_tasks SET status = $2, closed_by = $3, closed_at = $4, close_note = $5
          WHERE id = $1 RETURNING *`,
        [taskId, input.outcome, actor.id, now, note],
      )
    ).rows[0]!;
    await db.query(
      `INSERT INTO case_task_events (task_id, case_id, what, note, at, actor_id) VALUES ($1, $2, $3, $4, $5, $6)`,
      [taskId, caseId, input.outcome, note, now, actor.id],
    );
    await audit(db, actor, {
      action: 'update',
      entity: 'case_task',
      entityId: taskId,
      caseId,
      detail: { status: input.outcome },
    });
    return {
      result: { id: taskId, task: toTask(closed) },
      event: { type: 'task_closed', taskId, outcome: input.outcome, at: now.toISOString() },
    };
  });
}

/** The case's tasks, open ones first (soonest due first), then closed ones (latest first). Audited. */
export async function listTasks(pool: Pool, actor: Actor, caseId: string): Promise<Task[]> {
  await loadCase(pool, actor, caseId);
  const rows = (
    await pool.query<TaskRow>(
      `SELECT * FROM case_tasks WHERE case_id = $1
        ORDER BY status <> 'open', CASE WHEN status = 'open' THEN due_at END, closed_at DESC, id`,
      [caseId],
    )
  ).rows;
  await audit(pool, actor, { action: 'read', entity: 'case_task', caseId, detail: { tasks: rows.length } });
  return rows.map(toTask);
}

/** Who may be assigned tasks on a case the actor may see (for the page's choice of assignee). */
export async function assignableFor(pool: Pool, actor: Actor, caseId: string): Promise<Assignable[]> {
  return assignableStaff(pool, await loadCase(pool, actor, caseId));
}
