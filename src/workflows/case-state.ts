import { ladderShape, obligationLabel, type ObligationKind } from '../core/obligation-catalogue';
import { goalTargetInstant, type Calendar } from '../core/obligations';
import { dueOf, isOpen, rederive, type Decision } from '../core/case-schedule';
import type { ProgramPolicy, RiskLevel } from '../core/policy';
import type {
  AppointmentInvite,
  CaseDelivery,
  CaseEvent,
  CaseNews,
  CaseStatus,
  CaseWorkflowInput,
  Obligation,
} from '../core/case-contract';
import { closedRefusal, statusRefusal } from '../core/case-status-rules';
import { releaseOffsetMinutes } from '../core/release-spread';
import { applyConsent, type CaseConsent } from './case-consent';

export type { CaseConsent } from './case-consent';
import {
  appointmentHandedOver,
  applyAppointmentEvent,
  resumedAppointmentReminder,
  contactRecorded,
  type CaseStateOps,
} from './appointment-transitions';

// The schedule's rules live in core (shared with the policy preview); the workflow's modules and
// tests keep reading them from here.
export { isOpen, rederive, runsWhileClosing, type Decision } from '../core/case-schedule';

/**
 * The case workflow's own state and how each recorded event changes it. Pure and deterministic,
 * so it can be unit-tested and carried whole across continue-as-new.
 */
export interface CaseState {
  status: CaseStatus;
  /** Where to return after a hold or a returned closure request. */
  statusBeforeHold?: CaseStatus;
  statusBeforeClosing?: CaseStatus;
  onHoldSince?: number;
  /**
   * Set while a closure request waits, on cases whose workflow pauses the other clocks then
   * (patch 'closure-pauses-clocks'): only closure approval runs. Absent on older cases.
   */
  closingSince?: number;
  caseManagerId: string;
  supervisorId: string;
  programManagerId?: string;
  riskLevel: RiskLevel;
  policy: ProgramPolicy;
  policyVersion: number;
  policyChangeId: string;
  calendar: Calendar;
  /** Time zone of each staff member, by id; missing means the program's zone. */
  zones: Record<string, string>;
  /** Minutes after the working start at which reminders held by quiet hours leave (src/core/release-spread.ts). */
  releaseOffsetMinutes?: number;
  /** The supervisor's own late work escalates past them (patch 'escalation-passes-doer'; ScheduleState). */
  escalationPassesDoer?: boolean;
  /** Nobody is escalated to about their own work (patch 'no-escalation-to-doer'; ScheduleState). */
  noEscalationToDoer?: boolean;
  obligations: Obligation[];
  /** Numbers recurring obligations (service-plan-2, reassessment-3...). */
  seq: number;
  /** Decisions not yet written to the case timeline; flushed by the workflow, carried if not. */
  decisions: Decision[];
  /** Grows with every change; a projection older than the stored one is ignored. */
  version: number;
  /**
   * The highest case-change number (case_changes.seq) this case has applied: a change delivered
   * again (by the request and by the relay) is answered, not applied twice. Absent on older cases.
   */
  appliedChange?: number;
  /**
   * Requests and decisions still to be told by email, oldest first; the main loop sends each once
   * and drops it. Only on cases whose workflow tells them (patch 'decisions-told').
   */
  news?: CaseNews[];
  /**
   * The client's consent as last told by a `consent_changed` event, by purpose (absent: none told
   * since the case started). A hint for what the workflow schedules: whoever sends to a client or
   * provider still checks the record at that moment. `emailReminders.given === false` means client
   * reminders must end and none be scheduled.
   */
  consent?: CaseConsent;
  /** Appointment invitations and cancellations still to send, oldest first (appointment events only). */
  invites?: AppointmentInvite[];
}

/** Is this delivery one the case has already applied? Undelivered-by-number events never are. */
export function alreadyApplied(state: CaseState, delivery: CaseDelivery | undefined): boolean {
  return delivery !== undefined && delivery.change <= (state.appliedChange ?? -1);
}

export class EventRefused extends Error {}

