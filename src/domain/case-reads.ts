import type { Pool } from 'pg';
import type { Actor } from './actor';
import { auditEach } from './audit';
import { loadCase } from './cases';
import { storedDischarge, type DischargeSummary } from './discharge';
import { NotFoundError } from '../core/errors';

/**
 * Reading back what was recorded on a case: assessments, plans with their goals, progress and
 * decisions, referrals with their status history, closure requests and decisions. Each read
 * checks the case is visible (404 otherwise, as loadCase) and audits every record it discloses.
 */

const iso = (d: Date): string => d.toISOString();
const isoOrNull = (d: Date | null): string | null => (d ? d.toISOString() : null);

export interface Assessment {
  id: string;
  kind: 'initial' | 'reassessment';
  scores: Record<string, number>;
  needs: string[];
  summary: string;
  completedBy: string;
  completedAt: string;
  recordedAt: string;
}

const ASSESSMENT_COLUMNS = 'id, kind, scores, needs, summary, completed_by, completed_at, created_at';

interface AssessmentRow {
  id: string;
  kind: Assessment['kind'];
  scores: Record<string, number>;
  needs: string[];
  summary: string;
  completed_by: string;
  completed_at: Date;
  created_at: Date;
}

const assessmentOf = (r: AssessmentRow): Assessment => ({
  id: r.id,
  kind: r.kind,
  scores: r.scores,
  needs: r.needs,
  summary: r.summary,
  completedBy: r.completed_by,
  completedAt: iso(r.completed_at),
  recordedAt: iso(r.created_at),
});

/** Every assessment on the case, oldest first, so domain scores read as a series over time. */
export async function listAssessments(pool: Pool, actor: Actor, caseId: string): Promise<Assessment[]> {
  await loadCase(pool, actor, caseId);
  const rows = (
    await pool.query<AssessmentRow>(
      `SELECT ${ASSESSMENT_COLUMNS}
         FROM assessments WHERE case_id = $1 ORDER BY completed_at, created_at, id`,
      [caseId],
    )
  ).rows;
  await auditEach(
    pool,
    actor,
    { action: 'read', entity: 'assessment' },
    rows.map((r) => ({ entityId: r.id, caseId })),
  );
  return rows.map(assessmentOf);
}

/**
 * The assessment a plan rests on: the latest one completed by `asOf` (the plan's submission), or
 * null when none was. Only that one is disclosed and audited.
 */
export async function latestAssessment(
  pool: Pool,
  actor: Actor,
  caseId: string,
  asOf: Date,
): Promise<Assessment | null> {
  await loadCase(pool, actor, caseId);
  const r = (
    await pool.query<AssessmentRow>(
      `SELECT ${ASSESSMENT_COLUMNS}
         FROM assessments WHERE case_id = $1 AND completed_at <= $2
        ORDER BY completed_at DESC, created_at DESC, id DESC LIMIT 1`,
      [caseId, asOf],
    )
  ).rows[0];
  if (!r) return null;
  await auditEach(pool, actor, { action: 'read', entity: 'assessment' }, [{ entityId: r.id, caseId }]);
  return assessmentOf(r);
}

export interface GoalProgress {
  id: string;
  status: string;
  note: string;
  at: string;
  recordedBy: string;
}

export interface Goal {
  id: string;
  domain: string;
  description: string;
  measure: string;
  baseline: string | null;
  target: string | null;
  targetDate: string;
  status: string;
  latestProgress: GoalProgress | null;
  progress: GoalProgress[];
}

export interface PlanEvent {
  what: 'submitted' | 'approved' | 'returned';
  note: string | null;
  at: string;
  actorId: string;
}

export interface Plan {
  id: string;
  version: number;
  status: string;
  summary: string;
  createdBy: string;
  createdAt: string;
  submittedAt: string | null;
  decidedAt: string | null;
  decidedBy: string | null;
  decisionNote: string | null;
  goals: Goal[];
  events: PlanEvent[];
}

interface PlanRow {
  id: string;
  version: number;
  status: string;
  summary: string;
  created_by: string;
  created_at: Date;
  submitted_at: Date | null;
  decided_at: Date | null;
  decided_by: string | null;
  decision_note: string | null;
}

