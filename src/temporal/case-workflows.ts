import {
  WorkflowExecutionAlreadyStartedError,
  WorkflowIdConflictPolicy,
  WorkflowIdReusePolicy,
  WorkflowNotFoundError,
  WorkflowUpdateFailedError,
  type Client,
} from '@temporalio/client';
import { ConflictError } from '../core/errors';
import {
  caseWorkflowId,
  fanOutWorkflowId,
  importRunWorkflowId,
  type CallBound,
  type CaseWorkflows,
} from '../domain/ports';
import {
  acknowledgeEscalationUpdate,
  caseEventUpdate,
  policyChangedSignal,
  scheduleQuery,
} from '../workflows/messages';
import { SA } from '../workflows/search-attributes';
import type { CaseWorkflowInput } from '../core/case-contract';

/** A workflow's refusal of an update (its validator), or a workflow no longer running, is a state conflict, not an outage. */
function rethrowRefusal(err: unknown): never {
  if (err instanceof WorkflowUpdateFailedError) {
    throw new ConflictError(err.cause?.message ?? err.message);
  }
  // The case's workflow has ended (or never existed): a state problem to report, not a crash.
  if (
    err instanceof WorkflowNotFoundError ||
    /workflow execution already completed/i.test((err as Error).message)
  ) {
    throw new ConflictError(
      "The case's workflow is not running; reopen the case or ask an admin to check it.",
    );
  }
  throw err;
}

/** How long a case view waits for the live schedule before falling back to the projection. */
const QUERY_DEADLINE_MS = 3_000;
/** Unbounded callers (reconciliation, tests) still never wait forever. */
const DEFAULT_CALL_MS = 30_000;

export interface CaseWorkflowOptions {
  /**
   * New cases leave reminders held by quiet hours spread over this many minutes after the working
   * start (REMINDER_RELEASE_SPREAD_MINUTES); 0 or absent: all at the working start.
   */
  releaseSpreadMinutes?: number;
}

export function createCaseWorkflows(
  client: Client,
  taskQueue: string,
  options: CaseWorkflowOptions = {},
): CaseWorkflows {
  const spread = options.releaseSpreadMinutes ?? 0;
  /** Runs one Temporal call under a deadline, so an outage costs seconds, not a hung request. */
  const bounded = <R>(bound: CallBound | undefined, call: () => Promise<R>): Promise<R> =>
    client.workflow.withDeadline(Date.now() + (bound?.timeoutMs ?? DEFAULT_CALL_MS), call);
  return {
    async start(input: CaseWorkflowInput, bound) {
      const workflowId = caseWorkflowId(input.caseId);
      await bounded(bound, () =>
        client.workflow.start('caseLifecycle', {
          workflowId,
          taskQueue,
          // The spread is fixed when the case starts: its workflow derives the case's minute from it.
          args: [
            {
              ...input,
              ...(spread > 0 && input.releaseSpreadMinutes === undefined
                ? { releaseSpreadMinutes: spread }
                : {}),
              lookWritesProjection: true,
            },
          ],
          // A repeated start for the same case joins the running workflow instead of failing.
          workflowIdConflictPolicy: WorkflowIdConflictPolicy.USE_EXISTING,
          typedSearchAttributes: [
            { key: SA.CaseId, value: input.caseId },
            { key: SA.CaseStatus, value: 'assessment' },
          ],
          // Reference and program only: the summary is for finding a case, never for client details.
          staticSummary: `Case ${input.caseReference} · ${input.programName ?? `program ${input.programId}`}`,
        }),
      );
      return { workflowId };
    },
    async running(caseId, bound) {
      try {
        const d = await bounded(bound, () => client.workflow.getHandle(caseWorkflowId(caseId)).describe());
        return d.status.name === 'RUNNING';
      } catch (err) {
        if (err instanceof WorkflowNotFoundError) return false;
        throw err;
      }
    },
    async schedule(caseId: string) {
      // A case view must not hang on a busy or unreachable cluster: past the deadline it shows the
      // last projection instead (see getCase).
      return bounded({ timeoutMs: QUERY_DEADLINE_MS }, () =>
        client.workflow.getHandle(caseWorkflowId(caseId)).query(scheduleQuery),
      );
    },
    async startFanOut(input, bound) {
      const workflowId = fanOutWorkflowId(input.fanOutId);
      await bounded(bound, () =>
        client.workflow.start('caseChangeFanOut', {
          workflowId,
          taskQueue,
          args: [input],
          workflowIdConflictPolicy: WorkflowIdConflictPolicy.USE_EXISTING,
          staticSummary: `${input.what} · ${input.cases} case(s)`,
        }),
      );
      return { workflowId };
    },
    async startImportRun(runId, bound) {
      const workflowId = importRunWorkflowId(runId);
      try {
        await bounded(bound, () =>
          client.workflow.start('caseImport', {
            workflowId,
            taskQueue,
            args: [{ runId }],
            // A double click joins the running import; one that ended is never run again.
            workflowIdConflictPolicy: WorkflowIdConflictPolicy.USE_EXISTING,
            workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE,
            staticSummary: `Case import ${runId}`,
          }),
        );
      } catch (err) {
        if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
      }
      return { workflowId };
    },
    async policyChanged(caseId, change, bound) {
      await bounded(bound, () =>
        client.workflow.getHandle(caseWorkflowId(caseId)).signal(policyChangedSignal, change),
      );
    },
    async acknowledge(caseId, ack, delivery, bound) {
      try {
        return await bounded(bound, () =>
          client.workflow
            .getHandle(caseWorkflowId(caseId))
            .executeUpdate(acknowledgeEscalationUpdate, { args: delivery ? [ack, delivery] : [ack] }),
        );
      } catch (err) {
        rethrowRefusal(err);
      }
    },
    async event(caseId, event, delivery, bound) {
      try {
        return await bounded(bound, () =>
          client.workflow
            .getHandle(caseWorkflowId(caseId))
            .executeUpdate(caseEventUpdate, { args: delivery ? [event, delivery] : [event] }),
        );
      } catch (err) {
        rethrowRefusal(err);
      }
    },
  };
}
