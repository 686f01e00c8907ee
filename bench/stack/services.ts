import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Client } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { DEVELOPMENT_LINK_SIGNING_KEY } from '../../src/config/config';
import { resolvePort } from '../../src/devstack/free-port';
import { projectRoot } from '../../src/shared/paths';
import { onCleanup } from '../lib/cleanup';
import { sleep } from '../lib/concurrency';
import { BENCH_PAYLOAD_KEYS } from './temporal';

/** A real entry point (worker.ts, src/api/main.ts) running as its own process, configured by env. */
export interface Service {
  name: string;
  pid: number;
  /** Resident memory now and at its peak, from /proc (Linux), in MiB. */
  memory(): { rssMiB: number; peakRssMiB: number } | undefined;
  stop(): Promise<void>;
}

const logDir = fs.mkdtempSync(path.join(os.tmpdir(), 'caseloop-bench-logs-'));
onCleanup('service logs', () => Promise.resolve(fs.rmSync(logDir, { recursive: true, force: true })));

function spawnService(
  name: string,
  entry: string,
  env: Record<string, string>,
): Service & { child: ChildProcess } {
  const logFile = path.join(logDir, `${name}.log`);
  const out = fs.openSync(logFile, 'a');
  // `node --import tsx`, not the tsx CLI: the pid is then the service itself, whose memory we read.
  const child = spawn(process.execPath, ['--import', 'tsx', entry], {
    cwd: projectRoot(),
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', ...env },
    stdio: ['ignore', out, out],
  });
  fs.closeSync(out);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const service = {
    name,
    child,
    pid: child.pid!,
    memory() {
      try {
        const status = fs.readFileSync(`/proc/${child.pid}/status`, 'utf8');
        const kib = (field: string): number =>
          Number(new RegExp(`^${field}:\\s+(\\d+)`, 'm').exec(status)?.[1]);
        return { rssMiB: kib('VmRSS') / 1024, peakRssMiB: kib('VmHWM') / 1024 };
      } catch {
        return undefined;
      }
    },
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const graceful = await Promise.race([exited.then(() => true), sleep(20_000).then(() => false)]);
      if (!graceful) {
        child.kill('SIGKILL');
        await exited;
      }
    },
  };
  return service;
}

/** The last lines a failed service wrote: enough to see why without opening files. */
export function logTail(name: string, lines = 20): string {
  try {
    return fs
      .readFileSync(path.join(logDir, `${name}.log`), 'utf8')
      .split('\n')
      .slice(-lines)
      .join('\n');
  } catch {
    return '(no log)';
  }
}

export interface Deployment {
  name: string;
  databaseUrl: string;
  taskQueue: string;
  worker: Service;
  api?: Service & { url: string };
  /** Stops the API and the worker now, so the next phase has the CPU to itself. */
  stop(): Promise<void>;
}

interface DeploymentOptions {
  name: string;
  databaseUrl: string;
  temporalAddress: string;
  smtpUrl: string;
  client: Client;
  withApi: boolean;
  /** Extra environment for the worker only (e.g. its cache size). */
  workerEnv?: Record<string, string>;
  /** Another deployment's task queue, to add worker processes to it (default: its own). */
  taskQueue?: string;
}

/**
 * A worker (and optionally an API) as production runs them: separate processes, configured only by
 * environment variables, on their own task queue and database.
 */
export async function startDeployment(o: DeploymentOptions): Promise<Deployment> {
  const taskQueue = o.taskQueue ?? `bench-${o.name}`;
  const common = {
    NODE_ENV: 'development',
    LOG_LEVEL: 'warn',
    DATABASE_URL: o.databaseUrl,
    TEMPORAL_ADDRESS: o.temporalAddress,
    TEMPORAL_NAMESPACE: 'default',
    TEMPORAL_TASK_QUEUE: taskQueue,
    PAYLOAD_KEYS: BENCH_PAYLOAD_KEYS,
    LINK_SIGNING_KEY: DEVELOPMENT_LINK_SIGNING_KEY,
  };
  const worker = spawnService(`${o.name}-worker`, 'worker.ts', {
    ...common,
    SMTP_URL: o.smtpUrl,
    ...o.workerEnv,
  });
  const stopWorker = onCleanup(`${o.name} worker`, () => worker.stop());
  await waitFor(`${o.name} worker`, worker.child, () => hasWorkflowPoller(o.client, taskQueue), 120_000);

  let api: Deployment['api'];
  let stopApi = (): Promise<void> => Promise.resolve();
  if (o.withApi) {
    const port = await resolvePort(0);
    const url = `http://127.0.0.1:${port}`;
    const service = spawnService(`${o.name}-api`, 'src/api/main.ts', {
      ...common,
      API_HOST: '127.0.0.1',
      API_PORT: String(port),
      PUBLIC_BASE_URL: url,
    });
    stopApi = onCleanup(`${o.name} API`, () => service.stop());
    await waitFor(`${o.name} API`, service.child, () => isHealthy(url), 60_000);
    api = Object.assign(service, { url });
  }
  return {
    name: o.name,
    databaseUrl: o.databaseUrl,
    taskQueue,
    worker,
    ...(api ? { api } : {}),
    stop: async () => {
      await stopApi();
      await stopWorker();
    },
  };
}

async function waitFor(
  name: string,
  child: ChildProcess,
  ready: () => Promise<boolean>,
  timeoutMs: number,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null)
      throw new Error(`${name} exited during start-up:\n${logTail(name.replace(' ', '-'))}`);
    if (await ready().catch(() => false)) return;
    await sleep(250);
  }
  throw new Error(`${name} not ready within ${timeoutMs / 1000} s:\n${logTail(name.replace(' ', '-'))}`);
}

async function hasWorkflowPoller(client: Client, taskQueue: string): Promise<boolean> {
  const res = await client.workflowService.describeTaskQueue({
    namespace: 'default',
    taskQueue: { name: taskQueue },
    taskQueueType: temporal.api.enums.v1.TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW,
  });
  return (res.pollers?.length ?? 0) > 0;
}

async function isHealthy(url: string): Promise<boolean> {
  const res = await fetch(`${url}/readyz`);
  return res.ok;
}
