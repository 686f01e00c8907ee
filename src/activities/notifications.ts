import type { Pool } from 'pg';
import { prepared } from '../db/prepared';
import {
  deliverOnce,
  recordAuditedNotification,
  sendUnlessSettled,
  wasRecorded,
  type OneNotification,
} from './deliver-once';
import { ACK_LINK_LIFETIME_MS, signAckLink } from '../domain/ack-links';
import { NO_PROVIDER_CONSENT, providerShare } from '../domain/provider-consent';
import { providerLinkUrl } from '../domain/provider-links';
import {
  escalationLevelOf,
  isEscalationStep,
  mayWaitForDigest,
  obligationSpec,
} from '../core/obligation-catalogue';
import { pathForObligation } from '../core/obligation-pages';
import type { Mailer } from '../notifications/mailer';
import {
  escapeHtml,
  htmlDocument,
  obligationTopic,
  renderCaseMail,
  type AgencyContact,
  type ReferralMention,
  type TaskMention,
} from '../notifications/templates';
import type { CaseNotificationRequest, NotificationResult } from './types';
import { sendAppointmentReminder } from './appointments';

export interface NotificationDeps {
  pool: Pool;
  mailer: Mailer;
  publicBaseUrl: string;
  linkSigningKey: string;
  /** Named in provider emails, whose replies go to the case manager and this contact. */
  agency?: AgencyContact;
  /** The real time a send runs at (tests pin it). */
  now?: () => number;
}

const REMINDS_OF_APPOINTMENT: ReadonlySet<string> = new Set([
  'appointment_reminder',
  'appointment_client_reminder',
]);

/** Case, obligation, due time, ladder step, recipient: the same decision always yields the same key. */
export function notificationKey(r: CaseNotificationRequest): string {
  return ['case', r.caseId, r.obligationId, r.dueAt, r.stepId, r.recipientStaffId].join('/');
}

interface CaseRow {
  reference: string;
  given_name: string;
  family_name: string;
  program_name: string;
  allow_names: boolean;
  case_manager_name: string;
  case_manager_email: string;
  supervisor_name: string;
  case_manager_id: string;
  supervisor_id: string;
  program_manager_id: string | null;
}

interface RecipientRow {
  email: string;
  full_name: string;
  time_zone: string;
  notification_preference: 'immediate' | 'daily_digest';
}

export const STAFF_RECIPIENT = prepared(
  'SELECT email, full_name, time_zone, notification_preference FROM staff WHERE id = $1',
);

/** A staff member by id, or for a provider follow-up the provider the referral went to. */
async function findRecipient(pool: Pool, req: CaseNotificationRequest): Promise<RecipientRow | undefined> {
  if (req.recipient === 'provider') {
    return (
      await pool.query<RecipientRow>(
        `SELECT pr.contact_email AS email, pr.organisation AS full_name, pg.time_zone,
                'immediate' AS notification_preference
           FROM referrals r JOIN providers pr ON pr.id = r.provider_id
           JOIN cases c ON c.id = r.case_id JOIN programs pg ON pg.id = c.program_id
          WHERE r.id = $1 AND r.case_id = $2`,
        [req.subjectId, req.caseId],
      )
    ).rows[0];
  }
  return (await pool.query<RecipientRow>(STAFF_RECIPIENT.with([req.recipientStaffId]))).rows[0];
}

export const CASE_ROW = prepared(
  `SELECT c.reference, cl.given_name, cl.family_name, p.name AS program_name,
              coalesce((pp.policy->>'allowClientNamesInEmail')::boolean, false) AS allow_names,
              cm.full_name AS case_manager_name, cm.email AS case_manager_email,
              sv.full_name AS supervisor_name, c.case_manager_id, c.supervisor_id, p.program_manager_id
         FROM cases c
         JOIN clients cl ON cl.id = c.client_id
         JOIN programs p ON p.id = c.program_id
         JOIN staff cm ON cm.id = c.case_manager_id
         JOIN staff sv ON sv.id = c.supervisor_id
         LEFT JOIN LATERAL (SELECT policy FROM program_policies WHERE program_id = p.id
                             ORDER BY version DESC LIMIT 1) pp ON true
        WHERE c.id = $1`,
);

/** What a case reminder says about its case: reference, client, program, case manager, supervisor. */
async function findCaseRow(pool: Pool, caseId: string): Promise<CaseRow | undefined> {
  return (await pool.query<CaseRow>(CASE_ROW.with([caseId]))).rows[0];
}

