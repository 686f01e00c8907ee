import type { Pool } from 'pg';
import { createHash } from 'node:crypto';
import { PermanentDeliveryError, type Mailer } from '../notifications/mailer';
import type { RenderedMail } from '../notifications/templates';

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
  recipientId: string;
  email: string;
  kind: string;
  mail: RenderedMail;
}

/**
 * The notification log's exactly-once protocol for a message that needs no more than that: the row
 * is written before sending and marked after; a retry finds it sent (or permanently failed) and
 * stops; a transient SMTP failure throws so the activity retries.
 */
export async function deliverOnce(
  deps: { pool: Pool; mailer: Mailer },
  n: OneNotification,
): Promise<'sent' | 'already_sent' | 'failed'> {
  await deps.pool.query(
    `INSERT INTO notifications (notification_key, case_id, recipient_id, recipient_email, kind, subject, message_id)
     VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (notification_key) DO NOTHING`,
    [
      n.key,
      n.caseId ?? null,
      n.recipientId,
      n.email,
      n.kind,
      n.mail.subject,
      messageIdFor(n.key, deps.mailer.messageIdDomain),
    ],
  );
  const row = (
    await deps.pool.query<{ status: string; message_id: string }>(
      'SELECT status, message_id FROM notifications WHERE notification_key = $1',
      [n.key],
    )
  ).rows[0];
  if (row?.status === 'sent') return 'already_sent';
  if (row?.status === 'failed') return 'failed';
  try {
    await deps.mailer.send({
      to: n.email,
      subject: n.mail.subject,
      text: n.mail.text,
      html: n.mail.html,
      // The id first recorded: a resend keeps it even if the sending domain changed in between.
      messageId: row?.message_id ?? messageIdFor(n.key, deps.mailer.messageIdDomain),
      headers: { 'X-Caseloop-Notification-Key': n.key },
    });
  } catch (err) {
    const permanent = err instanceof PermanentDeliveryError;
    await deps.pool.query(
      `UPDATE notifications SET attempts = attempts + 1, last_error = $2,
              status = CASE WHEN $3 THEN 'failed' ELSE status END WHERE notification_key = $1`,
      [n.key, (err as Error).message.slice(0, 500), permanent],
    );
    if (permanent) return 'failed';
    throw err;
  }
  await deps.pool.query(
    `UPDATE notifications SET status = 'sent', sent_at = now(), attempts = attempts + 1 WHERE notification_key = $1`,
    [n.key],
  );
  return 'sent';
}
