import { randomBytes } from 'node:crypto';
import type { Pool, PoolClient } from 'pg';
import { prepared } from '../db/prepared';
import { inTransaction } from '../db/tx';
import { NotFoundError } from '../core/errors';
import { requireRole } from './access';
import type { Actor, Role } from './actor';
import { audit } from './audit';
import { hashToken } from './auth';

/**
 * A browser's signed-in session, kept server-side. The browser holds a 32-byte random id (in an
 * HttpOnly cookie); the table holds only its SHA-256, the staff member, and the session's CSRF
 * secret. A session ends when it has been idle too long, at its absolute end, at sign-out, when
 * its owner is deactivated or sets a new password; an ended session never comes back.
 */

export interface SessionPolicy {
  /** Ends after this long without a request. */
  idleTimeoutMs: number;
  /** Ends this long after sign-in, however active. */
  absoluteLifetimeMs: number;
}

export const DEFAULT_SESSION_POLICY: SessionPolicy = {
  idleTimeoutMs: 30 * 60_000,
  absoluteLifetimeMs: 12 * 3_600_000,
};

/** last_seen_at is written at most this often per session (one write a minute, not one per request). */
const TOUCH_EVERY_MS = 60_000;

export type SessionEndReason =
  'signed_out' | 'idle' | 'expired' | 'deactivated' | 'password_set' | 'replaced' | 'ended_by_admin';

type Db = Pool | PoolClient;

export interface NewSession {
  /** Goes into the cookie; never stored. */
  id: string;
  csrfSecret: string;
  expiresAt: Date;
}

export async function startSession(
  db: Db,
  staffId: string,
  now: Date,
  policy: SessionPolicy,
  sourceIp?: string,
): Promise<NewSession> {
  const id = randomBytes(32).toString('base64url');
  const csrfSecret = randomBytes(32).toString('base64url');
  const expiresAt = new Date(now.getTime() + policy.absoluteLifetimeMs);
  await db.query(
    `INSERT INTO web_sessions (id_hash, staff_id, csrf_secret, created_at, last_seen_at, expires_at, source_ip)
     VALUES ($1, $2, $3, $4, $4, $5, $6)`,
    [hashToken(id), staffId, csrfSecret, now, expiresAt, sourceIp ?? null],
  );
  return { id, csrfSecret, expiresAt };
}

export interface OpenSession {
  staffId: string;
  email: string;
  fullName: string;
  role: Role;
  timeZone: string;
  csrfSecret: string;
}

const SESSION_HOLDER = prepared(
  `SELECT w.staff_id, w.csrf_secret, w.last_seen_at, w.expires_at, w.ended_at,
          s.email, s.full_name, s.role, s.time_zone, s.active
     FROM web_sessions w JOIN staff s ON s.id = w.staff_id
    WHERE w.id_hash = $1`,
);

/**
 * The open session behind a cookie's id, its last-seen time moved on; undefined when there is none
 * (unknown, ended, idle too long, past its end, or its owner deactivated). A session found idle or
 * past its end is ended on the spot, with the reason.
 */
export async function resumeSession(
  pool: Pool,
  id: string | undefined,
  now: Date,
  policy: SessionPolicy,
): Promise<OpenSession | undefined> {
  if (!id) return undefined;
  const idHash = hashToken(id);
  const row = (
    await pool.query<{
      staff_id: string;
      csrf_secret: string;
      last_seen_at: Date;
      expires_at: Date;
      ended_at: Date | null;
      email: string;
      full_name: string;
      role: Role;
      time_zone: string;
      active: boolean;
    }>(SESSION_HOLDER.with([idHash]))
  ).rows[0];
  if (!row || row.ended_at) return undefined;
  if (!row.active) {
    await endSession(pool, id, 'deactivated', now);
    return undefined;
  }
  if (now.getTime() >= row.expires_at.getTime()) {
    await endSession(pool, id, 'expired', now);
    return undefined;
  }
  if (now.getTime() - row.last_seen_at.getTime() >= policy.idleTimeoutMs) {
    await endSession(pool, id, 'idle', now);
    return undefined;
  }
  if (now.getTime() - row.last_seen_at.getTime() >= TOUCH_EVERY_MS)
    await pool.query('UPDATE web_sessions SET last_seen_at = $2 WHERE id_hash = $1 AND ended_at IS NULL', [
      idHash,
      now,
    ]);
  return {
    staffId: row.staff_id,
    email: row.email,
    fullName: row.full_name,
    role: row.role,
    timeZone: row.time_zone,
    csrfSecret: row.csrf_secret,
  };
}

