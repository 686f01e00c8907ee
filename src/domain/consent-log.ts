import type { PoolClient } from 'pg';
import type { Actor } from './actor';
import type { ConsentMethod, ConsentPurpose } from '../core/consent-purposes';
import { audit } from './audit';

/**
 * The append-only consent log: each statement is dated, says who recorded it and is never
 * changed; the latest one is mirrored in clients.consent_to_share. No case or client services
 * here, so both registration and the consent endpoints can write through it.
 */

export interface ConsentStatement {
  id: string;
  clientId: string;
  purpose: ConsentPurpose;
  /** The provider a 'share_with_provider' statement names; null otherwise. */
  providerId: string | null;
  given: boolean;
  /** How the client said so; null on statements recorded before methods were. */
  method: ConsentMethod | null;
  at: string;
  note: string | null;
  recordedBy: string | null;
  recordedAt: string;
}

export interface ConsentRow {
  id: string;
  client_id: string;
  purpose: ConsentPurpose;
  provider_id: string | null;
  given: boolean;
  method: ConsentMethod | null;
  at: Date;
  note: string | null;
  recorded_by: string | null;
  recorded_at: Date;
}

export const toStatement = (r: ConsentRow): ConsentStatement => ({
  id: r.id,
  clientId: r.client_id,
  purpose: r.purpose,
  providerId: r.provider_id,
  given: r.given,
  method: r.method,
  at: r.at.toISOString(),
  note: r.note,
  recordedBy: r.recorded_by,
  recordedAt: r.recorded_at.toISOString(),
});

export interface NewConsentStatement {
  /** Sharing with providers in general unless said otherwise. */
  purpose?: ConsentPurpose;
  providerId?: string;
  given: boolean;
  method?: ConsentMethod;
  at: Date;
  note?: string;
}

/**
 * Appends a statement, in the caller's transaction. A statement about sharing with providers in
 * general also brings clients.consent_to_share (what lists show) up to date.
 */
export async function appendConsent(
  db: PoolClient,
  actor: Actor,
  clientId: string,
  s: NewConsentStatement,
): Promise<ConsentStatement> {
  const purpose = s.purpose ?? 'share_with_providers';
  const row = (
    await db.query<ConsentRow>(
      `INSERT INTO client_consents (client_id, purpose, provider_id, given, method, at, note, recorded_by)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING *`,
      [clientId, purpose, s.providerId ?? null, s.given, s.method ?? null, s.at, s.note ?? null, actor.id],
    )
  ).rows[0]!;
  if (purpose === 'share_with_providers')
    await db.query(
      `UPDATE clients SET consent_to_share = (
          SELECT given FROM client_consents WHERE client_id = $1 AND purpose = 'share_with_providers'
           ORDER BY at DESC, recorded_at DESC, id DESC LIMIT 1),
          updated_at = now()
        WHERE id = $1`,
      [clientId],
    );
  await audit(db, actor, {
    action: 'create',
    entity: 'client_consent',
    entityId: row.id,
    detail: { clientId, purpose, ...(s.providerId ? { providerId: s.providerId } : {}), given: s.given },
  });
  return toStatement(row);
}
