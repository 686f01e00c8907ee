import { ladderSteps, type LadderShape, type LadderStep, type LadderStepKind } from './ladder';
import {
  escalationLevelOf,
  isEscalationStep,
  ladderShape,
  type ObligationKind,
} from './obligation-catalogue';
import { deriveDueAt, programManagerEscalationDue, sendTime, type Calendar } from './obligations';
import type { ProgramPolicy, RiskLevel } from './policy';
import type { Obligation, PolicyChange, Recipient } from './case-contract';

/**
 * What a case's clocks will do next, and how a policy change moves them: the one copy of these
 * rules. Pure and deterministic: the case workflow runs them on its state (src/workflows imports
 * them from here), and the policy preview runs them on what the projection recorded of each case.
 */

/** A schedule decision people can read on the case timeline: why a clock started, moved or stopped. */
export interface Decision {
  /** Unique within the case: writing the same decision twice is a no-op. */
  key: string;
  at: number;
  obligationId: string;
  obligationKind: ObligationKind;
  what: 'opened' | 'met' | 'rescheduled' | 'skipped' | 'acknowledged';
  detail: string;
  /**
   * The obligation's due time when the decision was taken: opened, its first due time;
   * rescheduled, the new one; met, the one it was met against; skipped and acknowledged, the
   * current one. Missing on decisions a workflow took before it was recorded.
   */
  dueAt?: number;
}

/** The part of a case's state its schedule reads: the workflow's `CaseState` is one. */
export interface ScheduleState {
  caseManagerId: string;
  supervisorId: string;
  programManagerId?: string;
  riskLevel: RiskLevel;
  policy: ProgramPolicy;
  calendar: Calendar;
  /** Time zone of each staff member, by id; missing means the program's zone. */
  zones: Record<string, string>;
  /** Set while closure waits on a case that pauses the other clocks then. */
  closingSince?: number;
  /**
   * Minutes after the working start at which this case's reminders held by quiet hours leave
   * (src/core/release-spread.ts). Absent on cases started without a spread: they leave at the start.
   */
  releaseOffsetMinutes?: number;
  /**
   * The supervisor's own late work does not escalate to themselves: when the case's supervisor is
   * the one who owes it (a task assigned to them, a case they carry), its escalation goes to the
   * program manager instead, at the supervisor's time, as the last rung. Set on runs past patch
   * 'escalation-passes-doer'; older runs escalate to the supervisor, themselves included.
   */
  escalationPassesDoer?: boolean;
  /**
   * Nobody is escalated to about their own work: when the program manager owes it (a task assigned
   * to them), the supervisor's escalation is the last rung, with no follow-up to the program
   * manager. Set on runs past patch 'no-escalation-to-doer'; older runs send that follow-up.
   */
  noEscalationToDoer?: boolean;
  obligations: Obligation[];
  decisions: Decision[];
}

/** The escalation rules a run may follow, by the names its projection records (cases.escalation_rules). */
export type EscalationRule = 'passes_doer' | 'not_to_doer';

/** The rules in force on a run, as its projection records them. */
export function escalationRulesOf(
  s: Pick<ScheduleState, 'escalationPassesDoer' | 'noEscalationToDoer'>,
): EscalationRule[] {
  return [
    ...(s.escalationPassesDoer ? (['passes_doer'] as const) : []),
    ...(s.noEscalationToDoer ? (['not_to_doer'] as const) : []),
  ];
}

/** The flags for a run whose projection recorded `rules`; none recorded means a run from before them all. */
export function escalationRulesFrom(
  rules: readonly string[] | null | undefined,
): Pick<ScheduleState, 'escalationPassesDoer' | 'noEscalationToDoer'> {
  return {
    ...(rules?.includes('passes_doer') ? { escalationPassesDoer: true } : {}),
    ...(rules?.includes('not_to_doer') ? { noEscalationToDoer: true } : {}),
  };
}

export interface PlannedStep extends LadderStep {
  obligation: Obligation;
  /** When it may leave: the ladder time held to the recipient's working hours, on the minute. */
  sendAt: number;
}

const MINUTE = 60_000;

export const isOpen = (o: Obligation): boolean => o.metAt === undefined;

/** While closure is pending on a case that pauses clocks, only this obligation's ladder runs. */
export const runsWhileClosing = (state: Pick<ScheduleState, 'closingSince'>, o: Obligation): boolean =>
  state.closingSince === undefined || o.kind === 'closure_approval';

