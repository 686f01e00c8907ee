import type { Pool, PoolClient } from 'pg';
import { inTransaction } from '../db/tx';
import type { Actor } from './actor';
import { audit } from './audit';
import { reportedTime } from './case-actions';
import { isClientVisible } from './clients';
import { NotFoundError } from '../core/errors';
import { appendConsent, toStatement, type ConsentRow, type ConsentStatement } from './consent-log';

export type { ConsentStatement } from './consent-log';

/**
 * Consent to share with providers is a history, not a flag: each statement is dated, says who
 * recorded it and is never changed. The latest statement (by when it was given or withdrawn) is
 * the client's current consent, mirrored in clients.consent_to_share for lists.
 */

/** Consent given or withdrawn after registration, possibly dated back to when the client said so. */
export async function recordConsent(
  deps: { pool: Pool; clock?: () => Date },
  actor: Actor,
  clientId: string,
  input: { given: boolean; at?: string; note?: string },
  now = deps.clock?.() ?? new Date(),
): Promise<ConsentStatement> {
  const at = reportedTime(input.at, now);
  return inTransaction(deps.pool, async (db) => {
    await db.query('SELECT 1 FROM clients WHERE id = $1 FOR UPDATE', [clientId]);
    if (!(await isClientVisible(db, actor, clientId))) throw new NotFoundError(`No client ${clientId}.`);
    return appendConsent(db, actor, clientId, { given: input.given, at, note: input.note });
  });
}

/** Every consent statement on record for the client, oldest first (audited read). */
export async function consentHistory(
  pool: Pool,
  actor: Actor,
  clientId: string,
): Promise<ConsentStatement[]> {
  if (!(await isClientVisible(pool, actor, clientId))) throw new NotFoundError(`No client ${clientId}.`);
  const rows = await pool.query<ConsentRow>(
    'SELECT * FROM client_consents WHERE client_id = $1 ORDER BY at, recorded_at, id',
    [clientId],
  );
  await audit(pool, actor, { action: 'read', entity: 'client_consent', entityId: clientId });
  return rows.rows.map(toStatement);
}

/** Whether the client consents now: the latest statement, or the registration flag when none is on record. */
export async function currentConsent(db: Pool | PoolClient, clientId: string): Promise<boolean> {
  const r = await db.query<{ given: boolean }>(
    `SELECT coalesce(
        (SELECT given FROM client_consents WHERE client_id = $1 ORDER BY at DESC, recorded_at DESC, id DESC LIMIT 1),
        (SELECT consent_to_share FROM clients WHERE id = $1),
        false) AS given`,
    [clientId],
  );
  return r.rows[0]!.given;
}
