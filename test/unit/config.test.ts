import { randomBytes } from 'node:crypto';
import {
  ConfigError,
  DEVELOPMENT_LINK_SIGNING_KEY,
  DEVELOPMENT_PAYLOAD_KEYS,
  loadApiConfig,
  loadMigrationConfig,
  loadWorkerConfig,
} from '../../src/config/config';

const base = { DATABASE_URL: 'postgres://u:p@localhost:5432/caseloop' };

describe('configuration', () => {
  it('when only DATABASE_URL is given, then the API starts with documented defaults', () => {
    const config = loadApiConfig(base);
    expect(config).toMatchObject({
      port: 3000,
      temporal: { address: 'localhost:7233', namespace: 'default', taskQueue: 'caseloop' },
    });
    expect(config.temporal.tls).toBeUndefined();
  });

  it('when a required variable is missing, then the error names it', () => {
    expect(() => loadWorkerConfig(base)).toThrow(ConfigError);
    expect(() => loadWorkerConfig(base)).toThrow(/SMTP_URL: is required/);
  });

  it('when variables are malformed, then each one is named with its reason', () => {
    try {
      loadApiConfig({ DATABASE_URL: 'mysql://x', API_PORT: 'eighty' });
      throw new Error('expected a ConfigError');
    } catch (err) {
      expect(err).toBeInstanceOf(ConfigError);
      const vars = (err as ConfigError).problems.map((p) => p.variable).sort();
      expect(vars).toEqual(['API_PORT', 'DATABASE_URL']);
      expect((err as ConfigError).message).toMatch(/DATABASE_URL: must be a postgres:\/\/ connection URL/);
    }
  });

  it('when an API key is set, then the Temporal connection uses TLS (Temporal Cloud)', () => {
    const config = loadWorkerConfig({
      ...base,
      SMTP_URL: 'smtp://relay:25',
      TEMPORAL_ADDRESS: 'ns.acct.tmprl.cloud:7233',
      TEMPORAL_NAMESPACE: 'ns.acct',
      TEMPORAL_API_KEY: 'secret',
    });
    expect(config.temporal).toMatchObject({
      address: 'ns.acct.tmprl.cloud:7233',
      namespace: 'ns.acct',
      apiKey: 'secret',
    });
    expect(config.temporal.tls).toBeDefined();
  });

  it('when single sign-on is half configured, then the API refuses to start and names what is missing', () => {
    expect(loadApiConfig(base).sso).toBeUndefined();
    expect(
      loadApiConfig({ ...base, OIDC_ISSUER: '', OIDC_CLIENT_ID: ' ', OIDC_CLIENT_SECRET: '' }).sso,
    ).toBeUndefined();
    expect(() => loadApiConfig({ ...base, OIDC_ISSUER: 'not a url' })).toThrow(
      /OIDC_ISSUER: must be the provider/,
    );
    expect(() => loadApiConfig({ ...base, OIDC_ISSUER: 'https://login.example.org/tenant/v2.0' })).toThrow(
      /OIDC_CLIENT_ID: is required when single sign-on[\s\S]*OIDC_CLIENT_SECRET: is required/,
    );
    expect(
      loadApiConfig({
        ...base,
        OIDC_ISSUER: 'https://login.example.org/tenant/v2.0',
        OIDC_CLIENT_ID: 'caseloop',
        OIDC_CLIENT_SECRET: 'secret',
      }).sso,
    ).toEqual({
      issuer: 'https://login.example.org/tenant/v2.0',
      clientId: 'caseloop',
      clientSecret: 'secret',
      label: 'Sign in with your organisation account',
    });
  });

  it('when a client certificate is given without its key, then the missing half is named', () => {
    expect(() => loadApiConfig({ ...base, TEMPORAL_TLS_CERT_PATH: '/certs/client.pem' })).toThrow(
      /TEMPORAL_TLS_KEY_PATH/,
    );
  });

  it('when production starts without its secrets, then it refuses and names each one', () => {
    expect(() => loadApiConfig(production)).toThrow(
      /PAYLOAD_KEYS: is required in production[\s\S]*LINK_SIGNING_KEY: is required/,
    );
    const payloadKeys = `k1:${randomBytes(32).toString('base64')}`;
    const linkSigningKey = randomBytes(32).toString('hex');
    expect(() =>
      loadApiConfig({
        ...production,
        PAYLOAD_KEYS: payloadKeys,
        LINK_SIGNING_KEY: 'short',
      }),
    ).toThrow(/LINK_SIGNING_KEY: must be at least 32 characters/);
    expect(() =>
      loadApiConfig({
        ...production,
        PAYLOAD_KEYS: 'k1:AAAA',
        LINK_SIGNING_KEY: linkSigningKey,
      }),
    ).toThrow(/PAYLOAD_KEYS: key "k1" must be 32 bytes/);
    const config = loadApiConfig({
      ...production,
      PAYLOAD_KEYS: payloadKeys,
      LINK_SIGNING_KEY: linkSigningKey,
    });
    expect(config.linkSigningKey).toBe(linkSigningKey);
    expect(config.payloadKeys.map((k) => k.id)).toEqual(['k1']);
    expect(config.publicBaseUrl).toBe('https://caseloop.example.org');
  });

  it('when production is given the published development keys, then it refuses both', () => {
    const problems = problemsOf(() =>
      loadWorkerConfig({
        ...production,
        SMTP_URL: 'smtp://relay:25',
        PAYLOAD_KEYS: DEVELOPMENT_PAYLOAD_KEYS,
        LINK_SIGNING_KEY: DEVELOPMENT_LINK_SIGNING_KEY,
      }),
    );
    expect(problems).toEqual([
      { variable: 'PAYLOAD_KEYS', message: expect.stringMatching(/development/) },
      { variable: 'LINK_SIGNING_KEY', message: expect.stringMatching(/development/) },
    ]);
  });

  it('when production is given a development payload key among others, then it still refuses', () => {
    const keys = `k2:${randomBytes(32).toString('base64')},${DEVELOPMENT_PAYLOAD_KEYS}`;
    expect(() =>
      loadApiConfig({ ...production, PAYLOAD_KEYS: keys, LINK_SIGNING_KEY: randomBytes(32).toString('hex') }),
    ).toThrow(/PAYLOAD_KEYS: .*development/);
  });

  it('when production is given trivially weak keys (one repeated character or byte), then it refuses them', () => {
    const problems = problemsOf(() =>
      loadApiConfig({
        ...production,
        PAYLOAD_KEYS: `k1:${Buffer.alloc(32, 9).toString('base64')}`,
        LINK_SIGNING_KEY: 'a'.repeat(64),
      }),
    );
    expect(problems).toEqual([
      { variable: 'PAYLOAD_KEYS', message: expect.stringMatching(/weak/) },
      { variable: 'LINK_SIGNING_KEY', message: expect.stringMatching(/weak/) },
    ]);
    expect(() =>
      loadApiConfig({
        ...production,
        PAYLOAD_KEYS: `k1:${randomBytes(32).toString('base64')}`,
        LINK_SIGNING_KEY: 'abab'.repeat(10),
      }),
    ).toThrow(/LINK_SIGNING_KEY: .*weak/);
  });

  it('when production starts without PUBLIC_BASE_URL, then it refuses instead of linking to localhost', () => {
    const { PUBLIC_BASE_URL: _omitted, ...withoutBaseUrl } = production;
    expect(() =>
      loadApiConfig({
        ...withoutBaseUrl,
        PAYLOAD_KEYS: `k1:${randomBytes(32).toString('base64')}`,
        LINK_SIGNING_KEY: randomBytes(32).toString('hex'),
      }),
    ).toThrow(/PUBLIC_BASE_URL: is required in production/);
    expect(loadApiConfig(base).publicBaseUrl).toBe('http://localhost:3000');
  });

  it('when MIGRATION_DATABASE_URL is set, then migrations use it; otherwise DATABASE_URL', () => {
    expect(loadMigrationConfig(base).migrationDatabaseUrl).toBe(base.DATABASE_URL);
    const owner = 'postgres://owner:p@localhost:5432/caseloop';
    expect(loadMigrationConfig({ ...base, MIGRATION_DATABASE_URL: owner }).migrationDatabaseUrl).toBe(owner);
    expect(() => loadMigrationConfig({ ...base, MIGRATION_DATABASE_URL: 'mysql://x' })).toThrow(
      /MIGRATION_DATABASE_URL/,
    );
  });

  it('when TRUST_PROXY is unset, then forwarding headers are not trusted; when set, it names the proxies', () => {
    expect(loadApiConfig(base).trustProxy).toBe(false);
    expect(loadApiConfig({ ...base, TRUST_PROXY: '10.0.0.0/8, loopback' }).trustProxy).toEqual([
      '10.0.0.0/8',
      'loopback',
    ]);
    expect(loadApiConfig({ ...base, TRUST_PROXY: '1' }).trustProxy).toBe(1);
    expect(() => loadApiConfig({ ...base, TRUST_PROXY: 'true' })).toThrow(/TRUST_PROXY/);
  });

  it("when the agency's name and contact are set, then the worker carries them for provider emails", () => {
    const worker = { ...base, SMTP_URL: 'smtp://relay:25' };
    expect(loadWorkerConfig(worker).agency).toEqual({});
    expect(
      loadWorkerConfig({
        ...worker,
        AGENCY_NAME: ' Northside Family Services ',
        AGENCY_CONTACT_EMAIL: 'referrals@northside.example',
      }).agency,
    ).toEqual({ name: 'Northside Family Services', contactEmail: 'referrals@northside.example' });
  });

  it('when the agency contact or the sender is not an email address, then each is named', () => {
    try {
      loadWorkerConfig({
        ...base,
        SMTP_URL: 'smtp://relay:25',
        AGENCY_CONTACT_EMAIL: 'the front desk',
        MAIL_FROM: 'Caseloop',
      });
      throw new Error('expected a ConfigError');
    } catch (err) {
      expect(err).toBeInstanceOf(ConfigError);
      expect((err as ConfigError).message).toMatch(/AGENCY_CONTACT_EMAIL: must be an email address/);
      // MAIL_FROM's domain names every Message-ID.
      expect((err as ConfigError).message).toMatch(/MAIL_FROM: must be one email address/);
    }
  });
  it('when WORKER_HEALTH_BIND is set, then the worker serves its probes there; when malformed, it is named', () => {
    const worker = { ...base, SMTP_URL: 'smtp://relay:25' };
    expect(loadWorkerConfig(worker).healthBind).toBeUndefined();
    expect(loadWorkerConfig({ ...worker, WORKER_HEALTH_BIND: '0.0.0.0:8081' }).healthBind).toEqual({
      host: '0.0.0.0',
      port: 8081,
    });
    expect(() => loadWorkerConfig({ ...worker, WORKER_HEALTH_BIND: '8081' })).toThrow(
      /WORKER_HEALTH_BIND: must be host:port/,
    );
    expect(() => loadWorkerConfig({ ...worker, WORKER_HEALTH_BIND: '0.0.0.0:99999' })).toThrow(
      /WORKER_HEALTH_BIND: port must be 0-65535/,
    );
  });
});

const production = {
  ...base,
  NODE_ENV: 'production',
  PUBLIC_BASE_URL: 'https://caseloop.example.org',
};

function problemsOf(load: () => unknown): { variable: string; message: string }[] {
  try {
    load();
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
  throw new Error('expected a ConfigError');
}
