import type { Pool } from 'pg';
import {
  applyPolicyChange,
  escalationRulesFrom,
  nextStep,
  obligationFromClock,
  recordStepSent,
  type ObligationClock,
  type PolicyHolder,
} from '../core/case-schedule';
import { ForbiddenError, UnprocessableError, type FieldProblem } from '../core/errors';
import { isEscalationStep, obligationLabel, type ObligationKind } from '../core/obligation-catalogue';
import type { Calendar } from '../core/obligations';
import { policyProblems, type ProgramPolicy, type RiskLevel } from '../core/policy';
import { canManageProgram } from './access';
import type { Actor } from './actor';
import { getProgram } from './directory';

/**
 * What a policy change would do to a program's running cases, before anyone saves it: which due
 * dates move and by how much, and how many reminders and escalations would go out in the next
 * seven days under the current and the proposed policy. One read of what the case workflows
 * projected (each open obligation with its clock), then the workflows' own scheduling code
 * (src/core/case-schedule.ts) run on it: the same rules, no second copy. Case references only.
 */

export const PREVIEW_HORIZON_DAYS = 7;
const DAY = 86_400_000;

/** A running case as its workflow last projected it. */
export interface PreviewCase {
  caseId: string;
  reference: string;
  status: string;
  riskLevel: RiskLevel;
  caseManagerId: string;
  supervisorId: string;
  programManagerId?: string;
  /** Time zone of each staff member the case writes to, by id. */
  zones: Record<string, string>;
  /** The case's minute after the working start for reminders held by quiet hours (0: none). */
  releaseOffsetMinutes?: number;
  /** The escalation rules its run follows, as projected (`escalationRulesOf`); absent: a run from before them. */
  escalationRules?: readonly string[];
  /** False when the case's rows were projected before clocks were (it is counted, not compared). */
  known: boolean;
  obligations: {
    id: string;
    kind: ObligationKind;
    subjectId?: string;
    /** The staff member it names (a task's assignee), who its reminders go to. */
    assigneeId?: string;
    dueAt: number;
    /** False while paused (on hold, or waiting for closure approval): its ladder sends nothing. */
    running: boolean;
    clock: ObligationClock;
  }[];
}

/** A policy and the program calendar it runs on. */
export interface PolicyUnderTest {
  policy: ProgramPolicy;
  calendar: Calendar;
}

export interface DueMove {
  caseId: string;
  caseReference: string;
  obligationId: string;
  kind: ObligationKind;
  kindLabel: string;
  oldDueAt: string;
  newDueAt: string;
  /** New minus old, in milliseconds: negative is earlier. */
  deltaMs: number;
  /** Not overdue now under the current policy, overdue at once under the proposed one. */
  newlyOverdue: boolean;
}

export interface StepCounts {
  reminders: number;
  escalations: number;
}

export interface PolicyPreview {
  at: string;
  horizonDays: number;
  /** Running cases whose clocks are known, compared below. */
  casesCompared: number;
  /** Running cases projected before clocks were: they show after their next change. */
  casesNotYetKnown: number;
  /** Open obligations compared. */
  obligations: number;
  /** The due dates that move, largest move first, at most `limit` of them. */
  moves: DueMove[];
  totals: { earlier: number; later: number; unchanged: number; newlyOverdue: number };
  nextDays: { current: StepCounts; proposed: StepCounts };
}

/** The state the workflow's scheduling code reads, built from one case's projection. */
function scheduleStateOf(c: PreviewCase, under: PolicyUnderTest, onlyRunning: boolean): PolicyHolder {
  return {
    caseManagerId: c.caseManagerId,
    supervisorId: c.supervisorId,
    ...(c.programManagerId ? { programManagerId: c.programManagerId } : {}),
    riskLevel: c.riskLevel,
    policy: under.policy,
    calendar: under.calendar,
    zones: c.zones,
    ...(c.releaseOffsetMinutes ? { releaseOffsetMinutes: c.releaseOffsetMinutes } : {}),
    // Whom the run escalates to, by the rules it follows (see projected-schedule.ts).
    ...escalationRulesFrom(c.escalationRules),
    obligations: c.obligations
      .filter((o) => !onlyRunning || o.running)
      .map((o) =>
        obligationFromClock(
          {
            id: o.id,
            kind: o.kind,
            ...(o.subjectId === undefined ? {} : { subjectId: o.subjectId }),
            ...(o.assigneeId === undefined ? {} : { assigneeId: o.assigneeId }),
            dueAt: o.dueAt,
          },
          o.clock,
        ),
      ),
    decisions: [],
    policyVersion: 0,
    policyChangeId: 'current',
  };
}

