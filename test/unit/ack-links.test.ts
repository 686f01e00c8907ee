import fc from 'fast-check';
import { AckLinkError, signAckLink, verifyAckLink } from '../../src/domain/ack-links';

const KEY = 'k'.repeat(32);
const claims = { escalationId: 'esc-1', staffId: 'staff-1', expiresAt: Date.parse('2027-01-15T00:00:00Z') };
const problemOf = (fn: () => unknown): string | undefined => {
  try {
    fn();
    return undefined;
  } catch (err) {
    return err instanceof AckLinkError ? err.problem : 'other';
  }
};

describe('acknowledgement links', () => {
  it('when a link is verified before it expires, then it names the escalation and the recipient', () => {
    const token = signAckLink(claims, KEY);
    expect(verifyAckLink(token, KEY, Date.parse('2027-01-14T23:59:59Z'))).toEqual(claims);
  });

  it('when a link is used after its expiry, then it is refused as expired', () => {
    const token = signAckLink(claims, KEY);
    expect(problemOf(() => verifyAckLink(token, KEY, claims.expiresAt + 1))).toBe('expired');
  });

  it('when the payload is changed to another escalation, then the signature no longer matches', () => {
    const [, signature] = signAckLink(claims, KEY).split('.');
    const forged = Buffer.from(JSON.stringify({ e: 'esc-2', s: 'staff-1', x: claims.expiresAt })).toString(
      'base64url',
    );
    expect(problemOf(() => verifyAckLink(`${forged}.${signature}`, KEY, 0))).toBe('tampered');
  });

  it('when a link was signed with another key, then it is refused as tampered', () => {
    expect(problemOf(() => verifyAckLink(signAckLink(claims, 'x'.repeat(32)), KEY, 0))).toBe('tampered');
  });

  it('when a link is cut short, then it is refused as malformed', () => {
    const token = signAckLink(claims, KEY);
    expect(problemOf(() => verifyAckLink(token.split('.')[0]!, KEY, 0))).toBe('malformed');
    expect(problemOf(() => verifyAckLink('', KEY, 0))).toBe('malformed');
  });

  it('for any single character changed anywhere in a link, the link is refused', () => {
    const token = signAckLink(claims, KEY);
    fc.assert(
      fc.property(fc.nat(token.length - 1), fc.constantFrom(...'AZaz09-_.'), (at, ch) => {
        fc.pre(token[at] !== ch);
        const altered = token.slice(0, at) + ch + token.slice(at + 1);
        expect(problemOf(() => verifyAckLink(altered, KEY, 0))).toMatch(/tampered|malformed/);
      }),
    );
  });
});