/**
 * Reminders leave on a whole minute, never before their time. Besides reading well ("sent 10:01"),
 * it keeps every timer at least a whole-minute boundary away from the message that set it.
 */
export const onTheMinute = (ms: number): number => Math.ceil(ms / MINUTE) * MINUTE;

const iso = (ms: number): string => new Date(ms).toISOString();

/** The staff member a step goes to; none for the provider or the client, who are not staff. */
export function recipientId(
  state: ScheduleState,
  to: Recipient,
  o?: Pick<Obligation, 'assigneeId'>,
): string | undefined {
  if (to === 'case_manager') return state.caseManagerId;
  if (to === 'supervisor') return state.supervisorId;
  if (to === 'program_manager') return state.programManagerId;
  if (to === 'assignee') return o?.assigneeId;
  return undefined;
}

function zoneOf(state: ScheduleState, to: Recipient, o: Obligation): string {
  const id = recipientId(state, to, o);
  return (id && state.zones[id]) || state.calendar.timeZone;
}

/**
 * When a step due at `at` may leave: at once inside the recipient's working hours; otherwise at the
 * next working start plus the case's release offset, so a program's held reminders do not all leave
 * on the same minute.
 */
function leaveAt(state: ScheduleState, at: number, to: Recipient, o: Obligation): number {
  const leave = sendTime(at, zoneOf(state, to, o), state.calendar, state.policy.urgent);
  return leave > at ? leave + (state.releaseOffsetMinutes ?? 0) * MINUTE : leave;
}

/**
 * A step held to the case's minute never leaves after the next step of its ladder to the same
 * person (a heads-up held from Saturday to 08:07 when the due notice is at 08:03): it leaves with
 * that step, which then supersedes it, as two steps held to the same minute always did. Without an
 * offset the times are already in ladder order and nothing moves.
 */
function keepLadderOrder(ladder: PlannedStep[]): void {
  // From the last step back: each recipient's next step has already been placed.
  const nextFor = new Map<Recipient, number>();
  for (let i = ladder.length - 1; i >= 0; i--) {
    const step = ladder[i]!;
    const next = nextFor.get(step.to);
    if (next !== undefined && next < step.sendAt) step.sendAt = next;
    nextFor.set(step.to, step.sendAt);
  }
}

/** Whose work the obligation is, by id: whom its own reminders go to (none for a client's or nobody's). */
function doerOf(state: ScheduleState, o: Obligation, shape: LadderShape): string | undefined {
  if (shape.remindTo === 'case_manager') return state.caseManagerId;
  if (shape.remindTo === 'assignee') return o.assigneeId;
  return undefined;
}

/**
 * The escalation to the supervisor, passed on to the program manager when the supervisor is the
 * one whose work is late (see ScheduleState.escalationPassesDoer); any other step as it is. With no
 * program manager to pass it to, it stays with the supervisor: someone still hears of it.
 */
function escalationPastDoer(
  state: ScheduleState,
  o: Obligation,
  shape: LadderShape,
  s: LadderStep,
): LadderStep {
  if (
    !state.escalationPassesDoer ||
    s.kind !== 'escalate_supervisor' ||
    // Already escalated to the supervisor (before this rule): the program manager's follow-up stands.
    o.sent.includes(s.id) ||
    !state.programManagerId ||
    doerOf(state, o, shape) !== state.supervisorId
  )
    return s;
  return { ...s, kind: 'escalate_program_manager', id: 'escalate_program_manager', to: 'program_manager' };
}

/** The program manager owes this themselves, on a run that escalates nobody about their own work. */
const programManagersOwn = (state: ScheduleState, o: Obligation, shape: LadderShape): boolean =>
  state.noEscalationToDoer === true &&
  state.programManagerId !== undefined &&
  doerOf(state, o, shape) === state.programManagerId;

