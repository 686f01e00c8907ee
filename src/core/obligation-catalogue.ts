import type { LadderShape, LadderStepKind } from './ladder';
import type { ProgramPolicy, RiskLevel } from './policy';

/**
 * Every kind of obligation a case can owe, and everything that differs between kinds, in one
 * table: the due-time arithmetic, the ladder, the workflow's summaries, the emails, the digests,
 * the pages and the timeline's SQL all read it. Pure (no I/O, no Temporal), so workflows import it.
 *
 * A new kind is: its id in `ObligationKind` and its entry in `OBLIGATIONS` (this file), the state
 * transition that opens and meets it (workflows/case-state.ts), and its scenario test.
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
  | 'closure_approval'
  | 'task'
  | 'appointment_reminder'
  | 'appointment_client_reminder'
  | 'attendance_record'
  | 're_engagement';

/**
 * Whose work it is: the due and overdue reminders go to them. `assignee` is whoever the obligation
 * names when it opens (`Obligation.assigneeId`), any staff member with access to the case.
 */
export type ObligationOwner = 'case_manager' | 'supervisor' | 'assignee';

/**
 * Where the work that meets it is done, as a place in the case's record (the web layer turns it
 * into a page): recording an assessment, drafting a plan, deciding a submitted plan, updating a
 * referral, recording a goal's progress, writing a note, or the case itself.
 */
export type WhereDone =
  | 'assessment'
  | 'new_plan'
  | 'plan_decision'
  | 'referral'
  | 'goal_progress'
  | 'note'
  | 'closure_decision'
  | 'task'
  | 'appointment'
  | 'attendance';

/** The policy fields that hold a due duration: one duration, or one per risk level. */
export type DuePolicyField = {
  [K in keyof ProgramPolicy]-?: NonNullable<ProgramPolicy[K]> extends string | Record<RiskLevel, string>
    ? K
    : never;
}[keyof ProgramPolicy];

/**
 * When it falls due. The anchor is set by the state transition that opens the obligation
 * (`anchoredOn` says which fact); time on hold moves it.
 */
export type DueRule =
  | {
      /** Due this policy duration after the anchor (per risk level where the policy has one per level). */
      after: DuePolicyField;
      /** Whole days count as business days (approvals: "5 business days after submission"). */
      businessDays: boolean;
      anchoredOn: string;
    }
  /** Due at the anchor itself: the anchor is the due time someone chose. */
  | { atAnchor: true; anchoredOn: string }
  /** Due this policy duration before the anchor (a reminder before an appointment's start). */
  | { before: DuePolicyField; anchoredOn: string };

/** Which rungs its ladder has (the recipients follow from the owner and `escalate`). */
export interface LadderSpec {
  /** A heads-up to the owner before it falls due (policy headsUpBefore). */
  headsUp: boolean;
  /** Due and overdue reminders to the owner; false for an obligation that only escalates. */
  reminders: boolean;
  /** Overdue reminders repeat (policy overdueEvery, up to overdueRepeatLimit), not just once. */
  overdueRepeats: boolean;
  /** The provider is emailed too when it falls due, if the program's policy allows it. */
  providerFollowUp?: 'if_policy_allows';
  /**
   * Who hears of it, and when: `after_overdue` after the policy's escalateToSupervisorAfter,
   * `at_due` the moment it falls due. An escalation to the supervisor that is not acknowledged
   * climbs to the program manager (policy escalateToProgramManagerAfter, business days).
   */
  escalate?: { to: 'supervisor' | 'program_manager'; when: 'after_overdue' | 'at_due' };
  /**
   * The reminders go to the client instead of the owner, and only if the program's policy allows
   * it (clientAppointmentReminders); the client's consent is checked when one leaves.
   */
  remindClient?: 'if_policy_allows';
}

/** What an email can say about one escalation, already formatted for its recipient. */
export interface EscalationMention {
  /** " (Acme Housing, housing search)" for a referral, '' otherwise. */
  which: string;
  caseLine: string;
  client: string;
  caseManagerName: string;
  /** The due time, and its day alone. */
  due: string;
  dueDay: string;
  /** For an obligation owned by its assignee: who that is, by name. */
  assigneeName?: string;
}

export interface EscalationWording {
  subject: string;
  lead: string;
  alsoTold: string;
}

