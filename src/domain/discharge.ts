import type { Pool, PoolClient } from 'pg';
import {
  goalOutcomeFrom,
  referralOutcomeFrom,
  type GoalOutcome,
  type ReferralOutcome,
} from '../core/discharge-outcomes';
import { UnprocessableError, type FieldProblem } from '../core/errors';
import type { Actor } from './actor';
import { auditEach } from './audit';
import { loadCase } from './cases';

/**
 * The structured discharge summary (issue 17): how each goal of the episode's plan and each of
 * its referrals ended, recommendations and follow-up. What the case manager gives is checked
 * against the record and completed from it (a goal or referral left out keeps the outcome its
 * status says), then kept as a snapshot naming what it accounts for, so the summary reads the
 * same after the plan is superseded or the case reopened.
 */

export interface DischargeGoal {
  goalId: string;
  description: string;
  domain: string;
  targetDate: string;
  /** Where the goal stood on the record when closure was requested. */
  recordedStatus: string;
  outcome: GoalOutcome;
  note: string;
}

export interface DischargeReferral {
  referralId: string;
  provider: string;
  service: string;
  recordedStatus: string;
  outcome: ReferralOutcome;
  note: string;
}

export interface DischargeSummary {
  /** The plan whose goals it accounts for (null when the episode had none). */
  plan: { id: string; version: number } | null;
  goals: DischargeGoal[];
  referrals: DischargeReferral[];
  recommendations: string;
  followUp: { what: string; by: string | null } | null;
}

/** What the closure request may say beyond the reason and narrative: every part optional. */
export interface DischargeInput {
  goals?: { goalId: string; outcome: GoalOutcome; note?: string | undefined }[] | undefined;
  referrals?: { referralId: string; outcome: ReferralOutcome; note?: string | undefined }[] | undefined;
  recommendations?: string | undefined;
  followUp?: { what: string; by?: string | undefined } | undefined;
}

interface GoalRow {
  id: string;
  plan_id: string;
  version: number;
  description: string;
  domain: string;
  target_date: string;
  status: string;
}

interface ReferralRow {
  id: string;
  organisation: string;
  service: string;
  status: string;
}

/**
 * The episode's plan and referrals, as the summary starts from. The plan is the current episode's
 * latest approved plan, else its latest: one written after the case's last closure was approved
 * (both times the database's, so a test clock cannot misorder them). Referrals are those sent
 * since the episode opened (both times the case's clock).
 */
async function episodeRecords(
  db: Pool | PoolClient,
  caseId: string,
): Promise<{ plan: DischargeSummary['plan']; goals: GoalRow[]; referrals: ReferralRow[] }> {
  const plan = (
    await db.query<{ id: string; version: number }>(
      `SELECT sp.id, sp.version FROM service_plans sp
        WHERE sp.case_id = $1
          AND sp.created_at > coalesce((SELECT max(created_at) FROM case_episodes WHERE case_id = $1), '-infinity')
        ORDER BY (sp.status = 'approved') DESC, sp.version DESC LIMIT 1`,
      [caseId],
    )
  ).rows[0];
  const goals = plan
    ? (
        await db.query<GoalRow>(
          `SELECT id, plan_id, $2::int AS version, description, domain,
                  to_char(target_date, 'YYYY-MM-DD') AS target_date, status
             FROM goals WHERE plan_id = $1 ORDER BY target_date, created_at, id`,
          [plan.id, plan.version],
        )
      ).rows
    : [];
  const referrals = (
    await db.query<ReferralRow>(
      `SELECT r.id, p.organisation, r.service, r.status
         FROM referrals r JOIN providers p ON p.id = r.provider_id JOIN cases c ON c.id = r.case_id
        WHERE r.case_id = $1 AND r.sent_at >= c.opened_at
        ORDER BY r.sent_at, r.id`,
      [caseId],
    )
  ).rows;
  return { plan: plan ? { id: plan.id, version: plan.version } : null, goals, referrals };
}

