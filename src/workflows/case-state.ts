import type { RiskLevel } from '../domain/policy';
import type { CaseEvent, CaseStatus, Obligation } from './types';

/**
 * The case workflow's own state and how each recorded event changes it. Pure and deterministic,
 * so it can be unit-tested and carried across continue-as-new.
 */
export interface CaseState {
  status: CaseStatus;
  /** Where to return after a hold or a returned closure request. */
  statusBeforeHold?: CaseStatus;
  statusBeforeClosing?: CaseStatus;
  onHoldSince?: number;
  caseManagerId: string;
  supervisorId: string;
  riskLevel: RiskLevel;
  obligations: Obligation[];
}

export class EventRefused extends Error {}

/** Synchronous check used by the update validator: refuse what the current state cannot take. */
export function checkEvent(state: CaseState, event: CaseEvent): void {
  if (state.status === 'closed') throw new EventRefused('The case is closed.');
  if (event.type === 'hold' && state.status === 'on_hold')
    throw new EventRefused('The case is already on hold.');
  if (event.type === 'resume' && state.status !== 'on_hold')
    throw new EventRefused('The case is not on hold.');
  if (event.type === 'closure_requested' && state.status === 'closing') {
    throw new EventRefused('Closure has already been requested.');
  }
  if (event.type === 'closure_decided' && state.status !== 'closing') {
    throw new EventRefused('No closure request is waiting for a decision.');
  }
  if ('at' in event && Number.isNaN(Date.parse(event.at))) throw new EventRefused('at is not a valid time.');
}

/**
 * `now` is the workflow's clock. Pauses are measured on it, because the timers they stop run on it;
 * the event's own `at` is the recorded fact time, which the records keep.
 */
export function applyEvent(state: CaseState, event: CaseEvent, now: number): void {
  switch (event.type) {
    case 'assessment_recorded': {
      const initial = state.obligations.find((o) => o.kind === 'initial_assessment');
      if (initial && initial.metAt === undefined) initial.metAt = Date.parse(event.completedAt);
      if (state.status === 'assessment') state.status = 'planning';
      break;
    }
    case 'plan_decided':
      if (event.decision === 'approved' && state.status === 'planning') state.status = 'active';
      break;
    case 'hold':
      state.statusBeforeHold = state.status;
      state.onHoldSince = now;
      state.status = 'on_hold';
      break;
    case 'resume': {
      // Every clock stood still while on hold: shift each open deadline by the paused span.
      const paused = Math.max(0, now - (state.onHoldSince ?? now));
      for (const o of state.obligations) {
        if (o.metAt !== undefined) continue;
        o.pausedMs += paused;
        o.dueAt += paused;
        if (o.escalation) o.escalation.raisedAt += paused;
      }
      state.status = state.statusBeforeHold ?? 'active';
      state.statusBeforeHold = undefined;
      state.onHoldSince = undefined;
      break;
    }
    case 'reassigned':
      state.caseManagerId = event.caseManagerId;
      state.supervisorId = event.supervisorId;
      break;
    case 'risk_changed':
      state.riskLevel = event.riskLevel;
      break;
    case 'closure_requested':
      state.statusBeforeClosing = state.status;
      state.status = 'closing';
      break;
    case 'closure_decided':
      state.status = event.decision === 'approved' ? 'closed' : (state.statusBeforeClosing ?? 'active');
      state.statusBeforeClosing = undefined;
      break;
    case 'plan_submitted':
    case 'goal_progress':
    case 'referral_made':
    case 'referral_updated':
    case 'note_added':
      // Recorded facts the clocks will use; they do not change the case's status.
      break;
  }
}