export interface ObligationSpec {
  /** The one name people see for it: emails, digests, pages, the timeline and the workflow's summaries. */
  label: string;
  owner: ObligationOwner;
  /** What its subjectId names, if it has one: emails about a referral say which referral. */
  about?: 'referral' | 'plan' | 'goal' | 'task' | 'appointment';
  /** Where it is done: the page My work links to. */
  doneAt: WhereDone;
  due: DueRule;
  ladder: LadderSpec;
  /** Its reminders may wait for the owner's daily digest; never for approvals, which someone is waiting on. */
  digest: boolean;
  /** The "What to do" line of its reminders. */
  whatToDo: string;
  /**
   * Its escalation to the supervisor in its own words, where "overdue" would be wrong (who else is
   * told otherwise follows from `ladder.escalate`: see `toldIfOverdue`).
   */
  supervisorEscalation?: (m: EscalationMention) => EscalationWording;
  /** A single reminder that is the whole obligation: once it has gone (or was not needed), it is met. */
  metWhenReminded?: boolean;
}

/** Heads-up, due, overdue repeats, then the supervisor: the case manager's own work. */
const CASE_MANAGER_WORK: Pick<ObligationSpec, 'owner' | 'ladder' | 'digest'> = {
  owner: 'case_manager',
  ladder: {
    headsUp: true,
    reminders: true,
    overdueRepeats: true,
    escalate: { to: 'supervisor', when: 'after_overdue' },
  },
  digest: true,
};

/**
 * A request waiting for the supervisor's decision: reminded from the due time, counted in
 * business days, escalated straight to the program manager, never held for a digest.
 */
function approval(
  spec: Pick<ObligationSpec, 'label' | 'whatToDo' | 'about' | 'doneAt'> & {
    after: DuePolicyField;
    anchoredOn: string;
  },
): ObligationSpec {
  const { after, anchoredOn, ...rest } = spec;
  return {
    ...rest,
    owner: 'supervisor',
    due: { after, businessDays: true, anchoredOn },
    ladder: {
      headsUp: false,
      reminders: true,
      overdueRepeats: true,
      escalate: { to: 'program_manager', when: 'after_overdue' },
    },
    digest: false,
  };
}

