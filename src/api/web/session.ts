import { createHmac, timingSafeEqual } from 'node:crypto';
import type { Request, RequestHandler } from 'express';
import type { Pool } from 'pg';
import { authenticate } from '../../domain/auth';
import type { Role } from '../../domain/actor';
import { ForbiddenError, UnauthenticatedError } from '../../core/errors';
import { actorFor } from '../middleware/auth';

/**
 * Who is looking at a page: the staff member, the zone their times are shown in, and the CSRF
 * token every state-changing form of theirs carries. `requireSignedIn` puts it in
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
    : '/work';
}

export interface SessionDeps {
  pool: Pool;
  linkSigningKey: string;
}

function csrfTokenFor(deps: SessionDeps, session: string): string {
  return createHmac('sha256', deps.linkSigningKey).update(`csrf:${session}`).digest('base64url');
}

/** Resolves the signed-in staff member, or sends the browser to sign in and come back. */
export function requireSignedIn(deps: SessionDeps): RequestHandler {
  return (req, res, next) => {
    const session = readCookie(req, SESSION_COOKIE);
    authenticate(deps.pool, session)
      .then(async (staff) => {
        const row = (
          await deps.pool.query<{ full_name: string; time_zone: string }>(
            'SELECT full_name, time_zone FROM staff WHERE id = $1',
            [staff.id],
          )
        ).rows[0]!;
        res.locals.actor = actorFor(staff, req, res);
        const viewer: Viewer = {
          id: staff.id,
          email: staff.email,
          role: staff.role,
          fullName: row.full_name,
          timeZone: row.time_zone,
          csrfToken: csrfTokenFor(deps, session!),
        };
        res.locals.viewer = viewer;
        next();
      })
      .catch((err: unknown) => {
        if (!(err instanceof UnauthenticatedError)) return next(err);
        // A form posted after the session ended changes nothing: sign in again and redo it.
        res.redirect(
          303,
          `/sign-in?next=${encodeURIComponent(req.method === 'GET' ? req.originalUrl : '/work')}`,
        );
      });
  };
}

/** This site's origins: the configured public one and the one the request was addressed to. */
function ownOrigins(req: Request, publicBaseUrl: string): string[] {
  return [new URL(publicBaseUrl).origin, `${req.protocol}://${req.get('host') ?? ''}`];
}

export class CsrfRefused extends ForbiddenError {}

/**
 * For every state-changing form: the Origin (or, failing it, the Referer) must be this site and
 * the body's `_csrf` must match the viewer's token. Runs after the body is parsed and after
 * `requireSignedIn`.
 */
export function requireCsrf(publicBaseUrl: string): RequestHandler {
  return (req, res, next) => {
    const viewer = res.locals.viewer as Viewer | undefined;
    const origins = ownOrigins(req, publicBaseUrl);
    const source = req.get('origin') ?? refererOrigin(req.get('referer'));
    if (!source || !origins.includes(source))
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
