/**
 * A program's reminder and escalation policy. Durations are ISO-8601 strings so a demo
 * program can run the whole ladder in minutes. Plain data: safe to pass into workflows.
 */

export interface LadderPolicy {
  /** Heads-up this long before the due time. */
  headsUpBefore: string;
  /** Once overdue, remind again every this long... */
  overdueEvery: string;
  /** ...at most this many times. */
  overdueRepeatLimit: number;
  /** Escalate to the supervisor once this long overdue. */
  escalateToSupervisorAfter: string;
  /** Escalate to the program manager when the supervisor hasn't acknowledged within this long. */
  escalateToProgramManagerAfter: string;
}

export type RiskLevel = 'low' | 'medium' | 'high';

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
  /** Urgent programs may send outside the recipient's working hours. */
  urgent: boolean;
  /** Minimum necessary by default: emails carry a case reference and initials only. */
  allowClientNamesInEmail: boolean;
}

/** The defaults from the product brief. */
export const DEFAULT_POLICY: ProgramPolicy = {
  initialAssessmentDue: 'P14D',
  servicePlanDue: 'P30D',
  planApprovalDue: 'P5D',
  reassessmentEvery: { high: 'P30D', medium: 'P90D', low: 'P180D' },
  referralResponseDue: 'P7D',
  referralOutcomeEscalateAfter: 'P21D',
  referralProviderFollowUp: false,
  stalledPlanAfter: 'P30D',
  closureApprovalDue: 'P5D',
  ladder: {
    headsUpBefore: 'P3D',
    overdueEvery: 'P3D',
    overdueRepeatLimit: 5,
    escalateToSupervisorAfter: 'P5D',
    escalateToProgramManagerAfter: 'P2D',
  },
  urgent: false,
  allowClientNamesInEmail: false,
};

/** Minute-scale policy so a newcomer running `npm run dev` sees a whole ladder within minutes. */
export const DEMO_MINUTE_POLICY: ProgramPolicy = {
  initialAssessmentDue: 'PT3M',
  servicePlanDue: 'PT5M',
  planApprovalDue: 'PT3M',
  reassessmentEvery: { high: 'PT10M', medium: 'PT20M', low: 'PT30M' },
  referralResponseDue: 'PT3M',
  referralOutcomeEscalateAfter: 'PT8M',
  referralProviderFollowUp: false,
  stalledPlanAfter: 'PT10M',
  closureApprovalDue: 'PT3M',
  ladder: {
    headsUpBefore: 'PT1M',
    overdueEvery: 'PT1M',
    overdueRepeatLimit: 3,
    escalateToSupervisorAfter: 'PT2M',
    escalateToProgramManagerAfter: 'PT2M',
  },
  // The demo has to show mail at any hour of the day.
  urgent: true,
  allowClientNamesInEmail: false,
};
