import { createHash } from 'node:crypto';
import type { Pool } from 'pg';
import { ConflictError, UnprocessableError, ValidationError } from '../domain/errors';
import type { Actor } from '../domain/actor';
import { audit } from '../domain/audit';
import type { RouteResult } from './route-result';

/**
 * Idempotency-Key for creating POSTs: the first request with a key runs and its response is
 * stored; a retry with the same key and body gets that response again and creates nothing.
 * A placeholder row claims the key while the first request runs, so two concurrent retries
 * cannot both create; a placeholder left by a crash expires after a minute. Stored responses hold
 * client records, so they are kept only 24 hours: an older key counts as new, and every claim
 * sweeps a batch of expired rows. A replay discloses the stored record again, so it is audited.
 */
export const KEY_PATTERN = /^[\x21-\x7e]{1,200}$/;
const STALE_CLAIM_SECONDS = 60;
export const STORED_RESPONSE_SECONDS = 24 * 60 * 60;
const SWEEP_BATCH = 100;

export async function withIdempotency(
  pool: Pool,
  actor: Actor,
  key: string,
  request: { method: string; path: string; body: unknown },
  run: () => Promise<RouteResult>,
): Promise<RouteResult> {
  if (!KEY_PATTERN.test(key)) {
    throw new ValidationError('Idempotency-Key must be 1-200 visible ASCII characters.', [
      { field: 'headers.idempotency-key', reason: 'invalid format' },
    ]);
  }
  const hash = createHash('sha256')
    .update(JSON.stringify([request.method, request.path, request.body ?? null]))
    .digest('hex');
  const staffId = actor.id;
  await pool.query(
    `DELETE FROM idempotency_keys WHERE staff_id = $1 AND key = $2
        AND ((status = 0 AND created_at < now() - make_interval(secs => $3))
             OR created_at < now() - make_interval(secs => $4))`,
    [staffId, key, STALE_CLAIM_SECONDS, STORED_RESPONSE_SECONDS],
  );
  await sweepExpired(pool);
  const claimed = await pool.query(
    `INSERT INTO idempotency_keys (staff_id, key, method, path, request_hash, status) VALUES ($1, $2, $3, $4, $5, 0)
     ON CONFLICT DO NOTHING`,
    [staffId, key, request.method, request.path, hash],
  );
  if (claimed.rowCount === 0) {
    const prior = (
      await pool.query<{ request_hash: string; status: number; response: unknown }>(
        `SELECT request_hash, status, response FROM idempotency_keys
          WHERE staff_id = $1 AND key = $2 AND created_at >= now() - make_interval(secs => $3)`,
        [staffId, key, STORED_RESPONSE_SECONDS],
      )
    ).rows[0];
    if (!prior) throw new ConflictError('The Idempotency-Key is being reused concurrently; retry shortly.');
    if (prior.request_hash !== hash) {
      throw new UnprocessableError('This Idempotency-Key was used for a different request.', [
        { field: 'headers.idempotency-key', reason: 'reused with a different request' },
      ]);
    }
    if (prior.status === 0)
      throw new ConflictError('A request with this Idempotency-Key is still in progress; retry shortly.');
    const replayedId = (prior.response as { id?: unknown } | null)?.id;
    await audit(pool, actor, {
      action: 'read',
      entity: 'idempotent_replay',
      ...(typeof replayedId === 'string' ? { entityId: replayedId } : {}),
      detail: { method: request.method, path: request.path, status: prior.status },
    });
    return {
      status: prior.status,
      body: prior.response ?? undefined,
      headers: { 'Idempotent-Replayed': 'true' },
    };
  }
  try {
    const result = await run();
    await pool.query(
      'UPDATE idempotency_keys SET status = $3, response = $4 WHERE staff_id = $1 AND key = $2',
      [staffId, key, result.status, JSON.stringify(result.body ?? null)],
    );
    return result;
  } catch (err) {
    // Nothing was created: release the key so a corrected retry can use it.
    await pool
      .query('DELETE FROM idempotency_keys WHERE staff_id = $1 AND key = $2 AND status = 0', [staffId, key])
      .catch(() => undefined);
    throw err;
  }
}

/** Removes a batch of expired stored responses (any staff member's), oldest first. */
export async function sweepExpired(pool: Pool): Promise<number> {
  const swept = await pool.query(
    `DELETE FROM idempotency_keys WHERE ctid IN (
       SELECT ctid FROM idempotency_keys WHERE created_at < now() - make_interval(secs => $1)
        ORDER BY created_at LIMIT $2 FOR UPDATE SKIP LOCKED)`,
    [STORED_RESPONSE_SECONDS, SWEEP_BATCH],
  );
  return swept.rowCount ?? 0;
}

/**
 * Hourly, so stored responses go even when no new key arrives to sweep them. Returns a stop
 * function; a failed sweep (database away) waits for the next hour.
 */
export function sweepExpiredHourly(pool: Pool): () => void {
  const sweep = async (): Promise<void> => {
    while ((await sweepExpired(pool)) === SWEEP_BATCH);
  };
  const timer = setInterval(() => void sweep().catch(() => undefined), 60 * 60_000);
  timer.unref();
  return () => clearInterval(timer);
}
