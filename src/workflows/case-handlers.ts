import { ApplicationFailure, setHandler } from '@temporalio/workflow';
import { applyPolicyChange } from '../core/case-schedule';
import { NEWS_EVENTS, type CaseDelivery, type CaseEvent, type CaseSchedule } from '../core/case-contract';
import { alreadyApplied, applyEvent, checkEvent, EventRefused, isOpen, type CaseState } from './case-state';
import {
  acknowledgeEscalationUpdate,
  caseEventUpdate,
  caseFactsQuery,
  policyChangedSignal,
  scheduleQuery,
} from './messages';
import { PATCHES } from './patches';
import type { InForce } from './patch-gate';

/**
 * Every message a case workflow answers. Each one that can change what is due calls `changed`,
 * which is what wakes the main loop.
 */
export function registerCaseHandlers(
  state: CaseState,
  {
    inForce,
    schedule,
    upToDate,
    changed,
  }: { inForce: InForce; schedule: () => CaseSchedule; upToDate: () => boolean; changed: () => void },
): void {
  setHandler(scheduleQuery, () => ({ ...schedule(), projected: upToDate() }));
  setHandler(caseFactsQuery, () => ({
    status: state.status,
    caseManagerId: state.caseManagerId,
    supervisorId: state.supervisorId,
    programManagerId: state.programManagerId ?? null,
    onHold: state.status === 'on_hold',
    policyVersion: state.policyVersion,
    openObligations: state.obligations.filter(isOpen).map((o) => ({
      id: o.id,
      kind: o.kind,
      ...(o.subjectId === undefined ? {} : { subjectId: o.subjectId }),
    })),
  }));
  setHandler(
    caseEventUpdate,
    (event, delivery?: CaseDelivery) => {
      if (alreadyApplied(state, delivery)) return schedule();
      applyEvent(state, event, Date.now(), {
        // Asked only where generations differ, so older cases replay exactly as they ran.
        closurePausesClocks: event.type === 'closure_requested' && inForce(PATCHES.closurePausesClocks),
        tellDecisions: NEWS_EVENTS.has(event.type) && inForce(PATCHES.decisionsTold),
        tellProviders: event.type === 'referral_made' && inForce(PATCHES.providerAnswers),
        appointmentTimesFixed: event.type === 'resume' && inForce(PATCHES.appointmentTimesFixed),
      });
      if (delivery) state.appliedChange = delivery.change;
      changed();
      return schedule();
    },
    {
      validator: (event: CaseEvent, delivery?: CaseDelivery) => {
        // A repeat is answered, never refused: the first delivery already passed these checks.
        if (alreadyApplied(state, delivery)) return;
        try {
          checkEvent(state, event);
        } catch (err) {
          if (err instanceof EventRefused) throw ApplicationFailure.nonRetryable(err.message, 'EventRefused');
          throw err;
        }
      },
    },
  );
  // A program's policy change reaches the case the moment this signal arrives: due times of open
  // obligations are re-derived from their anchors; steps already sent are not resent.
  setHandler(policyChangedSignal, (change) => {
    // Older versions and repeats change nothing (see applyPolicyChange in src/core/case-schedule.ts).
    if (!applyPolicyChange(state, change, Date.now())) return;
    changed();
  });
  setHandler(
    acknowledgeEscalationUpdate,
    ({ obligationId, staffId }, delivery?: CaseDelivery) => {
      if (alreadyApplied(state, delivery)) return schedule();
      if (delivery) state.appliedChange = delivery.change;
      const o = state.obligations.find((x) => x.id === obligationId);
      if (o?.escalation && o.escalation.acknowledgedAt === undefined) {
        o.escalation.acknowledgedAt = Date.now();
        o.escalation.acknowledgedBy = staffId;
        state.decisions.push({
          key: `${o.id}/acknowledged/${o.escalation.level}`,
          at: Date.now(),
          obligationId: o.id,
          obligationKind: o.kind,
          what: 'acknowledged',
          detail: `level ${o.escalation.level} escalation acknowledged by staff ${staffId}`,
          dueAt: o.dueAt,
        });
        changed();
      }
      return schedule();
    },
    {
      validator: ({ obligationId }, delivery?: CaseDelivery) => {
        if (alreadyApplied(state, delivery)) return;
        if (!state.obligations.find((o) => o.id === obligationId)?.escalation) {
          throw ApplicationFailure.nonRetryable(`No escalation is open for ${obligationId}.`, 'NotFound');
        }
      },
    },
  );
}