/**
 * The steps that would leave between `from` and `until`, as the workflow's loop sends them: take
 * the next step; if its time has not come, wait for it and look again (a later step may have
 * superseded it); send it (it is recorded as sent, an escalation raised); repeat.
 */
export function stepsWithin(state: PolicyHolder, from: number, until: number): StepCounts {
  const counts: StepCounts = { reminders: 0, escalations: 0 };
  let now = from;
  for (let guard = 0; guard < 10_000; guard++) {
    const step = nextStep(state, now);
    if (!step || step.sendAt > until) break;
    if (step.sendAt > now) {
      now = step.sendAt;
      continue;
    }
    recordStepSent(step);
    if (isEscalationStep(step.kind)) counts.escalations++;
    else counts.reminders++;
  }
  return counts;
}

/** The proposal as the signal a case would get. */
const changeTo = (p: PolicyUnderTest) => ({
  policy: p.policy,
  calendar: { timeZone: p.calendar.timeZone, holidays: [...p.calendar.holidays] },
  version: 1,
  changeId: 'proposed',
});

/** Pure: the preview of `proposed` against `current` for these cases at `now`. */
export function computePreview(
  cases: readonly PreviewCase[],
  current: PolicyUnderTest,
  proposed: PolicyUnderTest,
  now: number,
  limit = 200,
): PolicyPreview {
  const until = now + PREVIEW_HORIZON_DAYS * DAY;
  const known = cases.filter((c) => c.known);
  const moves: DueMove[] = [];
  const totals = { earlier: 0, later: 0, unchanged: 0, newlyOverdue: 0 };
  const nextDays = { current: { reminders: 0, escalations: 0 }, proposed: { reminders: 0, escalations: 0 } };
  let obligations = 0;
  for (const c of known) {
    // Due dates: every open obligation re-derived as the workflow's policy-changed handler does.
    const after = scheduleStateOf(c, current, false);
    applyPolicyChange(after, changeTo(proposed), now);
    for (const [i, o] of c.obligations.entries()) {
      obligations++;
      const newDue = after.obligations[i]!.dueAt;
      const deltaMs = newDue - o.dueAt;
      if (deltaMs === 0) {
        totals.unchanged++;
        continue;
      }
      const newlyOverdue = o.dueAt >= now && newDue < now;
      if (deltaMs < 0) totals.earlier++;
      else totals.later++;
      if (newlyOverdue) totals.newlyOverdue++;
      moves.push({
        caseId: c.caseId,
        caseReference: c.reference,
        obligationId: o.id,
        kind: o.kind,
        kindLabel: obligationLabel(o.kind),
        oldDueAt: new Date(o.dueAt).toISOString(),
        newDueAt: new Date(newDue).toISOString(),
        deltaMs,
        newlyOverdue,
      });
    }
    // Reminders and escalations: the ladder of every running obligation, replayed forward.
    const add = (into: StepCounts, n: StepCounts): void => {
      into.reminders += n.reminders;
      into.escalations += n.escalations;
    };
    add(nextDays.current, stepsWithin(scheduleStateOf(c, current, true), now, until));
    const proposedState = scheduleStateOf(c, current, true);
    applyPolicyChange(proposedState, changeTo(proposed), now);
    add(nextDays.proposed, stepsWithin(proposedState, now, until));
  }
  moves.sort(
    (a, b) =>
      Number(b.newlyOverdue) - Number(a.newlyOverdue) ||
      Math.abs(b.deltaMs) - Math.abs(a.deltaMs) ||
      a.caseReference.localeCompare(b.caseReference, 'en', { numeric: true }) ||
      a.obligationId.localeCompare(b.obligationId),
  );
  return {
    at: new Date(now).toISOString(),
    horizonDays: PREVIEW_HORIZON_DAYS,
    casesCompared: known.length,
    casesNotYetKnown: cases.length - known.length,
    obligations,
    moves: moves.slice(0, limit),
    totals,
    nextDays,
  };
}

interface PreviewRow {
  id: string;
  reference: string;
  status: string;
  risk_level: RiskLevel;
  case_manager_id: string;
  supervisor_id: string;
  program_manager_id: string | null;
  zones: Record<string, string>;
  release_offset_minutes: number;
  escalation_rules: string[] | null;
  projected: boolean;
  obligations: {
    id: string;
    kind: ObligationKind;
    subject_id: string | null;
    assignee_id: string | null;
    due_at: string;
    running: boolean;
    clock: ObligationClock | null;
  }[];
}

