import { timingSafeEqual } from 'node:crypto';
import type { Request, RequestHandler } from 'express';
import type { Pool } from 'pg';
import type { Role } from '../../domain/actor';
import { resumeSession, type OpenSession, type SessionPolicy } from '../../domain/web-sessions';
import { ForbiddenError } from '../../core/errors';
import { actorFor } from '../middleware/auth';

/**
 * Who is looking at a page: the staff member, the zone their times are shown in, and the CSRF
 * token every state-changing form of theirs carries (their session's secret). `requireSignedIn` puts it in
 * `res.locals.viewer` (and the acting staff member in `res.locals.actor`).
 */
export interface Viewer {
  id: string;
  email: string;
  fullName: string;
  role: Role;
  timeZone: string;
  csrfToken: string;
}

/** Cookie names: on https the `__Host-` prefix binds them to this exact origin (Secure, Path=/, no Domain). */
export const SESSION_COOKIE = 'caseloop_session';
export const PRE_SESSION_COOKIE = 'caseloop_signin';

export const isHttps = (publicBaseUrl: string): boolean => publicBaseUrl.startsWith('https://');
export const cookieName = (base: string, publicBaseUrl: string): string =>
  isHttps(publicBaseUrl) ? `__Host-${base}` : base;

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

/** A Set-Cookie value: HttpOnly always; Secure (and the `__Host-` name) when the site is https. */
export function setCookie(
  base: string,
  value: string,
  opts: { publicBaseUrl: string; maxAgeSeconds: number; sameSite: 'Lax' | 'Strict' },
): string {
  const secure = isHttps(opts.publicBaseUrl);
  return `${cookieName(base, opts.publicBaseUrl)}=${encodeURIComponent(value)}; Path=/; HttpOnly; SameSite=${opts.sameSite}; Max-Age=${opts.maxAgeSeconds}${secure ? '; Secure' : ''}`;
}

export const clearCookie = (
  base: string,
  publicBaseUrl: string,
  sameSite: 'Lax' | 'Strict' = 'Lax',
): string => setCookie(base, '', { publicBaseUrl, maxAgeSeconds: 0, sameSite });

/** The session cookie for a new session: it lives no longer than the session can. */
export function sessionCookie(id: string, deps: SessionDeps): string {
  return setCookie(SESSION_COOKIE, id, {
    publicBaseUrl: deps.publicBaseUrl,
    maxAgeSeconds: Math.floor(deps.sessions.absoluteLifetimeMs / 1000),
    sameSite: 'Lax',
  });
}

/** Only paths on this site: an open redirect would make the sign-in page a phishing tool. */
export function safeNext(next: unknown): string {
  return typeof next === 'string' && next.startsWith('/') && !next.startsWith('//') && !next.includes('\\')
    ? next
    : '/work';
}

export interface SessionDeps {
  pool: Pool;
  publicBaseUrl: string;
  sessions: SessionPolicy;
  clock?: (() => Date) | undefined;
}

export const nowFor = (deps: { clock?: (() => Date) | undefined }): Date => deps.clock?.() ?? new Date();

/** The session id the browser sent, if any. */
export const sessionIdOf = (req: Request, deps: Pick<SessionDeps, 'publicBaseUrl'>): string | undefined =>
  readCookie(req, cookieName(SESSION_COOKIE, deps.publicBaseUrl));

/** The open session behind the request's cookie (moving its last-seen time on), or undefined. */
export function sessionOf(req: Request, deps: SessionDeps): Promise<OpenSession | undefined> {
  return resumeSession(deps.pool, sessionIdOf(req, deps), nowFor(deps), deps.sessions);
}

/**
 * Resolves the signed-in staff member from their session, or sends the browser to sign in and come
 * back. API tokens do not sign anyone in to the pages.
 */
export function requireSignedIn(deps: SessionDeps): RequestHandler {
  const checkSession: RequestHandler = (req, res, next) => {
    sessionOf(req, deps)
      .then((session) => {
        if (!session) {
          if (sessionIdOf(req, deps) !== undefined)
            res.append('set-cookie', clearCookie(SESSION_COOKIE, deps.publicBaseUrl));
          if (req.method === 'GET' || req.method === 'HEAD')
            return res.redirect(303, `/sign-in?next=${encodeURIComponent(req.originalUrl)}`);
          // A form posted after the session ended changes nothing. The sign-in page says so, and
          // afterwards leads back to the form's page (when it was this site's).
          return res.redirect(
            303,
            `/sign-in?next=${encodeURIComponent(formPageOf(req, deps.publicBaseUrl))}&notice=session-ended`,
          );
        }
        res.locals.actor = actorFor(
          { id: session.staffId, role: session.role, email: session.email },
          req,
          res,
        );
        const viewer: Viewer = {
          id: session.staffId,
          email: session.email,
          role: session.role,
          fullName: session.fullName,
          timeZone: session.timeZone,
          csrfToken: session.csrfSecret,
        };
        res.locals.viewer = viewer;
        next();
      })
      .catch(next);
  };
  return checkSession;
}

/** This site's origins: the configured public one and the one the request was addressed to. */
export function ownOrigins(req: Request, publicBaseUrl: string): string[] {
  return [new URL(publicBaseUrl).origin, `${req.protocol}://${req.get('host') ?? ''}`];
}

export class CsrfRefused extends ForbiddenError {}

/**
 * For every state-changing form: the Origin (or, failing it, the Referer) must be this site and
 * the body's `_csrf` must match the viewer's token. Runs after the body is parsed and after
 * `requireSignedIn`.
 */
export function requireCsrf(publicBaseUrl: string): RequestHandler {
  // Named, so a test can see it in every state-changing route's middleware.
  const checkCsrf: RequestHandler = (req, res, next) => {
    const viewer = res.locals.viewer as Viewer | undefined;
    if (!fromOwnSite(req, publicBaseUrl))
      return next(new CsrfRefused('This form was sent from another site, so nothing was changed.'));
    const sent = (req.body as Record<string, unknown> | undefined)?._csrf;
    if (!viewer || typeof sent !== 'string' || !sameSecret(sent, viewer.csrfToken))
      return next(
        new CsrfRefused(
          'This form had expired or was incomplete, so nothing was changed. Open the page again and resend it.',
        ),
      );
    next();
  };
  return checkCsrf;
}

/** The Origin (or, failing it, the Referer) names this site. */
export function fromOwnSite(req: Request, publicBaseUrl: string): boolean {
  const source = req.get('origin') ?? refererOrigin(req.get('referer'));
  return source !== undefined && ownOrigins(req, publicBaseUrl).includes(source);
}

/** The path of this site's page a form was sent from (its Referer), else My work. */
function formPageOf(req: Request, publicBaseUrl: string): string {
  const referer = req.get('referer');
  const origin = refererOrigin(referer);
  if (!origin || !ownOrigins(req, publicBaseUrl).includes(origin)) return '/work';
  const url = new URL(referer!);
  return safeNext(`${url.pathname}${url.search}`);
}

function refererOrigin(referer: string | undefined): string | undefined {
  if (!referer) return undefined;
  try {
    return new URL(referer).origin;
  } catch {
    return undefined;
  }
}

export function sameSecret(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}
