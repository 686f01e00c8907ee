import type { Pool, PoolClient } from 'pg';
import { changeCaseLoaded } from './case-actions';
import type { CaseDeps, CaseRow } from './cases';
import { providerShare, type ProviderShare } from './provider-consent';
import { verifyProviderLink, type ProviderLinkClaims } from './provider-links';
import { nextReferralStatuses, recordReferralUpdate, type ReferralStatus } from './referrals';
import { ConflictError, NotFoundError } from '../core/errors';

/**
 * A provider answers a referral from the signed link in its email, with no account: the link names
 * the referral and the provider, and is the only key. What they see follows the client's consent;
 * what they report goes through the same referral update as a case manager's, recorded as theirs.
 */

export type ProviderAnswer =
  | { answer: 'accept'; note?: string }
  | { answer: 'decline'; reason: string }
  | { answer: 'schedule'; date: string; note?: string }
  | { answer: 'outcome'; outcome: 'completed' | 'no_show'; note?: string };

export const PROVIDER_OUTCOMES = ['completed', 'no_show'] as const;

const FINAL = new Set<string>(['completed', 'declined', 'no_show', 'cancelled']);

export interface ProviderReferralView {
  referralId: string;
  caseReference: string;
  organisation: string;
  programName: string;
  /** The program's zone: the provider has no account, so times are shown in it. */
  timeZone: string;
  caseManagerName: string;
  service: string;
  status: string;
  sentAt: string;
  caseClosed: boolean;
  /** How much of the client this provider may see (see provider-consent.ts). */
  share: ProviderShare;
  /** Only with consent to share with this provider by name. */
  client?: { fullName: string; reason: string };
  /** What the provider may answer now (none once the referral is final or the case closed). */
  allowed: ProviderAnswer['answer'][];
  /** The referral's history as the provider may see it: statuses and dates, their own notes. */
  history: { status: string; at: string; byProvider: boolean; note?: string; scheduledFor?: string }[];
  linkExpiresAt: string;
}

interface Row {
  case_id: string;
  client_id: string;
  given_name: string;
  family_name: string;
  reference: string;
  case_status: string;
  program_name: string;
  time_zone: string;
  case_manager_name: string;
  organisation: string;
  service: string;
  reason: string;
  status: string;
  sent_at: Date;
}

/** The referral a verified link names; a link for another provider's referral names nothing. */
async function referralOfLink(db: Pool | PoolClient, claims: ProviderLinkClaims): Promise<Row> {
  const row = (
    await db.query<Row>(
      `SELECT r.case_id, c.client_id, cl.given_name, cl.family_name, c.reference, c.status AS case_status,
              p.name AS program_name, p.time_zone, cm.full_name AS case_manager_name, pr.organisation,
              r.service, r.reason, r.status, r.sent_at
         FROM referrals r JOIN cases c ON c.id = r.case_id JOIN clients cl ON cl.id = c.client_id
         JOIN programs p ON p.id = c.program_id JOIN providers pr ON pr.id = r.provider_id
         JOIN staff cm ON cm.id = c.case_manager_id
        WHERE r.id = $1 AND r.provider_id = $2`,
      [claims.referralId, claims.providerId],
    )
  ).rows[0];
  if (!row) throw new NotFoundError('This referral is no longer on record.');
  return row;
}

/** A provider's read or write, in the audit log as theirs (no staff id: the provider's is in detail). */
async function auditProvider(
  db: Pool | PoolClient,
  claims: ProviderLinkClaims,
  caseId: string,
  action: 'read' | 'update',
  detail: Record<string, unknown> = {},
): Promise<void> {
  await db.query(
    `INSERT INTO audit_log (actor_kind, action, entity, entity_id, case_id, detail)
     VALUES ('provider', $1, 'referral', $2, $3, $4)`,
    [action, claims.referralId, caseId, { providerId: claims.providerId, via: 'provider_link', ...detail }],
  );
}

const ANSWER_STATUS: Record<ProviderAnswer['answer'], (a: ProviderAnswer) => ReferralStatus> = {
  accept: () => 'accepted',
  decline: () => 'declined',
  schedule: () => 'scheduled',
  outcome: (a) => (a.answer === 'outcome' ? a.outcome : 'completed'),
};

