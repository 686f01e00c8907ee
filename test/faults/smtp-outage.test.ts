import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { startTestApi, type TestApi } from '../helpers/api';
import { createTestDatabase, type TestDatabase } from '../helpers/db';
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

describe('fault: the SMTP server is down when reminders fall due', () => {
  const taskQueue = 'fault-smtp-outage';
  let env: TestWorkflowEnvironment;
  let db: TestDatabase;
  let api: TestApi;
  let worker: WorkerProcess;
  const catchers: SmtpCatcher[] = [];

  beforeAll(async () => {
    [env, db] = await Promise.all([devServerEnv(), createTestDatabase()]);
    api = await startTestApi(db.pool, env.client, taskQueue);
  });
  afterAll(async () => {
    await worker?.stop();
    await api?.close();
    await Promise.all(catchers.map((c) => c.close().catch(() => undefined)));
    await env?.teardown();
    await db?.drop();
  });

  it('when SMTP stops before 200 reminders are due and returns later, then the backlog is delivered, nothing lost and nothing doubled', async () => {
    const first = await startSmtpCatcher();
    catchers.push(first);
    const port = Number(new URL(first.url).port);
    worker = await startWorkerProcess({
      databaseUrl: db.url,
      smtpUrl: first.url,
      temporalAddress: env.address,
      taskQueue,
    });
    const team = await createTeam(db.pool, HEADS_UP_SOON);
    const caseIds = await openCases(api, team, 200);
    await first.close();

    // Every reminder falls due during the outage and fails at least once.
    const failedOnce = async () =>
      Number(
        (
          await db.pool.query<{ n: string }>(
            `SELECT count(*)::text AS n FROM notifications WHERE status = 'pending' AND attempts >= 1`,
          )
        ).rows[0]!.n,
      );
    await waitUntil(
      'every reminder to fail against the stopped server',
      async () => (await failedOnce()) === 200,
      4 * MINUTE,
    );
    const outageSeen = Date.now();
    await new Promise((r) => setTimeout(r, 20_000));

    const second = await startSmtpCatcher(undefined, port);
    catchers.push(second);
    const back = Date.now();
    await waitUntil('the backlog', () => deliveries(second.messages).size === 200, 6 * MINUTE);
    const drained = Date.now();
    await quietPeriod();

    const counts = deliveries(second.messages);
    expect(first.messages).toHaveLength(0);
    expect(casesReached(second.messages)).toEqual([...caseIds].sort());
    expect([...counts.values()].every((n) => n === 1)).toBe(true);
    const log = await db.pool.query<{ status: string; n: string; min_attempts: number }>(
      'SELECT status, count(*)::text AS n, min(attempts) AS min_attempts FROM notifications GROUP BY status',
    );
    expect(log.rows).toEqual([{ status: 'sent', n: '200', min_attempts: expect.any(Number) }]);
    expect(log.rows[0]!.min_attempts).toBeGreaterThanOrEqual(2);

    await expectReconciled(db.pool, env.client, taskQueue);

    report(
      'SMTP outage',
      `stopped the SMTP server before 200 reminders fell due; brought it back ${Math.round((back - outageSeen) / 1000)} s after all 200 had failed`,
      `200 of 200 delivered once each within ${Math.round((drained - back) / 1000)} s of its return (activity retries); every log row sent after ≥ 2 attempts`,
    );
  });
});
