import { ladderSteps, type LadderStep } from '../core/ladder';
import { isEscalationStep, ladderShape } from '../core/obligation-catalogue';
import { programManagerEscalationDue, sendTime } from '../core/obligations';
import { isOpen, runsWhileClosing, type CaseState } from './case-state';
import type { CaseSchedule, Obligation, Recipient, ScheduledStep } from '../core/case-contract';

/**
 * What the case's clocks will do next, derived from its state. Pure: the workflow, its query and
 * the unit tests all read the schedule the same way.
 */

export interface PlannedStep extends LadderStep {
  obligation: Obligation;
  /** When it may leave: the ladder time held to the recipient's working hours, on the minute. */
  sendAt: number;
}

const MINUTE = 60_000;

/**
 * Reminders leave on a whole minute, never before their time. Besides reading well ("sent 10:01"),
 * it keeps every timer at least a whole-minute boundary away from the message that set it.
 */
export const onTheMinute = (ms: number): number => Math.ceil(ms / MINUTE) * MINUTE;

const iso = (ms: number): string => new Date(ms).toISOString();

export function recipientId(state: CaseState, to: Recipient): string | undefined {
  if (to === 'case_manager') return state.caseManagerId;
  if (to === 'supervisor') return state.supervisorId;
  if (to === 'program_manager') return state.programManagerId;
  return undefined;
}

function zoneOf(state: CaseState, to: Recipient): string {
  const id = recipientId(state, to);
  return (id && state.zones[id]) || state.calendar.timeZone;
}

/** Every unsent step of every open obligation that is running, in the order they will leave. */
export function pendingSteps(state: CaseState): PlannedStep[] {
  const steps: PlannedStep[] = [];
  const plan = (s: LadderStep, o: Obligation): PlannedStep => ({
    ...s,
    obligation: o,
    sendAt: onTheMinute(sendTime(s.at, zoneOf(state, s.to), state.calendar, state.policy.urgent)),
  });
  for (const o of state.obligations) {
    if (!isOpen(o) || !runsWhileClosing(state, o)) continue;
    for (const s of ladderSteps(
      o.dueAt,
      state.policy.ladder,
      o.openedAt,
      ladderShape(o.kind, state.policy),
    )) {
      if (!o.sent.includes(s.id) && !o.skipped.includes(s.id)) steps.push(plan(s, o));
    }
    if (
      o.escalation?.level === 1 &&
      o.escalation.acknowledgedAt === undefined &&
      !o.sent.includes('escalate_program_manager')
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
function holdToWorkingHours(state: CaseState, step: PlannedStep, now: number): void {
  const leave = sendTime(now, zoneOf(state, step.to), state.calendar, state.policy.urgent);
  // Inside working hours it leaves now (not at the next minute, which would creep forever).
  if (leave > now) step.sendAt = onTheMinute(leave);
}

/**
 * The next step to act on. When several reminders of one obligation are already due (a worker
 * outage, or quiet hours holding them overnight), only the latest goes out and the rest are
 * recorded as skipped; escalations are never skipped.
 */
export function nextStep(state: CaseState, now: number): PlannedStep | undefined {
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
    first.obligation.skipped.push(first.id);
    state.decisions.push({
      key: `${first.obligation.id}/skipped/${first.id}/${first.obligation.dueAt}`,
      at: now,
      obligationId: first.obligation.id,
      obligationKind: first.obligation.kind,
      what: 'skipped',
      detail: `${first.kind.replace(/_/g, ' ')} not sent: superseded by ${later.kind.replace(/_/g, ' ')}`,
    });
  }
}

export function toScheduledStep(s: PlannedStep): ScheduledStep {
  return {
    obligationId: s.obligation.id,
    obligationKind: s.obligation.kind,
    step: s.kind,
    stepId: s.id,
    to: s.to,
    at: iso(s.sendAt),
  };
}

/** Escalation level still waiting for acknowledgement: 0 none, 1 supervisor, 2 program manager. */
export function openEscalationLevel(state: CaseState): number {
  return Math.max(
    0,
    ...state.obligations
      .filter(isOpen)
      .map((o) => (o.escalation && o.escalation.acknowledgedAt === undefined ? o.escalation.level : 0)),
  );
}

export function buildSchedule(caseId: string, state: CaseState, now: number, version: number): CaseSchedule {
  const pending = state.status === 'on_hold' ? [] : pendingSteps(state);
  const open = state.obligations.filter(isOpen);
  const upcoming = pending.slice(0, 5).map(toScheduledStep);
  return {
    caseId,
    version,
    status: state.status,
    obligations: state.obligations.map((o) => ({
      id: o.id,
      kind: o.kind,
      ...(o.subjectId === undefined ? {} : { subjectId: o.subjectId }),
      dueAt: iso(o.dueAt),
      ...(o.metAt === undefined ? {} : { metAt: iso(o.metAt), metBecause: o.metBecause }),
      overdue: isOpen(o) && o.dueAt < now,
      sent: [...o.sent],
      escalationLevel: o.escalation?.level ?? 0,
      acknowledged: o.escalation?.acknowledgedAt !== undefined,
    })),
    ...(upcoming[0] ? { next: upcoming[0] } : {}),
    upcoming,
    overdueCount: open.filter((o) => o.dueAt < now).length,
    escalationLevel: openEscalationLevel(state),
  };
}
