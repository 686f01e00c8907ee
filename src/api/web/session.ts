import type { Request, RequestHandler } from 'express';
import type { Pool } from 'pg';
import { authenticate } from '../../domain/auth';
import { UnauthenticatedError } from '../../core/errors';
import { actorFor } from '../middleware/auth';

/**
 * Staff sign in to the web pages with their API token; it travels in an HttpOnly cookie.
 * SameSite=Lax: a link from an email (a top-level GET) arrives signed in, while another site
 * can never make the browser POST with it.
 */
export const SESSION_COOKIE = 'caseloop_session';

export function readCookie(req: Request, name: string): string | undefined {
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const [key, ...rest] = part.trim().split('=');
    if (key !== name) continue;
    // A cookie this site never set (bad escapes, NUL) reads as no session: the visitor signs in.
    try {
      const value = decodeURIComponent(rest.join('='));
      return value.includes('\u0000') ? undefined : value;
    } catch {
      return undefined;
    }
  }
  return undefined;
}

export function sessionCookie(token: string, secure: boolean): string {
  return `${SESSION_COOKIE}=${encodeURIComponent(token)}; Path=/; HttpOnly; SameSite=Lax; Max-Age=43200${secure ? '; Secure' : ''}`;
}

export const clearedSessionCookie = `${SESSION_COOKIE}=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0`;

/** Only paths on this site: an open redirect would make the sign-in page a phishing tool. */
export function safeNext(next: unknown): string {
  return typeof next === 'string' && next.startsWith('/') && !next.startsWith('//') && !next.includes('\\')
    ? next
    : '/escalations';
}

/** Resolves the signed-in staff member, or sends the browser to sign in and come back. */
export function requireSignedIn(pool: Pool): RequestHandler {
  return (req, res, next) => {
    authenticate(pool, readCookie(req, SESSION_COOKIE))
      .then((staff) => {
        res.locals.actor = actorFor(staff, req, res);
        next();
      })
      .catch((err: unknown) => {
        if (!(err instanceof UnauthenticatedError)) return next(err);
        res.redirect(303, `/sign-in?next=${encodeURIComponent(req.originalUrl)}`);
      });
  };
}