/** The plans with their goals (soonest target first; goals written together share created_at), each goal's progress oldest first, and the plan's submissions and decisions, oldest first. */
async function plansWithDetail(pool: Pool, rows: PlanRow[]): Promise<Plan[]> {
  const ids = rows.map((r) => r.id);
  const goals = (
    await pool.query<{
      id: string;
      plan_id: string;
      domain: string;
      description: string;
      measure: string;
      baseline: string | null;
      target: string | null;
      target_date: string;
      status: string;
    }>(
      `SELECT id, plan_id, domain, description, measure, baseline, target, to_char(target_date, 'YYYY-MM-DD') AS target_date, status
         FROM goals WHERE plan_id = ANY($1::uuid[]) ORDER BY target_date, created_at, id`,
      [ids],
    )
  ).rows;
  const progress = (
    await pool.query<{
      id: string;
      goal_id: string;
      status: string;
      note: string;
      at: Date;
      recorded_by: string;
    }>(
      `SELECT id, goal_id, status, note, at, recorded_by FROM goal_progress
        WHERE goal_id = ANY($1::uuid[]) ORDER BY at, created_at, id`,
      [goals.map((g) => g.id)],
    )
  ).rows;
  const events = (
    await pool.query<{
      plan_id: string;
      what: PlanEvent['what'];
      note: string | null;
      at: Date;
      actor_id: string;
    }>(
      `SELECT plan_id, what, note, at, actor_id FROM plan_events
        WHERE plan_id = ANY($1::uuid[]) ORDER BY at, created_at, id`,
      [ids],
    )
  ).rows;
  const progressOf = (goalId: string): GoalProgress[] =>
    progress
      .filter((p) => p.goal_id === goalId)
      .map((p) => ({ id: p.id, status: p.status, note: p.note, at: iso(p.at), recordedBy: p.recorded_by }));
  return rows.map((r) => ({
    id: r.id,
    version: r.version,
    status: r.status,
    summary: r.summary,
    createdBy: r.created_by,
    createdAt: iso(r.created_at),
    submittedAt: isoOrNull(r.submitted_at),
    decidedAt: isoOrNull(r.decided_at),
    decidedBy: r.decided_by,
    decisionNote: r.decision_note,
    goals: goals
      .filter((g) => g.plan_id === r.id)
      .map((g) => {
        const history = progressOf(g.id);
        return {
          id: g.id,
          domain: g.domain,
          description: g.description,
          measure: g.measure,
          baseline: g.baseline,
          target: g.target,
          targetDate: g.target_date,
          status: g.status,
          latestProgress: history.at(-1) ?? null,
          progress: history,
        };
      }),
    events: events
      .filter((e) => e.plan_id === r.id)
      .map((e) => ({ what: e.what, note: e.note, at: iso(e.at), actorId: e.actor_id })),
  }));
}

const PLAN_COLUMNS = `id, version, status, summary, created_by, created_at, submitted_at, decided_at, decided_by, decision_note`;

/** Every plan on the case, newest version first (the current plan leads). */
export async function listPlans(pool: Pool, actor: Actor, caseId: string): Promise<Plan[]> {
  await loadCase(pool, actor, caseId);
  const rows = (
    await pool.query<PlanRow>(
      `SELECT ${PLAN_COLUMNS} FROM service_plans WHERE case_id = $1 ORDER BY version DESC`,
      [caseId],
    )
  ).rows;
  await auditEach(
    pool,
    actor,
    { action: 'read', entity: 'service_plan' },
    rows.map((r) => ({ entityId: r.id, caseId })),
  );
  return plansWithDetail(pool, rows);
}

/** One plan of the case; a plan of another case is reported like one that does not exist. */
export async function getPlan(pool: Pool, actor: Actor, caseId: string, planId: string): Promise<Plan> {
  await loadCase(pool, actor, caseId);
  const rows = (
    await pool.query<PlanRow>(`SELECT ${PLAN_COLUMNS} FROM service_plans WHERE id = $1 AND case_id = $2`, [
      planId,
      caseId,
    ])
  ).rows;
  if (rows.length === 0) throw new NotFoundError(`No plan ${planId} on case ${caseId}.`);
  await auditEach(pool, actor, { action: 'read', entity: 'service_plan' }, [{ entityId: planId, caseId }]);
  return (await plansWithDetail(pool, rows))[0]!;
}

export interface ReferralEvent {
  status: string;
  note: string;
  at: string;
  reportedBy: string;
}

export interface Referral {
  id: string;
  provider: { id: string; organisation: string };
  service: string;
  reason: string;
  status: string;
  sentAt: string;
  createdBy: string;
  updatedAt: string;
  events: ReferralEvent[];
}

/** Every referral on the case, newest first, each with its status history oldest first. */
export async function listReferrals(pool: Pool, actor: Actor, caseId: string): Promise<Referral[]> {
  await loadCase(pool, actor, caseId);
  return referralsOf(pool, actor, caseId);
}

