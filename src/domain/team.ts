import type { Pool } from 'pg';
import type { Actor } from './actor';
import { audit, auditEach } from './audit';
import { reachFor, type ProgramReach } from './program-reach';
import { ForbiddenError, NotFoundError } from '../core/errors';
import { OBLIGATION_KINDS, obligationSpec, type ObligationKind } from '../core/obligation-catalogue';

/**
 * The team view: for each case manager the actor oversees, their open cases, what is overdue by
 * kind, the oldest overdue item, open escalations and the latest contact. "Overdue" is the case
 * workflows' own schedule as projected into case_obligations (running and due before now), never
 * a second calculation; only the case manager's own kinds of work count (approvals waiting on the
 * supervisor are in the approvals queue). A page of the view is one SQL statement, and only its
 * ranking reads every member, so a page costs about the same for a team of three as for a program
 * of a hundred thousand cases.
 *
 * Who is on the team: a supervisor's are the active case managers whose supervisor they are
 * (staff.supervisor_id); a program manager's, the case managers carrying open cases in programs
 * they manage; an admin's, every active case manager. Counts cover only the cases the actor may
 * see (the same rule as every other read).
 */

export interface OldestOverdue {
  obligationKind: string;
  caseId: string;
  caseReference: string;
  dueAt: string;
}

export interface TeamMemberSummary {
  staffId: string;
  fullName: string;
  openCases: number;
  /** Overdue items by obligation kind (only kinds with at least one). */
  overdueByKind: Record<string, number>;
  overdueTotal: number;
  oldestOverdue: OldestOverdue | null;
  openEscalations: number;
  /** The latest contact note on any of their open cases; null when there is none. */
  lastContactAt: string | null;
}

/** The case manager's own kinds of work: what counts as their overdue work. */
export const CASE_MANAGER_KINDS: readonly ObligationKind[] = OBLIGATION_KINDS.filter(
  (k) => obligationSpec(k).owner === 'case_manager',
);

/**
 * Who is on the actor's team, as SQL over `staff s` with the actor's id as parameter `$n` (the
 * overview finds a program manager's members its own way: `teamSql`).
 */
function memberSql(actor: Actor, n: number): string {
  switch (actor.role) {
    case 'supervisor':
      return `(s.active AND s.supervisor_id = $${n})`;
    case 'program_manager':
      return `EXISTS (SELECT 1 FROM cases c JOIN programs p ON p.id = c.program_id
                       WHERE c.case_manager_id = s.id AND c.status <> 'closed' AND p.program_manager_id = $${n})`;
    case 'admin':
      return `(s.active AND $${n}::uuid IS NOT NULL)`;
    case 'case_manager':
      return `(FALSE AND $${n}::uuid IS NOT NULL)`;
  }
}

/**
 * The overview's members (`$1` the actor, `$4` a program manager's programs). A program manager's
 * are found from their programs' open cases and then looked up one by one, so the cost follows the
 * programs' size: matched against every staff row instead, it grew with the whole organisation.
 */
function teamSql(actor: Actor): string {
  if (actor.role !== 'program_manager')
    return `SELECT s.id, s.full_name FROM staff s WHERE s.role = 'case_manager' AND ${memberSql(actor, 1)}`;
  return `SELECT s.id, s.full_name
            FROM (SELECT DISTINCT c.case_manager_id FROM cases c
                   WHERE c.program_id = ANY($4::uuid[]) AND c.status <> 'closed') m
           CROSS JOIN LATERAL (SELECT s.id, s.full_name FROM staff s
                                WHERE s.id = m.case_manager_id AND s.role = 'case_manager' OFFSET 0) s`;
}

/**
 * The team's open cases the actor may see, as a condition on `cases c` (`$1` the actor, `$4` a
 * program manager's programs): the same rule as `visibleCasesSql`, without the join to programs.
 * Each aggregate of the overview repeats it over the base tables rather than reading one shared
 * CTE, so the planner estimates from the tables' statistics instead of guessing a CTE's size (at
 * 100,000 cases a guess of a few hundred rows turned hash joins into 100,000 index probes).
 */
function openTeamCase(actor: Actor, members: 'team' | 'shown'): string {
  const visible = {
    admin: 'TRUE',
    supervisor: '(c.supervisor_id = $1 OR c.case_manager_id = $1)',
    program_manager: '(c.program_id = ANY($4::uuid[]) AND $1::uuid IS NOT NULL)',
    case_manager: 'FALSE',
  }[actor.role];
  return `c.status <> 'closed' AND c.case_manager_id IN (SELECT id FROM ${members}) AND ${visible}`;
}

function requireOverseer(actor: Actor): void {
  if (actor.role === 'case_manager')
    throw new ForbiddenError('The team view is for supervisors, program managers and admins.');
}

