import type { Pool, PoolClient } from 'pg';
import type { CaseCalendar, CaseWorkflowInput } from '../core/case-contract';
import { programCalendar, staffZones } from './case-calendar';
import type { ProgramPolicy, RiskLevel } from '../core/policy';

/**
 * What a case's workflow run starts from, built one way for intake, reopening and reconciliation:
 * the case as its record stands, its program's latest policy and calendar, its people's zones.
 */

/** The case fields a run starts from (a case row has them all). */
export interface StartingCase {
  id: string;
  reference: string;
  program_id: string;
  case_manager_id: string;
  supervisor_id: string;
  program_manager_id: string | null;
  risk_level: RiskLevel;
  opened_at: Date;
}

export interface StartingProgram {
  id: string;
  name: string;
  active: boolean;
  program_manager_id: string | null;
}

/**
 * The program row, locked FOR SHARE until the caller's transaction ends. A policy or calendar
 * change takes it FOR UPDATE, so a run started in this transaction is either among the cases that
 * change fans out to or starts on the new version.
 */
export async function lockProgramForStart(
  db: PoolClient,
  programId: string,
): Promise<StartingProgram | undefined> {
  return (
    await db.query<StartingProgram>(
      'SELECT id, name, active, program_manager_id FROM programs WHERE id = $1 FOR SHARE',
      [programId],
    )
  ).rows[0];
}

export interface PolicyVersion {
  version: number;
  policy: ProgramPolicy;
}

/** The program's newest policy version; undefined for a program that has none yet. */
export async function latestPolicy(
  db: Pool | PoolClient,
  programId: string,
): Promise<PolicyVersion | undefined> {
  return (
    await db.query<PolicyVersion>(
      'SELECT version, policy FROM program_policies WHERE program_id = $1 ORDER BY version DESC LIMIT 1',
      [programId],
    )
  ).rows[0];
}

/** The start input for the case's workflow run, read under the program's share lock. */
export async function workflowInputFor(db: PoolClient, c: StartingCase): Promise<CaseWorkflowInput> {
  const program = await lockProgramForStart(db, c.program_id);
  const policy = await latestPolicy(db, c.program_id);
  if (!program || !policy)
    throw new Error(`Case ${c.reference} cannot start: its program has no policy to start on.`);
  return workflowInputOf(
    c,
    program,
    policy,
    await programCalendar(db, c.program_id),
    await staffZones(db, [c.case_manager_id, c.supervisor_id, c.program_manager_id]),
  );
}

/** The start input from facts already read (intake reads them in fewer statements). */
export function workflowInputOf(
  c: StartingCase,
  program: Pick<StartingProgram, 'name'>,
  policy: PolicyVersion,
  calendar: CaseCalendar,
  zones: Record<string, string>,
): CaseWorkflowInput {
  return {
    caseId: c.id,
    caseReference: c.reference,
    programId: c.program_id,
    programName: program.name,
    caseManagerId: c.case_manager_id,
    supervisorId: c.supervisor_id,
    programManagerId: c.program_manager_id ?? undefined,
    riskLevel: c.risk_level,
    openedAt: c.opened_at.toISOString(),
    policy: policy.policy,
    policyVersion: policy.version,
    calendar,
    zones,
  };
}