export const OBLIGATIONS = {
  initial_assessment: {
    ...CASE_MANAGER_WORK,
    label: 'Initial assessment',
    doneAt: 'assessment',
    due: { after: 'initialAssessmentDue', businessDays: false, anchoredOn: 'intake' },
    whatToDo: 'Complete the needs assessment with the client and record it on the case.',
  },
  service_plan: {
    ...CASE_MANAGER_WORK,
    label: 'Service plan',
    doneAt: 'new_plan',
    due: {
      after: 'servicePlanDue',
      businessDays: false,
      anchoredOn: 'the initial assessment, or the plan being returned',
    },
    whatToDo: 'Draft the service plan with SMART goals and submit it for approval.',
  },
  plan_approval: approval({
    label: 'Plan approval',
    about: 'plan',
    doneAt: 'plan_decision',
    after: 'planApprovalDue',
    anchoredOn: 'the plan being submitted',
    whatToDo: 'Review the submitted service plan and approve it or return it with comments.',
  }),
  reassessment: {
    ...CASE_MANAGER_WORK,
    label: 'Reassessment',
    doneAt: 'assessment',
    due: { after: 'reassessmentEvery', businessDays: false, anchoredOn: 'the last assessment' },
    whatToDo: 'Reassess the client and record the reassessment on the case.',
  },
  referral_response: {
    label: 'Referral response',
    owner: 'case_manager',
    about: 'referral',
    doneAt: 'referral',
    due: { after: 'referralResponseDue', businessDays: false, anchoredOn: 'the referral being sent' },
    ladder: {
      headsUp: false,
      reminders: true,
      overdueRepeats: true,
      providerFollowUp: 'if_policy_allows',
    },
    digest: true,
    whatToDo: 'Contact the provider about the referral and record their answer on the case.',
  },
  referral_outcome: {
    label: 'Referral outcome',
    owner: 'case_manager',
    about: 'referral',
    doneAt: 'referral',
    due: {
      after: 'referralOutcomeEscalateAfter',
      businessDays: false,
      anchoredOn: 'the referral being sent',
    },
    ladder: {
      headsUp: false,
      reminders: false,
      overdueRepeats: false,
      escalate: { to: 'supervisor', when: 'at_due' },
    },
    digest: true,
    whatToDo: 'Find out what came of the referral and record its outcome on the case.',
    supervisorEscalation: (m) => ({
      subject: `Escalation: referral${m.which} without outcome since ${m.dueDay} — ${m.caseLine}`,
      lead: `A referral${m.which} for ${m.caseLine} (${m.client}), carried by ${m.caseManagerName}, has no recorded outcome by ${m.due}.`,
      alsoTold: `${m.caseManagerName} was reminded while the provider had not answered.`,
    }),
  },
  stalled_plan: {
    ...CASE_MANAGER_WORK,
    // Named for what is owed (activity on the plan), like every other kind, not for the failure.
    label: 'Plan activity',
    doneAt: 'note',
    due: {
      after: 'stalledPlanAfter',
      businessDays: false,
      anchoredOn: 'the plan approved, or the latest goal progress, note or referral work',
    },
    whatToDo: 'Contact the client, record goal progress or a case note, or put the case on hold.',
  },
  goal_target: {
    label: 'Goal target date',
    owner: 'case_manager',
    about: 'goal',
    doneAt: 'goal_progress',
    due: {
      atAnchor: true,
      anchoredOn: "the goal's target date (the start of that day in the program's zone)",
    },
    ladder: { headsUp: true, reminders: true, overdueRepeats: true },
    digest: true,
    whatToDo: "Record the goal's progress: achieved, not achieved, or dropped with a revised plan.",
  },
  closure_approval: approval({
    label: 'Closure approval',
    doneAt: 'closure_decision',
    after: 'closureApprovalDue',
    anchoredOn: 'closure being requested',
    whatToDo: 'Review the closure request and approve it or return it.',
  }),
  task: {
    // A task someone added to the case: its assignee's own work, on the full ladder; the case's
    // supervisor hears of it if it stays overdue. `which` carries the task's own words.
    label: 'Task',
    owner: 'assignee',
    about: 'task',
    doneAt: 'task',
    due: { atAnchor: true, anchoredOn: 'the due time chosen when the task was added' },
    // The case manager's ladder, with its assignee in the case manager's place.
    ladder: CASE_MANAGER_WORK.ladder,
    digest: true,
    whatToDo: 'Do the task, then mark it done on the case (or cancel it if it is no longer needed).',
    supervisorEscalation: (m) => ({
      subject: `Escalation: task${m.which} overdue since ${m.dueDay} — ${m.caseLine}`,
      lead: `A task${m.which} on ${m.caseLine} (${m.client}), assigned to ${m.assigneeName ?? 'a staff member'}, has been overdue since ${m.due}.`,
      alsoTold: `${m.assigneeName ?? 'The assignee'} has had reminders. The program manager is told if this is not acknowledged.`,
    }),
  },
  // Appointments (src/workflows/appointment-transitions.ts): a reminder to each attending staff
  // member and, where allowed, to the client; attendance owed after it; a no-show's re-engagement.
  appointment_reminder: {
    label: 'Appointment reminder',
    owner: 'assignee',
    about: 'appointment',
    doneAt: 'appointment',
    due: { before: 'appointmentReminderBefore', anchoredOn: "the appointment's start" },
    ladder: { headsUp: false, reminders: true, overdueRepeats: false },
    digest: false,
    whatToDo: 'Attend the appointment with the client, or change or cancel it on the case.',
    metWhenReminded: true,
  },
  appointment_client_reminder: {
    label: 'Client appointment reminder',
    owner: 'case_manager',
    about: 'appointment',
    doneAt: 'appointment',
    due: { before: 'appointmentReminderBefore', anchoredOn: "the appointment's start" },
    ladder: { headsUp: false, reminders: true, overdueRepeats: false, remindClient: 'if_policy_allows' },
    digest: false,
    whatToDo: 'Nothing: the client is reminded of the appointment by email where they consented.',
    metWhenReminded: true,
  },
  attendance_record: {
    label: 'Attendance',
    owner: 'case_manager',
    about: 'appointment',
    doneAt: 'attendance',
    due: { after: 'attendanceRecordDue', businessDays: false, anchoredOn: "the appointment's end" },
    ladder: { headsUp: false, reminders: true, overdueRepeats: true },
    digest: true,
    whatToDo: 'Record whether the client attended the appointment (attended, no-show, cancelled).',
  },
  re_engagement: {
    ...CASE_MANAGER_WORK,
    // What is owed after a no-show: getting back in touch ("re-engagement").
    label: 'Contact after a missed appointment',
    about: 'appointment',
    doneAt: 'note',
    due: { after: 'reEngagementDue', businessDays: false, anchoredOn: 'the missed appointment' },
    whatToDo: 'Contact the client after the missed appointment and record a contact note or a new visit.',
  },
} satisfies Record<ObligationKind, ObligationSpec>;

