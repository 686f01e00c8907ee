import type { Actor } from './actor';
import { canApprove } from './access';
import { OPEN_PLAN_STATUSES, openPlanRefusal, planStatusRefusal } from '../core/case-status-rules';
import { audit } from './audit';
import { assertOpen, changeCase, reportedTime } from './case-actions';
import type { CaseDeps } from './cases';
import { ConflictError, ForbiddenError, NotFoundError, UnprocessableError } from '../core/errors';

export type GoalStatus = 'not_started' | 'in_progress' | 'achieved' | 'not_achieved' | 'dropped';

export interface GoalInput {
  domain: string;
  description: string;
  measure: string;
  baseline?: string | undefined;
  target?: string | undefined;
  targetDate: string;
}

export interface PlanInput {
  summary: string;
  goals: GoalInput[];
}

const today = (now: Date): string => now.toISOString().slice(0, 10);

/** A new plan version in draft, with SMART goals (specific, measurable, time-bound by their target date). */
export async function createPlan(
  deps: CaseDeps,
  actor: Actor,
  caseId: string,
  input: PlanInput,
  now = deps.clock?.() ?? new Date(),
) {
  return changeCase(deps, actor, caseId, async (db, row) => {
    const refusal = planStatusRefusal(row.status, `Case ${row.reference}`);
    if (refusal) throw new ConflictError(refusal);
    input.goals.forEach((g, i) => {
      if (g.targetDate < today(now)) {
        throw new UnprocessableError('A goal cannot be due before the plan is written.', [
          { field: `body.goals.${i}.targetDate`, reason: 'before the plan date' },
        ]);
      }
    });
    const open = await db.query('SELECT 1 FROM service_plans WHERE case_id = $1 AND status = ANY($2)', [
      caseId,
      OPEN_PLAN_STATUSES,
    ]);
    const openPlan = openPlanRefusal(Boolean(open.rowCount));
    if (openPlan) throw new ConflictError(openPlan);
    const version = (
      await db.query<{ v: number }>(
        'SELECT coalesce(max(version), 0) + 1 AS v FROM service_plans WHERE case_id = $1',
        [caseId],
      )
    ).rows[0]!.v;
    const planId = (
      await db.query<{ id: string }>(
        `INSERT INTO service_plans (case_id, version, summary, created_by) VALUES ($1, $2, $3, $4) RETURNING id`,
        [caseId, version, input.summary, actor.id],
      )
    ).rows[0]!.id;
    const goalIds: string[] = [];
    for (const g of input.goals) {
      goalIds.push(
        (
          await db.query<{ id: string }>(
            `INSERT INTO goals (plan_id, domain, description, measure, baseline, target, target_date)
             VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id`,
            [planId, g.domain, g.description, g.measure, g.baseline ?? null, g.target ?? null, g.targetDate],
          )
        ).rows[0]!.id,
      );
    }
    await audit(db, actor, { action: 'create', entity: 'service_plan', entityId: planId, caseId });
    return { result: { planId, version, status: 'draft', goalIds } };
  });
}

async function lockPlan(db: import('pg').PoolClient, caseId: string, planId: string) {
  const plan = (
    await db.query<{ id: string; status: string; version: number }>(
      'SELECT id, status, version FROM service_plans WHERE id = $1 AND case_id = $2 FOR UPDATE',
      [planId, caseId],
    )
  ).rows[0];
  if (!plan) throw new NotFoundError(`No plan ${planId} on this case.`);
  return plan;
}

/** Every submission and decision stays on record: returning a plan twice keeps both notes. */
async function recordPlanEvent(
  db: import('pg').PoolClient,
  e: {
    planId: string;
    caseId: string;
    what: 'submitted' | 'approved' | 'returned';
    note?: string;
    at: Date;
    actorId: string;
  },
): Promise<void> {
  await db.query(
    'INSERT INTO plan_events (plan_id, case_id, what, note, at, actor_id) VALUES ($1, $2, $3, $4, $5, $6)',
    [e.planId, e.caseId, e.what, e.note ?? null, e.at, e.actorId],
  );
}

