import { spawn, type ChildProcess } from 'node:child_process';
import type { Client } from '@temporalio/client';
import type { Pool } from 'pg';
import { DEVELOPMENT_LINK_SIGNING_KEY, DEVELOPMENT_PAYLOAD_KEYS } from '../../src/config/config';
import { DEMO_MINUTE_POLICY, type ProgramPolicy } from '../../src/core/policy';
import { reconcile } from '../../src/domain/reconcile';
import { projectRoot } from '../../src/shared/paths';
import { createCaseFactsReader } from '../../src/temporal/case-facts';
import { createCaseWorkflows } from '../../src/temporal/case-workflows';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { startTestApi, type TestApi } from '../helpers/api';
import { createTestDatabase, type TestDatabase } from '../helpers/db';
import type { Team } from '../helpers/case-steps';
import { header } from '../helpers/mail-log';
import { startSmtpCatcher, type CapturedMail, type SmtpCatcher } from '../helpers/smtp';
import { devServerEnv } from '../helpers/temporal';

/**
 * What the fault tests share: a policy whose first reminder (the assessment heads-up) leaves a
 * minute or two after intake and nothing else for half an hour, a real worker process to kill,
 * and the bookkeeping that proves each notification arrived once.
 */
export const HEADS_UP_SOON: ProgramPolicy = {
  ...DEMO_MINUTE_POLICY,
  initialAssessmentDue: 'PT30M',
  ladder: { ...DEMO_MINUTE_POLICY.ladder, headsUpBefore: 'PT29M' },
};

export const MINUTE = 60_000;

/** After the last expected email: long enough for anything late or doubled to show. */
export const quietPeriod = (): Promise<void> => new Promise((r) => setTimeout(r, 5_000));

