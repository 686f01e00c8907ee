import { z } from 'zod';
import type { Pool } from 'pg';
import { myWork } from '../../domain/work';
import type { ApiRouter } from '../route';
import { uuid } from '../schemas';

const instant = z.string().meta({ description: 'An ISO 8601 instant (UTC)' });

const workItem = z
  .object({
    caseId: uuid,
    caseReference: z.string(),
    clientInitials: z.string(),
    obligationId: z.string(),
    obligationKind: z.string(),
    subjectId: z.string().nullable().meta({ description: 'The referral, goal or plan it is about' }),
    dueAt: instant,
    dueDate: z.string().meta({ description: 'The date it falls due on in your time zone (YYYY-MM-DD)' }),
    escalationLevel: z.number().int().meta({ description: '0 none, 1 supervisor, 2 program manager' }),
    acknowledged: z.boolean(),
    owner: z.enum(['case_manager', 'supervisor', 'assignee']).nullable().meta({
      description:
        "Whose work it is: the case manager's, the supervisor's (approvals), or its assignee's (tasks)",
    }),
    assigneeId: uuid.nullable().meta({ description: 'The staff member it names (a task’s assignee)' }),
    assigneeName: z.string().nullable(),
  })
  .meta({ id: 'WorkItem' });

const myWorkSchema = z
  .object({
    timeZone: z.string().meta({ description: 'Your time zone: "today" and "this week" are counted in it' }),
    asOf: instant,
    overdue: z.array(workItem).meta({ description: 'Due before now, most overdue first' }),
    today: z.array(workItem).meta({ description: 'Due later today, soonest first' }),
    thisWeek: z.array(workItem).meta({ description: 'Due in the seven days after today, soonest first' }),
    truncated: z.boolean().meta({ description: 'More was due than the 500 items listed' }),
  })
  .meta({ id: 'MyWork' });

export function registerWorkRoutes(api: ApiRouter, deps: { pool: Pool; clock?: () => Date }): void {
  api.add({
    method: 'get',
    path: '/me/work',
    operationId: 'getMyWork',
    summary: 'What is overdue, due today and due this week across the cases you may see',
    description:
      "Every running obligation of the cases you may see (your caseload, your team's, your program's, or all for admins) that is overdue, due today or due in the seven days after today, today counted in your own time zone. The due times are the ones each case's workflow derived; obligations whose clocks are paused (case on hold, or waiting for closure approval) are left out. Each case shown is audited.",
    tag: 'staff',
    neverAnswers: [403, 404],
    responses: { 200: { description: 'Your work', schema: myWorkSchema } },
    handler: async ({ actor }) => ({
      status: 200,
      body: await myWork(deps.pool, actor, { now: deps.clock?.() ?? new Date() }),
    }),
  });
}
