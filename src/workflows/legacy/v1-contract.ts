/**
 * FROZEN: generation 1's contract with the world outside its code, as it was at release
 * (2026-11-22): the messages it answers, the search attributes it writes, the activities it calls
 * and the shapes they carry. Copied here so that nothing live can change what v1 does.
 *
 * Names are the wire contract: they equal the live ones (src/workflows/messages.ts,
 * src/workflows/search-attributes.ts, the activities), which is how the API, Temporal and today's
 * worker still reach a running v1 case. Never edit.
 */
import { defineSearchAttributeKey } from '@temporalio/common';
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';

export type RiskLevel = 'low' | 'medium' | 'high';

export type CaseStatus = 'intake' | 'assessment' | 'planning' | 'active' | 'on_hold' | 'closing' | 'closed';

/** Generation 1 kept one clock. */
export type ObligationKind = 'initial_assessment';

export type Recipient = 'case_manager' | 'supervisor' | 'program_manager';

export type LadderStepKind =
  'heads_up' | 'due' | 'overdue' | 'escalate_supervisor' | 'escalate_program_manager';

export interface LadderPolicy {
  headsUpBefore: string;
  overdueEvery: string;
  overdueRepeatLimit: number;
  escalateToSupervisorAfter: string;
  escalateToProgramManagerAfter: string;
}

/** A program's policy as generation 1 received it; it reads the initial-assessment due time and the ladder. */
export interface ProgramPolicy {
  initialAssessmentDue: string;
  servicePlanDue: string;
  planApprovalDue: string;
  reassessmentEvery: Record<RiskLevel, string>;
  referralResponseDue: string;
  referralOutcomeEscalateAfter: string;
  referralProviderFollowUp: boolean;
  stalledPlanAfter: string;
  closureApprovalDue: string;
  ladder: LadderPolicy;
  urgent: boolean;
  allowClientNamesInEmail: boolean;
}

export interface CaseWorkflowInput {
  caseId: string;
  caseReference: string;
  programId: string;
  caseManagerId: string;
  supervisorId: string;
  programManagerId?: string;
  riskLevel: RiskLevel;
  openedAt: string;
  policy: ProgramPolicy;
  policyVersion: number;
}

export interface ScheduledStep {
  obligationId: string;
  obligationKind: ObligationKind;
  step: LadderStepKind;
  stepId: string;
  at: string;
}

/** What generation 1 answers to the schedule query and to its updates. */
export interface CaseSchedule {
  caseId: string;
  version: number;
  status: CaseStatus;
  obligations: {
    id: string;
    kind: ObligationKind;
    dueAt: string;
    metAt?: string;
    overdue: boolean;
    sent: string[];
    escalationLevel: number;
    acknowledged: boolean;
  }[];
  next?: ScheduledStep;
  overdueCount: number;
  escalationLevel: number;
}

export interface AssessmentRecorded {
  assessmentId: string;
  kind: 'initial' | 'reassessment';
  completedAt: string;
}

/** The events generation 1 knows; any other type is accepted and changes nothing. */
export type CaseEvent =
  | ({ type: 'assessment_recorded' } & AssessmentRecorded)
  | { type: 'plan_submitted'; planId: string; at: string }
  | {
      type: 'plan_decided';
      planId: string;
      decision: 'approved' | 'returned';
      at: string;
      goals: { goalId: string; targetDate: string }[];
    }
  | { type: 'goal_progress'; goalId: string; status: string; at: string }
  | { type: 'referral_made'; referralId: string; at: string }
  | { type: 'referral_updated'; referralId: string; status: string; at: string }
  | { type: 'note_added'; noteType: string; at: string }
  | { type: 'hold'; at: string }
  | { type: 'resume'; at: string }
  | { type: 'reassigned'; caseManagerId: string; supervisorId: string; at: string }
  | { type: 'risk_changed'; riskLevel: RiskLevel; at: string }
  | { type: 'closure_requested'; at: string }
  | { type: 'closure_decided'; decision: 'approved' | 'returned'; at: string };

export interface EscalationAcknowledged {
  obligationId: string;
  staffId: string;
}

export interface PolicyChange {
  policy: ProgramPolicy;
  version: number;
  changeId: string;
}

/**
 * Today's API sends a delivery number (the change's place in the case's change log) after each
 * update's payload; generation 1 predates it, accepts it and ignores it.
 */
type LaterDeliveryNumber = unknown;

export const scheduleQuery = defineQuery<CaseSchedule>('schedule');
export const caseEventUpdate = defineUpdate<CaseSchedule, [CaseEvent, LaterDeliveryNumber?]>('caseEvent');
export const acknowledgeEscalationUpdate = defineUpdate<
  CaseSchedule,
  [EscalationAcknowledged, LaterDeliveryNumber?]
>('acknowledgeEscalation');
export const policyChangedSignal = defineSignal<[PolicyChange]>('policyChanged');

export const SA = {
  CaseId: defineSearchAttributeKey('CaseId', 'KEYWORD'),
  CaseStatus: defineSearchAttributeKey('CaseStatus', 'KEYWORD'),
  Program: defineSearchAttributeKey('Program', 'KEYWORD'),
  CaseManagerId: defineSearchAttributeKey('CaseManagerId', 'KEYWORD'),
  SupervisorId: defineSearchAttributeKey('SupervisorId', 'KEYWORD'),
  RiskLevel: defineSearchAttributeKey('RiskLevel', 'KEYWORD'),
  NextDueAt: defineSearchAttributeKey('NextDueAt', 'DATETIME'),
  OverdueCount: defineSearchAttributeKey('OverdueCount', 'INT'),
  EscalationLevel: defineSearchAttributeKey('EscalationLevel', 'INT'),
  OnHold: defineSearchAttributeKey('OnHold', 'BOOL'),
} as const;

export interface CaseNotificationRequest {
  caseId: string;
  obligationId: string;
  obligationKind: ObligationKind;
  step: LadderStepKind;
  stepId: string;
  /** Overdue repeat number, 0 otherwise. */
  n: number;
  dueAt: string;
  scheduledFor: string;
  recipient: Recipient;
  recipientStaffId: string;
}

export interface CaseProjection {
  caseId: string;
  version: number;
  status: CaseStatus;
  nextDueAt: string | null;
  nextDueKind: string | null;
  overdueCount: number;
  escalationLevel: number;
}

/** The two activities generation 1 calls, by the names today's worker registers. */
export type Activities = {
  /** Generation 1 does not read the result. */
  sendCaseNotification: (req: CaseNotificationRequest) => Promise<unknown>;
  projectCaseSchedule: (p: CaseProjection) => Promise<{ found: boolean }>;
};
