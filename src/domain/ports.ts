import type { AssessmentRecorded, CaseSchedule, CaseWorkflowInput } from '../workflows/types';

/** What the domain needs from Temporal; implemented over the client in src/temporal/case-workflows.ts. */
export interface CaseWorkflows {
  start(input: CaseWorkflowInput): Promise<{ workflowId: string }>;
  schedule(caseId: string): Promise<CaseSchedule>;
  recordAssessment(caseId: string, assessment: AssessmentRecorded): Promise<CaseSchedule>;
}

export const caseWorkflowId = (caseId: string): string => `case-${caseId}`;
