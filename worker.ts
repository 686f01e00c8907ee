import { caseloopDataConverter } from './src/temporal/codec';
import { DefaultLogger, Runtime, makeTelemetryFilterString, type Worker } from '@temporalio/worker';
import { exitOnConfigError, loadOrExit, loadWorkerConfig } from './src/config/config';
import { createPool } from './src/db/pool';
import { refuseExcessPrivileges } from './src/db/roles';
import { createMailer } from './src/notifications/mailer';
import { createLogger } from './src/shared/logger';
import { connectWorkerConnection } from './src/temporal/connection';
import { createCaseloopWorker } from './src/worker/create-worker';
import { startWorkerHealthServer } from './src/worker/health-server';

/** Worker entry point (`npm run worker`): configured only by environment variables. */
async function main(): Promise<void> {
  const config = loadOrExit(() => loadWorkerConfig());
  const logger = createLogger('caseloop-worker', config.logLevel);
  Runtime.install({
    // The SDK's own logs (and its core's) go into the same JSON logger as ours.
    logger: new DefaultLogger('INFO', ({ level, message, meta }) => {
      const method = (
        { TRACE: 'trace', DEBUG: 'debug', INFO: 'info', WARN: 'warn', ERROR: 'error' } as const
      )[level];
      logger[method]({ sdk: true, ...meta }, message);
    }),
    telemetryOptions: {
      logging: { forward: {}, filter: makeTelemetryFilterString({ core: 'WARN' }) },
      ...(config.metricsBind ? { metrics: { prometheus: { bindAddress: config.metricsBind } } } : {}),
    },
  });
  // Probes answer from the start (live), ready only once the Temporal worker polls: see health-server.ts.
  const started: { worker?: Worker } = {};
  const health = config.healthBind
    ? await startWorkerHealthServer(config.healthBind, () => started.worker?.getState())
    : undefined;
  const pool = createPool(config.databaseUrl, config.databasePoolMax);
  await refuseExcessPrivileges(pool, config.env, (m) => logger.warn(m)).catch(exitOnConfigError);
  const mailer = createMailer(config.smtpUrl, config.mailFrom);
  const connection = await connectWorkerConnection(config.temporal);
  const worker = await createCaseloopWorker({
    connection,
    namespace: config.temporal.namespace,
    taskQueue: config.temporal.taskQueue,
    pool,
    mailer,
    publicBaseUrl: config.publicBaseUrl,
    linkSigningKey: config.linkSigningKey,
    agency: config.agency,
    dataConverter: caseloopDataConverter(config.payloadKeys),
    ...(config.maxCachedWorkflows === undefined ? {} : { maxCachedWorkflows: config.maxCachedWorkflows }),
    releaseSpreadMinutes: config.temporal.releaseSpreadMinutes,
  });
  started.worker = worker;
  logger.info(
    { taskQueue: config.temporal.taskQueue, address: config.temporal.address, health: health?.url },
    'worker started',
  );
  // The SDK shuts the worker down on SIGINT/SIGTERM, letting in-flight tasks finish.
  await worker.run();
  await connection.close();
  mailer.close();
  await pool.end();
  await health?.close();
  logger.info('worker stopped');
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
