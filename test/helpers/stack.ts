import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { Worker } from '@temporalio/worker';
import type { Pool } from 'pg';
import { DEVELOPMENT_LINK_SIGNING_KEY } from '../../src/config/config';
import { createMailer, type Mailer } from '../../src/notifications/mailer';
import { createCaseloopWorker } from '../../src/worker/create-worker';
import { testDataConverter } from './codec';
import { startTestApi, type TestApi } from './api';
import { createTestDatabase, type TestDatabase } from './db';
import { startSmtpCatcher, type SmtpCatcher } from './smtp';
import { timeSkippingEnv, workflowBundle } from './temporal';

export interface TestStack {
  env: TestWorkflowEnvironment;
  db: TestDatabase;
  smtp: SmtpCatcher;
  api: TestApi;
  worker: Worker;
  taskQueue: string;
  /** The API's clock: the time-skipping server's time (sessions made for the API must use it). */
  clock: () => Date;
  /**
   * Shuts the worker down (in-flight tasks finish) and starts a fresh one: no cached workflow state
   * survives. `meanwhile` runs while no worker is polling (an outage).
   */
  restartWorker(meanwhile?: () => Promise<void>): Promise<void>;
  stop(): Promise<void>;
}

/**
 * One test file's real stack: its own database, the time-skipping Temporal server, an SMTP
 * catcher, a running worker and the API on a free port.
 */
export async function startTestStack(
  taskQueue: string,
  options: {
    replayEveryTask?: boolean;
    /**
     * Activities read the clock this far ahead of the server's: a worker paused across a reminder
     * wakes with workflow tasks older than the time its sends run at.
     */
    activityClockAheadMs?: number;
    /**
     * The API and the worker run with this release spread (unset: none, so held reminders leave at
     * 08:00 and digests at 08:01, as the scenarios read).
     */
    releaseSpreadMinutes?: number;
  } = {},
): Promise<TestStack> {
  const [env, db, smtp] = await Promise.all([timeSkippingEnv(), createTestDatabase(), startSmtpCatcher()]);
  const mailer: Mailer = createMailer(smtp.url, 'Caseloop <no-reply@test.local>');
  const clock = await followServerClock(env);
  const api = await startTestApi(db.pool, env.client, taskQueue, clock, {
    mailer,
    ...(options.releaseSpreadMinutes === undefined
      ? {}
      : { releaseSpreadMinutes: options.releaseSpreadMinutes }),
  });
  // Links in emails point at this API, so a browser test can follow them.
  const newWorker = (): Promise<Worker> =>
    // Without a cache every task replays from history, as on a freshly started worker. (With a
    // cache, a replaced worker's sticky queue strands the next task on the time-skipping server.)
    testWorker(
      env,
      {
        taskQueue,
        pool: db.pool,
        mailer,
        publicBaseUrl: api.base,
        ...(options.activityClockAheadMs === undefined
          ? {}
          : { now: () => clock().getTime() + options.activityClockAheadMs! }),
        ...(options.releaseSpreadMinutes === undefined
          ? {}
          : { releaseSpreadMinutes: options.releaseSpreadMinutes }),
      },
      options.replayEveryTask ? 0 : undefined,
    );
  let worker = await newWorker();
  let running = worker.run();
  return {
    env,
    db,
    smtp,
    api,
    clock,
    get worker() {
      return worker;
    },
    taskQueue,
    async restartWorker(meanwhile) {
      worker.shutdown();
      await running;
      try {
        await meanwhile?.();
      } finally {
        // Even when an expectation inside failed: stop() needs a running worker to shut down.
        worker = await newWorker();
        running = worker.run();
      }
    },
    async stop() {
      await api.close();
      worker.shutdown();
      await running;
      mailer.close();
      await smtp.close();
      await env.teardown();
      await db.drop();
    },
  };
}

/** Caseloop's real worker on a test server, with the test keys and the bundled workflows. */
export async function testWorker(
  env: TestWorkflowEnvironment,
  deps: {
    taskQueue: string;
    pool: Pool;
    mailer: Mailer;
    publicBaseUrl: string;
    now?: () => number;
    releaseSpreadMinutes?: number;
  },
  maxCachedWorkflows?: number,
): Promise<Worker> {
  return createCaseloopWorker({
    connection: env.nativeConnection,
    namespace: 'default',
    ...deps,
    workflowBundle: await workflowBundle(),
    linkSigningKey: DEVELOPMENT_LINK_SIGNING_KEY,
    dataConverter: testDataConverter,
    ...(maxCachedWorkflows === undefined ? {} : { maxCachedWorkflows }),
  });
}

/**
 * The API records facts at "now", and the clocks count from those facts, so in a time-skipping test
 * "now" must be the test server's time. Its clock only jumps inside env.sleep; re-read it after each.
 */
async function followServerClock(env: TestWorkflowEnvironment): Promise<() => Date> {
  let offset = 0;
  const refresh = async (): Promise<void> => {
    offset = (await env.currentTimeMs()) - Date.now();
  };
  const sleep = env.sleep.bind(env);
  Object.defineProperty(env, 'sleep', {
    value: async (duration: number | string): Promise<void> => {
      await sleep(duration);
      await refresh();
    },
  });
  await refresh();
  return () => new Date(Date.now() + offset);
}