/** Every unsent step of every open obligation that is running, in the order they will leave. */
export function pendingSteps(state: ScheduleState): PlannedStep[] {
  const steps: PlannedStep[] = [];
  const plan = (s: LadderStep, o: Obligation): PlannedStep => ({
    ...s,
    obligation: o,
    sendAt: onTheMinute(leaveAt(state, s.at, s.to, o)),
  });
  for (const o of state.obligations) {
    if (!isOpen(o) || !runsWhileClosing(state, o)) continue;
    const ladder: PlannedStep[] = [];
    const shape = ladderShape(o.kind, state.policy);
    for (const step of ladderSteps(o.dueAt, state.policy.ladder, o.openedAt, shape)) {
      const s = escalationPastDoer(state, o, shape, step);
      if (!o.sent.includes(s.id) && !o.skipped.includes(s.id)) ladder.push(plan(s, o));
    }
    if (state.releaseOffsetMinutes) keepLadderOrder(ladder);
    steps.push(...ladder);
    if (
      o.escalation?.level === 1 &&
      o.escalation.acknowledgedAt === undefined &&
      !o.sent.includes('escalate_program_manager') &&
      !programManagersOwn(state, o, shape)
    ) {
      const at = programManagerEscalationDue(o.escalation.raisedAt, state.policy, state.calendar);
      steps.push(
        plan(
          {
            kind: 'escalate_program_manager',
            n: 0,
            at,
            id: 'escalate_program_manager',
            to: 'program_manager',
          },
          o,
        ),
      );
    }
  }
  return steps.sort((a, b) => a.sendAt - b.sendAt || a.at - b.at);
}

const isEscalation = (s: LadderStep): boolean => isEscalationStep(s.kind);

/**
 * A step whose time has already passed (a policy change moved it earlier, or the worker was down)
 * still leaves only in the recipient's working hours: it waits for the next working start.
 */
function holdToWorkingHours(state: ScheduleState, step: PlannedStep, now: number): void {
  const leave = leaveAt(state, now, step.to, step.obligation);
  // Inside working hours it leaves now (not at the next minute, which would creep forever).
  if (leave > now) step.sendAt = onTheMinute(leave);
}

/**
 * The next step to act on. When several reminders of one obligation are already due (a worker
 * outage, or quiet hours holding them overnight), only the latest goes out and the rest are
 * recorded as skipped; escalations are never skipped.
 */
export function nextStep(state: ScheduleState, now: number): PlannedStep | undefined {
  for (;;) {
    const steps = pendingSteps(state);
    const first = steps[0];
    if (first && first.sendAt <= now) holdToWorkingHours(state, first, now);
    if (!first || first.sendAt > now || isEscalation(first)) return first;
    const later = steps.find(
      (s) =>
        s !== first &&
        s.obligation === first.obligation &&
        s.sendAt <= now &&
        !isEscalation(s) &&
        s.to === first.to,
    );
    if (!later) return first;
    recordSuperseded(state, first, later.kind, now);
  }
}

/**
 * The later reminder of the same obligation to the same recipient that makes `step` stale once it
 * is due (the rule nextStep applies, kept for the send itself: a worker paused past it wakes with an
 * old clock, and only the send, at the real time, can tell). Escalations are never superseded.
 */
export function supersedingStep(state: ScheduleState, step: PlannedStep): PlannedStep | undefined {
  if (isEscalation(step)) return undefined;
  return pendingSteps(state).find(
    (s) =>
      s.obligation.id === step.obligation.id &&
      s.sendAt > step.sendAt &&
      !isEscalation(s) &&
      s.to === step.to,
  );
}

/**
 * A reminder not sent because a later one of its obligation was due: skipped (not sent, whether or
 * not it had been counted as sent), with the timeline's words for it.
 */
export function recordSuperseded(
  state: ScheduleState,
  step: PlannedStep,
  later: LadderStepKind,
  at: number,
): void {
  const o = step.obligation;
  o.sent = o.sent.filter((id) => id !== step.id);
  o.skipped.push(step.id);
  state.decisions.push({
    key: `${o.id}/skipped/${step.id}/${o.dueAt}`,
    at,
    obligationId: o.id,
    obligationKind: o.kind,
    what: 'skipped',
    detail: `${step.kind.replace(/_/g, ' ')} not sent: superseded by ${later.replace(/_/g, ' ')}`,
    dueAt: o.dueAt,
  });
}

/** A step has gone: it is not sent again, and an escalation step raises (or climbs) the escalation. */
export function recordStepSent(step: PlannedStep): void {
  const o = step.obligation;
  o.sent.push(step.id);
  const level = escalationLevelOf(step.kind);
  if (level === 1) o.escalation = { level, raisedAt: step.sendAt };
  if (level === 2) o.escalation = { ...(o.escalation ?? { raisedAt: step.sendAt }), level };
}