/** Ends one session (by the id its cookie holds) at once; ending an ended one changes nothing. */
export async function endSession(db: Db, id: string, reason: SessionEndReason, now: Date): Promise<void> {
  await db.query(
    'UPDATE web_sessions SET ended_at = $2, ended_reason = $3 WHERE id_hash = $1 AND ended_at IS NULL',
    [hashToken(id), now, reason],
  );
}

/** Ends every open session of a staff member at once; the count is how many were open. */
export async function endSessionsOf(
  db: Db,
  staffId: string,
  reason: SessionEndReason,
  now: Date,
): Promise<number> {
  const ended = await db.query(
    'UPDATE web_sessions SET ended_at = $2, ended_reason = $3 WHERE staff_id = $1 AND ended_at IS NULL',
    [staffId, now, reason],
  );
  return ended.rowCount ?? 0;
}

/** How many sessions of a staff member are open now (not ended, not idle or past their end). */
export async function openSessionCount(
  pool: Pool,
  staffId: string,
  now: Date,
  policy: SessionPolicy,
): Promise<number> {
  const row = await pool.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM web_sessions
      WHERE staff_id = $1 AND ended_at IS NULL AND expires_at > $2 AND last_seen_at > $3`,
    [staffId, now, new Date(now.getTime() - policy.idleTimeoutMs)],
  );
  return row.rows[0]!.n;
}

/**
 * An admin signs a person out everywhere: every open session of theirs ends at once (their
 * browsers find themselves signed out at the next request). Audited with how many ended; their
 * API tokens are not touched (those are revoked one by one).
 */
export async function signOutEverywhere(
  pool: Pool,
  actor: Actor,
  staffId: string,
  now: Date,
): Promise<{ ended: number }> {
  requireRole(actor, ['admin'], 'sign staff out');
  return inTransaction(pool, async (db) => {
    const staff = await db.query('SELECT 1 FROM staff WHERE id = $1', [staffId]);
    if (!staff.rowCount) throw new NotFoundError(`No staff member ${staffId}.`);
    const ended = await endSessionsOf(db, staffId, 'ended_by_admin', now);
    await audit(db, actor, {
      action: 'update',
      entity: 'web_session',
      entityId: staffId,
      detail: { change: 'signed_out_everywhere', ended },
    });
    return { ended };
  });
}

/**
 * How long a row stays once its session can no longer be used (ended, past its absolute end, or
 * idle): a day, for a support question about a sign-out. Sign-ins and sign-outs stay in the audit
 * log; the row's source address and CSRF secret have no use after that.
 */
const KEEP_ENDED_MS = 24 * 3_600_000;
const SWEEP_BATCH = 1_000;

/** Deletes a batch of sessions unusable for over a day; the count deleted. */
export async function sweepEndedSessions(pool: Pool, now: Date, policy: SessionPolicy): Promise<number> {
  const swept = await pool.query(
    `DELETE FROM web_sessions WHERE ctid IN (
       SELECT ctid FROM web_sessions
        WHERE coalesce(ended_at, least(expires_at, last_seen_at + make_interval(secs => $2))) < $1
        LIMIT $3 FOR UPDATE SKIP LOCKED)`,
    [new Date(now.getTime() - KEEP_ENDED_MS), policy.idleTimeoutMs / 1000, SWEEP_BATCH],
  );
  return swept.rowCount ?? 0;
}

/** Every batch due now, one after another. */
export async function sweepAllEndedSessions(pool: Pool, now: Date, policy: SessionPolicy): Promise<number> {
  let total = 0;
  let swept: number;
  do {
    swept = await sweepEndedSessions(pool, now, policy);
    total += swept;
  } while (swept === SWEEP_BATCH);
  return total;
}
