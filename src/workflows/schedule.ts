import { isOpen, pendingSteps, type PlannedStep } from '../core/case-schedule';
import type { CaseState } from './case-state';
import type { CaseSchedule, ScheduledStep } from '../core/case-contract';

/**
 * What the case's clocks will do next, derived from its state. The rules (pendingSteps, nextStep)
 * are pure code in src/core/case-schedule.ts, shared with the policy preview; the workflow, its
 * query and the unit tests all read the schedule the same way.
 */
export {
  nextStep,
  onTheMinute,
  pendingSteps,
  recipientId,
  recordStepSent,
  recordSuperseded,
  supersedingStep,
  type PlannedStep,
} from '../core/case-schedule';

const iso = (ms: number): string => new Date(ms).toISOString();

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
      ...(o.assigneeId === undefined ? {} : { assigneeId: o.assigneeId }),
    })),
    ...(upcoming[0] ? { next: upcoming[0] } : {}),
    upcoming,
    overdueCount: open.filter((o) => o.dueAt < now).length,
    escalationLevel: openEscalationLevel(state),
  };
}
