import {
  addBusinessDays,
  addInZone,
  fromLocal,
  nextWorkingTime,
  rollToBusinessDay,
  WORKING_HOURS,
} from './business-time';
import { parseDuration } from './duration';
import { obligationSpec, type ObligationKind } from './obligation-catalogue';
import { APPOINTMENT_POLICY_DEFAULTS, type ProgramPolicy, type RiskLevel } from './policy';

/**
 * When what a case owes falls due, and when a reminder may leave. Pure and deterministic: the case
 * workflow calls these to derive every due time from its stored anchor, by each kind's due rule
 * in the obligation catalogue.
 */

export interface Calendar {
  timeZone: string;
  holidays: readonly string[];
}

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

/** How long after its anchor a kind falls due under the policy (zero for one due at its anchor). */
export function dueDuration(kind: ObligationKind, policy: ProgramPolicy, risk: RiskLevel): string {
  const rule = obligationSpec(kind).due;
  if ('atAnchor' in rule) return 'PT0S';
  const field = 'before' in rule ? rule.before : rule.after;
  // Fields added after a program stored its policy read their defaults.
  const duration =
    policy[field] ?? APPOINTMENT_POLICY_DEFAULTS[field as keyof typeof APPOINTMENT_POLICY_DEFAULTS];
  return typeof duration === 'string' ? duration : (duration as Record<RiskLevel, string>)[risk];
}

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
  const rule = obligationSpec(o.kind).due;
  if ('atAnchor' in rule) return anchor;
  // Before an appointment: its own wall-clock time, the day before (no rolling past weekends).
  if ('before' in rule) return addInZone(anchor, dueDuration(o.kind, policy, risk), cal.timeZone, -1);
  return addPolicyDuration(anchor, dueDuration(o.kind, policy, risk), cal, {
    businessDays: rule.businessDays,
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
