import type { Pool, PoolClient } from 'pg';
import { AsyncLocalStorage } from 'node:async_hooks';

/**
 * Work that must commit with the first transaction a request runs: the Idempotency-Key row, so a
 * key is claimed exactly when the work it protects lands (src/api/idempotency.ts).
 */
export interface CommitCompanion {
  beforeCommit(db: PoolClient): Promise<void>;
  /** Set once a transaction carried it. */
  committed: boolean;
}
export const commitCompanions = new AsyncLocalStorage<CommitCompanion>();

export interface TxOptions {
  /**
   * When COMMIT gets no answer (the connection died on the way), asked on a fresh connection
   * whether the work landed after all, so the caller is not told "nothing changed" untruly.
   */
  landed?: (pool: Pool) => Promise<boolean>;
  /**
   * Further tries when PostgreSQL rolls the transaction back as a deadlock victim or a serialization
   * failure: nothing of it landed, so running `work` again is safe when `work` touches only the
   * database. For transactions that lock many rows (a change to every case of a program), where
   * meeting another writer is ordinary and the caller should not see a 503 for it.
   */
  retriesWhenBusy?: number;
}

/** The outcome of a commit is unknown: its connection died and the check could not reach the database. */
export class CommitOutcomeUnknown extends Error {
  constructor(override readonly cause: unknown) {
    super('The database connection was lost during COMMIT and the outcome could not be checked.');
  }
}

/** Runs `work` in one transaction: all of it lands, or none of it. */
export async function inTransaction<T>(
  pool: Pool,
  work: (db: PoolClient) => Promise<T>,
  options: TxOptions = {},
): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await runOnce(pool, work, options);
    } catch (err) {
      if (attempt >= (options.retriesWhenBusy ?? 0) || !rolledBackAsBusy(err)) throw err;
      // A short, spread-out pause so the two writers do not meet again in step.
      await new Promise((r) => setTimeout(r, 20 + Math.random() * 80 * (attempt + 1)));
    }
  }
}

/** Deadlock victim or serialization failure: PostgreSQL rolled the whole transaction back. */
const rolledBackAsBusy = (err: unknown): boolean =>
  ['40P01', '40001'].includes((err as { code?: string } | undefined)?.code ?? '');

async function runOnce<T>(pool: Pool, work: (db: PoolClient) => Promise<T>, options: TxOptions): Promise<T> {
  const db = await pool.connect();
  // A session terminated mid-transaction surfaces as this query's or COMMIT's rejection; the
  // client's own 'error' event must not also crash the process.
  const ignore = (): void => undefined;
  db.on('error', ignore);
  const release = (destroy?: boolean): void => {
    // A destroyed client may still report its end after this: keep ignoring it.
    if (!destroy) db.off('error', ignore);
    db.release(destroy);
  };
  let result: T;
  let companion: CommitCompanion | undefined;
  try {
    await db.query('BEGIN');
    result = await work(db);
    companion = commitCompanions.getStore();
    if (companion && !companion.committed) await companion.beforeCommit(db);
    else companion = undefined;
  } catch (err) {
    const rolledBack = await db.query('ROLLBACK').then(
      () => true,
      () => false,
    );
    release(rolledBack ? undefined : true);
    throw err;
  }
  try {
    await db.query('COMMIT');
  } catch (commitErr) {
    // The connection is unusable or the commit failed: give it back destroyed, then find out.
    release(true);
    if (!options.landed || !lostConnection(commitErr)) throw commitErr;
    if (!(await askLanded(pool, options.landed))) throw commitErr;
    if (companion) companion.committed = true;
    return result;
  }
  release();
  if (companion) companion.committed = true;
  return result;
}

const lostConnection = (err: unknown): boolean => {
  const e = err as { code?: string; message?: string };
  return (
    ['ECONNRESET', 'EPIPE', '57P01', '57P02', '57P03'].includes(e?.code ?? '') ||
    /Connection terminated|connection .*closed|not queryable/i.test(e?.message ?? '')
  );
};

/** A few tries over about three seconds; if the database stays away the outcome is unknown. */
async function askLanded(pool: Pool, landed: (pool: Pool) => Promise<boolean>): Promise<boolean> {
  let last: unknown;
  for (let attempt = 0; attempt < 4; attempt++) {
    try {
      return await landed(pool);
    } catch (err) {
      last = err;
      await new Promise((r) => setTimeout(r, 250 * 2 ** attempt));
    }
  }
  throw new CommitOutcomeUnknown(last);
}