/** How a workflow generation applies events where generations differ. */
export interface ApplyOptions {
  /** Closure pending pauses every clock but closure approval (new cases; older ones keep running). */
  closurePausesClocks?: boolean;
  /** Submissions, closure requests and their decisions are told to the people waiting on them. */
  tellDecisions?: boolean;
  /** A referral made is emailed to its provider with their answer link. */
  tellProviders?: boolean;
  /** A resume leaves an appointment's reminders at its time, ending those whose appointment began. */
  appointmentTimesFixed?: boolean;
}

/** Queues news for whoever is the supervisor or case manager now; the main loop sends it. */
function tell(state: CaseState, news: Omit<CaseNews, 'staffId'>): void {
  const staffId =
    news.to === 'supervisor' ? state.supervisorId : news.to === 'provider' ? '' : state.caseManagerId;
  (state.news ??= []).push({ ...news, staffId });
}

/** Shift every open deadline but closure approval by a paused span (never counting before it opened). */
function shiftPaused(state: CaseState, since: number, now: number, why: string): void {
  for (const o of state.obligations) {
    if (!isOpen(o) || o.kind === 'closure_approval') continue;
    const paused = Math.max(0, now - Math.max(since, o.openedAt));
    o.pausedMs += paused;
    if (o.escalation) o.escalation.raisedAt += paused;
  }
  rederive(state, now, why, (o) => o.kind !== 'closure_approval');
}

const FINAL_GOAL = new Set(['achieved', 'not_achieved', 'dropped']);
const REFERRAL_ANSWERED = new Set(['accepted', 'scheduled']);
const REFERRAL_FINAL = new Set(['completed', 'declined', 'no_show', 'cancelled']);

const iso = (ms: number): string => new Date(ms).toISOString();
const label = (kind: ObligationKind): string => obligationLabel(kind).toLowerCase();

/** Synchronous check used by the update validator: refuse what the current state cannot take. */
export function checkEvent(state: CaseState, event: CaseEvent): void {
  const refusal = closedRefusal(state.status) ?? statusRefusal(state.status, event.type);
  if (refusal) throw new EventRefused(refusal);
  const at = event.type === 'assessment_recorded' ? event.completedAt : event.at;
  if (Number.isNaN(Date.parse(at))) throw new EventRefused('The event time is not a valid time.');
  if (event.type === 'plan_decided') {
    for (const g of event.goals) {
      if (!/^\d{4}-\d{2}-\d{2}$/.test(g.targetDate))
        throw new EventRefused(`Goal ${g.goalId} has no valid target date.`);
    }
  }
  if (event.type === 'task_added' && Number.isNaN(Date.parse(event.dueAt)))
    throw new EventRefused('The task has no valid due time.');
}

export function open(
  state: CaseState,
  kind: ObligationKind,
  id: string,
  anchorAt: number,
  now: number,
  subjectId?: string,
  assigneeId?: string,
): Obligation {
  const o: Obligation = { id, kind, anchorAt, openedAt: now, dueAt: 0, pausedMs: 0, sent: [], skipped: [] };
  if (subjectId !== undefined) o.subjectId = subjectId;
  if (assigneeId !== undefined) o.assigneeId = assigneeId;
  o.dueAt = dueOf(state, o);
  state.obligations.push(o);
  state.decisions.push({
    key: `${id}/opened`,
    at: now,
    obligationId: id,
    obligationKind: kind,
    what: 'opened',
    detail: `${label(kind)} due ${iso(o.dueAt)}`,
    dueAt: o.dueAt,
  });
  return o;
}

export const nextId = (state: CaseState, prefix: string): string => `${prefix}-${++state.seq}`;

/** Ends an obligation's ladder: nothing more is sent for it, and the timeline says why. */
export function meet(state: CaseState, o: Obligation, now: number, because: string): void {
  if (!isOpen(o)) return;
  o.metAt = now;
  o.metBecause = because;
  const cancelled = ladderShapeSteps(state, o) - o.sent.length - o.skipped.length;
  state.decisions.push({
    key: `${o.id}/met`,
    at: now,
    obligationId: o.id,
    obligationKind: o.kind,
    what: 'met',
    detail: `${because}; ${Math.max(0, cancelled)} pending reminder(s) will not be sent`,
    dueAt: o.dueAt,
  });
}

