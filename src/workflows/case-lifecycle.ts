import {
  allHandlersFinished,
  condition,
  continueAsNew,
  log,
  patched,
  sleep,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import { obligationSpec, stepSummary } from '../core/obligation-catalogue';
import type { CaseSchedule, CaseWorkflowInput } from '../core/case-contract';
import {
  projectCaseSchedule,
  projectCaseScheduleLocally,
  queueImportCatchUp,
  sendAppointmentInvite,
  sendCaseNews,
  sendCaseNotification,
  reminderSend,
  titled,
  titledLocal,
} from './case-activities';
import { reminderDone } from './appointment-transitions';
import { consentSkipDecision } from './case-consent';
import { registerCaseHandlers } from './case-handlers';
import { createProjector, type CaseProjector } from './case-projection';
import { CASE_STATE_OPS, initialCaseState, isOpen, type CaseState } from './case-state';
import { importedCaseState, overdueAtImport } from './imported-case';
import { caseLifecycleV1 } from './legacy/case-lifecycle-v1';
import { PATCHES } from './patches';
import { patchesInForce, type InForce } from './patch-gate';
import {
  buildSchedule,
  nextStep,
  recipientId,
  recordStepSent,
  recordSuperseded,
  supersedingStep,
  type PlannedStep,
} from './schedule';
import { SA } from './search-attributes';
import { createStepAlarm, type StepAlarm } from './step-alarm';

export { PATCHES } from './patches';

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

/**
 * The case's story: find the record intake wrote, then, until the case closes, write what changed,
 * wait for the next step of whatever is owed (or for a message that changes it), and send it.
 *
 * "Something changed" has one meaning: `state.version` moved. Messages move it (and so wake the
 * wait); a step sent moves it too, before the next turn reads it.
 */
async function caseClocks(input: CaseWorkflowInput): Promise<{ outcome: 'closed' | 'abandoned' }> {
  const state: CaseState =
    (input.carried as CaseState | undefined) ??
    (input.imported ? importedCaseState(input, input.imported) : initialCaseState(input));
  const schedule = (): CaseSchedule => buildSchedule(input.caseId, state, Date.now(), state.version);
  const inForce = patchesInForce();
  // Decided at the run's start (the patch is asked there); a carried state takes this run's answer.
  if (inForce(PATCHES.escalationPassesDoer)) state.escalationPassesDoer = true;
  if (inForce(PATCHES.noEscalationToDoer)) state.noEscalationToDoer = true;
  const projector = createProjector(input, state, schedule, inForce);
  // Handlers first, so no message that arrives with the first task is dropped.
  registerCaseHandlers(state, {
    inForce,
    schedule,
    // Settled only when nothing is left to write: the projection, and any news email still queued.
    upToDate: () => projector.upToDate() && !state.news?.length && !state.invites?.length,
    changed: () => {
      state.version++;
    },
  });

  if (!input.carried && !(await intakeRecorded(input, projector, inForce))) return { outcome: 'abandoned' };
  // An imported case's overdue work goes into one catch-up digest, not a burst of reminders.
  if (!input.carried && input.imported) await queuedCatchUp(input, input.imported, state);
  const alarm = createStepAlarm();

  for (;;) {
    const seen = state.version;
    const changedSince = (): boolean => state.version !== seen;
    await projector.project();
    // A message arrived while projecting: project again before deciding what to wait for.
    if (changedSince()) continue;
    // News of a request or decision leaves first, even before the case closes (only cases that
    // queue news do anything here: patch 'decisions-told').
    if (await toldNews(input, state)) continue;
    // Appointment invitations likewise (only cases with appointments queue any).
    if (await sentInvite(input, state)) continue;
    if (state.status === 'closed') return closeOut(projector);
    if (await continuedAsNewIfLong(input, state, changedSince)) continue;
    // On hold, nothing goes out until the case resumes.
    const next = state.status === 'on_hold' ? undefined : nextStep(state, Date.now());
    // Skipped reminders are decisions too: write them before waiting.
    if (state.decisions.length > 0) continue;
    if (!next) {
      // A timer kept for a step that is no longer owed goes (only cases past 'kept-step-timer' keep one).
      alarm.clear();
      await condition(changedSince);
      continue;
    }
    if (await interruptedWaitingFor(next, changedSince, alarm, inForce)) continue;
    // Re-check: the obligation may have been met while the timer ran, or a later step superseded it.
    if (!isOpen(next.obligation)) continue;
    if (inForce(PATCHES.newestStepAfterWake) && !stillNext(next, nextStep(state, Date.now()))) continue;
    await sendStep(input, state, next);
  }
}

/**
 * Generation-2 cases started inside the intake transaction, so the first look could come before the
 * commit: wait for the row (about two minutes in all) and only then conclude it rolled back. Since
 * the case change log, intake commits first and the record is there at once.
 */
async function intakeRecorded(
  input: CaseWorkflowInput,
  projector: CaseProjector,
  inForce: InForce,
): Promise<boolean> {
  const constant = [
    { key: SA.CaseId, value: input.caseId },
    { key: SA.Program, value: input.programId },
  ];
  // Runs started with `lookWritesProjection` write the whole first projection in the look; older
  // runs wrote a partial one (no clocks, no decisions), and their first turn wrote it all again.
  const first = input.lookWritesProjection ? projector.firstWrite(constant) : undefined;
  if (!first) upsertSearchAttributes(constant);
  const local = inForce(PATCHES.localIntakeLook);
  const summary = 'Find the case record from intake';
  const lookForRecord = async (): Promise<boolean> => {
    const look = first?.projection ?? { ...projector.projection(), decisions: [] };
    const answer = local
      ? await projectCaseScheduleLocally.executeWithOptions(titledLocal(summary), [look])
      : await projectCaseSchedule.executeWithOptions(titled(summary), [look]);
    if (answer.found) first?.written();
    return answer.found;
  };
  let found = await lookForRecord();
  for (let attempt = 0; !found && attempt < 8; attempt++) {
    await sleep(Math.min(1000 * 2 ** attempt, 30_000), { summary: 'Waiting for the intake to commit' });
    found = await lookForRecord();
  }
  if (!found)
    log.warn('Case record not found; the intake never committed; ending workflow', { caseId: input.caseId });
  return found;
}

/** Queues the imported case's overdue obligations for its case manager's next digest (none: no call). */
async function queuedCatchUp(
  input: CaseWorkflowInput,
  history: NonNullable<CaseWorkflowInput['imported']>,
  state: CaseState,
): Promise<void> {
  const items = overdueAtImport(state, history);
  if (items.length === 0) return;
  await queueImportCatchUp.executeWithOptions(titled('Queue the overdue work for the catch-up digest'), [
    { caseId: input.caseId, items },
  ]);
}

/** Closing ends every clock; in-flight update handlers reply before the run completes. */
async function closeOut(projector: CaseProjector): Promise<{ outcome: 'closed' }> {
  await condition(allHandlersFinished);
  await projector.project();
  return { outcome: 'closed' };
}

/** Before the history grows long, the run hands its whole state to a new run (after handlers finish). */
async function continuedAsNewIfLong(
  input: CaseWorkflowInput,
  state: CaseState,
  changedSince: () => boolean,
): Promise<boolean> {
  const info = workflowInfo();
  if (!info.continueAsNewSuggested && info.historyLength <= MAX_EVENTS_PER_RUN) return false;
  await condition(allHandlersFinished);
  // A message came in meanwhile: the caller goes round again and comes back here.
  if (changedSince()) return true;
  return continueAsNew<typeof caseLifecycle>({ ...input, carried: compact(state) });
}

/**
 * Waits for the step's time; true when a message changed what is due first. Since 'kept-step-timer'
 * the timer outlives a message that leaves this step next, instead of being cancelled and restarted.
 */
async function interruptedWaitingFor(
  next: PlannedStep,
  changedSince: () => boolean,
  alarm: StepAlarm,
  inForce: InForce,
): Promise<boolean> {
  const wait = next.sendAt - Date.now();
  const summary = `${stepLabel(next)} — due ${iso(next.obligation.dueAt).slice(0, 10)}`;
  if (!inForce(PATCHES.keptStepTimer)) return wait > 0 && (await condition(changedSince, wait, { summary }));
  const key = `${next.obligation.id}/${next.id}/${next.sendAt}`;
  // Due already and no timer of its own running: it goes now (any other timer is for a step no longer next).
  if (wait <= 0 && !alarm.runningFor(key)) {
    alarm.clear();
    return false;
  }
  return alarm.wait(key, next.sendAt, summary, changedSince);
}

/** Sends one ladder step (exactly once, by its notification key) and raises the escalation it is. */
async function sendStep(input: CaseWorkflowInput, state: CaseState, step: PlannedStep): Promise<void> {
  const o = step.obligation;
  recordStepSent(step);
  state.version++;
  const staffId = recipientId(state, step.to, o);
  if (step.to !== 'provider' && step.to !== 'client' && !staffId) {
    log.warn('No recipient for ladder step', { obligationId: o.id, step: step.id, to: step.to });
    return;
  }
  const later = supersedingStep(state, step);
  const result = await sendCaseNotification.executeWithOptions(
    reminderSend(`Send ${stepLabel(step)} to ${step.to}`),
    [
      {
        ...(later ? { supersededAt: iso(later.sendAt), supersededBy: later.kind } : {}),
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
  // Its successor was due by the time the send ran (this task's clock was old: the worker had been
  // paused): skipped, as nextStep would have had it, and the loop sends the successor.
  if (result.status === 'superseded') return recordSuperseded(state, step, result.by, Date.now());
  // The record no longer allows writing to the provider (consent withdrawn): the timeline says so.
  if (step.kind === 'provider_follow_up' && result.status === 'not_needed')
    state.decisions.push(consentSkipDecision(o, Date.now(), result.reason, 'follow-up'));
  // A reminder that is its obligation's whole work (appointments) ends it, sent or not needed.
  if (obligationSpec(o.kind).metWhenReminded) {
    reminderDone(
      state,
      o,
      step.id,
      result.status === 'not_needed' ? result.reason : undefined,
      Date.now(),
      CASE_STATE_OPS,
    );
  }
  if (result.status === 'failed' || result.status === 'no_recipient')
    log.warn('Notification not delivered', {
      caseId: input.caseId,
      obligationId: o.id,
      step: step.id,
      result,
    });
}

/** Tells the oldest piece of queued news by one email (exactly once, by its key); false when none waits. */
async function toldNews(input: CaseWorkflowInput, state: CaseState): Promise<boolean> {
  const news = state.news?.[0];
  if (!news) return false;
  const result = await sendCaseNews.executeWithOptions(
    titled(`Tell the ${news.to.replace('_', ' ')}: ${news.what.replace('_', ' ')}`),
    [{ caseId: input.caseId, ...news }],
  );
  state.news?.shift();
  const response = state.obligations.find((o) => o.id === `referral-response-${news.referralId}`);
  if (news.what === 'referral_sent' && result.status === 'not_needed' && response)
    state.decisions.push(consentSkipDecision(response, Date.now(), result.reason, 'referral email'));
  if (result.status === 'failed' || result.status === 'no_recipient')
    log.warn('News not delivered', { caseId: input.caseId, what: news.what, result });
  return true;
}

/** Sends the oldest queued appointment invitation or cancellation (exactly once per attendee, by its key). */
async function sentInvite(input: CaseWorkflowInput, state: CaseState): Promise<boolean> {
  const invite = state.invites?.[0];
  if (!invite) return false;
  await sendAppointmentInvite.executeWithOptions(
    titled(`Send the appointment's calendar invitation (sequence ${invite.sequence})`),
    [{ caseId: input.caseId, ...invite, scheduledFor: iso(Date.now()) }],
  );
  state.invites?.shift();
  return true;
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
