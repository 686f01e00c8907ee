import type { Client } from '@temporalio/client';
import type { Pool } from 'pg';
import { issueToken } from '../src/domain/auth';
import type { ProgramPolicy } from '../src/core/policy';
import { createCaseWorkflows } from '../src/temporal/case-workflows';
import type { CaseWorkflowInput } from '../src/core/case-contract';
import { forEachLimited } from './lib/concurrency';
import type { Progress } from './lib/progress';

/**
 * Bulk seeding in SQL (generate_series, one statement per table) and workflow starts with many in
 * flight: the only way 100,000 cases fit in a benchmark run on two cores.
 */

export interface Person {
  id: string;
  email: string;
  supervisorId: string | null;
}

export interface BenchTeam {
  programId: string;
  admin: Person;
  policy: ProgramPolicy;
  programManager: Person;
  supervisors: Person[];
  caseManagers: Person[];
}

/** Case managers in teams of ten under one supervisor, all in UTC, in one program. */
export async function seedTeam(
  pool: Pool,
  opts: { label: string; policy: ProgramPolicy; caseManagers: number },
): Promise<BenchTeam> {
  const people = async (
    role: string,
    count: number,
    supervisorOf?: (i: number) => string,
  ): Promise<Person[]> => {
    const supervisors = supervisorOf ? Array.from({ length: count }, (_, i) => supervisorOf(i)) : null;
    const rows = await pool.query<{ id: string; email: string; supervisor_id: string | null }>(
      `INSERT INTO staff (email, full_name, role, supervisor_id, time_zone)
       SELECT $1 || '.' || $2 || '.' || g || '@bench.caseloop.local', $2 || ' ' || g, $2,
              ($4::uuid[])[g], 'UTC'
         FROM generate_series(1, $3::int) g
       RETURNING id, email, supervisor_id`,
      [opts.label, role, count, supervisors],
    );
    return rows.rows.map((r) => ({ id: r.id, email: r.email, supervisorId: r.supervisor_id }));
  };
  const [admin] = await people('admin', 1);
  const [programManager] = await people('program_manager', 1);
  const supervisors = await people('supervisor', Math.ceil(opts.caseManagers / 10));
  const caseManagers = await people(
    'case_manager',
    opts.caseManagers,
    (i) => supervisors[Math.floor(i / 10)]!.id,
  );
  const programId = (
    await pool.query<{ id: string }>(
      `INSERT INTO programs (name, program_manager_id, time_zone) VALUES ($1, $2, 'UTC') RETURNING id`,
      [`Bench ${opts.label}`, programManager!.id],
    )
  ).rows[0]!.id;
  await pool.query('INSERT INTO program_policies (program_id, version, policy) VALUES ($1, 1, $2)', [
    programId,
    opts.policy,
  ]);
  return {
    programId,
    admin: admin!,
    policy: opts.policy,
    programManager: programManager!,
    supervisors,
    caseManagers,
  };
}

export const tokenFor = (pool: Pool, person: Person): Promise<string> => issueToken(pool, person.id, 'bench');

export interface SeededCase {
  id: string;
  reference: string;
  caseManagerId: string;
  supervisorId: string;
}

/**
 * Clients and cases in two statements, spread round-robin over the team's case managers. The rows
 * look like intake's (status 'assessment', workflow id set) so the workflows find them.
 */
export async function seedCaseRows(
  pool: Pool,
  team: BenchTeam,
  count: number,
  openedAt: Date,
  caseManagers: Person[] = team.caseManagers,
): Promise<SeededCase[]> {
  const rows = await pool.query<{
    id: string;
    reference: string;
    case_manager_id: string;
    supervisor_id: string;
  }>(
    `WITH new_clients AS (
       INSERT INTO clients (given_name, family_name)
       SELECT 'Bench', 'Client ' || g FROM generate_series(1, $1::int) g
       RETURNING id
     ), numbered AS (
       SELECT id AS client_id, gen_random_uuid() AS case_id, row_number() OVER () - 1 AS k FROM new_clients
     ), managers AS (
       SELECT m.id, m.supervisor_id, m.k - 1 AS k
         FROM unnest($2::uuid[], $3::uuid[]) WITH ORDINALITY AS m(id, supervisor_id, k)
     )
     INSERT INTO cases (id, client_id, program_id, case_manager_id, supervisor_id, risk_level, status,
                        opened_at, workflow_id)
     SELECT n.case_id, n.client_id, $4, m.id, m.supervisor_id, 'medium', 'assessment', $5, 'case-' || n.case_id
       FROM numbered n JOIN managers m ON m.k = n.k % $6
     RETURNING id, reference, case_manager_id, supervisor_id`,
    [
      count,
      caseManagers.map((c) => c.id),
      caseManagers.map((c) => c.supervisorId),
      team.programId,
      openedAt,
      caseManagers.length,
    ],
  );
  return rows.rows.map((r) => ({
    id: r.id,
    reference: r.reference,
    caseManagerId: r.case_manager_id,
    supervisorId: r.supervisor_id,
  }));
}

