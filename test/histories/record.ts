/**
 * Records workflow histories for the replay test (test/integration/replay.test.ts).
 *
 *   HISTORIES_PREFIX=v8 npm run histories:record
 *
 * Each scenario's file name starts with the workflow code generation that recorded it (v1, v2...).
 * Record a generation once, when its code is released, and never again: the stored files are how
 * CI proves that newer code still replays what running cases already did. The run records the
 * scenarios whose names start with the prefix, and refuses to start if any stored file does.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { Worker } from '@temporalio/worker';
import { historyToJSON } from '@temporalio/common/lib/proto-utils';
import { DEVELOPMENT_LINK_SIGNING_KEY } from '../../src/config/config';
import { createMailer, type Mailer } from '../../src/notifications/mailer';
import { createCaseWorkflows } from '../../src/temporal/case-workflows';
import { createCaseloopWorker } from '../../src/worker/create-worker';
import { createTestDatabase, type TestDatabase } from '../helpers/db';
import { startSmtpCatcher, type SmtpCatcher } from '../helpers/smtp';
import { timeSkippingEnv, workflowBundle } from '../helpers/temporal';
import { testDataConverter } from '../helpers/codec';
import { scenariosToRecord } from './recording-plan';
import { HISTORY_SCENARIOS } from './scenarios';

export const HISTORIES_DIR = path.join(__dirname, 'recorded');

const prefix = process.env.HISTORIES_PREFIX;
// Checked before any server starts: a wrong prefix fails at once, naming what it would overwrite.
const chosen = scenariosToRecord(prefix, HISTORY_SCENARIOS, fs.readdirSync(HISTORIES_DIR));

describe(`recording workflow histories (prefix '${prefix}')`, () => {
  let env: TestWorkflowEnvironment;
  let db: TestDatabase;
  let smtp: SmtpCatcher;
  let mailer: Mailer;
  const taskQueue = 'record-histories';

  beforeAll(async () => {
    [env, db, smtp] = await Promise.all([timeSkippingEnv(), createTestDatabase(), startSmtpCatcher()]);
    mailer = createMailer(smtp.url, 'Caseloop <no-reply@test.local>');
  });
  // A worker runs once: each scenario gets its own.
  const newWorker = async (): Promise<Worker> =>
    createCaseloopWorker({
      connection: env.nativeConnection,
      namespace: env.namespace ?? 'default',
      taskQueue,
      workflowBundle: await workflowBundle(),
      pool: db.pool,
      mailer,
      publicBaseUrl: 'http://caseloop.test',
      linkSigningKey: DEVELOPMENT_LINK_SIGNING_KEY,
      dataConverter: testDataConverter,
    });

  afterAll(async () => {
    mailer?.close();
    await smtp?.close();
    await env?.teardown();
    await db?.drop();
  });

  it.each(chosen.map((s) => [s.name, s] as const))('records %s', async (name, scenario) => {
    const workflows = createCaseWorkflows(env.client, taskQueue);
    const worker = await newWorker();
    const workflowId = await worker.runUntil(scenario.run({ env, pool: db.pool, workflows, taskQueue }));
    // Every run of a chain that continued as new, oldest first: later runs start from carried state.
    const runs = [];
    let runId: string | undefined;
    do {
      const history = await env.client.workflow.getHandle(workflowId, runId).fetchHistory();
      runs.unshift(history);
      runId = history.events?.[0]?.workflowExecutionStartedEventAttributes?.continuedExecutionRunId || undefined;
    } while (runId);
    runs.forEach((history, i) => {
      const file = runs.length === 1 ? `${name}.json` : `${name}-run${i + 1}.json`;
      fs.writeFileSync(path.join(HISTORIES_DIR, file), historyToJSON(history));
    });
  });
});
