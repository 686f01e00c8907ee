/**
 * What a case manager records over a case's life, as timed actions. Pure data, so the typical and
 * busy cases can be read (and changed) here at a glance. Times are whole days plus whole hours
 * after intake: with intake at :59:30, no action ever lands on the whole minute a reminder leaves.
 */

export type Action =
  | { kind: 'assess'; type: 'initial' | 'reassessment' }
  | { kind: 'plan'; goals: number[] /* target, in days after the plan */ }
  | { kind: 'approve_plan' }
  | { kind: 'goal'; goal: number; status: 'in_progress' | 'achieved' }
  | { kind: 'referral' }
  | { kind: 'referral_update'; referral: number; status: 'accepted' | 'completed' }
  | { kind: 'note' };

export interface TimedAction {
  /** Hours after intake. */
  atHours: number;
  action: Action;
}

export interface Scenario {
  name: 'typical' | 'busy';
  riskLevel: 'medium' | 'high';
  actions: TimedAction[];
}

const DAYS = 24;

/** A plan drafted and submitted on `day`, approved the next day, with goals progressed then met. */
function planCycle(day: number, goalTargets: number[], progressEvery: number): TimedAction[] {
  const out: TimedAction[] = [
    { atHours: day * DAYS + 2, action: { kind: 'plan', goals: goalTargets } },
    { atHours: (day + 1) * DAYS + 2, action: { kind: 'approve_plan' } },
  ];
  goalTargets.forEach((target, goal) => {
    for (let d = progressEvery; d < target - 5; d += progressEvery)
      out.push({ atHours: (day + d) * DAYS + 3, action: { kind: 'goal', goal, status: 'in_progress' } });
    // Met a few days before its target date, as most goals that are met are.
    out.push({ atHours: (day + target - 4) * DAYS + 3, action: { kind: 'goal', goal, status: 'achieved' } });
  });
  return out;
}

/** Sent, accepted a few days later, completed some weeks after that. */
function referralCycle(
  day: number,
  referral: number,
  acceptAfter: number,
  completeAfter: number,
): TimedAction[] {
  return [
    { atHours: day * DAYS + 4, action: { kind: 'referral' } },
    {
      atHours: (day + acceptAfter) * DAYS + 4,
      action: { kind: 'referral_update', referral, status: 'accepted' },
    },
    {
      atHours: (day + acceptAfter + completeAfter) * DAYS + 4,
      action: { kind: 'referral_update', referral, status: 'completed' },
    },
  ];
}

function every(startDay: number, endDay: number, stepDays: number, at: (day: number) => TimedAction[]) {
  const out: TimedAction[] = [];
  for (let d = startDay; d < endDay; d += stepDays) out.push(...at(Math.round(d)));
  return out;
}

const sorted = (actions: TimedAction[]): TimedAction[] =>
  actions
    .map((a, i) => ({ a, i }))
    .sort((x, y) => x.a.atHours - y.a.atHours || x.i - y.i)
    .map((x) => x.a);

/**
 * Typical: medium risk, reassessed every 90 days on time, one plan a year with two goals, two
 * referrals a year, a contact note a month.
 */
export function typicalCase(years: number): Scenario {
  const end = years * 365;
  let referrals = 0;
  return {
    name: 'typical',
    riskLevel: 'medium',
    actions: sorted([
      { atHours: 1, action: { kind: 'assess', type: 'initial' } },
      ...every(90, end, 90, (d) => [
        { atHours: d * DAYS + 1, action: { kind: 'assess', type: 'reassessment' } },
      ]),
      ...every(7, end - 120, 365, (d) => planCycle(d, [120, 300], 60)),
      ...every(30, end - 40, 182, (d) => referralCycle(d, referrals++, 3, 30)),
      ...every(15, end, 30.4, (d) => [{ atHours: d * DAYS + 5, action: { kind: 'note' } }]),
    ]),
  };
}

/**
 * Busy: high risk, reassessed monthly, a new plan each quarter with eight goals progressed monthly,
 * two referrals a month, two notes a week.
 */
export function busyCase(years: number): Scenario {
  const end = years * 365;
  let referrals = 0;
  const goals = [30, 40, 50, 60, 70, 75, 80, 85];
  return {
    name: 'busy',
    riskLevel: 'high',
    actions: sorted([
      { atHours: 1, action: { kind: 'assess', type: 'initial' } },
      ...every(30, end, 30, (d) => [
        { atHours: d * DAYS + 1, action: { kind: 'assess', type: 'reassessment' } },
      ]),
      ...every(7, end - 90, 91, (d) => planCycle(d, goals, 20)),
      ...every(5, end - 20, 15.2, (d) => referralCycle(d, referrals++, 2, 15)),
      ...every(2, end, 3.5, (d) => [{ atHours: d * DAYS + 6, action: { kind: 'note' } }]),
    ]),
  };
}
