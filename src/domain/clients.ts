import type { Pool, PoolClient } from 'pg';
import { visibleClientsSql } from './access';
import type { Actor } from './actor';
import { inTransaction } from '../db/tx';
import { audit, auditEach } from './audit';
import { appendConsent } from './consent-log';
import { NotFoundError, UnprocessableError } from '../core/errors';

/**
 * Clients are the sensitive part: a client is visible only through a case the actor may see (or
 * to an admin), and every read and write lands in the audit log.
 */

export interface ClientRecord {
  id: string;
  givenName: string;
  familyName: string;
  birthDate: string | null;
  email: string | null;
  phone: string | null;
  address: string | null;
  preferredLanguage: string | null;
  consentToShare: boolean;
}

interface ClientRow {
  id: string;
  given_name: string;
  family_name: string;
  birth_date: string | null;
  email: string | null;
  phone: string | null;
  address: string | null;
  preferred_language: string | null;
  consent_to_share: boolean;
}

const COLUMNS = `cl.id, cl.given_name, cl.family_name, to_char(cl.birth_date, 'YYYY-MM-DD') AS birth_date, cl.email, cl.phone,
  cl.address, cl.preferred_language, cl.consent_to_share`;

const toClient = (r: ClientRow): ClientRecord => ({
  id: r.id,
  givenName: r.given_name,
  familyName: r.family_name,
  birthDate: r.birth_date,
  email: r.email,
  phone: r.phone,
  address: r.address,
  preferredLanguage: r.preferred_language,
  consentToShare: r.consent_to_share,
});

export type ClientInput = Omit<
  ClientRecord,
  'id' | 'birthDate' | 'email' | 'phone' | 'address' | 'preferredLanguage' | 'consentToShare'
> &
  Partial<
    Pick<ClientRecord, 'birthDate' | 'email' | 'phone' | 'address' | 'preferredLanguage' | 'consentToShare'>
  >;

/** May the actor see this client? Unknown and hidden clients are indistinguishable to the caller. */
export async function isClientVisible(
  db: Pool | PoolClient,
  actor: Actor,
  clientId: string,
): Promise<boolean> {
  const r = await db.query(`SELECT 1 FROM clients cl WHERE cl.id = $1 AND ${visibleClientsSql(actor, 2)}`, [
    clientId,
    actor.id,
  ]);
  return r.rowCount === 1;
}

/** A birth date is well formed by schema; one in the future cannot apply to anybody (422). */
export function checkBirthDate(birthDate: string | undefined, field: string): void {
  if (birthDate !== undefined && Date.parse(birthDate) > Date.now())
    throw new UnprocessableError('birthDate is in the future.', [{ field, reason: 'in the future' }]);
}

export async function createClient(
  pool: Pool,
  actor: Actor,
  input: ClientInput,
  now = new Date(),
): Promise<ClientRecord> {
  checkBirthDate(input.birthDate ?? undefined, 'body.birthDate');
  return inTransaction(pool, async (db) => {
    const row = (
      await db.query<ClientRow>(
        `INSERT INTO clients AS cl (given_name, family_name, birth_date, email, phone, address, preferred_language, consent_to_share)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING ${COLUMNS}`,
        [
          input.givenName,
          input.familyName,
          input.birthDate ?? null,
          input.email ?? null,
          input.phone ?? null,
          input.address ?? null,
          input.preferredLanguage ?? null,
          input.consentToShare ?? false,
        ],
      )
    ).rows[0]!;
    await audit(db, actor, { action: 'create', entity: 'client', entityId: row.id });
    await recordConsentAtRegistration(db, actor, row.id, input.consentToShare, now);
    return toClient(row);
  });
}

/** Consent given at registration is the first statement of the client's consent history. */
export async function recordConsentAtRegistration(
  db: PoolClient,
  actor: Actor,
  clientId: string,
  consentToShare: boolean | undefined,
  now: Date,
): Promise<void> {
  if (consentToShare === true)
    await appendConsent(db, actor, clientId, { given: true, at: now, note: 'recorded at registration' });
}

export async function getClient(pool: Pool, actor: Actor, id: string): Promise<ClientRecord> {
  const row = (
    await pool.query<ClientRow>(
      `SELECT ${COLUMNS} FROM clients cl WHERE cl.id = $1 AND ${visibleClientsSql(actor, 2)}`,
      [id, actor.id],
    )
  ).rows[0];
  if (!row) throw new NotFoundError(`No client ${id}.`);
  await audit(pool, actor, { action: 'read', entity: 'client', entityId: id });
  return toClient(row);
}

/** Name search (prefix, case-insensitive) over the clients the actor may see. */
export async function searchClients(
  pool: Pool,
  actor: Actor,
  q: { name?: string; birthDate?: string; limit: number },
): Promise<ClientRecord[]> {
  const rows = await pool.query<ClientRow>(
    `SELECT ${COLUMNS} FROM clients cl
      WHERE ${visibleClientsSql(actor, 1)}
        AND ($2::text IS NULL OR lower(cl.family_name) LIKE lower($2) || '%' OR lower(cl.given_name) LIKE lower($2) || '%'
             OR lower(cl.given_name || ' ' || cl.family_name) LIKE lower($2) || '%')
        AND ($3::date IS NULL OR cl.birth_date = $3)
      ORDER BY lower(cl.family_name), lower(cl.given_name), cl.id LIMIT $4`,
    [actor.id, q.name?.replace(/[%_\\]/g, (c) => `\\${c}`) ?? null, q.birthDate ?? null, q.limit],
  );
  // Which records were disclosed, one entry each; a search that disclosed nothing is still recorded.
  if (rows.rows.length > 0)
    await auditEach(
      pool,
      actor,
      { action: 'read', entity: 'client', detail: { search: true } },
      rows.rows.map((r) => ({ entityId: r.id })),
    );
  else await audit(pool, actor, { action: 'read', entity: 'client', detail: { search: true, results: 0 } });
  return rows.rows.map(toClient);
}

/**
 * Clients already on record under the same name and birth date as a new one (names compared
 * trimmed and case-insensitively; no birth date matches no birth date), among the clients the
 * actor may see: intake warns before registering the same person twice. One query; every record
 * it discloses is audited.
 */
export async function sameNamedClients(
  pool: Pool,
  actor: Actor,
  client: { givenName: string; familyName: string; birthDate?: string | undefined },
): Promise<ClientRecord[]> {
  const rows = (
    await pool.query<ClientRow>(
      `SELECT ${COLUMNS} FROM clients cl
        WHERE ${visibleClientsSql(actor, 1)}
          AND lower(btrim(cl.given_name)) = lower(btrim($2)) AND lower(btrim(cl.family_name)) = lower(btrim($3))
          AND cl.birth_date IS NOT DISTINCT FROM $4::date
        ORDER BY cl.created_at, cl.id LIMIT 20`,
      [actor.id, client.givenName, client.familyName, client.birthDate ?? null],
    )
  ).rows;
  if (rows.length > 0)
    await auditEach(
      pool,
      actor,
      { action: 'read', entity: 'client', detail: { duplicateCheck: true } },
      rows.map((r) => ({ entityId: r.id })),
    );
  return rows.map(toClient);
}
