import type { Pool } from 'pg';
import { visibleCasesSource, visibleCasesSql } from './access';
import type { Actor } from './actor';
import { audit, auditEach } from './audit';
import { loadCase, toRecord, type CaseRecord, type CaseRow } from './cases';
import { UnprocessableError } from '../core/errors';
import { obligationLabels } from '../core/obligation-catalogue';
import type { RiskLevel } from '../core/policy';
import { clientInitials } from './work';

/** The orders a list of cases can come in; `newest` (the default) is the only one cursors page. */
export const CASE_SORTS = ['newest', 'next_due', 'reference', 'risk', 'status'] as const;
export type CaseSort = (typeof CASE_SORTS)[number];

export interface CaseFilter {
  caseManagerId?: string;
  supervisorId?: string;
  programId?: string;
  /** A status, or `open` for every status but closed. */
  status?: string;
  risk?: RiskLevel;
  overdue?: boolean;
  /** Find a client: a case reference, a client's name (start of either name, or of both), or initials. */
  q?: string;
  sort?: CaseSort;
  /** Page number (from 1) for numbered pages; any order but `newest` is paged by number. */
  page?: number;
  limit: number;
  cursor?: string;
  /** What "overdue" is measured against; the server's clock by default. */
  now?: Date;
  /**
   * Show each client's name beside the initials (the caseload page): anyone who may see a case may
   * see its client, and each name shown is audited as a read of that client.
   */
  withNames?: boolean;
}

interface Cursor {
  t: string;
  id: string;
}

const encodeCursor = (c: Cursor): string => Buffer.from(JSON.stringify(c)).toString('base64url');

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/**
 * Exactly what listCases writes: a real UTC instant with PostgreSQL's microseconds (cases opened in
 * one millisecond must not fall between pages). Millisecond cursors issued before that still work.
 */
const ISSUED_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}(\d{3})?Z$/;

/** A cursor is client-held text: only the exact shape this API issues is let near SQL. */
function decodeCursor(text: string): Cursor {
  try {
    const c: unknown = JSON.parse(Buffer.from(text, 'base64url').toString('utf8'));
    if (c !== null && typeof c === 'object' && !Array.isArray(c)) {
      const { t, id, ...rest } = c as Record<string, unknown>;
      if (
        Object.keys(rest).length === 0 &&
        typeof t === 'string' &&
        typeof id === 'string' &&
        ISSUED_TIME.test(t) &&
        new Date(t).getTime() > 0 &&
        new Date(t).toISOString() === `${t.slice(0, 23)}Z` &&
        UUID.test(id)
      )
        return { t, id };
    }
  } catch {
    // fall through
  }
  // Well-formed by the schema (base64url) yet not a cursor this API issued: 422, like any other
  // well-formed request that cannot apply.
  throw new UnprocessableError('The cursor is not one this API issued.', [
    { field: 'query.cursor', reason: 'invalid cursor' },
  ]);
}

/** One case in a list: its record, with what a caseload needs to show beside it. */
export interface CaseListItem extends CaseRecord {
  client: { initials: string; name?: string };
  programName: string;
  /** The soonest due time among its running obligations, as its workflow derived it. */
  nextObligation: { obligationKind: string; dueAt: string } | null;
  /** Running obligations due before now (the projected overdueCount while its obligations are not projected yet). */
  overdueNow: number;
}

export interface CaseList {
  items: CaseListItem[];
  nextCursor: string | null;
  /** Numbered pages: set unless the list is paged by cursor (newest first, no page asked for). */
  page: { number: number; size: number; total: number; nextPage: number | null } | null;
}

