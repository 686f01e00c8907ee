import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { DefaultLogger, Runtime, makeTelemetryFilterString } from '@temporalio/worker';
import { DEVELOPMENT_PAYLOAD_KEYS } from '../../src/config/config';
import { resolvePorts } from '../../src/devstack/free-port';
import { sidePortArgs, startedServer } from '../../src/devstack/temporal';
import {
  TEMPORAL_CLI,
  TEMPORAL_TEST_SERVER,
  asServerExecutable,
  locateBinary,
} from '../../src/temporal/binaries';
import { caseloopDataConverter, parsePayloadKeys } from '../../src/temporal/codec';
import { registerSearchAttributes } from '../../src/temporal/search-attributes-setup';
import { ALL_SEARCH_ATTRIBUTES } from '../../src/workflows/search-attributes';
import { onCleanup } from '../lib/cleanup';

/** The development key, as `npm run dev` uses it: every client and worker here must share it. */
export const BENCH_PAYLOAD_KEYS = DEVELOPMENT_PAYLOAD_KEYS;
export const benchDataConverter = caseloopDataConverter(parsePayloadKeys(BENCH_PAYLOAD_KEYS));

let runtimeInstalled = false;
/** Quiet SDK logs; the benchmark stops workers itself, in order, so no signal handlers. */
export function installQuietRuntime(): void {
  if (runtimeInstalled) return;
  runtimeInstalled = true;
  Runtime.install({
    logger: new DefaultLogger('ERROR'),
    telemetryOptions: { logging: { filter: makeTelemetryFilterString({ core: 'ERROR' }) } },
    shutdownSignals: [],
  });
}

/** Where the dev server keeps its state: in memory, or in an SQLite file in a temporary folder. */
export type DevServerStore = 'memory' | 'disk';

/**
 * The dev server re-reads the search attribute definitions from its store on every read, under a
 * global lock, so that attributes created while it runs show at once; a Temporal cluster caches them
 * (refreshed each minute). Every history event carrying search attributes pays that read when it is
 * sent to a worker: 13 % of the server's CPU in a reminder burst here. The bench's attributes exist
 * before the server starts (they are in its namespace from the command line), so it runs with the
 * cluster's cache, as the deployments do.
 */
const PRODUCTION_SEARCH_ATTRIBUTE_CACHE = [
  '--dynamic-config-value',
  'system.forceSearchAttributesCacheRefreshOnRead=false',
];

/**
 * The Temporal CLI dev server on loopback with Caseloop's search attributes. Real time: what the
 * real-time phases measure against. The in-memory store grows with every history it holds (about
 * 21 GiB near 65,000 open cases here), so the scale phase keeps its state on disk instead.
 */
export async function startDevServer(
  store: DevServerStore = 'memory',
): Promise<{ env: TestWorkflowEnvironment; address: string }> {
  const [port, httpPort, metricsPort] = await resolvePorts([0, 0, 0]);
  const folder = store === 'disk' ? await mkdtemp(join(tmpdir(), 'caseloop-bench-temporal-')) : undefined;
  const removeFolder = folder
    ? onCleanup('Temporal dev server store', () => rm(folder, { recursive: true, force: true }))
    : undefined;
  // WAL lets readers (visibility, queries) go on while histories are appended.
  const diskArgs = folder
    ? ['--sqlite-pragma', 'journal_mode=wal', '--sqlite-pragma', 'synchronous=normal']
    : [];
  const env = await startedServer(() =>
    TestWorkflowEnvironment.createLocal({
      client: { dataConverter: benchDataConverter },
      server: {
        executable: asServerExecutable(locateBinary(TEMPORAL_CLI)),
        ip: '127.0.0.1',
        port,
        ui: false,
        ...(folder ? { dbFilename: join(folder, 'temporal.sqlite') } : {}),
        extraArgs: [
          ...sidePortArgs(httpPort, metricsPort),
          ...diskArgs,
          ...PRODUCTION_SEARCH_ATTRIBUTE_CACHE,
        ],
        namespace: 'default',
        searchAttributes: ALL_SEARCH_ATTRIBUTES,
        log: { format: 'pretty', level: 'error' },
      },
    }),
  ).catch(async (err: unknown) => {
    await removeFolder?.();
    throw err;
  });
  onCleanup('Temporal dev server', () => env.teardown());
  return { env, address: `127.0.0.1:${port}` };
}

/** The time-skipping test server: years of a case's life in minutes. */
export async function startTimeSkippingServer(): Promise<TestWorkflowEnvironment> {
  const env = await startedServer(() =>
    TestWorkflowEnvironment.createTimeSkipping({
      client: { dataConverter: benchDataConverter },
      server: { executable: asServerExecutable(locateBinary(TEMPORAL_TEST_SERVER)) },
    }),
  );
  const stop = onCleanup('Temporal time-skipping server', () => env.teardown());
  await registerSearchAttributes(env.connection, env.namespace ?? 'default').catch(async (err: unknown) => {
    await stop();
    throw err;
  });
  return env;
}
