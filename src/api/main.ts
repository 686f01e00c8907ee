import { exitOnConfigError, loadApiConfig, loadOrExit } from '../config/config';
import { createPool } from '../db/pool';
import { refuseExcessPrivileges } from '../db/roles';
import { createLogger } from '../shared/logger';
import { connectClient } from '../temporal/connection';
import { ensureStaffDigests } from '../temporal/staff-digests';
import { caseloopDataConverter } from '../temporal/codec';
import { startApi } from './server';
import { createMailer } from '../notifications/mailer';
import { createAccountMail } from '../notifications/account-mail';
import { SingleSignOn } from '../domain/single-sign-on';

/** API entry point (`npm run api`): configured only by environment variables. */
async function main(): Promise<void> {
  const config = loadOrExit(() => loadApiConfig());
  const logger = createLogger('caseloop-api', config.logLevel);
  const pool = createPool(config.databaseUrl, config.databasePoolMax, {
    lockTimeoutMs: config.databaseLockTimeoutMs,
  });
  await refuseExcessPrivileges(pool, config.env, (m) => logger.warn(m)).catch(exitOnConfigError);
  const temporal = await connectClient(config.temporal, caseloopDataConverter(config.payloadKeys));
  // Digests run on Temporal; the API makes sure their workflow exists (a no-op when it does).
  await ensureStaffDigests(temporal, config.temporal.taskQueue);
  // Invitations and password resets leave from the API itself, through the worker's kind of mailer.
  const mailer = config.smtpUrl ? createMailer(config.smtpUrl, config.mailFrom) : undefined;
  if (!mailer)
    logger.warn('SMTP_URL is not set for the API: staff cannot be invited or reset their passwords');
  const api = await startApi({
    pool,
    temporal,
    taskQueue: config.temporal.taskQueue,
    logger,
    publicBaseUrl: config.publicBaseUrl,
    linkSigningKey: config.linkSigningKey,
    payloadKeys: config.payloadKeys,
    temporalUiOrigin: config.temporalUiOrigin,
    temporalUiUrl: config.temporalUiUrl,
    trustProxy: config.trustProxy,
    sessions: config.sessions,
    accountMail: mailer ? createAccountMail(mailer, config.publicBaseUrl) : undefined,
    sso: config.sso
      ? new SingleSignOn(
          { ...config.sso, redirectUri: new URL('/sign-in/sso/callback', config.publicBaseUrl).href },
          config.linkSigningKey,
        )
      : undefined,
    releaseSpreadMinutes: config.temporal.releaseSpreadMinutes,
    host: config.host,
    port: config.port,
  });
  logger.info({ url: api.url }, 'api listening');
  // In order: no new requests, in-flight ones and the relay finish (each call is bounded), then
  // Temporal and PostgreSQL close. A second signal, or 30 s, stops at once.
  const shutdown = (signal: string): void => {
    logger.info({ signal }, 'draining in-flight requests');
    const force = setTimeout(() => {
      logger.warn('shutdown took too long; exiting');
      process.exit(1);
    }, 30_000);
    force.unref();
    process.once(signal, () => process.exit(1));
    api
      .close()
      .then(() => mailer?.close())
      .then(() => temporal.connection.close())
      .then(() => pool.end())
      .then(
        () => {
          logger.info('api stopped');
          process.exit(0);
        },
        (err: unknown) => {
          logger.error({ err }, 'shutdown failed');
          process.exit(1);
        },
      );
  };
  process.once('SIGINT', shutdown);
  process.once('SIGTERM', shutdown);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