/** ORDER BY for each sort: constants chosen by the validated sort name, never text from a request. */
const ORDER_BY: Record<CaseSort, string> = {
  newest: 'c.created_at DESC, c.id DESC',
  next_due: 'd.next_at ASC NULLS LAST, length(c.reference), c.reference, c.id',
  reference: 'length(c.reference), c.reference, c.id',
  risk: "array_position(ARRAY['high', 'medium', 'low'], c.risk_level), d.next_at ASC NULLS LAST, length(c.reference), c.reference, c.id",
  status:
    "array_position(ARRAY['intake', 'assessment', 'planning', 'active', 'on_hold', 'closing', 'closed'], c.status), d.next_at ASC NULLS LAST, length(c.reference), c.reference, c.id",
};

const likePrefix = (text: string): string => text.replace(/[%_\\]/g, (c) => `\\${c}`);

/** "JR", "J R", "J. R.": two letters that may be initials. */
function initialsOf(q: string): string | null {
  const m = /^(\p{L})\.?\s*(\p{L})\.?$/u.exec(q);
  return m ? `${m[1]}${m[2]}`.toLowerCase() : null;
}

/** What selects cases for a list or an export: everything of CaseFilter but the paging. */
export type CaseCriteria = Omit<CaseFilter, 'page' | 'limit' | 'cursor' | 'withNames'>;

/** The case's running obligations as `d` (next due, overdue now at $8), joined to `cases c`. */
const OBLIGATIONS_SQL = `LEFT JOIN LATERAL (
         SELECT (array_agg(o.obligation_kind ORDER BY o.due_at, o.obligation_id))[1] AS next_kind,
                -- Not min(): alone in a count or sort, min() becomes a walk of the due-time index
                -- per case (quadratic in a program's cases: 27 s for 20,000).
                (array_agg(o.due_at ORDER BY o.due_at, o.obligation_id))[1] AS next_at,
                count(*) FILTER (WHERE o.due_at < $8)::int AS overdue
           FROM case_obligations o WHERE o.case_id = c.id AND o.running
       ) d ON true`;

/**
 * Every filter, over the case alone (and its client `cl` for a search). Overdue reads the case
 * row's earliest running due time (kept by trigger with case_obligations), the same answer as
 * counting its running obligations past due, without reading them. Without `search`, the search
 * ($9, $10) must be null and `cl` need not be joined.
 */
function caseFiltersSql(actor: Actor, search = true): string {
  const searched = search
    ? `($9::text IS NULL
             OR lower(c.reference) LIKE lower($9) || '%'
             OR lower(c.reference) LIKE 'c-' || lower($9) || '%'
             OR lower(cl.given_name) LIKE lower($9) || '%'
             OR lower(cl.family_name) LIKE lower($9) || '%'
             OR lower(cl.given_name || ' ' || cl.family_name) LIKE lower($9) || '%'
             OR lower(left(cl.given_name, 1) || left(cl.family_name, 1)) = $10)`
    : '($9::text IS NULL AND $10::text IS NULL)';
  return `${visibleCasesSql(actor, 1)}
        AND ($2::uuid IS NULL OR c.case_manager_id = $2)
        AND ($3::uuid IS NULL OR c.supervisor_id = $3)
        AND ($4::uuid IS NULL OR c.program_id = $4)
        AND ($5::text IS NULL OR c.status = $5 OR ($5 = 'open' AND c.status <> 'closed'))
        AND ($6::boolean IS NULL
             OR (CASE WHEN c.obligations_projected_at IS NULL THEN c.overdue_count > 0
                      ELSE coalesce(c.first_running_due_at < $8, false) END) = $6)
        AND ($7::text IS NULL OR c.risk_level = $7)
        AND ${searched}`;
}

/**
 * The case list's source and filters as SQL: who may see which case (visibleCasesSql, parameter
 * $1) and the caseload filters ($2 to $10), over `cases c`, `programs p`, `clients cl` and `d`, the
 * case's running obligations (next due, overdue now). The caseload page, GET /cases and the
 * caseload CSV all read this one statement, so an export shows exactly what the list shows.
 * Further parameters are numbered from $11.
 */
