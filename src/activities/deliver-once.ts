import type { Pool } from 'pg';
import { createHash } from 'node:crypto';
import { prepared } from '../db/prepared';
import { PermanentDeliveryError, type Mailer, type OutgoingMail } from '../notifications/mailer';
import type { RenderedMail } from '../notifications/templates';

/**
 * Every email Caseloop sends goes through this exactly-once protocol over the notifications table:
 *
 * 1. `recordNotification`: the row is written (keyed by the notification key) before anything leaves;
 *    a retry finds it and changes nothing.
 * 2. `sendRecorded`: a row already sent, queued for a digest or permanently failed stops there;
 *    otherwise the email leaves with the Message-ID first recorded and the row is marked sent. A
 *    transient SMTP failure throws, so the activity retries; a crash between SMTP acceptance and the
 *    mark resends with the same Message-ID, which receiving systems use to drop the copy.
 *
 * `deliverOnce` is both steps; case reminders write their audit row between the two.
 */

/**
 * Derived from the notification key, under the deployment's own sending domain: a resend after a
 * crash carries the same id, and the id names a domain the deployment controls.
 */
export function messageIdFor(key: string, domain: string): string {
  return `<${createHash('sha256').update(key).digest('hex').slice(0, 40)}@${domain}>`;
}

export interface OneNotification {
  key: string;
  caseId?: string;
  /** Null for someone outside the staff directory (a provider). */
  recipientId: string | null;
  email: string;
  /** What it is about: `obligation_kind:step` for a case reminder, `digest`, `delivery_failure`... */
  kind: string;
  mail: RenderedMail;
  /** When the work it is about falls due: orders a digest's list. */
  dueAt?: string;
  /** Where its work is done, a path under the public base URL: the line in a digest links there. */
  linkPath?: string;
  /** A case reminder's obligation and how its emails name it: a digest shows one line per obligation. */
  obligation?: { id: string; topic: string };
  /** Recorded as waiting for the recipient's daily digest, which sends it, instead of sent now. */
  queueForDigest?: boolean;
  replyTo?: OutgoingMail['replyTo'];
  /** Headers besides the notification key's. */
  headers?: Record<string, string>;
  /** An appointment's iCalendar invitation or cancellation. */
  calendar?: OutgoingMail['calendar'];
}

export type DeliveryOutcome =
  | { status: 'sent' | 'already_sent' | 'queued_for_digest' }
  /** `rejectedNow`: this attempt's SMTP answer was permanent; otherwise an earlier attempt's was. */
  | { status: 'failed'; reason: string; rejectedNow: boolean };

type DeliveryDeps = { pool: Pool; mailer: Mailer };

const RECORD_SQL = `INSERT INTO notifications (notification_key, case_id, recipient_id, recipient_email, kind, subject, message_id, status, due_at, link_path,
                                obligation_id, topic)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
     ON CONFLICT (notification_key) DO NOTHING`;

const recordParams = (deps: DeliveryDeps, n: OneNotification): unknown[] => [
  n.key,
  n.caseId ?? null,
  n.recipientId,
  n.email,
  n.kind,
  n.mail.subject,
  messageIdFor(n.key, deps.mailer.messageIdDomain),
  n.queueForDigest ? 'queued_for_digest' : 'pending',
  n.dueAt ?? null,
  n.linkPath ?? null,
  n.obligation?.id ?? null,
  n.obligation?.topic ?? null,
];

const RECORD_AUDITED = prepared(
  `WITH recorded AS (${RECORD_SQL} RETURNING status, last_error, message_id),
        audited AS (INSERT INTO audit_log (actor_kind, action, entity, entity_id, case_id, detail)
                    VALUES ('system', 'read', 'client', NULL, $13, $14))
   SELECT status, last_error, message_id FROM recorded
   UNION ALL
   SELECT status, last_error, message_id FROM notifications
    WHERE notification_key = $1 AND NOT EXISTS (SELECT 1 FROM recorded)`,
);

