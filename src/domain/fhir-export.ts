import type { Pool } from 'pg';
import type { Actor } from './actor';
import { listAppointments } from './appointments';
import { audit } from './audit';
import { getPlan, listReferrals } from './case-reads';
import { loadCase } from './cases';
import { getClient } from './clients';
import { clientInitials } from './work';
import { NotFoundError } from '../core/errors';
import {
  caseBundle,
  referencedStaff,
  type ClientView,
  type FhirBundle,
  type PlanSource,
} from './fhir/r4-mapping';

/**
 * `GET /cases/:id/fhir`: the case's records as a FHIR R4 Bundle. Seeing the case is decided as for
 * the case detail (404 otherwise); every record is read through the same audited reads the API's
 * own routes use, and the client's name and contact details only when the reader may see the
 * client (an audited client read, as the case page does) and did not ask for initials only.
 */
export async function caseFhirBundle(
  deps: { pool: Pool; clock?: () => Date },
  actor: Actor,
  caseId: string,
  opts: { initialsOnly?: boolean } = {},
): Promise<FhirBundle> {
  const { pool } = deps;
  const row = await loadCase(pool, actor, caseId);
  await audit(pool, actor, {
    action: 'read',
    entity: 'case',
    entityId: row.id,
    caseId: row.id,
    detail: { format: 'fhir' },
  });
  // Only the plan in force (the newest version) is exported, so only it is read (and audited).
  const currentPlanId = (
    await pool.query<{ id: string }>(
      'SELECT id FROM service_plans WHERE case_id = $1 ORDER BY version DESC LIMIT 1',
      [caseId],
    )
  ).rows[0]?.id;
  const [client, current, referrals, appointments] = await Promise.all([
    clientView(pool, actor, row.client_id, opts.initialsOnly === true),
    currentPlanId ? getPlan(pool, actor, caseId, currentPlanId) : undefined,
    listReferrals(pool, actor, caseId),
    listAppointments(pool, actor, caseId),
  ]);
  const plan: PlanSource | null = current
    ? {
        ...current,
        goals: current.goals.map((g) => ({ ...g, statusAt: g.latestProgress?.at ?? null })),
      }
    : null;
  const records = {
    caseId: row.id,
    reference: row.reference,
    caseStatus: row.status,
    caseManagerId: row.case_manager_id,
    plan,
    referrals: referrals.map((r) => ({ ...r, updatedAt: r.events.at(-1)?.at ?? r.sentAt })),
    appointments,
  };
  const staffIds = referencedStaff(records);
  const staff = (
    await pool.query<{ id: string; fullName: string }>(
      'SELECT id, full_name AS "fullName" FROM staff WHERE id = ANY($1::uuid[]) ORDER BY full_name, id',
      [staffIds],
    )
  ).rows;
  return caseBundle({ ...records, client, staff }, deps.clock?.() ?? new Date());
}

async function clientView(
  pool: Pool,
  actor: Actor,
  clientId: string,
  initialsOnly: boolean,
): Promise<ClientView> {
  if (!initialsOnly) {
    try {
      const c = await getClient(pool, actor, clientId);
      return {
        kind: 'full',
        id: c.id,
        initials: clientInitials(c.givenName, c.familyName),
        givenName: c.givenName,
        familyName: c.familyName,
        birthDate: c.birthDate,
        email: c.email,
        phone: c.phone,
        address: c.address,
        preferredLanguage: c.preferredLanguage,
      };
    } catch (err) {
      if (!(err instanceof NotFoundError)) throw err;
    }
  }
  // Initials, as the case detail shows them: not a read of the client's record.
  const names = (
    await pool.query<{ given_name: string; family_name: string }>(
      'SELECT given_name, family_name FROM clients WHERE id = $1',
      [clientId],
    )
  ).rows[0]!;
  return { kind: 'initials', id: clientId, initials: clientInitials(names.given_name, names.family_name) };
}