export function caseListSql(
  actor: Actor,
  f: CaseCriteria,
): { from: string; where: string; orderBy: string; params: unknown[] } {
  const q = f.q?.trim() || null;
  return {
    from: `${visibleCasesSource(actor, 1)} c
       JOIN programs p ON p.id = c.program_id
       JOIN clients cl ON cl.id = c.client_id
       ${OBLIGATIONS_SQL}`,
    where: caseFiltersSql(actor),
    orderBy: ORDER_BY[f.sort ?? 'newest'],
    params: [
      actor.id,
      f.caseManagerId ?? null,
      f.supervisorId ?? null,
      f.programId ?? null,
      f.status ?? null,
      f.overdue ?? null,
      f.risk ?? null,
      f.now ?? new Date(),
      q === null ? null : likePrefix(q),
      q === null ? null : initialsOf(q),
    ],
  };
}

/** Orders that read only the case, not its obligations: their page can be chosen first. */
const ORDERS_OF_THE_CASE_ALONE: readonly CaseSort[] = ['newest', 'reference'];

/**
 * The statement that chooses a page of the list, and what each case on it needs beside it.
 * When the order does not need the cases' obligations, the page is chosen from the cases alone and
 * only its cases read their obligations, programs and clients: one page's worth of index lookups
 * instead of one per visible case (a supervisor's list read 600 of each for a page of 25, and each
 * lookup descends an index that deepens as the organisation grows). Otherwise the one statement
 * caseListSql describes. Both give the same rows in the same order.
 */
function casePageSql(
  actor: Actor,
  f: CaseFilter & { sort: CaseSort },
  paged: boolean,
  list: ReturnType<typeof caseListSql>,
): string {
  const columns = `c.*, p.program_manager_id, p.name AS program_name, cl.given_name, cl.family_name,
            d.next_kind, d.next_at,
            ${OVERDUE_NOW_SQL} AS overdue_now,
            to_char(c.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS cursor_time`;
  const total = paged ? 'count(*) OVER ()' : 'NULL::bigint';
  const afterCursor = '($11::timestamptz IS NULL OR (c.created_at, c.id) < ($11, $12::uuid))';
  if (!ORDERS_OF_THE_CASE_ALONE.includes(f.sort))
    return `SELECT ${columns}, ${total} AS total
       FROM ${list.from}
      WHERE ${list.where}
        AND ${afterCursor}
      ORDER BY ${list.orderBy}
      LIMIT $13 OFFSET $14`;
  const search = Boolean(f.q?.trim());
  return `WITH page AS MATERIALIZED (
       SELECT c.id, ${total} AS total
         FROM ${visibleCasesSource(actor, 1)} c ${search ? 'JOIN clients cl ON cl.id = c.client_id' : ''}
        WHERE ${caseFiltersSql(actor, search)}
          AND ${afterCursor}
        ORDER BY ${list.orderBy}
        LIMIT $13 OFFSET $14)
     SELECT ${columns}, page.total
       FROM page
       JOIN cases c ON c.id = page.id
       JOIN programs p ON p.id = c.program_id
       JOIN clients cl ON cl.id = c.client_id
       ${OBLIGATIONS_SQL}
      ORDER BY ${list.orderBy}`;
}

/** Overdue now: running obligations past due, or the projected count before obligations were projected. */
export const OVERDUE_NOW_SQL =
  'CASE WHEN c.obligations_projected_at IS NULL THEN c.overdue_count ELSE d.overdue END';

/**
 * A program manager with one program sees that program's cases and no others, so the list may as
 * well filter by it: the list then reads the program's cases newest first from their own index
 * (cases_program_newest_idx) instead of walking every case newest first and keeping the program's,
 * which is what the planner chose (it assumes a program's cases are spread evenly over time, and a
 * page of the oldest program read every newer case). Several programs, or a filter given: as asked.
 */
async function withOwnProgram(pool: Pool, actor: Actor, f: CaseFilter): Promise<CaseFilter> {
  if (actor.role !== 'program_manager' || f.programId !== undefined) return f;
  const programs = await pool.query<{ id: string }>(
    'SELECT id FROM programs WHERE program_manager_id = $1 LIMIT 2',
    [actor.id],
  );
  return programs.rows.length === 1 ? { ...f, programId: programs.rows[0]!.id } : f;
}