interface OverviewRow {
  staff_id: string;
  full_name: string;
  open_cases: number;
  overdue_by_kind: Record<string, number>;
  overdue_total: number;
  oldest_kind: string | null;
  oldest_case_id: string | null;
  oldest_reference: string | null;
  oldest_due_at: Date | null;
  open_escalations: number;
  last_contact_at: Date | null;
}

/** The programs a program manager manages: `$4` of their overview. */
async function managedPrograms(pool: Pool, actor: Actor): Promise<string[]> {
  const rows = await pool.query<{ id: string }>('SELECT id FROM programs WHERE program_manager_id = $1', [
    actor.id,
  ]);
  return rows.rows.map((r) => r.id);
}

/** One page of the team view, most overdue first; `total` counts every member. */
export interface TeamPage {
  members: TeamMemberSummary[];
  total: number;
  number: number;
  size: number;
}

/** Members per page of the team view: a program of 100,000 cases has about 2,000 case managers. */
export const TEAM_PAGE_SIZE = 25;

/** Every member at once (the CSV download). */
export async function teamOverview(
  pool: Pool,
  actor: Actor,
  now: Date,
  /** A program manager's way to the records; by default chosen by their programs' share. */
  opts: { reach?: ProgramReach } = {},
): Promise<TeamMemberSummary[]> {
  return (await overview(pool, actor, now, null, opts.reach)).members;
}

/**
 * One page of members. Ranking needs each member's overdue count (overdue items only, a small
 * set); the heavier counts (open cases, escalations, latest contact) run for the page's members
 * alone, so a page costs about the same for a program of 2,000 case managers as for one of 20.
 */
export async function teamOverviewPage(
  pool: Pool,
  actor: Actor,
  now: Date,
  page: { number: number; size?: number },
): Promise<TeamPage> {
  return overview(pool, actor, now, { number: page.number, size: page.size ?? TEAM_PAGE_SIZE });
}

