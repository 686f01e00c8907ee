import type { Server } from 'node:http';
import type { Client } from '@temporalio/client';
import type { Pool } from 'pg';
import type { Logger } from '../shared/logger';
import type { PayloadKey } from '../temporal/codec';
import { createApp } from './app';
import { startChangeRelay } from '../domain/change-relay';
import { createCaseWorkflows } from '../temporal/case-workflows';
import { sweepExpiredHourly } from './idempotency';
import { sweepOldAttempts } from '../domain/sign-in-throttle';
import { expireUncommittedRuns } from '../domain/case-import/runs';
import { DEFAULT_SESSION_POLICY, sweepAllEndedSessions, type SessionPolicy } from '../domain/web-sessions';
import type { AccountMail } from '../domain/account-links';
import type { SingleSignOn } from '../domain/single-sign-on';

export interface RunningApi {
  server: Server;
  url: string;
  /** Stops accepting connections, waits for in-flight requests and the relay's round to finish. */
  close(): Promise<void>;
}

export async function startApi(opts: {
  pool: Pool;
  temporal: Client;
  taskQueue: string;
  logger: Logger;
  publicBaseUrl: string;
  linkSigningKey: string;
  payloadKeys: PayloadKey[];
  temporalUiOrigin?: string | undefined;
  temporalUiUrl?: string | undefined;
  trustProxy?: false | number | string[] | undefined;
  sessions?: SessionPolicy | undefined;
  accountMail?: AccountMail | undefined;
  sso?: SingleSignOn | undefined;
  releaseSpreadMinutes?: number | undefined;
  host: string;
  port: number;
}): Promise<RunningApi> {
  const app = createApp(opts);
  const server = await new Promise<Server>((resolve, reject) => {
    const s = app.listen(opts.port, opts.host, () => resolve(s));
    s.once('error', reject);
  });
  const stopSweeping = sweepExpiredHourly(opts.pool);
  // Sign-in attempts older than any rate-limit window count for nothing.
  const attemptSweep = setInterval(() => {
    void sweepOldAttempts(opts.pool).catch(() => undefined);
    // Sessions that can no longer be used go after a day, with the address they came from.
    void sweepAllEndedSessions(opts.pool, new Date(), opts.sessions ?? DEFAULT_SESSION_POLICY).catch(
      () => undefined,
    );
    // An import file checked but never committed holds client data: cleared a day later.
    void expireUncommittedRuns(opts.pool, new Date()).catch(() => undefined);
  }, 60 * 60_000);
  attemptSweep.unref();
  // Committed case changes that their request could not deliver reach their workflows from here.
  const relay = startChangeRelay(
    {
      pool: opts.pool,
      workflows: createCaseWorkflows(opts.temporal, opts.taskQueue, {
        ...(opts.releaseSpreadMinutes === undefined
          ? {}
          : { releaseSpreadMinutes: opts.releaseSpreadMinutes }),
      }),
    },
    { onError: (err) => opts.logger.warn({ err: (err as Error).message }, 'change relay round failed') },
  );
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : opts.port;
  return {
    server,
    url: `http://${opts.host === '0.0.0.0' ? '127.0.0.1' : opts.host}:${port}`,
    close: async () => {
      stopSweeping();
      clearInterval(attemptSweep);
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      // Every handler running now finishes (each is bounded, so within seconds), even one whose
      // client hung up; then kept-alive sockets that went idle meanwhile are closed too.
      await (app.locals.drain as () => Promise<void>)();
      server.closeAllConnections();
      await closed;
      await relay.stop();
    },
  };
}
