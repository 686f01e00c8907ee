import type { ProgramPolicy, RiskLevel } from './policy';
import type { LadderStepKind } from './ladder';
import type { ObligationKind } from './obligation-catalogue';

/**
 * Everything a case workflow knows. Identifiers, statuses and times only: no client details,
 * so the history can be read by on-call staff.
 */

export type CaseStatus = 'intake' | 'assessment' | 'planning' | 'active' | 'on_hold' | 'closing' | 'closed';

export type { ObligationKind } from './obligation-catalogue';
import type { ConsentPurpose } from './consent-purposes';

export type Recipient =
  'case_manager' | 'supervisor' | 'program_manager' | 'provider' | 'assignee' | 'client';

/** The program's calendar: due dates land on its business days, in its time zone. */
export interface CaseCalendar {
  timeZone: string;
  /** ISO dates (YYYY-MM-DD). */
  holidays: string[];
}

export interface Obligation {
  id: string;
  kind: ObligationKind;
  /** The referral, goal or plan it is about. */
  subjectId?: string;
  /** The staff member it names, for kinds owned by their `assignee` (a task's doer). */
  assigneeId?: string;
  /** When the obligation came into being (heads-ups never precede it). */
  openedAt: number;
  /** The stored absolute instant its due time counts from (intake, last assessment, submission...). */
  anchorAt: number;
  /** Derived from anchor + policy duration on the program's calendar + time on hold; never accumulated. */
  dueAt: number;
  /** Total time the case spent on hold while this obligation was open. */
  pausedMs: number;
  metAt?: number;
  /** Why it ended: 'assessment recorded', 'referral accepted', 'case closed'... */
  metBecause?: string;
  /** Ladder step ids already sent, or skipped because a later step superseded them. */
  sent: string[];
  skipped: string[];
  escalation?: { level: 1 | 2; raisedAt: number; acknowledgedAt?: number; acknowledgedBy?: string };
}

export interface CaseWorkflowInput {
  caseId: string;
  caseReference: string;
  programId: string;
  /** For the UI's summary only; the clocks never read it. */
  programName?: string;
  caseManagerId: string;
  supervisorId: string;
  programManagerId?: string;
  riskLevel: RiskLevel;
  openedAt: string;
  policy: ProgramPolicy;
  policyVersion: number;
  /** Absent from cases started before calendars were passed in: UTC without holidays. */
  calendar?: CaseCalendar;
  /** Time zone of each staff member the case may write to, by id. */
  zones?: Record<string, string>;
  /**
   * Reminders held by quiet hours leave spread over this many minutes after the working start, each
   * case at its own minute (REMINDER_RELEASE_SPREAD_MINUTES). Absent on cases started before it: 0.
   */
  releaseSpreadMinutes?: number;
  /**
   * Set by every start since issue 18's first-look change (CaseWorkflows.start): the intake look
   * writes the whole first projection and every search attribute, so the first turn writes nothing
   * again. Absent from runs started before, which replay their old first turn. An input rather than
   * a patch: a patch's marker brings a search attribute upsert of its own, the event this saves.
   */
  lookWritesProjection?: boolean;
  /** Set when continuing as new: the whole state of the previous run. */
  carried?: unknown;
  /** Set for a case brought in by a CSV import: its history, so its clocks start from it. */
  imported?: ImportedHistory;
}

/**
 * An imported case's recorded history (its last assessment, current plan, open referrals) with
 * their real dates, applied when its first run starts: the clocks count from those dates, steps
 * whose time passed before `importedAt` are not sent, and what is already overdue is listed once
 * in the case manager's catch-up digest (docs/importing.md).
 */
export interface ImportedHistory {
  importedAt: string;
  events: CaseEvent[];
}

export interface ScheduledStep {
  obligationId: string;
  obligationKind: ObligationKind;
  step: LadderStepKind;
  stepId: string;
  /** Who it goes to. */
  to: Recipient;
  /** When it leaves: the ladder time, held to the recipient's working hours unless the program is urgent. */
  at: string;
}

