import type { Pool, PoolClient } from 'pg';
import { inTransaction } from '../db/tx';
import type { Actor } from './actor';
import { audit } from './audit';
import { reportedTime } from './case-actions';
import { isClientVisible } from './clients';
import { NotFoundError } from './errors';

/**
 * Consent to share with providers is a history, not a flag: each statement is dated, says who
 * recorded it and is never changed. The latest statement (by when it was given or withdrawn) is
 * the client's current consent, mirrored in clients.consent_to_share for lists.
 */

export interface ConsentStatement {
  id: string;
  clientId: string;
  given: boolean;
  at: string;
  note: string | null;
  recordedBy: string | null;
  recordedAt: string;
}

interface ConsentRow {
  id: string;
  client_id: string;
  given: boolean;
  at: Date;
  note: string | null;
  recorded_by: string | null;
  recorded_at: Date;
}

const toStatement = (r: ConsentRow): ConsentStatement => ({
  id: r.id,
  clientId: r.client_id,
  given: r.given,
  at: r.at.toISOString(),
  note: r.note,
  recordedBy: r.recorded_by,
  recordedAt: r.recorded_at.toISOString(),
});

/** Appends a statement and brings the client's current consent up to date, in the caller's transaction. */
export async function appendConsent(
  db: PoolClient,
  actor: Actor,
  clientId: string,
  s: { given: boolean; at: Date; note?: string },
): Promise<ConsentStatement> {
  const row = (
    await db.query<ConsentRow>(
      `INSERT INTO client_consents (client_id, given, at, note, recorded_by) VALUES ($1, $2, $3, $4, $5) RETURNING *`,
      [clientId, s.given, s.at, s.note ?? null, actor.id],
    )
  ).rows[0]!;
  await db.query(
    `UPDATE clients SET consent_to_share = (
        SELECT given FROM client_consents WHERE client_id = $1 ORDER BY at DESC, recorded_at DESC, id DESC LIMIT 1),
        updated_at = now()
      WHERE id = $1`,
    [clientId],
  );
  await audit(db, actor, {
    action: 'create',
    entity: 'client_consent',
    entityId: row.id,
    detail: { clientId, given: s.given },
  });
  return toStatement(row);
}

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