function allowedAnswers(status: string, caseClosed: boolean): ProviderAnswer['answer'][] {
  if (caseClosed) return [];
  const next = nextReferralStatuses(status);
  return (Object.keys(ANSWER_STATUS) as ProviderAnswer['answer'][]).filter((a) =>
    a === 'outcome'
      ? PROVIDER_OUTCOMES.some((o) => next.includes(o))
      : next.includes(ANSWER_STATUS[a]({ answer: a } as ProviderAnswer)),
  );
}

/** Verifies the link (malformed/tampered 400, expired 410) and reads what the provider may see. */
export async function referralForProvider(
  deps: { pool: Pool; linkSigningKey: string; clock?: () => Date },
  token: string,
): Promise<ProviderReferralView> {
  const now = deps.clock?.() ?? new Date();
  const claims = verifyProviderLink(token, deps.linkSigningKey, now.getTime());
  const row = await referralOfLink(deps.pool, claims);
  const share = await providerShare(deps.pool, row.client_id, claims.providerId);
  const events = (
    await deps.pool.query<{
      status: string;
      at: Date;
      by_provider: boolean;
      note: string;
      scheduled_for: string | null;
    }>(
      `SELECT status, at, reported_by_provider IS NOT NULL AS by_provider, note,
              to_char(scheduled_for, 'YYYY-MM-DD') AS scheduled_for
         FROM referral_events WHERE referral_id = $1 ORDER BY at, created_at, id`,
      [claims.referralId],
    )
  ).rows;
  await auditProvider(deps.pool, claims, row.case_id, 'read', {
    fields: share === 'named' ? ['full_name', 'referral_service', 'referral_reason'] : ['referral_service'],
  });
  const caseClosed = row.case_status === 'closed';
  return {
    referralId: claims.referralId,
    caseReference: row.reference,
    organisation: row.organisation,
    programName: row.program_name,
    timeZone: row.time_zone,
    caseManagerName: row.case_manager_name,
    service: row.service,
    status: row.status,
    sentAt: row.sent_at.toISOString(),
    caseClosed,
    share,
    ...(share === 'named'
      ? { client: { fullName: `${row.given_name} ${row.family_name}`.trim(), reason: row.reason } }
      : {}),
    allowed: allowedAnswers(row.status, caseClosed),
    history: events.map((e) => ({
      status: e.status,
      at: e.at.toISOString(),
      byProvider: e.by_provider,
      // Staff notes may hold client detail: the provider sees only their own.
      ...(e.by_provider && e.note ? { note: e.note } : {}),
      ...(e.scheduled_for ? { scheduledFor: e.scheduled_for } : {}),
    })),
    linkExpiresAt: new Date(claims.expiresAt).toISOString(),
  };
}

/**
 * Records the provider's answer exactly as a case manager's update is recorded (same checks, same
 * event for the case's clocks), reported by the provider. After a final outcome nothing more can be
 * recorded from the link: 409 says what was recorded and whom to contact.
 */
export async function answerReferral(
  deps: CaseDeps & { linkSigningKey: string },
  token: string,
  answer: ProviderAnswer,
) {
  const now = deps.clock?.() ?? new Date();
  const claims = verifyProviderLink(token, deps.linkSigningKey, now.getTime());
  const first = await referralOfLink(deps.pool, claims);
  const status = ANSWER_STATUS[answer.answer](answer);
  const note = answer.answer === 'decline' ? answer.reason : (answer.note ?? '');
  return changeCaseLoaded(
    deps,
    first.case_id,
    async (db) => {
      const row = (
        await db.query<CaseRow>(
          `SELECT c.*, p.program_manager_id FROM cases c JOIN programs p ON p.id = c.program_id
            WHERE c.id = $1 FOR UPDATE OF c`,
          [first.case_id],
        )
      ).rows[0]!;
      const current = await referralOfLink(db, claims);
      if (row.status === 'closed')
        throw new ConflictError(
          `Case ${row.reference} is closed, so nothing more can be recorded from this link. Reply to the email to reach ${current.case_manager_name}.`,
        );
      if (FINAL.has(current.status))
        throw new ConflictError(
          `This referral's final outcome (${current.status.replace('_', ' ')}) is already recorded, so this link records nothing more. Reply to the email to reach ${current.case_manager_name}, the case manager.`,
        );
      return row;
    },
    async (db, row) => {
      const done = await recordReferralUpdate(
        db,
        row,
        claims.referralId,
        { status, note, ...(answer.answer === 'schedule' ? { scheduledFor: answer.date } : {}) },
        now,
        { providerId: claims.providerId },
      );
      await auditProvider(db, claims, row.id, 'update', { status });
      return done;
    },
  );
}
