import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { Pool } from 'pg';
import { execFileSync, spawn } from 'node:child_process';
import { createPool } from '../../src/db/pool';
import { projectRoot } from '../../src/shared/paths';
import { resolvePort } from '../../src/devstack/free-port';
import { startTestApi, type TestApi } from '../helpers/api';
import { createTeam } from '../helpers/fixtures';
import { startSmtpCatcher, type SmtpCatcher } from '../helpers/smtp';
import { devServerEnv } from '../helpers/temporal';
import {
  casesReached,
  deliveries,
  HEADS_UP_SOON,
  MINUTE,
  openCases,
  quietPeriod,
  report,
  startWorkerProcess,
  waitUntil,
  type WorkerProcess,
  expectReconciled,
} from './fault-kit';

/** Starts test/faults/postgres-process.ts; resolves with the app and owner URLs and a stop function. */
async function startPostgresProcess(dataDir: string, port: number) {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', 'test/faults/postgres-process.ts', dataDir, String(port), 'caseloop_fault'],
    {
      cwd: projectRoot(),
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  await waitUntil('PostgreSQL to start', () => out.includes('ready ') || child.exitCode !== null, 60_000);
  if (child.exitCode !== null) throw new Error('PostgreSQL did not start');
  return {
    url: /ready (\S+)/.exec(out)![1]!,
    ownerUrl: /ready \S+ (\S+)/.exec(out)![1]!,
    stop: async () => {
      child.kill('SIGTERM');
      await exited;
    },
  };
}

/**
 * Rows a refused request could have left behind. The audit log counts people's actions only: each
 * reminder attempt also records the system reading the client's initials for the email.
 */
const COUNTED: Record<string, string> = {
  clients: 'SELECT count(*) FROM clients',
  cases: 'SELECT count(*) FROM cases',
  case_notes: 'SELECT count(*) FROM case_notes',
  assessments: 'SELECT count(*) FROM assessments',
  'audit_log (staff)': "SELECT count(*) FROM audit_log WHERE actor_kind <> 'system'",
  notifications: 'SELECT count(*) FROM notifications',
};
async function rowCounts(pool: Pool): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const [name, sql] of Object.entries(COUNTED))
    out[name] = Number((await pool.query<{ count: string }>(sql)).rows[0]!.count);
  return out;
}

describe('fault: PostgreSQL stops while the API and workflows are busy', () => {
  const taskQueue = 'fault-postgres-outage';
  // A server of its own: the other test files share the suite's PostgreSQL, which must stay up.
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'caseloop-fault-pg-'));
  let pgPort: number;
  let pg: { url: string; ownerUrl: string; stop(): Promise<void> } | undefined;
  let pool: Pool;
  let databaseUrl: string;
  let env: TestWorkflowEnvironment;
  let smtp: SmtpCatcher;
  let api: TestApi;
  let worker: WorkerProcess;

  beforeAll(async () => {
    fs.chmodSync(dataDir, 0o777);
    pgPort = await resolvePort(0);
    pg = await startPostgresProcess(dataDir, pgPort);
    databaseUrl = pg.url;
    // `npm run migrate` as the owner role, as an operator would (node-pg-migrate is ESM, which jest
    // cannot load); the API and worker then connect as the application role.
    execFileSync(process.execPath, ['--import', 'tsx', 'src/cli/migrate.ts'], {
      cwd: projectRoot(),
      env: { ...process.env, DATABASE_URL: databaseUrl, MIGRATION_DATABASE_URL: pg.ownerUrl },
      stdio: 'ignore',
    });
    pool = createPool(databaseUrl);
    [env, smtp] = await Promise.all([devServerEnv(), startSmtpCatcher()]);
    api = await startTestApi(pool, env.client, taskQueue);
    worker = await startWorkerProcess({
      databaseUrl,
      smtpUrl: smtp.url,
      temporalAddress: env.address,
      taskQueue,
    });
  });
  afterAll(async () => {
    await worker?.stop();
    await api?.close();
    await pool?.end();
    await smtp?.close();
    await env?.teardown();
    await pg?.stop();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('when PostgreSQL is down, then the API answers 503 and writes nothing, and reminders due meanwhile go out once it is back', async () => {
    const team = await createTeam(pool, HEADS_UP_SOON);
    const caseIds = await openCases(api, team, 20, 4);
    const before = await rowCounts(pool);
    const openedAt = Date.now();

    await pg!.stop();
    pg = undefined;
    const refused = [
      await api.call('POST', '/api/v1/cases', team.caseManager.token, {
        programId: team.programId,
        caseManagerId: team.caseManager.id,
        client: { givenName: 'During', familyName: 'Outage' },
      }),
      await api.call('POST', `/api/v1/cases/${caseIds[0]}/notes`, team.caseManager.token, {
        body: 'Called.',
      }),
      await api.call('GET', '/api/v1/cases', team.caseManager.token),
    ];
    for (const res of refused) {
      expect(res.status).toBe(503);
      expect(res.type).toMatch(/^application\/problem\+json/);
    }
    expect((await api.call('GET', '/readyz')).status).toBe(503);

    // Hold the outage past every heads-up's due time (at most two minutes after intake).
    await waitUntil('every heads-up to fall due', () => Date.now() - openedAt > 2.5 * MINUTE, 4 * MINUTE);
    expect(smtp.messages).toHaveLength(0);
    pg = await startPostgresProcess(dataDir, pgPort);
    const back = Date.now();

    await waitUntil(
      'the reminders held by the outage',
      () => deliveries(smtp.messages).size === 20,
      4 * MINUTE,
      () =>
        `${deliveries(smtp.messages).size} of 20 delivered; worker ${worker.child.exitCode === null ? 'running' : `exited ${worker.child.exitCode}`}; its last output:\n${worker.output().slice(-3000)}`,
    );
    const drained = Date.now();
    await quietPeriod();

    const counts = deliveries(smtp.messages);
    expect(casesReached(smtp.messages)).toEqual([...caseIds].sort());
    expect([...counts.values()].every((n) => n === 1)).toBe(true);
    // Nothing from the refused requests; only the 20 notification rows the reminders wrote.
    expect(await rowCounts(pool)).toEqual({ ...before, notifications: (before.notifications ?? 0) + 20 });
    expect((await api.call('GET', '/readyz')).status).toBe(200);
    const res = await api.call('GET', '/api/v1/cases', team.caseManager.token);
    expect(res.status).toBe(200);

    await expectReconciled(pool, env.client, taskQueue);

    report(
      'PostgreSQL outage',
      `stopped PostgreSQL for ${Math.round((back - openedAt) / 1000)} s with 20 reminders falling due; sent a POST intake, a POST note and a GET during it`,
      `all 3 requests got 503 problem+json and /readyz 503; row counts of ${Object.keys(COUNTED).join(', ')} unchanged by them; 20 of 20 reminders delivered once each within ${Math.round((drained - back) / 1000)} s of the restart`,
    );
  });
});
