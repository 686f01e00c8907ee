import { openToken, signToken } from './signed-token';

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

/** Signed as before the shared token code, so links already sent still open. */
const PURPOSE = 'ack-link.v1';

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

export function signAckLink(claims: AckLinkClaims, key: string): string {
  return signToken(PURPOSE, { e: claims.escalationId, s: claims.staffId, x: claims.expiresAt }, key);
}

export function verifyAckLink(token: string, key: string, now: number): AckLinkClaims {
  const opened = openToken(PURPOSE, token, key);
  if ('problem' in opened) throw new AckLinkError(opened.problem);
  const claims = opened.claims;
  if (typeof claims.e !== 'string' || typeof claims.s !== 'string' || typeof claims.x !== 'number')
    throw new AckLinkError('malformed');
  if (now > claims.x) throw new AckLinkError('expired');
  return { escalationId: claims.e, staffId: claims.s, expiresAt: claims.x };
}
