import { ladderShape, obligationLabel } from '../core/obligation-catalogue';
import { ladderSteps } from '../core/ladder';
import type { CaseWorkflowInput, ImportedHistory, ObligationKind } from '../core/case-contract';
import { applyEvent, initialCaseState, isOpen, planActivity, type CaseState } from './case-state';

/**
 * The first state of a case brought in by a CSV import: a new case's state with the imported
 * history applied at the import's instant. Every clock counts from the recorded dates (a
 * reassessment from the last assessment, a referral's from its sending), but a step whose time had
 * already passed at the import is recorded as skipped instead of sent: what was overdue then is
 * told once, in the case manager's catch-up digest, and the ladder goes on from there.
 * Pure and deterministic, like every state transition of the workflow.
 */
export function importedCaseState(input: CaseWorkflowInput, history: ImportedHistory): CaseState {
  const state = initialCaseState(input);
  const now = Date.parse(history.importedAt);
  // Historical facts: nobody is told of them again (no news, no provider email).
  for (const event of history.events) applyEvent(state, event, now);
  // What happened on the plan before the import is not on record: the stalled-plan window starts
  // at the import, as if the import were the plan's latest activity.
  if (state.status === 'active') planActivity(state, now, now);
  for (const o of state.obligations) {
    if (!isOpen(o)) continue;
    for (const step of ladderSteps(
      o.dueAt,
      state.policy.ladder,
      o.openedAt,
      ladderShape(o.kind, state.policy),
    )) {
      if (step.at > now) continue;
      o.skipped.push(step.id);
      state.decisions.push({
        key: `${o.id}/skipped/${step.id}/${o.dueAt}`,
        at: now,
        obligationId: o.id,
        obligationKind: o.kind,
        what: 'skipped',
        detail: `${step.kind.replace(/_/g, ' ')} not sent: its time passed before the case was imported (in the catch-up digest)`,
        dueAt: o.dueAt,
      });
    }
  }
  return state;
}

/** An obligation already overdue when its case was imported: one line of the catch-up digest. */
export interface OverdueAtImport {
  obligationId: string;
  kind: ObligationKind;
  subjectId?: string;
  dueAt: string;
  label: string;
}

export function overdueAtImport(state: CaseState, history: ImportedHistory): OverdueAtImport[] {
  const now = Date.parse(history.importedAt);
  return state.obligations
    .filter((o) => isOpen(o) && o.dueAt <= now)
    .map((o) => ({
      obligationId: o.id,
      kind: o.kind,
      ...(o.subjectId === undefined ? {} : { subjectId: o.subjectId }),
      dueAt: new Date(o.dueAt).toISOString(),
      label: obligationLabel(o.kind),
    }));
}