/** Rough count of rungs an obligation's ladder has, for the "n pending reminders" line. */
function ladderShapeSteps(state: CaseState, o: Obligation): number {
  const shape = ladderShape(o.kind, state.policy);
  let n = 0;
  if (shape.remindTo)
    n += (shape.headsUp ? 1 : 0) + 1 + (shape.overdueRepeats ? state.policy.ladder.overdueRepeatLimit : 0);
  if (shape.providerFollowUp) n++;
  if (shape.escalate) n++;
  return n;
}

const openOf = (state: CaseState, kind: ObligationKind): Obligation[] =>
  state.obligations.filter((o) => o.kind === kind && isOpen(o));

/** Goal progress, a note, or referral work: the plan is moving, so the stalled-plan window restarts. */
export function planActivity(state: CaseState, at: number, now: number): void {
  for (const o of openOf(state, 'stalled_plan')) {
    if (o.sent.length === 0 && o.skipped.length === 0) {
      // Nothing has gone out yet: slide the window rather than stacking up obligations.
      o.anchorAt = Math.max(o.anchorAt, at);
      o.pausedMs = 0;
      o.dueAt = dueOf(state, o);
      return;
    }
    meet(state, o, now, 'plan activity recorded');
  }
  if (
    state.status === 'active' ||
    state.statusBeforeHold === 'active' ||
    state.statusBeforeClosing === 'active'
  )
    open(state, 'stalled_plan', nextId(state, 'stalled-plan'), at, now);
}

/** The case state's helpers, for the appointment transitions (a module of their own). */
export const CASE_STATE_OPS: CaseStateOps<CaseState> = { open, meet, nextId, planActivity };

/** A new case: nothing is owed yet but the initial assessment, counted from intake. */
export function initialCaseState(input: CaseWorkflowInput): CaseState {
  const openedAt = Date.parse(input.openedAt);
  const state: CaseState = {
    status: 'assessment',
    caseManagerId: input.caseManagerId,
    supervisorId: input.supervisorId,
    ...(input.programManagerId ? { programManagerId: input.programManagerId } : {}),
    riskLevel: input.riskLevel,
    policy: input.policy,
    policyVersion: input.policyVersion,
    policyChangeId: '',
    calendar: input.calendar ?? { timeZone: 'UTC', holidays: [] },
    zones: { ...input.zones },
    // Only cases started with a spread carry an offset: older inputs have none, so they replay as they ran.
    ...(input.releaseSpreadMinutes
      ? { releaseOffsetMinutes: releaseOffsetMinutes(input.caseId, input.releaseSpreadMinutes) }
      : {}),
    obligations: [],
    seq: 0,
    decisions: [],
    version: 0,
  };
  open(state, 'initial_assessment', 'initial-assessment', openedAt, openedAt);
  return state;
}

/**
 * `now` is the workflow's clock. Pauses are measured on it, because the timers they stop run on it;
 * the event's own time is the recorded fact, which anchors the clocks it starts.
 */
