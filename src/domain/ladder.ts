import { addDuration, parseDuration } from './duration';
import type { LadderPolicy } from './policy';

/**
 * The reminder ladder of one obligation, computed from its absolute due time so that
 * nothing accumulates: step n is always due + n × interval, whatever happened before.
 */

export type LadderStepKind =
  'heads_up' | 'due' | 'overdue' | 'escalate_supervisor' | 'escalate_program_manager';

export interface LadderStep {
  kind: LadderStepKind;
  /** 1-based repeat number for overdue steps, 0 otherwise. */
  n: number;
  at: number;
  /** Stable within the obligation: part of the notification's exactly-once key. */
  id: string;
}

export function multiplyDuration(text: string, factor: number): string {
  const d = parseDuration(text);
  const part = (value: number, unit: string): string => (value * factor ? `${value * factor}${unit}` : '');
  const date = part(d.years, 'Y') + part(d.months, 'M') + part(d.weeks, 'W') + part(d.days, 'D');
  const time = part(d.hours, 'H') + part(d.minutes, 'M') + part(d.seconds, 'S');
  if (!date && !time) return 'PT0S';
  return `P${date}${time ? `T${time}` : ''}`;
}

/**
 * Every step before the program-manager escalation, in time order. `notBefore` drops a heads-up
 * that would land before the obligation even existed.
 */
export function ladderSteps(dueAt: number, ladder: LadderPolicy, notBefore = -Infinity): LadderStep[] {
  const steps: LadderStep[] = [];
  const headsUpAt = addDuration(dueAt, ladder.headsUpBefore, -1);
  if (headsUpAt > notBefore && headsUpAt < dueAt)
    steps.push({ kind: 'heads_up', n: 0, at: headsUpAt, id: 'heads_up' });
  steps.push({ kind: 'due', n: 0, at: dueAt, id: 'due' });
  for (let n = 1; n <= ladder.overdueRepeatLimit; n++) {
    steps.push({
      kind: 'overdue',
      n,
      at: addDuration(dueAt, multiplyDuration(ladder.overdueEvery, n)),
      id: `overdue_${n}`,
    });
  }
  steps.push({
    kind: 'escalate_supervisor',
    n: 0,
    at: addDuration(dueAt, ladder.escalateToSupervisorAfter),
    id: 'escalate_supervisor',
  });
  // Stable sort: at equal times the order above (reminder before escalation) holds.
  return steps.sort((a, b) => a.at - b.at);
}

/** The program manager hears of it when the supervisor's escalation sits unacknowledged. */
export function programManagerEscalationAt(supervisorEscalatedAt: number, ladder: LadderPolicy): number {
  return addDuration(supervisorEscalatedAt, ladder.escalateToProgramManagerAfter);
}
