import type { Pool } from 'pg';
import { inTransaction } from '../db/tx';
import { canManageTokensOf } from './access';
import type { Actor } from './actor';
import { audit } from './audit';
import { ForbiddenError, NotFoundError } from '../core/errors';

/** A staff member's API tokens as their owner and admins see them: never the token itself. */
export interface ApiTokenInfo {
  id: string;
  label: string;
  createdAt: string;
  expiresAt: string;
  /** To the minute; null when never used. */
  lastUsedAt: string | null;
  revokedAt: string | null;
}

interface TokenRow {
  id: string;
  label: string;
  created_at: Date;
  expires_at: Date;
  last_used_at: Date | null;
  revoked_at: Date | null;
}

const toInfo = (r: TokenRow): ApiTokenInfo => ({
  id: r.id,
  label: r.label,
  createdAt: r.created_at.toISOString(),
  expiresAt: r.expires_at.toISOString(),
  lastUsedAt: r.last_used_at?.toISOString() ?? null,
  revokedAt: r.revoked_at?.toISOString() ?? null,
});

function requireTokenManager(actor: Actor, staffId: string): void {
  if (!canManageTokensOf(actor, staffId))
    throw new ForbiddenError('Only an admin, or the person themselves, may see or revoke their tokens.');
}

/** Every token of the staff member, newest first, revoked and expired ones included. */
export async function listTokens(pool: Pool, actor: Actor, staffId: string): Promise<ApiTokenInfo[]> {
  requireTokenManager(actor, staffId);
  const staff = await pool.query('SELECT 1 FROM staff WHERE id = $1', [staffId]);
  if (!staff.rowCount) throw new NotFoundError(`No staff member ${staffId}.`);
  const rows = await pool.query<TokenRow>(
    `SELECT id, label, created_at, expires_at, last_used_at, revoked_at FROM api_tokens
      WHERE staff_id = $1 ORDER BY created_at DESC, id`,
    [staffId],
  );
  return rows.rows.map(toInfo);
}

/** Revokes one token at once; revoking a revoked token changes nothing and says when it was. */
export async function revokeToken(
  pool: Pool,
  actor: Actor,
  staffId: string,
  tokenId: string,
): Promise<ApiTokenInfo> {
  requireTokenManager(actor, staffId);
  return inTransaction(pool, async (db) => {
    const current = (
      await db.query<TokenRow>(
        `SELECT id, label, created_at, expires_at, last_used_at, revoked_at FROM api_tokens
          WHERE id = $1 AND staff_id = $2 FOR UPDATE`,
        [tokenId, staffId],
      )
    ).rows[0];
    if (!current) throw new NotFoundError(`No token ${tokenId} for staff member ${staffId}.`);
    if (current.revoked_at) return toInfo(current);
    const row = (
      await db.query<TokenRow>(
        `UPDATE api_tokens SET revoked_at = now() WHERE id = $1
         RETURNING id, label, created_at, expires_at, last_used_at, revoked_at`,
        [tokenId],
      )
    ).rows[0]!;
    await audit(db, actor, {
      action: 'update',
      entity: 'api_token',
      entityId: tokenId,
      detail: { change: 'revoke', staffId },
    });
    return toInfo(row);
  });
}
