import type { Pool } from 'pg';
import { CLOSURE_REASONS } from '../core/closure-reasons';
import { ForbiddenError, NotFoundError, ValidationError } from '../core/errors';
import { OBLIGATION_KINDS } from '../core/obligation-catalogue';
import { canManageProgram } from './access';
import type { Actor } from './actor';
import { audit } from './audit';

/**
 * A program's outcomes and outputs over a date range, for its manager (and admins). Figures only:
 * counts, rates, durations, provider and staff names; never a client, a case reference or free text
 * a person wrote (closure reasons written as "Other" are counted as "Other").
 *
 * The range is `from`..`to`, whole days in the program's time zone, both included: an event counts
 * when its own time falls in [from 00:00, to + 1 day 00:00) there. What "its own time" is, figure
 * by figure:
 *
 * - Cases opened: episodes whose intake (cases.opened_at, or case_episodes.opened_at for an episode
 *   a reopening ended) falls in the range. Cases closed: episodes whose closure was approved in the
 *   range (case_episodes.closed_at), by closure reason.
 * - Intake → initial assessment: for each initial assessment completed in the range that is the
 *   first of its episode, from the episode's intake (the latest opened_at at or before it) to the
 *   assessment's completed_at.
 * - Initial assessment → approved plan: for each plan approval (plan_events 'approved') in the
 *   range that is the first approval after the latest initial assessment before it, from that
 *   assessment's completed_at to the approval. Both in days (fractional): median and 90th
 *   percentile, interpolated (percentile_cont).
 * - On time, per obligation kind: the workflows record when an obligation's ladder ends
 *   (schedule_decisions 'met', at the workflow's time) and the due time in force, in the detail of
 *   the 'opened' or latest 'rescheduled' decision before it ("… due <instant>" / "… → <instant>",
 *   written from the same Obligation.dueAt the reminders run on). An obligation met in the range is
 *   on time when met at or before that due time. Obligations ended because the case closed or a new
 *   plan superseded the goal were not met by the work and are left out. (A stalled-plan window that
 *   slides before any reminder went out is not recorded as a decision, so its recorded due time can
 *   be earlier than the one in force.) Beside it, what is overdue now: running obligations in the
 *   schedule projection (case_obligations) whose due time has passed.
 * - Goals achieved / not achieved / dropped: goals whose last progress record before the end of
 *   the range is that final status and falls in the range.
 * - Referrals per provider, for referrals sent in the range, followed to today: accepted (the
 *   provider took the client on: accepted, scheduled, completed or no-show at any time), completed,
 *   and the days from sending to the provider's first answer (accepted, scheduled, declined,
 *   completed or no-show, whichever came first).
 * - Escalations per level, raised in the range: how many, how many acknowledged, and the median
 *   hours from raising to acknowledgement.
 * - Caseload per case manager: the program's open (not closed) cases now, by who carries them.
 */
export interface ReportRange {
  /** YYYY-MM-DD, first day included, in the program's time zone. */
  from: string;
  /** YYYY-MM-DD, last day included. */
  to: string;
}

export interface TimingFigure {
  measure: 'intake_to_initial_assessment' | 'initial_assessment_to_approved_plan';
  count: number;
  medianDays: number | null;
  p90Days: number | null;
}

export interface OnTimeFigure {
  kind: string;
  onTime: number;
  late: number;
  /** on time / (on time + late); null when none was met in the range. */
  rate: number | null;
  overdueNow: number;
}

export interface ProviderFigure {
  providerId: string;
  provider: string;
  sent: number;
  accepted: number;
  completed: number;
  answered: number;
  acceptanceRate: number | null;
  completionRate: number | null;
  medianDaysToFirstAnswer: number | null;
}

export interface EscalationFigure {
  level: 1 | 2;
  raised: number;
  acknowledged: number;
  medianHoursToAcknowledge: number | null;
}

export interface ProgramReport {
  program: { id: string; name: string; timeZone: string };
  range: ReportRange & { fromInstant: string; toInstant: string };
  cases: { opened: number; closed: number; closedByReason: { reason: string; count: number }[] };
  timings: TimingFigure[];
  onTime: OnTimeFigure[];
  goals: { achieved: number; notAchieved: number; dropped: number };
  referrals: ProviderFigure[];
  escalations: EscalationFigure[];
  caseload: { caseManagerId: string; caseManager: string; openCases: number }[];
}

/** The last ISO instant at the end of a decision's detail: the due time it set. */
const DUE_IN_DETAIL = '(\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}(?:\\.\\d+)?Z)$';

const ratio = (n: number, of: number): number | null => (of === 0 ? null : n / of);
const num = (v: number | string | null): number | null => (v === null ? null : Number(v));

