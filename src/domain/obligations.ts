import { addBusinessDays, addInZone, fromLocal, nextWorkingTime, rollToBusinessDay } from './business-time';
import { parseDuration } from './duration';
import { FULL_LADDER, type LadderShape } from './ladder';
import type { ProgramPolicy, RiskLevel } from './policy';

/**
 * What a case owes, when, and how each obligation's ladder is shaped. Pure and deterministic:
 * the case workflow calls these to derive every due time from its stored anchor.
 */

export type ObligationKind =
  | 'initial_assessment'
  | 'service_plan'
  | 'plan_approval'
  | 'reassessment'
  | 'referral_response'
  | 'referral_outcome'
  | 'stalled_plan'
  | 'goal_target'
  | 'closure_approval';

const APPROVAL: LadderShape = {
  headsUp: false,
  remindTo: 'supervisor',
  overdueRepeats: true,
  escalate: { to: 'program_manager', when: 'after_overdue' },
};

export function ladderShape(kind: ObligationKind, policy: ProgramPolicy): LadderShape {
  switch (kind) {
    case 'initial_assessment':
    case 'service_plan':
    case 'reassessment':
    case 'stalled_plan':
      return FULL_LADDER;
    case 'plan_approval':
    case 'closure_approval':
      return APPROVAL;
    case 'goal_target':
      return { headsUp: true, remindTo: 'case_manager', overdueRepeats: true };
    case 'referral_response':
      return {
        headsUp: false,
        remindTo: 'case_manager',
        overdueRepeats: true,
        providerFollowUp: policy.referralProviderFollowUp,
      };
    case 'referral_outcome':
      return { headsUp: false, overdueRepeats: false, escalate: { to: 'supervisor', when: 'at_due' } };
  }
}

export interface Calendar {
  timeZone: string;
  holidays: readonly string[];
}

/** Working hours every reminder is held to unless the program is urgent (product default). */
export const WORKING_HOURS = { dayStart: '08:00', dayEnd: '18:00' } as const;

const isDayScale = (duration: string): boolean => {
  const d = parseDuration(duration);
  return d.years + d.months + d.weeks + d.days > 0;
};

const isWholeDays = (duration: string): boolean => {
  const d = parseDuration(duration);
  return isDayScale(duration) && d.years + d.months + d.hours + d.minutes + d.seconds === 0;
};

/**
 * Adds a policy duration to an anchor on the program's calendar. Day-scale durations are calendar
 * days in the program's zone (DST-safe) and land on a business day; `businessDays` counts whole days
 * as business days instead (approvals). Hour and minute durations are elapsed time, untouched, so a
 * demo program runs the same at 3 a.m. on a Sunday.
 */
export function addPolicyDuration(
  anchorAt: number,
  duration: string,
  cal: Calendar,
  opts: { businessDays?: boolean } = {},
): number {
  if (!isDayScale(duration)) return addInZone(anchorAt, duration, cal.timeZone);
  if (opts.businessDays && isWholeDays(duration)) {
    const d = parseDuration(duration);
    return addBusinessDays(anchorAt, d.weeks * 5 + d.days, cal);
  }
  return rollToBusinessDay(addInZone(anchorAt, duration, cal.timeZone), cal);
}

/** How long after its anchor each kind falls due under the policy (goal targets are their own anchor). */
export function dueDuration(kind: ObligationKind, policy: ProgramPolicy, risk: RiskLevel): string {
  switch (kind) {
    case 'initial_assessment':
      return policy.initialAssessmentDue;
    case 'service_plan':
      return policy.servicePlanDue;
    case 'plan_approval':
      return policy.planApprovalDue;
    case 'reassessment':
      return policy.reassessmentEvery[risk];
    case 'referral_response':
      return policy.referralResponseDue;
    case 'referral_outcome':
      return policy.referralOutcomeEscalateAfter;
    case 'stalled_plan':
      return policy.stalledPlanAfter;
    case 'closure_approval':
      return policy.closureApprovalDue;
    case 'goal_target':
      return 'PT0S';
  }
}

/** Approvals are counted in business days (the brief: "5 business days after submission"). */
const COUNTED_IN_BUSINESS_DAYS: ReadonlySet<ObligationKind> = new Set(['plan_approval', 'closure_approval']);

/**
 * The due time of an obligation, re-derived from its anchor every time. Time on hold moves the
 * anchor, so a shifted deadline still lands on a business day.
 */
export function deriveDueAt(
  o: { kind: ObligationKind; anchorAt: number; pausedMs: number },
  policy: ProgramPolicy,
  risk: RiskLevel,
  cal: Calendar,
): number {
  const anchor = o.anchorAt + o.pausedMs;
  if (o.kind === 'goal_target') return anchor;
  return addPolicyDuration(anchor, dueDuration(o.kind, policy, risk), cal, {
    businessDays: COUNTED_IN_BUSINESS_DAYS.has(o.kind),
  });
}

/** The supervisor has this many business days (or elapsed minutes in a demo) to acknowledge. */
export function programManagerEscalationDue(raisedAt: number, policy: ProgramPolicy, cal: Calendar): number {
  return addPolicyDuration(raisedAt, policy.ladder.escalateToProgramManagerAfter, cal, {
    businessDays: true,
  });
}

/** A goal's target date means the start of that day in the program's zone. */
export function goalTargetInstant(targetDate: string, cal: Calendar): number {
  const [year, month, day] = targetDate.split('-').map(Number);
  return fromLocal(
    { year: year!, month: month!, day: day!, hour: 0, minute: 0, second: 0, millisecond: 0 },
    cal.timeZone,
  );
}

/**
 * Quiet hours: when a step may actually leave. Nothing goes out outside the recipient's working
 * hours on a business day unless the program is urgent; it waits for the next working start.
 */
export function sendTime(stepAt: number, recipientZone: string, cal: Calendar, urgent: boolean): number {
  if (urgent) return stepAt;
  return nextWorkingTime(stepAt, { timeZone: recipientZone, holidays: cal.holidays, ...WORKING_HOURS });
}
