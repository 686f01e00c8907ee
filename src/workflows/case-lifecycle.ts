import {
  allHandlersFinished,
  ApplicationFailure,
  type ActivityOptions,
  condition,
  continueAsNew,
  log,
  patched,
  proxyActivities,
  setCurrentDetails,
  setHandler,
  sleep,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { createActivities } from '../activities';
import { escalationLevelOf, obligationLabel, stepSummary } from '../core/obligation-catalogue';
import {
  alreadyApplied,
  applyEvent,
  checkEvent,
  EventRefused,
  initialCaseState,
  isOpen,
  rederive,
  type CaseState,
} from './case-state';
import { caseLifecycleV1 } from './legacy/case-lifecycle-v1';
import {
  acknowledgeEscalationUpdate,
  caseEventUpdate,
  caseFactsQuery,
  policyChangedSignal,
  scheduleQuery,
} from './messages';
import { buildSchedule, nextStep, recipientId, type PlannedStep } from './schedule';
import { SA } from './search-attributes';
import type { CaseDelivery, CaseEvent, CaseSchedule, CaseWorkflowInput } from '../core/case-contract';

type Activities = ReturnType<typeof createActivities>;

const ACTIVITY_OPTIONS: ActivityOptions = {
  startToCloseTimeout: '1 minute',
  // Transient failures (SMTP or database down) retry until they succeed: a reminder is never lost.
  retry: { initialInterval: '2 seconds', backoffCoefficient: 2, maximumInterval: '5 minutes' },
};
const { sendCaseNotification, projectCaseSchedule } = proxyActivities<Activities>(ACTIVITY_OPTIONS);
/** An activity call with a summary, so the UI's timeline reads as the case's story. */
const titled = (summary: string): ActivityOptions => ({ ...ACTIVITY_OPTIONS, summary });

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
} as const;

/**
 * A run continues as new after this many events even if the server has not suggested it yet,
 * keeping every run far below the 10,000-event target whatever the case's activity.
 */
export const MAX_EVENTS_PER_RUN = 1_000;

const iso = (ms: number): string => new Date(ms).toISOString();

/** One durable workflow per case, from intake to closure: it owns the case's clocks. */
export async function caseLifecycle(input: CaseWorkflowInput): Promise<{ outcome: 'closed' | 'abandoned' }> {
  // Cases started by generation 1 keep running generation 1's code; new runs take the v2 clocks.
  if (!patched(PATCHES.clocksV2)) return caseLifecycleV1(input);
  return caseClocks(input);
}

