import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type {
  CaseDelivery,
  CaseEvent,
  CaseFacts,
  CaseSchedule,
  EscalationAcknowledged,
  PolicyChange,
} from '../core/case-contract';

/** The case workflow's message contract, shared by the workflow and the API's client. */
export const scheduleQuery = defineQuery<CaseSchedule>('schedule');
/** What the reconciliation tool compares with the record; generation-1 runs do not answer it. */
export const caseFactsQuery = defineQuery<CaseFacts>('caseFacts');
/**
 * A recorded change to the case; the workflow refuses it (validator) if the case is closed. With a
 * delivery number, a repeat of a change already applied is answered with the schedule and not applied.
 */
export const caseEventUpdate = defineUpdate<CaseSchedule, [CaseEvent, CaseDelivery?]>('caseEvent');
export const acknowledgeEscalationUpdate = defineUpdate<
  CaseSchedule,
  [EscalationAcknowledged, CaseDelivery?]
>('acknowledgeEscalation');

export type { PolicyChange } from '../core/case-contract';

export const policyChangedSignal = defineSignal<[PolicyChange]>('policyChanged');

/**
 * Runs a round at once for everyone, whatever their local hour (still once per recipient and local
 * date): an admin's catch-up after an outage, and the dev stack's demo digest.
 */
export const runDigestsNowSignal = defineSignal('runDigestsNow');
