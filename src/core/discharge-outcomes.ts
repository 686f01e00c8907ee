/**
 * How each goal and each referral ended, as a discharge summary records it (issue 17). A goal's
 * outcome starts from its latest progress status and a referral's from its status; the case
 * manager may change either on the closure form ("partly achieved" exists only here).
 */
export const GOAL_OUTCOMES = [
  'achieved',
  'partly_achieved',
  'not_achieved',
  'in_progress',
  'not_started',
  'dropped',
] as const;
export type GoalOutcome = (typeof GOAL_OUTCOMES)[number];

export const GOAL_OUTCOME_LABELS: Record<GoalOutcome, string> = {
  achieved: 'Achieved',
  partly_achieved: 'Partly achieved',
  not_achieved: 'Not achieved',
  in_progress: 'Still in progress',
  not_started: 'Not started',
  dropped: 'Dropped',
};

export const REFERRAL_OUTCOMES = [
  'completed',
  'accepted',
  'scheduled',
  'sent',
  'declined',
  'no_show',
  'cancelled',
] as const;
export type ReferralOutcome = (typeof REFERRAL_OUTCOMES)[number];

export const REFERRAL_OUTCOME_LABELS: Record<ReferralOutcome, string> = {
  completed: 'Service completed',
  accepted: 'Accepted by the provider',
  scheduled: 'Scheduled',
  sent: 'No answer from the provider',
  declined: 'Declined',
  no_show: 'Client did not attend',
  cancelled: 'Cancelled',
};

/** A goal's progress status as its discharge outcome (the statuses are a subset of the outcomes). */
export function goalOutcomeFrom(status: string): GoalOutcome {
  return (GOAL_OUTCOMES as readonly string[]).includes(status) ? (status as GoalOutcome) : 'not_started';
}

/** A referral's status as its discharge outcome. */
export function referralOutcomeFrom(status: string): ReferralOutcome {
  return (REFERRAL_OUTCOMES as readonly string[]).includes(status) ? (status as ReferralOutcome) : 'sent';
}
