import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { resolvePort } from '../../src/devstack/free-port';
import { startTestApi } from '../helpers/api';
import { createTestDatabase, type TestDatabase } from '../helpers/db';
import { createTeam } from '../helpers/fixtures';
import { startSmtpCatcher, type SmtpCatcher } from '../helpers/smtp';
import { devServerEnv } from '../helpers/temporal';
import {
  casesReached,
  HEADS_UP_SOON,
  MINUTE,
  openCases,
  quietPeriod,
  report,
  startWorkerProcess,
  waitUntil,
  type WorkerProcess,
  expectReconciled,
  expectEachReminderOnce,
} from './fault-kit';

describe('fault: the Temporal server restarts while cases wait on their timers', () => {
  const taskQueue = 'fault-temporal-restarted';
  let db: TestDatabase;
  let smtp: SmtpCatcher;
  let env: TestWorkflowEnvironment | undefined;
  let worker: WorkerProcess | undefined;
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'caseloop-fault-temporal-'));

  beforeAll(async () => {
    [db, smtp] = await Promise.all([createTestDatabase(), startSmtpCatcher()]);
  });
  afterAll(async () => {
    await worker?.stop();
    await smtp?.close();
    await env?.teardown();
    await db?.drop();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('when the dev server (history in SQLite) is stopped and started again before 200 reminders fall due, then every timer still fires and each reminder arrives once', async () => {
    const persist = { port: await resolvePort(0), dbFilename: path.join(dataDir, 'temporal.sqlite') };
    env = await devServerEnv({ persist });
    worker = await startWorkerProcess({
      databaseUrl: db.url,
      smtpUrl: smtp.url,
      temporalAddress: env.address,
      taskQueue,
    });
    const api = await startTestApi(db.pool, env.client, taskQueue);
    const team = await createTeam(db.pool, HEADS_UP_SOON);
    const caseIds = await openCases(api, team, 200);
    await api.close();
    expect(smtp.messages).toHaveLength(0);

    // Stop the server with 200 timers pending; the worker keeps polling into the void meanwhile.
    await env.teardown();
    env = undefined;
    await new Promise((r) => setTimeout(r, 10_000));
    env = await devServerEnv({ persist });
    const restartedAt = Date.now();

    await waitUntil(
      'a reminder for every case',
      () => casesReached(smtp.messages).length === 200,
      5 * MINUTE,
    );
    await quietPeriod();

    await expectEachReminderOnce(smtp.messages, db.pool, caseIds);
    // The worker that lived through the outage is the one that delivered them.
    expect(worker.child.exitCode).toBeNull();

    await expectReconciled(db.pool, env.client, taskQueue);

    report(
      'Temporal dev server restart',
      `stopped the dev server (SQLite history) for 10 s with 200 case timers pending; same worker process throughout`,
      `200 of 200 reminders delivered, each once, the last ${Math.round((Date.now() - restartedAt) / 1000) - 5} s after the restart; notification log 200 sent`,
    );
  });
});
