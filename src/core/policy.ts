import { approximateMs, isIsoDuration } from './duration';
import { UnprocessableError, type FieldProblem } from './errors';

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
  /**
   * Appointments (optional: policies stored before them read the defaults). The attending staff are
   * reminded this long before the start...
   */
  appointmentReminderBefore?: string;
  /** ...attendance is owed this long after the end... */
  attendanceRecordDue?: string;
  /** ...and a no-show's re-engagement of the client this long after it. */
  reEngagementDue?: string;
  /** The client is emailed a reminder too (where they consented to email reminders). */
  clientAppointmentReminders?: boolean;
}

/** The appointment fields of a policy, with the defaults where a policy stored before them lacks them. */
export const APPOINTMENT_POLICY_DEFAULTS = {
  appointmentReminderBefore: 'P1D',
  attendanceRecordDue: 'P1D',
  reEngagementDue: 'P7D',
  clientAppointmentReminders: false,
} as const satisfies Partial<ProgramPolicy>;

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
  ...APPOINTMENT_POLICY_DEFAULTS,
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
  appointmentReminderBefore: 'PT2M',
  attendanceRecordDue: 'PT2M',
  reEngagementDue: 'PT5M',
  clientAppointmentReminders: false,
};

const MINUTE_MS = 60_000;
/** The longest any policy duration may be: ten years (a month counts 30 days, a year 365). */
export const MAX_POLICY_DURATION = 'P10Y';

type Bound = 'positive' | 'atLeastAMinute' | 'zeroAllowed';

/** Which policy durations may be zero: intervals and due times may not; offsets may. */
const DURATION_BOUNDS: [path: string, pick: (p: ProgramPolicy) => string, bound: Bound][] = [
  ['initialAssessmentDue', (p) => p.initialAssessmentDue, 'positive'],
  ['servicePlanDue', (p) => p.servicePlanDue, 'positive'],
  ['planApprovalDue', (p) => p.planApprovalDue, 'positive'],
  ['reassessmentEvery.low', (p) => p.reassessmentEvery.low, 'positive'],
  ['reassessmentEvery.medium', (p) => p.reassessmentEvery.medium, 'positive'],
  ['reassessmentEvery.high', (p) => p.reassessmentEvery.high, 'positive'],
  ['referralResponseDue', (p) => p.referralResponseDue, 'positive'],
  ['referralOutcomeEscalateAfter', (p) => p.referralOutcomeEscalateAfter, 'positive'],
  ['stalledPlanAfter', (p) => p.stalledPlanAfter, 'positive'],
  ['closureApprovalDue', (p) => p.closureApprovalDue, 'positive'],
  ['ladder.headsUpBefore', (p) => p.ladder.headsUpBefore, 'zeroAllowed'],
  ['ladder.overdueEvery', (p) => p.ladder.overdueEvery, 'atLeastAMinute'],
  ['ladder.escalateToSupervisorAfter', (p) => p.ladder.escalateToSupervisorAfter, 'zeroAllowed'],
  ['ladder.escalateToProgramManagerAfter', (p) => p.ladder.escalateToProgramManagerAfter, 'zeroAllowed'],
  [
    'appointmentReminderBefore',
    (p) => p.appointmentReminderBefore ?? APPOINTMENT_POLICY_DEFAULTS.appointmentReminderBefore,
    'zeroAllowed',
  ],
  [
    'attendanceRecordDue',
    (p) => p.attendanceRecordDue ?? APPOINTMENT_POLICY_DEFAULTS.attendanceRecordDue,
    'positive',
  ],
  ['reEngagementDue', (p) => p.reEngagementDue ?? APPOINTMENT_POLICY_DEFAULTS.reEngagementDue, 'positive'],
];

/**
 * What a well-formed policy may still get wrong: a zero interval (reminders every 0 minutes, a
 * reassessment due the moment it opens) or a duration beyond any sensible horizon. `at` is where
 * the policy sits in the request (`body` or `body.policy`).
 */
export function policyProblems(policy: ProgramPolicy, at: string): FieldProblem[] {
  const max = approximateMs(MAX_POLICY_DURATION);
  const problems: FieldProblem[] = [];
  for (const [path, pick, bound] of DURATION_BOUNDS) {
    const value = pick(policy);
    const field = `${at}.${path}`;
    if (!isIsoDuration(value)) {
      problems.push({ field, reason: 'must be an ISO-8601 duration such as P14D or PT10M' });
      continue;
    }
    const ms = approximateMs(value);
    if (ms > max) problems.push({ field, reason: `must be at most ${MAX_POLICY_DURATION} (ten years)` });
    else if (bound === 'atLeastAMinute' && ms < MINUTE_MS)
      problems.push({ field, reason: 'must be at least one minute (PT1M)' });
    else if (bound === 'positive' && ms <= 0) problems.push({ field, reason: 'must be longer than zero' });
  }
  return problems;
}

export function requireSensiblePolicy(policy: ProgramPolicy, at: string): void {
  const problems = policyProblems(policy, at);
  if (problems.length)
    throw new UnprocessableError(`The policy has ${problems.length} value(s) that cannot apply.`, problems);
}
