import type { Pool, PoolClient } from 'pg';
import { inTransaction } from '../db/tx';
import type { Actor } from './actor';
import { audit } from './audit';
import { reportedTime } from './case-actions';
import { isClientVisible } from './clients';
import { NotFoundError, UnprocessableError } from '../core/errors';
import type { ConsentMethod, ConsentPurpose, ConsentQuestion } from '../core/consent-purposes';
import { appendConsent, toStatement, type ConsentRow, type ConsentStatement } from './consent-log';

export type { ConsentStatement } from './consent-log';

/**
 * Consent is a history per purpose, not a flag: each statement is dated, says how the client gave
 * or withdrew it and who recorded it, and is never changed. The latest statement that speaks to a
 * question answers it (see `consentTo`).
 */

export interface ConsentInput {
  purpose?: ConsentPurpose;
  /** Required for 'share_with_provider', refused for any other purpose. */
  providerId?: string;
  given: boolean;
  method?: ConsentMethod;
  at?: string;
  note?: string;
}

/** Consent given or withdrawn after registration, possibly dated back to when the client said so. */
export async function recordConsent(
  deps: { pool: Pool; clock?: () => Date },
  actor: Actor,
  clientId: string,
  input: ConsentInput,
  now = deps.clock?.() ?? new Date(),
): Promise<ConsentStatement> {
  const at = reportedTime(input.at, now);
  return inTransaction(deps.pool, (db) => appendCheckedConsent(db, actor, clientId, input, at));
}

/** The checks and the append of `recordConsent`, in the caller's transaction (which may do more). */
export async function appendCheckedConsent(
  db: PoolClient,
  actor: Actor,
  clientId: string,
  input: ConsentInput,
  at: Date,
): Promise<ConsentStatement> {
  const purpose = input.purpose ?? 'share_with_providers';
  if ((purpose === 'share_with_provider') !== (input.providerId !== undefined))
    throw new UnprocessableError(
      purpose === 'share_with_provider'
        ? 'Consent to share with a named provider needs the provider.'
        : 'Only consent to share with a named provider names a provider.',
      [{ field: 'body.providerId', reason: purpose === 'share_with_provider' ? 'required' : 'not allowed' }],
    );
  // One statement at a time per client; NO KEY UPDATE so rows that merely reference the client
  // (a case's projection) are not blocked, and a consent fan-out cannot deadlock with them.
  await db.query('SELECT 1 FROM clients WHERE id = $1 FOR NO KEY UPDATE', [clientId]);
  if (!(await isClientVisible(db, actor, clientId))) throw new NotFoundError(`No client ${clientId}.`);
  if (input.providerId !== undefined) {
    const found = await db.query('SELECT 1 FROM providers WHERE id = $1', [input.providerId]);
    if (found.rowCount === 0)
      throw new UnprocessableError('providerId does not name a provider.', [
        { field: 'body.providerId', reason: 'not found' },
      ]);
  }
  return appendConsent(db, actor, clientId, {
    purpose,
    ...(input.providerId !== undefined ? { providerId: input.providerId } : {}),
    given: input.given,
    ...(input.method ? { method: input.method } : {}),
    at,
    ...(input.note !== undefined ? { note: input.note } : {}),
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

/** Whether the client consents now to sharing with providers in general (the registration flag when nothing is on record). */
export async function currentConsent(db: Pool | PoolClient, clientId: string): Promise<boolean> {
  const r = await db.query<{ given: boolean }>(
    `SELECT coalesce(
        (SELECT given FROM client_consents WHERE client_id = $1 AND purpose = 'share_with_providers'
          ORDER BY at DESC, recorded_at DESC, id DESC LIMIT 1),
        (SELECT consent_to_share FROM clients WHERE id = $1),
        false) AS given`,
    [clientId],
  );
  return r.rows[0]!.given;
}

/**
 * Whether the client consents now, asked at the moment of acting. Sharing with a provider: the
 * latest statement about that provider or about providers in general decides, so a later general
 * withdrawal ends an earlier named grant and a later named grant opens one provider after a
 * general withdrawal; with neither on record, the registration flag. Email reminders: only a
 * statement giving them; nothing on record means no.
 */
export async function consentTo(
  db: Pool | PoolClient,
  clientId: string,
  question: ConsentQuestion,
): Promise<boolean> {
  if (question.purpose === 'email_reminders') {
    const r = await db.query<{ given: boolean }>(
      `SELECT given FROM client_consents WHERE client_id = $1 AND purpose = 'email_reminders'
        ORDER BY at DESC, recorded_at DESC, id DESC LIMIT 1`,
      [clientId],
    );
    return r.rows[0]?.given ?? false;
  }
  const r = await db.query<{ given: boolean }>(
    `SELECT coalesce(
        (SELECT given FROM client_consents
          WHERE client_id = $1
            AND (purpose = 'share_with_providers' OR (purpose = 'share_with_provider' AND provider_id = $2))
          ORDER BY at DESC, recorded_at DESC, id DESC LIMIT 1),
        (SELECT consent_to_share FROM clients WHERE id = $1),
        false) AS given`,
    [clientId, question.providerId],
  );
  return r.rows[0]!.given;
}
