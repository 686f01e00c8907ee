import { randomBytes } from 'node:crypto';
import type { Pool, PoolClient } from 'pg';
import { inTransaction } from '../db/tx';
import type { Actor, Role } from './actor';
import { requireRole } from './access';
import { audit } from './audit';
import { hashToken } from './auth';
import { hashPassword, passwordProblem } from './passwords';
import { endSessionsOf, startSession, type NewSession, type SessionPolicy } from './web-sessions';
import { ConflictError, NotFoundError, UnavailableError, ValidationError } from '../core/errors';

/**
 * Single-use links that let a person set their password: an invitation an admin sends (valid 72
 * hours) or a reset the person asks for (1 hour). The token is in the emailed link only; the table
 * keeps its SHA-256. Using a link sets the password, ends every other session of that person and
 * signs them in. A newer link of the same kind makes the older ones unusable.
 */

export type LinkPurpose = 'invitation' | 'password_reset';

export const LINK_LIFETIME_MS: Record<LinkPurpose, number> = {
  invitation: 72 * 3_600_000,
  password_reset: 3_600_000,
};

/** The email that carries a link; implemented over the mailer in src/notifications/account-mail.ts. */
export interface AccountMail {
  sendAccountLink(mail: {
    linkId: string;
    to: string;
    fullName: string;
    purpose: LinkPurpose;
    /** Goes into the link (`/password/<token>`). */
    token: string;
    expiresAt: Date;
    timeZone: string;
  }): Promise<void>;
}

export interface AccountLinkDeps {
  pool: Pool;
  accountMail?: AccountMail | undefined;
  clock?: () => Date;
}

const nowOf = (deps: { clock?: () => Date }): Date => deps.clock?.() ?? new Date();

interface LinkTarget {
  id: string;
  email: string;
  full_name: string;
  time_zone: string;
  active: boolean;
}

async function createLink(
  db: PoolClient,
  staffId: string,
  purpose: LinkPurpose,
  now: Date,
  createdBy: string | null,
): Promise<{ linkId: string; token: string; expiresAt: Date }> {
  await db.query(
    `UPDATE account_links SET expires_at = least(expires_at, $3)
      WHERE staff_id = $1 AND purpose = $2 AND used_at IS NULL`,
    [staffId, purpose, now],
  );
  const token = randomBytes(32).toString('base64url');
  const expiresAt = new Date(now.getTime() + LINK_LIFETIME_MS[purpose]);
  const linkId = (
    await db.query<{ id: string }>(
      `INSERT INTO account_links (token_hash, staff_id, purpose, created_at, created_by, expires_at)
       VALUES ($1, $2, $3, $4, $5, $6) RETURNING id`,
      [hashToken(token), staffId, purpose, now, createdBy, expiresAt],
    )
  ).rows[0]!.id;
  return { linkId, token, expiresAt };
}

function requireMail(deps: AccountLinkDeps): AccountMail {
  if (!deps.accountMail)
    throw new UnavailableError('Caseloop cannot send email from the API: SMTP_URL is not set for it.');
  return deps.accountMail;
}

/**
 * An admin invites a staff member to set their password: a link valid 72 hours is emailed to them.
 * Sending again makes the earlier invitation unusable. 409 for a deactivated person.
 */
export async function inviteStaff(
  deps: AccountLinkDeps,
  actor: Actor,
  staffId: string,
): Promise<{ staffId: string; sentTo: string; expiresAt: string }> {
  requireRole(actor, ['admin'], 'invite staff');
  const mail = requireMail(deps);
  const now = nowOf(deps);
  const { target, link } = await inTransaction(deps.pool, async (db) => {
    const target = (
      await db.query<LinkTarget>(
        'SELECT id, email, full_name, time_zone, active FROM staff WHERE id = $1 FOR SHARE',
        [staffId],
      )
    ).rows[0];
    if (!target) throw new NotFoundError(`No staff member ${staffId}.`);
    if (!target.active)
      throw new ConflictError('Deactivated staff cannot be invited; reactivate them first.');
    const link = await createLink(db, staffId, 'invitation', now, actor.id);
    await audit(db, actor, {
      action: 'create',
      entity: 'account_link',
      entityId: link.linkId,
      detail: { purpose: 'invitation', staffId },
    });
    return { target, link };
  });
  await mail.sendAccountLink({
    linkId: link.linkId,
    to: target.email,
    fullName: target.full_name,
    purpose: 'invitation',
    token: link.token,
    expiresAt: link.expiresAt,
    timeZone: target.time_zone,
  });
  return { staffId, sentTo: target.email, expiresAt: link.expiresAt.toISOString() };
}

/**
 * Someone asked for a reset link for `email`. Only an active staff member's address gets one; the
 * caller answers the same whatever happened (no account enumeration), so the email leaves in the
 * background and a failure goes to `onMailError`.
 */
export async function requestPasswordReset(
  deps: AccountLinkDeps & { onMailError: (err: unknown) => void },
  email: string,
): Promise<void> {
  const mail = requireMail(deps);
  const now = nowOf(deps);
  const sent = await inTransaction(deps.pool, async (db) => {
    const target = (
      await db.query<LinkTarget>(
        `SELECT id, email, full_name, time_zone, active FROM staff WHERE lower(email) = lower($1) FOR SHARE`,
        [email.trim()],
      )
    ).rows[0];
    if (!target?.active) return undefined;
    return { target, link: await createLink(db, target.id, 'password_reset', now, null) };
  });
  if (!sent) return;
  void mail
    .sendAccountLink({
      linkId: sent.link.linkId,
      to: sent.target.email,
      fullName: sent.target.full_name,
      purpose: 'password_reset',
      token: sent.link.token,
      expiresAt: sent.link.expiresAt,
      timeZone: sent.target.time_zone,
    })
    .catch(deps.onMailError);
}

