import { casePath, pathForObligation } from '../core/obligation-pages';
import { renderCaseNews } from '../notifications/news-templates';
import { recordNotification, sendRecorded, type OneNotification } from './deliver-once';
import { reportUndelivered, type NotificationDeps } from './notifications';
import { sendEscalationHandOver } from './escalation-news';
import { sendReferralNews } from './referral-news';
import type { CaseNewsRequest, NotificationResult } from './types';

/** Case, what it is about, what happened, when, recipient: the same news always has the same key. */
export function newsKey(r: CaseNewsRequest): string {
  const about = r.planId === undefined ? 'closure' : `plan-${r.planId}`;
  return ['case', r.caseId, about, r.what, r.at, r.staffId].join('/');
}

/** Where the news is acted on: the plan's page, where a closure is decided, or the case. */
export function newsPath(r: CaseNewsRequest): string {
  if (r.planId !== undefined) return `${casePath(r.caseId)}/plans/${encodeURIComponent(r.planId)}`;
  if (r.what === 'closure_requested')
    return pathForObligation({ kind: 'closure_approval', caseId: r.caseId });
  if (r.what === 'closure_returned') return `${casePath(r.caseId)}#due`;
  return casePath(r.caseId);
}

/** Requests wait for a digest reader's digest; decisions go at once (the case manager is waiting on them). */
const isRequest = (r: CaseNewsRequest): boolean =>
  r.what === 'plan_submitted' || r.what === 'closure_requested';

interface Recorded {
  actor_id: string | null;
  actor_name: string | null;
  note: string | null;
  version?: number | null;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * The record's side of the news: who did it and the note they wrote (the workflow holds neither).
 * The plan or closure event at the news' time; failing an exact match, the latest of its kind.
 */
async function findRecorded(deps: NotificationDeps, r: CaseNewsRequest): Promise<Recorded | undefined> {
  const what = r.what.replace(/^(plan|closure)_/, '');
  if (r.planId !== undefined) {
    if (!UUID.test(r.planId)) return undefined;
    return (
      await deps.pool.query<Recorded>(
        `SELECT sp.version, e.actor_id, a.full_name AS actor_name, e.note
           FROM service_plans sp
           LEFT JOIN LATERAL (SELECT actor_id, note FROM plan_events
                               WHERE plan_id = sp.id AND what = $3
                               ORDER BY (at = $4::timestamptz) DESC, at DESC LIMIT 1) e ON true
           LEFT JOIN staff a ON a.id = e.actor_id
          WHERE sp.id = $1 AND sp.case_id = $2`,
        [r.planId, r.caseId, what, r.at],
      )
    ).rows[0];
  }
  return (
    await deps.pool.query<Recorded>(
      `SELECT e.actor_id, a.full_name AS actor_name, e.note
         FROM closure_events e LEFT JOIN staff a ON a.id = e.actor_id
        WHERE e.case_id = $1 AND e.what = $2
        ORDER BY (e.at = $3::timestamptz) DESC, e.at DESC LIMIT 1`,
      [r.caseId, what, r.at],
    )
  ).rows[0];
}

/**
 * Tells one request or decision by email, exactly once (the protocol in deliver-once.ts): a plan or
 * closure waiting for the supervisor (held for their digest if they chose one), and the decision,
 * with its note, to the case manager. Nobody is told of what they did themselves.
 */
export function createSendCaseNews(deps: NotificationDeps) {
  return async function sendCaseNews(req: CaseNewsRequest): Promise<NotificationResult> {
    if (req.what === 'referral_sent' || req.what === 'referral_answered') return sendReferralNews(deps, req);
    if (req.what === 'escalation_handed_over') return sendEscalationHandOver(deps, req);
    const what = req.what;
    const key = newsKey(req);
    const recipient = (
      await deps.pool.query<{
        email: string;
        full_name: string;
        time_zone: string;
        notification_preference: 'immediate' | 'daily_digest';
      }>('SELECT email, full_name, time_zone, notification_preference FROM staff WHERE id = $1', [
        req.staffId,
      ])
    ).rows[0];
    if (!recipient) return { status: 'no_recipient', reason: `${req.to} ${req.staffId} not found` };
    const caseRow = (
      await deps.pool.query<{ reference: string }>('SELECT reference FROM cases WHERE id = $1', [req.caseId])
    ).rows[0];
    if (!caseRow) return { status: 'no_recipient', reason: `case ${req.caseId} not found` };
    const recorded = await findRecorded(deps, req);
    if (recorded?.actor_id === req.staffId)
      return { status: 'not_needed', reason: `the ${req.to.replace('_', ' ')} did it themselves` };

    const path = newsPath(req);
    const mail = renderCaseNews({
      what,
      recipientName: recipient.full_name,
      recipientTimeZone: recipient.time_zone,
      caseReference: caseRow.reference,
      at: new Date(req.at),
      url: `${deps.publicBaseUrl}${path}`,
      ...(recorded?.actor_name ? { actorName: recorded.actor_name } : {}),
      ...(req.decideBy ? { decideBy: new Date(req.decideBy) } : {}),
      ...(typeof recorded?.version === 'number' ? { planVersion: recorded.version } : {}),
      // Only a decision carries the decider's note.
      ...(!isRequest(req) && recorded?.note ? { note: recorded.note } : {}),
    });
    const notification: OneNotification = {
      key,
      caseId: req.caseId,
      recipientId: req.staffId,
      email: recipient.email,
      kind: `news:${req.what}`,
      mail,
      dueAt: req.decideBy ?? req.at,
      linkPath: path,
      queueForDigest: isRequest(req) && recipient.notification_preference === 'daily_digest',
      headers: { 'X-Caseloop-Scheduled-For': req.at },
    };
    await recordNotification(deps, notification);
    // A decision's note is free text about the case: what left with it is audited, as for reminders.
    if (mail.recordFields.length > 0)
      await deps.pool.query(
        `INSERT INTO audit_log (actor_kind, action, entity, entity_id, case_id, detail)
         VALUES ('system', 'read', 'client', NULL, $1, $2)`,
        [req.caseId, { purpose: 'notification', notificationKey: key, fields: mail.recordFields }],
      );
    const outcome = await sendRecorded(deps, notification);
    if (outcome.status !== 'failed') return { status: outcome.status, notificationKey: key };
    if (outcome.rejectedNow)
      await reportUndelivered(deps, req, key, recipient.email, mail.subject, outcome.reason);
    return { status: 'failed', notificationKey: key, reason: outcome.reason };
  };
}
