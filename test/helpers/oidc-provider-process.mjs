// A real OpenID provider (the `oidc-provider` package) for the single sign-on tests, run as its own
// process because it is an ES module. Its development login screen accepts any login name; the
// accounts it knows, with their email claims, come from OIDC_ACCOUNTS.
import Provider from 'oidc-provider';

const port = Number(process.env.OIDC_PORT);
const issuer = `http://127.0.0.1:${port}`;
/** { "<login>": { "email": "...", "email_verified": true } } */
const accounts = JSON.parse(process.env.OIDC_ACCOUNTS ?? '{}');

const provider = new Provider(issuer, {
  clients: [
    {
      client_id: process.env.OIDC_CLIENT_ID,
      client_secret: process.env.OIDC_CLIENT_SECRET,
      redirect_uris: [process.env.OIDC_REDIRECT_URI],
      grant_types: ['authorization_code'],
      response_types: ['code'],
    },
  ],
  claims: { openid: ['sub'], email: ['email', 'email_verified'] },
  scopes: ['openid', 'email'],
  async findAccount(_ctx, sub) {
    const claims = accounts[sub] ?? {};
    return { accountId: sub, claims: async () => ({ sub, ...claims }) };
  },
  features: { devInteractions: { enabled: true } },
  cookies: { keys: ['caseloop-test-provider-cookie-key'] },
});
provider.proxy = false;
provider.listen(port, '127.0.0.1', () => {
  process.stdout.write(`oidc-provider ready ${issuer}\n`);
});
