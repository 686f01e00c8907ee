import http, { type IncomingHttpHeaders } from 'node:http';
import https from 'node:https';
import express, { type Router } from 'express';
import type { Pool } from 'pg';
import { authenticate } from '../../domain/auth';
import { ForbiddenError, UnauthenticatedError, UnavailableError } from '../../domain/errors';
import type { Logger } from '../../shared/logger';
import { readCookie, SESSION_COOKIE } from './session';
import { renderSummaryFrame } from './summary-render';

/** Where the Temporal UI lives under Caseloop; the UI must be started with this public path. */
export const TEMPORAL_UI_PATH = '/temporal';

/**
 * The Temporal Web UI behind Caseloop's own sign-in: admins only. Served from Caseloop's origin,
 * the UI's calls to the codec endpoint are same-origin, so the admin's session decodes payloads
 * without cross-origin credentials; and the UI itself, which has no login of its own, is no longer
 * open to anyone who can reach its port.
 */
export function temporalUiProxy(deps: { pool: Pool; upstream: string; logger: Logger }): Router {
  const upstream = new URL(deps.upstream);
  const send = upstream.protocol === 'https:' ? https.request : http.request;
  const router = express.Router();

  router.use(TEMPORAL_UI_PATH, (req, res, next) => {
    authenticate(deps.pool, readCookie(req, SESSION_COOKIE))
      .then((staff) => {
        if (staff.role !== 'admin') throw new ForbiddenError('Only admins may open the Temporal UI.');
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
      })
      .catch((err: unknown) => {
        if (err instanceof UnauthenticatedError && req.method === 'GET')
          return res.redirect(303, `/sign-in?next=${encodeURIComponent(req.originalUrl)}`);
        next(err);
      });
  });
  return router;
}

/** The browser's headers minus Caseloop's own credentials: the UI never sees an API token. */
function forwardedHeaders(headers: IncomingHttpHeaders, host: string): IncomingHttpHeaders {
  const out: IncomingHttpHeaders = { ...headers, host };
  delete out.authorization;
  const cookies = (headers.cookie ?? '')
    .split(';')
    .map((c) => c.trim())
    .filter((c) => c && !c.startsWith(`${SESSION_COOKIE}=`));
  if (cookies.length) out.cookie = cookies.join('; ');
  else delete out.cookie;
  return out;
}
