import type { PoolClient } from 'pg';
import type { CaseEvent } from '../core/case-contract';
import type { Actor } from './actor';
import { audit } from './audit';
import { consentTo } from './consent';
import { referralRefusal } from '../core/case-status-rules';
import { assertOpen, changeCase, reportedTime } from './case-actions';
import type { CaseDeps, CaseRow } from './cases';
import { ConflictError, NotFoundError, UnprocessableError } from '../core/errors';

export type ReferralStatus =
  'sent' | 'accepted' | 'scheduled' | 'completed' | 'declined' | 'no_show' | 'cancelled';

/** sent → accepted or scheduled → completed; or declined, no-show, cancelled. Final states have no way out. */
const NEXT: Record<ReferralStatus, ReferralStatus[]> = {
  sent: ['accepted', 'scheduled', 'declined', 'cancelled'],
  accepted: ['scheduled', 'completed', 'cancelled', 'no_show'],
  scheduled: ['completed', 'no_show', 'cancelled'],
  completed: [],
  declined: [],
  no_show: [],
  cancelled: [],
};

/** The statuses a referral may move to next (none once it is completed, declined, no-show or cancelled). */
export function nextReferralStatuses(status: string): ReferralStatus[] {
  return Object.hasOwn(NEXT, status) ? [...NEXT[status as ReferralStatus]] : [];
}

export async function makeReferral(
  deps: CaseDeps,
  actor: Actor,
  caseId: string,
  input: { providerId: string; service: string; reason: string },
  now = deps.clock?.() ?? new Date(),
) {
  return changeCase(deps, actor, caseId, async (db, row) => {
    const refusal = referralRefusal(row.status, `Case ${row.reference}`);
    if (refusal) throw new ConflictError(refusal);
    const provider = (
      await db.query<{ active: boolean }>('SELECT active FROM providers WHERE id = $1', [input.providerId])
    ).rows[0];
    if (!provider)
      throw new UnprocessableError('providerId does not name a provider.', [
        { field: 'body.providerId', reason: 'not found' },
      ]);
    if (!provider.active)
      throw new UnprocessableError('The provider is inactive.', [
        { field: 'body.providerId', reason: 'inactive' },
      ]);
    if (!(await consentTo(db, row.client_id, { purpose: 'share', providerId: input.providerId }))) {
      throw new ConflictError(
        'The client has not consented to sharing with this provider or with providers in general (or has withdrawn consent); record consent before referring.',
      );
    }
    const id = (
      await db.query<{ id: string }>(
        `INSERT INTO referrals (case_id, provider_id, service, reason, sent_at, created_by) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id`,
        [caseId, input.providerId, input.service, input.reason, now, actor.id],
      )
    ).rows[0]!.id;
    await db.query(
      `INSERT INTO referral_events (referral_id, status, at, reported_by) VALUES ($1, 'sent', $2, $3)`,
      [id, now, actor.id],
    );
    await audit(db, actor, { action: 'create', entity: 'referral', entityId: id, caseId });
    return {
      result: { id, status: 'sent' },
      event: { type: 'referral_made', referralId: id, at: now.toISOString() },
    };
  });
}

/** Who reported a referral's new status: a staff member, or the provider through their answer link. */
export type ReferralReporter = { staffId: string } | { providerId: string };

export interface ReferralUpdate {
  status: ReferralStatus;
  note?: string;
  at?: string;
  /** The date the service is booked for, when the referral is scheduled. */
  scheduledFor?: string;
}

export async function updateReferral(
  deps: CaseDeps,
  actor: Actor,
  caseId: string,
  referralId: string,
  input: ReferralUpdate,
  now = deps.clock?.() ?? new Date(),
) {
  const at = reportedTime(input.at, now);
  return changeCase(deps, actor, caseId, async (db, row) => {
    const done = await recordReferralUpdate(db, row, referralId, input, at, { staffId: actor.id });
    await audit(db, actor, {
      action: 'update',
      entity: 'referral',
      entityId: referralId,
      caseId,
      detail: { status: input.status },
    });
    return done;
  });
}

/**
 * The one way a referral's status moves, whoever reports it (the case manager on the case page or
 * the API, the provider from their link), in the caller's transaction with the case row locked:
 * the same checks, the same history row, the same event for the case's clocks.
 */
export async function recordReferralUpdate(
  db: PoolClient,
  row: CaseRow,
  referralId: string,
  input: ReferralUpdate,
  at: Date,
  reporter: ReferralReporter,
) {
  assertOpen(row);
  const referral = (
    await db.query<{ status: ReferralStatus; sent_at: Date }>(
      'SELECT status, sent_at FROM referrals WHERE id = $1 AND case_id = $2 FOR UPDATE',
      [referralId, row.id],
    )
  ).rows[0];
  if (!referral) throw new NotFoundError(`No referral ${referralId} on this case.`);
  if (!NEXT[referral.status].includes(input.status)) {
    throw new ConflictError(`A referral that is ${referral.status} cannot become ${input.status}.`);
  }
  if (at.getTime() < referral.sent_at.getTime()) {
    throw new UnprocessableError('at is before the referral was sent.', [
      { field: 'body.at', reason: 'before the referral' },
    ]);
  }
  await db.query('UPDATE referrals SET status = $2, updated_at = now() WHERE id = $1', [
    referralId,
    input.status,
  ]);
  const byProvider = 'providerId' in reporter;
  await db.query(
    `INSERT INTO referral_events (referral_id, status, at, reported_by, reported_by_provider, note, scheduled_for)
     VALUES ($1, $2, $3, $4, $5, $6, $7)`,
    [
      referralId,
      input.status,
      at,
      byProvider ? null : reporter.staffId,
      byProvider ? reporter.providerId : null,
      input.note ?? '',
      input.status === 'scheduled' ? (input.scheduledFor ?? null) : null,
    ],
  );
  const event: CaseEvent = {
    type: 'referral_updated',
    referralId,
    status: input.status,
    at: at.toISOString(),
    ...(byProvider ? { by: 'provider' as const } : {}),
  };
  return { result: { id: referralId, status: input.status }, event };
}
