import { randomUUID } from 'node:crypto';
import type { PoolClient } from 'pg';
import { prepared, preparedVariants } from '../db/prepared';
import type { CaseWorkflowInput } from '../core/case-contract';
import { ForbiddenError, UnprocessableError } from '../core/errors';
import type { ProgramPolicy, RiskLevel } from '../core/policy';
import { assertCaseParties, canOpenCaseFor, visibleClientsSql } from './access';
import type { Actor } from './actor';
import { calendarOf } from './case-calendar';
import type { CaseChange, StagedChange } from './case-changes';
import { checkBirthDate } from './clients';
import { caseWorkflowId } from './ports';
import { activeStaff, type StaffRef } from './staff-refs';
import { workflowInputOf } from './workflow-input';

/**
 * Intake's reads and writes in two statements rather than a couple of dozen: what it checks, read
 * with the program's lock, then (the lock held, so a policy change either sees this case or comes
 * first) one statement that reads the latest policy and writes the client, their consent, the case,
 * the audit entries and the staged start. Under load, intake's throughput follows its round trips;
 * its rules are those of every intake (openCase in src/domain/cases.ts).
 */

export interface NewClient {
  givenName: string;
  familyName: string;
  birthDate?: string;
  email?: string;
  phone?: string;
  address?: string;
  preferredLanguage?: string;
  consentToShare?: boolean;
}

export interface IntakeRequest {
  clientId?: string;
  client?: NewClient;
  programId: string;
  caseManagerId: string;
  supervisorId?: string;
  riskLevel?: RiskLevel;
}

/** `Row`: the caller's type for a row of `cases` (every column is returned). */
export interface RecordedIntake<Row> {
  row: Row;
  input: CaseWorkflowInput;
  staged: StagedChange;
  start: CaseChange;
}

interface StaffFacts extends StaffRef {
  time_zone: string;
}

interface IntakeFacts {
  program_id: string | null;
  program_name: string;
  program_active: boolean;
  program_manager_id: string | null;
  program_manager_zone: string | null;
  time_zone: string;
  holidays: Date[];
  has_policy: boolean;
  case_manager: StaffFacts | null;
  supervisor: StaffFacts | null;
  client_visible: boolean | null;
}

/** Records an intake in the caller's transaction: everything it writes, or a 4xx and nothing. */
export async function recordIntake<Row>(
  db: PoolClient,
  actor: Actor,
  req: IntakeRequest,
  now: Date,
): Promise<RecordedIntake<Row>> {
  const facts = await readIntakeFacts(db, actor, req);
  if (!facts.program_id)
    throw new UnprocessableError('programId does not name a program.', [
      { field: 'body.programId', reason: 'not found' },
    ]);
  if (!facts.program_active)
    throw new UnprocessableError('The program is inactive.', [
      { field: 'body.programId', reason: 'inactive' },
    ]);
  if (!facts.has_policy)
    throw new UnprocessableError('The program has no policy yet.', [
      { field: 'body.programId', reason: 'no policy' },
    ]);

  const caseManager = activeStaff(facts.case_manager, 'body.caseManagerId');
  const supervisorId = req.supervisorId ?? caseManager.supervisor_id;
  if (!supervisorId) {
    throw new UnprocessableError('The case manager has no supervisor; name one.', [
      { field: 'body.supervisorId', reason: 'required because the case manager has no supervisor' },
    ]);
  }
  const supervisor = activeStaff(facts.supervisor, 'body.supervisorId');
  assertCaseParties(caseManager, supervisor, facts.program_manager_id, {
    caseManager: 'body.caseManagerId',
    supervisor: 'body.supervisorId',
  });
  if (!canOpenCaseFor(actor, caseManager, facts.program_manager_id))
    throw new ForbiddenError('You may only open cases for your own caseload, team or program.');

  // A client the actor may not see is reported exactly like one that does not exist.
  if (req.clientId && !facts.client_visible)
    throw new UnprocessableError('clientId does not name a client.', [
      { field: 'body.clientId', reason: 'not found' },
    ]);
  if (req.client) checkBirthDate(req.client.birthDate, 'body.client.birthDate');
  if (!req.clientId && !req.client)
    throw new UnprocessableError('Give either clientId or client.', [
      { field: 'body', reason: 'clientId or client is required' },
    ]);

  const caseId = randomUUID();
  const zones: Record<string, string> = {};
  for (const s of [caseManager, supervisor]) zones[s.id] = s.time_zone;
  if (facts.program_manager_id && facts.program_manager_zone)
    zones[facts.program_manager_id] = facts.program_manager_zone;
  // The reference and the policy are the write statement's to fill in: it draws the one and reads
  // the other under the program's lock.
  const draft = workflowInputOf(
    {
      id: caseId,
      reference: '',
      program_id: facts.program_id,
      case_manager_id: caseManager.id,
      supervisor_id: supervisor.id,
      program_manager_id: facts.program_manager_id,
      risk_level: req.riskLevel ?? 'medium',
      opened_at: now,
    },
    { name: facts.program_name },
    { version: 0, policy: {} as ProgramPolicy },
    calendarOf(facts),
    zones,
  );
  const staged: StagedChange = { id: randomUUID(), caseId, seq: 0 };
  const { start_policy, start_policy_version, ...row } = await insertIntake<Row>(db, actor, req, {
    draft,
    staged,
    now,
  });
  const input: CaseWorkflowInput = {
    ...draft,
    caseReference: row.reference,
    policy: start_policy,
    policyVersion: start_policy_version,
  };
  const start: CaseChange = { kind: 'start', input };
  return { row: row as Row, input, staged, start };
}

