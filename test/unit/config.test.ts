import { ConfigError, loadApiConfig, loadWorkerConfig } from '../../src/config/config';

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

  it('when a client certificate is given without its key, then the missing half is named', () => {
    expect(() => loadApiConfig({ ...base, TEMPORAL_TLS_CERT_PATH: '/certs/client.pem' })).toThrow(
      /TEMPORAL_TLS_KEY_PATH/,
    );
  });

  it('when production starts without its secrets, then it refuses and names each one', () => {
    expect(() => loadApiConfig({ ...base, NODE_ENV: 'production' })).toThrow(
      /PAYLOAD_KEYS: is required in production[\s\S]*LINK_SIGNING_KEY: is required/,
    );
    const payloadKeys = `k1:${Buffer.alloc(32, 9).toString('base64')}`;
    expect(() =>
      loadApiConfig({
        ...base,
        NODE_ENV: 'production',
        PAYLOAD_KEYS: payloadKeys,
        LINK_SIGNING_KEY: 'short',
      }),
    ).toThrow(/LINK_SIGNING_KEY: must be at least 32 characters/);
    expect(() =>
      loadApiConfig({
        ...base,
        NODE_ENV: 'production',
        PAYLOAD_KEYS: 'k1:AAAA',
        LINK_SIGNING_KEY: 'a'.repeat(64),
      }),
    ).toThrow(/PAYLOAD_KEYS: key "k1" must be 32 bytes/);
    const config = loadApiConfig({
      ...base,
      NODE_ENV: 'production',
      PAYLOAD_KEYS: payloadKeys,
      LINK_SIGNING_KEY: 'a'.repeat(64),
    });
    expect(config.linkSigningKey).toBe('a'.repeat(64));
    expect(config.payloadKeys.map((k) => k.id)).toEqual(['k1']);
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
});
