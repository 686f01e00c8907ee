import type { Pool } from 'pg';
import { prepared } from '../db/prepared';
import type { CaseSchedule, CaseStatus, Obligation } from '../core/case-contract';
import {
  escalationRulesFrom,
  obligationFromClock,
  pendingSteps,
  type ObligationClock,
  type ScheduleState,
} from '../core/case-schedule';
import type { ObligationKind } from '../core/obligation-catalogue';
import type { ProgramPolicy, RiskLevel } from '../core/policy';

/**
 * A case's schedule as its workflow last projected it (the case row, `case_obligations` with their
 * clocks, the 'met' decisions of this episode), in the shape the schedule query answers (a met
 * obligation's subject and ladder are not recorded, so those are absent there). Reading
 * it costs one query whatever the worker caches; the upcoming steps come from the workflow's own
 * scheduling code (src/core/case-schedule.ts) run on the recorded clocks, as the policy preview does.
 */

/** Right after a change is answered the projection activity may still be writing: ask the workflow then. */
export const PROJECTION_SETTLE_MS = 10_000;

interface ProjectionRow {
  status: CaseStatus;
  risk_level: RiskLevel;
  case_manager_id: string;
  supervisor_id: string;
  program_manager_id: string | null;
  /** bigint: pg hands it over as text. */
  version: string | null;
  /** Projected obligations (with or without clocks) exist for this case. */
  projected: boolean;
  /** A change was answered in the last few seconds and the activity has not written since. */
  settling: boolean;
  policy: ProgramPolicy;
  time_zone: string;
  holidays: string[];
  zones: Record<string, string>;
  release_offset_minutes: number;
  /** The escalation rules the run follows, as its projection wrote them (NULL: none written yet). */
  escalation_rules: string[] | null;
  open: {
    id: string;
    kind: ObligationKind;
    subject_id: string | null;
    assignee_id: string | null;
    due_at: string;
    running: boolean;
    escalation_level: number;
    acknowledged: boolean;
    clock: ObligationClock | null;
    opened_at: string | null;
    /** The 'opened' decision's row number: written in the order the workflow opened them. */
    opened_seq: number | null;
  }[];
  met: {
    id: string;
    kind: ObligationKind;
    met_at: string;
    because: string;
    due_at: string | null;
    opened_at: string | null;
    /** The 'opened' decision's row number: written in the order the workflow opened them. */
    opened_seq: number | null;
  }[];
}

// Prepared: the detail page reads it on every view, and planning it cost more than running it.
export const RECORDED_SCHEDULE = prepared(
  `SELECT c.status, c.risk_level, c.case_manager_id, c.supervisor_id, p.program_manager_id,
              c.projection_version AS version,
              c.projection_version IS NOT NULL AND c.obligations_projected_at IS NOT NULL AS projected,
              c.updated_at > coalesce(c.schedule_updated_at, '-infinity')
                AND c.updated_at > now() - make_interval(secs => $2::float8 / 1000) AS settling,
              pp.policy, p.time_zone, c.release_offset_minutes, c.escalation_rules,
              array(SELECT to_char(h, 'YYYY-MM-DD') FROM unnest(p.holidays) h) AS holidays,
              (SELECT coalesce(jsonb_object_agg(s.id::text, s.time_zone), '{}'::jsonb) FROM staff s
                WHERE s.id IN (c.case_manager_id, c.supervisor_id, p.program_manager_id)
                   OR s.id IN (SELECT assignee_id FROM case_obligations WHERE case_id = c.id)) AS zones,
              coalesce((SELECT jsonb_agg(jsonb_build_object('id', o.obligation_id, 'kind', o.obligation_kind,
                                 'subject_id', o.subject_id, 'assignee_id', o.assignee_id, 'due_at', o.due_at,
                                 'running', o.running, 'escalation_level', o.escalation_level,
                                 'acknowledged', o.acknowledged, 'clock', o.clock, 'opened_at', d.occurred_at, 'opened_seq', d.id))
                          FROM case_obligations o
                          LEFT JOIN schedule_decisions d
                            ON d.case_id = o.case_id AND d.decision_key = o.obligation_id || '/opened'
                         WHERE o.case_id = c.id), '[]'::jsonb) AS open,
              coalesce((SELECT jsonb_agg(jsonb_build_object('id', m.obligation_id, 'kind', m.obligation_kind,
                                 'met_at', m.occurred_at, 'because', split_part(m.detail, '; ', 1),
                                 'due_at', m.due_at, 'opened_at', d.occurred_at, 'opened_seq', d.id))
                          FROM schedule_decisions m
                          LEFT JOIN schedule_decisions d
                            ON d.case_id = m.case_id AND d.decision_key = m.obligation_id || '/opened'
                         WHERE m.case_id = c.id AND m.what = 'met' AND m.occurred_at >= c.opened_at
                           AND NOT EXISTS (SELECT 1 FROM case_obligations o
                                            WHERE o.case_id = c.id AND o.obligation_id = m.obligation_id)),
                       '[]'::jsonb) AS met
         FROM cases c
         JOIN programs p ON p.id = c.program_id
         JOIN LATERAL (SELECT policy FROM program_policies WHERE program_id = p.id ORDER BY version DESC LIMIT 1) pp
           ON true
        WHERE c.id = $1`,
);

