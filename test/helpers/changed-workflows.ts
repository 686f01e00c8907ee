/**
 * The replay test's negative control: today's workflows, each deliberately changed by one command (a
 * timer before anything else), under their real names. Any recorded history must fail to replay
 * against these; if one does not, the replay test could not see a change either.
 */
import { sleep } from '@temporalio/workflow';
import { caseLifecycle as released } from '../../src/workflows/case-lifecycle';
import { staffDigests as releasedDigests } from '../../src/workflows/staff-digests';

export async function caseLifecycle(
  ...args: Parameters<typeof released>
): Promise<Awaited<ReturnType<typeof released>>> {
  await sleep('1 second');
  return released(...args);
}

export async function staffDigests(...args: Parameters<typeof releasedDigests>): Promise<void> {
  await sleep('1 second');
  return releasedDigests(...args);
}
