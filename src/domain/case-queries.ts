import type { Pool } from 'pg';
import { visibleCasesSql } from './access';
import type { Actor } from './actor';
import { audit, auditEach } from './audit';
import { loadCase, toRecord, type CaseRecord, type CaseRow } from './cases';
import { UnprocessableError } from '../core/errors';
import { obligationLabels } from '../core/obligation-catalogue';

export interface CaseFilter {
  caseManagerId?: string;
  supervisorId?: string;
  programId?: string;
  status?: string;
  overdue?: boolean;
  limit: number;
  cursor?: string;
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

/** Cases the actor may see, newest first, with keyset pagination that stays stable under inserts. */
export async function listCases(
  pool: Pool,
  actor: Actor,
  f: CaseFilter,
): Promise<{ items: CaseRecord[]; nextCursor: string | null }> {
  const cursor = f.cursor ? decodeCursor(f.cursor) : undefined;
  const rows = await pool.query<CaseRow & { cursor_time: string }>(
    `SELECT c.*, p.program_manager_id,
            to_char(c.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS cursor_time
       FROM cases c JOIN programs p ON p.id = c.program_id
      WHERE ${visibleCasesSql(actor, 1)}
        AND ($2::uuid IS NULL OR c.case_manager_id = $2)
        AND ($3::uuid IS NULL OR c.supervisor_id = $3)
        AND ($4::uuid IS NULL OR c.program_id = $4)
        AND ($5::text IS NULL OR c.status = $5)
        AND ($6::boolean IS NULL OR (c.overdue_count > 0) = $6)
        AND ($7::timestamptz IS NULL OR (c.created_at, c.id) < ($7, $8::uuid))
      ORDER BY c.created_at DESC, c.id DESC
      LIMIT $9`,
    [
      actor.id,
      f.caseManagerId ?? null,
      f.supervisorId ?? null,
      f.programId ?? null,
      f.status ?? null,
      f.overdue ?? null,
      cursor?.t ?? null,
      cursor?.id ?? null,
      f.limit + 1,
    ],
  );
  const page = rows.rows.slice(0, f.limit);
  const last = page[page.length - 1];
  // Which cases were disclosed, one entry each; an empty page is still recorded.
  if (page.length > 0)
    await auditEach(
      pool,
      actor,
      { action: 'read', entity: 'case', detail: { list: true } },
      page.map((c) => ({ entityId: c.id, caseId: c.id })),
    );
  else await audit(pool, actor, { action: 'read', entity: 'case', detail: { list: true, results: 0 } });
  return {
    items: page.map(toRecord),
    nextCursor:
      rows.rows.length > f.limit && last ? encodeCursor({ t: last.cursor_time, id: last.id }) : null,
  };
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
       SELECT re.at, 'referral.' || re.status, 'Referral to ' || pr.organisation || ' (' || r.service || '): ' || replace(re.status, '_', ' '),
              re.reported_by, r.id::text
         FROM referral_events re JOIN referrals r ON r.id = re.referral_id JOIN providers pr ON pr.id = r.provider_id WHERE r.case_id = $1
       UNION ALL
       SELECT at, 'note.' || type, initcap(type) || ' note' || CASE WHEN amends_note_id IS NULL THEN '' ELSE ' (amendment)' END, author_id, id::text
         FROM case_notes WHERE case_id = $1
       UNION ALL
       SELECT coalesce(sent_at, created_at), 'notification.' || status,
              'Email "' || subject || '" to ' || recipient_email || CASE WHEN status = 'failed' THEN ' failed: ' || coalesce(last_error, '') ELSE '' END,
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
              'Consent to share with providers ' || CASE WHEN cc.given THEN 'given' ELSE 'withdrawn' END,
              cc.recorded_by, cc.id::text
         FROM client_consents cc JOIN cases c ON c.client_id = cc.client_id WHERE c.id = $1
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
