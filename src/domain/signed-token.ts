import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * The signed tokens in email links: a base64url JSON payload and an HMAC-SHA256 over it, bound to
 * the link's purpose so a token of one kind never opens a page of another. Used by the escalation
 * acknowledgement links and the provider answer links.
 */

export type TokenProblem = 'malformed' | 'tampered';

const mac = (purpose: string, payload: string, key: string): Buffer =>
  createHmac('sha256', key).update(`${purpose}.${payload}`).digest();

export function signToken(purpose: string, claims: Record<string, string | number>, key: string): string {
  const payload = Buffer.from(JSON.stringify(claims)).toString('base64url');
  return `${payload}.${mac(purpose, payload, key).toString('base64url')}`;
}

/** The claims of a token this key signed for this purpose, or what is wrong with it. */
export function openToken(
  purpose: string,
  token: string,
  key: string,
): { claims: Record<string, unknown> } | { problem: TokenProblem } {
  const [payload, signature, extra] = token.split('.');
  if (!payload || !signature || extra !== undefined) return { problem: 'malformed' };
  // Compared as text: base64url has spare bits, so two spellings can decode to the same bytes.
  const given = Buffer.from(signature);
  const expected = Buffer.from(mac(purpose, payload, key).toString('base64url'));
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return { problem: 'tampered' };
  try {
    const claims: unknown = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
    if (typeof claims !== 'object' || claims === null) return { problem: 'malformed' };
    return { claims: claims as Record<string, unknown> };
  } catch {
    return { problem: 'malformed' };
  }
}