export interface CaseSchedule {
  caseId: string;
  /** Grows with every change the workflow makes; projections older than the stored one are ignored. */
  version: number;
  status: CaseStatus;
  obligations: {
    id: string;
    kind: ObligationKind;
    subjectId?: string;
    dueAt: string;
    metAt?: string;
    metBecause?: string;
    overdue: boolean;
    sent: string[];
    escalationLevel: number;
    acknowledged: boolean;
    /** The staff member it names (a task's assignee). */
    assigneeId?: string;
  }[];
  next?: ScheduledStep;
  /** The next few steps in time order (next is the first). */
  upcoming?: ScheduledStep[];
  overdueCount: number;
  escalationLevel: number;
  /**
   * Answered by the schedule query: the case row already shows this schedule (no projection pending)
   * and no email about a request or decision waits to be sent.
   */
  projected?: boolean;
}

/** A request or decision someone else must hear of (workflow patch 'decisions-told'). */
export type CaseNewsKind =
  | 'plan_submitted'
  | 'plan_approved'
  | 'plan_returned'
  | 'closure_requested'
  | 'closure_approved'
  | 'closure_returned'
  /** A referral made: the provider gets its email with the answer link (patch 'provider-answers'). */
  | 'referral_sent'
  /** The provider answered from their link: the case manager is told. */
  | 'referral_answered'
  /** A hand-over moved an unacknowledged escalation to someone: they are told, with its link. */
  | 'escalation_handed_over';

/** The event types whose news is told: submissions and requests to the supervisor, decisions back. */
export const NEWS_EVENTS: ReadonlySet<CaseEvent['type']> = new Set([
  'plan_submitted',
  'plan_decided',
  'closure_requested',
  'closure_decided',
]);

/**
 * One piece of news, told by email exactly once: identifiers and times only, like everything the
 * workflow holds (the note a decision carries is read from the record when the email is written).
 */
export interface CaseNews {
  what: CaseNewsKind;
  /** The plan, for plan news. */
  planId?: string;
  /** When it happened (the event's time): with `what` and the plan, it names this piece of news. */
  at: string;
  to: 'supervisor' | 'case_manager' | 'provider' | 'program_manager';
  /** Who that was on the case when it happened ('' for the provider, found through the referral). */
  staffId: string;
  /** A request's decision due time (its approval obligation's due time). */
  decideBy?: string;
  /** The referral, for referral news. */
  referralId?: string;
  /** The status the provider reported, for their answer. */
  status?: string;
  /** The obligation and level of the escalation, for escalation news. */
  obligationId?: string;
  level?: 1 | 2;
}

/** The workflow's view of the facts the record also holds (answered by the caseFacts query). */
export interface CaseFacts {
  status: CaseStatus;
  caseManagerId: string;
  supervisorId: string;
  programManagerId: string | null;
  onHold: boolean;
  policyVersion: number;
  openObligations: { id: string; kind: ObligationKind; subjectId?: string }[];
}

export interface AssessmentRecorded {
  assessmentId: string;
  kind: 'initial' | 'reassessment';
  completedAt: string;
}

/**
 * Everything people record that the case's clocks care about. The API validates against the
 * records first; the workflow applies the event to its own state. Times are ISO strings.
 */
/** An unacknowledged escalation handed to someone with its case: see the `reassigned` event. */
export interface EscalationHandOver {
  obligationId: string;
  level: 1 | 2;
  recipientId: string;
}

/** One appointment's attendees handed over with their case: see the `reassigned` event. */
export interface AppointmentHandOver {
  appointmentId: string;
  sequence: number;
  attendees: { from: string; to: string }[];
}

