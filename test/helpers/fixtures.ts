import { randomBytes } from 'node:crypto';
import type { Pool } from 'pg';
import type { Actor, Role } from '../../src/domain/actor';
import { issueToken } from '../../src/domain/auth';
import { DEFAULT_POLICY, type ProgramPolicy } from '../../src/core/policy';

const uniq = (): string => randomBytes(4).toString('hex');

export interface StaffFixture extends Actor {
  token: string;
  fullName: string;
}

export async function createStaff(
  pool: Pool,
  role: Role,
  opts: { supervisorId?: string; timeZone?: string; name?: string; active?: boolean } = {},
): Promise<StaffFixture> {
  const email = `${role}.${uniq()}@test.caseloop.local`;
  const fullName = opts.name ?? `${role.replace('_', ' ')} ${uniq()}`;
  const id = (
    await pool.query<{ id: string }>(
      `INSERT INTO staff (email, full_name, role, supervisor_id, time_zone, active)
       VALUES ($1, $2, $3, $4, $5, $6) RETURNING id`,
      [email, fullName, role, opts.supervisorId ?? null, opts.timeZone ?? 'UTC', opts.active ?? true],
    )
  ).rows[0]!.id;
  return { id, role, email, fullName, token: await issueToken(pool, id, 'test') };
}

export async function createProgram(
  pool: Pool,
  opts: {
    programManagerId?: string;
    policy?: ProgramPolicy;
    name?: string;
    timeZone?: string;
    holidays?: string[];
  } = {},
): Promise<string> {
  const id = (
    await pool.query<{ id: string }>(
      'INSERT INTO programs (name, program_manager_id, time_zone, holidays) VALUES ($1, $2, $3, $4) RETURNING id',
      [
        opts.name ?? `Program ${uniq()}`,
        opts.programManagerId ?? null,
        opts.timeZone ?? 'UTC',
        opts.holidays ?? [],
      ],
    )
  ).rows[0]!.id;
  await pool.query('INSERT INTO program_policies (program_id, version, policy) VALUES ($1, 1, $2)', [
    id,
    opts.policy ?? DEFAULT_POLICY,
  ]);
  return id;
}

/** A program manager, supervisor and case manager wired together, plus a program and an admin. */
export async function createTeam(
  pool: Pool,
  policy?: ProgramPolicy,
  calendar: { timeZone?: string; holidays?: string[] } = {},
) {
  const timeZone = calendar.timeZone;
  const admin = await createStaff(pool, 'admin');
  const programManager = await createStaff(pool, 'program_manager', { timeZone });
  const supervisor = await createStaff(pool, 'supervisor', { timeZone });
  const caseManager = await createStaff(pool, 'case_manager', { supervisorId: supervisor.id, timeZone });
  const programId = await createProgram(pool, { programManagerId: programManager.id, policy, ...calendar });
  return { admin, programManager, supervisor, caseManager, programId };
}

export async function createProvider(pool: Pool, organisation = `Provider ${uniq()}`) {
  const contactEmail = `intake.${uniq()}@provider.test`;
  const id = (
    await pool.query<{ id: string }>(
      `INSERT INTO providers (organisation, services, contact_email) VALUES ($1, '{housing}', $2) RETURNING id`,
      [organisation, contactEmail],
    )
  ).rows[0]!.id;
  return { id, organisation, contactEmail };
}

/** A case row with its client, written directly: for tests about what happens after intake. */
export async function createCaseRow(
  pool: Pool,
  team: { programId: string; caseManager: StaffFixture; supervisor: StaffFixture },
  client: { givenName: string; familyName: string } = { givenName: 'Mira', familyName: 'Sandoval' },
): Promise<{ id: string; reference: string }> {
  const clientId = (
    await pool.query<{ id: string }>(
      'INSERT INTO clients (given_name, family_name) VALUES ($1, $2) RETURNING id',
      [client.givenName, client.familyName],
    )
  ).rows[0]!.id;
  return (
    await pool.query<{ id: string; reference: string }>(
      `INSERT INTO cases (client_id, program_id, case_manager_id, supervisor_id, status)
       VALUES ($1, $2, $3, $4, 'assessment') RETURNING id, reference`,
      [clientId, team.programId, team.caseManager.id, team.supervisor.id],
    )
  ).rows[0]!;
}
