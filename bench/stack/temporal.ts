import { TestWorkflowEnvironment } from '@temporalio/testing';
import { DefaultLogger, Runtime, makeTelemetryFilterString } from '@temporalio/worker';
import { DEVELOPMENT_PAYLOAD_KEYS } from '../../src/config/config';
import { resolvePorts } from '../../src/devstack/free-port';
import { sidePortArgs } from '../../src/devstack/temporal';
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

/**
 * The Temporal CLI dev server on loopback, history in memory, with Caseloop's search attributes.
 * Real time: what the real-time phases measure against.
 */
export async function startDevServer(): Promise<{ env: TestWorkflowEnvironment; address: string }> {
  const [port, httpPort, metricsPort] = await resolvePorts([0, 0, 0]);
  const env = await TestWorkflowEnvironment.createLocal({
    client: { dataConverter: benchDataConverter },
    server: {
      executable: asServerExecutable(locateBinary(TEMPORAL_CLI)),
      ip: '127.0.0.1',
      port,
      ui: false,
      extraArgs: sidePortArgs(httpPort, metricsPort),
      namespace: 'default',
      searchAttributes: ALL_SEARCH_ATTRIBUTES,
      log: { format: 'pretty', level: 'error' },
    },
  });
  onCleanup('Temporal dev server', () => env.teardown());
  return { env, address: `127.0.0.1:${port}` };
}

/** The time-skipping test server: years of a case's life in minutes. */
export async function startTimeSkippingServer(): Promise<TestWorkflowEnvironment> {
  const env = await TestWorkflowEnvironment.createTimeSkipping({
    client: { dataConverter: benchDataConverter },
    server: { executable: asServerExecutable(locateBinary(TEMPORAL_TEST_SERVER)) },
  });
  const stop = onCleanup('Temporal time-skipping server', () => env.teardown());
  await registerSearchAttributes(env.connection, env.namespace ?? 'default').catch(async (err: unknown) => {
    await stop();
    throw err;
  });
  return env;
}
