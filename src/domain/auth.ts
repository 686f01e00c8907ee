import { createHash, randomBytes } from 'node:crypto';
import type { Pool, PoolClient } from 'pg';
import { prepared } from '../db/prepared';
import type { Actor, Role } from './actor';
import { UnauthenticatedError } from '../core/errors';

/** SHA-256 in hex: how tokens, session ids and link tokens are kept (never in the clear). */
export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

/** API tokens are for programs; they expire this long after issue unless the issuer says otherwise. */
export const DEFAULT_TOKEN_LIFETIME_DAYS = 90;

/**
 * Issues a bearer token; only its hash is stored, so the plain token is returned exactly once.
 * Token expiry is wall-clock time (the database's), like every credential's.
 */
export async function issueToken(
  db: Pool | PoolClient,
  staffId: string,
  label = '',
  expiresAt?: Date,
): Promise<string> {
  const token = `cl_${randomBytes(24).toString('base64url')}`;
  await db.query(
    `INSERT INTO api_tokens (staff_id, token_hash, label, expires_at)
     VALUES ($1, $2, $3, coalesce($4::timestamptz, now() + make_interval(days => $5)))`,
    [staffId, hashToken(token), label, expiresAt ?? null, DEFAULT_TOKEN_LIFETIME_DAYS],
  );
  return token;
}

export const TOKEN_HOLDER = prepared(
  `SELECT t.id AS token_id, s.id, s.role, s.email, s.active, t.expires_at <= now() AS expired,
              (t.last_used_at IS NULL OR t.last_used_at < now() - interval '1 minute') AS stale
         FROM api_tokens t JOIN staff s ON s.id = t.staff_id
        WHERE t.token_hash = $1 AND t.revoked_at IS NULL`,
);

/** The staff member an API token acts for; revoked, expired or a deactivated person's tokens are refused. */
export async function authenticate(
  pool: Pool,
  token: string | undefined,
): Promise<Omit<Actor, 'sourceIp' | 'requestId'>> {
  if (!token) throw new UnauthenticatedError('Send a bearer token in the Authorization header.');
  const row = (
    await pool.query<{
      token_id: string;
      id: string;
      role: Role;
      email: string;
      active: boolean;
      expired: boolean;
      stale: boolean;
    }>(TOKEN_HOLDER.with([hashToken(token)]))
  ).rows[0];
  if (!row) throw new UnauthenticatedError('The bearer token is not valid.');
  if (row.expired) throw new UnauthenticatedError('The bearer token has expired; ask for a new one.');
  if (!row.active) throw new UnauthenticatedError('The staff member behind this token is deactivated.');
  // "Last used" to the minute: at most one write a minute per token.
  if (row.stale) await pool.query('UPDATE api_tokens SET last_used_at = now() WHERE id = $1', [row.token_id]);
  return { id: row.id, role: row.role, email: row.email };
}
