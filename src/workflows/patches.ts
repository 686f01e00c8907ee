/** Patch ids: each names a change that cases already running would replay differently. */
export const PATCHES = {
  /** Every obligation in the brief, business days, quiet hours, continue-as-new (2026-11-23). */
  clocksV2: 'case-clocks-v2',
  /** While closure waits for approval, every other clock pauses; a return resumes them shifted (2026-12-01). */
  closurePausesClocks: 'closure-pauses-clocks',
  /** A change of case manager, supervisor or risk level alone re-projects, so search attributes follow (2026-12-01). */
  partiesProjected: 'parties-projected',
  /** A timer that fires late (the worker was away) re-checks: a later step may have superseded its step (2026-12-02). */
  newestStepAfterWake: 'newest-step-after-wake',
  /**
   * A plan submitted or closure requested is told to the supervisor, its approval or return to the
   * case manager, each by one email (2026-12-03).
   */
  decisionsTold: 'decisions-told',
  /** Open obligations with their due times are projected too, and any change to them re-projects (issue 15). */
  obligationsProjected: 'obligations-projected',
  /**
   * Each projected obligation carries its clock (anchor, pauses, steps sent, escalation) so a policy
   * preview can re-derive it, and a change to a clock alone re-projects (issue 16).
   */
  obligationClocksProjected: 'obligation-clocks-projected',
  /**
   * A referral made emails the provider at once, with their signed answer link (issue 17); cases
   * running before it email providers only at the follow-up step, as they did.
   */
  providerAnswers: 'provider-answers',
  /**
   * The projection after each change is written by a local activity: one marker in the history
   * instead of an activity's three events and a workflow task round trip (issue 18).
   */
  localProjection: 'local-projection',
  /**
   * The timer for the next ladder step is kept across a message that leaves that step next (same
   * step, same instant), instead of being cancelled and started again (issue 18).
   */
  keptStepTimer: 'kept-step-timer',
  /**
   * A new case's first look for its intake record is a local activity too, so a case settles in one
   * workflow task instead of three (what bounds seeding and intake bursts on the worker; issue 18).
   */
  localIntakeLook: 'local-intake-look',
  /** Asked at a run's start; a run past it runs every patch above without asking (`patchesInForce`, why there). */
  decidedAtStart: 'patches-decided-at-start',
  /**
   * A hold no longer moves an appointment's reminders: they keep the appointment's time, and one whose
   * appointment began while the case was on hold ends unsent at the resume (2026-12-05). Asked at the
   * start of a run, like every patch after 'patches-decided-at-start'.
   */
  appointmentTimesFixed: 'appointment-times-fixed',
  /**
   * A supervisor's own overdue work (their task, a case they carry) escalates to the program
   * manager, not to themselves (ScheduleState.escalationPassesDoer; 2026-12-05). Asked at the start
   * of a run.
   */
  escalationPassesDoer: 'escalation-passes-doer',
  /**
   * The program manager's own late work (a task assigned to them) escalates to the case's supervisor
   * and stops there: no follow-up escalation to the program manager about their own work
   * (ScheduleState.noEscalationToDoer; 2026-12-05). Asked at the start of a run.
   */
  noEscalationToDoer: 'no-escalation-to-doer',
} as const;

/**
 * Patches newer than 'patches-decided-at-start': a run past that one asks each of them once, at its
 * start, right after it (so their markers too precede any local activity); older runs never do.
 */
export const ASKED_AT_START: readonly string[] = [
  PATCHES.appointmentTimesFixed,
  PATCHES.escalationPassesDoer,
  PATCHES.noEscalationToDoer,
];
