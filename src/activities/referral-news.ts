import { pathForObligation } from '../core/obligation-pages';
import { providerLinkUrl } from '../domain/provider-links';
import { NO_PROVIDER_CONSENT, providerShare } from '../domain/provider-consent';
import { renderProviderAnswer, renderReferralToProvider } from '../notifications/provider-templates';
import { recordNotification, sendRecorded, type OneNotification } from './deliver-once';
import { providerReplyTo, reportUndelivered, type NotificationDeps } from './notifications';
import type { CaseNewsRequest, NotificationResult } from './types';

/**
 * Referral news, each exactly once by its key: the referral to its provider, with the signed link
 * to their answer page (checked against the client's consent as it goes), and the provider's
 * answer to the case manager.
 */

export function referralNewsKey(r: CaseNewsRequest): string {
  const who = r.to === 'provider' ? 'provider' : r.staffId;
  return ['case', r.caseId, `referral-${r.referralId}`, r.what, r.status ?? 'sent', r.at, who].join('/');
}

interface ReferralRow {
  client_id: string;
  given_name: string;
  family_name: string;
  reference: string;
  program_name: string;
  time_zone: string;
  provider_id: string;
  organisation: string;
  contact_email: string;
  service: string;
  reason: string;
  case_manager_name: string;
  case_manager_email: string;
}

async function findReferral(deps: NotificationDeps, r: CaseNewsRequest): Promise<ReferralRow | undefined> {
  return (
    await deps.pool.query<ReferralRow>(
      `SELECT c.client_id, cl.given_name, cl.family_name, c.reference, p.name AS program_name, p.time_zone,
              pr.id AS provider_id, pr.organisation, pr.contact_email, r.service, r.reason,
              cm.full_name AS case_manager_name, cm.email AS case_manager_email
         FROM referrals r JOIN cases c ON c.id = r.case_id JOIN clients cl ON cl.id = c.client_id
         JOIN programs p ON p.id = c.program_id JOIN providers pr ON pr.id = r.provider_id
         JOIN staff cm ON cm.id = c.case_manager_id
        WHERE r.id = $1 AND r.case_id = $2`,
      [r.referralId, r.caseId],
    )
  ).rows[0];
}

async function send(
  deps: NotificationDeps,
  req: CaseNewsRequest,
  n: OneNotification,
  fields: string[],
): Promise<NotificationResult> {
  await recordNotification(deps, n);
  if (fields.length > 0)
    await deps.pool.query(
      `INSERT INTO audit_log (actor_kind, action, entity, entity_id, case_id, detail)
       VALUES ('system', 'read', 'client', NULL, $1, $2)`,
      [req.caseId, { purpose: 'notification', notificationKey: n.key, fields }],
    );
  const outcome = await sendRecorded(deps, n);
  if (outcome.status !== 'failed') return { status: outcome.status, notificationKey: n.key };
  if (outcome.rejectedNow) await reportUndelivered(deps, req, n.key, n.email, n.mail.subject, outcome.reason);
  return { status: 'failed', notificationKey: n.key, reason: outcome.reason };
}

export async function sendReferralNews(
  deps: NotificationDeps,
  req: CaseNewsRequest,
): Promise<NotificationResult> {
  const referral = await findReferral(deps, req);
  if (!referral) return { status: 'no_recipient', reason: `referral ${req.referralId} not found` };
  const key = referralNewsKey(req);
  if (req.what === 'referral_sent') {
    // Checked as the email goes: consent withdrawn since the referral was made stops it.
    const share = await providerShare(deps.pool, referral.client_id, referral.provider_id);
    if (share === 'none') return { status: 'not_needed', reason: NO_PROVIDER_CONSENT };
    const mail = renderReferralToProvider({
      recipientName: referral.organisation,
      recipientTimeZone: referral.time_zone,
      programName: referral.program_name,
      ...(deps.agency ? { agency: deps.agency } : {}),
      caseReference: referral.reference,
      service: referral.service,
      caseManagerName: referral.case_manager_name,
      ...(share === 'named'
        ? {
            client: {
              fullName: `${referral.given_name} ${referral.family_name}`.trim(),
              reason: referral.reason,
            },
          }
        : {}),
      answer: providerLinkUrl(
        deps.publicBaseUrl,
        deps.linkSigningKey,
        { referralId: req.referralId!, providerId: referral.provider_id },
        new Date(req.at),
      ),
    });
    return send(
      deps,
      req,
      {
        key,
        caseId: req.caseId,
        recipientId: null,
        email: referral.contact_email,
        kind: 'news:referral_sent',
        mail,
        dueAt: req.at,
        replyTo: providerReplyTo(
          { case_manager_name: referral.case_manager_name, case_manager_email: referral.case_manager_email },
          deps.agency,
        ),
        headers: { 'X-Caseloop-Scheduled-For': req.at },
      },
      mail.clientFields,
    );
  }
  const recipient = (
    await deps.pool.query<{ email: string; full_name: string; time_zone: string }>(
      'SELECT email, full_name, time_zone FROM staff WHERE id = $1',
      [req.staffId],
    )
  ).rows[0];
  if (!recipient) return { status: 'no_recipient', reason: `case manager ${req.staffId} not found` };
  const answer = (
    await deps.pool.query<{ note: string; scheduled_for: string | null }>(
      `SELECT note, to_char(scheduled_for, 'YYYY-MM-DD') AS scheduled_for FROM referral_events
        WHERE referral_id = $1 AND status = $2 AND reported_by_provider IS NOT NULL
        ORDER BY (at = $3::timestamptz) DESC, at DESC LIMIT 1`,
      [req.referralId, req.status, req.at],
    )
  ).rows[0];
  const path = pathForObligation({
    kind: 'referral_response',
    caseId: req.caseId,
    subjectId: req.referralId,
  });
  const mail = renderProviderAnswer({
    recipientName: recipient.full_name,
    recipientTimeZone: recipient.time_zone,
    organisation: referral.organisation,
    service: referral.service,
    caseReference: referral.reference,
    status: req.status ?? '',
    at: new Date(req.at),
    ...(answer?.note ? { note: answer.note } : {}),
    ...(answer?.scheduled_for ? { scheduledFor: answer.scheduled_for } : {}),
    url: `${deps.publicBaseUrl}${path}`,
  });
  return send(
    deps,
    req,
    {
      key,
      caseId: req.caseId,
      recipientId: req.staffId,
      email: recipient.email,
      kind: 'news:referral_answered',
      mail,
      dueAt: req.at,
      linkPath: path,
      headers: { 'X-Caseloop-Scheduled-For': req.at },
    },
    [],
  );
}
