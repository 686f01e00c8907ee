import { QueryNotRegisteredError, WorkflowNotFoundError, type Client } from '@temporalio/client';
import { caseWorkflowId } from '../domain/ports';
import { caseFactsQuery } from '../workflows/messages';
import type { CaseFactsReader } from '../domain/reconcile';

const QUERY_DEADLINE_MS = 10_000;

export function createCaseFactsReader(client: Client): CaseFactsReader {
  return {
    async view(caseId) {
      const handle = client.workflow.getHandle(caseWorkflowId(caseId));
      let status: string;
      try {
        status = (await handle.describe()).status.name;
      } catch (err) {
        if (err instanceof WorkflowNotFoundError) return { kind: 'not_running', runStatus: 'NOT_FOUND' };
        throw err;
      }
      if (status !== 'RUNNING') return { kind: 'not_running', runStatus: status };
      try {
        const facts = await client.workflow.withDeadline(Date.now() + QUERY_DEADLINE_MS, () =>
          handle.query(caseFactsQuery),
        );
        return { kind: 'running', facts };
      } catch (err) {
        // Generation-1 runs never registered this query.
        if (
          err instanceof QueryNotRegisteredError ||
          /did not register a handler|not registered|unknown query/i.test((err as Error).message)
        )
          return { kind: 'generation1' };
        throw err;
      }
    },
  };
}
