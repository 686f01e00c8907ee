import { WorkflowIdConflictPolicy, type Client } from '@temporalio/client';

export const STAFF_DIGESTS_WORKFLOW_ID = 'staff-digests';

/** Starts the digest workflow unless it already runs; safe to call at every start-up. */
export async function ensureStaffDigests(client: Client, taskQueue: string): Promise<void> {
  await client.workflow.start('staffDigests', {
    workflowId: STAFF_DIGESTS_WORKFLOW_ID,
    taskQueue,
    args: [{}],
    workflowIdConflictPolicy: WorkflowIdConflictPolicy.USE_EXISTING,
    staticSummary: 'Daily and team digests',
  });
}
