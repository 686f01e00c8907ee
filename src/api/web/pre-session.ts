import { randomBytes } from 'node:crypto';
import type { Request, Response } from 'express';
import { cookieName, fromOwnSite, PRE_SESSION_COOKIE, readCookie, sameSecret, setCookie } from './session';

/**
 * Login CSRF protection for the forms used before anyone is signed in (sign-in, forgotten
 * password, set password): without it, another site could sign a visitor in to an account the
 * attacker controls. Showing such a form sets a random value in a short-lived SameSite=Strict
 * cookie and puts the same value in a hidden field; the POST must carry both, equal, and come from
 * this site (Origin, or Referer).
 */

const LIFETIME_SECONDS = 30 * 60;
export const PRE_SESSION_FIELD = '_signin';
const FORMAT = /^[A-Za-z0-9_-]{43}$/;

/** The pre-session value for a form about to be shown: the browser's own if it has one, else a new one. */
export function preSessionFor(req: Request, res: Response, publicBaseUrl: string): string {
  const held = readCookie(req, cookieName(PRE_SESSION_COOKIE, publicBaseUrl));
  const value = held && FORMAT.test(held) ? held : randomBytes(32).toString('base64url');
  res.append(
    'set-cookie',
    setCookie(PRE_SESSION_COOKIE, value, {
      publicBaseUrl,
      maxAgeSeconds: LIFETIME_SECONDS,
      sameSite: 'Strict',
    }),
  );
  return value;
}

/** The value the browser holds, without setting anything (for a form shown again after a 400). */
export function heldPreSession(req: Request, publicBaseUrl: string): string {
  const held = readCookie(req, cookieName(PRE_SESSION_COOKIE, publicBaseUrl));
  return held && FORMAT.test(held) ? held : '';
}

/** Whether the POST came from this site's own form: same origin, and the cookie and field agree. */
export function preSessionAccepted(req: Request, publicBaseUrl: string): boolean {
  if (!fromOwnSite(req, publicBaseUrl)) return false;
  const held = readCookie(req, cookieName(PRE_SESSION_COOKIE, publicBaseUrl));
  const sent = (req.body as Record<string, unknown> | undefined)?.[PRE_SESSION_FIELD];
  return Boolean(held && FORMAT.test(held) && typeof sent === 'string' && sameSecret(sent, held));
}

/** Once signed in the value has done its job. */
export const clearedPreSession = (publicBaseUrl: string): string =>
  setCookie(PRE_SESSION_COOKIE, '', { publicBaseUrl, maxAgeSeconds: 0, sameSite: 'Strict' });