/** Why a link cannot be used: it names nothing, was used, or has expired. */
export class AccountLinkRefused extends Error {
  constructor(readonly problem: 'unknown' | 'used' | 'expired') {
    super(
      problem === 'used'
        ? 'This link has already been used. If you need to set your password again, ask for a new link.'
        : problem === 'expired'
          ? 'This link has expired. Ask for a new one: a reset link lasts an hour, an invitation three days.'
          : 'This link is not valid. Check that you copied all of it, or ask for a new one.',
    );
    this.name = 'AccountLinkRefused';
  }
}

export interface UsableLink {
  id: string;
  purpose: LinkPurpose;
  staffId: string;
  email: string;
  fullName: string;
}

async function findUsableLink(
  db: Pool | PoolClient,
  token: string,
  now: Date,
  lock: boolean,
): Promise<UsableLink> {
  const row = (
    await db.query<{
      id: string;
      purpose: LinkPurpose;
      staff_id: string;
      expires_at: Date;
      used_at: Date | null;
      email: string;
      full_name: string;
      active: boolean;
    }>(
      `SELECT l.id, l.purpose, l.staff_id, l.expires_at, l.used_at, s.email, s.full_name, s.active
         FROM account_links l JOIN staff s ON s.id = l.staff_id
        WHERE l.token_hash = $1${lock ? ' FOR UPDATE OF l' : ''}`,
      [hashToken(token)],
    )
  ).rows[0];
  if (!row || !row.active) throw new AccountLinkRefused('unknown');
  if (row.used_at) throw new AccountLinkRefused('used');
  if (now.getTime() >= row.expires_at.getTime()) throw new AccountLinkRefused('expired');
  return {
    id: row.id,
    purpose: row.purpose,
    staffId: row.staff_id,
    email: row.email,
    fullName: row.full_name,
  };
}

/** The link behind a token, if it can still be used (the set-password page shows its form then). */
export async function usableLink(deps: AccountLinkDeps, token: string): Promise<UsableLink> {
  return findUsableLink(deps.pool, token, nowOf(deps), false);
}

/**
 * Sets the password through a link: the link is used up, every session of the person ends, and a
 * fresh one starts for this browser. A password the rules refuse is a ValidationError on
 * `password`; the link stays usable then.
 */
export async function setPasswordWithLink(
  deps: AccountLinkDeps & { sessions: SessionPolicy },
  token: string,
  password: string,
  sourceIp: string | undefined,
): Promise<{ staffId: string; role: Role; session: NewSession }> {
  const now = nowOf(deps);
  const link = await usableLink(deps, token);
  const problem = passwordProblem(password, link.email);
  if (problem) throw new ValidationError(problem, [{ field: 'password', reason: problem }]);
  // Slow on purpose (scrypt): outside the transaction, so no connection waits on it.
  const hash = await hashPassword(password);
  return inTransaction(deps.pool, async (db) => {
    const locked = await findUsableLink(db, token, now, true);
    await db.query('UPDATE account_links SET used_at = $2 WHERE id = $1', [locked.id, now]);
    await db.query(
      `INSERT INTO staff_credentials (staff_id, password_hash, changed_at) VALUES ($1, $2, $3)
       ON CONFLICT (staff_id) DO UPDATE SET password_hash = EXCLUDED.password_hash, changed_at = EXCLUDED.changed_at`,
      [locked.staffId, hash, now],
    );
    await endSessionsOf(db, locked.staffId, 'password_set', now);
    const role = (await db.query<{ role: Role }>('SELECT role FROM staff WHERE id = $1', [locked.staffId]))
      .rows[0]!.role;
    await audit(
      db,
      { id: locked.staffId, role, email: locked.email, ...(sourceIp ? { sourceIp } : {}) },
      {
        action: 'update',
        entity: 'staff_credentials',
        entityId: locked.staffId,
        detail: { via: locked.purpose },
      },
    );
    const session = await startSession(db, locked.staffId, now, deps.sessions, sourceIp);
    return { staffId: locked.staffId, role, session };
  });
}

/** Whether a person can sign in with a password yet, and their latest invitation (for admins). */
export interface AccountState {
  passwordSetAt: string | null;
  invitation: { sentAt: string; expiresAt: string; usedAt: string | null } | null;
}

export async function accountState(pool: Pool, staffId: string): Promise<AccountState> {
  const row = (
    await pool.query<{
      changed_at: Date | null;
      sent_at: Date | null;
      expires_at: Date | null;
      used_at: Date | null;
    }>(
      `SELECT (SELECT changed_at FROM staff_credentials WHERE staff_id = $1) AS changed_at,
              l.created_at AS sent_at, l.expires_at, l.used_at
         FROM (SELECT 1) one
         LEFT JOIN LATERAL (SELECT created_at, expires_at, used_at FROM account_links
                             WHERE staff_id = $1 AND purpose = 'invitation'
                             ORDER BY created_at DESC LIMIT 1) l ON true`,
      [staffId],
    )
  ).rows[0]!;
  return {
    passwordSetAt: row.changed_at?.toISOString() ?? null,
    invitation: row.sent_at
      ? {
          sentAt: row.sent_at.toISOString(),
          expiresAt: row.expires_at!.toISOString(),
          usedAt: row.used_at?.toISOString() ?? null,
        }
      : null,
  };
}
