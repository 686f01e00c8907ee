import { undeliveredCount } from '../../src/domain/case-changes';
import { scheduleQuery } from '../../src/workflows/messages';
import type { TestStack } from './stack';

/** Longer than any before/after comparison takes; a reminder due sooner would fire inside one. */
const QUIET_WINDOW_MS = 10 * 60_000;

/**
 * Waits until nothing will write to the case on its own, so that a before/after comparison sees only
 * what the request in between did. Exact, given that the test has awaited every request it made on
 * the case and the test API runs no change relay:
 * - no `case_changes` row of the case is undelivered (nor refused), so nobody will deliver a change
 *   to the workflow later: no update or signal will wake it;
 * - the workflow's schedule query answers `projected`: its last projection has been written and it
 *   has nothing left to write (it writes only when a message or a timer changes what it knows);
 * - the case row's projection_version equals the workflow's version: the row shows its newest state,
 *   written by the workflow or by the API from the workflow's answer;
 * - the workflow's next timer is further away than any comparison takes, and the time-skipping
 *   server only jumps when a test skips time.
 * Waiting for `projected` alone missed the change log; a quiet row or no pending activities missed
 * writes that had not started yet.
 */
export async function settle(stack: Pick<TestStack, 'env' | 'db'>, caseId: string): Promise<void> {
  const handle = stack.env.client.workflow.getHandle(`case-${caseId}`);
  const deadline = Date.now() + 20_000;
  for (;;) {
    const undelivered = await undeliveredCount(stack.db.pool, caseId);
    const schedule = await handle.query(scheduleQuery);
    const row = (
      await stack.db.pool.query<{ projection_version: string | null }>(
        'SELECT projection_version FROM cases WHERE id = $1',
        [caseId],
      )
    ).rows[0];
    const rowVersion = row?.projection_version == null ? undefined : Number(row.projection_version);
    if (undelivered === 0 && schedule.projected && rowVersion === schedule.version) {
      const now = await stack.env.currentTimeMs();
      if (schedule.next && Date.parse(schedule.next.at) < now + QUIET_WINDOW_MS) {
        throw new Error(
          `case ${caseId} has a reminder due at ${schedule.next.at}, inside the comparison window: act further from it`,
        );
      }
      return;
    }
    if (Date.now() > deadline) {
      throw new Error(
        `case ${caseId} did not settle: ${JSON.stringify({
          undelivered,
          projected: schedule.projected,
          workflowVersion: schedule.version,
          rowVersion,
        })}`,
      );
    }
    await new Promise((r) => setTimeout(r, 50));
  }
}
