import { proxyActivities } from '@temporalio/workflow';
import type { createActivities } from '../activities';

type Activities = ReturnType<typeof createActivities>;

const { commitImportRun } = proxyActivities<Activities>({
  // 10,000 rows take minutes; the heartbeat, not the whole run, tells a lost worker.
  startToCloseTimeout: '6 hours',
  heartbeatTimeout: '2 minutes',
  retry: { initialInterval: '5 seconds', backoffCoefficient: 2, maximumInterval: '5 minutes' },
});

/**
 * An import run from the admin page, committed durably: its one activity imports the checked file
 * batch by batch and is retried (resuming by import key) until the run is done.
 */
export async function caseImport(input: { runId: string }): Promise<{ done: number; failed: number }> {
  return commitImportRun(input.runId);
}
