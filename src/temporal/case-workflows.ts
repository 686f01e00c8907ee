import {
  WorkflowIdConflictPolicy,
  WorkflowNotFoundError,
  WorkflowUpdateFailedError,
  type Client,
} from '@temporalio/client';
import { ConflictError } from '../domain/errors';
import { caseWorkflowId, type CaseWorkflows } from '../domain/ports';
import {
  acknowledgeEscalationUpdate,
  caseEventUpdate,
  policyChangedSignal,
  scheduleQuery,
} from '../workflows/messages';
import { SA } from '../workflows/search-attributes';
import type { CaseWorkflowInput } from '../workflows/types';

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
const QUERY_DEADLINE_MS = 10_000;

export function createCaseWorkflows(client: Client, taskQueue: string): CaseWorkflows {
  return {
    async start(input: CaseWorkflowInput) {
      const workflowId = caseWorkflowId(input.caseId);
      await client.workflow.start('caseLifecycle', {
        workflowId,
        taskQueue,
        args: [input],
        // A retried intake for the same case joins the running workflow instead of failing.
        workflowIdConflictPolicy: WorkflowIdConflictPolicy.USE_EXISTING,
        typedSearchAttributes: [
          { key: SA.CaseId, value: input.caseId },
          { key: SA.CaseStatus, value: 'assessment' },
        ],
        // Reference and program only: the summary is for finding a case, never for client details.
        staticSummary: `Case ${input.caseReference} · ${input.programName ?? `program ${input.programId}`}`,
      });
      return { workflowId };
    },
    async schedule(caseId: string) {
      // A case view must not hang on a busy or unreachable cluster: past the deadline it shows the
      // last projection instead (see getCase).
      return client.workflow.withDeadline(Date.now() + QUERY_DEADLINE_MS, () =>
        client.workflow.getHandle(caseWorkflowId(caseId)).query(scheduleQuery),
      );
    },
    async policyChanged(caseId, change) {
      await client.workflow.getHandle(caseWorkflowId(caseId)).signal(policyChangedSignal, change);
    },
    async acknowledge(caseId, ack) {
      try {
        return await client.workflow
          .getHandle(caseWorkflowId(caseId))
          .executeUpdate(acknowledgeEscalationUpdate, { args: [ack] });
      } catch (err) {
        rethrowRefusal(err);
      }
    },
    async event(caseId, event) {
      try {
        return await client.workflow.getHandle(caseWorkflowId(caseId)).executeUpdate(caseEventUpdate, {
          args: [event],
        });
      } catch (err) {
        rethrowRefusal(err);
      }
    },
  };
}