/**
 * Cases the actor may see. Newest first by default, with keyset pagination that stays stable under
 * inserts; any other order (and any `page`) comes in numbered pages.
 */
export async function listCases(pool: Pool, actor: Actor, asked: CaseFilter): Promise<CaseList> {
  const f = await withOwnProgram(pool, actor, asked);
  const sort = f.sort ?? 'newest';
  const paged = f.page !== undefined || sort !== 'newest';
  if (f.cursor && paged)
    throw new UnprocessableError(
      'A cursor pages only the newest-first list; ask for a page number instead.',
      [{ field: 'query.cursor', reason: 'only with sort=newest and without page' }],
    );
  const cursor = f.cursor ? decodeCursor(f.cursor) : undefined;
  const page = f.page ?? 1;
  const q = f.q?.trim() || null;
  const list = caseListSql(actor, { ...f, sort });
  const rows = await pool.query<
    CaseRow & {
      cursor_time: string;
      program_name: string;
      given_name: string;
      family_name: string;
      next_kind: string | null;
      next_at: Date | null;
      overdue_now: number;
      /** Only numbered pages need it: counting every visible case is what made long lists slow. */
      total: string | null;
    }
  >(casePageSql(actor, { ...f, sort }, paged, list), [
    ...list.params,
    cursor?.t ?? null,
    cursor?.id ?? null,
    f.limit + 1,
    paged ? (page - 1) * f.limit : 0,
  ]);
  const shown = rows.rows.slice(0, f.limit);
  const last = shown[shown.length - 1];
  const more = rows.rows.length > f.limit;
  const detail = { list: true, ...(q === null ? {} : { search: true }) };
  // Which cases were disclosed, one entry each; an empty page is still recorded.
  if (shown.length > 0)
    await auditEach(
      pool,
      actor,
      { action: 'read', entity: 'case', detail },
      shown.map((c) => ({ entityId: c.id, caseId: c.id })),
    );
  else await audit(pool, actor, { action: 'read', entity: 'case', detail: { ...detail, results: 0 } });
  if (f.withNames && shown.length > 0)
    await auditEach(
      pool,
      actor,
      { action: 'read', entity: 'client', detail: { list: true, name: true } },
      shown.map((c) => ({ entityId: c.client_id, caseId: c.id })),
    );
  return {
    items: shown.map((r) => ({
      ...toRecord(r),
      client: {
        initials: clientInitials(r.given_name, r.family_name),
        ...(f.withNames ? { name: `${r.given_name} ${r.family_name}`.trim() } : {}),
      },
      programName: r.program_name,
      nextObligation:
        r.next_at && r.next_kind ? { obligationKind: r.next_kind, dueAt: r.next_at.toISOString() } : null,
      overdueNow: Number(r.overdue_now),
    })),
    nextCursor: !paged && more && last ? encodeCursor({ t: last.cursor_time, id: last.id }) : null,
    page: paged
      ? {
          number: page,
          size: f.limit,
          total: Number(rows.rows[0]?.total ?? 0),
          nextPage: more ? page + 1 : null,
        }
      : null,
  };
}

/** The programs of the cases the actor may see, by name: what a caseload can be filtered by. */
export async function caseloadPrograms(pool: Pool, actor: Actor): Promise<{ id: string; name: string }[]> {
  return (
    await pool.query<{ id: string; name: string }>(
      `SELECT DISTINCT p.id, p.name FROM cases c JOIN programs p ON p.id = c.program_id
        WHERE ${visibleCasesSql(actor, 1)} ORDER BY p.name, p.id`,
      [actor.id],
    )
  ).rows;
}

export interface TimelineEntry {
  at: string;
  kind: string;
  summary: string;
  actorId: string | null;
  ref: string | null;
}

/**
 * An obligation kind's label in the timeline's SQL: the catalogue's labels arrive as parameter $2
 * (a JSON object by kind); a kind it does not know reads as its id in words.
 */
