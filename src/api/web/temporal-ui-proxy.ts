import http, { type IncomingHttpHeaders } from 'node:http';
import https from 'node:https';
import express, { type Router } from 'express';
import type { Actor } from '../../domain/actor';
import { ForbiddenError, UnavailableError } from '../../core/errors';
import type { Logger } from '../../shared/logger';
import { PRE_SESSION_COOKIE, requireSignedIn, SESSION_COOKIE, type SessionDeps } from './session';
import { renderSummaryFrame } from './summary-render';

/** Where the Temporal UI lives under Caseloop; the UI must be started with this public path. */
export const TEMPORAL_UI_PATH = '/temporal';

/**
 * The Temporal Web UI behind Caseloop's own sign-in: admins only. Served from Caseloop's origin,
 * the UI's calls to the codec endpoint are same-origin, so the admin's session decodes payloads
 * without cross-origin credentials; and the UI itself, which has no login of its own, is no longer
 * open to anyone who can reach its port.
 */
export function temporalUiProxy(deps: SessionDeps & { upstream: string; logger: Logger }): Router {
  const upstream = new URL(deps.upstream);
  const send = upstream.protocol === 'https:' ? https.request : http.request;
  const router = express.Router();

  // Signed in (else off to the sign-in page and back), then admins only.
  router.use(TEMPORAL_UI_PATH, requireSignedIn(deps), (req, res, next) => {
    if ((res.locals.actor as Actor).role !== 'admin')
      return next(new ForbiddenError('Only admins may open the Temporal UI.'));
    if (req.method === 'GET' && req.path === '/render') return renderSummaryFrame(req, res, next);
    const upstreamReq = send(
      {
        protocol: upstream.protocol,
        hostname: upstream.hostname,
        port: upstream.port,
        method: req.method,
        path: req.originalUrl,
        headers: forwardedHeaders(req.headers, upstream.host),
      },
      (upstreamRes) => {
        res.writeHead(upstreamRes.statusCode ?? 502, upstreamRes.headers);
        upstreamRes.pipe(res);
      },
    );
    upstreamReq.on('error', (err) => {
      deps.logger.warn({ err: err.message }, 'temporal ui unreachable');
      if (res.headersSent) return res.destroy();
      next(new UnavailableError('The Temporal UI is not reachable right now.'));
    });
    req.pipe(upstreamReq);
  });
  return router;
}

/** Caseloop's own cookies, with or without the `__Host-` prefix: never passed on. */
const OWN_COOKIES = [SESSION_COOKIE, PRE_SESSION_COOKIE].flatMap((name) => [name, `__Host-${name}`]);

/**
 * The browser's headers minus Caseloop's own credentials: the UI never sees an API token or a
 * session id (a UI that logged or leaked them would hand out an admin's session).
 */
function forwardedHeaders(headers: IncomingHttpHeaders, host: string): IncomingHttpHeaders {
  const out: IncomingHttpHeaders = { ...headers, host };
  delete out.authorization;
  const cookies = (headers.cookie ?? '')
    .split(';')
    .map((c) => c.trim())
    .filter((c) => c && !OWN_COOKIES.includes(c.split('=')[0]!.trim()));
  if (cookies.length) out.cookie = cookies.join('; ');
  else delete out.cookie;
  return out;
}