async function memberCount(pool: Pool, actor: Actor): Promise<number> {
  const row = (
    await pool.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM staff s WHERE s.role = 'case_manager' AND ${memberSql(actor, 1)}`,
      [actor.id],
    )
  ).rows[0]!;
  return row.n;
}

/** LIMIT and OFFSET as literals (whole numbers checked here): the parameters differ by role. */
function pageClause(page: { number: number; size: number } | null): string {
  if (!page) return '';
  if (!Number.isInteger(page.number) || page.number < 1 || !Number.isInteger(page.size) || page.size < 1)
    throw new Error(`invalid team page ${page.number} of size ${page.size}`);
  return `LIMIT ${page.size} OFFSET ${(page.number - 1) * page.size}`;
}

/**
 * The team's overdue items (running, due before `$2`, of the case manager's kinds `$3`). By case
 * for a supervisor's team and a program manager's small programs: their cases' obligations looked
 * up case by case, so the organisation's other cases cost nothing, and only for cases whose earliest
 * running obligation is already due (the case row says so): each lookup descends an index as deep
 * as the whole organisation's obligations, and most cases have nothing overdue. By time for an
 * admin and for programs that are most of the organisation (see ProgramReach).
 */
function overdueSql(actor: Actor, reach: ProgramReach): string {
  const columns =
    'c.case_manager_id, o.obligation_kind, o.obligation_id, c.id AS case_id, c.reference, o.due_at';
  const due = `o.running AND o.due_at < $2 AND o.obligation_kind = ANY($3::text[])`;
  return reach === 'by_case'
    ? `SELECT ${columns} FROM cases c CROSS JOIN LATERAL (
         SELECT o.obligation_kind, o.obligation_id, o.due_at FROM case_obligations o
          WHERE o.case_id = c.id AND ${due} OFFSET 0) o
        WHERE ${openTeamCase(actor, 'team')} AND c.first_running_due_at < $2`
    : `SELECT ${columns} FROM case_obligations o JOIN cases c ON c.id = o.case_id
        WHERE ${openTeamCase(actor, 'team')} AND ${due}`;
}

async function overview(
  pool: Pool,
  actor: Actor,
  now: Date,
  page: { number: number; size: number } | null,
  askedReach?: ProgramReach,
): Promise<TeamPage> {
  requireOverseer(actor);
  const open = openTeamCase(actor, 'shown');
  const programs = actor.role === 'program_manager' ? await managedPrograms(pool, actor) : [];
  const reach: ProgramReach =
    actor.role === 'supervisor'
      ? 'by_case'
      : actor.role === 'admin'
        ? 'by_time'
        : (askedReach ?? (await reachFor(pool, programs)));
  const rows = (
    await pool.query<OverviewRow & { members: string }>(
      `WITH team AS (${teamSql(actor)}),
       overdue AS (${overdueSql(actor, reach)}),
       by_kind AS (
         SELECT case_manager_id, jsonb_object_agg(obligation_kind, n) AS kinds, sum(n)::int AS total
           FROM (SELECT case_manager_id, obligation_kind, count(*)::int AS n FROM overdue GROUP BY 1, 2) k
          GROUP BY 1
       ),
       shown AS (
         SELECT t.id, t.full_name, coalesce(bk.kinds, '{}'::jsonb) AS kinds, coalesce(bk.total, 0) AS total,
                count(*) OVER () AS members
           FROM team t LEFT JOIN by_kind bk ON bk.case_manager_id = t.id
          ORDER BY coalesce(bk.total, 0) DESC, t.full_name, t.id
          ${pageClause(page)}
       ),
       oldest AS (
         SELECT DISTINCT ON (case_manager_id) case_manager_id, obligation_kind, case_id, reference, due_at
           FROM overdue WHERE case_manager_id IN (SELECT id FROM shown)
          ORDER BY case_manager_id, due_at, reference, obligation_id
       ),
       case_counts AS (
         SELECT c.case_manager_id, count(*)::int AS n
           FROM cases c
          WHERE ${open}
          GROUP BY 1
       ),
       open_escalations AS (
         SELECT c.case_manager_id, count(*)::int AS n
           FROM escalations e JOIN cases c ON c.id = e.case_id
          WHERE ${open} AND e.acknowledged_at IS NULL AND e.resolved_at IS NULL
          GROUP BY 1
       ),
       contact AS (
         SELECT c.case_manager_id, max(n.at) AS last_contact_at
           FROM case_notes n JOIN cases c ON c.id = n.case_id
          WHERE ${open} AND n.type = 'contact'
          GROUP BY 1
       )
       SELECT t.id AS staff_id, t.full_name, t.members, coalesce(cc.n, 0) AS open_cases,
              t.kinds AS overdue_by_kind, t.total AS overdue_total,
              od.obligation_kind AS oldest_kind, od.case_id AS oldest_case_id, od.reference AS oldest_reference,
              od.due_at AS oldest_due_at, coalesce(oe.n, 0) AS open_escalations, ct.last_contact_at
         FROM shown t
         LEFT JOIN case_counts cc ON cc.case_manager_id = t.id
         LEFT JOIN oldest od ON od.case_manager_id = t.id
         LEFT JOIN open_escalations oe ON oe.case_manager_id = t.id
         LEFT JOIN contact ct ON ct.case_manager_id = t.id
        ORDER BY t.total DESC, t.full_name, t.id`,
      [actor.id, now, CASE_MANAGER_KINDS, ...(actor.role === 'program_manager' ? [programs] : [])],
    )
  ).rows;
  // The cases the view names (each member's oldest overdue item), once each.
  const named = [...new Set(rows.flatMap((r) => (r.oldest_case_id ? [r.oldest_case_id] : [])))];
  if (named.length > 0)
    await auditEach(
      pool,
      actor,
      { action: 'read', entity: 'case', detail: { team: true } },
      named.map((id) => ({ entityId: id, caseId: id })),
    );
  else await audit(pool, actor, { action: 'read', entity: 'case', detail: { team: true, results: 0 } });
  const members = rows.map((r) => ({
    staffId: r.staff_id,
    fullName: r.full_name,
    openCases: r.open_cases,
    overdueByKind: r.overdue_by_kind,
    overdueTotal: r.overdue_total,
    oldestOverdue:
      r.oldest_case_id && r.oldest_kind && r.oldest_reference && r.oldest_due_at
        ? {
            obligationKind: r.oldest_kind,
            caseId: r.oldest_case_id,
            caseReference: r.oldest_reference,
            dueAt: r.oldest_due_at.toISOString(),
          }
        : null,
    openEscalations: r.open_escalations,
    lastContactAt: r.last_contact_at?.toISOString() ?? null,
  }));
  // Past the last page there are no rows to carry the count: count the members on their own
  // (not through the overview, which would audit a case this page does not show).
  const total = rows.length
    ? Number(rows[0]!.members)
    : page && page.number > 1
      ? await memberCount(pool, actor)
      : 0;
  return { members, total, number: page?.number ?? 1, size: page?.size ?? members.length };
}

/** One member of the actor's team; anyone else is reported as not found. */
export async function teamMember(
  pool: Pool,
  actor: Actor,
  staffId: string,
): Promise<{ id: string; fullName: string; email: string }> {
  requireOverseer(actor);
  const row = (
    await pool.query<{ id: string; full_name: string; email: string }>(
      `SELECT s.id, s.full_name, s.email FROM staff s
        WHERE s.id = $2 AND s.role = 'case_manager' AND ${memberSql(actor, 1)}`,
      [actor.id, staffId],
    )
  ).rows[0];
  if (!row) throw new NotFoundError(`No case manager ${staffId} on your team.`);
  return { id: row.id, fullName: row.full_name, email: row.email };
}
