import express, {
  type ErrorRequestHandler,
  type NextFunction,
  type Request,
  type Response,
  type Router,
} from 'express';
import type { Pool } from 'pg';
import { AckLinkError, verifyAckLink } from '../../domain/ack-links';
import type { Actor } from '../../domain/actor';
import { authenticate } from '../../domain/auth';
import { getCase, type CaseDeps } from '../../domain/cases';
import { AppError, ForbiddenError, NotFoundError, UnauthenticatedError } from '../../core/errors';
import { problemFromDatabase } from '../pg-errors';
import {
  acknowledgeEscalation,
  getEscalation,
  myEscalations,
  type Escalation,
} from '../../domain/escalations';
import { obligationLabel } from '../../core/obligation-catalogue';
import type { Logger } from '../../shared/logger';
import { esc, humanStatus, page, when } from './html';
import { clearedSessionCookie, requireSignedIn, safeNext, sessionCookie } from './session';

export interface WebDeps extends CaseDeps {
  pool: Pool;
  linkSigningKey: string;
  publicBaseUrl: string;
  logger: Logger;
}

const actorOf = (res: Response): Actor => res.locals.actor as Actor;
const html = (res: Response, status: number, body: string): void => {
  res.status(status).type('html').set('cache-control', 'no-store').send(body);
};

/**
 * The staff web pages behind email links: sign-in, my escalations, a case summary, and the
 * acknowledgement confirmation. Thin like the JSON API: parse, call the domain, render.
 */