/**
 * Undefined when the workflow has not projected this case yet, is writing it right now, or has
 * recorded an open obligation without its clock: the intake look writes the obligations before the
 * first projection adds their clocks (and cases from before 'obligation-clocks-projected' have none
 * until their next projection). Without a clock the next step cannot be derived, so the caller asks
 * the workflow rather than show a case with nothing upcoming.
 */
export async function projectedSchedule(
  pool: Pool,
  caseId: string,
  now: Date,
): Promise<CaseSchedule | undefined> {
  const row = (await pool.query<ProjectionRow>(RECORDED_SCHEDULE.with([caseId, PROJECTION_SETTLE_MS])))
    .rows[0];
  if (!row || !row.projected || row.settling || row.version === null) return undefined;
  if (row.open.some((o) => o.clock === null)) return undefined;
  return scheduleOf(caseId, row, now.getTime());
}

const iso = (ms: number): string => new Date(ms).toISOString();
/** Obligation ids end in the workflow's running number ('service-plan-7'): their creation order. */
const seqOf = (id: string): number => Number(/-(\d{1,9})$/.exec(id)?.[1] ?? 0);

/** Pure: the schedule query's answer, from what the projection recorded. */
function scheduleOf(caseId: string, row: ProjectionRow, now: number): CaseSchedule {
  const openedAt = (o: { opened_at: string | null; clock?: ObligationClock | null }): number =>
    Date.parse(o.clock?.openedAt ?? o.opened_at ?? '') || 0;
  // The workflow lists obligations in the order they opened, met ones among them.
  const entries = [
    ...row.open.map((o) => ({ at: openedAt(o), seq: o.opened_seq, id: o.id, open: o, met: undefined })),
    ...row.met.map((m) => ({ at: openedAt(m), seq: m.opened_seq, id: m.id, open: undefined, met: m })),
  ].sort(
    (a, b) =>
      a.at - b.at || (a.seq ?? 0) - (b.seq ?? 0) || seqOf(a.id) - seqOf(b.id) || a.id.localeCompare(b.id),
  );
  const obligations: CaseSchedule['obligations'] = entries.map((e) => {
    if (e.open) {
      const o = e.open;
      return {
        id: o.id,
        kind: o.kind,
        ...(o.subject_id === null ? {} : { subjectId: o.subject_id }),
        dueAt: iso(Date.parse(o.due_at)),
        overdue: Date.parse(o.due_at) < now,
        sent: [...(o.clock?.sent ?? [])],
        escalationLevel: o.escalation_level,
        acknowledged: o.acknowledged,
        ...(o.assignee_id === null ? {} : { assigneeId: o.assignee_id }),
      };
    }
    const m = e.met;
    return {
      id: m.id,
      kind: m.kind,
      dueAt: iso(Date.parse(m.due_at ?? m.met_at)),
      metAt: iso(Date.parse(m.met_at)),
      metBecause: m.because,
      overdue: false,
      sent: [],
      escalationLevel: 0,
      acknowledged: false,
    };
  });
  const upcoming = upcomingSteps(row);
  return {
    caseId,
    version: Number(row.version),
    status: row.status,
    obligations,
    ...(upcoming[0] ? { next: upcoming[0] } : {}),
    upcoming,
    overdueCount: row.open.filter((o) => Date.parse(o.due_at) < now).length,
    escalationLevel: Math.max(0, ...row.open.map((o) => (o.acknowledged ? 0 : o.escalation_level))),
  };
}

/** The next few steps, by the workflow's rules on the recorded clocks (every open one has its clock). */
function upcomingSteps(row: ProjectionRow): NonNullable<CaseSchedule['upcoming']> {
  if (row.status === 'on_hold') return [];
  const obligations: Obligation[] = row.open
    // Paused clocks (closure pending) send nothing, as the workflow's runsWhileClosing says.
    .filter((o) => o.running)
    .map((o) =>
      obligationFromClock(
        {
          id: o.id,
          kind: o.kind,
          ...(o.subject_id === null ? {} : { subjectId: o.subject_id }),
          ...(o.assignee_id === null ? {} : { assigneeId: o.assignee_id }),
          dueAt: Date.parse(o.due_at),
        },
        o.clock!,
      ),
    );
  const state: ScheduleState = {
    caseManagerId: row.case_manager_id,
    supervisorId: row.supervisor_id,
    ...(row.program_manager_id ? { programManagerId: row.program_manager_id } : {}),
    riskLevel: row.risk_level,
    policy: row.policy,
    calendar: { timeZone: row.time_zone, holidays: row.holidays },
    zones: row.zones,
    releaseOffsetMinutes: row.release_offset_minutes,
    // Whom the run escalates to, by the rules it follows (a run started before patches
    // 'escalation-passes-doer' and 'no-escalation-to-doer' escalates the doer's own work to them).
    ...escalationRulesFrom(row.escalation_rules),
    obligations,
    decisions: [],
  };
  return pendingSteps(state)
    .slice(0, 5)
    .map((s) => ({
      obligationId: s.obligation.id,
      obligationKind: s.obligation.kind,
      step: s.kind,
      stepId: s.id,
      to: s.to,
      at: iso(s.sendAt),
    }));
}
