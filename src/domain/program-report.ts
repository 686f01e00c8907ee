import type { Pool } from 'pg';
import { CLOSURE_REASONS } from '../core/closure-reasons';
import { ForbiddenError, NotFoundError, ValidationError } from '../core/errors';
import { OBLIGATION_KINDS } from '../core/obligation-catalogue';
import { canManageProgram } from './access';
import type { Actor } from './actor';
import { audit } from './audit';
import { reachFor, type ProgramReach } from './program-reach';

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
 *   (schedule_decisions 'met', at the workflow's time) with the due time it was met against
 *   (due_at: the same Obligation.dueAt the reminders run on). An obligation met in the range is on
 *   time when met at or before that due time; one recorded without a due time is left out.
 *   Obligations ended because the case closed or a new plan superseded the goal were not met by the
 *   work and are left out too. Beside it, what is overdue now: running obligations in the schedule
 *   projection (case_obligations) whose due time has passed.
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

/** A duration figure's row: how many, and the median and 90th percentile (null when none). */
interface Timing {
  count: number;
  p: (number | string | null)[] | null;
}

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

/** How many durations of one measure fall in the range, with their median and 90th percentile. */
function timingFacts(pool: Pool, measure: TimingFigure['measure'], p: unknown[]) {
  return pool.query<Timing>(
    `SELECT count(*)::int AS count, percentile_cont(ARRAY[0.5, 0.9]) WITHIN GROUP (ORDER BY days) AS p
       FROM case_timing_facts
      WHERE program_id = $1 AND measure = $4 AND at >= $2 AND at < $3`,
    [...p, measure],
  );
}

/**
 * One table's rows of the program that match `where` (over alias `t`, parameter `$1` the program),
 * with `columns` (over `t`), as a derived table: either way of `ProgramReach`.
 */
function programRows(reach: ProgramReach, table: string, columns: string, where: string): string {
  return reach === 'by_case'
    ? `(SELECT x.* FROM cases c CROSS JOIN LATERAL (
          SELECT ${columns} FROM ${table} t WHERE t.case_id = c.id AND ${where} OFFSET 0) x
        WHERE c.program_id = $1)`
    : `(SELECT ${columns} FROM ${table} t JOIN cases c ON c.id = t.case_id
        WHERE c.program_id = $1 AND ${where})`;
}

export async function programReport(
  pool: Pool,
  actor: Actor,
  programId: string,
  range: ReportRange,
  now: Date = new Date(),
  /** The way to reach the records; by default chosen by the program's share of all cases. */
  opts: { reach?: ProgramReach } = {},
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
  const reach = opts.reach ?? (await reachFor(pool, [programId]));
  const rows = (table: string, columns: string, where: string): string =>
    programRows(reach, table, columns, where);
  const inRange = (column: string): string => `t.${column} >= $2 AND t.${column} < $3`;
  const [cases, reasons, intake, planned, onTime, overdue, goals, referrals, escalations, caseload] =
    await Promise.all([
      pool.query<{ opened: number; closed: number }>(
        `SELECT (SELECT count(*) FROM cases c
                WHERE c.program_id = $1 AND c.closed_at IS NULL AND c.opened_at >= $2 AND c.opened_at < $3)
            + (SELECT count(*) FROM ${rows('case_episodes', '1 AS one', inRange('opened_at'))} e) AS opened,
              (SELECT count(*) FROM ${rows('case_episodes', '1 AS one', inRange('closed_at'))} e) AS closed`,
        p,
      ),
      pool.query<{ reason: string; count: number }>(
        `SELECT CASE WHEN e.closure_reason IS NULL OR e.closure_reason = '' THEN 'Not recorded'
                   WHEN e.closure_reason = ANY($4::text[]) THEN e.closure_reason
                   ELSE 'Other' END AS reason,
              count(*)::int AS count
         FROM ${rows('case_episodes', 't.closure_reason', inRange('closed_at'))} e
        GROUP BY 1 ORDER BY count DESC, reason`,
        [...p, CLOSURE_REASONS],
      ),
      // The two durations, kept per episode as records are written (case_timing_facts, see its
      // migration: the rules above, applied case by case by triggers), read by program and time.
      timingFacts(pool, 'intake_to_initial_assessment', p),
      timingFacts(pool, 'initial_assessment_to_approved_plan', p),
      pool.query<{ kind: string; on_time: number; late: number }>(
        `SELECT m.obligation_kind AS kind,
              count(*) FILTER (WHERE m.occurred_at <= m.due_at)::int AS on_time,
              count(*) FILTER (WHERE m.occurred_at > m.due_at)::int AS late
         FROM ${rows(
           'schedule_decisions',
           't.obligation_kind, t.occurred_at, t.due_at',
           `t.what = 'met' AND ${inRange('occurred_at')} AND t.due_at IS NOT NULL
            AND t.detail NOT LIKE 'case closed;%' AND t.detail NOT LIKE 'superseded by a new plan;%'`,
         )} m
        GROUP BY m.obligation_kind`,
        p,
      ),
      pool.query<{ kind: string; count: number }>(
        `SELECT o.obligation_kind AS kind, count(*)::int AS count
         FROM ${rows('case_obligations', 't.obligation_kind', 't.running AND t.due_at < $2')} o
        GROUP BY o.obligation_kind`,
        [programId, now],
      ),
      // Goals whose latest progress records before the range's end (ties all count) are a final status
      // in the range: final records in the range not superseded before its end, kept per program by a
      // trigger as progress is recorded (goal_outcome_facts; its migration says why rows, not goals).
      pool.query<{ achieved: number; not_achieved: number; dropped: number }>(
        `SELECT count(*) FILTER (WHERE status = 'achieved')::int AS achieved,
              count(*) FILTER (WHERE status = 'not_achieved')::int AS not_achieved,
              count(*) FILTER (WHERE status = 'dropped')::int AS dropped
         FROM goal_outcome_facts
        WHERE program_id = $1 AND at >= $2 AND at < $3 AND (superseded_at IS NULL OR superseded_at >= $3)`,
        p,
      ),
      // Each referral of the program sent in the range, with its answers folded in as they were
      // recorded (referral_facts, kept by triggers, read in provider order).
      pool.query<{
        provider_id: string;
        provider: string;
        sent: number;
        accepted: number;
        completed: number;
        answered: number;
        median_days: number | null;
      }>(
        `SELECT pr.id AS provider_id, pr.organisation AS provider, r.sent, r.accepted, r.completed, r.answered,
              r.median_days
         FROM (
           SELECT r.provider_id,
                  count(*)::int AS sent,
                  count(*) FILTER (WHERE r.accepted)::int AS accepted,
                  count(*) FILTER (WHERE r.completed)::int AS completed,
                  count(r.first_answer_at)::int AS answered,
                  percentile_cont(0.5) WITHIN GROUP (
                    ORDER BY extract(epoch FROM r.first_answer_at - r.sent_at)::float8 / 86400) AS median_days
             FROM referral_facts r
            WHERE r.program_id = $1 AND r.sent_at >= $2 AND r.sent_at < $3
            GROUP BY r.provider_id
         ) r
         JOIN providers pr ON pr.id = r.provider_id
        ORDER BY pr.organisation, pr.id`,
        p,
      ),
      pool.query<{ level: number; raised: number; acknowledged: number; median_hours: number | null }>(
        `SELECT e.level, count(*)::int AS raised, count(e.acknowledged_at)::int AS acknowledged,
              percentile_cont(0.5) WITHIN GROUP (
                ORDER BY extract(epoch FROM e.acknowledged_at - e.raised_at)::float8 / 3600) AS median_hours
         FROM ${rows('escalations', 't.level, t.raised_at, t.acknowledged_at', inRange('raised_at'))} e
        GROUP BY e.level`,
        p,
      ),
      pool.query<{ case_manager_id: string; case_manager: string; open_cases: number }>(
        `SELECT s.id AS case_manager_id, s.full_name AS case_manager, n.open_cases
         FROM (SELECT case_manager_id, count(*)::int AS open_cases FROM cases
                WHERE program_id = $1 AND status <> 'closed' GROUP BY case_manager_id) n
         JOIN staff s ON s.id = n.case_manager_id
        ORDER BY n.open_cases DESC, s.full_name, s.id`,
        [programId],
      ),
    ]);

  await audit(pool, actor, {
    action: 'read',
    entity: 'program_report',
    entityId: programId,
    detail: { from: range.from, to: range.to },
  });

  const timing = (measure: TimingFigure['measure'], row: Timing | undefined): TimingFigure => ({
    measure,
    count: row?.count ?? 0,
    medianDays: row?.count ? num(row.p?.[0] ?? null) : null,
    p90Days: row?.count ? num(row.p?.[1] ?? null) : null,
  });
  const overdueNow = new Map(overdue.rows.map((r) => [r.kind, r.count]));
  const seen = new Set([...onTime.rows.map((r) => r.kind), ...overdueNow.keys()]);
  const kinds = [
    ...OBLIGATION_KINDS.filter((k) => seen.has(k)),
    ...[...seen].filter((k) => !(OBLIGATION_KINDS as readonly string[]).includes(k)),
  ];
  const goal = goals.rows[0] ?? { achieved: 0, not_achieved: 0, dropped: 0 };
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
    timings: [
      timing('intake_to_initial_assessment', intake.rows[0]),
      timing('initial_assessment_to_approved_plan', planned.rows[0]),
    ],
    onTime: kinds.map((kind) => {
      const row = onTime.rows.find((r) => r.kind === kind);
      const on = row?.on_time ?? 0;
      const late = row?.late ?? 0;
      return { kind, onTime: on, late, rate: ratio(on, on + late), overdueNow: overdueNow.get(kind) ?? 0 };
    }),
    goals: { achieved: goal.achieved, notAchieved: goal.not_achieved, dropped: goal.dropped },
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
