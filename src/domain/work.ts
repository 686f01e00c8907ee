import type { Pool } from 'pg';
import { visibleCasesSql } from './access';
import type { Actor } from './actor';
import { audit, auditEach } from './audit';
import { fromLocal, toLocal } from '../core/business-time';
import { obligationSpec, isObligationKind, type ObligationOwner } from '../core/obligation-catalogue';

/**
 * "My work": what is overdue, due today and due in the coming week across the cases the actor may
 * see (a case manager's caseload, a supervisor's team, a program manager's program, everything for
 * an admin). The due times are the ones the case workflows derived and projected into
 * case_obligations; nothing here recomputes them, it only compares them with now. Paused clocks
 * (a case on hold, or waiting for closure approval) owe nothing until they run again.
 */

export interface WorkItem {
  caseId: string;
  caseReference: string;
  clientInitials: string;
  obligationId: string;
  obligationKind: string;
  /** The referral, goal or plan it is about. */
  subjectId: string | null;
  dueAt: string;
  /** The calendar date it falls due on in the viewer's zone (YYYY-MM-DD). */
  dueDate: string;
  escalationLevel: number;
  acknowledged: boolean;
  /** Whose work it is: the case manager's, the supervisor's (approvals), or its assignee's (tasks). */
  owner: ObligationOwner | null;
  /** The staff member it names (a task's assignee), and their name. */
  assigneeId: string | null;
  assigneeName: string | null;
}

export interface MyWork {
  /** The zone "today" and "this week" are counted in: the viewer's own. */
  timeZone: string;
  asOf: string;
  /** Due before now, most overdue first. */
  overdue: WorkItem[];
  /** Due later today (the viewer's calendar day), soonest first. */
  today: WorkItem[];
  /** Due in the seven calendar days after today, soonest first. */
  thisWeek: WorkItem[];
  /** More was due than one page shows (only the first `limit` items are listed). */
  truncated: boolean;
}

/** "J. R.": what case pages and lists show of a client's name. */
export const clientInitials = (givenName: string, familyName: string): string =>
  `${givenName.charAt(0)}. ${familyName.charAt(0)}.`;

/** The start of the calendar day `days` after the one `at` falls on, in `timeZone`. */
export function startOfLocalDay(at: number, timeZone: string, days = 0): number {
  const l = toLocal(at, timeZone);
  const d = new Date(Date.UTC(l.year, l.month - 1, l.day + days));
  return fromLocal(
    {
      year: d.getUTCFullYear(),
      month: d.getUTCMonth() + 1,
      day: d.getUTCDate(),
      hour: 0,
      minute: 0,
      second: 0,
      millisecond: 0,
    },
    timeZone,
  );
}

const localDate = (at: number, timeZone: string): string => {
  const l = toLocal(at, timeZone);
  const pad = (n: number): string => String(n).padStart(2, '0');
  return `${l.year}-${pad(l.month)}-${pad(l.day)}`;
};

/** The days after today that count as "this week". */
export const WEEK_DAYS = 7;
const MAX_ITEMS = 500;

interface WorkRow {
  case_id: string;
  reference: string;
  given_name: string;
  family_name: string;
  obligation_id: string;
  obligation_kind: string;
  subject_id: string | null;
  due_at: Date;
  escalation_level: number;
  acknowledged: boolean;
  assignee_id: string | null;
  assignee_name: string | null;
}

export async function myWork(
  pool: Pool,
  actor: Actor,
  opts: {
    now: Date;
    timeZone?: string;
    limit?: number;
    /** Only the cases this case manager carries (a supervisor looking at one person's work). */
    caseManagerId?: string;
  },
): Promise<MyWork> {
  const timeZone =
    opts.timeZone ??
    (await pool.query<{ time_zone: string }>('SELECT time_zone FROM staff WHERE id = $1', [actor.id])).rows[0]
      ?.time_zone ??
    'UTC';
  const now = opts.now.getTime();
  const tomorrow = startOfLocalDay(now, timeZone, 1);
  const weekEnd = startOfLocalDay(now, timeZone, 1 + WEEK_DAYS);
  const limit = opts.limit ?? MAX_ITEMS;
  const rows = (
    await pool.query<WorkRow>(
      `SELECT o.case_id, c.reference, cl.given_name, cl.family_name, o.obligation_id, o.obligation_kind,
              o.subject_id, o.due_at, o.escalation_level, o.acknowledged,
              o.assignee_id, a.full_name AS assignee_name
         FROM case_obligations o
         LEFT JOIN staff a ON a.id = o.assignee_id
         JOIN cases c ON c.id = o.case_id
         JOIN programs p ON p.id = c.program_id
         JOIN clients cl ON cl.id = c.client_id
        WHERE ${visibleCasesSql(actor, 1)}
          AND o.running AND c.status <> 'closed'
          AND o.due_at < $2
          AND ($4::uuid IS NULL OR c.case_manager_id = $4 OR o.assignee_id = $4)
        ORDER BY o.due_at, c.reference, o.obligation_id
        LIMIT $3`,
      [actor.id, new Date(weekEnd), limit + 1, opts.caseManagerId ?? null],
    )
  ).rows;
  const shown = rows.slice(0, limit);
  const cases = [...new Set(shown.map((r) => r.case_id))];
  // Which cases were disclosed, one entry each; an empty list is still recorded.
  if (cases.length > 0)
    await auditEach(
      pool,
      actor,
      { action: 'read', entity: 'case', detail: { work: true } },
      cases.map((id) => ({ entityId: id, caseId: id })),
    );
  else await audit(pool, actor, { action: 'read', entity: 'case', detail: { work: true, results: 0 } });

  const work: MyWork = {
    timeZone,
    asOf: opts.now.toISOString(),
    overdue: [],
    today: [],
    thisWeek: [],
    truncated: rows.length > limit,
  };
  for (const r of shown) {
    const due = r.due_at.getTime();
    const item: WorkItem = {
      caseId: r.case_id,
      caseReference: r.reference,
      clientInitials: clientInitials(r.given_name, r.family_name),
      obligationId: r.obligation_id,
      obligationKind: r.obligation_kind,
      subjectId: r.subject_id,
      dueAt: r.due_at.toISOString(),
      dueDate: localDate(due, timeZone),
      escalationLevel: r.escalation_level,
      acknowledged: r.acknowledged,
      owner: isObligationKind(r.obligation_kind) ? obligationSpec(r.obligation_kind).owner : null,
      assigneeId: r.assignee_id,
      assigneeName: r.assignee_name,
    };
    if (due < now) work.overdue.push(item);
    else if (due < tomorrow) work.today.push(item);
    else work.thisWeek.push(item);
  }
  return work;
}