export type CaseEvent =
  | ({ type: 'assessment_recorded' } & AssessmentRecorded)
  | { type: 'plan_submitted'; planId: string; at: string }
  | {
      type: 'plan_decided';
      planId: string;
      decision: 'approved' | 'returned';
      at: string;
      goals: { goalId: string; targetDate: string }[];
    }
  | { type: 'goal_progress'; goalId: string; status: string; at: string }
  | { type: 'referral_made'; referralId: string; at: string }
  | {
      type: 'referral_updated';
      referralId: string;
      status: string;
      at: string;
      /** Reported by the provider from their answer link (absent: by staff); the case manager is told. */
      by?: 'provider';
    }
  | { type: 'note_added'; noteType: string; at: string }
  | { type: 'hold'; at: string }
  | { type: 'resume'; at: string }
  | {
      type: 'reassigned';
      caseManagerId: string;
      supervisorId: string;
      at: string;
      /** The new people's time zones, by staff id. */
      zones?: Record<string, string>;
      /**
       * Open tasks whose assignee left the case with this change, each with whoever took their place:
       * their reminders go to the new assignee from now on. Absent on events from before tasks moved.
       */
      tasks?: { taskId: string; assigneeId: string }[];
      /**
       * Appointments yet to start that someone leaving the case was to attend, each at its new version
       * (sequence) with who takes whose place: their reminders go to the successor, and that version's
       * invitations and cancellations go out. Absent on events from before appointments moved.
       */
      appointments?: AppointmentHandOver[];
      /**
       * Unacknowledged escalations that moved to someone taking a leaver's place: each is told to its
       * new recipient. Absent on events from before escalations moved.
       */
      escalations?: EscalationHandOver[];
    }
  | {
      /** The program has a new manager: escalations to the program manager go to them from now on. */
      type: 'program_manager_changed';
      /** Null when the program is left without a manager. */
      programManagerId: string | null;
      at: string;
      /** The new manager's time zone, by staff id. */
      zones?: Record<string, string>;
    }
  | { type: 'risk_changed'; riskLevel: RiskLevel; at: string }
  | { type: 'closure_requested'; at: string }
  | { type: 'closure_decided'; decision: 'approved' | 'returned'; at: string }
  | {
      /** A staff member's time zone changed: their quiet hours (and their emails' times) follow it. */
      type: 'time_zone_changed';
      staffId: string;
      timeZone: string;
      at: string;
    }
  | {
      /** A task added to the case (case_tasks): due at `dueAt`, its reminders to its assignee. */
      type: 'task_added';
      taskId: string;
      assigneeId: string;
      dueAt: string;
      at: string;
      /** The assignee's time zone, by staff id. */
      zones?: Record<string, string>;
    }
  | { type: 'task_closed'; taskId: string; outcome: 'done' | 'cancelled'; at: string }
  | ConsentChanged
  | ({ type: 'appointment_scheduled' } & AppointmentTimes)
  | ({ type: 'appointment_changed' } & AppointmentTimes)
  | { type: 'appointment_cancelled'; appointmentId: string; sequence: number; at: string }
  | { type: 'attendance_recorded'; appointmentId: string; attendance: 'attended' | 'no_show'; at: string };

/**
 * A client's consent was recorded (given or withdrawn): staged for each of the client's open cases.
 * A withdrawal of sharing names the case's referrals no provider email may go to any more.
 */
export interface ConsentChanged {
  type: 'consent_changed';
  purpose: ConsentPurpose;
  /** The named provider, for 'share_with_provider'. */
  providerId?: string;
  given: boolean;
  at: string;
  /** Open referrals on this case whose provider may no longer be written to (withdrawals). */
  referralIds?: string[];
}

/**
 * An appointment as its clocks need it: when it starts and ends, who attends (staff ids, with their
 * time zones), and its iCalendar SEQUENCE (0 when scheduled, one more on every change).
 */
export interface AppointmentTimes {
  appointmentId: string;
  sequence: number;
  startsAt: string;
  endsAt: string;
  attendeeIds: string[];
  zones?: Record<string, string>;
  at: string;
}

/** One calendar message to send: the attending staff's invitation (or cancellation) at a sequence. */
export interface AppointmentInvite {
  appointmentId: string;
  sequence: number;
}

/**
 * How a committed change reaches the workflow: its number in the case's change log
 * (case_changes.seq). Absent when reconciliation repairs a workflow directly.
 */
export interface CaseDelivery {
  change: number;
}

export interface EscalationAcknowledged {
  obligationId: string;
  staffId: string;
}

/**
 * Fire-and-forget: a program's new policy version for a running case. `changeId` tells a retried
 * change apart from one whose transaction rolled back after some cases had been signalled.
 */
export interface PolicyChange {
  policy: ProgramPolicy;
  version: number;
  changeId: string;
  /** The program's time zone and holidays, when they changed with it. */
  calendar?: CaseCalendar;
}

/** A change recorded for many cases at once (case_changes.fan_out_id), fanned out by its own workflow. */
export interface FanOutInput {
  fanOutId: string;
  /** For the Temporal UI: what is being fanned out, without client data ("Policy version 3 of program ..."). */
  what: string;
  cases: number;
}