/** Every running case of the program with its open obligations and their clocks: one query. */
export async function loadPreviewCases(pool: Pool, programId: string): Promise<PreviewCase[]> {
  const rows = (
    await pool.query<PreviewRow>(
      `SELECT c.id, c.reference, c.status, c.risk_level, c.case_manager_id, c.supervisor_id, p.program_manager_id,
              c.obligations_projected_at IS NOT NULL AS projected, c.release_offset_minutes,
              c.escalation_rules,
              jsonb_strip_nulls(jsonb_build_object(c.case_manager_id::text, cm.time_zone,
                                                   c.supervisor_id::text, sv.time_zone,
                                                   coalesce(pm.id::text, '-'), pm.time_zone))
              -- Whoever an open obligation names (a task's assignee, an appointment's attendee).
              || coalesce((SELECT jsonb_object_agg(s.id::text, s.time_zone)
                             FROM case_obligations o JOIN staff s ON s.id = o.assignee_id
                            WHERE o.case_id = c.id), '{}'::jsonb) AS zones,
              coalesce((SELECT jsonb_agg(jsonb_build_object('id', o.obligation_id, 'kind', o.obligation_kind,
                                   'subject_id', o.subject_id, 'assignee_id', o.assignee_id,
                                   'due_at', o.due_at, 'running', o.running,
                                   'clock', o.clock) ORDER BY o.due_at, o.obligation_id)
                          FROM case_obligations o WHERE o.case_id = c.id), '[]'::jsonb) AS obligations
         FROM cases c
         JOIN programs p ON p.id = c.program_id
         JOIN staff cm ON cm.id = c.case_manager_id
         JOIN staff sv ON sv.id = c.supervisor_id
         LEFT JOIN staff pm ON pm.id = p.program_manager_id
        WHERE c.program_id = $1 AND c.status <> 'closed'
        ORDER BY c.reference`,
      [programId],
    )
  ).rows;
  return rows.map((r) => ({
    caseId: r.id,
    reference: r.reference,
    status: r.status,
    riskLevel: r.risk_level,
    caseManagerId: r.case_manager_id,
    supervisorId: r.supervisor_id,
    ...(r.program_manager_id ? { programManagerId: r.program_manager_id } : {}),
    zones: r.zones,
    ...(r.release_offset_minutes ? { releaseOffsetMinutes: r.release_offset_minutes } : {}),
    ...(r.escalation_rules ? { escalationRules: r.escalation_rules } : {}),
    known: r.projected && r.obligations.every((o) => o.clock !== null),
    obligations: r.obligations
      .filter((o): o is typeof o & { clock: ObligationClock } => o.clock !== null)
      .map((o) => ({
        id: o.id,
        kind: o.kind,
        ...(o.subject_id === null ? {} : { subjectId: o.subject_id }),
        ...(o.assignee_id === null ? {} : { assigneeId: o.assignee_id }),
        dueAt: Date.parse(o.due_at),
        running: o.running,
        clock: o.clock,
      })),
  }));
}

/** Proposed values that cannot apply, named by field (as `requireSensiblePolicy` and the calendar check name them). */
export function proposalProblems(proposed: PolicyUnderTest, at = 'body'): FieldProblem[] {
  const problems = policyProblems(proposed.policy, at);
  const r = proposed.policy.ladder.overdueRepeatLimit;
  if (!Number.isInteger(r) || r < 0 || r > 50)
    problems.push({
      field: `${at}.ladder.overdueRepeatLimit`,
      reason: 'must be a whole number from 0 to 50',
    });
  try {
    new Intl.DateTimeFormat('en', { timeZone: proposed.calendar.timeZone });
  } catch {
    problems.push({ field: `${at}.timeZone`, reason: 'must be an IANA time zone such as Europe/London' });
  }
  for (const day of proposed.calendar.holidays)
    if (!/^\d{4}-\d{2}-\d{2}$/.test(day) || Number.isNaN(Date.parse(`${day}T00:00:00Z`))) {
      problems.push({ field: `${at}.holidays`, reason: `${day} is not a date such as 2027-01-01` });
      break;
    }
  return problems;
}

/**
 * The preview for the program's manager or an admin: the program's current policy and calendar
 * against the proposed ones, over its running cases. Nothing is saved; values that cannot apply
 * are refused (422) with the field named.
 */
export async function previewPolicy(
  pool: Pool,
  actor: Actor,
  programId: string,
  proposed: PolicyUnderTest,
  now: Date,
): Promise<PolicyPreview> {
  const program = await getProgram(pool, programId);
  if (!canManageProgram(actor, program.programManagerId))
    throw new ForbiddenError('Only an admin or the program’s manager may change its policy.');
  const problems = proposalProblems(proposed);
  if (problems.length)
    throw new UnprocessableError(`The policy has ${problems.length} value(s) that cannot apply.`, problems);
  const cases = await loadPreviewCases(pool, programId);
  return computePreview(
    cases,
    { policy: program.policy, calendar: { timeZone: program.timeZone, holidays: program.holidays } },
    proposed,
    now.getTime(),
  );
}
