import type { SearchAttributeUpdatePair } from '@temporalio/common';
import { setCurrentDetails, upsertSearchAttributes } from '@temporalio/workflow';
import { obligationLabel } from '../core/obligation-catalogue';
import type { CaseSchedule, CaseWorkflowInput } from '../core/case-contract';
import { projectCaseSchedule, projectCaseScheduleLocally, titled, titledLocal } from './case-activities';
import { clockOf, escalationRulesOf } from '../core/case-schedule';
import { isOpen, runsWhileClosing, type CaseState } from './case-state';
import { PATCHES } from './patches';
import type { InForce } from './patch-gate';
import { SA } from './search-attributes';

const iso = (ms: number): string => new Date(ms).toISOString();

/**
 * What the case row, its search attributes and the UI's current details show of the workflow,
 * and the writing of it: after every change, skipping what is unchanged.
 */
export interface CaseProjector {
  /** The projection as it stands (the intake check sends it without decisions). */
  projection(): CaseProjection;
  /**
   * For runs started with `lookWritesProjection`: upserts the first search attributes (with `constant`, the ones
   * that never change) and details, and gives the whole first projection for the intake look to
   * write; `written()` once the look found the row, so the first `project()` has nothing to write.
   */
  firstWrite(constant: SearchAttributeUpdatePair[]): { projection: CaseProjection; written(): void };
  /** Writes what changed since the last write (search attributes, details, the case row). */
  project(): Promise<void>;
  /** Has the case row caught up with everything the workflow knows? (For queries: never in history.) */
  upToDate(): boolean;
}

export type CaseProjection = ReturnType<typeof projectionOf>;

function projectionOf(caseId: string, state: CaseState, s: CaseSchedule, withClocks = false) {
  return {
    caseId,
    version: s.version,
    status: state.status,
    nextDueAt: s.next?.at ?? null,
    nextDueKind: s.next ? `${s.next.obligationKind}:${s.next.step}` : null,
    overdueCount: s.overdueCount,
    escalationLevel: s.escalationLevel,
    decisions: state.decisions.map(({ dueAt, ...d }) => ({
      ...d,
      at: iso(d.at),
      ...(dueAt === undefined ? {} : { dueAt: iso(dueAt) }),
    })),
    obligations: openObligations(state, withClocks),
    // Constant for the case; only cases that have one send it (older projections stay as they were).
    ...(state.releaseOffsetMinutes ? { releaseOffsetMinutes: state.releaseOffsetMinutes } : {}),
    // Constant for the run (decided at its start), so it never makes a projection differ from the last.
    escalationRules: escalationRulesOf(state),
  };
}

/**
 * What the case owes now, with the due times this workflow derived: lists read them from the record.
 * With its clock too on cases past patch 'obligation-clocks-projected' (the policy preview reads it).
 */
function openObligations(state: CaseState, withClocks: boolean) {
  return state.obligations.filter(isOpen).map((o) => ({
    id: o.id,
    kind: o.kind,
    ...(o.subjectId === undefined ? {} : { subjectId: o.subjectId }),
    dueAt: iso(o.dueAt),
    running: state.status !== 'on_hold' && runsWhileClosing(state, o),
    escalationLevel: o.escalation?.level ?? 0,
    acknowledged: o.escalation?.acknowledgedAt !== undefined,
    ...(withClocks ? { clock: clockOf(o) } : {}),
    ...(o.assigneeId === undefined ? {} : { assigneeId: o.assigneeId }),
  }));
}