const MARK_SENT = prepared(
  `UPDATE notifications SET status = 'sent', sent_at = now(), attempts = attempts + 1 WHERE notification_key = $1`,
);

/** Whether a notification's row exists: an earlier attempt recorded it, so this one must finish it. */
export async function wasRecorded(pool: Pool, key: string): Promise<boolean> {
  return (
    ((await pool.query('SELECT 1 FROM notifications WHERE notification_key = $1', [key])).rowCount ?? 0) > 0
  );
}

/** Step 1: the notification's row, before anything leaves. */
export async function recordNotification(deps: DeliveryDeps, n: OneNotification): Promise<void> {
  await deps.pool.query(RECORD_SQL, recordParams(deps, n));
}

/**
 * Step 1, an audit entry and step 2's read in one statement (one round trip instead of three, on
 * the path every reminder takes): the row as it stands after step 1, a new one or a retry's.
 * The audit entry is written every attempt, as it would be as its own statement.
 */
export async function recordAuditedNotification(
  deps: DeliveryDeps,
  n: OneNotification,
  audit: { caseId: string; detail: unknown },
): Promise<RecordedRow> {
  const rows = await deps.pool.query<NonNullable<RecordedRow>>(
    RECORD_AUDITED.with([...recordParams(deps, n), audit.caseId, audit.detail]),
  );
  return rows.rows[0];
}

/** A notification's row as step 2 reads it; undefined when it was never recorded. */
export type RecordedRow = { status: string; last_error: string | null; message_id: string } | undefined;

/** Step 2: sends a recorded notification unless its row says it went, waits or failed for good. */
export async function sendRecorded(deps: DeliveryDeps, n: OneNotification): Promise<DeliveryOutcome> {
  const row = (
    await deps.pool.query<NonNullable<RecordedRow>>(
      'SELECT status, last_error, message_id FROM notifications WHERE notification_key = $1',
      [n.key],
    )
  ).rows[0];
  return sendUnlessSettled(deps, n, row);
}

/** Step 2 given the row just read (a caller that read it with step 1 saves the round trip). */
export async function sendUnlessSettled(
  deps: DeliveryDeps,
  n: OneNotification,
  row: RecordedRow,
): Promise<DeliveryOutcome> {
  if (row?.status === 'sent') return { status: 'already_sent' };
  // Handed to the reader's digest, which sends it or, when it no longer applies, withdraws it.
  if (row?.status === 'queued_for_digest' || row?.status === 'withdrawn')
    return { status: 'queued_for_digest' };
  if (row?.status === 'failed')
    return { status: 'failed', reason: row.last_error ?? 'delivery failed', rejectedNow: false };
  try {
    await deps.mailer.send({
      to: n.email,
      subject: n.mail.subject,
      text: n.mail.text,
      html: n.mail.html,
      // The id first recorded: a resend keeps it even if the sending domain changed in between.
      messageId: row?.message_id ?? messageIdFor(n.key, deps.mailer.messageIdDomain),
      ...(n.replyTo ? { replyTo: n.replyTo } : {}),
      ...(n.calendar ? { calendar: n.calendar } : {}),
      headers: { 'X-Caseloop-Notification-Key': n.key, ...n.headers },
    });
  } catch (err) {
    const permanent = err instanceof PermanentDeliveryError;
    await deps.pool.query(
      `UPDATE notifications SET attempts = attempts + 1, last_error = $2,
              status = CASE WHEN $3 THEN 'failed' ELSE status END
        WHERE notification_key = $1`,
      [n.key, (err as Error).message.slice(0, 500), permanent],
    );
    if (permanent) return { status: 'failed', reason: (err as Error).message, rejectedNow: true };
    throw err; // transient: the activity retries with backoff
  }
  await deps.pool.query(MARK_SENT.with([n.key]));
  return { status: 'sent' };
}

/** Records and sends one notification, exactly once across retries. */
export async function deliverOnce(deps: DeliveryDeps, n: OneNotification): Promise<DeliveryOutcome> {
  await recordNotification(deps, n);
  return sendRecorded(deps, n);
}