export const OBLIGATION_KINDS = Object.keys(OBLIGATIONS) as ObligationKind[];

export const isObligationKind = (kind: string): kind is ObligationKind => Object.hasOwn(OBLIGATIONS, kind);

export const obligationSpec = (kind: ObligationKind): ObligationSpec => OBLIGATIONS[kind];

/** Where a kind is done; a kind the catalogue does not know is done on the case itself. */
export const whereDone = (kind: string): WhereDone | 'case' =>
  isObligationKind(kind) ? OBLIGATIONS[kind].doneAt : 'case';

/**
 * The name people see for a kind. A kind the catalogue does not know (a row written by a
 * generation since retired) reads as its id in words, as it always did.
 */
export function obligationLabel(kind: string): string {
  if (isObligationKind(kind)) return OBLIGATIONS[kind].label;
  const words = kind.replace(/_/g, ' ');
  return words.charAt(0).toUpperCase() + words.slice(1);
}

/** Every kind's label by id: the timeline's SQL takes it as a parameter. */
export const obligationLabels = (): Record<ObligationKind, string> =>
  Object.fromEntries(OBLIGATION_KINDS.map((k) => [k, OBLIGATIONS[k].label])) as Record<
    ObligationKind,
    string
  >;

/** The ladder of a kind under a program's policy: who gets which rung. */
export function ladderShape(kind: ObligationKind, policy: ProgramPolicy): LadderShape {
  const { owner, ladder } = obligationSpec(kind);
  return {
    headsUp: ladder.headsUp,
    ...(ladder.reminders && !ladder.remindClient ? { remindTo: owner } : {}),
    ...(ladder.reminders && ladder.remindClient && policy.clientAppointmentReminders === true
      ? { remindTo: 'client' as const }
      : {}),
    overdueRepeats: ladder.overdueRepeats,
    ...(ladder.providerFollowUp ? { providerFollowUp: policy.referralProviderFollowUp } : {}),
    ...(ladder.escalate ? { escalate: ladder.escalate } : {}),
  };
}

/** Who else hears of it if it stays overdue: what its overdue reminders tell the owner. */
export function toldIfOverdue(kind: ObligationKind): 'supervisor' | 'program_manager' | 'nobody' {
  return obligationSpec(kind).ladder.escalate?.to ?? 'nobody';
}

/** What differs between the rungs of a ladder. */
export interface StepSpec {
  /** The step in the workflow's summaries, after the obligation's label ("… overdue reminder 2"). */
  summary: (n: number) => string;
  /** 1 or 2: sending it raises the obligation's escalation to that level; 0 for any other step. */
  escalationLevel: 0 | 1 | 2;
  /** A reminder of the recipient's own work (heads-up, due, overdue), which may wait for a digest. */
  reminder: boolean;
}

export const LADDER_STEPS = {
  heads_up: { summary: () => 'heads-up', escalationLevel: 0, reminder: true },
  due: { summary: () => 'due', escalationLevel: 0, reminder: true },
  overdue: { summary: (n) => `overdue reminder ${n}`, escalationLevel: 0, reminder: true },
  provider_follow_up: { summary: () => 'follow-up to provider', escalationLevel: 0, reminder: false },
  escalate_supervisor: { summary: () => 'escalation to supervisor', escalationLevel: 1, reminder: false },
  escalate_program_manager: {
    summary: () => 'escalation to program manager',
    escalationLevel: 2,
    reminder: false,
  },
} satisfies Record<LadderStepKind, StepSpec>;

/** Escalations are never skipped, never wait for a digest, and carry an acknowledgement link. */
export const isEscalationStep = (step: LadderStepKind): boolean => LADDER_STEPS[step].escalationLevel > 0;

export const escalationLevelOf = (step: LadderStepKind): 0 | 1 | 2 => LADDER_STEPS[step].escalationLevel;

/** Reminders of the recipient's own work wait for their digest if they chose one; nothing else does. */
export const mayWaitForDigest = (kind: ObligationKind, step: LadderStepKind): boolean =>
  LADDER_STEPS[step].reminder && obligationSpec(kind).digest;

/** "Plan activity overdue reminder 2": a step as the workflow's summaries name it. */
export const stepSummary = (kind: ObligationKind, step: LadderStepKind, n: number): string =>
  `${obligationLabel(kind)} ${LADDER_STEPS[step].summary(n)}`;