/** One referral of the case with its status history; one of another case is reported as not found. */
export async function getReferral(
  pool: Pool,
  actor: Actor,
  caseId: string,
  referralId: string,
): Promise<Referral> {
  await loadCase(pool, actor, caseId);
  const [referral] = await referralsOf(pool, actor, caseId, referralId);
  if (!referral) throw new NotFoundError(`No referral ${referralId} on this case.`);
  return referral;
}

async function referralsOf(
  pool: Pool,
  actor: Actor,
  caseId: string,
  referralId?: string,
): Promise<Referral[]> {
  const rows = (
    await pool.query<{
      id: string;
      provider_id: string;
      organisation: string;
      service: string;
      reason: string;
      status: string;
      sent_at: Date;
      created_by: string;
      updated_at: Date;
    }>(
      `SELECT r.id, r.provider_id, p.organisation, r.service, r.reason, r.status, r.sent_at, r.created_by, r.updated_at
         FROM referrals r JOIN providers p ON p.id = r.provider_id
        WHERE r.case_id = $1 AND ($2::uuid IS NULL OR r.id = $2) ORDER BY r.sent_at DESC, r.id`,
      [caseId, referralId ?? null],
    )
  ).rows;
  const events = (
    await pool.query<{ referral_id: string; status: string; note: string; at: Date; reported_by: string }>(
      `SELECT referral_id, status, note, at, reported_by FROM referral_events
        WHERE referral_id = ANY($1::uuid[]) ORDER BY at, created_at, id`,
      [rows.map((r) => r.id)],
    )
  ).rows;
  await auditEach(
    pool,
    actor,
    { action: 'read', entity: 'referral' },
    rows.map((r) => ({ entityId: r.id, caseId })),
  );
  return rows.map((r) => ({
    id: r.id,
    provider: { id: r.provider_id, organisation: r.organisation },
    service: r.service,
    reason: r.reason,
    status: r.status,
    sentAt: iso(r.sent_at),
    createdBy: r.created_by,
    updatedAt: iso(r.updated_at),
    events: events
      .filter((e) => e.referral_id === r.id)
      .map((e) => ({ status: e.status, note: e.note, at: iso(e.at), reportedBy: e.reported_by })),
  }));
}

export interface ClosureEvent {
  id: string;
  what: 'requested' | 'approved' | 'returned';
  reason: string | null;
  summary: string | null;
  note: string | null;
  at: string;
  actorId: string;
  /** A request's structured discharge summary (null on decisions and on requests before issue 17). */
  discharge: DischargeSummary | null;
}

/** Every closure request (with its reason and discharge summary) and decision on the case, oldest first. */
export async function listClosureEvents(pool: Pool, actor: Actor, caseId: string): Promise<ClosureEvent[]> {
  await loadCase(pool, actor, caseId);
  const rows = (
    await pool.query<{
      id: string;
      what: ClosureEvent['what'];
      reason: string | null;
      summary: string | null;
      note: string | null;
      at: Date;
      actor_id: string;
      discharge: unknown;
    }>(
      `SELECT id, what, reason, summary, note, at, actor_id, discharge FROM closure_events
        WHERE case_id = $1 ORDER BY at, created_at, id`,
      [caseId],
    )
  ).rows;
  await auditEach(
    pool,
    actor,
    { action: 'read', entity: 'closure_event' },
    rows.map((r) => ({ entityId: r.id, caseId })),
  );
  return rows.map((r) => ({
    id: r.id,
    what: r.what,
    reason: r.reason,
    summary: r.summary,
    note: r.note,
    at: iso(r.at),
    actorId: r.actor_id,
    discharge: storedDischarge(r.discharge),
  }));
}

export interface GoalOnPlan {
  plan: { id: string; version: number; status: string };
  goal: Goal;
}

/** One goal of the case with its progress, and the plan it belongs to (audited as a read of that plan). */
export async function getGoal(pool: Pool, actor: Actor, caseId: string, goalId: string): Promise<GoalOnPlan> {
  await loadCase(pool, actor, caseId);
  const rows = (
    await pool.query<PlanRow>(
      `SELECT ${PLAN_COLUMNS} FROM service_plans
        WHERE case_id = $1 AND id = (SELECT plan_id FROM goals WHERE id = $2)`,
      [caseId, goalId],
    )
  ).rows;
  if (rows.length === 0) throw new NotFoundError(`No goal ${goalId} on case ${caseId}.`);
  const plan = (await plansWithDetail(pool, rows))[0]!;
  await auditEach(pool, actor, { action: 'read', entity: 'service_plan' }, [{ entityId: plan.id, caseId }]);
  return {
    plan: { id: plan.id, version: plan.version, status: plan.status },
    goal: plan.goals.find((g) => g.id === goalId)!,
  };
}