export function applyEvent(
  state: CaseState,
  event: CaseEvent,
  now: number,
  options: ApplyOptions = {},
): void {
  switch (event.type) {
    case 'assessment_recorded': {
      const at = Date.parse(event.completedAt);
      for (const o of openOf(state, 'initial_assessment')) meet(state, o, now, 'assessment recorded');
      for (const o of openOf(state, 'reassessment')) meet(state, o, now, 'reassessment recorded');
      if (state.status === 'assessment') {
        state.status = 'planning';
        open(state, 'service_plan', nextId(state, 'service-plan'), at, now);
      }
      // The next reassessment counts from this one: one done early moves the next.
      open(state, 'reassessment', nextId(state, 'reassessment'), at, now);
      break;
    }
    case 'plan_submitted': {
      for (const o of openOf(state, 'service_plan')) meet(state, o, now, 'plan submitted');
      const approval =
        state.obligations.find(
          (o) => o.kind === 'plan_approval' && o.subjectId === event.planId && isOpen(o),
        ) ??
        open(
          state,
          'plan_approval',
          `plan-approval-${event.planId}`,
          Date.parse(event.at),
          now,
          event.planId,
        );
      if (options.tellDecisions)
        tell(state, {
          what: 'plan_submitted',
          planId: event.planId,
          at: event.at,
          to: 'supervisor',
          decideBy: iso(approval.dueAt),
        });
      break;
    }
    case 'plan_decided': {
      const at = Date.parse(event.at);
      for (const o of openOf(state, 'plan_approval').filter((p) => p.subjectId === event.planId))
        meet(state, o, now, `plan ${event.decision}`);
      if (options.tellDecisions)
        tell(state, {
          what: `plan_${event.decision}`,
          planId: event.planId,
          at: event.at,
          to: 'case_manager',
        });
      if (event.decision === 'returned') {
        if (openOf(state, 'service_plan').length === 0)
          open(state, 'service_plan', nextId(state, 'service-plan'), at, now);
        break;
      }
      if (state.status === 'planning') state.status = 'active';
      if (state.statusBeforeHold === 'planning') state.statusBeforeHold = 'active';
      for (const o of openOf(state, 'service_plan')) meet(state, o, now, 'plan approved');
      // The new plan supersedes the old one: its goals' reminders end, the new goals' begin.
      for (const o of openOf(state, 'goal_target')) meet(state, o, now, 'superseded by a new plan');
      for (const g of event.goals)
        open(
          state,
          'goal_target',
          `goal-${g.goalId}`,
          goalTargetInstant(g.targetDate, state.calendar),
          now,
          g.goalId,
        );
      if (openOf(state, 'stalled_plan').length === 0)
        open(state, 'stalled_plan', nextId(state, 'stalled-plan'), at, now);
      break;
    }
    case 'goal_progress': {
      if (FINAL_GOAL.has(event.status)) {
        for (const o of openOf(state, 'goal_target').filter((g) => g.subjectId === event.goalId))
          meet(state, o, now, `goal ${event.status.replace('_', ' ')}`);
      }
      planActivity(state, Date.parse(event.at), now);
      break;
    }
    case 'note_added':
      planActivity(state, Date.parse(event.at), now);
      contactRecorded(state, event, now, CASE_STATE_OPS);
      break;
    case 'referral_made': {
      const at = Date.parse(event.at);
      open(state, 'referral_response', `referral-response-${event.referralId}`, at, now, event.referralId);
      open(state, 'referral_outcome', `referral-outcome-${event.referralId}`, at, now, event.referralId);
      if (options.tellProviders)
        tell(state, { what: 'referral_sent', referralId: event.referralId, at: event.at, to: 'provider' });
      planActivity(state, at, now);
      break;
    }
    case 'referral_updated': {
      const mine = (o: Obligation): boolean => o.subjectId === event.referralId;
      if (REFERRAL_ANSWERED.has(event.status) || REFERRAL_FINAL.has(event.status)) {
        for (const o of openOf(state, 'referral_response').filter(mine))
          meet(state, o, now, `provider answered (${event.status.replace('_', ' ')})`);
      }
      if (REFERRAL_FINAL.has(event.status)) {
        for (const o of openOf(state, 'referral_outcome').filter(mine))
          meet(state, o, now, `referral ${event.status.replace('_', ' ')}`);
      }
      if (event.by === 'provider')
        tell(state, {
          what: 'referral_answered',
          referralId: event.referralId,
          status: event.status,
          at: event.at,
          to: 'case_manager',
        });
      planActivity(state, Date.parse(event.at), now);
      break;
    }
    case 'hold':
      state.statusBeforeHold = state.status;
      state.onHoldSince = now;
      state.status = 'on_hold';
      break;
    case 'resume': {
      // Every clock stood still while on hold: shift each open deadline by the paused span.
      const paused = Math.max(0, now - (state.onHoldSince ?? now));
      for (const o of state.obligations) {
        if (!isOpen(o)) continue;
        if (options.appointmentTimesFixed && resumedAppointmentReminder(state, o, now, CASE_STATE_OPS))
          continue;
        o.pausedMs += paused;
        if (o.escalation) o.escalation.raisedAt += paused;
      }
      rederive(state, now, `on hold for ${Math.round(paused / 60_000)} min`);
      // The hold already moved them: the closing pause must not count the same span again.
      if (state.closingSince !== undefined) state.closingSince += paused;
      state.status = state.statusBeforeHold ?? 'active';
      state.statusBeforeHold = undefined;
      state.onHoldSince = undefined;
      break;
    }
    case 'reassigned':
      state.caseManagerId = event.caseManagerId;
      state.supervisorId = event.supervisorId;
      Object.assign(state.zones, event.zones ?? {});
      // Carried by the event, not decided here: histories from before tasks moved replay unchanged.
      for (const moved of event.tasks ?? []) {
        for (const o of openOf(state, 'task').filter((t) => t.subjectId === moved.taskId))
          o.assigneeId = moved.assigneeId;
      }
      for (const handOver of event.appointments ?? [])
        appointmentHandedOver(state, handOver, now, CASE_STATE_OPS);
      // Whoever an escalation moved to hears of it (carried by the event: older histories have none).
      for (const e of event.escalations ?? [])
        (state.news ??= []).push({
          what: 'escalation_handed_over',
          at: event.at,
          to: e.level === 2 ? 'program_manager' : 'supervisor',
          staffId: e.recipientId,
          obligationId: e.obligationId,
          level: e.level,
        });
      break;
    case 'program_manager_changed':
      if (event.programManagerId) state.programManagerId = event.programManagerId;
      else delete state.programManagerId;
      Object.assign(state.zones, event.zones ?? {});
      break;
    case 'risk_changed':
      state.riskLevel = event.riskLevel;
      rederive(state, now, `risk now ${event.riskLevel}`, (o) => o.kind === 'reassessment');
      break;
    case 'closure_requested':
      state.statusBeforeClosing = state.status;
      state.status = 'closing';
      if (options.closurePausesClocks) state.closingSince = now;
      {
        const approval = open(
          state,
          'closure_approval',
          nextId(state, 'closure-approval'),
          Date.parse(event.at),
          now,
        );
        if (options.tellDecisions)
          tell(state, {
            what: 'closure_requested',
            at: event.at,
            to: 'supervisor',
            decideBy: iso(approval.dueAt),
          });
      }
      break;
    case 'consent_changed':
      applyConsent(state, event, now);
      // Reminders to the client end with their consent (the send path checks the record as well).
      if (event.purpose === 'email_reminders' && !event.given)
        for (const o of openOf(state, 'appointment_client_reminder'))
          meet(state, o, now, 'consent withdrawn: email reminders to the client');
      break;
    case 'closure_decided':
      for (const o of openOf(state, 'closure_approval')) meet(state, o, now, `closure ${event.decision}`);
      if (options.tellDecisions)
        tell(state, { what: `closure_${event.decision}`, at: event.at, to: 'case_manager' });
      if (event.decision === 'approved') {
        state.status = 'closed';
        // Closing ends every clock.
        for (const o of state.obligations) meet(state, o, now, 'case closed');
      } else {
        // Returned: the other clocks run again, their deadlines moved by the time closure waited.
        if (state.closingSince !== undefined) {
          const since = state.closingSince;
          state.closingSince = undefined;
          shiftPaused(state, since, now, `closure pending for ${Math.round((now - since) / 60_000)} min`);
        }
        state.status = state.statusBeforeClosing ?? 'active';
      }
      state.closingSince = undefined;
      state.statusBeforeClosing = undefined;
      break;
    case 'time_zone_changed':
      // Only where steps may leave moves (quiet hours are the recipient's); due times keep the program's zone.
      state.zones[event.staffId] = event.timeZone;
      break;
    case 'task_added': {
      // Its reminders go to the assignee, in their own working hours.
      Object.assign(state.zones, event.zones ?? {});
      const id = `task-${event.taskId}`;
      if (!state.obligations.some((o) => o.id === id))
        open(state, 'task', id, Date.parse(event.dueAt), now, event.taskId, event.assigneeId);
      break;
    }
    case 'task_closed':
      for (const o of openOf(state, 'task').filter((t) => t.subjectId === event.taskId))
        meet(state, o, now, `task ${event.outcome}`);
      break;
    case 'appointment_scheduled':
    case 'appointment_changed':
    case 'appointment_cancelled':
    case 'attendance_recorded':
      applyAppointmentEvent(state, event, now, CASE_STATE_OPS);
      break;
  }
}
