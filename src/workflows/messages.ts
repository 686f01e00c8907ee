import { defineQuery, defineUpdate } from '@temporalio/workflow';
import type { CaseEvent, CaseSchedule, EscalationAcknowledged } from './types';

/** The case workflow's message contract, shared by the workflow and the API's client. */
export const scheduleQuery = defineQuery<CaseSchedule>('schedule');
/** A recorded change to the case; the workflow refuses it (validator) if the case is closed. */
export const caseEventUpdate = defineUpdate<CaseSchedule, [CaseEvent]>('caseEvent');
export const acknowledgeEscalationUpdate = defineUpdate<CaseSchedule, [EscalationAcknowledged]>(
  'acknowledgeEscalation',
);
