import { randomUUID } from 'node:crypto';
import type { PoolClient } from 'pg';
import type { ConsentChanged } from '../core/case-contract';
import { inTransaction } from '../db/tx';
import { MANY_CASES } from './many-cases';
import type { Actor } from './actor';
import { reportedTime } from './case-actions';
import { deliverFanOut, stageChange, type FanOutDelivery } from './case-changes';
import type { CaseDeps } from './cases';
import { appendCheckedConsent, consentTo, type ConsentInput, type ConsentStatement } from './consent';

/**
 * A consent statement reaches the client's open cases durably: with the statement, in its
 * transaction, one `consent_changed` change per open case, delivered like every other fan-out. A
 * withdrawal names each case's referrals still waiting for the provider's answer whose provider
 * the client no longer consents to share with: the workflow ends their pending provider emails
 * and says so on the timeline (src/workflows/case-consent.ts). Client reminders read the
 * `email_reminders` statement from the same event (CaseState.consent).
 */
export async function recordConsentForCases(
  deps: CaseDeps,
  actor: Actor,
  clientId: string,
  input: ConsentInput,
  now = deps.clock?.() ?? new Date(),
): Promise<ConsentStatement & { delivery: FanOutDelivery }> {
  const at = reportedTime(input.at, now);
  const fanOutId = randomUUID();
  const { statement, caseIds } = await inTransaction(
    deps.pool,
    async (db) => {
      const statement = await appendCheckedConsent(db, actor, clientId, input, at);
      return { statement, caseIds: await stageForClientCases(db, clientId, statement, fanOutId) };
    },
    MANY_CASES,
  );
  const delivery = await deliverFanOut(deps, {
    fanOutId,
    what: `Consent (${statement.purpose}) ${statement.given ? 'given' : 'withdrawn'} for client ${clientId}`,
    caseIds,
  });
  return { ...statement, delivery };
}

async function stageForClientCases(
  db: PoolClient,
  clientId: string,
  s: ConsentStatement,
  fanOutId: string,
): Promise<string[]> {
  const open = await db.query<{ id: string }>(
    `SELECT id FROM cases WHERE client_id = $1 AND status <> 'closed' ORDER BY id FOR UPDATE`,
    [clientId],
  );
  const staged: string[] = [];
  for (const { id } of open.rows) {
    const event: ConsentChanged = {
      type: 'consent_changed',
      purpose: s.purpose,
      ...(s.providerId ? { providerId: s.providerId } : {}),
      given: s.given,
      at: s.at,
      ...(s.given || s.purpose === 'email_reminders'
        ? {}
        : { referralIds: await referralsNoLongerShared(db, id, clientId) }),
    };
    await stageChange(db, id, { kind: 'event', event }, fanOutId);
    staged.push(id);
  }
  return staged;
}

/** The case's referrals still waiting for an answer whose provider consent no longer covers (as of this statement). */
async function referralsNoLongerShared(db: PoolClient, caseId: string, clientId: string): Promise<string[]> {
  const waiting = await db.query<{ id: string; provider_id: string }>(
    `SELECT id, provider_id FROM referrals WHERE case_id = $1 AND status = 'sent' ORDER BY sent_at, id`,
    [caseId],
  );
  const stopped: string[] = [];
  for (const r of waiting.rows)
    if (!(await consentTo(db, clientId, { purpose: 'share', providerId: r.provider_id }))) stopped.push(r.id);
  return stopped;
}