/** The input intake would build for this row (see openCase): same policy, calendar and zones. */
export function workflowInput(team: BenchTeam, c: SeededCase, openedAt: Date): CaseWorkflowInput {
  return {
    caseId: c.id,
    caseReference: c.reference,
    programId: team.programId,
    programName: `Bench program`,
    caseManagerId: c.caseManagerId,
    supervisorId: c.supervisorId,
    programManagerId: team.programManager.id,
    riskLevel: 'medium',
    openedAt: openedAt.toISOString(),
    policy: team.policy,
    policyVersion: 1,
    calendar: { timeZone: 'UTC', holidays: [] },
    zones: { [c.caseManagerId]: 'UTC', [c.supervisorId]: 'UTC', [team.programManager.id]: 'UTC' },
  };
}

/**
 * Starts each case's workflow exactly as intake does (the same start options, through the same
 * CaseWorkflows.start), `concurrency` at a time. Returns per-start latencies in ms.
 *
 * `gate`, when given, is awaited before each start (the scale phase holds starts back while too many
 * cases wait for their first task). A start the server refuses (overloaded: "context deadline
 * exceeded") is tried again after a pause, at most five times; the start joins an existing
 * workflow, so a start that landed after all is not doubled. `retries` counts those tries.
 */
export async function startWorkflows(
  client: Client,
  taskQueue: string,
  inputs: CaseWorkflowInput[],
  concurrency: number,
  bar?: Progress,
  opts: { gate?: () => Promise<void>; retries?: { count: number } } = {},
): Promise<number[]> {
  const workflows = createCaseWorkflows(client, taskQueue);
  const latencies: number[] = new Array<number>(inputs.length);
  await forEachLimited(inputs, concurrency, async (input, i) => {
    await opts.gate?.();
    const started = performance.now();
    for (let attempt = 1; ; attempt++) {
      try {
        await workflows.start(input);
        break;
      } catch (err) {
        if (attempt >= START_ATTEMPTS) throw err;
        if (opts.retries) opts.retries.count++;
        await new Promise((r) => setTimeout(r, 1_000 * 2 ** (attempt - 1)));
      }
    }
    latencies[i] = performance.now() - started;
    bar?.tick();
  });
  return latencies;
}

const START_ATTEMPTS = 5;

/**
 * A gate for startWorkflows: lets a start through while fewer than `window` started cases of the
 * programs await their first task (their projection), reading the settled count every half second.
 * `stop` ends its polling.
 */
export function settleWindow(
  pool: Pool,
  programIds: readonly string[],
  alreadySettled: number,
  window: number,
): { gate: () => Promise<void>; stop: () => void } {
  let settled = alreadySettled;
  let started = alreadySettled;
  let polling = true;
  const poll = async (): Promise<void> => {
    while (polling) {
      settled = await countProjected(pool, programIds);
      await new Promise((r) => setTimeout(r, 500));
    }
  };
  void poll().catch(() => undefined);
  return {
    async gate() {
      while (started - settled >= window) await new Promise((r) => setTimeout(r, 100));
      started++;
    },
    stop() {
      polling = false;
    },
  };
}

/** Waits until every case of the programs has been projected by its workflow, with a progress bar. */
export async function waitForProjections(
  pool: Pool,
  programIds: readonly string[],
  total: number,
  bar: Progress,
  timeoutMs: number,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const done = await countProjected(pool, programIds);
    bar.set(done);
    if (done >= total) return;
    if (Date.now() > deadline)
      throw new Error(
        `only ${done} of ${total} workflows reached their case row within ${timeoutMs / 1000} s`,
      );
    await new Promise((r) => setTimeout(r, 500));
  }
}

/** How many of these cases their workflow has already projected onto the row (its first activity). */
export async function countProjected(pool: Pool, programIds: readonly string[]): Promise<number> {
  const row = (
    await pool.query<{ n: string }>(
      'SELECT count(*) AS n FROM cases WHERE program_id = ANY($1::uuid[]) AND projection_version IS NOT NULL',
      [programIds],
    )
  ).rows[0]!;
  return Number(row.n);
}
