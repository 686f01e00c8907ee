import { addDuration, parseDuration } from './duration';
import type { LadderPolicy } from './policy';

/**
 * The reminder ladder of one obligation, computed from its absolute due time so that
 * nothing accumulates: step n is always due + n × interval, whatever happened before.
 */

export type LadderStepKind =
  'heads_up' | 'due' | 'overdue' | 'provider_follow_up' | 'escalate_supervisor' | 'escalate_program_manager';

/**
 * Who a step goes to. `assignee` is the staff member an obligation names (a task's doer, an
 * appointment's attendee: `Obligation.assigneeId`); `client` is the client, by email, only where
 * they consented to it.
 */
export type LadderRecipient =
  'case_manager' | 'supervisor' | 'program_manager' | 'provider' | 'assignee' | 'client';

export interface LadderStep {
  kind: LadderStepKind;
  /** 1-based repeat number for overdue steps, 0 otherwise. */
  n: number;
  at: number;
  /** Stable within the obligation: part of the notification's exactly-once key. */
  id: string;
  to: LadderRecipient;
}

/** Which rungs an obligation has and who is on the other end of each: `ladderShape` in the obligation catalogue. */
export interface LadderShape {
  headsUp: boolean;
  /** Who the due and overdue reminders go to; none for an obligation that only escalates. */
  remindTo?: 'case_manager' | 'supervisor' | 'assignee' | 'client';
  overdueRepeats: boolean;
  /** Also email the provider when the due time passes (referrals, when the program allows it). */
  providerFollowUp?: boolean;
  /**
   * Who the escalation goes to and when: `after_overdue` uses the policy's escalate-after,
   * `at_due` escalates the moment it is due (a referral without outcome).
   */
  escalate?: { to: 'supervisor' | 'program_manager'; when: 'after_overdue' | 'at_due' };
}

/**
 * A number as ISO-8601 duration digits. Ordinary values print as they always did; only those that
 * JavaScript would write in exponent form (from policies past any horizon) are clamped to digits.
 */
function plainNumber(n: number): string {
  const text = String(n);
  if (/^\d+(\.\d+)?$/.test(text)) return text;
  return n >= 1 ? '999999999999999' : n.toFixed(20);
}

export function multiplyDuration(text: string, factor: number): string {
  const d = parseDuration(text);
  const part = (value: number, unit: string): string =>
    value * factor ? `${plainNumber(value * factor)}${unit}` : '';
  const date = part(d.years, 'Y') + part(d.months, 'M') + part(d.weeks, 'W') + part(d.days, 'D');
  const time = part(d.hours, 'H') + part(d.minutes, 'M') + part(d.seconds, 'S');
  if (!date && !time) return 'PT0S';
  return `P${date}${time ? `T${time}` : ''}`;
}

/** The case manager's own work: the shape every other kind's is a variation of. */
export const FULL_LADDER: LadderShape = {
  headsUp: true,
  remindTo: 'case_manager',
  overdueRepeats: true,
  escalate: { to: 'supervisor', when: 'after_overdue' },
};

/**
 * Every step before the follow-up escalation to the program manager, in time order. `notBefore`
 * drops a heads-up that would land before the obligation even existed.
 */
export function ladderSteps(
  dueAt: number,
  ladder: LadderPolicy,
  notBefore = -Infinity,
  shape: LadderShape = FULL_LADDER,
): LadderStep[] {
  const steps: LadderStep[] = [];
  const remindTo = shape.remindTo;
  if (remindTo) {
    const headsUpAt = addDuration(dueAt, ladder.headsUpBefore, -1);
    if (shape.headsUp && headsUpAt > notBefore && headsUpAt < dueAt)
      steps.push({ kind: 'heads_up', n: 0, at: headsUpAt, id: 'heads_up', to: remindTo });
    steps.push({ kind: 'due', n: 0, at: dueAt, id: 'due', to: remindTo });
    for (let n = 1; shape.overdueRepeats && n <= ladder.overdueRepeatLimit; n++) {
      steps.push({
        kind: 'overdue',
        n,
        at: addDuration(dueAt, multiplyDuration(ladder.overdueEvery, n)),
        id: `overdue_${n}`,
        to: remindTo,
      });
    }
  }
  if (shape.providerFollowUp)
    steps.push({ kind: 'provider_follow_up', n: 0, at: dueAt, id: 'provider_follow_up', to: 'provider' });
  if (shape.escalate) {
    const at =
      shape.escalate.when === 'at_due' ? dueAt : addDuration(dueAt, ladder.escalateToSupervisorAfter);
    steps.push(
      shape.escalate.to === 'supervisor'
        ? { kind: 'escalate_supervisor', n: 0, at, id: 'escalate_supervisor', to: 'supervisor' }
        : {
            kind: 'escalate_program_manager',
            n: 0,
            at,
            id: 'escalate_program_manager',
            to: 'program_manager',
          },
    );
  }
  // Stable sort: at equal times the order above (reminder before escalation) holds.
  return steps.sort((a, b) => a.at - b.at);
}
