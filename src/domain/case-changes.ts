import { randomUUID } from 'node:crypto';
import type { Pool, PoolClient } from 'pg';
import { prepared } from '../db/prepared';
import type { PolicyChange } from '../core/case-contract';
import type {
  CaseEvent,
  CaseSchedule,
  CaseWorkflowInput,
  EscalationAcknowledged,
} from '../core/case-contract';
import { ConflictError, UnavailableError } from '../core/errors';
import type { CaseWorkflows } from './ports';

/**
 * The case's change log: how a change that spans PostgreSQL and the case's workflow stays true.
 *
 * The record is the arbiter. A change commits its rows and one `case_changes` row in the same
 * transaction; nothing talks to Temporal while that transaction is open. After the commit the
 * change is delivered to the workflow (bounded in time), and whatever is not delivered then is
 * delivered by the relay until it is. The workflow applies each change number once, so a change
 * delivered by both is applied once. A caller is told 200/201 when the workflow has the change,
 * 202 when it is recorded and still on its way, 503 only when nothing was recorded.
 */
export type CaseChange =
  | { kind: 'start'; input: CaseWorkflowInput }
  | { kind: 'event'; event: CaseEvent }
  | { kind: 'acknowledge'; ack: EscalationAcknowledged }
  | { kind: 'policy'; change: PolicyChange };

export interface StagedChange {
  id: string;
  caseId: string;
  seq: number;
}

/** How long a request waits for its change to reach the workflow before answering 202. */
export const INLINE_DELIVERY_MS = 4_000;

/** Records a change in the caller's transaction; the case row's lock numbers changes one at a time. */
export async function stageChange(
  db: PoolClient,
  caseId: string,
  change: CaseChange,
  fanOutId?: string,
): Promise<StagedChange> {
  const id = randomUUID();
  await db.query('SELECT 1 FROM cases WHERE id = $1 FOR UPDATE', [caseId]);
  const { seq } = (
    await db.query<{ seq: number }>(
      `INSERT INTO case_changes (id, case_id, seq, payload, fan_out_id)
       SELECT $1, $2, coalesce(max(seq), -1) + 1, $3, $4 FROM case_changes WHERE case_id = $2
       RETURNING seq`,
      [id, caseId, JSON.stringify(change), fanOutId ?? null],
    )
  ).rows[0]!;
  return { id, caseId, seq };
}

/**
 * One change for every open case of a program (a policy or calendar change, a new program
 * manager), staged in the caller's transaction: all of them land with the change or none do.
 * The relay delivers them; a case opened meanwhile either is among them or started on the new facts.
 */
export async function stageForProgram(
  db: PoolClient,
  programId: string,
  change: CaseChange,
  fanOutId: string,
): Promise<string[]> {
  const staged = await db.query<{ case_id: string }>(
    `WITH open_cases AS (
       SELECT id FROM cases WHERE program_id = $1 AND status <> 'closed' ORDER BY id FOR UPDATE
     )
     INSERT INTO case_changes (id, case_id, seq, payload, fan_out_id)
     SELECT gen_random_uuid(), o.id,
            coalesce((SELECT max(seq) FROM case_changes x WHERE x.case_id = o.id), -1) + 1, $2, $3
       FROM open_cases o
     RETURNING case_id`,
    [programId, JSON.stringify(change), fanOutId],
  );
  return staged.rows.map((r) => r.case_id);
}

/** What a change made to many cases at once has reached: the rest is on its way. */
export interface FanOutDelivery {
  cases: number;
  pending: number;
  /** The workflow that delivers the rest (visible in the Temporal UI); absent when it could not be started now. */
  workflowId?: string;
}

/**
 * After a fan-out commits: starts its workflow (the durable guarantee: rounds until every case has
 * the change), and meanwhile delivers what it can within the request's budget, so small fan-outs
 * answer with everything delivered. The relay covers a fan-out whose workflow could not start.
 */
