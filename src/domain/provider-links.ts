import { openToken, signToken } from './signed-token';

/**
 * Signed, expiring links in the emails to a provider about a referral. The token names the referral
 * and the provider it went to; the HMAC proves Caseloop issued it. Providers have no account: the
 * link is their only key, and the page it opens acts only when they press a button on it (mail
 * scanners open links).
 */

export interface ProviderLinkClaims {
  referralId: string;
  providerId: string;
  /** Epoch milliseconds after which the link no longer works. */
  expiresAt: number;
}

/** How long a provider answer link stays valid after its email was due to go (the brief: 21 days). */
export const PROVIDER_LINK_LIFETIME_MS = 21 * 86_400_000;

const PURPOSE = 'provider-link.v1';

export type ProviderLinkProblem = 'malformed' | 'tampered' | 'expired';

export class ProviderLinkError extends Error {
  constructor(readonly problem: ProviderLinkProblem) {
    super(
      {
        malformed: 'This referral link is incomplete. Open it again from the email, whole.',
        tampered: 'This referral link has been altered, so it was not accepted.',
        expired:
          'This referral link has expired. Reply to the email to answer the case manager directly; they can send a new link.',
      }[problem],
    );
    this.name = 'ProviderLinkError';
  }
}

export function signProviderLink(claims: ProviderLinkClaims, key: string): string {
  return signToken(PURPOSE, { r: claims.referralId, p: claims.providerId, x: claims.expiresAt }, key);
}

export function verifyProviderLink(token: string, key: string, now: number): ProviderLinkClaims {
  const opened = openToken(PURPOSE, token, key);
  if ('problem' in opened) throw new ProviderLinkError(opened.problem);
  const { r, p, x } = opened.claims;
  if (typeof r !== 'string' || typeof p !== 'string' || typeof x !== 'number')
    throw new ProviderLinkError('malformed');
  if (now > x) throw new ProviderLinkError('expired');
  return { referralId: r, providerId: p, expiresAt: x };
}

/** The link for a referral email due at `sentAt`: a retried email renders the very same link. */
export function providerLinkUrl(
  publicBaseUrl: string,
  key: string,
  referral: { referralId: string; providerId: string },
  sentAt: Date,
): { url: string; expiresAt: Date } {
  const expiresAt = new Date(sentAt.getTime() + PROVIDER_LINK_LIFETIME_MS);
  const token = signProviderLink({ ...referral, expiresAt: expiresAt.getTime() }, key);
  return { url: `${publicBaseUrl}/referral-answer/${token}`, expiresAt };
}
