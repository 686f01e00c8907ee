import { renderEscalationHandOver } from '../notifications/escalation-news-template';
import { deliverOnce } from './deliver-once';
import { acknowledgementLink, reportUndelivered, type NotificationDeps } from './notifications';
import type { CaseNewsRequest, NotificationResult } from './types';

interface WaitingEscalation {
  id: string;
  obligation_kind: string;
  due_at: Date;
  raised_at: Date;
  reference: string;
  email: string;
  full_name: string;
  time_zone: string;
}

/**
 * Tells the new recipient of an escalation handed over with its case, exactly once (keyed by case,
 * escalation, hand-over time and recipient), with their own acknowledgement link. Not sent when it
 * was acknowledged or resolved meanwhile, or moved on to someone else.
 */
export async function sendEscalationHandOver(
  deps: NotificationDeps,
  req: CaseNewsRequest,
): Promise<NotificationResult> {
  const e = (
    await deps.pool.query<WaitingEscalation>(
      `SELECT e.id, e.obligation_kind, e.due_at, e.raised_at, c.reference, s.email, s.full_name, s.time_zone
         FROM escalations e JOIN cases c ON c.id = e.case_id JOIN staff s ON s.id = e.recipient_id
        WHERE e.case_id = $1 AND e.obligation_id = $2 AND e.level = $3 AND e.recipient_id = $4
          AND e.acknowledged_at IS NULL AND e.resolved_at IS NULL AND s.active
        ORDER BY e.raised_at DESC LIMIT 1`,
      [req.caseId, req.obligationId, req.level, req.staffId],
    )
  ).rows[0];
  if (!e) return { status: 'not_needed', reason: 'the escalation was acknowledged, resolved or moved on' };
  const caseUrl = `${deps.publicBaseUrl}/cases/${req.caseId}`;
  const mail = renderEscalationHandOver({
    recipientName: e.full_name,
    recipientTimeZone: e.time_zone,
    caseReference: e.reference,
    obligationKind: e.obligation_kind,
    level: req.level ?? 1,
    dueAt: e.due_at,
    raisedAt: e.raised_at,
    // From the hand-over's time, so a retry renders the very same link.
    acknowledge: acknowledgementLink(deps, e.id, req.staffId, req.at),
    caseUrl,
  });
  const key = [
    'case',
    req.caseId,
    `escalation-${req.obligationId}-${req.level}`,
    req.what,
    req.at,
    req.staffId,
  ].join('/');
  const outcome = await deliverOnce(deps, {
    key,
    caseId: req.caseId,
    recipientId: req.staffId,
    email: e.email,
    kind: `news:${req.what}`,
    mail,
    dueAt: e.due_at.toISOString(),
    linkPath: `/cases/${req.caseId}`,
    headers: { 'X-Caseloop-Scheduled-For': req.at },
  });
  if (outcome.status !== 'failed') return { status: outcome.status, notificationKey: key };
  if (outcome.rejectedNow) await reportUndelivered(deps, req, key, e.email, mail.subject, outcome.reason);
  return { status: 'failed', notificationKey: key, reason: outcome.reason };
}