export async function submitPlan(
  deps: CaseDeps,
  actor: Actor,
  caseId: string,
  planId: string,
  now = deps.clock?.() ?? new Date(),
) {
  return changeCase(deps, actor, caseId, async (db, row) => {
    assertOpen(row);
    const plan = await lockPlan(db, caseId, planId);
    if (plan.status !== 'draft' && plan.status !== 'returned')
      throw new ConflictError(`The plan is ${plan.status}; only a draft or returned plan can be submitted.`);
    await db.query(
      `UPDATE service_plans SET status = 'submitted', submitted_at = $2, submitted_by = $3 WHERE id = $1`,
      [planId, now, actor.id],
    );
    await recordPlanEvent(db, { planId, caseId, what: 'submitted', at: now, actorId: actor.id });
    await audit(db, actor, {
      action: 'update',
      entity: 'service_plan',
      entityId: planId,
      caseId,
      detail: { change: 'submitted' },
    });
    return {
      result: { planId, status: 'submitted' },
      event: { type: 'plan_submitted', planId, at: now.toISOString() },
    };
  });
}

export async function decidePlan(
  deps: CaseDeps,
  actor: Actor,
  caseId: string,
  planId: string,
  decision: { decision: 'approved' | 'returned'; note?: string },
  now = deps.clock?.() ?? new Date(),
) {
  return changeCase(deps, actor, caseId, async (db, row) => {
    if (!canApprove(actor, row))
      throw new ForbiddenError('Only the supervisor, program manager or an admin may decide on a plan.');
    assertOpen(row);
    const plan = await lockPlan(db, caseId, planId);
    if (plan.status !== 'submitted')
      throw new ConflictError(`The plan is ${plan.status}; only a submitted plan can be decided.`);
    if (decision.decision === 'approved') {
      await db.query(
        `UPDATE service_plans SET status = 'superseded' WHERE case_id = $1 AND status = 'approved'`,
        [caseId],
      );
    }
    await db.query(
      `UPDATE service_plans SET status = $2, decided_at = $3, decided_by = $4, decision_note = $5 WHERE id = $1`,
      [planId, decision.decision, now, actor.id, decision.note ?? null],
    );
    await recordPlanEvent(db, {
      planId,
      caseId,
      what: decision.decision,
      note: decision.note,
      at: now,
      actorId: actor.id,
    });
    const goals = (
      await db.query<{ id: string; target_date: string }>(
        `SELECT id, to_char(target_date, 'YYYY-MM-DD') AS target_date FROM goals WHERE plan_id = $1`,
        [planId],
      )
    ).rows.map((g) => ({ goalId: g.id, targetDate: g.target_date }));
    await audit(db, actor, {
      action: 'update',
      entity: 'service_plan',
      entityId: planId,
      caseId,
      detail: { change: decision.decision },
    });
    return {
      result: { planId, status: decision.decision },
      event: { type: 'plan_decided', planId, decision: decision.decision, at: now.toISOString(), goals },
    };
  });
}

export async function recordGoalProgress(
  deps: CaseDeps,
  actor: Actor,
  caseId: string,
  goalId: string,
  input: { status: GoalStatus; note: string; at?: string },
  now = deps.clock?.() ?? new Date(),
) {
  const at = reportedTime(input.at, now);
  return changeCase(deps, actor, caseId, async (db, row) => {
    assertOpen(row);
    const goal = (
      await db.query<{ id: string; plan_status: string }>(
        `SELECT g.id, p.status AS plan_status FROM goals g JOIN service_plans p ON p.id = g.plan_id
          WHERE g.id = $1 AND p.case_id = $2 FOR UPDATE OF g`,
        [goalId, caseId],
      )
    ).rows[0];
    if (!goal) throw new NotFoundError(`No goal ${goalId} on this case.`);
    if (goal.plan_status !== 'approved')
      throw new ConflictError('Progress is recorded against goals of the approved plan.');
    const id = (
      await db.query<{ id: string }>(
        `INSERT INTO goal_progress (goal_id, at, status, note, recorded_by) VALUES ($1, $2, $3, $4, $5) RETURNING id`,
        [goalId, at, input.status, input.note, actor.id],
      )
    ).rows[0]!.id;
    await db.query('UPDATE goals SET status = $2 WHERE id = $1', [goalId, input.status]);
    await audit(db, actor, { action: 'create', entity: 'goal_progress', entityId: id, caseId });
    return {
      result: { id, goalId, status: input.status },
      event: { type: 'goal_progress', goalId, status: input.status, at: at.toISOString() },
    };
  });
}