/** What the closure form starts from: every goal and referral with the outcome its status says. */
export function dischargeDraft(db: Pool | PoolClient, caseId: string): Promise<DischargeSummary> {
  return composeDischarge(db, caseId, {}, new Date());
}

/**
 * The summary a closure request keeps: the given outcomes and notes over the episode's goals and
 * referrals. Naming a goal or referral the episode does not have, or a follow-up date already
 * past, is refused field by field (422).
 */
export async function composeDischarge(
  db: Pool | PoolClient,
  caseId: string,
  input: DischargeInput,
  now: Date,
): Promise<DischargeSummary> {
  const records = await episodeRecords(db, caseId);
  const problems: FieldProblem[] = [];
  const givenGoals = new Map<string, { outcome: GoalOutcome; note?: string | undefined }>();
  (input.goals ?? []).forEach((g, i) => {
    // A second entry for the same goal or referral is a typing mistake, not a choice between them.
    if (givenGoals.has(g.goalId)) problems.push({ field: `body.goals.${i}.goalId`, reason: 'listed twice' });
    else if (!records.goals.some((r) => r.id === g.goalId))
      problems.push({ field: `body.goals.${i}.goalId`, reason: 'not a goal of the current plan' });
    else givenGoals.set(g.goalId, g);
  });
  const givenReferrals = new Map<string, { outcome: ReferralOutcome; note?: string | undefined }>();
  (input.referrals ?? []).forEach((r, i) => {
    if (givenReferrals.has(r.referralId))
      problems.push({ field: `body.referrals.${i}.referralId`, reason: 'listed twice' });
    else if (!records.referrals.some((x) => x.id === r.referralId))
      problems.push({ field: `body.referrals.${i}.referralId`, reason: 'not a referral of this episode' });
    else givenReferrals.set(r.referralId, r);
  });
  const by = input.followUp?.by;
  // A day before today's UTC date is past everywhere on Earth; later days may be today somewhere.
  if (by && Date.parse(`${by}T00:00:00Z`) < now.getTime() - 36 * 3_600_000)
    problems.push({ field: 'body.followUp.by', reason: 'in the past' });
  if (problems.length)
    throw new UnprocessableError('The discharge summary does not match the case’s record.', problems);
  return {
    plan: records.plan,
    goals: records.goals.map((g) => {
      const given = givenGoals.get(g.id);
      return {
        goalId: g.id,
        description: g.description,
        domain: g.domain,
        targetDate: g.target_date,
        recordedStatus: g.status,
        outcome: given?.outcome ?? goalOutcomeFrom(g.status),
        note: given?.note ?? '',
      };
    }),
    referrals: records.referrals.map((r) => {
      const given = givenReferrals.get(r.id);
      return {
        referralId: r.id,
        provider: r.organisation,
        service: r.service,
        recordedStatus: r.status,
        outcome: given?.outcome ?? referralOutcomeFrom(r.status),
        note: given?.note ?? '',
      };
    }),
    recommendations: input.recommendations ?? '',
    followUp: input.followUp ? { what: input.followUp.what, by: input.followUp.by ?? null } : null,
  };
}

/** A stored summary as written (the API validated it on the way in); null for free-text episodes. */
export function storedDischarge(value: unknown): DischargeSummary | null {
  if (!value || typeof value !== 'object') return null;
  return value as DischargeSummary;
}

/** The closure form's starting point for the actor: 404 when they may not see the case; audited. */
export async function closureDraft(pool: Pool, actor: Actor, caseId: string): Promise<DischargeSummary> {
  await loadCase(pool, actor, caseId);
  const draft = await dischargeDraft(pool, caseId);
  await auditEach(
    pool,
    actor,
    { action: 'read', entity: 'service_plan' },
    draft.plan ? [{ entityId: draft.plan.id, caseId }] : [],
  );
  await auditEach(
    pool,
    actor,
    { action: 'read', entity: 'referral' },
    draft.referrals.map((r) => ({ entityId: r.referralId, caseId })),
  );
  return draft;
}
