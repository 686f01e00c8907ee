import type { Router } from 'express';
import { signInVouched } from '../../domain/sign-in';
import { type SingleSignOn, SsoRefused } from '../../domain/single-sign-on';
import type { Logger } from '../../shared/logger';
import { renderPage } from './layout';
import { sendPage, type PageMiddleware } from './respond';
import {
  clearCookie,
  cookieName,
  readCookie,
  safeNext,
  sessionCookie,
  sessionIdOf,
  setCookie,
  type SessionDeps,
} from './session';
import { html } from './template';

/** Holds state, nonce and PKCE verifier between the redirect to the provider and its answer. */
const SSO_COOKIE = 'caseloop_sso';

export interface SsoPageDeps extends SessionDeps {
  sso?: SingleSignOn | undefined;
  logger: Logger;
}

/**
 * `/sign-in/sso` sends the browser to the agency's OpenID provider; `/sign-in/sso/callback` takes
 * its answer and starts an ordinary Caseloop session for the staff member with that verified email.
 * Only registered when single sign-on is configured.
 */
export function registerSsoPages(web: Router, deps: SsoPageDeps, _mw: PageMiddleware): void {
  const sso = deps.sso;
  if (!sso) return;

  web.get('/sign-in/sso', async (req, res) => {
    try {
      const started = await sso.begin(safeNext(req.query.next));
      // Lax, not Strict: the provider's redirect back is a cross-site top-level navigation.
      res
        .append(
          'set-cookie',
          setCookie(SSO_COOKIE, started.pending, {
            publicBaseUrl: deps.publicBaseUrl,
            maxAgeSeconds: 600,
            sameSite: 'Lax',
          }),
        )
        .redirect(303, started.url);
    } catch (err) {
      deps.logger.error({ err }, 'single sign-on: the provider could not be reached');
      sendPage(
        res,
        503,
        refusedPage(
          'Single sign-on is not reachable right now. Sign in with your password, or try again shortly.',
        ),
      );
    }
  });

  web.get('/sign-in/sso/callback', async (req, res) => {
    const callback = new URL(req.originalUrl, deps.publicBaseUrl);
    const pending = readCookie(req, cookieName(SSO_COOKIE, deps.publicBaseUrl));
    try {
      const { staffId, next } = await sso.finish(deps.pool, callback, pending);
      const session = await signInVouched(deps, {
        staffId,
        sourceIp: req.ip ?? 'unknown',
        replacing: sessionIdOf(req, deps),
      });
      res
        .append('set-cookie', sessionCookie(session.id, deps))
        .append('set-cookie', clearCookie(SSO_COOKIE, deps.publicBaseUrl))
        .redirect(303, next);
    } catch (err) {
      if (!(err instanceof SsoRefused)) throw err;
      res.append('set-cookie', clearCookie(SSO_COOKIE, deps.publicBaseUrl));
      sendPage(res, 401, refusedPage(err.message));
    }
  });
}

function refusedPage(problem: string): string {
  return renderPage({
    title: 'Single sign-on did not sign you in',
    problem,
    body: html`<p><a href="/sign-in">Back to sign in</a></p>`,
  });
}
