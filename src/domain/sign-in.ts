import type { Pool } from 'pg';
import { inTransaction } from '../db/tx';
import type { Role } from './actor';
import { audit } from './audit';
import { hashPassword, needsRehash, verifyAgainstDecoy, verifyPassword } from './passwords';
import { admitAttempt, clearLimit, forgetAttempt, signInLimits } from './sign-in-throttle';
import { endSession, startSession, type NewSession, type SessionPolicy } from './web-sessions';

/**
 * Signing in with an email and a password. Every attempt is counted before the password is checked
 * (5 failures per account, 20 per source address, in 15 minutes); over a limit the answer is
 * "throttled" without checking anything. A wrong password and an unknown or deactivated account
 * are the same "refused", and take the same time. Success starts a fresh session (ending the one
 * the browser had, if any).
 */

export type SignInResult =
  | { outcome: 'signed_in'; staffId: string; role: Role; session: NewSession }
  | { outcome: 'refused' }
  | { outcome: 'throttled'; retryAt: Date };

export interface SignInDeps {
  pool: Pool;
  sessions: SessionPolicy;
  clock?: () => Date;
}

export async function signIn(
  deps: SignInDeps,
  input: {
    email: string;
    password: string;
    sourceIp: string;
    /** The session id the browser still holds: it ends, a new one takes its place. */
    replacing?: string | undefined;
  },
): Promise<SignInResult> {
  const now = deps.clock?.() ?? new Date();
  const limits = signInLimits(input.email, input.sourceIp);
  const admission = await admitAttempt(deps.pool, limits, now);
  if (!admission.admitted) return { outcome: 'throttled', retryAt: admission.retryAt };

  const account = (
    await deps.pool.query<{ id: string; role: Role; email: string; active: boolean; password_hash: string }>(
      `SELECT s.id, s.role, s.email, s.active, c.password_hash
         FROM staff s JOIN staff_credentials c ON c.staff_id = s.id
        WHERE lower(s.email) = lower($1)`,
      [input.email.trim()],
    )
  ).rows[0];
  const accepted = account?.active
    ? await verifyPassword(input.password, account.password_hash)
    : await verifyAgainstDecoy(input.password);
  if (!account || !accepted) return { outcome: 'refused' };

  await forgetAttempt(deps.pool, admission.attempt);
  await clearLimit(deps.pool, limits[0]!);
  const rehashed = needsRehash(account.password_hash) ? await hashPassword(input.password) : undefined;
  const session = await inTransaction(deps.pool, async (db) => {
    if (rehashed)
      await db.query('UPDATE staff_credentials SET password_hash = $2 WHERE staff_id = $1', [
        account.id,
        rehashed,
      ]);
    if (input.replacing) await endSession(db, input.replacing, 'replaced', now);
    const started = await startSession(db, account.id, now, deps.sessions, input.sourceIp);
    await audit(
      db,
      { id: account.id, role: account.role, email: account.email, sourceIp: input.sourceIp },
      { action: 'create', entity: 'web_session', entityId: account.id },
    );
    return started;
  });
  return { outcome: 'signed_in', staffId: account.id, role: account.role, session };
}

/**
 * Signing in someone the agency's OpenID provider vouched for (single sign-on matched them by
 * verified email): a fresh session, the one the browser held ended, audited like a password sign-in.
 */
export async function signInVouched(
  deps: SignInDeps,
  input: { staffId: string; sourceIp: string; replacing?: string | undefined },
): Promise<NewSession> {
  const now = deps.clock?.() ?? new Date();
  return inTransaction(deps.pool, async (db) => {
    const staff = (
      await db.query<{ role: Role; email: string }>(
        'SELECT role, email FROM staff WHERE id = $1 AND active',
        [input.staffId],
      )
    ).rows[0];
    if (!staff) throw new Error('signInVouched: no active staff member with that id');
    if (input.replacing) await endSession(db, input.replacing, 'replaced', now);
    const started = await startSession(db, input.staffId, now, deps.sessions, input.sourceIp);
    await audit(
      db,
      { id: input.staffId, role: staff.role, email: staff.email, sourceIp: input.sourceIp },
      { action: 'create', entity: 'web_session', entityId: input.staffId, detail: { via: 'single_sign_on' } },
    );
    return started;
  });
}
