import type { Server } from 'node:http';
import type { Client } from '@temporalio/client';
import type { Pool } from 'pg';
import type { Logger } from '../shared/logger';
import type { PayloadKey } from '../temporal/codec';
import { createApp } from './app';
import { sweepExpiredHourly } from './idempotency';

export interface RunningApi {
  server: Server;
  url: string;
  /** Stops accepting connections and waits for in-flight requests to finish. */
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
  host: string;
  port: number;
}): Promise<RunningApi> {
  const app = createApp(opts);
  const server = await new Promise<Server>((resolve, reject) => {
    const s = app.listen(opts.port, opts.host, () => resolve(s));
    s.once('error', reject);
  });
  const stopSweeping = sweepExpiredHourly(opts.pool);
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : opts.port;
  return {
    server,
    url: `http://${opts.host === '0.0.0.0' ? '127.0.0.1' : opts.host}:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        stopSweeping();
        server.close(() => resolve());
        server.closeIdleConnections();
      }),
  };
}