export function createProjector(
  input: CaseWorkflowInput,
  state: CaseState,
  schedule: () => CaseSchedule,
  inForce: InForce,
): CaseProjector {
  /** The fingerprint of what was last written; '' until the first write. */
  let lastProjected = '';
  /** Whether the parties count in the fingerprint: decided by patch in the workflow, read by the query. */
  let partiesProjected = false;
  /** Whether the open obligations count in it too (a due time moved, one opened or was met). */
  let obligationsProjected = false;
  /** Whether they carry their clocks (so a step sent or skipped alone re-projects too). */
  let clocksProjected = false;
  /** The search attributes as last upserted; '' until the first upsert of this run. */
  let lastAttributes = '';
  const fingerprintOf = ({
    obligations,
    ...visible
  }: Omit<CaseProjection, 'version' | 'decisions'>): string =>
    JSON.stringify({
      ...visible,
      ...(partiesProjected ? { parties: [state.caseManagerId, state.supervisorId, state.riskLevel] } : {}),
      ...(obligationsProjected ? { obligations } : {}),
    });
  const projection = (): CaseProjection => projectionOf(input.caseId, state, schedule(), clocksProjected);
  const decideWhatCounts = (): void => {
    // Cases started before the patch re-project only when the schedule changes, as they did.
    partiesProjected = inForce(PATCHES.partiesProjected);
    obligationsProjected = inForce(PATCHES.obligationsProjected);
    // Asked before the projection is taken (it decides whether clocks are in it); reading state
    // issues no command, so the markers keep their place among the commands.
    clocksProjected = obligationsProjected && inForce(PATCHES.obligationClocksProjected);
  };
  const fingerprintOfProjection = ({
    version: _version,
    decisions: _decisions,
    ...visible
  }: CaseProjection) => fingerprintOf(visible);

  return {
    projection,
    firstWrite(constant) {
      decideWhatCounts();
      const s = schedule();
      const p = projectionOf(input.caseId, state, s, clocksProjected);
      const attributes = searchAttributesOf(state, s);
      upsertSearchAttributes([...constant, ...attributes]);
      setCurrentDetails(describe(s));
      return {
        projection: p,
        written() {
          // Written: the timeline has them, and the row shows this much.
          state.decisions.splice(0, p.decisions.length);
          lastProjected = fingerprintOfProjection(p);
          lastAttributes = JSON.stringify(attributes);
        },
      };
    },
    upToDate() {
      const p = projection();
      return p.decisions.length === 0 && fingerprintOfProjection(p) === lastProjected;
    },
    async project() {
      decideWhatCounts();
      const p = projection();
      const { decisions } = p;
      const fingerprint = fingerprintOfProjection(p);
      if (fingerprint === lastProjected && decisions.length === 0) return;
      const s = schedule();
      const local = inForce(PATCHES.localProjection);
      const attributes = searchAttributesOf(state, s);
      const attributesFingerprint = JSON.stringify(attributes);
      // Since 'local-projection', search attributes that did not change are not upserted again.
      if (!local || attributesFingerprint !== lastAttributes) upsertSearchAttributes(attributes);
      lastAttributes = attributesFingerprint;
      setCurrentDetails(describe(s));
      const nextDue = s.next ? `next step ${s.next.at.slice(0, 10)}` : 'nothing pending';
      const summary = `Record schedule — ${state.status}, ${nextDue}`;
      if (local) await projectCaseScheduleLocally.executeWithOptions(titledLocal(summary), [p]);
      else await projectCaseSchedule.executeWithOptions(titled(summary), [p]);
      // Written: the timeline has them now.
      state.decisions.splice(0, decisions.length);
      lastProjected = fingerprint;
    },
  };
}

/** The case's search attributes: what Temporal's own lists filter and sort by. */
function searchAttributesOf(state: CaseState, s: CaseSchedule) {
  return [
    { key: SA.CaseStatus, value: state.status },
    { key: SA.CaseManagerId, value: state.caseManagerId },
    { key: SA.SupervisorId, value: state.supervisorId },
    { key: SA.RiskLevel, value: state.riskLevel },
    { key: SA.OnHold, value: state.status === 'on_hold' },
    { key: SA.NextDueAt, value: s.next ? new Date(s.next.at) : null },
    { key: SA.OverdueCount, value: s.overdueCount },
    { key: SA.EscalationLevel, value: s.escalationLevel },
  ];
}

/** The workflow's current details in the Temporal UI: what it waits on, without client data. */
function describe(s: CaseSchedule): string {
  const open = s.obligations.filter((o) => o.metAt === undefined);
  const lines = [`**Status:** ${s.status}`, '', '**Waiting on**'];
  if (open.length === 0) lines.push('- nothing');
  for (const o of open) {
    const escalated = o.escalationLevel
      ? ` — escalated to level ${o.escalationLevel}${o.acknowledged ? ' (acknowledged)' : ''}`
      : '';
    lines.push(
      `- ${obligationLabel(o.kind)}${o.subjectId ? ` (${o.subjectId})` : ''} — due ${o.dueAt}${o.overdue ? ' — OVERDUE' : ''}${escalated}`,
    );
  }
  if (s.next)
    lines.push(
      '',
      `**Next:** ${s.next.step.replace(/_/g, ' ')} for ${s.next.obligationId} to ${s.next.to} at ${s.next.at}`,
    );
  return lines.join('\n');
}