export async function deliverFanOut(
  deps: { pool: Pool; workflows: CaseWorkflows },
  fanOut: { fanOutId: string; what: string; caseIds: string[] },
  budgetMs = INLINE_DELIVERY_MS,
): Promise<FanOutDelivery> {
  const deadline = Date.now() + budgetMs;
  const queue = [...new Set(fanOut.caseIds)];
  const total = queue.length;
  if (total === 0) return { cases: 0, pending: 0 };
  const started = await deps.workflows
    .startFanOut({ fanOutId: fanOut.fanOutId, what: fanOut.what, cases: total }, { timeoutMs: budgetMs / 2 })
    .catch(() => undefined);
  let pending = 0;
  const lane = async (): Promise<void> => {
    for (let caseId = queue.shift(); caseId; caseId = queue.shift()) {
      const left = deadline - Date.now();
      const done = left > 0 && (await deliverPending(deps, caseId, left)).settled;
      if (!done) pending++;
    }
  };
  await Promise.all([lane(), lane(), lane(), lane()]);
  return { cases: total, pending, ...(started ? { workflowId: started.workflowId } : {}) };
}

/** Asked after a COMMIT that got no answer: is the change (and so its transaction) there? */
export const changeLanded =
  (staged: () => StagedChange | undefined) =>
  async (pool: Pool): Promise<boolean> => {
    const s = staged();
    if (!s) return false;
    return ((await pool.query('SELECT 1 FROM case_changes WHERE id = $1', [s.id])).rowCount ?? 0) > 0;
  };

/** Changes recorded for the case that its workflow does not have yet. */
export async function undeliveredCount(db: Pool | PoolClient, caseId: string): Promise<number> {
  return Number(
    (
      await db.query<{ n: string }>(
        `SELECT count(*) AS n FROM case_changes
          WHERE case_id = $1 AND delivered_at IS NULL AND refused_at IS NULL`,
        [caseId],
      )
    ).rows[0]!.n,
  );
}

const MARK_DELIVERED = prepared(
  `WITH relaxed AS (SELECT set_config('synchronous_commit', 'off', true))
   UPDATE case_changes SET delivered_at = now(), attempts = attempts + 1 FROM relaxed WHERE id = $1`,
);

export interface Delivery {
  /** Every recorded change of the case has reached its workflow. */
  settled: boolean;
  /** The workflow's answer to the last change delivered, when it gives one. */
  schedule?: CaseSchedule;
}

export interface ChangeRow {
  id: string;
  seq: number;
  payload: CaseChange;
}

/**
 * Delivers the case's undelivered changes in order, within `timeoutMs`. Stops at the first that
 * cannot be delivered now (Temporal or the worker away, a workflow not running); only a change
 * made moot by the case's closure is set aside. Never throws for an outage: that is "not settled".
 */
export async function deliverPending(
  deps: { pool: Pool; workflows: CaseWorkflows },
  caseId: string,
  timeoutMs: number,
  known?: ChangeRow[],
): Promise<Delivery> {
  const deadline = Date.now() + timeoutMs;
  let rows: ChangeRow[];
  try {
    rows =
      known ??
      (
        await deps.pool.query<ChangeRow>(
          `SELECT id, seq, payload FROM case_changes
          WHERE case_id = $1 AND delivered_at IS NULL AND refused_at IS NULL ORDER BY seq`,
          [caseId],
        )
      ).rows;
  } catch {
    return { settled: false };
  }
  let schedule: CaseSchedule | undefined;
  for (const row of rows) {
    const left = deadline - Date.now();
    if (left <= 0) return { settled: false };
    try {
      const answer = await send(deps.workflows, caseId, row, left);
      if (answer) schedule = answer;
      // Without waiting for the WAL flush: a mark lost in a crash only has the relay deliver the
      // change again, which the workflow applies once.
      await deps.pool.query(MARK_DELIVERED.with([row.id]));
      if (answer) await projectStatus(deps.pool, caseId, answer);
    } catch (err) {
      if (err instanceof ConflictError && (await caseClosed(deps.pool, caseId))) {
        // The case closed before this reached it (e.g. a fan-out racing the closure): nothing to apply.
        await deps.pool
          .query(
            `UPDATE case_changes SET refused_at = now(), refused_reason = $2, attempts = attempts + 1,
                    last_attempt_at = now() WHERE id = $1`,
            [row.id, err.detail],
          )
          .catch(() => undefined);
        continue;
      }
      // An outage, or a workflow that refuses or is not running: the change stays, and so does
      // everything after it, until it is delivered (the reconciliation tool repairs a dead workflow).
      await deps.pool
        .query(
          `UPDATE case_changes SET attempts = attempts + 1, last_attempt_at = now(), last_error = $2 WHERE id = $1`,
          [row.id, String((err as Error).message).slice(0, 500)],
        )
        .catch(() => undefined);
      return { settled: false };
    }
  }
  return { settled: true, ...(schedule ? { schedule } : {}) };
}

