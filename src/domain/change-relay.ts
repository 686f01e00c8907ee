import type { Pool } from 'pg';
import { deliverPending } from './case-changes';
import type { CaseWorkflows } from './ports';

export interface ChangeRelayOptions {
  /** Between rounds when nothing is waiting. */
  intervalMs?: number;
  /** A change younger than this is left to the request that made it. */
  graceMs?: number;
  /** Cases per round, and how many are delivered at once. */
  batch?: number;
  lanes?: number;
  /** The bound for one case's delivery within a round. */
  perCaseMs?: number;
  onError?: (err: unknown) => void;
}

export interface ChangeRelay {
  /** Start a round now (e.g. after a fan-out committed). */
  nudge(): void;
  /** One round, awaited: how many cases it settled and how many are still waiting. */
  round(): Promise<{ settled: number; waiting: number }>;
  /** Finishes the round in progress and stops. */
  stop(): Promise<void>;
}

/**
 * Delivers committed case changes that their request could not deliver (Temporal or the worker was
 * away, the API stopped, a fan-out larger than the request's budget), oldest first, until every
 * one has reached its workflow. Several relays may run (one per API process): the workflow
 * applies each change once, so a change delivered twice is harmless.
 */
export function startChangeRelay(
  deps: { pool: Pool; workflows: CaseWorkflows },
  options: ChangeRelayOptions = {},
): ChangeRelay {
  const intervalMs = options.intervalMs ?? 2_000;
  const graceMs = options.graceMs ?? 5_000;
  const batch = options.batch ?? 100;
  const lanes = options.lanes ?? 4;
  const perCaseMs = options.perCaseMs ?? 5_000;
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<unknown> = Promise.resolve();

  const round = async (): Promise<{ settled: number; waiting: number }> => {
    const due = await deps.pool.query<{ case_id: string }>(
      `SELECT case_id FROM case_changes
        WHERE delivered_at IS NULL AND refused_at IS NULL AND created_at < now() - make_interval(secs => $1)
        GROUP BY case_id
        -- A case that keeps failing (a workflow not running waits for an admin) is tried less often.
       HAVING max(coalesce(last_attempt_at, '-infinity')) < now() - make_interval(secs => least(max(attempts), 30) * 2)
        ORDER BY min(created_at) LIMIT $2`,
      [graceMs / 1000, batch],
    );
    const queue = due.rows.map((r) => r.case_id);
    let settled = 0;
    const lane = async (): Promise<void> => {
      for (let caseId = queue.shift(); caseId && !stopped; caseId = queue.shift()) {
        if ((await deliverPending(deps, caseId, perCaseMs)).settled) settled++;
      }
    };
    await Promise.all(Array.from({ length: lanes }, lane));
    return { settled, waiting: due.rows.length - settled };
  };

  const schedule = (ms: number): void => {
    if (stopped) return;
    clearTimeout(timer);
    timer = setTimeout(tick, ms);
    timer.unref();
  };
  const tick = (): void => {
    running = round().then(
      // A full batch settled: more may be waiting, go again at once.
      (r) => schedule(r.settled === batch ? 0 : intervalMs),
      (err: unknown) => {
        options.onError?.(err);
        schedule(intervalMs);
      },
    );
  };
  schedule(intervalMs);

  return {
    nudge: () => schedule(0),
    round,
    stop: async () => {
      stopped = true;
      clearTimeout(timer);
      await running;
    },
  };
}
