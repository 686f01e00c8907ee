import { z } from 'zod';
import { senderDomain } from '../shared/email-address';
import { parsePayloadKeys, type PayloadKey } from '../shared/payload-keys';

/**
 * Configuration comes only from environment variables, is validated once at start-up,
 * and fails fast with a message that names each offending variable.
 */

const port = z.coerce.number().int().min(1).max(65535);
const optionalText = z
  .string()
  .trim()
  .transform((v) => (v === '' ? undefined : v))
  .optional();

export const databaseUrl = z
  .string()
  .trim()
  .refine((v) => /^postgres(ql)?:\/\//.test(v), 'must be a postgres:// connection URL');

/**
 * How case workflows start: reminders held overnight by quiet hours leave spread over this many
 * minutes after the working start, each case at its own minute, not all on the first one.
 */
export const releaseSpreadMinutes = z.coerce.number().int().min(0).max(60).default(15);

const temporalSchema = {
  TEMPORAL_ADDRESS: z.string().trim().min(1).default('localhost:7233'),
  TEMPORAL_NAMESPACE: z.string().trim().min(1).default('default'),
  TEMPORAL_TASK_QUEUE: z.string().trim().min(1).default('caseloop'),
  TEMPORAL_API_KEY: optionalText,
  TEMPORAL_TLS_CERT_PATH: optionalText,
  TEMPORAL_TLS_KEY_PATH: optionalText,
  TEMPORAL_TLS_CA_PATH: optionalText,
  TEMPORAL_TLS_SERVER_NAME: optionalText,
  REMINDER_RELEASE_SPREAD_MINUTES: releaseSpreadMinutes,
};

const commonSchema = {
  NODE_ENV: z.enum(['development', 'test', 'production']).default('development'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  DATABASE_URL: databaseUrl,
  /** Connections per process: a request holds one for its whole transaction, workflow start included. */
  DATABASE_POOL_MAX: z.coerce.number().int().min(1).max(200).default(20),
  /** Defaults to http://localhost:3000 outside production; production must say where it lives. */
  PUBLIC_BASE_URL: z.url().optional(),
  /** Signs acknowledgement links: the worker signs, the API verifies, so both need the same key. */
  /** Payload encryption keys, `id:base64key` comma-separated, newest first (see src/temporal/codec.ts). */
  PAYLOAD_KEYS: optionalText,
  LINK_SIGNING_KEY: z
    .string()
    .trim()
    .min(32, 'must be at least 32 characters (e.g. openssl rand -hex 32)')
    .optional(),
  ...temporalSchema,
};

/**
 * Outside production a fixed key keeps `npm run dev` and tests working with no set-up; links it
 * signs are worthless anywhere else. Production refuses to start without its own key.
 */
export const DEVELOPMENT_LINK_SIGNING_KEY = 'caseloop-development-only-link-signing-key';

/** Development and test only: a fixed, public payload key (32 bytes), worthless elsewhere. */
export const DEVELOPMENT_PAYLOAD_KEYS = `dev-1:${Buffer.from('caseloop-development-payload-key').toString('base64')}`;

interface SecretsEnv {
  NODE_ENV: string;
  PAYLOAD_KEYS?: string | undefined;
  LINK_SIGNING_KEY?: string | undefined;
  PUBLIC_BASE_URL?: string | undefined;
}

const DEVELOPMENT_PAYLOAD_KEY_BYTES = parsePayloadKeys(DEVELOPMENT_PAYLOAD_KEYS).map((k) => k.key);

/** A key with fewer distinct symbols than this (e.g. one repeated character) is no secret. */
const MIN_DISTINCT_SYMBOLS = 8;
const weak = (symbols: ArrayLike<unknown>): boolean =>
  new Set(Array.from(symbols)).size < MIN_DISTINCT_SYMBOLS;

/**
 * The secrets and the public base URL: development and tests fall back to fixed values; production
 * must bring its own, and refuses the published development keys and trivially weak ones.
 * Every problem is reported at once.
 */
function secrets(e: SecretsEnv): {
  payloadKeys: PayloadKey[];
  linkSigningKey: string;
  publicBaseUrl: string;
} {
  const problems: { variable: string; message: string }[] = [];
  const production = e.NODE_ENV === 'production';
  if (production && !e.PAYLOAD_KEYS)
    problems.push({
      variable: 'PAYLOAD_KEYS',
      message: 'is required in production (id:base64 of 32 random bytes)',
    });
  if (production && !e.LINK_SIGNING_KEY)
    problems.push({
      variable: 'LINK_SIGNING_KEY',
      message: 'is required in production (at least 32 characters)',
    });
  let payloadKeys: PayloadKey[] = [];
  try {
    payloadKeys = parsePayloadKeys(e.PAYLOAD_KEYS ?? DEVELOPMENT_PAYLOAD_KEYS);
  } catch (err) {
    problems.push({ variable: 'PAYLOAD_KEYS', message: (err as Error).message });
  }
  if (production && e.PAYLOAD_KEYS) {
    for (const { id, key } of payloadKeys) {
      if (DEVELOPMENT_PAYLOAD_KEY_BYTES.some((dev) => dev.equals(key)))
        problems.push({
          variable: 'PAYLOAD_KEYS',
          message: `key "${id}" is the published development key; generate one (openssl rand -base64 32)`,
        });
      else if (weak(key))
        problems.push({
          variable: 'PAYLOAD_KEYS',
          message: `key "${id}" is too weak (few distinct bytes); use 32 random bytes (openssl rand -base64 32)`,
        });
    }
  }
  if (production && e.LINK_SIGNING_KEY) {
    if (e.LINK_SIGNING_KEY === DEVELOPMENT_LINK_SIGNING_KEY)
      problems.push({
        variable: 'LINK_SIGNING_KEY',
        message: 'is the published development key; generate one (openssl rand -hex 32)',
      });
    else if (weak(e.LINK_SIGNING_KEY))
      problems.push({
        variable: 'LINK_SIGNING_KEY',
        message: 'is too weak (few distinct characters); generate one (openssl rand -hex 32)',
      });
  }
  if (production && !e.PUBLIC_BASE_URL)
    problems.push({
      variable: 'PUBLIC_BASE_URL',
      message: 'is required in production (the https:// address staff open; links in emails use it)',
    });
  if (problems.length) throw new ConfigError(problems);
  return {
    payloadKeys,
    linkSigningKey: e.LINK_SIGNING_KEY ?? DEVELOPMENT_LINK_SIGNING_KEY,
    publicBaseUrl: (e.PUBLIC_BASE_URL ?? 'http://localhost:3000').replace(/\/$/, ''),
  };
}

/**
 * Which proxies may speak for the client through X-Forwarded-For / -Proto: unset trusts none (the
 * socket's address is audited); otherwise a hop count or comma-separated addresses, CIDRs or
 * Express's names (loopback, linklocal, uniquelocal). `true` (trust anyone) is refused.
 */
const trustProxy = z
  .string()
  .trim()
  .refine(
    (v) => v === '' || /^\d{1,2}$/.test(v) || /^[\w.:/-]+(\s*,\s*[\w.:/-]+)*$/.test(v),
    'must be a hop count or comma-separated proxy addresses, CIDRs or loopback/linklocal/uniquelocal',
  )
  .refine((v) => !/^(true|false)$/i.test(v), 'name the proxies (e.g. loopback or 10.0.0.0/8), not true/false')
  .transform((v): false | number | string[] =>
    v === '' ? false : /^\d+$/.test(v) ? Number(v) : v.split(',').map((p) => p.trim()),
  )
  .optional();

const smtpUrl = z
  .string()
  .trim()
  .refine((v) => /^smtps?:\/\//.test(v), 'must be an smtp:// or smtps:// URL');
/** Also names the domain of every Message-ID, so it must be one address with a domain. */
const mailFrom = z
  .string()
  .trim()
  .refine(
    (v) => senderDomain(v) !== undefined,
    'must be one email address, e.g. Caseloop <no-reply@agency.org>',
  )
  .default('Caseloop <no-reply@caseloop.local>');

const apiSchema = z.object({
  ...commonSchema,
  /** The longest a request waits for a row lock; past it the answer is 503 and nothing changed. */
  DATABASE_LOCK_TIMEOUT_MS: z.coerce.number().int().min(100).max(600_000).default(5_000),
  /** The API emails invitations and password-reset links itself; without it, it cannot send them. */
  SMTP_URL: z
    .string()
    .trim()
    .transform((v) => (v === '' ? undefined : v))
    .pipe(smtpUrl.optional())
    .optional(),
  MAIL_FROM: mailFrom,
  /** A signed-in browser session ends after this many minutes without a request. */
  SESSION_IDLE_TIMEOUT_MINUTES: z.coerce
    .number()
    .int()
    .min(1)
    .max(24 * 60)
    .default(30),
  /** ...and this many hours after sign-in, however active. */
  SESSION_ABSOLUTE_LIFETIME_HOURS: z.coerce
    .number()
    .int()
    .min(1)
    .max(7 * 24)
    .default(12),
  /** Single sign-on (OpenID Connect): the provider's issuer URL, e.g. https://login.microsoftonline.com/<tenant>/v2.0. */
  // Blank counts as unset (docker compose passes `${OIDC_ISSUER:-}` as an empty string).
  OIDC_ISSUER: optionalText.pipe(
    z.url("must be the provider's issuer URL, e.g. https://accounts.google.com").optional(),
  ),
  OIDC_CLIENT_ID: optionalText,
  OIDC_CLIENT_SECRET: optionalText,
  /** What the sign-in page's button says. */
  OIDC_BUTTON_LABEL: z.string().trim().min(1).max(80).default('Sign in with your organisation account'),
  TRUST_PROXY: trustProxy,
  API_HOST: z.string().trim().min(1).default('0.0.0.0'),
  API_PORT: port.default(3000),
  /** The Temporal Web UI's origin, the only browser origin allowed to call the codec endpoint. */
  TEMPORAL_UI_ORIGIN: z.url().optional(),
  /** Where the API reaches a Temporal UI started with public path /temporal, to serve it to admins. */
  TEMPORAL_UI_URL: z.url().optional(),
});

const workerSchema = z.object({
  ...commonSchema,
  SMTP_URL: smtpUrl,
  MAIL_FROM: mailFrom,
  /** Named in emails to providers, beside the program. */
  AGENCY_NAME: optionalText,
  /** Gets providers' replies along with the case manager (Reply-To of provider emails). */
  AGENCY_CONTACT_EMAIL: optionalText.pipe(
    z.email('must be an email address, e.g. referrals@agency.org').optional(),
  ),
  /** `host:port` where the worker exposes the Temporal SDK's Prometheus metrics; unset = off. */
  WORKER_METRICS_BIND: z
    .string()
    .trim()
    .regex(/^[\w.-]+:\d+$/, 'must be host:port, e.g. 0.0.0.0:9464')
    .optional(),
  /** Workflows kept in memory between tasks; bounds the worker's memory whatever the number of cases. */
  WORKER_MAX_CACHED_WORKFLOWS: z.coerce.number().int().min(0).max(100_000).optional(),
  /** `host:port` for the worker's /healthz and /readyz (Kubernetes probes); unset = off. */
  WORKER_HEALTH_BIND: z
    .string()
    .trim()
    .regex(/^[\w.-]+:\d+$/, 'must be host:port, e.g. 0.0.0.0:8081')
    .refine((bind) => Number(bind.slice(bind.lastIndexOf(':') + 1)) <= 65_535, 'port must be 0-65535')
    .optional(),
});

export type Env = Record<string, string | undefined>;

export class ConfigError extends Error {
  constructor(readonly problems: { variable: string; message: string }[]) {
    super(
      'Invalid configuration:\n' +
        problems.map((p) => `  - ${p.variable}: ${p.message}`).join('\n') +
        '\nSet these environment variables and start again (see README, "Configuration").',
    );
    this.name = 'ConfigError';
  }
}

export function parseEnv<T extends z.ZodObject>(schema: T, env: Env): z.infer<T> {
  const result = schema.safeParse(env);
  if (result.success) return result.data;
  throw new ConfigError(
    result.error.issues.map((issue) => ({
      variable: String(issue.path[0] ?? '(unknown)'),
      message: issue.code === 'invalid_type' && issue.input === undefined ? 'is required' : issue.message,
    })),
  );
}

export interface TemporalConfig {
  address: string;
  namespace: string;
  taskQueue: string;
  apiKey?: string;
  tls?: { certPath?: string; keyPath?: string; caPath?: string; serverName?: string };
  /** New cases' spread of reminders held by quiet hours, in minutes (0: all at the working start). */
  releaseSpreadMinutes: number;
}

type TemporalEnv = z.infer<z.ZodObject<typeof temporalSchema>>;

function temporalFrom(e: TemporalEnv): TemporalConfig {
  const wantsTls = Boolean(
    e.TEMPORAL_TLS_CERT_PATH || e.TEMPORAL_TLS_CA_PATH || e.TEMPORAL_TLS_SERVER_NAME || e.TEMPORAL_API_KEY,
  );
  if (Boolean(e.TEMPORAL_TLS_CERT_PATH) !== Boolean(e.TEMPORAL_TLS_KEY_PATH)) {
    throw new ConfigError([
      {
        variable: e.TEMPORAL_TLS_CERT_PATH ? 'TEMPORAL_TLS_KEY_PATH' : 'TEMPORAL_TLS_CERT_PATH',
        message: 'a TLS client certificate needs both TEMPORAL_TLS_CERT_PATH and TEMPORAL_TLS_KEY_PATH',
      },
    ]);
  }
  return {
    address: e.TEMPORAL_ADDRESS,
    namespace: e.TEMPORAL_NAMESPACE,
    taskQueue: e.TEMPORAL_TASK_QUEUE,
    releaseSpreadMinutes: e.REMINDER_RELEASE_SPREAD_MINUTES,
    apiKey: e.TEMPORAL_API_KEY,
    tls: wantsTls
      ? {
          certPath: e.TEMPORAL_TLS_CERT_PATH,
          keyPath: e.TEMPORAL_TLS_KEY_PATH,
          caPath: e.TEMPORAL_TLS_CA_PATH,
          serverName: e.TEMPORAL_TLS_SERVER_NAME,
        }
      : undefined,
  };
}

export interface CommonConfig {
  env: 'development' | 'test' | 'production';
  logLevel: string;
  databaseUrl: string;
  databasePoolMax: number;
  publicBaseUrl: string;
  linkSigningKey: string;
  payloadKeys: PayloadKey[];
  temporal: TemporalConfig;
}

export interface ApiConfig extends CommonConfig {
  databaseLockTimeoutMs: number;
  /** Express's `trust proxy`: false (the default) ignores X-Forwarded-* headers. */
  trustProxy: false | number | string[];
  host: string;
  port: number;
  temporalUiOrigin?: string;
  temporalUiUrl?: string;
  /** How long a signed-in browser session lasts. */
  sessions: { idleTimeoutMs: number; absoluteLifetimeMs: number };
  /** Single sign-on with the agency's OpenID provider; unset, staff sign in with passwords only. */
  sso?: { issuer: string; clientId: string; clientSecret: string; label: string };
  /** Where the API sends invitation and reset emails; unset, it cannot send them. */
  smtpUrl?: string;
  mailFrom: string;
}

export interface WorkerConfig extends CommonConfig {
  smtpUrl: string;
  mailFrom: string;
  agency: { name?: string; contactEmail?: string };
  metricsBind?: string;
  maxCachedWorkflows?: number;
  healthBind?: { host: string; port: number };
}

/** `npm run migrate`: the owner role's URL (MIGRATION_DATABASE_URL), else DATABASE_URL. */
export function loadMigrationConfig(env: Env = process.env): { migrationDatabaseUrl: string } {
  const e = parseEnv(
    z.object({ DATABASE_URL: databaseUrl.optional(), MIGRATION_DATABASE_URL: databaseUrl.optional() }),
    env,
  );
  const url = e.MIGRATION_DATABASE_URL || e.DATABASE_URL;
  if (!url)
    throw new ConfigError([
      { variable: 'MIGRATION_DATABASE_URL', message: 'is required (the owner role; or DATABASE_URL)' },
    ]);
  return { migrationDatabaseUrl: url };
}

/** Just the Temporal connection, for tools such as `npm run temporal:setup`. */
export function loadTemporalConfig(env: Env = process.env): TemporalConfig {
  return temporalFrom(parseEnv(z.object(temporalSchema), env));
}

export function loadApiConfig(env: Env = process.env): ApiConfig {
  const e = parseEnv(apiSchema, env);
  return {
    env: e.NODE_ENV,
    logLevel: e.LOG_LEVEL,
    databaseUrl: e.DATABASE_URL,
    databasePoolMax: e.DATABASE_POOL_MAX,
    databaseLockTimeoutMs: e.DATABASE_LOCK_TIMEOUT_MS,
    ...secrets(e),
    temporal: temporalFrom(e),
    trustProxy: e.TRUST_PROXY ?? false,
    host: e.API_HOST,
    port: e.API_PORT,
    ...(e.TEMPORAL_UI_ORIGIN ? { temporalUiOrigin: e.TEMPORAL_UI_ORIGIN.replace(/\/$/, '') } : {}),
    ...(e.TEMPORAL_UI_URL ? { temporalUiUrl: e.TEMPORAL_UI_URL.replace(/\/$/, '') } : {}),
    sessions: {
      idleTimeoutMs: e.SESSION_IDLE_TIMEOUT_MINUTES * 60_000,
      absoluteLifetimeMs: e.SESSION_ABSOLUTE_LIFETIME_HOURS * 3_600_000,
    },
    ...(e.SMTP_URL ? { smtpUrl: e.SMTP_URL } : {}),
    mailFrom: e.MAIL_FROM,
    ...ssoFrom(e),
  };
}

/** All three OIDC settings or none: half a configuration fails at start, not at the first sign-in. */
function ssoFrom(e: z.infer<typeof apiSchema>): Pick<ApiConfig, 'sso'> {
  const given = {
    OIDC_ISSUER: e.OIDC_ISSUER,
    OIDC_CLIENT_ID: e.OIDC_CLIENT_ID,
    OIDC_CLIENT_SECRET: e.OIDC_CLIENT_SECRET,
  };
  const missing = Object.entries(given).filter(([, v]) => !v);
  if (missing.length === 3) return {};
  if (missing.length)
    throw new ConfigError(
      missing.map(([variable]) => ({
        variable,
        message: 'is required when single sign-on (OIDC_*) is configured',
      })),
    );
  return {
    sso: {
      issuer: e.OIDC_ISSUER!,
      clientId: e.OIDC_CLIENT_ID!,
      clientSecret: e.OIDC_CLIENT_SECRET!,
      label: e.OIDC_BUTTON_LABEL,
    },
  };
}

export function loadWorkerConfig(env: Env = process.env): WorkerConfig {
  const e = parseEnv(workerSchema, env);
  return {
    env: e.NODE_ENV,
    logLevel: e.LOG_LEVEL,
    databaseUrl: e.DATABASE_URL,
    databasePoolMax: e.DATABASE_POOL_MAX,
    ...secrets(e),
    temporal: temporalFrom(e),
    smtpUrl: e.SMTP_URL,
    mailFrom: e.MAIL_FROM,
    agency: {
      ...(e.AGENCY_NAME ? { name: e.AGENCY_NAME } : {}),
      ...(e.AGENCY_CONTACT_EMAIL ? { contactEmail: e.AGENCY_CONTACT_EMAIL } : {}),
    },
    ...(e.WORKER_METRICS_BIND ? { metricsBind: e.WORKER_METRICS_BIND } : {}),
    ...(e.WORKER_MAX_CACHED_WORKFLOWS === undefined
      ? {}
      : { maxCachedWorkflows: e.WORKER_MAX_CACHED_WORKFLOWS }),
    ...(e.WORKER_HEALTH_BIND ? { healthBind: hostAndPort(e.WORKER_HEALTH_BIND) } : {}),
  };
}

/** `host:port` (already matched by the schema) split at its last colon. */
function hostAndPort(bind: string): { host: string; port: number } {
  const colon = bind.lastIndexOf(':');
  return { host: bind.slice(0, colon), port: Number(bind.slice(colon + 1)) };
}

/** Entry points call this: a bad configuration prints one clear message and exits. */
export function loadOrExit<T>(load: () => T): T {
  try {
    return load();
  } catch (err) {
    return exitOnConfigError(err);
  }
}

/** A ConfigError prints its message and exits 78 (EX_CONFIG); anything else is rethrown. */
export function exitOnConfigError(err: unknown): never {
  if (err instanceof ConfigError) {
    process.stderr.write(`${err.message}\n`);
    process.exit(78); // EX_CONFIG
  }
  throw err;
}