async function caseClosed(pool: Pool, caseId: string): Promise<boolean> {
  return (
    (
      await pool
        .query<{ status: string }>('SELECT status FROM cases WHERE id = $1', [caseId])
        .catch(() => undefined)
    )?.rows[0]?.status === 'closed'
  );
}

async function send(
  workflows: CaseWorkflows,
  caseId: string,
  row: ChangeRow,
  timeoutMs: number,
): Promise<CaseSchedule | undefined> {
  const bound = { timeoutMs };
  const delivery = { change: row.seq };
  const change = row.payload;
  switch (change.kind) {
    case 'start':
      await workflows.start(change.input, bound);
      return undefined;
    case 'event':
      return workflows.event(caseId, change.event, delivery, bound);
    case 'acknowledge':
      return workflows.acknowledge(caseId, change.ack, delivery, bound);
    case 'policy':
      await workflows.policyChanged(caseId, change.change, bound);
      return undefined;
  }
}

/**
 * The workflow's answer is the newest truth about the case's status; older answers are ignored, and
 * so is the same version when its projection already landed (the row is as new, and a detail read
 * would otherwise think a projection is still on its way).
 */
export async function projectStatus(
  db: Pool | PoolClient,
  caseId: string,
  schedule: CaseSchedule,
): Promise<void> {
  await db.query(
    `UPDATE cases SET status = $2, projection_version = $3, updated_at = now()
      WHERE id = $1 AND (projection_version IS NULL OR projection_version < $3
                         OR (projection_version = $3 AND status <> $2))`,
    [caseId, schedule.status, schedule.version],
  );
}

/** Raised inside a change's transaction when earlier changes of the case are still on their way. */
export class EarlierChangesPending extends Error {}

/** Refuses (rolls back) a change while the case has changes its workflow does not have yet. */
export async function assertSettled(db: PoolClient, caseId: string): Promise<void> {
  if ((await undeliveredCount(db, caseId)) > 0) throw new EarlierChangesPending();
}

/** Answered when a case's earlier change could not be delivered within the bound: nothing changed now. */
export const stillPending = (): UnavailableError =>
  new UnavailableError(
    "An earlier change to this case has not reached the case's clock yet (Temporal or the worker is unavailable); nothing was changed now. Try again shortly.",
  );

/**
 * Runs a case change under the change log's rules: earlier changes first (delivered within the
 * bound, else 503 with nothing written), then the change's own transaction (which stages its
 * change), then its delivery (within the bound, else the caller answers 202).
 */
export async function withChangeLog<T>(
  deps: { pool: Pool; workflows: CaseWorkflows },
  caseId: string,
  transaction: () => Promise<{ result: T; staged?: StagedChange }>,
): Promise<T & Applied> {
  let committed: { result: T; staged?: StagedChange };
  try {
    committed = await transaction();
  } catch (err) {
    if (!(err instanceof EarlierChangesPending)) throw err;
    const earlier = await deliverPending(deps, caseId, INLINE_DELIVERY_MS);
    if (!earlier.settled) throw stillPending();
    try {
      committed = await transaction();
    } catch (again) {
      if (again instanceof EarlierChangesPending) throw stillPending();
      throw again;
    }
  }
  if (!committed.staged) return committed.result as T & Applied;
  return { ...committed.result, ...(await deliverAfterCommit(deps, caseId)) };
}

/** What a committed change's caller learns: the workflow's schedule, or that it is still on its way. */
export type Applied = { schedule?: CaseSchedule; pending?: true };

/**
 * `known`: the case's undelivered changes when the caller knows them without asking (a case its
 * own transaction just created has only its start); otherwise they are read from the log.
 */
export async function deliverAfterCommit(
  deps: { pool: Pool; workflows: CaseWorkflows },
  caseId: string,
  known?: ChangeRow[],
): Promise<Applied> {
  const delivery = await deliverPending(deps, caseId, INLINE_DELIVERY_MS, known).catch((): Delivery => ({
    settled: false,
  }));
  if (!delivery.settled) return { pending: true };
  return delivery.schedule ? { schedule: delivery.schedule } : {};
}