/** An obligation's due time under the case's policy, risk level and calendar, from its anchor. */
export function dueOf(
  state: Pick<ScheduleState, 'policy' | 'riskLevel' | 'calendar'>,
  o: Pick<Obligation, 'kind' | 'anchorAt' | 'pausedMs'>,
): number {
  return deriveDueAt(o, state.policy, state.riskLevel, state.calendar);
}

/** Re-derives every open due time from its anchor: after a policy, risk or calendar change, or a pause. */
export function rederive(
  state: ScheduleState,
  now: number,
  why: string,
  only?: (o: Obligation) => boolean,
): void {
  for (const o of state.obligations) {
    if (!isOpen(o) || (only && !only(o))) continue;
    const before = o.dueAt;
    o.dueAt = dueOf(state, o);
    if (o.dueAt !== before) {
      state.decisions.push({
        key: `${o.id}/rescheduled/${now}/${o.dueAt}`,
        at: now,
        obligationId: o.id,
        obligationKind: o.kind,
        what: 'rescheduled',
        detail: `${why}: due ${iso(before)} → ${iso(o.dueAt)}`,
        dueAt: o.dueAt,
      });
    }
  }
}

/** The policy a case runs on, with the version and change that brought it. */
export interface PolicyHolder extends ScheduleState {
  policyVersion: number;
  policyChangeId: string;
}

/**
 * A program's policy (or calendar) change reaching a case: open obligations are re-derived from
 * their anchors under it; steps already sent are not resent. Older versions and repeats change
 * nothing (false); the same version with a new changeId replaces a rolled-back one.
 */
export function applyPolicyChange(state: PolicyHolder, change: PolicyChange, now: number): boolean {
  const { policy, version, changeId, calendar } = change;
  if (version < state.policyVersion || (version === state.policyVersion && changeId === state.policyChangeId))
    return false;
  state.policy = policy;
  state.policyVersion = version;
  state.policyChangeId = changeId;
  if (calendar) state.calendar = calendar;
  rederive(state, now, `policy version ${version}`);
  return true;
}

/**
 * What the projection records of an obligation's clock besides its due time, so its dates can be
 * re-derived and its ladder replayed outside the workflow (the policy preview): the anchor, time
 * paused, when it opened, steps sent or skipped, and its escalation. Instants as ISO strings.
 */
export interface ObligationClock {
  anchorAt: string;
  pausedMs: number;
  openedAt: string;
  sent: string[];
  skipped: string[];
  escalation?: { level: 1 | 2; raisedAt: string; acknowledgedAt?: string };
}

export function clockOf(o: Obligation): ObligationClock {
  return {
    anchorAt: iso(o.anchorAt),
    pausedMs: o.pausedMs,
    openedAt: iso(o.openedAt),
    sent: [...o.sent],
    skipped: [...o.skipped],
    ...(o.escalation
      ? {
          escalation: {
            level: o.escalation.level,
            raisedAt: iso(o.escalation.raisedAt),
            ...(o.escalation.acknowledgedAt === undefined
              ? {}
              : { acknowledgedAt: iso(o.escalation.acknowledgedAt) }),
          },
        }
      : {}),
  };
}

/** The open obligation a recorded clock describes (the inverse of `clockOf`). */
export function obligationFromClock(
  o: { id: string; kind: ObligationKind; subjectId?: string | undefined; assigneeId?: string; dueAt: number },
  clock: ObligationClock,
): Obligation {
  const ob: Obligation = {
    id: o.id,
    kind: o.kind,
    anchorAt: Date.parse(clock.anchorAt),
    openedAt: Date.parse(clock.openedAt),
    dueAt: o.dueAt,
    pausedMs: clock.pausedMs,
    sent: [...clock.sent],
    skipped: [...clock.skipped],
  };
  if (o.subjectId !== undefined) ob.subjectId = o.subjectId;
  if (o.assigneeId !== undefined) ob.assigneeId = o.assigneeId;
  if (clock.escalation)
    ob.escalation = {
      level: clock.escalation.level,
      raisedAt: Date.parse(clock.escalation.raisedAt),
      ...(clock.escalation.acknowledgedAt === undefined
        ? {}
        : { acknowledgedAt: Date.parse(clock.escalation.acknowledgedAt) }),
    };
  return ob;
}
