import type { LadderStepKind } from '../core/ladder';
import type { EscalationRule, ObligationClock } from '../core/case-schedule';
import type { CaseNews, CaseStatus, ObligationKind, Recipient } from '../core/case-contract';

export interface CaseNotificationRequest {
  caseId: string;
  obligationId: string;
  obligationKind: ObligationKind;
  /** The referral, goal or plan the obligation is about. */
  subjectId?: string;
  step: LadderStepKind;
  stepId: string;
  /** Overdue repeat number, 0 otherwise. */
  n: number;
  dueAt: string;
  /** When the ladder step was due to go out (workflow time): what the email is "as of". */
  scheduledFor: string;
  recipient: Recipient;
  /** Empty for a provider, who is found through the referral. */
  recipientStaffId: string;
  /**
   * When the next reminder of the same obligation to the same recipient falls due, and its step: a
   * send that runs after it (the worker was paused and woke with an old clock) sends nothing.
   */
  supersededAt?: string;
  supersededBy?: LadderStepKind;
}

/** One piece of news to tell (a request or decision): what the workflow queued, and its case. */
export interface CaseNewsRequest extends CaseNews {
  caseId: string;
}

export type NotificationResult =
  | { status: 'sent' | 'already_sent' | 'queued_for_digest'; notificationKey: string }
  /** Nobody needs telling: the recipient made the request or decision themselves. */
  | { status: 'not_needed'; reason: string }
  | { status: 'failed'; notificationKey: string; reason: string }
  | { status: 'no_recipient'; reason: string }
  /** A later reminder of the same obligation was already due when the send ran: that one goes instead. */
  | { status: 'superseded'; by: LadderStepKind };

export interface CaseProjection {
  caseId: string;
  version: number;
  status: CaseStatus;
  nextDueAt: string | null;
  nextDueKind: string | null;
  overdueCount: number;
  escalationLevel: number;
  /** Schedule decisions for the case timeline (absent from generation-1 workflows). */
  decisions?: ScheduleDecision[];
  /**
   * Every open obligation with the due time the workflow derived: replaces the case's rows in
   * case_obligations. Absent from workflows that predate it (their rows are left as they are).
   */
  obligations?: ProjectedObligation[];
  /** The case's release offset for reminders held by quiet hours; absent means 0. */
  releaseOffsetMinutes?: number;
  /** The escalation rules the run follows; absent from workers before them (the row keeps its own). */
  escalationRules?: EscalationRule[];
}

export interface ProjectedObligation {
  id: string;
  kind: ObligationKind;
  subjectId?: string;
  dueAt: string;
  /** False while its clock is paused (on hold, or everything but closure approval while closing). */
  running: boolean;
  escalationLevel: number;
  acknowledged: boolean;
  /** Anchor, pauses, steps sent and escalation: absent from workflows before 'obligation-clocks-projected'. */
  clock?: ObligationClock;
  /** The staff member it names (a task's assignee). */
  assigneeId?: string;
}

export interface ScheduleDecision {
  key: string;
  at: string;
  obligationId: string;
  obligationKind: ObligationKind;
  what: 'opened' | 'met' | 'rescheduled' | 'skipped' | 'acknowledged';
  detail: string;
  /** The obligation's due time the decision was taken against (ISO); missing on older decisions. */
  dueAt?: string;
}
