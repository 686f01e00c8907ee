import { createHash, randomBytes } from 'node:crypto';
import type { Pool, PoolClient } from 'pg';
import type { Actor, Role } from './actor';
import { UnauthenticatedError } from '../core/errors';

export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

/** Issues a bearer token; only its hash is stored, so the plain token is returned exactly once. */
export async function issueToken(db: Pool | PoolClient, staffId: string, label = ''): Promise<string> {
  const token = `cl_${randomBytes(24).toString('base64url')}`;
  await db.query('INSERT INTO api_tokens (staff_id, token_hash, label) VALUES ($1, $2, $3)', [
    staffId,
    hashToken(token),
    label,
  ]);
  return token;
}

export async function authenticate(
  pool: Pool,
  token: string | undefined,
): Promise<Omit<Actor, 'sourceIp' | 'requestId'>> {
  if (!token) throw new UnauthenticatedError('Send a bearer token in the Authorization header.');
  const row = (
    await pool.query<{ id: string; role: Role; email: string; active: boolean }>(
      `SELECT s.id, s.role, s.email, s.active
         FROM api_tokens t JOIN staff s ON s.id = t.staff_id
        WHERE t.token_hash = $1 AND t.revoked_at IS NULL`,
      [hashToken(token)],
    )
  ).rows[0];
  if (!row) throw new UnauthenticatedError('The bearer token is not valid.');
  if (!row.active) throw new UnauthenticatedError('The staff member behind this token is deactivated.');
  return { id: row.id, role: row.role, email: row.email };
}
