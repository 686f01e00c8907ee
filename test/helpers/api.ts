import { DEVELOPMENT_LINK_SIGNING_KEY } from '../../src/config/config';
import { TEST_PAYLOAD_KEYS } from './codec';

/** The Temporal UI origin the test API accepts for the codec endpoint. */
export const TEST_UI_ORIGIN = 'http://temporal-ui.test';
import type { Server } from 'node:http';
import type { Client } from '@temporalio/client';
import type { Pool } from 'pg';
import { createApp } from '../../src/api/app';
import { createLogger } from '../../src/shared/logger';
import type { Mailer } from '../../src/notifications/mailer';
import { createAccountMail } from '../../src/notifications/account-mail';
import type { SessionPolicy } from '../../src/domain/web-sessions';

export interface ApiResponse {
  status: number;
  type: string;
  headers: Headers;
  body: Record<string, any>;
}

export interface TestApi {
  base: string;
  call(
    method: string,
    path: string,
    token?: string,
    body?: unknown,
    headers?: Record<string, string>,
  ): Promise<ApiResponse>;
  close(): Promise<void>;
}

/** The real Express app on a free loopback port. */
export async function startTestApi(
  pool: Pool,
  temporal: Client,
  taskQueue: string,
  clock?: () => Date,
  options: {
    temporalUiUrl?: string;
    port?: number;
    trustProxy?: string[];
    /** Invitation and reset emails go out through it, with links to this API. */
    mailer?: Mailer;
    sessions?: SessionPolicy;
    /** The address the app believes it is served at (https turns on HSTS and `__Host-` cookies). */
    publicBaseUrl?: string;
    /** New cases spread reminders held by quiet hours (unset: none, so held times read 08:00 exactly). */
    releaseSpreadMinutes?: number;
  } = {},
): Promise<TestApi> {
  let base = '';
  const { mailer } = options;
  const app = createApp({
    pool,
    temporal,
    taskQueue,
    logger: createLogger('test', process.env.TEST_LOG_LEVEL ?? 'silent'),
    publicBaseUrl: options.publicBaseUrl ?? 'http://caseloop.test',
    linkSigningKey: DEVELOPMENT_LINK_SIGNING_KEY,
    payloadKeys: TEST_PAYLOAD_KEYS,
    temporalUiOrigin: TEST_UI_ORIGIN,
    ...(clock ? { clock } : {}),
    ...(options.temporalUiUrl ? { temporalUiUrl: options.temporalUiUrl } : {}),
    ...(options.trustProxy ? { trustProxy: options.trustProxy } : {}),
    ...(options.sessions ? { sessions: options.sessions } : {}),
    ...(options.releaseSpreadMinutes === undefined
      ? {}
      : { releaseSpreadMinutes: options.releaseSpreadMinutes }),
    ...(mailer
      ? { accountMail: { sendAccountLink: (m) => createAccountMail(mailer, base).sendAccountLink(m) } }
      : {}),
  });
  const server: Server = app.listen(options.port ?? 0, '127.0.0.1');
  await new Promise((r) => server.once('listening', r));
  const addr = server.address();
  base = `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}`;
  return {
    base,
    async call(method, path, token, body, headers = {}) {
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
      return {
        status: res.status,
        type: res.headers.get('content-type') ?? '',
        headers: res.headers,
        body: text ? JSON.parse(text) : {},
      };
    },
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}
