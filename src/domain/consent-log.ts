import type { PoolClient } from 'pg';
import type { Actor } from './actor';
import { audit } from './audit';

/**
 * The append-only consent log: each statement is dated, says who recorded it and is never
 * changed; the latest one is mirrored in clients.consent_to_share. No case or client services
 * here, so both registration and the consent endpoints can write through it.
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

export interface ConsentRow {
  id: string;
  client_id: string;
  given: boolean;
  at: Date;
  note: string | null;
  recorded_by: string | null;
  recorded_at: Date;
}

export const toStatement = (r: ConsentRow): ConsentStatement => ({
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
