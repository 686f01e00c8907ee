import { Context } from '@temporalio/activity';
import type { Pool } from 'pg';
import { commitRun } from '../domain/case-import/runs';
import type { CaseWorkflows } from '../domain/ports';

/**
 * Commits an import run started from the admin page (src/domain/case-import/runs.ts): batch by batch,
 * heartbeating as rows land. Idempotent by each row's import key: a retry resumes where it stopped.
 */
export function createCommitImportRun(deps: { pool: Pool; caseWorkflows?: CaseWorkflows }) {
  return async function commitImportRun(runId: string): Promise<{ done: number; failed: number }> {
    const workflows = deps.caseWorkflows;
    if (!workflows) throw new Error('This worker was built without a Temporal client for case workflows.');
    const run = await commitRun({ pool: deps.pool, workflows }, runId, () => Context.current().heartbeat());
    return { done: run?.doneCount ?? 0, failed: run?.failedCount ?? 0 };
  };
}
