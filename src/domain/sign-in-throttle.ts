import { createHash } from 'node:crypto';
import type { Pool } from 'pg';

/**
 * Rate limits on guessing passwords and on asking for reset emails, kept in PostgreSQL so every API
 * process counts the same attempts. An attempt is a row in a bucket ("this account", "this source
 * address"); a bucket with `max` rows inside the window refuses more until the oldest leaves it.
 * Buckets are named by a SHA-256, so what people typed is not stored.
 */

export interface Limit {
  /** What is counted, e.g. `sign-in:account:ada@example.org`. */
  key: string;
  max: number;
  windowMs: number;
}

const FIFTEEN_MINUTES = 15 * 60_000;

/** Failed sign-ins: 5 per account and 20 per source address in 15 minutes. */
export const signInLimits = (email: string, sourceIp: string): Limit[] => [
  { key: `sign-in:account:${email.trim().toLowerCase()}`, max: 5, windowMs: FIFTEEN_MINUTES },
  { key: `sign-in:address:${sourceIp}`, max: 20, windowMs: FIFTEEN_MINUTES },
];

/** Password-reset requests: 3 per email address and 10 per source address in 15 minutes. */
export const resetRequestLimits = (email: string, sourceIp: string): Limit[] => [
  { key: `reset:account:${email.trim().toLowerCase()}`, max: 3, windowMs: FIFTEEN_MINUTES },
  { key: `reset:address:${sourceIp}`, max: 10, windowMs: FIFTEEN_MINUTES },
];

const bucketOf = (key: string): string => createHash('sha256').update(key).digest('hex');

export type Admission =
  /** Counted: `attempt` names the rows, to forget them if the attempt succeeds. */
  | { admitted: true; attempt: number[] }
  /** Refused without counting; try again at `retryAt`. */
  | { admitted: false; retryAt: Date };

/**
 * Counts one attempt against every limit, before the attempt is made (so concurrent attempts see
 * each other). Over any limit: the attempt is not counted and is refused until `retryAt`.
 */
export async function admitAttempt(pool: Pool, limits: Limit[], now: Date): Promise<Admission> {
  const ids: number[] = [];
  let retryAt: Date | undefined;
  for (const limit of limits) {
    const bucket = bucketOf(limit.key);
    const since = new Date(now.getTime() - limit.windowMs);
    const id = (
      await pool.query<{ id: string }>(
        'INSERT INTO sign_in_attempts (bucket, at) VALUES ($1, $2) RETURNING id',
        [bucket, now],
      )
    ).rows[0]!.id;
    ids.push(Number(id));
    // Attempts in the window, this one included, oldest first: the one `max` places back decides.
    const inWindow = (
      await pool.query<{ at: Date }>(
        'SELECT at FROM sign_in_attempts WHERE bucket = $1 AND at > $2 AND at <= $3 ORDER BY at, id',
        [bucket, since, now],
      )
    ).rows;
    if (inWindow.length > limit.max) {
      const freesAt = new Date(inWindow[inWindow.length - 1 - limit.max]!.at.getTime() + limit.windowMs);
      if (!retryAt || freesAt > retryAt) retryAt = freesAt;
    }
  }
  if (retryAt) {
    await forgetAttempt(pool, ids);
    return { admitted: false, retryAt };
  }
  return { admitted: true, attempt: ids };
}

/** The attempt succeeded (a right password): it does not count against anyone. */
export async function forgetAttempt(pool: Pool, attempt: number[]): Promise<void> {
  if (attempt.length)
    await pool.query('DELETE FROM sign_in_attempts WHERE id = ANY($1::bigint[])', [attempt]);
}

/** After a successful sign-in the account's earlier failures are forgiven (the address's are not). */
export async function clearLimit(pool: Pool, limit: Limit): Promise<void> {
  await pool.query('DELETE FROM sign_in_attempts WHERE bucket = $1', [bucketOf(limit.key)]);
}

/** Attempts older than any window count for nothing; the API sweeps them hourly. */
export async function sweepOldAttempts(pool: Pool, now = new Date()): Promise<void> {
  await pool.query('DELETE FROM sign_in_attempts WHERE at < $1', [new Date(now.getTime() - 24 * 3_600_000)]);
}
