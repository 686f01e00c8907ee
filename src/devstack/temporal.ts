import fs from 'node:fs';
import path from 'node:path';
import type { DataConverter } from '@temporalio/common';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { asServerExecutable, locateBinary, TEMPORAL_CLI } from '../temporal/binaries';
import { ALL_SEARCH_ATTRIBUTES } from '../workflows/search-attributes';
import { TEMPORAL_UI_PATH } from '../api/web/temporal-ui-proxy';

export interface DevTemporalOptions {
  dataDir: string;
  port: number;
  uiPort: number;
  /** The HTTP API and metrics ports, which the server would otherwise pick at random. */
  httpPort: number;
  metricsPort: number;
  log?: (message: string) => void;
  /** The encrypting data converter every Caseloop client uses. */
  dataConverter: DataConverter;
  /** Where the Web UI asks to decode payloads (Caseloop's /codec endpoint). */
  codecEndpoint: string;
}

/**
 * The Temporal CLI's dev server with its Web UI, history persisted in SQLite under the data folder
 * so cases survive a restart, and Caseloop's search attributes registered.
 */
export async function startDevTemporal(opts: DevTemporalOptions): Promise<TestWorkflowEnvironment> {
  const executable = locateBinary(TEMPORAL_CLI, { log: opts.log });
  fs.mkdirSync(opts.dataDir, { recursive: true });
  return startedServer(() =>
    TestWorkflowEnvironment.createLocal({
      client: { dataConverter: opts.dataConverter },
      server: {
        // Served to admins through the API at /temporal (see temporal-ui-proxy.ts).
        extraArgs: [
          ...['--ui-codec-endpoint', opts.codecEndpoint, '--ui-public-path', TEMPORAL_UI_PATH],
          ...sidePortArgs(opts.httpPort, opts.metricsPort),
        ],
        executable: asServerExecutable(executable),
        dbFilename: path.join(opts.dataDir, 'temporal.sqlite'),
        ip: '127.0.0.1',
        port: opts.port,
        ui: true,
        uiPort: opts.uiPort,
        namespace: 'default',
        searchAttributes: ALL_SEARCH_ATTRIBUTES,
        log: { format: 'pretty', level: 'error' },
      },
    }),
  );
}

/**
 * Starts an ephemeral server, again if it was not answering after the SDK's fixed five seconds
 * (the dev server with its UI can take longer on two busy cores; the SDK has killed it by then).
 */
export async function startedServer(
  start: () => Promise<TestWorkflowEnvironment>,
  attempts = 3,
): Promise<TestWorkflowEnvironment> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await start();
    } catch (err) {
      if (attempt >= attempts || !/did not start within/.test(String(err))) throw err;
    }
  }
}

/**
 * The dev server's HTTP API and metrics ports as arguments. Left to itself the server picks them at
 * random, and may pick a port already promised to another process that has not bound it yet.
 */
export function sidePortArgs(httpPort: number, metricsPort: number): string[] {
  return ['--http-port', String(httpPort), '--metrics-port', String(metricsPort)];
}
