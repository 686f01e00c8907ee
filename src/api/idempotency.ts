import { createHash } from 'node:crypto';
import type { Pool } from 'pg';
import { ConflictError, UnprocessableError, ValidationError } from '../core/errors';
import type { Actor } from '../domain/actor';
import { audit } from '../domain/audit';
import type { RouteResult } from './route-result';
import { commitCompanions, type CommitCompanion } from '../db/tx';

/**
 * Idempotency-Key for creating POSTs: the first request with a key runs and its response is
 * stored; a retry with the same key and body gets that response again and creates nothing.
 * The key is claimed inside the transaction of the work it protects (src/db/tx.ts), so the two
 * land together or not at all: a fault after the commit cannot leave work done and the key free,
 * and a retry racing the first waits on the key and then gets the first's answer. Stored responses
 * hold client records, so they are kept only 24 hours: an older key counts as new, and every
 * request with a key sweeps a batch of expired rows. A replay discloses the stored record again,
 * so it is audited.
 */
export const KEY_PATTERN = /^[\x21-\x7e]{1,200}$/;
export const STORED_RESPONSE_SECONDS = 24 * 60 * 60;
const SWEEP_BATCH = 100;

interface KeyScope {
  staffId: string;
  key: string;
  method: string;
  path: string;
  hash: string;
}

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
  const scope: KeyScope = {
    staffId: actor.id,
    key,
    method: request.method,
    path: request.path,
    hash: createHash('sha256')
      .update(JSON.stringify([request.method, request.path, request.body ?? null]))
      .digest('hex'),
  };
  await pool.query(
    `DELETE FROM idempotency_keys WHERE staff_id = $1 AND key = $2 AND created_at < now() - make_interval(secs => $3)`,
    [scope.staffId, key, STORED_RESPONSE_SECONDS],
  );
  await sweepExpired(pool);
  const earlier = await storedAnswer(pool, actor, scope);
  if (earlier) return earlier;

  const claim: CommitCompanion = {
    committed: false,
    beforeCommit: async (db) => {
      await db.query(
        `INSERT INTO idempotency_keys (staff_id, key, method, path, request_hash, status) VALUES ($1, $2, $3, $4, $5, 0)`,
        [scope.staffId, key, scope.method, scope.path, scope.hash],
      );
    },
  };
  let result: RouteResult;
  try {
    result = await commitCompanions.run(claim, run);
  } catch (err) {
    // The same key committed first in a concurrent request: this one's work rolled back whole.
    if (isKeyTaken(err)) {
      const first = await storedAnswer(pool, actor, scope);
      if (first) return first;
      throw new ConflictError('A request with this Idempotency-Key is still in progress; retry shortly.');
    }
    throw err;
  }
  const answer = [scope.staffId, key, result.status, JSON.stringify(result.body ?? null)];
  // The work is done either way: failing to store its answer must not turn it into an error.
  if (claim.committed) {
    await pool
      .query(
        'UPDATE idempotency_keys SET status = $3, response = $4 WHERE staff_id = $1 AND key = $2',
        answer,
      )
      .catch(() => undefined);
  } else {
    // The work needed no transaction of its own: keep its answer for retries all the same.
    await pool
      .query(
        `INSERT INTO idempotency_keys (staff_id, key, method, path, request_hash, status, response)
         VALUES ($1, $2, $5, $6, $7, $3, $4) ON CONFLICT DO NOTHING`,
        [...answer, scope.method, scope.path, scope.hash],
      )
      .catch(() => undefined);
  }
  return result;
}

const isKeyTaken = (err: unknown): boolean =>
  (err as { code?: string; constraint?: string })?.code === '23505' &&
  (err as { constraint?: string }).constraint === 'idempotency_keys_pkey';

/** The answer a retry gets: the stored response, or why there is none to give. */
async function storedAnswer(pool: Pool, actor: Actor, scope: KeyScope): Promise<RouteResult | undefined> {
  const prior = (
    await pool.query<{ request_hash: string; status: number; response: unknown }>(
      `SELECT request_hash, status, response FROM idempotency_keys
        WHERE staff_id = $1 AND key = $2 AND created_at >= now() - make_interval(secs => $3)`,
      [scope.staffId, scope.key, STORED_RESPONSE_SECONDS],
    )
  ).rows[0];
  if (!prior) return undefined;
  if (prior.request_hash !== scope.hash) {
    throw new UnprocessableError('This Idempotency-Key was used for a different request.', [
      { field: 'headers.idempotency-key', reason: 'reused with a different request' },
    ]);
  }
  if (prior.status === 0)
    throw new ConflictError(
      'The request with this Idempotency-Key was carried out, but its answer is not stored (it is still being delivered, or the server stopped before answering). Nothing was changed now; retry shortly or look the record up.',
    );
  const replayedId = (prior.response as { id?: unknown } | null)?.id;
  await audit(pool, actor, {
    action: 'read',
    entity: 'idempotent_replay',
    ...(typeof replayedId === 'string' ? { entityId: replayedId } : {}),
    detail: { method: scope.method, path: scope.path, status: prior.status },
  });
  return {
    status: prior.status,
    body: prior.response ?? undefined,
    headers: { 'Idempotent-Replayed': 'true' },
  };
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
