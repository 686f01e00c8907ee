import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * Signed, expiring acknowledgement links for escalation emails. The token names one escalation and
 * the one staff member it was sent to; the HMAC proves Caseloop issued it. It authorises nothing on
 * its own: the page it opens asks the signed-in recipient to confirm (mail scanners follow links).
 */

export interface AckLinkClaims {
  escalationId: string;
  staffId: string;
  /** Epoch milliseconds after which the link no longer works. */
  expiresAt: number;
}

/** How long an acknowledgement link stays valid after the escalation is sent. */
export const ACK_LINK_LIFETIME_MS = 14 * 86_400_000;

export type AckLinkProblem = 'malformed' | 'tampered' | 'expired';

export class AckLinkError extends Error {
  constructor(readonly problem: AckLinkProblem) {
    super(
      {
        malformed: 'This acknowledgement link is incomplete. Open it again from the email, whole.',
        tampered: 'This acknowledgement link has been altered, so it was not accepted.',
        expired: 'This acknowledgement link has expired. Acknowledge the escalation from "Escalations".',
      }[problem],
    );
    this.name = 'AckLinkError';
  }
}

const mac = (payload: string, key: string): Buffer =>
  createHmac('sha256', key).update(`ack-link.v1.${payload}`).digest();

export function signAckLink(claims: AckLinkClaims, key: string): string {
  const payload = Buffer.from(
    JSON.stringify({ e: claims.escalationId, s: claims.staffId, x: claims.expiresAt }),
  ).toString('base64url');
  return `${payload}.${mac(payload, key).toString('base64url')}`;
}

export function verifyAckLink(token: string, key: string, now: number): AckLinkClaims {
  const [payload, signature, extra] = token.split('.');
  if (!payload || !signature || extra !== undefined) throw new AckLinkError('malformed');
  // Compared as text: base64url has spare bits, so two spellings can decode to the same bytes.
  const given = Buffer.from(signature);
  const expected = Buffer.from(mac(payload, key).toString('base64url'));
  if (given.length !== expected.length || !timingSafeEqual(given, expected))
    throw new AckLinkError('tampered');
  let claims: { e?: unknown; s?: unknown; x?: unknown };
  try {
    claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as typeof claims;
  } catch {
    throw new AckLinkError('malformed');
  }
  if (typeof claims.e !== 'string' || typeof claims.s !== 'string' || typeof claims.x !== 'number')
    throw new AckLinkError('malformed');
  if (now > claims.x) throw new AckLinkError('expired');
  return { escalationId: claims.e, staffId: claims.s, expiresAt: claims.x };
}
