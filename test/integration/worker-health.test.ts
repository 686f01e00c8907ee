import { spawn, type ChildProcess } from 'node:child_process';
import net from 'node:net';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { temporal } from '@temporalio/proto';
import { DEVELOPMENT_LINK_SIGNING_KEY, DEVELOPMENT_PAYLOAD_KEYS } from '../../src/config/config';
import { projectRoot } from '../../src/shared/paths';
import { createTestDatabase, type TestDatabase } from '../helpers/db';
import { startSmtpCatcher, type SmtpCatcher } from '../helpers/smtp';
import { devServerEnv } from '../helpers/temporal';

/**
 * The worker's Kubernetes probes (WORKER_HEALTH_BIND), on the real entry point (`npm run worker`)
 * in its own process against a real Temporal server, PostgreSQL and SMTP catcher.
 */
describe('worker health endpoint', () => {
  const taskQueue = 'worker-health-test';
  let env: TestWorkflowEnvironment;
  let db: TestDatabase;
  let smtp: SmtpCatcher;
  let child: ChildProcess | undefined;

  beforeAll(async () => {
    [env, db, smtp] = await Promise.all([devServerEnv(), createTestDatabase(), startSmtpCatcher()]);
  });
  afterAll(async () => {
    if (child && child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await smtp?.close();
    await env?.teardown();
    await db?.drop();
  });

  it('when the worker starts, then it is live at once, ready only once it polls its task queue, and on SIGTERM it stops cleanly and closes the endpoint', async () => {
    const port = await freePort();
    const base = `http://127.0.0.1:${port}`;
    let output = '';
    child = spawn(process.execPath, ['--import', 'tsx', 'worker.ts'], {
      cwd: projectRoot(),
      env: {
        ...process.env,
        NODE_ENV: 'test',
        LOG_LEVEL: 'info',
        DATABASE_URL: db.url,
        SMTP_URL: smtp.url,
        TEMPORAL_ADDRESS: env.address,
        TEMPORAL_NAMESPACE: 'default',
        TEMPORAL_TASK_QUEUE: taskQueue,
        PAYLOAD_KEYS: DEVELOPMENT_PAYLOAD_KEYS,
        LINK_SIGNING_KEY: DEVELOPMENT_LINK_SIGNING_KEY,
        PUBLIC_BASE_URL: 'http://caseloop.test',
        WORKER_HEALTH_BIND: `127.0.0.1:${port}`,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout!.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr!.on('data', (d: Buffer) => (output += d.toString()));
    const exited = new Promise<string>((r) =>
      child!.once('exit', (code, signal) => r(signal ?? String(code))),
    );

    // Live first: the endpoint comes up before the workflows are bundled and the worker polls.
    // Meanwhile /readyz is not 200: 503, or no answer in time while bundling holds the event loop
    // (a probe that times out fails too, as Kubernetes counts it).
    await until(
      '/healthz to answer',
      async () => (await probe(`${base}/healthz`))?.status === 200,
      () => output,
    );
    const early = await probe(`${base}/readyz`);
    expect(early?.status).not.toBe(200);
    if (early) expect(early.body).toMatchObject({ status: 'not ready' });

    // Ready once the Temporal worker runs, and then Temporal sees it polling the task queue.
    await until(
      '/readyz to say ready',
      async () => (await probe(`${base}/readyz`))?.status === 200,
      () => output,
    );
    expect((await probe(`${base}/readyz`))?.body).toEqual({ status: 'ready', worker: 'RUNNING' });
    // The SDK's pollers start as the worker turns RUNNING; the server lists one once its first poll
    // arrives, a moment later (CI once asked in between).
    await until(
      'Temporal to list a poller on the task queue',
      async () =>
        (
          await env.client.workflowService.describeTaskQueue({
            namespace: 'default',
            taskQueue: { name: taskQueue },
            taskQueueType: temporal.api.enums.v1.TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW,
          })
        ).pollers.length > 0,
      () => output,
      15_000,
    );
    expect((await probe(`${base}/healthz`))?.body).toEqual({ status: 'ok' });

    child.kill('SIGTERM');
    expect(await exited).toBe('0');
    expect(output).toContain('worker stopped');
    expect(await probe(`${base}/healthz`)).toBeUndefined();
  });
});

async function probe(url: string): Promise<{ status: number; body: unknown } | undefined> {
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(2_000) });
    return { status: res.status, body: await res.json() };
  } catch {
    return undefined; // nothing listening (yet, or any more)
  }
}

async function until(
  what: string,
  check: () => Promise<boolean>,
  output: () => string,
  timeoutMs = 90_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}:\n${output()}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** A port nothing listens on right now (the OS picks it; closed again before the worker binds it). */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}