/** Polls `probe` until it holds; on timeout the error says what was awaited and, if given, what was seen. */
export async function waitUntil(
  what: string,
  probe: () => boolean | Promise<boolean>,
  timeoutMs: number,
  seen?: () => string,
) {
  const deadline = Date.now() + timeoutMs;
  while (!(await probe())) {
    if (Date.now() > deadline)
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${seen ? `: ${seen()}` : ''}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** Opens `count` cases through the API, a few at a time, as a busy intake desk would. */
export async function openCases(api: TestApi, team: Team, count: number, inFlight = 8): Promise<string[]> {
  const ids: string[] = [];
  let next = 0;
  const desk = async (): Promise<void> => {
    while (next < count) {
      next++;
      const res = await api.call('POST', '/api/v1/cases', team.caseManager.token, {
        programId: team.programId,
        caseManagerId: team.caseManager.id,
        riskLevel: 'medium',
        client: { givenName: 'Fault', familyName: 'Test', consentToShare: false },
      });
      if (res.status !== 201) throw new Error(`intake answered ${res.status}: ${JSON.stringify(res.body)}`);
      ids.push(res.body.id as string);
    }
  };
  await Promise.all(Array.from({ length: inFlight }, desk));
  return ids;
}

/** How many times each notification key reached the SMTP server. */
export function deliveries(messages: CapturedMail[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const m of messages) {
    const key = header(m, 'x-caseloop-notification-key');
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return counts;
}

/** The cases that have had at least one email (keys read `case/<case id>/...`), sorted. */
export const casesReached = (messages: CapturedMail[]): string[] =>
  [...new Set([...deliveries(messages).keys()].map((k) => k.split('/')[1] ?? ''))].sort();

/** The notification log by status, e.g. `[{ status: 'sent', n: '200' }]`. */
export async function notificationLog(pool: Pool): Promise<{ status: string; n: string }[]> {
  return (
    await pool.query<{ status: string; n: string }>(
      'SELECT status, count(*)::text AS n FROM notifications GROUP BY status ORDER BY status',
    )
  ).rows;
}

/** One line per fault test in the run's output: what was injected and what was checked. */
export function report(name: string, injected: string, checked: string): void {
  process.stdout.write(`\n[fault] ${name}\n  injected: ${injected}\n  checked:  ${checked}\n`);
}

export interface WorkerProcess {
  child: ChildProcess;
  output(): string;
  /** Resolves with the signal or code the process ended with. */
  exited: Promise<string>;
  /** SIGTERM if still running (in-flight tasks finish), then waits for the exit. */
  stop(): Promise<string>;
}

/** The real worker entry point (`npm run worker`) in its own process, configured by env vars only. */
export async function startWorkerProcess(env: {
  databaseUrl: string;
  smtpUrl: string;
  temporalAddress: string;
  taskQueue: string;
}): Promise<WorkerProcess> {
  let output = '';
  const child = spawn(process.execPath, ['--import', 'tsx', 'worker.ts'], {
    cwd: projectRoot(),
    env: {
      ...process.env,
      NODE_ENV: 'test',
      LOG_LEVEL: 'info',
      DATABASE_URL: env.databaseUrl,
      SMTP_URL: env.smtpUrl,
      TEMPORAL_ADDRESS: env.temporalAddress,
      TEMPORAL_NAMESPACE: 'default',
      TEMPORAL_TASK_QUEUE: env.taskQueue,
      PAYLOAD_KEYS: DEVELOPMENT_PAYLOAD_KEYS,
      LINK_SIGNING_KEY: DEVELOPMENT_LINK_SIGNING_KEY,
      PUBLIC_BASE_URL: 'http://caseloop.test',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr.on('data', (d: Buffer) => (output += d.toString()));
  const exited = new Promise<string>((r) => child.once('exit', (code, signal) => r(signal ?? String(code))));
  // Bundling the workflows takes a few seconds; the worker says when it starts polling.
  await waitUntil(
    'the worker process to start',
    () => child.exitCode !== null || output.includes('worker started'),
    // Bundling takes seconds alone and minutes on a machine busy with other runs.
    120_000,
  ).catch((err: unknown) => {
    // Not left running behind the failed test.
    child.kill('SIGKILL');
    throw err;
  });
  if (child.exitCode !== null) throw new Error(`worker exited at start:\n${output}`);
  const stop = (): Promise<string> => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    return exited;
  };
  return { child, output: () => output, exited, stop };
}

/** Every fault test ends here: each open case's record and workflow agree (zero differences). */
export async function expectReconciled(pool: Pool, client: Client, taskQueue: string): Promise<void> {
  const result = await reconcile(
    { pool, workflows: createCaseWorkflows(client, taskQueue), facts: createCaseFactsReader(client) },
    { repair: false },
  );
  expect(result.differences).toEqual([]);
  expect(result.notCompared).toEqual([]);
}

/**
 * Which worker process ran each case's reminder sends: the pid in the identity of every
 * `sendCaseNotification` start in the case's history (the SDK's identity is `<pid>@<host>`).
 */
export async function sendersOf(client: Client, caseIds: string[]): Promise<Map<string, number>> {
  const perPid = new Map<string, number>();
  for (const caseId of caseIds) {
    const { events } = await client.workflow.getHandle(`case-${caseId}`).fetchHistory();
    const sends = new Set(
      (events ?? [])
        .filter((e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'sendCaseNotification')
        .map((e) => String(e.eventId)),
    );
    for (const e of events ?? []) {
      const started = e.activityTaskStartedEventAttributes;
      if (!started || !sends.has(String(started.scheduledEventId))) continue;
      const pid = (started.identity ?? '').split('@')[0] ?? '';
      perPid.set(pid, (perPid.get(pid) ?? 0) + 1);
    }
  }
  return perPid;
}

/** After a burst: every case reached, each notification exactly once, the log all sent. */
export async function expectEachReminderOnce(
  messages: CapturedMail[],
  pool: Pool,
  caseIds: string[],
): Promise<void> {
  const counts = deliveries(messages);
  expect(casesReached(messages)).toEqual([...caseIds].sort());
  expect(counts.size).toBe(caseIds.length);
  expect([...counts.values()].every((n) => n === 1)).toBe(true);
  expect(await notificationLog(pool)).toEqual([{ status: 'sent', n: String(caseIds.length) }]);
}

export interface FaultStack {
  env: TestWorkflowEnvironment;
  db: TestDatabase;
  smtp: SmtpCatcher;
  api: TestApi;
  /** Every worker process started, stopped after the tests. */
  workers: WorkerProcess[];
  /** One more real worker process on the stack's task queue. */
  startWorker(): Promise<WorkerProcess>;
}

/**
 * A dev server, a database, an SMTP catcher and an in-process API on one task queue, set up before
 * the file's tests and torn down after them (worker processes first).
 */
export function useFaultStack(taskQueue: string): FaultStack {
  const stack = { workers: [] as WorkerProcess[] } as unknown as FaultStack;
  stack.startWorker = async () => {
    const worker = await startWorkerProcess({
      databaseUrl: stack.db.url,
      smtpUrl: stack.smtp.url,
      temporalAddress: stack.env.address,
      taskQueue,
    });
    stack.workers.push(worker);
    return worker;
  };
  beforeAll(async () => {
    [stack.env, stack.db, stack.smtp] = await Promise.all([
      devServerEnv(),
      createTestDatabase(),
      startSmtpCatcher(),
    ]);
    stack.api = await startTestApi(stack.db.pool, stack.env.client, taskQueue);
  });
  afterAll(async () => {
    await Promise.all(stack.workers.map((w) => w.stop()));
    await stack.api?.close();
    await stack.smtp?.close();
    await stack.env?.teardown();
    await stack.db?.drop();
  });
  return stack;
}
