/**
 * FROZEN: generation 1 of the case workflow (released 2026-11-22), kept byte-for-byte in behaviour so
 * that cases started before the `case-clocks-v2` patch replay exactly as they ran. Never edit the
 * logic here; test/histories/recorded/v1-*.json proves it. Delete once no v1 case is running.
 *
 * Self-contained: it imports the SDK and the files beside it (v1-contract, v1-duration), nothing
 * live; lint enforces that (eslint.config.mjs).
 */
import {
  allHandlersFinished,
  ApplicationFailure,
  condition,
  log,
  proxyActivities,
  setHandler,
  sleep,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import { addDuration, parseDuration } from './v1-duration';
import {
  acknowledgeEscalationUpdate,
  caseEventUpdate,
  policyChangedSignal,
  SA,
  scheduleQuery,
  type Activities,
  type CaseEvent,
  type CaseSchedule,
  type CaseStatus,
  type CaseWorkflowInput,
  type LadderPolicy,
  type LadderStepKind,
  type ObligationKind,
  type Recipient,
  type RiskLevel,
  type ScheduledStep,
} from './v1-contract';

interface Obligation {
  id: string;
  kind: ObligationKind;
  /** When the obligation came into being (heads-ups never precede it). */
  openedAt: number;
  /** Anchor + policy duration + time spent on hold: always re-derivable, never accumulated from reminders. */
  dueAt: number;
  /** Total time the case spent on hold while this obligation was open. */
  pausedMs: number;
  metAt?: number;
  /** Ladder step ids already sent, or skipped because a later step superseded them. */
  sent: string[];
  skipped: string[];
  escalation?: { level: 1 | 2; raisedAt: number; acknowledgedAt?: number; acknowledgedBy?: string };
}

interface LadderStep {
  kind: LadderStepKind;
  /** 1-based repeat number for overdue steps, 0 otherwise. */
  n: number;
  at: number;
  /** Stable within the obligation: part of the notification's exactly-once key. */
  id: string;
}

function multiplyDuration(text: string, factor: number): string {
  const d = parseDuration(text);
  const part = (value: number, unit: string): string => (value * factor ? `${value * factor}${unit}` : '');
  const date = part(d.years, 'Y') + part(d.months, 'M') + part(d.weeks, 'W') + part(d.days, 'D');
  const time = part(d.hours, 'H') + part(d.minutes, 'M') + part(d.seconds, 'S');
  if (!date && !time) return 'PT0S';
  return `P${date}${time ? `T${time}` : ''}`;
}

/**
 * Every step before the program-manager escalation, in time order. `notBefore` drops a heads-up
 * that would land before the obligation even existed.
 */
function ladderSteps(dueAt: number, ladder: LadderPolicy, notBefore = -Infinity): LadderStep[] {
  const steps: LadderStep[] = [];
  const headsUpAt = addDuration(dueAt, ladder.headsUpBefore, -1);
  if (headsUpAt > notBefore && headsUpAt < dueAt)
    steps.push({ kind: 'heads_up', n: 0, at: headsUpAt, id: 'heads_up' });
  steps.push({ kind: 'due', n: 0, at: dueAt, id: 'due' });
  for (let n = 1; n <= ladder.overdueRepeatLimit; n++) {
    steps.push({
      kind: 'overdue',
      n,
      at: addDuration(dueAt, multiplyDuration(ladder.overdueEvery, n)),
      id: `overdue_${n}`,
    });
  }
  steps.push({
    kind: 'escalate_supervisor',
    n: 0,
    at: addDuration(dueAt, ladder.escalateToSupervisorAfter),
    id: 'escalate_supervisor',
  });
  // Stable sort: at equal times the order above (reminder before escalation) holds.
  return steps.sort((a, b) => a.at - b.at);
}

/** The program manager hears of it when the supervisor's escalation sits unacknowledged. */
function programManagerEscalationAt(supervisorEscalatedAt: number, ladder: LadderPolicy): number {
  return addDuration(supervisorEscalatedAt, ladder.escalateToProgramManagerAfter);
}

interface CaseState {
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

class EventRefused extends Error {}

/** Synchronous check used by the update validator: refuse what the current state cannot take. */
function checkEvent(state: CaseState, event: CaseEvent): void {
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
function applyEvent(state: CaseState, event: CaseEvent, now: number): void {
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

const { sendCaseNotification, projectCaseSchedule } = proxyActivities<Activities>({
  startToCloseTimeout: '1 minute',
  // Transient failures (SMTP or database down) retry until they succeed: a reminder is never lost.
  retry: { initialInterval: '2 seconds', backoffCoefficient: 2, maximumInterval: '5 minutes' },
});

interface PlannedStep extends LadderStep {
  obligation: Obligation;
}

const iso = (ms: number): string => new Date(ms).toISOString();

/** Generation 1 of the case workflow, frozen: cases started before the `case-clocks-v2` patch run this. */
export async function caseLifecycleV1(
  input: CaseWorkflowInput,
): Promise<{ outcome: 'closed' | 'abandoned' }> {
  const openedAt = Date.parse(input.openedAt);
  let policy = input.policy;
  let policyVersion = input.policyVersion;
  const state: CaseState = {
    status: 'assessment',
    caseManagerId: input.caseManagerId,
    supervisorId: input.supervisorId,
    riskLevel: input.riskLevel,
    obligations: [
      {
        id: 'initial-assessment',
        kind: 'initial_assessment',
        openedAt,
        dueAt: addDuration(openedAt, policy.initialAssessmentDue),
        pausedMs: 0,
        sent: [],
        skipped: [],
      },
    ],
  };
  const obligations = state.obligations;
  // Bumped by every message that can change what is due, to wake the main loop.
  let changes = 0;

  // Answered under today's message names, with generation 1's fields only.
  const schedule = (): CaseSchedule =>
    buildSchedule(input.caseId, state.status, obligations, policy.ladder, Date.now(), changes);

  // Handlers first, so no message that arrives with the first task is dropped.
  setHandler(scheduleQuery, schedule);
  setHandler(
    caseEventUpdate,
    // Generation 1 predates delivery numbers; it takes the event and ignores the number.
    (event, _delivery?: unknown) => {
      applyEvent(state, event, Date.now());
      changes++;
      return schedule();
    },
    {
      validator: (event: CaseEvent, _delivery?: unknown) => {
        try {
          checkEvent(state, event);
        } catch (err) {
          if (err instanceof EventRefused) throw ApplicationFailure.nonRetryable(err.message, 'EventRefused');
          throw err;
        }
      },
    },
  );
  // A program's policy change reaches the case the moment this signal arrives: due times of
  // obligations still open are recomputed from their anchors; steps already sent are not resent.
  let policyChangeId = '';
  setHandler(policyChangedSignal, ({ policy: next, version, changeId }) => {
    // Ignore older versions and repeats; the same version with a new changeId replaces a rolled-back one.
    if (version < policyVersion || (version === policyVersion && changeId === policyChangeId)) return;
    policy = next;
    policyVersion = version;
    policyChangeId = changeId;
    for (const o of obligations) {
      if (o.metAt === undefined && o.kind === 'initial_assessment')
        o.dueAt = addDuration(o.openedAt, policy.initialAssessmentDue) + o.pausedMs;
    }
    changes++;
  });
  setHandler(
    acknowledgeEscalationUpdate,
    ({ obligationId, staffId }, _delivery?: unknown) => {
      const escalation = obligations.find((o) => o.id === obligationId)?.escalation;
      if (escalation && escalation.acknowledgedAt === undefined) {
        escalation.acknowledgedAt = Date.now();
        escalation.acknowledgedBy = staffId;
        changes++;
      }
      return schedule();
    },
    {
      validator: ({ obligationId }, _delivery?: unknown) => {
        if (!obligations.find((o) => o.id === obligationId)?.escalation) {
          throw ApplicationFailure.nonRetryable(`No escalation is open for ${obligationId}.`, 'NotFound');
        }
      },
    },
  );

  upsertSearchAttributes([
    { key: SA.CaseId, value: input.caseId },
    { key: SA.Program, value: input.programId },
    { key: SA.CaseManagerId, value: input.caseManagerId },
    { key: SA.SupervisorId, value: input.supervisorId },
    { key: SA.RiskLevel, value: input.riskLevel },
    { key: SA.OnHold, value: false },
  ]);

  const recipientFor = (to: Recipient): string | undefined =>
    to === 'case_manager'
      ? input.caseManagerId
      : to === 'supervisor'
        ? input.supervisorId
        : input.programManagerId;

  const caseExists = async (): Promise<boolean> => (await projectCaseSchedule(projection())).found;
  const projection = () => {
    const s = schedule();
    return {
      caseId: input.caseId,
      version: s.version,
      status: state.status,
      nextDueAt: s.next?.at ?? null,
      nextDueKind: s.next ? `${s.next.obligationKind}:${s.next.step}` : null,
      overdueCount: s.overdueCount,
      escalationLevel: s.escalationLevel,
    };
  };
  const project = async (): Promise<void> => {
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
    await projectCaseSchedule(projection());
  };

  const fire = async (step: PlannedStep): Promise<void> => {
    const to: Recipient =
      step.kind === 'escalate_supervisor'
        ? 'supervisor'
        : step.kind === 'escalate_program_manager'
          ? 'program_manager'
          : 'case_manager';
    const obligation = step.obligation;
    obligation.sent.push(step.id);
    if (step.kind === 'escalate_supervisor') obligation.escalation = { level: 1, raisedAt: step.at };
    if (step.kind === 'escalate_program_manager' && obligation.escalation) obligation.escalation.level = 2;
    const recipientStaffId = recipientFor(to);
    if (!recipientStaffId) {
      log.warn('No recipient for ladder step', { obligationId: obligation.id, step: step.id, to });
      return;
    }
    await sendCaseNotification({
      caseId: input.caseId,
      obligationId: obligation.id,
      obligationKind: obligation.kind,
      step: step.kind,
      stepId: step.id,
      n: step.n,
      dueAt: iso(obligation.dueAt),
      scheduledFor: iso(step.at),
      recipient: to,
      recipientStaffId,
    });
  };

  // The workflow starts inside the intake transaction, so its first look may come before the commit:
  // wait for the row (about two minutes in all) and only then conclude the intake rolled back.
  let found = await caseExists();
  for (let attempt = 0; !found && attempt < 8; attempt++) {
    await sleep(Math.min(1000 * 2 ** attempt, 30_000), { summary: 'Waiting for the intake to commit' });
    found = await caseExists();
  }
  if (!found) {
    log.warn('Case record not found; the intake never committed; ending workflow', { caseId: input.caseId });
    return { outcome: 'abandoned' };
  }

  for (;;) {
    const seen = changes;
    await project();
    // A message arrived while projecting: project again before deciding what to wait for.
    if (changes !== seen) continue;
    if (state.status === 'closed') {
      // Closing ends every clock; let in-flight update handlers reply before completing.
      await condition(allHandlersFinished);
      return { outcome: 'closed' };
    }
    // On hold, nothing goes out until the case resumes.
    const next = state.status === 'on_hold' ? undefined : nextStep(obligations, policy.ladder, Date.now());
    if (!next) {
      await condition(() => changes !== seen);
      continue;
    }
    const wait = next.at - Date.now();
    const interrupted =
      wait > 0 &&
      (await condition(() => changes !== seen, wait, {
        summary: `${label(next)} — due ${iso(next.obligation.dueAt).slice(0, 10)}`,
      }));
    // Re-check: the obligation may have been met while the timer ran.
    if (!interrupted && isOpen(next.obligation)) await fire(next);
    if (workflowInfo().continueAsNewSuggested)
      log.info('Continue-as-new suggested', { caseId: input.caseId });
  }
}

function isOpen(o: Obligation): boolean {
  return o.metAt === undefined;
}

function label(step: PlannedStep): string {
  const what = step.obligation.kind.replace(/_/g, ' ');
  const name = what.charAt(0).toUpperCase() + what.slice(1);
  switch (step.kind) {
    case 'heads_up':
      return `${name} heads-up`;
    case 'due':
      return `${name} due`;
    case 'overdue':
      return `${name} overdue reminder ${step.n}`;
    case 'escalate_supervisor':
      return `${name} escalation to supervisor`;
    case 'escalate_program_manager':
      return `${name} escalation to program manager`;
  }
}

/** Every unsent step of every open obligation, in time order. */
function pendingSteps(obligations: Obligation[], ladder: LadderPolicy): PlannedStep[] {
  const steps: PlannedStep[] = [];
  for (const o of obligations) {
    if (!isOpen(o)) continue;
    for (const s of ladderSteps(o.dueAt, ladder, o.openedAt)) {
      if (!o.sent.includes(s.id) && !o.skipped.includes(s.id)) steps.push({ ...s, obligation: o });
    }
    if (o.escalation?.level === 1 && o.escalation.acknowledgedAt === undefined) {
      steps.push({
        kind: 'escalate_program_manager',
        n: 0,
        at: programManagerEscalationAt(o.escalation.raisedAt, ladder),
        id: 'escalate_program_manager',
        obligation: o,
      });
    }
  }
  return steps.sort((a, b) => a.at - b.at);
}

/**
 * The next step to act on. When a worker outage left several reminders of one obligation in the
 * past, only the latest is sent and the rest are recorded as skipped; escalations are never skipped.
 */
function nextStep(obligations: Obligation[], ladder: LadderPolicy, now: number): PlannedStep | undefined {
  const steps = pendingSteps(obligations, ladder);
  const first = steps[0];
  if (!first || first.at > now || first.kind.startsWith('escalate')) return first;
  const laterReminder = steps.find(
    (s) => s !== first && s.obligation === first.obligation && s.at <= now && !s.kind.startsWith('escalate'),
  );
  if (laterReminder) {
    first.obligation.skipped.push(first.id);
    return nextStep(obligations, ladder, now);
  }
  return first;
}

function buildSchedule(
  caseId: string,
  status: CaseStatus,
  obligations: Obligation[],
  ladder: LadderPolicy,
  now: number,
  messages: number,
): CaseSchedule {
  const pending = pendingSteps(obligations, ladder);
  const first = pending[0];
  const next: ScheduledStep | undefined = first && {
    obligationId: first.obligation.id,
    obligationKind: first.obligation.kind,
    step: first.kind,
    stepId: first.id,
    at: iso(first.at),
  };
  const open = obligations.filter(isOpen);
  return {
    caseId,
    version: messages + obligations.reduce((n, o) => n + o.sent.length + o.skipped.length, 0),
    status,
    obligations: obligations.map((o) => ({
      id: o.id,
      kind: o.kind,
      dueAt: iso(o.dueAt),
      metAt: o.metAt === undefined ? undefined : iso(o.metAt),
      overdue: isOpen(o) && o.dueAt < now,
      sent: [...o.sent],
      escalationLevel: o.escalation?.level ?? 0,
      acknowledged: o.escalation?.acknowledgedAt !== undefined,
    })),
    next,
    overdueCount: open.filter((o) => o.dueAt < now).length,
    escalationLevel: Math.max(
      0,
      ...open.map((o) => (o.escalation && !o.escalation.acknowledgedAt ? o.escalation.level : 0)),
    ),
  };
}
