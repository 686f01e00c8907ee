import { defineQuery, defineUpdate } from '@temporalio/workflow';
import type { AssessmentRecorded, CaseSchedule, EscalationAcknowledged } from './types';

/** The case workflow's message contract, shared by the workflow and the API's client. */
export const scheduleQuery = defineQuery<CaseSchedule>('schedule');
export const recordAssessmentUpdate = defineUpdate<CaseSchedule, [AssessmentRecorded]>('recordAssessment');
export const acknowledgeEscalationUpdate = defineUpdate<CaseSchedule, [EscalationAcknowledged]>(
  'acknowledgeEscalation',
);
