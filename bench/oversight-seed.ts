import type { Pool } from 'pg';
import { DEFAULT_POLICY } from '../src/core/policy';
import { seedCaseRows, seedTeam, type BenchTeam } from './seed';

/**
 * The records a year of a busy program leaves, written in SQL (no workflows: the oversight reports
 * read records and the schedule projection, never Temporal). Every open case has a contact note,
 * an initial assessment, two open obligations (about a third overdue) and a referral with an answer;
 * most have an approved plan with two goals (with their progress); one in twenty has an escalation.
 * Initial assessments and plans have their 'opened' and 'met' schedule decisions (some late).
 * Closed cases add the history the report's closure figures read (their episodes); one open case in
 * 25 was reopened, with an earlier episode and its own initial assessment.
 */
export async function seedOversightRecords(
  pool: Pool,
  opts: { openCases: number; closedCases: number; casesPerCaseManager: number; label?: string },
): Promise<BenchTeam> {
  const team = await seedTeam(pool, {
    label: opts.label ?? 'oversight',
    policy: DEFAULT_POLICY,
    caseManagers: Math.ceil(opts.openCases / opts.casesPerCaseManager),
  });
  const total = opts.openCases + opts.closedCases;
  const now = new Date();
  for (let done = 0; done < total; done += CHUNK) {
    await seedCaseRows(pool, team, Math.min(CHUNK, total - done), now);
  }
  const providers = await pool.query<{ id: string }>(
    `INSERT INTO providers (organisation, contact_email)
     SELECT 'Bench provider ' || g, 'provider' || g || '@bench.caseloop.local' FROM generate_series(1, 40) g
     RETURNING id`,
  );
  const providerIds = providers.rows.map((r) => r.id);
  const db = await pool.connect();
  try {
    // Spread intakes over the last year; the first `closedCases` (by reference) are closed.
    await db.query(
      `UPDATE cases c SET opened_at = now() - (((hashtext(c.id::text) & 2147483647) % 365) || ' days')::interval,
              status = CASE WHEN n.k < $1 THEN 'closed'
                            ELSE (ARRAY['assessment','planning','active','active','active','on_hold'])[1 + n.k % 6] END,
              risk_level = (ARRAY['low','medium','high'])[1 + n.k % 3]
         FROM (SELECT id, row_number() OVER (ORDER BY reference) - 1 AS k FROM cases WHERE program_id = $2) n
        WHERE n.id = c.id`,
      [opts.closedCases, team.programId],
    );
    await db.query(
      `UPDATE cases SET closed_at = opened_at + least(interval '120 days', (now() - opened_at) / 2),
              closure_reason = (ARRAY['goals_met','client_withdrew','moved','transferred'])[1 + (hashtext(id::text) & 3)]
        WHERE status = 'closed' AND program_id = $1`,
      [team.programId],
    );
    await db.query(
      `INSERT INTO assessments (case_id, kind, scores, needs, summary, completed_by, completed_at)
       SELECT id, 'initial', '{"housing": 2, "income": 3}', '{housing}', '', case_manager_id,
              opened_at + (((hashtext(id::text) & 2147483647) % 20) || ' days')::interval
         FROM cases WHERE program_id = $1 AND status <> 'assessment'`,
      [team.programId],
    );
    await db.query(
      `INSERT INTO case_notes (case_id, type, author_id, at, body)
       SELECT id, 'contact', case_manager_id, now() - (((hashtext(id::text) & 2147483647) % 40) || ' days')::interval,
              'Called.'
         FROM cases WHERE program_id = $1`,
      [team.programId],
    );
    await db.query(
      `WITH plans AS (
         INSERT INTO service_plans (case_id, version, status, created_by, submitted_at, submitted_by, decided_at, decided_by)
         SELECT id, 1, CASE WHEN status = 'planning' THEN 'submitted' ELSE 'approved' END, case_manager_id,
                opened_at + interval '25 days', case_manager_id,
                CASE WHEN status = 'planning' THEN NULL ELSE opened_at + interval '28 days' END,
                CASE WHEN status = 'planning' THEN NULL ELSE supervisor_id END
           FROM cases WHERE program_id = $1 AND status NOT IN ('assessment')
         RETURNING id, case_id, status, submitted_at, decided_at, submitted_by, decided_by
       ), events AS (
         INSERT INTO plan_events (plan_id, case_id, what, at, actor_id)
         SELECT id, case_id, 'submitted', submitted_at, submitted_by FROM plans
         UNION ALL
         SELECT id, case_id, 'approved', decided_at, decided_by FROM plans WHERE status = 'approved'
       )
       INSERT INTO goals (plan_id, domain, description, measure, target_date, status)
       SELECT p.id, 'housing', 'Stable housing', 'Lease signed', (p.submitted_at + interval '180 days')::date,
              (ARRAY['not_started','in_progress','achieved','not_achieved','dropped'])[1 + (hashtext(p.id::text || g) & 2147483647) % 5]
         FROM plans p CROSS JOIN generate_series(1, 2) g`,
      [team.programId],
    );
    await db.query(
      `WITH sent AS (
         INSERT INTO referrals (case_id, provider_id, service, reason, status, sent_at, created_by)
         SELECT c.id, ($2::uuid[])[1 + (hashtext(c.id::text) & 2147483647) % array_length($2::uuid[], 1)],
                'Housing search', 'Needs a flat',
                (ARRAY['sent','accepted','completed','declined'])[1 + (hashtext(c.id::text) & 3)],
                c.opened_at + interval '30 days', c.case_manager_id
           FROM cases c WHERE c.program_id = $1 AND c.status IN ('active', 'on_hold', 'closed')
         RETURNING id, status, sent_at, created_by
       )
       INSERT INTO referral_events (referral_id, status, at, reported_by)
       SELECT id, 'accepted', sent_at + interval '4 days', created_by FROM sent WHERE status IN ('accepted', 'completed')
       UNION ALL
       SELECT id, 'completed', sent_at + interval '40 days', created_by FROM sent WHERE status = 'completed'
       UNION ALL
       SELECT id, 'declined', sent_at + interval '6 days', created_by FROM sent WHERE status = 'declined'`,
      [team.programId, providerIds],
    );
    // Each closed case's episode, as the closure approval writes it; one open case in 25 was closed
    // and reopened before (an earlier episode, with its own initial assessment).
    await db.query(
      `INSERT INTO case_episodes (case_id, episode, opened_at, closed_at, closure_reason, closed_by)
       SELECT id, 1, opened_at, closed_at, closure_reason, supervisor_id
         FROM cases WHERE program_id = $1 AND status = 'closed'`,
      [team.programId],
    );
    await db.query(
      `WITH reopened AS (
         UPDATE cases SET reopen_count = 1
          WHERE program_id = $1 AND status <> 'closed' AND (hashtext(id::text || 'r') & 2147483647) % 25 = 0
         RETURNING id, opened_at, supervisor_id, case_manager_id
       ), episodes AS (
         INSERT INTO case_episodes (case_id, episode, opened_at, closed_at, closure_reason, closed_by)
         SELECT id, 1, opened_at - interval '200 days', opened_at - interval '100 days', 'goals_met', supervisor_id
           FROM reopened
       )
       INSERT INTO assessments (case_id, kind, scores, needs, summary, completed_by, completed_at)
       SELECT id, 'initial', '{"housing": 1}', '{housing}', '', case_manager_id, opened_at - interval '190 days'
         FROM reopened`,
      [team.programId],
    );
    // Progress on every goal that has moved: its current status, recorded after the plan's submission.
    await db.query(
      `INSERT INTO goal_progress (goal_id, at, status, recorded_by)
       SELECT g.id,
              least(now() - interval '1 hour',
                    sp.submitted_at + (((hashtext(g.id::text) & 2147483647) % 150) || ' days')::interval),
              g.status, sp.created_by
         FROM goals g JOIN service_plans sp ON sp.id = g.plan_id JOIN cases c ON c.id = sp.case_id
        WHERE c.program_id = $1 AND g.status <> 'not_started'`,
      [team.programId],
    );
    // The schedule's decisions behind the on-time figures: each initial assessment and each plan was
    // due (opened) and done (met) with the due time it was met against; about a quarter are late.
    await db.query(
      `INSERT INTO schedule_decisions (case_id, decision_key, obligation_id, obligation_kind, what, detail,
                                       occurred_at, due_at)
       SELECT c.id, k.obligation_id || '/' || k.what, k.obligation_id, k.kind, k.what, k.detail, k.at, k.due_at
         FROM cases c
         JOIN assessments a ON a.case_id = c.id AND a.kind = 'initial' AND a.completed_at >= c.opened_at
         LEFT JOIN service_plans sp ON sp.case_id = c.id AND sp.version = 1
         CROSS JOIN LATERAL (VALUES
           ('initial-assessment', 'initial_assessment', 'opened',
            'initial assessment due ' || to_char((c.opened_at + interval '15 days') AT TIME ZONE 'UTC',
                                                 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'),
            c.opened_at, c.opened_at + interval '15 days'),
           ('initial-assessment', 'initial_assessment', 'met',
            'assessment recorded; 0 pending reminder(s) will not be sent', a.completed_at,
            c.opened_at + interval '15 days'),
           ('service-plan-1', 'service_plan', 'opened',
            'service plan due ' || to_char((a.completed_at + interval '20 days') AT TIME ZONE 'UTC',
                                           'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'),
            a.completed_at, a.completed_at + interval '20 days'),
           ('service-plan-1', 'service_plan', 'met',
            'plan submitted; 0 pending reminder(s) will not be sent', sp.submitted_at,
            a.completed_at + interval '20 days')
         ) AS k(obligation_id, kind, what, detail, at, due_at)
        WHERE c.program_id = $1 AND k.at IS NOT NULL`,
      [team.programId],
    );
    // Two open obligations per open case; about a third of them overdue by up to a month.
    await db.query(
      `INSERT INTO case_obligations (case_id, obligation_id, obligation_kind, due_at, running)
       SELECT c.id, k.kind || ':1', k.kind,
              now() + ((((hashtext(c.id::text || k.kind) & 2147483647) % 90) - 30) || ' days')::interval,
              c.status <> 'on_hold'
         FROM cases c
         CROSS JOIN (VALUES ('reassessment'), ('stalled_plan')) AS k(kind)
        WHERE c.program_id = $1 AND c.status <> 'closed'`,
      [team.programId],
    );
    await db.query(
      `INSERT INTO escalations (case_id, obligation_id, obligation_kind, level, recipient_id, due_at, raised_at,
                                acknowledged_at, acknowledged_by)
       SELECT c.id, 'reassessment:1', 'reassessment', 1, c.supervisor_id, now() - interval '10 days',
              now() - interval '5 days',
              CASE WHEN (hashtext(c.id::text) & 1) = 0 THEN now() - interval '3 days' END,
              CASE WHEN (hashtext(c.id::text) & 1) = 0 THEN c.supervisor_id END
         FROM cases c
        WHERE c.program_id = $1 AND c.status <> 'closed' AND (hashtext(c.id::text || 'e') & 2147483647) % 20 = 0`,
      [team.programId],
    );
    await db.query('ANALYZE');
  } finally {
    db.release();
  }
  return team;
}

const CHUNK = 10_000;
