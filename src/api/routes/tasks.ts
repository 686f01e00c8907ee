import { z } from 'zod';
import type { CaseDeps } from '../../domain/cases';
import { addTask, closeTask, listTasks } from '../../domain/tasks';
import type { ApiRouter } from '../route';
import { isoDateTime, text, trimmed, uuid } from '../schemas';

/** Tasks on a case: added by its case manager, supervisor or an admin; reminded to their assignee. */

/** The request bodies, exported so the staff pages parse forms with exactly the API's rules. */
export const taskBody = z
  .strictObject({
    what: text(300).meta({ description: 'What is to be done (staff-written; shown in its reminders)' }),
    assigneeId: uuid.meta({ description: 'Who does it: an active staff member with access to the case' }),
    dueAt: isoDateTime.meta({ description: 'When it is due: an ISO 8601 instant in the future' }),
  })
  .meta({ id: 'TaskInput' });

export const taskCloseBody = z
  .strictObject({ note: trimmed(2000).optional() })
  .meta({ id: 'TaskClose', description: 'An optional note, kept with the task and on the timeline' });

const instant = z.string().meta({ description: 'An ISO 8601 instant (UTC)' });

const task = z
  .object({
    id: uuid,
    what: z.string(),
    assigneeId: uuid,
    dueAt: instant,
    status: z.enum(['open', 'done', 'cancelled']),
    createdBy: uuid,
    createdAt: instant,
    closedBy: uuid.nullable(),
    closedAt: instant.nullable(),
    closeNote: z.string().nullable(),
  })
  .meta({ id: 'Task' });

const taskResult = z.object({ id: uuid, task, schedule: z.unknown().optional() }).passthrough();
const taskParams = z.strictObject({ caseId: uuid, taskId: uuid });

export function registerTaskRoutes(api: ApiRouter, deps: CaseDeps): void {
  api.add({
    method: 'post',
    path: '/cases/:caseId/tasks',
    changesCase: true,
    operationId: 'addTask',
    description:
      "Adds a task to the case: what, who does it and when it is due. Its case manager, its supervisor or an admin may add one (403 otherwise). The assignee must be an active staff member who may see the case (its case manager, supervisor, program manager, or an admin), else 422; a due time not in the future is 422; a closed or on-hold case is 409. Its reminders (heads-up, due, overdue) go to the assignee and, if it stays overdue, the case's supervisor is told, by the program's ladder policy.",
    summary: 'Add a task to a case',
    tag: 'tasks',
    params: z.strictObject({ caseId: uuid }),
    body: taskBody,
    responses: { 201: { description: 'Task added', schema: taskResult } },
    handler: async ({ params, body, actor }) => ({
      status: 201,
      body: await addTask(deps, actor, params.caseId, body),
    }),
  });
  api.add({
    method: 'get',
    path: '/cases/:caseId/tasks',
    operationId: 'listTasks',
    description:
      "The case's tasks: open ones first, soonest due first, then done and cancelled ones, latest first, each with who closed it and when. 404 when you may not see the case. Audited.",
    summary: 'The case’s tasks',
    tag: 'tasks',
    params: z.strictObject({ caseId: uuid }),
    responses: { 200: { description: 'Tasks', schema: z.object({ items: z.array(task) }) } },
    handler: async ({ params, actor }) => ({
      status: 200,
      body: { items: await listTasks(deps.pool, actor, params.caseId) },
    }),
  });
  for (const outcome of ['done', 'cancelled'] as const) {
    const verb = outcome === 'done' ? 'done' : 'cancel';
    api.add({
      method: 'post',
      path: `/cases/:caseId/tasks/:taskId/${verb}`,
      changesCase: true,
      operationId: outcome === 'done' ? 'markTaskDone' : 'cancelTask',
      description: `${outcome === 'done' ? 'Marks the task done' : 'Cancels the task'}: its reminders stop and the timeline records who and when. The assignee, the case manager, the supervisor or an admin may (403 otherwise); a task already done or cancelled is 409.`,
      summary: outcome === 'done' ? 'Mark a task done' : 'Cancel a task',
      tag: 'tasks',
      params: taskParams,
      body: taskCloseBody,
      responses: { 200: { description: outcome === 'done' ? 'Done' : 'Cancelled', schema: taskResult } },
      handler: async ({ params, body, actor }) => ({
        status: 200,
        body: await closeTask(deps, actor, params.caseId, params.taskId, { outcome, note: body.note }),
      }),
    });
  }
}