/** The client and provider of the referral a provider follow-up is about. */
async function providerOfReferral(
  pool: Pool,
  req: CaseNotificationRequest,
): Promise<{ client_id: string; provider_id: string } | undefined> {
  return (
    await pool.query<{ client_id: string; provider_id: string }>(
      `SELECT c.client_id, r.provider_id FROM referrals r JOIN cases c ON c.id = r.case_id
        WHERE r.id = $1 AND r.case_id = $2`,
      [req.subjectId, req.caseId],
    )
  ).rows[0];
}

/** Which referral a referral reminder or provider follow-up is about: the provider and the service. */
async function findReferral(pool: Pool, req: CaseNotificationRequest): Promise<ReferralMention | undefined> {
  const aboutReferral =
    req.recipient === 'provider' || obligationSpec(req.obligationKind).about === 'referral';
  if (!aboutReferral || !req.subjectId) return undefined;
  return (
    await pool.query<ReferralMention>(
      `SELECT pr.organisation, r.service FROM referrals r JOIN providers pr ON pr.id = r.provider_id
        WHERE r.id = $1 AND r.case_id = $2`,
      [req.subjectId, req.caseId],
    )
  ).rows[0];
}

/** Which task a task reminder is about: its words and its assignee (name for the email, id to compare). */
async function findTask(
  pool: Pool,
  req: CaseNotificationRequest,
): Promise<(TaskMention & { assigneeId: string }) | undefined> {
  if (obligationSpec(req.obligationKind).about !== 'task' || !req.subjectId) return undefined;
  return (
    await pool.query<TaskMention & { assigneeId: string }>(
      `SELECT t.what, s.full_name AS "assigneeName", t.assignee_id AS "assigneeId"
         FROM case_tasks t JOIN staff s ON s.id = t.assignee_id
        WHERE t.id = $1 AND t.case_id = $2`,
      [req.subjectId, req.caseId],
    )
  ).rows[0];
}

/**
 * A permanently rejected email is told to someone who can fix the address: the case's supervisor,
 * or the admins when the supervisor's own address failed. Once per failed notification; the
 * obligation's ladder goes on regardless.
 */
export async function reportUndelivered(
  deps: NotificationDeps,
  req: Pick<CaseNotificationRequest, 'caseId'>,
  failedKey: string,
  failedEmail: string,
  failedSubject: string,
  reason: string,
): Promise<void> {
  const supervisor = (
    await deps.pool.query<{ id: string; email: string }>(
      `SELECT s.id, s.email FROM cases c JOIN staff s ON s.id = c.supervisor_id WHERE c.id = $1 AND s.active`,
      [req.caseId],
    )
  ).rows[0];
  const told =
    supervisor && supervisor.email !== failedEmail
      ? [supervisor]
      : (
          await deps.pool.query<{ id: string; email: string }>(
            `SELECT id, email FROM staff WHERE role = 'admin' AND active AND email <> $1`,
            [failedEmail],
          )
        ).rows;
  const subject = `Email not delivered: ${failedSubject}`;
  const text = [
    `Caseloop could not deliver an email to ${failedEmail}.`,
    '',
    `Email: ${failedSubject}`,
    `Reason: ${reason.slice(0, 300)}`,
    '',
    'Check the address in the staff directory or the provider record. The reminders for this work',
    `go on climbing their ladder. Case: ${deps.publicBaseUrl}/cases/${req.caseId}`,
    '',
    '— Caseloop',
  ].join('\n');
  const html = htmlDocument(subject, [`<pre>${escapeHtml(text)}</pre>`]);
  for (const person of told) {
    await deliverOnce(deps, {
      key: `undelivered/${failedKey}/${person.id}`,
      caseId: req.caseId,
      recipientId: person.id,
      email: person.email,
      kind: 'delivery_failure',
      mail: { subject, text, html },
    });
  }
}

/** A provider's answer reaches the case manager and, when configured, the agency's own contact. */
export function providerReplyTo(
  caseRow: Pick<CaseRow, 'case_manager_name' | 'case_manager_email'>,
  agency: AgencyContact | undefined,
): { name: string; address: string }[] {
  return [
    { name: caseRow.case_manager_name, address: caseRow.case_manager_email },
    ...(agency?.contactEmail ? [{ name: agency.name ?? '', address: agency.contactEmail }] : []),
  ];
}