/** Intake's checks as a prepared statement, one per distinct text (the text differs by role). */
const INTAKE_FACTS = preparedVariants();

/**
 * Everything intake checks, in one statement that takes the program FOR SHARE (a policy or
 * calendar change takes it FOR UPDATE). The locked row is read as it stands once the lock is
 * granted; the policy is read by the next statement, which sees whatever committed before it.
 */
async function readIntakeFacts(db: PoolClient, actor: Actor, req: IntakeRequest): Promise<IntakeFacts> {
  const staff = (alias: string) =>
    `CASE WHEN ${alias}.id IS NULL THEN NULL ELSE json_build_object('id', ${alias}.id, 'role', ${alias}.role,
       'active', ${alias}.active, 'supervisor_id', ${alias}.supervisor_id, 'time_zone', ${alias}.time_zone) END`;
  // Prepared once per connection (the text differs by role). Its columns are spelled out, so a
  // migration cannot change its result's shape under a live connection; so are the insert's.
  const facts = INTAKE_FACTS(`WITH program AS MATERIALIZED (
       SELECT id, name, active, program_manager_id, time_zone, holidays FROM programs WHERE id = $1 FOR SHARE
     )
     SELECT p.id AS program_id, p.name AS program_name, p.active AS program_active, p.program_manager_id,
            pm.time_zone AS program_manager_zone, p.time_zone, p.holidays,
            EXISTS (SELECT 1 FROM program_policies WHERE program_id = $1) AS has_policy,
            ${staff('cm')} AS case_manager, ${staff('sv')} AS supervisor,
            CASE WHEN $4::uuid IS NULL THEN NULL
                 ELSE EXISTS (SELECT 1 FROM clients cl WHERE cl.id = $4 AND ${visibleClientsSql(actor, 5)}) END
              AS client_visible
       FROM (VALUES (1)) AS one
       LEFT JOIN program p ON true
       LEFT JOIN staff pm ON pm.id = p.program_manager_id
       LEFT JOIN staff cm ON cm.id = $2
       LEFT JOIN staff sv ON sv.id = coalesce($3::uuid, cm.supervisor_id)`);
  const rows = await db.query<IntakeFacts>(
    facts.with([req.programId, req.caseManagerId, req.supervisorId ?? null, req.clientId ?? null, actor.id]),
  );
  return rows.rows[0]!;
}

/** The case row's columns as intake answers them (`CaseRow` less the program's manager). */
const CASE_ROW_COLUMNS = `c.id, c.reference, c.client_id, c.program_id, c.case_manager_id, c.supervisor_id, c.status,
       c.risk_level, c.opened_at, c.closed_at, c.workflow_id, c.next_due_at, c.next_due_kind, c.overdue_count,
       c.escalation_level`;