const labelSql = (column: string): string =>
  `coalesce($2::jsonb ->> ${column}, upper(left(${column}, 1)) || replace(substr(${column}, 2), '_', ' '))`;

/** Everything that happened on a case, reminders and escalations included, in time order. */
export async function caseTimeline(pool: Pool, actor: Actor, caseId: string): Promise<TimelineEntry[]> {
  await loadCase(pool, actor, caseId);
  const rows = await pool.query<{
    at: Date;
    kind: string;
    summary: string;
    actor_id: string | null;
    ref: string | null;
  }>(
    `SELECT at, kind, summary, actor_id, ref FROM (
       SELECT a.at, 'case.' || coalesce(a.detail->>'change', a.action) AS kind,
              CASE WHEN a.action = 'create' THEN 'Case opened' ELSE 'Case ' || replace(coalesce(a.detail->>'change', a.action), '_', ' ') END AS summary,
              a.actor_id, a.entity_id AS ref
         FROM audit_log a WHERE a.case_id = $1 AND a.entity = 'case' AND a.action IN ('create', 'update')
          AND coalesce(a.detail->>'change', '') NOT LIKE 'closure%'
       UNION ALL
       SELECT at, 'case.closure_' || what,
              CASE what WHEN 'requested' THEN 'Case closure requested (' || coalesce(reason, '') || ')'
                        ELSE 'Case closure ' || what END
              || CASE WHEN note IS NULL THEN '' ELSE ': ' || note END,
              actor_id, id::text
         FROM closure_events WHERE case_id = $1
       UNION ALL
       SELECT completed_at, 'assessment', initcap(kind) || ' assessment completed', completed_by, id::text FROM assessments WHERE case_id = $1
       UNION ALL
       SELECT created_at, 'plan.created', 'Service plan v' || version || ' drafted', created_by, id::text FROM service_plans WHERE case_id = $1
       UNION ALL
       SELECT pe.at, CASE pe.what WHEN 'submitted' THEN 'plan.submitted' ELSE 'plan.decided' END,
              'Service plan v' || sp.version || ' ' || CASE pe.what WHEN 'submitted' THEN 'submitted for approval' ELSE pe.what END
              || CASE WHEN pe.note IS NULL OR pe.note = '' THEN '' ELSE ': ' || pe.note END,
              pe.actor_id, sp.id::text
         FROM plan_events pe JOIN service_plans sp ON sp.id = pe.plan_id WHERE pe.case_id = $1
       UNION ALL
       SELECT gp.at, 'goal.progress', 'Goal "' || left(g.description, 60) || '": ' || replace(gp.status, '_', ' '), gp.recorded_by, g.id::text
         FROM goal_progress gp JOIN goals g ON g.id = gp.goal_id JOIN service_plans sp ON sp.id = g.plan_id WHERE sp.case_id = $1
       UNION ALL
       SELECT re.at, 'referral.' || re.status, 'Referral to ' || pr.organisation || ' (' || r.service || '): ' || replace(re.status, '_', ' ')
              || CASE WHEN re.reported_by_provider IS NOT NULL THEN ' by the provider' ELSE '' END
              || CASE WHEN re.scheduled_for IS NOT NULL THEN ' for ' || to_char(re.scheduled_for, 'YYYY-MM-DD') ELSE '' END
              || CASE WHEN re.note IS NULL OR re.note = '' THEN '' ELSE ': ' || re.note END,
              re.reported_by, r.id::text
         FROM referral_events re JOIN referrals r ON r.id = re.referral_id JOIN providers pr ON pr.id = r.provider_id WHERE r.case_id = $1
       UNION ALL
       SELECT at, 'note.' || type, initcap(type) || ' note' || CASE WHEN amends_note_id IS NULL THEN '' ELSE ' (amendment)' END, author_id, id::text
         FROM case_notes WHERE case_id = $1
       UNION ALL
       SELECT coalesce(sent_at, withdrawn_at, created_at), 'notification.' || status,
              'Email "' || subject || '" to ' || recipient_email
                || CASE WHEN status = 'failed' THEN ' failed: ' || coalesce(last_error, '')
                        WHEN status = 'withdrawn' THEN ' withdrawn from the digest: ' || coalesce(withdrawn_because, '')
                        ELSE '' END,
              NULL, notification_key
         FROM notifications WHERE case_id = $1
       UNION ALL
       SELECT occurred_at, 'schedule.' || what, ${labelSql('obligation_kind')} || ': ' || detail, NULL, decision_key
         FROM schedule_decisions WHERE case_id = $1
       UNION ALL
       SELECT raised_at, 'escalation.raised', 'Escalated (level ' || level || ') over ' || lower(${labelSql('obligation_kind')}), NULL, id::text
         FROM escalations WHERE case_id = $1
       UNION ALL
       SELECT acknowledged_at, 'escalation.acknowledged', 'Escalation (level ' || level || ') acknowledged', acknowledged_by, id::text
         FROM escalations WHERE case_id = $1 AND acknowledged_at IS NOT NULL
       UNION ALL
       SELECT resolved_at, 'escalation.resolved', 'Escalation (level ' || level || ') resolved: ' || coalesce(resolution, ''), NULL, id::text
         FROM escalations WHERE case_id = $1 AND resolved_at IS NOT NULL
       UNION ALL
       SELECT cc.at, 'consent.' || CASE WHEN cc.given THEN 'given' ELSE 'withdrawn' END,
              CASE cc.purpose
                WHEN 'share_with_provider' THEN 'Consent to share with ' || coalesce(p.organisation, 'a provider')
                WHEN 'email_reminders' THEN 'Consent to email reminders to the client'
                ELSE 'Consent to share with providers' END
              || ' ' || CASE WHEN cc.given THEN 'given' ELSE 'withdrawn' END
              || coalesce(' (' || cc.method || ')', ''),
              cc.recorded_by, cc.id::text
         FROM client_consents cc JOIN cases c ON c.client_id = cc.client_id
         LEFT JOIN providers p ON p.id = cc.provider_id
        WHERE c.id = $1
       UNION ALL
       SELECT te.at, 'task.' || te.what,
              'Task "' || left(t.what, 80) || '" '
              || CASE te.what
                   WHEN 'added' THEN 'added for ' || coalesce(s.full_name, 'a staff member') || ', due '
                        || to_char(t.due_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"')
                   WHEN 'reassigned' THEN 'moved from ' || coalesce(f.full_name, 'a staff member') || ' to '
                        || coalesce(s.full_name, 'a staff member') || ' with the case'
                   WHEN 'done' THEN 'done' ELSE 'cancelled' END
              || CASE WHEN te.note IS NULL OR te.note = '' THEN '' ELSE ': ' || te.note END,
              te.actor_id, t.id::text
         FROM case_task_events te JOIN case_tasks t ON t.id = te.task_id
         -- Whom the event names: rows from before moves were recorded name nobody; their task's
         -- assignee then is its first move's 'from', or its assignee now if it never moved.
         LEFT JOIN staff s ON s.id = coalesce(
           te.assignee_id,
           (SELECT m.from_assignee_id FROM case_task_events m
             WHERE m.task_id = te.task_id AND m.what = 'reassigned' ORDER BY m.at, m.created_at LIMIT 1),
           t.assignee_id)
         LEFT JOIN staff f ON f.id = te.from_assignee_id
        WHERE te.case_id = $1
     ) t ORDER BY at, kind`,
    [caseId, JSON.stringify(obligationLabels())],
  );
  await audit(pool, actor, { action: 'read', entity: 'case_timeline', entityId: caseId, caseId });
  return rows.rows.map((r) => ({
    at: r.at.toISOString(),
    kind: r.kind,
    summary: r.summary,
    actorId: r.actor_id,
    ref: r.ref,
  }));
}