/**
 * Writes the escalation row (idempotent) and signs its acknowledgement link. The expiry derives
 * from the scheduled time, so a retried activity renders the very same link.
 */
async function recordEscalation(
  deps: NotificationDeps,
  req: CaseNotificationRequest,
): Promise<{ url: string; expiresAt: Date } | undefined> {
  const level = escalationLevelOf(req.step);
  // A closure approved while this step was in flight has already resolved the case's escalations:
  // wait for its commit (the row lock) and record this one resolved too, never open on a closed case.
  await deps.pool.query(
    `INSERT INTO escalations (case_id, obligation_id, obligation_kind, level, recipient_id, due_at, raised_at, resolved_at, resolution)
     SELECT $1, $2, $3, $4, $5, $6, $7,
            CASE WHEN c.status = 'closed' THEN coalesce(c.closed_at, now()) END,
            CASE WHEN c.status = 'closed' THEN 'case closed' END
       FROM cases c WHERE c.id = $1 FOR SHARE OF c
     ON CONFLICT DO NOTHING`,
    [
      req.caseId,
      req.obligationId,
      req.obligationKind,
      level,
      req.recipientStaffId,
      req.dueAt,
      req.scheduledFor,
    ],
  );
  const row = (
    await deps.pool.query<{ id: string }>(
      `SELECT id FROM escalations WHERE case_id = $1 AND obligation_id = $2 AND level = $3 AND due_at = $4`,
      [req.caseId, req.obligationId, level, req.dueAt],
    )
  ).rows[0];
  if (!row || !req.recipientStaffId) return undefined;
  return acknowledgementLink(deps, row.id, req.recipientStaffId, req.scheduledFor);
}

/**
 * A recipient's signed link to acknowledge an escalation. The expiry derives from `from` (when the
 * email was due), so a retried activity renders the very same link.
 */
export function acknowledgementLink(
  deps: Pick<NotificationDeps, 'publicBaseUrl' | 'linkSigningKey'>,
  escalationId: string,
  staffId: string,
  from: string,
): { url: string; expiresAt: Date } {
  const expiresAt = new Date(Date.parse(from) + ACK_LINK_LIFETIME_MS);
  const token = signAckLink({ escalationId, staffId, expiresAt: expiresAt.getTime() }, deps.linkSigningKey);
  return { url: `${deps.publicBaseUrl}/ack/${token}`, expiresAt };
}

/**
 * A reminder whose successor is already due by the real clock is not sent, unless an earlier attempt
 * of this very send already recorded it (then the exactly-once protocol finishes what it started).
 */
async function stale(deps: NotificationDeps, req: CaseNotificationRequest, key: string): Promise<boolean> {
  if (!req.supersededAt || !req.supersededBy) return false;
  if ((deps.now ?? Date.now)() < Date.parse(req.supersededAt)) return false;
  return !(await wasRecorded(deps.pool, key));
}

/**
 * Sends one case notification exactly once (the protocol in deliver-once.ts), audited as it is
 * recorded. A permanent rejection is told to someone who can fix the address.
 */