const INSERT_INTAKE = prepared(
  `WITH policy AS (
       SELECT version, policy FROM program_policies WHERE program_id = $14 ORDER BY version DESC LIMIT 1
     ), new_client AS (
       INSERT INTO clients (given_name, family_name, birth_date, email, phone, address, preferred_language, consent_to_share)
       SELECT $1, $2, $3, $4, $5, $6, $7, $8 FROM policy WHERE $9::boolean
       RETURNING id
     ), consent AS (
       INSERT INTO client_consents (client_id, purpose, given, at, note, recorded_by)
       SELECT id, 'share_with_providers', true, $10, 'recorded at registration', $11 FROM new_client WHERE $8
       RETURNING id, client_id
     ), new_case AS (
       INSERT INTO cases (id, client_id, program_id, case_manager_id, supervisor_id, risk_level,
                          status, opened_at, workflow_id)
       SELECT $12, coalesce((SELECT id FROM new_client), $13), $14, $15, $16, $17, 'assessment', $10, $18
         FROM policy
       RETURNING *
     ), audited AS (
       INSERT INTO audit_log (actor_id, actor_kind, action, entity, entity_id, case_id, source_ip, request_id, detail)
       SELECT $11, 'staff', 'create', e.entity, e.entity_id, e.case_id, $19, $20, e.detail
         FROM (SELECT 1 AS n, 'client' AS entity, id::text AS entity_id, NULL::uuid AS case_id, '{}'::jsonb AS detail
                 FROM new_client
               UNION ALL
               SELECT 2, 'client_consent', id::text, NULL,
                      jsonb_build_object('clientId', client_id, 'purpose', 'share_with_providers', 'given', true)
                 FROM consent
               UNION ALL
               SELECT 3, 'case', id::text, id, '{}' FROM new_case) e
        ORDER BY e.n
     ), staged AS (
       INSERT INTO case_changes (id, case_id, seq, payload)
       SELECT $21, c.id, $22, json_build_object('kind', 'start', 'input', $23::jsonb || jsonb_build_object(
                'caseReference', c.reference, 'policy', p.policy, 'policyVersion', p.version))
         FROM new_case c, policy p
     )
     SELECT ${CASE_ROW_COLUMNS}, p.policy AS start_policy, p.version AS start_policy_version FROM new_case c, policy p`,
);

/**
 * One statement, once the program's lock is held (so it reads the newest policy): the new client
 * (if any) and the consent they gave at registration, the case with its workflow id, an audit
 * entry for each record created (in that order), and the staged start on that policy. Nothing is
 * written without a policy to start on.
 */
async function insertIntake<Row>(
  db: PoolClient,
  actor: Actor,
  req: IntakeRequest,
  w: { draft: CaseWorkflowInput; staged: StagedChange; now: Date },
): Promise<Row & { reference: string; start_policy: ProgramPolicy; start_policy_version: number }> {
  const c = req.client;
  const rows = await db.query<
    Row & { reference: string; start_policy: ProgramPolicy; start_policy_version: number }
  >(
    INSERT_INTAKE.with([
      c?.givenName ?? null,
      c?.familyName ?? null,
      c?.birthDate ?? null,
      c?.email ?? null,
      c?.phone ?? null,
      c?.address ?? null,
      c?.preferredLanguage ?? null,
      c?.consentToShare ?? false,
      Boolean(c),
      w.now,
      actor.id,
      w.draft.caseId,
      req.clientId ?? null,
      w.draft.programId,
      w.draft.caseManagerId,
      w.draft.supervisorId,
      w.draft.riskLevel,
      caseWorkflowId(w.draft.caseId),
      actor.sourceIp ?? null,
      actor.requestId ?? null,
      w.staged.id,
      w.staged.seq,
      JSON.stringify(w.draft),
    ]),
  );
  // Policies are never deleted, and the lock keeps the program's history still.
  if (!rows.rows[0]) throw new Error(`Program ${w.draft.programId} lost its policy during an intake.`);
  return rows.rows[0];
}
