import { spawn, type ChildProcess } from 'node:child_process';
import { DEVELOPMENT_LINK_SIGNING_KEY, DEVELOPMENT_PAYLOAD_KEYS } from '../../src/config/config';
import { resolvePort } from '../../src/devstack/free-port';
import { projectRoot } from '../../src/shared/paths';
import type { ApiResponse, TestApi } from '../helpers/api';
import { waitUntil } from './fault-kit';

/** HTTP calls to an API at `base`, answered as test/helpers/api.ts answers them. */
export function httpCaller(base: string): TestApi['call'] {
  return async (method, path, token, body, headers = {}): Promise<ApiResponse> => {
    const res = await fetch(`${base}${path}`, {
      method,
      headers: {
        ...(token ? { authorization: `Bearer ${token}` } : {}),
        ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
        ...headers,
      },
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    });
    const text = await res.text();
    let parsed: Record<string, any>;
    try {
      parsed = text ? (JSON.parse(text) as Record<string, any>) : {};
    } catch {
      parsed = { text };
    }
    return {
      status: res.status,
      type: res.headers.get('content-type') ?? '',
      headers: res.headers,
      body: parsed,
    };
  };
}

export interface ApiProcess extends TestApi {
  url: string;
  child: ChildProcess;
  output(): string;
  /** Resolves with the signal or code the process ended with. */
  exited: Promise<string>;
  /** SIGCONT (in case it is stopped) and SIGTERM if still running (it drains), then waits for the exit. */
  stop(): Promise<string>;
}

/**
 * The real API entry point (`npm run api`, src/api/main.ts) in its own process on a free loopback
 * port, configured by env vars only: it runs the change relay, as every deployed API process does.
 */
export async function startApiProcess(env: {
  databaseUrl: string;
  temporalAddress: string;
  taskQueue: string;
  /** A port chosen beforehand (e.g. for a redirect URI registered elsewhere); otherwise a free one. */
  port?: number;
  /** The API's own address as its public base URL (links and redirects a browser follows). */
  publicBaseUrlIsSelf?: boolean;
  /** More environment, e.g. OIDC_* settings. */
  extra?: Record<string, string>;
}): Promise<ApiProcess> {
  const port = env.port ?? (await resolvePort(0));
  let output = '';
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/api/main.ts'], {
    cwd: projectRoot(),
    env: {
      ...process.env,
      NODE_ENV: 'test',
      LOG_LEVEL: 'info',
      DATABASE_URL: env.databaseUrl,
      TEMPORAL_ADDRESS: env.temporalAddress,
      TEMPORAL_NAMESPACE: 'default',
      TEMPORAL_TASK_QUEUE: env.taskQueue,
      PAYLOAD_KEYS: DEVELOPMENT_PAYLOAD_KEYS,
      LINK_SIGNING_KEY: DEVELOPMENT_LINK_SIGNING_KEY,
      PUBLIC_BASE_URL: env.publicBaseUrlIsSelf ? `http://127.0.0.1:${port}` : 'http://caseloop.test',
      API_HOST: '127.0.0.1',
      API_PORT: String(port),
      ...env.extra,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr.on('data', (d: Buffer) => (output += d.toString()));
  const exited = new Promise<string>((r) => child.once('exit', (code, signal) => r(signal ?? String(code))));
  await waitUntil(
    'the API process to listen',
    () => child.exitCode !== null || output.includes('api listening'),
    60_000,
  );
  if (child.exitCode !== null) throw new Error(`API exited at start:\n${output}`);
  const stop = (): Promise<string> => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGCONT');
      child.kill('SIGTERM');
    }
    return exited;
  };
  const url = `http://127.0.0.1:${port}`;
  return {
    url,
    base: url,
    call: httpCaller(url),
    close: async () => void (await stop()),
    child,
    output: () => output,
    exited,
    stop,
  };
}
