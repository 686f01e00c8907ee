import type { PolicyChange } from '../workflows/messages';
import type { CaseEvent, CaseSchedule, CaseWorkflowInput, EscalationAcknowledged } from '../workflows/types';

/** What the domain needs from Temporal; implemented over the client in src/temporal/case-workflows.ts. */
export interface CaseWorkflows {
  start(input: CaseWorkflowInput): Promise<{ workflowId: string }>;
  schedule(caseId: string): Promise<CaseSchedule>;
  /** Tells the case's workflow what was recorded; its refusal surfaces as a ConflictError. */
  event(caseId: string, event: CaseEvent): Promise<CaseSchedule>;
  acknowledge(caseId: string, ack: EscalationAcknowledged): Promise<CaseSchedule>;
  policyChanged(caseId: string, change: PolicyChange): Promise<void>;
}

export const caseWorkflowId = (caseId: string): string => `case-${caseId}`;
