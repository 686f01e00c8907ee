import type { PolicyChange } from '../core/case-contract';
import type {
  CaseDelivery,
  CaseEvent,
  CaseSchedule,
  CaseWorkflowInput,
  EscalationAcknowledged,
  FanOutInput,
} from '../core/case-contract';

/**
 * How long one call may wait on Temporal (and, for updates, on a worker). Past it the call fails;
 * nobody holds a database connection meanwhile, and a committed change is left to the relay.
 */
export interface CallBound {
  timeoutMs?: number;
}

/** What the domain needs from Temporal; implemented over the client in src/temporal/case-workflows.ts. */
export interface CaseWorkflows {
  start(input: CaseWorkflowInput, bound?: CallBound): Promise<{ workflowId: string }>;
  schedule(caseId: string): Promise<CaseSchedule>;
  /** Whether the case has a run that has not ended yet. */
  running(caseId: string, bound?: CallBound): Promise<boolean>;
  /** Tells the case's workflow what was recorded; its refusal surfaces as a ConflictError. */
  event(caseId: string, event: CaseEvent, delivery?: CaseDelivery, bound?: CallBound): Promise<CaseSchedule>;
  acknowledge(
    caseId: string,
    ack: EscalationAcknowledged,
    delivery?: CaseDelivery,
    bound?: CallBound,
  ): Promise<CaseSchedule>;
  policyChanged(caseId: string, change: PolicyChange, bound?: CallBound): Promise<void>;
  /** Starts (or joins) the workflow that delivers a fan-out's changes until every case has them. */
  startFanOut(input: FanOutInput, bound?: CallBound): Promise<{ workflowId: string }>;
  /** Starts (once, however often asked) the workflow that commits an import run from the admin page. */
  startImportRun(runId: string, bound?: CallBound): Promise<{ workflowId: string }>;
}

export const importRunWorkflowId = (runId: string): string => `case-import-${runId}`;

export const fanOutWorkflowId = (fanOutId: string): string => `fan-out-${fanOutId}`;

export const caseWorkflowId = (caseId: string): string => `case-${caseId}`;