export function webRoutes(deps: WebDeps): Router {
  const web = express.Router();
  const signedIn = requireSignedIn(deps.pool);
  const form = express.urlencoded({ extended: false, limit: '10kb' });
  const secureCookie = deps.publicBaseUrl.startsWith('https://');

  web.get('/sign-in', (req, res) => {
    html(res, 200, signInPage(safeNext(req.query.next)));
  });
  web.post('/sign-in', form, (req: Request<unknown, unknown, Record<string, unknown>>, res, next) => {
    const repeated = Object.keys(req.body ?? {}).filter((k) => typeof req.body[k] !== 'string');
    if (repeated.length) {
      return html(
        res,
        400,
        signInPage(
          safeNext(undefined),
          `The form sent ${repeated.join(' and ')} more than once. Sign in again.`,
        ),
      );
    }
    const token = (req.body.token as string | undefined)?.trim();
    const nextPath = safeNext(req.body.next);
    authenticate(deps.pool, token)
      .then(() => {
        res.set('set-cookie', sessionCookie(token!, secureCookie)).redirect(303, nextPath);
      })
      .catch((err: unknown) => {
        if (err instanceof UnauthenticatedError)
          return html(res, 401, signInPage(nextPath, 'That token was not accepted. Check it and try again.'));
        next(err);
      });
  });
  web.post('/sign-out', (_req, res) => {
    res.set('set-cookie', clearedSessionCookie).redirect(303, '/sign-in');
  });

  web.get('/', (_req, res) => res.redirect(303, '/escalations'));

  web.get('/escalations', signedIn, async (req, res) => {
    const actor = actorOf(res);
    const open = await myEscalations(deps.pool, actor, false);
    const notice = req.query.acknowledged
      ? '<p class="notice" role="status">Escalation acknowledged.</p>'
      : '';
    html(res, 200, page('My escalations', notice + escalationTable(open), actor));
  });
  // Ids in page paths are UUIDs; anything else names no record.
  web.param('id', requireUuidParam);
  web.param('caseId', requireUuidParam);

  web.post('/escalations/:id/acknowledge', signedIn, async (req, res) => {
    await acknowledgeEscalation(deps, actorOf(res), String(req.params.id));
    res.redirect(303, '/escalations?acknowledged=1');
  });

  web.get('/cases/:caseId', signedIn, async (req, res) => {
    const actor = actorOf(res);
    const view = await getCase(deps, actor, String(req.params.caseId));
    const notice = req.query.acknowledged
      ? '<p class="notice" role="status">Escalation acknowledged.</p>'
      : '';
    html(res, 200, page(`Case ${view.reference}`, notice + caseSummary(view), actor));
  });

  // The link in an escalation email. GET only shows; the button on the page acknowledges, so a mail
  // scanner that opens the link changes nothing.
  web.get('/ack/:token', signedIn, async (req, res) => {
    const actor = actorOf(res);
    const escalation = await escalationForLink(deps, actor, String(req.params.token));
    html(res, 200, page('Acknowledge escalation', confirmation(escalation, String(req.params.token)), actor));
  });
  web.post('/ack/:token', signedIn, async (req, res) => {
    const actor = actorOf(res);
    const escalation = await escalationForLink(deps, actor, String(req.params.token));
    if (!escalation.acknowledgedAt && !escalation.resolvedAt)
      await acknowledgeEscalation(deps, actor, escalation.id);
    res.redirect(303, `/cases/${escalation.caseId}?acknowledged=1`);
  });

  web.use(webErrors(deps.logger));
  return web;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function requireUuidParam(_req: Request, _res: Response, next: NextFunction, value: unknown): void {
  next(typeof value === 'string' && UUID.test(value) ? undefined : new NotFoundError('No such page.'));
}

async function escalationForLink(deps: WebDeps, actor: Actor, token: string): Promise<Escalation> {
  const claims = verifyAckLink(token, deps.linkSigningKey, (deps.clock?.() ?? new Date()).getTime());
  if (claims.staffId !== actor.id)
    throw new ForbiddenError(
      'This acknowledgement link was sent to someone else. Sign out and sign in as its recipient, or use "My escalations".',
    );
  return getEscalation(deps.pool, actor, claims.escalationId);
}

function signInPage(next: string, problem?: string): string {
  return page(
    'Sign in',
    `${problem ? `<p class="problem" role="alert">${esc(problem)}</p>` : ''}
<form method="post" action="/sign-in">
<input type="hidden" name="next" value="${esc(next)}">
<p><label for="token">Your Caseloop access token</label><br>
<input id="token" name="token" type="password" autocomplete="current-password" required size="44"></p>
<p><button type="submit">Sign in</button></p>
</form>`,
  );
}

function escalationTable(items: Escalation[]): string {
  if (items.length === 0) return '<p>No open escalations.</p>';
  const rows = items
    .map(
      (e) => `<tr><td><a href="/cases/${esc(e.caseId)}">${esc(e.caseReference)}</a></td>
<td>${esc(obligationLabel(e.obligationKind))}</td><td>${e.level === 1 ? 'Supervisor' : 'Program manager'}</td><td>${when(e.raisedAt)}</td>
<td><form class="inline" method="post" action="/escalations/${esc(e.id)}/acknowledge"><button type="submit">Acknowledge</button></form></td></tr>`,
    )
    .join('\n');
  return `<table><caption>Open escalations sent to you</caption>
<thead><tr><th scope="col">Case</th><th scope="col">Overdue</th><th scope="col">Level</th><th scope="col">Raised</th><th scope="col"><span class="visually-hidden">Action</span></th></tr></thead>
<tbody>${rows}</tbody></table>`;
}

function caseSummary(view: Awaited<ReturnType<typeof getCase>>): string {
  const open = (view.schedule?.obligations ?? []).filter((o) => !o.metAt);
  const obligations = open.length
    ? `<ul>${open
        .map(
          (o) =>
            `<li>${esc(obligationLabel(o.kind))}: due ${when(o.dueAt)}${o.overdue ? ' — <strong>overdue</strong>' : ''}${
              o.escalationLevel
                ? ` — escalated (level ${o.escalationLevel}${o.acknowledged ? ', acknowledged' : ''})`
                : ''
            }</li>`,
        )
        .join('')}</ul>`
    : `<p>${view.schedule ? 'Nothing is due.' : 'The live schedule is not available right now.'}</p>`;
  const escalations = view.openEscalations.length
    ? `<ul>${view.openEscalations
        .map(
          (e) =>
            `<li>${esc(obligationLabel(e.obligationKind))}, level ${e.level}, raised ${when(e.raisedAt)}
<form class="inline" method="post" action="/escalations/${esc(e.id)}/acknowledge"><button type="submit">Acknowledge</button></form></li>`,
        )
        .join('')}</ul>`
    : '<p>No open escalations.</p>';
  return `<dl>
<dt>Client</dt><dd>${esc(view.client.initials)}</dd>
<dt>Status</dt><dd>${esc(humanStatus(view.status))}</dd>
<dt>Risk level</dt><dd>${esc(view.riskLevel)}</dd>
<dt>Opened</dt><dd>${when(view.openedAt)}</dd>
</dl>
<h2>What is due</h2>${obligations}
<h2>Open escalations</h2>${escalations}`;
}

function confirmation(e: Escalation, token: string): string {
  const what = `${obligationLabel(e.obligationKind)} on case <a href="/cases/${esc(e.caseId)}">${esc(e.caseReference)}</a>, escalated ${when(e.raisedAt)}`;
  if (e.acknowledgedAt)
    return `<p class="notice" role="status">Already acknowledged ${when(e.acknowledgedAt)}.</p><p>${what}.</p>`;
  if (e.resolvedAt)
    return `<p class="notice" role="status">Resolved ${when(e.resolvedAt)}: ${esc(e.resolution ?? 'resolved')}. Nothing is left to acknowledge.</p><p>${what}.</p>`;
  return `<p>${what}.</p>
<p>Acknowledging tells Caseloop you are dealing with it: the escalation stops climbing to the program manager.</p>
<form method="post" action="/ack/${esc(token)}"><button type="submit">Acknowledge</button></form>`;
}

/** Pages answer in HTML, with the domain's status and message; nothing internal leaks. */
function webErrors(logger: Logger): ErrorRequestHandler {
  return (err: unknown, req, res, _next) => {
    const actor = res.locals.actor as Actor | undefined;
    if (err instanceof AckLinkError) {
      const status = err.problem === 'expired' ? 410 : 400;
      return html(
        res,
        status,
        page(
          'Link not accepted',
          `<p class="problem" role="alert">${esc(err.message)}</p><p><a href="/escalations">My escalations</a></p>`,
          actor,
        ),
      );
    }
    const problem = err instanceof AppError ? err : problemFromDatabase(err);
    if (problem && problem.status < 500) {
      return html(
        res,
        problem.status,
        page(
          'Not possible',
          `<p class="problem" role="alert">${esc(problem.message)}</p><p><a href="/escalations">My escalations</a></p>`,
          actor,
        ),
      );
    }
    logger.error({ err, path: req.path }, 'web page failed');
    html(
      res,
      500,
      page(
        'Something went wrong',
        '<p class="problem" role="alert">Caseloop could not show this page. Try again shortly.</p>',
        actor,
      ),
    );
  };
}
