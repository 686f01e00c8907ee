import { Context } from '@temporalio/activity';
import type { Pool } from 'pg';
import { deliverPending } from '../domain/case-changes';
import type { CaseWorkflows } from '../domain/ports';

/** One case's delivery bound within a round. */
const PER_CASE_MS = 10_000;

/**
 * One round of a fan-out: delivers, a few cases at a time, whatever of the fan-out's changes has
 * not reached its case yet (with everything queued before it on that case), and says how many
 * cases are still waiting. Idempotent: a delivered change is answered, not applied again.
 */
export function createDeliverFanOut(deps: { pool: Pool; caseWorkflows?: CaseWorkflows }) {
  return async function deliverFanOut(fanOutId: string): Promise<{ waiting: number }> {
    const workflows = deps.caseWorkflows;
    if (!workflows) throw new Error('This worker was built without a Temporal client for case workflows.');
    const due = await deps.pool.query<{ case_id: string }>(
      `SELECT DISTINCT case_id FROM case_changes
        WHERE fan_out_id = $1 AND delivered_at IS NULL AND refused_at IS NULL`,
      [fanOutId],
    );
    const queue = due.rows.map((r) => r.case_id);
    let waiting = 0;
    const lane = async (): Promise<void> => {
      for (let caseId = queue.shift(); caseId; caseId = queue.shift()) {
        if (!(await deliverPending({ pool: deps.pool, workflows }, caseId, PER_CASE_MS)).settled) waiting++;
        Context.current().heartbeat();
      }
    };
    await Promise.all([lane(), lane(), lane(), lane()]);
    return { waiting };
  };
}