const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

/** Is this a real calendar date written YYYY-MM-DD? */
export function isCalendarDate(text: string): boolean {
  const m = DATE.exec(text);
  if (!m) return false;
  const d = new Date(Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!));
  return d.getUTCFullYear() === +m[1]! && d.getUTCMonth() === +m[2]! - 1 && d.getUTCDate() === +m[3]!;
}

/** What is wrong with a range, by field: each a real date, the first not after the last. */
export function reportRangeProblems(range: ReportRange): Partial<Record<keyof ReportRange, string>> {
  const problems: Partial<Record<keyof ReportRange, string>> = {};
  if (!isCalendarDate(range.from)) problems.from = 'Enter the first day as a date, for example 2026-01-31.';
  if (!isCalendarDate(range.to)) problems.to = 'Enter the last day as a date, for example 2026-03-31.';
  if (!problems.from && !problems.to && range.from > range.to)
    problems.to = 'The last day must be on or after the first day.';
  return problems;
}

export async function programReport(
  pool: Pool,
  actor: Actor,
  programId: string,
  range: ReportRange,
  now: Date = new Date(),
): Promise<ProgramReport> {
  const problems = reportRangeProblems(range);
  if (Object.keys(problems).length > 0)
    throw new ValidationError(
      'The date range is not valid.',
      Object.entries(problems).map(([field, reason]) => ({ field, reason })),
    );
  const program = (
    await pool.query<{
      id: string;
      name: string;
      time_zone: string;
      program_manager_id: string | null;
      from_at: Date;
      to_at: Date;
    }>(
      `SELECT id, name, time_zone, program_manager_id,
              ($2::date)::timestamp AT TIME ZONE time_zone AS from_at,
              ($3::date + 1)::timestamp AT TIME ZONE time_zone AS to_at
         FROM programs WHERE id = $1`,
      [programId, range.from, range.to],
    )
  ).rows[0];
  if (!program) throw new NotFoundError(`No program ${programId}.`);
  if (!canManageProgram(actor, program.program_manager_id))
    throw new ForbiddenError('Only an admin or the program’s manager may read its report.');

  const p = [programId, program.from_at, program.to_at];
  const [cases, reasons, timings, onTime, overdue, goals, referrals, escalations, caseload] =
    await Promise.all([
      pool.query<{ opened: number; closed: number }>(
        `SELECT (SELECT count(*) FROM cases c
                WHERE c.program_id = $1 AND c.closed_at IS NULL AND c.opened_at >= $2 AND c.opened_at < $3)
            + (SELECT count(*) FROM case_episodes e JOIN cases c ON c.id = e.case_id
                WHERE c.program_id = $1 AND e.opened_at >= $2 AND e.opened_at < $3) AS opened,
              (SELECT count(*) FROM case_episodes e JOIN cases c ON c.id = e.case_id
                WHERE c.program_id = $1 AND e.closed_at >= $2 AND e.closed_at < $3) AS closed`,
        p,
      ),
      pool.query<{ reason: string; count: number }>(
        `SELECT CASE WHEN e.closure_reason IS NULL OR e.closure_reason = '' THEN 'Not recorded'
                   WHEN e.closure_reason = ANY($4::text[]) THEN e.closure_reason
                   ELSE 'Other' END AS reason,
              count(*)::int AS count
         FROM case_episodes e JOIN cases c ON c.id = e.case_id
        WHERE c.program_id = $1 AND e.closed_at >= $2 AND e.closed_at < $3
        GROUP BY 1 ORDER BY count DESC, reason`,
        [...p, CLOSURE_REASONS],
      ),
      pool.query<{
        measure: TimingFigure['measure'];
        count: number;
        median: number | null;
        p90: number | null;
      }>(
        `WITH d AS (
         SELECT 'intake_to_initial_assessment' AS measure,
                extract(epoch FROM a.completed_at - s.opened_at)::float8 / 86400 AS days
           FROM assessments a
           JOIN cases c ON c.id = a.case_id
           CROSS JOIN LATERAL (
             SELECT max(t.opened_at) AS opened_at FROM (
               SELECT c.opened_at WHERE c.opened_at <= a.completed_at
               UNION ALL
               SELECT e.opened_at FROM case_episodes e WHERE e.case_id = a.case_id AND e.opened_at <= a.completed_at
             ) t
           ) s
          WHERE c.program_id = $1 AND a.kind = 'initial' AND a.completed_at >= $2 AND a.completed_at < $3
            AND s.opened_at IS NOT NULL
            AND NOT EXISTS (
              SELECT 1 FROM assessments a2
               WHERE a2.case_id = a.case_id AND a2.kind = 'initial' AND a2.completed_at >= s.opened_at
                 AND (a2.completed_at < a.completed_at OR (a2.completed_at = a.completed_at AND a2.id < a.id)))
         UNION ALL
         SELECT 'initial_assessment_to_approved_plan',
                extract(epoch FROM pe.at - a.completed_at)::float8 / 86400
           FROM plan_events pe
           JOIN cases c ON c.id = pe.case_id
           CROSS JOIN LATERAL (
             SELECT a.completed_at FROM assessments a
              WHERE a.case_id = pe.case_id AND a.kind = 'initial' AND a.completed_at <= pe.at
              ORDER BY a.completed_at DESC LIMIT 1
           ) a
          WHERE c.program_id = $1 AND pe.what = 'approved' AND pe.at >= $2 AND pe.at < $3
            AND NOT EXISTS (
              SELECT 1 FROM plan_events p2
               WHERE p2.case_id = pe.case_id AND p2.what = 'approved' AND p2.at >= a.completed_at
                 AND (p2.at < pe.at OR (p2.at = pe.at AND p2.id < pe.id)))
       )
       SELECT measure, count(*)::int AS count,
              percentile_cont(0.5) WITHIN GROUP (ORDER BY days) AS median,
              percentile_cont(0.9) WITHIN GROUP (ORDER BY days) AS p90
         FROM d GROUP BY measure`,
        p,
      ),
      pool.query<{ kind: string; on_time: number; late: number }>(
        `SELECT m.obligation_kind AS kind,
              count(*) FILTER (WHERE m.occurred_at <= due.due_at)::int AS on_time,
              count(*) FILTER (WHERE m.occurred_at > due.due_at)::int AS late
         FROM schedule_decisions m
         JOIN cases c ON c.id = m.case_id
         CROSS JOIN LATERAL (
           SELECT substring(o.detail FROM $4)::timestamptz AS due_at
             FROM schedule_decisions o
            WHERE o.case_id = m.case_id AND o.obligation_id = m.obligation_id
              AND o.what IN ('opened', 'rescheduled') AND o.occurred_at <= m.occurred_at
            ORDER BY o.occurred_at DESC, o.id DESC LIMIT 1
         ) due
        WHERE c.program_id = $1 AND m.what = 'met' AND m.occurred_at >= $2 AND m.occurred_at < $3
          AND m.detail NOT LIKE 'case closed;%' AND m.detail NOT LIKE 'superseded by a new plan;%'
        GROUP BY m.obligation_kind`,
        [...p, DUE_IN_DETAIL],
      ),
      pool.query<{ kind: string; count: number }>(
        `SELECT o.obligation_kind AS kind, count(*)::int AS count
         FROM case_obligations o JOIN cases c ON c.id = o.case_id
        WHERE c.program_id = $1 AND o.running AND o.due_at < $2
        GROUP BY o.obligation_kind`,
        [programId, now],
      ),
      pool.query<{ status: string; count: number }>(
        `SELECT gp.status, count(DISTINCT gp.goal_id)::int AS count
         FROM goal_progress gp
         JOIN goals g ON g.id = gp.goal_id
         JOIN service_plans sp ON sp.id = g.plan_id
         JOIN cases c ON c.id = sp.case_id
        WHERE c.program_id = $1 AND gp.at >= $2 AND gp.at < $3
          AND gp.status IN ('achieved', 'not_achieved', 'dropped')
          AND NOT EXISTS (
            SELECT 1 FROM goal_progress g2
             WHERE g2.goal_id = gp.goal_id AND g2.at < $3
               AND (g2.at > gp.at OR (g2.at = gp.at AND g2.created_at > gp.created_at)))
        GROUP BY gp.status`,
        p,
      ),
      pool.query<{
        provider_id: string;
        provider: string;
        sent: number;
        accepted: number;
        completed: number;
        answered: number;
        median_days: number | null;
      }>(
        `SELECT pr.id AS provider_id, pr.organisation AS provider,
              count(*)::int AS sent,
              count(*) FILTER (WHERE ev.accepted)::int AS accepted,
              count(*) FILTER (WHERE ev.completed)::int AS completed,
              count(ev.first_answer_at)::int AS answered,
              percentile_cont(0.5) WITHIN GROUP (
                ORDER BY extract(epoch FROM ev.first_answer_at - r.sent_at)::float8 / 86400) AS median_days
         FROM referrals r
         JOIN cases c ON c.id = r.case_id
         JOIN providers pr ON pr.id = r.provider_id
         CROSS JOIN LATERAL (
           SELECT coalesce(bool_or(e.status IN ('accepted', 'scheduled', 'completed', 'no_show')), false) AS accepted,
                  coalesce(bool_or(e.status = 'completed'), false) AS completed,
                  min(e.at) FILTER (WHERE e.status IN ('accepted', 'scheduled', 'declined', 'completed', 'no_show'))
                    AS first_answer_at
             FROM referral_events e WHERE e.referral_id = r.id
         ) ev
        WHERE c.program_id = $1 AND r.sent_at >= $2 AND r.sent_at < $3
        GROUP BY pr.id, pr.organisation
        ORDER BY pr.organisation, pr.id`,
        p,
      ),
      pool.query<{ level: number; raised: number; acknowledged: number; median_hours: number | null }>(
        `SELECT e.level, count(*)::int AS raised, count(e.acknowledged_at)::int AS acknowledged,
              percentile_cont(0.5) WITHIN GROUP (
                ORDER BY extract(epoch FROM e.acknowledged_at - e.raised_at)::float8 / 3600) AS median_hours
         FROM escalations e JOIN cases c ON c.id = e.case_id
        WHERE c.program_id = $1 AND e.raised_at >= $2 AND e.raised_at < $3
        GROUP BY e.level`,
        p,
      ),
      pool.query<{ case_manager_id: string; case_manager: string; open_cases: number }>(
        `SELECT s.id AS case_manager_id, s.full_name AS case_manager, count(*)::int AS open_cases
         FROM cases c JOIN staff s ON s.id = c.case_manager_id
        WHERE c.program_id = $1 AND c.status <> 'closed'
        GROUP BY s.id, s.full_name
        ORDER BY open_cases DESC, s.full_name, s.id`,
        [programId],
      ),
    ]);

  await audit(pool, actor, {
    action: 'read',
    entity: 'program_report',
    entityId: programId,
    detail: { from: range.from, to: range.to },
  });

  const timing = (measure: TimingFigure['measure']): TimingFigure => {
    const row = timings.rows.find((r) => r.measure === measure);
    return {
      measure,
      count: row?.count ?? 0,
      medianDays: num(row?.median ?? null),
      p90Days: num(row?.p90 ?? null),
    };
  };
  const overdueNow = new Map(overdue.rows.map((r) => [r.kind, r.count]));
  const seen = new Set([...onTime.rows.map((r) => r.kind), ...overdueNow.keys()]);
  const kinds = [
    ...OBLIGATION_KINDS.filter((k) => seen.has(k)),
    ...[...seen].filter((k) => !(OBLIGATION_KINDS as readonly string[]).includes(k)),
  ];
  const goal = (status: string): number => goals.rows.find((r) => r.status === status)?.count ?? 0;
  const level = (n: 1 | 2): EscalationFigure => {
    const row = escalations.rows.find((r) => r.level === n);
    return {
      level: n,
      raised: row?.raised ?? 0,
      acknowledged: row?.acknowledged ?? 0,
      medianHoursToAcknowledge: num(row?.median_hours ?? null),
    };
  };
  const counts = cases.rows[0]!;

  return {
    program: { id: program.id, name: program.name, timeZone: program.time_zone },
    range: {
      from: range.from,
      to: range.to,
      fromInstant: program.from_at.toISOString(),
      toInstant: program.to_at.toISOString(),
    },
    cases: {
      opened: Number(counts.opened),
      closed: Number(counts.closed),
      closedByReason: reasons.rows,
    },
    timings: [timing('intake_to_initial_assessment'), timing('initial_assessment_to_approved_plan')],
    onTime: kinds.map((kind) => {
      const row = onTime.rows.find((r) => r.kind === kind);
      const on = row?.on_time ?? 0;
      const late = row?.late ?? 0;
      return { kind, onTime: on, late, rate: ratio(on, on + late), overdueNow: overdueNow.get(kind) ?? 0 };
    }),
    goals: { achieved: goal('achieved'), notAchieved: goal('not_achieved'), dropped: goal('dropped') },
    referrals: referrals.rows.map((r) => ({
      providerId: r.provider_id,
      provider: r.provider,
      sent: r.sent,
      accepted: r.accepted,
      completed: r.completed,
      answered: r.answered,
      acceptanceRate: ratio(r.accepted, r.sent),
      completionRate: ratio(r.completed, r.sent),
      medianDaysToFirstAnswer: num(r.median_days),
    })),
    escalations: [level(1), level(2)],
    caseload: caseload.rows.map((r) => ({
      caseManagerId: r.case_manager_id,
      caseManager: r.case_manager,
      openCases: r.open_cases,
    })),
  };
}
