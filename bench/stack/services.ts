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

/**
 * BENCH_CPU_PROFILE_DIR: every service (and each of its threads, where workflows run) writes a V8
 * CPU profile there when it stops, for Chrome DevTools or `npx tsx bench/profile-top.ts`.
 */
function profiling(): string[] {
  const dir = process.env.BENCH_CPU_PROFILE_DIR?.trim();
  // Flags, not NODE_OPTIONS: Node refuses --cpu-prof there.
  return dir ? ['--cpu-prof', `--cpu-prof-dir=${path.resolve(dir)}`] : [];
}

function spawnService(
  name: string,
  entry: string,
  env: Record<string, string>,
): Service & { child: ChildProcess } {
  const logFile = path.join(logDir, `${name}.log`);
  const out = fs.openSync(logFile, 'a');
  // `node --import tsx`, not the tsx CLI: the pid is then the service itself, whose memory we read.
  const child = spawn(process.execPath, [...profiling(), '--import', 'tsx', entry], {
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

/** What the worker's links point at when PUBLIC_BASE_URL is unset in development (src/config). */
const BENCH_PUBLIC_BASE_URL = 'http://localhost:3000';

export interface Deployment {
  name: string;
  databaseUrl: string;
  taskQueue: string;
  /** The first worker process; `workers` lists them all (the lateness phase runs two). */
  worker: Service;
  workers: Service[];
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
  /** Worker processes on the one task queue (default 1), as a deployment scales out. */
  workers?: number;
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
  const workers = await startWorkers(o.name, o.workers ?? 1, o.client, taskQueue, 'worker.ts', {
    ...common,
    SMTP_URL: o.smtpUrl,
    ...o.workerEnv,
  });

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
    worker: workers.services[0]!,
    workers: workers.services,
    ...(api ? { api } : {}),
    stop: async () => {
      await stopApi();
      await workers.stop();
    },
  };
}

/**
 * `count` processes of one worker entry point on one task queue, started together; ready when the
 * server sees that many distinct pollers.
 */
async function startWorkers(
  name: string,
  count: number,
  client: Client,
  taskQueue: string,
  entry: string,
  env: Record<string, string>,
): Promise<{ services: Service[]; stop(): Promise<void> }> {
  const services: (Service & { child: ChildProcess })[] = [];
  const stops: (() => Promise<void>)[] = [];
  for (let i = 1; i <= count; i++) {
    const serviceName = count === 1 ? `${name}-worker` : `${name}-worker${i}`;
    const service = spawnService(serviceName, entry, env);
    services.push(service);
    stops.push(onCleanup(`${serviceName}`, () => service.stop()));
  }
  for (const service of services)
    await waitFor(
      service.name,
      service.child,
      async () => (await workflowPollers(client, taskQueue)) >= count,
      120_000,
    );
  return { services, stop: async () => void (await Promise.all(stops.map((stop) => stop()))) };
}

export interface BaselineDeployment {
  taskQueue: string;
  workers: Service[];
  stop(): Promise<void>;
}

/**
 * The lateness baseline's workers (bench/baseline/worker.ts): bare Temporal and the same mailer,
 * no database, on their own task queue.
 */
export async function startBaselineDeployment(o: {
  name: string;
  temporalAddress: string;
  smtpUrl: string;
  client: Client;
  workers: number;
}): Promise<BaselineDeployment> {
  const taskQueue = `bench-${o.name}`;
  const workers = await startWorkers(o.name, o.workers, o.client, taskQueue, 'bench/baseline/worker.ts', {
    NODE_ENV: 'development',
    TEMPORAL_ADDRESS: o.temporalAddress,
    TEMPORAL_TASK_QUEUE: taskQueue,
    SMTP_URL: o.smtpUrl,
    PUBLIC_BASE_URL: BENCH_PUBLIC_BASE_URL,
  });
  return { taskQueue, workers: workers.services, stop: workers.stop };
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

/** Distinct worker identities polling the queue's workflow tasks. */
async function workflowPollers(client: Client, taskQueue: string): Promise<number> {
  const res = await client.workflowService.describeTaskQueue({
    namespace: 'default',
    taskQueue: { name: taskQueue },
    taskQueueType: temporal.api.enums.v1.TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW,
  });
  return new Set((res.pollers ?? []).map((p) => p.identity)).size;
}

async function isHealthy(url: string): Promise<boolean> {
  const res = await fetch(`${url}/readyz`);
  return res.ok;
}
