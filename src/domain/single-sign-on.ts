import { createHmac, timingSafeEqual } from 'node:crypto';
import type { Pool } from 'pg';
import { UnauthenticatedError } from '../core/errors';

/**
 * Optional single sign-on with an agency's OpenID provider (Microsoft Entra ID, Google Workspace,
 * Okta...): authorization code flow with PKCE, state and nonce, through `openid-client`. A person
 * is let in only as the active staff member whose email the provider has verified; nobody is
 * created by signing in.
 */
export interface SsoSettings {
  issuer: string;
  clientId: string;
  clientSecret: string;
  /** `<public base URL>/sign-in/sso/callback`, registered with the provider. */
  redirectUri: string;
  /** What the button says, e.g. "Sign in with Microsoft". */
  label: string;
}

/** What travels in the short-lived cookie between the redirect out and the callback. */
interface PendingSignIn {
  state: string;
  nonce: string;
  verifier: string;
  next: string;
  expiresAt: number;
}

const PENDING_MS = 10 * 60_000;

export class SsoRefused extends UnauthenticatedError {}

type OpenIdClient = typeof import('openid-client');
type OidcConfiguration = import('openid-client').Configuration;

export class SingleSignOn {
  private configuration: Promise<OidcConfiguration> | undefined;

  constructor(
    readonly settings: SsoSettings,
    /** Signs the pending-sign-in cookie so it cannot be forged or altered. */
    private readonly stateKey: string,
    private readonly clock: () => Date = () => new Date(),
  ) {}

  /** openid-client is an ES module: loaded on first use, only where single sign-on is configured. */
  private async library(): Promise<OpenIdClient> {
    return import('openid-client');
  }

  private async config(): Promise<OidcConfiguration> {
    this.configuration ??= this.library()
      .then((oidc) => {
        const issuer = new URL(this.settings.issuer);
        // Plain http only for a provider on this machine (development and tests).
        const loopback = ['127.0.0.1', 'localhost', '[::1]'].includes(issuer.hostname);
        // client_secret_basic: the default of Okta and of the OpenID spec; Entra ID and Google accept it.
        return oidc.discovery(
          issuer,
          this.settings.clientId,
          undefined,
          oidc.ClientSecretBasic(this.settings.clientSecret),
          loopback && issuer.protocol === 'http:' ? { execute: [oidc.allowInsecureRequests] } : undefined,
        );
      })
      .catch((err: unknown) => {
        this.configuration = undefined; // try discovery again next time
        throw err;
      });
    return this.configuration;
  }

  /** Where to send the browser, and the cookie value that lets the callback finish. */
  async begin(next: string): Promise<{ url: string; pending: string }> {
    const [oidc, config] = await Promise.all([this.library(), this.config()]);
    const pending: PendingSignIn = {
      state: oidc.randomState(),
      nonce: oidc.randomNonce(),
      verifier: oidc.randomPKCECodeVerifier(),
      next,
      expiresAt: this.clock().getTime() + PENDING_MS,
    };
    const url = oidc.buildAuthorizationUrl(config, {
      redirect_uri: this.settings.redirectUri,
      scope: 'openid email',
      code_challenge: await oidc.calculatePKCECodeChallenge(pending.verifier),
      code_challenge_method: 'S256',
      state: pending.state,
      nonce: pending.nonce,
    });
    return { url: url.href, pending: this.seal(pending) };
  }

  /**
   * The provider sent the browser back: exchange the code, check state, nonce and PKCE, and find
   * the staff member by verified email.
   */
  async finish(
    pool: Pool,
    callbackUrl: URL,
    sealed: string | undefined,
  ): Promise<{ staffId: string; next: string }> {
    const pending = this.open(sealed);
    const [oidc, config] = await Promise.all([this.library(), this.config()]);
    let claims: Record<string, unknown>;
    try {
      const tokens = await oidc.authorizationCodeGrant(config, callbackUrl, {
        pkceCodeVerifier: pending.verifier,
        expectedState: pending.state,
        expectedNonce: pending.nonce,
      });
      const idClaims: Record<string, unknown> = tokens.claims() ?? {};
      claims =
        typeof idClaims.email === 'string'
          ? idClaims
          : { ...(await oidc.fetchUserInfo(config, tokens.access_token, String(idClaims.sub))), ...idClaims };
    } catch (err) {
      throw new SsoRefused(
        `Single sign-on did not complete (${err instanceof Error ? err.message : 'unknown reason'}). Try again.`,
      );
    }
    const email = typeof claims.email === 'string' ? claims.email.trim() : '';
    if (!email || claims.email_verified !== true)
      throw new SsoRefused(
        'Your single sign-on account has no verified email address, so Caseloop cannot match it.',
      );
    const staff = (
      await pool.query<{ id: string }>('SELECT id FROM staff WHERE lower(email) = lower($1) AND active', [
        email,
      ])
    ).rows[0];
    if (!staff)
      throw new SsoRefused(
        'No active Caseloop account uses the email your organisation signed you in with. Ask an admin.',
      );
    return { staffId: staff.id, next: pending.next };
  }

  private seal(pending: PendingSignIn): string {
    const body = Buffer.from(JSON.stringify(pending)).toString('base64url');
    return `${body}.${this.mac(body)}`;
  }

  private open(sealed: string | undefined): PendingSignIn {
    const [body, mac] = (sealed ?? '').split('.');
    const expected = body ? this.mac(body) : '';
    if (
      !body ||
      !mac ||
      mac.length !== expected.length ||
      !timingSafeEqual(Buffer.from(mac), Buffer.from(expected))
    )
      throw new SsoRefused(
        'This sign-in was not started here or has expired. Start again from the sign-in page.',
      );
    const pending = JSON.parse(Buffer.from(body, 'base64url').toString('utf8')) as PendingSignIn;
    if (pending.expiresAt < this.clock().getTime())
      throw new SsoRefused('This sign-in took too long and has expired. Start again from the sign-in page.');
    return pending;
  }

  private mac(body: string): string {
    return createHmac('sha256', this.stateKey).update(`sso:${body}`).digest('base64url');
  }
}