async function caseClocks(input: CaseWorkflowInput): Promise<{ outcome: 'closed' | 'abandoned' }> {
  const state: CaseState = (input.carried as CaseState | undefined) ?? initialCaseState(input);
  // Bumped by every message that can change what is due, to wake the main loop.
  let changes = 0;
  const changed = (): void => {
    changes++;
    state.version++;
  };
  const schedule = (): CaseSchedule => buildSchedule(input.caseId, state, Date.now(), state.version);
  /** The fingerprint of what was last written to the case row and search attributes; '' until the first. */
  let lastProjected = '';
  /** Whether the parties count in the fingerprint: decided by patch in the workflow, read by the query. */
  let partiesProjected = false;
  const fingerprintOf = (visible: object): string =>
    JSON.stringify(
      partiesProjected
        ? { ...visible, parties: [state.caseManagerId, state.supervisorId, state.riskLevel] }
        : visible,
    );
  /** Has the case row caught up with everything the workflow knows? (Queries only: never in history.) */
  const projected = (): boolean => {
    const { version: _version, decisions, ...visible } = projection();
    return decisions.length === 0 && fingerprintOf(visible) === lastProjected;
  };

  // Handlers first, so no message that arrives with the first task is dropped.
  setHandler(scheduleQuery, () => ({ ...schedule(), projected: projected() }));
  setHandler(caseFactsQuery, () => ({
    status: state.status,
    caseManagerId: state.caseManagerId,
    supervisorId: state.supervisorId,
    programManagerId: state.programManagerId ?? null,
    onHold: state.status === 'on_hold',
    policyVersion: state.policyVersion,
    openObligations: state.obligations.filter(isOpen).map((o) => ({
      id: o.id,
      kind: o.kind,
      ...(o.subjectId === undefined ? {} : { subjectId: o.subjectId }),
    })),
  }));
  setHandler(
    caseEventUpdate,
    (event, delivery?: CaseDelivery) => {
      if (alreadyApplied(state, delivery)) return schedule();
      applyEvent(state, event, Date.now(), {
        // Asked only where generations differ, so older cases replay exactly as they ran.
        closurePausesClocks: event.type === 'closure_requested' && patched(PATCHES.closurePausesClocks),
      });
      if (delivery) state.appliedChange = delivery.change;
      changed();
      return schedule();
    },
    {
      validator: (event: CaseEvent, delivery?: CaseDelivery) => {
        // A repeat is answered, never refused: the first delivery already passed these checks.
        if (alreadyApplied(state, delivery)) return;
        try {
          checkEvent(state, event);
        } catch (err) {
          if (err instanceof EventRefused) throw ApplicationFailure.nonRetryable(err.message, 'EventRefused');
          throw err;
        }
      },
    },
  );
  // A program's policy change reaches the case the moment this signal arrives: due times of open
  // obligations are re-derived from their anchors; steps already sent are not resent.
  setHandler(policyChangedSignal, ({ policy, version, changeId, calendar }) => {
    // Ignore older versions and repeats; the same version with a new changeId replaces a rolled-back one.
    if (
      version < state.policyVersion ||
      (version === state.policyVersion && changeId === state.policyChangeId)
    )
      return;
    state.policy = policy;
    state.policyVersion = version;
    state.policyChangeId = changeId;
    if (calendar) state.calendar = calendar;
    rederive(state, Date.now(), `policy version ${version}`);
    changed();
  });
  setHandler(
    acknowledgeEscalationUpdate,
    ({ obligationId, staffId }, delivery?: CaseDelivery) => {
      if (alreadyApplied(state, delivery)) return schedule();
      if (delivery) state.appliedChange = delivery.change;
      const o = state.obligations.find((x) => x.id === obligationId);
      if (o?.escalation && o.escalation.acknowledgedAt === undefined) {
        o.escalation.acknowledgedAt = Date.now();
        o.escalation.acknowledgedBy = staffId;
        state.decisions.push({
          key: `${o.id}/acknowledged/${o.escalation.level}`,
          at: Date.now(),
          obligationId: o.id,
          obligationKind: o.kind,
          what: 'acknowledged',
          detail: `level ${o.escalation.level} escalation acknowledged by staff ${staffId}`,
        });
        changed();
      }
      return schedule();
    },
    {
      validator: ({ obligationId }, delivery?: CaseDelivery) => {
        if (alreadyApplied(state, delivery)) return;
        if (!state.obligations.find((o) => o.id === obligationId)?.escalation) {
          throw ApplicationFailure.nonRetryable(`No escalation is open for ${obligationId}.`, 'NotFound');
        }
      },
    },
  );

  function projection() {
    const s = schedule();
    return {
      caseId: input.caseId,
      version: s.version,
      status: state.status,
      nextDueAt: s.next?.at ?? null,
      nextDueKind: s.next ? `${s.next.obligationKind}:${s.next.step}` : null,
      overdueCount: s.overdueCount,
      escalationLevel: s.escalationLevel,
      decisions: state.decisions.map((d) => ({ ...d, at: iso(d.at) })),
    };
  }

  if (!input.carried) {
    upsertSearchAttributes([
      { key: SA.CaseId, value: input.caseId },
      { key: SA.Program, value: input.programId },
    ]);
    // The workflow starts inside the intake transaction, so its first look may come before the
    // commit: wait for the row (about two minutes in all) and only then conclude it rolled back.
    const lookForRecord = async (): Promise<boolean> =>
      (
        await projectCaseSchedule.executeWithOptions(titled('Find the case record from intake'), [
          { ...projection(), decisions: [] },
        ])
      ).found;
    let found = await lookForRecord();
    for (let attempt = 0; !found && attempt < 8; attempt++) {
      await sleep(Math.min(1000 * 2 ** attempt, 30_000), { summary: 'Waiting for the intake to commit' });
      found = await lookForRecord();
    }
    if (!found) {
      log.warn('Case record not found; the intake never committed; ending workflow', {
        caseId: input.caseId,
      });
      return { outcome: 'abandoned' };
    }
  }

  /** Search attributes, UI details and the case row follow every change; unchanged ones are not rewritten. */
  const project = async (): Promise<void> => {
    const p = projection();
    const { version: _version, decisions, ...visible } = p;
    // Cases started before the patch re-project only when the schedule changes, as they did.
    partiesProjected = patched(PATCHES.partiesProjected);
    const fingerprint = fingerprintOf(visible);
    if (fingerprint === lastProjected && decisions.length === 0) return;
    const s = schedule();
    upsertSearchAttributes([
      { key: SA.CaseStatus, value: state.status },
      { key: SA.CaseManagerId, value: state.caseManagerId },
      { key: SA.SupervisorId, value: state.supervisorId },
      { key: SA.RiskLevel, value: state.riskLevel },
      { key: SA.OnHold, value: state.status === 'on_hold' },
      { key: SA.NextDueAt, value: s.next ? new Date(s.next.at) : null },
      { key: SA.OverdueCount, value: s.overdueCount },
      { key: SA.EscalationLevel, value: s.escalationLevel },
    ]);
    setCurrentDetails(describe(s));
    const nextDue = s.next ? `next step ${s.next.at.slice(0, 10)}` : 'nothing pending';
    await projectCaseSchedule.executeWithOptions(titled(`Record schedule — ${state.status}, ${nextDue}`), [
      p,
    ]);
    // Written: the timeline has them now.
    state.decisions.splice(0, decisions.length);
    lastProjected = fingerprint;
  };

  const fire = async (step: PlannedStep): Promise<void> => {
    const o = step.obligation;
    o.sent.push(step.id);
    state.version++;
    const level = escalationLevelOf(step.kind);
    if (level === 1) o.escalation = { level, raisedAt: step.sendAt };
    if (level === 2) o.escalation = { ...(o.escalation ?? { raisedAt: step.sendAt }), level };
    const staffId = recipientId(state, step.to);
    if (step.to !== 'provider' && !staffId) {
      log.warn('No recipient for ladder step', { obligationId: o.id, step: step.id, to: step.to });
      return;
    }
    const result = await sendCaseNotification.executeWithOptions(
      titled(`Send ${stepLabel(step)} to ${step.to}`),
      [
        {
          caseId: input.caseId,
          obligationId: o.id,
          obligationKind: o.kind,
          ...(o.subjectId === undefined ? {} : { subjectId: o.subjectId }),
          step: step.kind,
          stepId: step.id,
          n: step.n,
          dueAt: iso(o.dueAt),
          scheduledFor: iso(step.sendAt),
          recipient: step.to,
          recipientStaffId: staffId ?? '',
        },
      ],
    );
    if (result.status === 'failed' || result.status === 'no_recipient')
      log.warn('Notification not delivered', {
        caseId: input.caseId,
        obligationId: o.id,
        step: step.id,
        result,
      });
  };

  for (;;) {
    const seen = changes;
    await project();
    // A message arrived while projecting: project again before deciding what to wait for.
    if (changes !== seen) continue;
    if (state.status === 'closed') {
      // Closing ends every clock; let in-flight update handlers reply before completing.
      await condition(allHandlersFinished);
      await project();
      return { outcome: 'closed' };
    }
    const info = workflowInfo();
    if (info.continueAsNewSuggested || info.historyLength > MAX_EVENTS_PER_RUN) {
      await condition(allHandlersFinished);
      if (changes !== seen) continue;
      await continueAsNew<typeof caseLifecycle>({ ...input, carried: compact(state) });
    }
    // On hold, nothing goes out until the case resumes.
    const next = state.status === 'on_hold' ? undefined : nextStep(state, Date.now());
    // Skipped reminders are decisions too: write them before waiting.
    if (state.decisions.length > 0) continue;
    if (!next) {
      await condition(() => changes !== seen);
      continue;
    }
    const wait = next.sendAt - Date.now();
    const interrupted =
      wait > 0 &&
      (await condition(() => changes !== seen, wait, {
        summary: `${stepLabel(next)} — due ${iso(next.obligation.dueAt).slice(0, 10)}`,
      }));
    // Re-check: the obligation may have been met while the timer ran.
    if (!interrupted && isOpen(next.obligation)) {
      if (patched(PATCHES.newestStepAfterWake) && !stillNext(next, nextStep(state, Date.now()))) continue;
      await fire(next);
    }
  }
}

/**
 * Is the step a timer waited for still the one to send on waking? Not when the worker was away past
 * a later step of the same obligation (that one goes, this one is recorded as skipped), nor when
 * quiet hours now hold it.
 */
function stillNext(waited: PlannedStep, now: PlannedStep | undefined): boolean {
  return (
    now !== undefined &&
    now.id === waited.id &&
    now.obligation.id === waited.obligation.id &&
    now.sendAt <= Date.now()
  );
}

/** What the next run needs: open obligations and counters; met ones already live in the records. */
function compact(state: CaseState): CaseState {
  return { ...state, obligations: state.obligations.filter(isOpen) };
}

/** "Plan activity overdue reminder 2": summaries name steps as the catalogue does. */
function stepLabel(step: PlannedStep): string {
  return stepSummary(step.obligation.kind, step.kind, step.n);
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