export function createSendCaseNotification(deps: NotificationDeps) {
  return async function sendCaseNotification(req: CaseNotificationRequest): Promise<NotificationResult> {
    const key = notificationKey(req);
    if (await stale(deps, req, key)) return { status: 'superseded', by: req.supersededBy! };
    // Appointment reminders say when and where; the client's goes only with consent (checked now).
    if (REMINDS_OF_APPOINTMENT.has(req.obligationKind)) return sendAppointmentReminder(deps, req, key);
    if (req.recipient === 'client')
      return { status: 'no_recipient', reason: 'only appointments remind the client' };

    // Both looked up at once: two round trips' latency in one on the path every reminder takes.
    const [recipient, caseRow] = await Promise.all([
      findRecipient(deps.pool, req),
      findCaseRow(deps.pool, req.caseId),
    ]);
    if (!recipient)
      return { status: 'no_recipient', reason: `${req.recipient} for ${req.obligationId} not found` };
    if (!caseRow) return { status: 'no_recipient', reason: `case ${req.caseId} not found` };

    // A provider is written to only while the client's consent allows it, checked now; the email
    // carries the signed link to their answer page.
    let answer: { url: string; expiresAt: Date } | undefined;
    if (req.recipient === 'provider') {
      const to = await providerOfReferral(deps.pool, req);
      if (!to || (await providerShare(deps.pool, to.client_id, to.provider_id)) === 'none')
        return { status: 'not_needed', reason: NO_PROVIDER_CONSENT };
      answer = providerLinkUrl(
        deps.publicBaseUrl,
        deps.linkSigningKey,
        { referralId: req.subjectId!, providerId: to.provider_id },
        new Date(req.scheduledFor),
      );
    }

    // The escalation itself is a record people acknowledge; written once per obligation, due time and
    // level, before the email so the email can carry its signed acknowledgement link.
    const acknowledge = isEscalationStep(req.step) ? await recordEscalation(deps, req) : undefined;
    const referral = await findReferral(deps.pool, req);
    const task = await findTask(deps.pool, req);
    const owner = obligationSpec(req.obligationKind).owner;
    // The supervisor's own work (their task, a case they carry): its escalation passes them by.
    const doerIsSupervisor =
      owner === 'assignee'
        ? task?.assigneeId === caseRow.supervisor_id
        : owner === 'case_manager' && caseRow.case_manager_id === caseRow.supervisor_id;
    // The program manager's own task: the supervisor's escalation is its last rung.
    const doerIsProgramManager =
      owner === 'assignee' && !!task && task.assigneeId === caseRow.program_manager_id;
    // The page where the obligation is met: the email's first link, and its digest line's.
    const workPath = pathForObligation({
      kind: req.obligationKind,
      caseId: req.caseId,
      subjectId: req.subjectId,
    });

    const mail = renderCaseMail({
      obligationKind: req.obligationKind,
      step: req.step,
      n: req.n,
      dueAt: new Date(req.dueAt),
      now: new Date(req.scheduledFor),
      recipient: req.recipient,
      recipientName: recipient.full_name,
      recipientTimeZone: recipient.time_zone,
      caseReference: caseRow.reference,
      client: { givenName: caseRow.given_name, familyName: caseRow.family_name },
      allowClientNames: caseRow.allow_names,
      programName: caseRow.program_name,
      caseManagerName: caseRow.case_manager_name,
      supervisorName: caseRow.supervisor_name,
      caseUrl: `${deps.publicBaseUrl}/cases/${req.caseId}`,
      workUrl: `${deps.publicBaseUrl}${workPath}`,
      ...(referral ? { referral } : {}),
      ...(task ? { task: { what: task.what, assigneeName: task.assigneeName } } : {}),
      ...(doerIsSupervisor ? { doerIsSupervisor } : {}),
      ...(doerIsProgramManager ? { doerIsProgramManager } : {}),
      ...(deps.agency ? { agency: deps.agency } : {}),
      ...(acknowledge ? { acknowledge } : {}),
      ...(answer ? { answer } : {}),
    });

    // The preference at the moment the reminder is due decides; a queued one keeps waiting for the digest.
    const queue =
      mayWaitForDigest(req.obligationKind, req.step) && recipient.notification_preference === 'daily_digest';
    const notification: OneNotification = {
      key,
      caseId: req.caseId,
      recipientId: req.recipientStaffId || null,
      email: recipient.email,
      kind: `${req.obligationKind}:${req.step}`,
      mail,
      dueAt: req.dueAt,
      queueForDigest: queue,
      ...(req.recipient === 'provider'
        ? {}
        : {
            linkPath: workPath,
            obligation: { id: req.obligationId, topic: obligationTopic(req.obligationKind, referral, task) },
          }),
      ...(req.recipient === 'provider' ? { replyTo: providerReplyTo(caseRow, deps.agency) } : {}),
      headers: { 'X-Caseloop-Scheduled-For': req.scheduledFor },
    };
    // Recorded, audited and read back in one statement.
    const row = await recordAuditedNotification(deps, notification, {
      caseId: req.caseId,
      // What leaves, as rendered: initials or the full name per the program's policy, or, for a
      // reminder waiting for the digest, only what its subject carries (the digest lists subjects).
      detail: {
        purpose: 'notification',
        notificationKey: key,
        fields: queue ? mail.subjectClientFields : mail.clientFields,
        ...(queue ? { delivery: 'daily_digest' } : {}),
      },
    });
    const outcome = await sendUnlessSettled(deps, notification, row);
    if (outcome.status !== 'failed') return { status: outcome.status, notificationKey: key };
    // Told once, by the attempt that met the permanent rejection.
    if (outcome.rejectedNow)
      await reportUndelivered(deps, req, key, recipient.email, mail.subject, outcome.reason);
    return { status: 'failed', notificationKey: key, reason: outcome.reason };
  };
}
