import express, {
  type ErrorRequestHandler,
  type NextFunction,
  type Request,
  type Response,
  type Router,
} from 'express';
import { AckLinkError, verifyAckLink } from '../../domain/ack-links';
import type { Actor } from '../../domain/actor';
import { AppError, ForbiddenError, NotFoundError, UnavailableError } from '../../core/errors';
import { problemFromDatabase } from '../pg-errors';
import { acknowledgeEscalation, getEscalation, type Escalation } from '../../domain/escalations';
import { obligationLabel } from '../../core/obligation-catalogue';
import type { Logger } from '../../shared/logger';
import { registerCasePages } from './case-page';
import { alert, csrfField, renderPage } from './layout';
import { html, type SafeHtml } from './template';
import { timeTag } from './time';
import { actorOf, sendPage, viewerOf, type PageMiddleware } from './respond';
import { registerAccountPages } from './account-pages';
import { registerSsoPages } from './sso-pages';
import { registerIntakePages } from './intake-pages';
import { registerAssessmentPages } from './assessment-pages';
import { registerPlanPages } from './plan-pages';
import { registerLifecyclePages } from './lifecycle-pages';
import { registerHandOverPages } from './handover-pages';
import { registerNotePages } from './note-pages';
import { registerAppointmentPages } from './appointment-pages';
import { registerReferralPages } from './referral-pages';
import { registerWorkPages } from './work-pages';
import { registerEscalationPages } from './escalation-pages';
import { registerApprovalPages } from './approval-pages';
import { registerTeamPages } from './team-pages';
import { registerProgramPages } from './program-pages';
import { registerPolicyPages } from './policy-pages';
import { registerAdminPages } from './admin-pages';
import { registerEpisodePages } from './episode-pages';
import { registerTaskPages } from './task-pages';
import { registerProviderPages } from './provider-pages';
import { registerConsentPages } from './consent-pages';
import { registerExportPages } from './export-pages';
import { CsrfRefused, requireCsrf, requireSignedIn, type Viewer } from './session';
import type { WebDeps } from './web-deps';

const send = sendPage;

/**
 * The staff web pages: my escalations and the acknowledgement confirmation here, and the page
 * modules (sign-in and accounts, the case page, ...) registered on the same router. Thin like the
 * JSON API: parse, call the domain, render.
 */
export function webRoutes(deps: WebDeps): Router {
  const web = express.Router();
  const signedIn = requireSignedIn(deps);
  const csrf = requireCsrf(deps.publicBaseUrl);
  const form = express.urlencoded({ extended: false, limit: '10kb' });
  // Page modules register on `web` with this chain (see respond.ts): registerXPages(web, deps, chain).
  const chain: PageMiddleware = { signedIn, csrf, form };
  registerAccountPages(web, deps, chain);
  // Providers have no account: their answer page stands before every signed-in route.
  registerProviderPages(web, deps, chain);
  registerSsoPages(web, deps, chain);
  registerWorkPages(web, deps, chain);

  web.get('/', (_req, res) => res.redirect(303, '/work'));

  // Ids in page paths are UUIDs; anything else names no record.
  web.param('id', requireUuidParam);
  web.param('caseId', requireUuidParam);
  web.param('planId', requireUuidParam);
  web.param('goalId', requireUuidParam);
  registerIntakePages(web, deps, chain);
  registerAssessmentPages(web, deps, chain);
  registerPlanPages(web, deps, chain);
  web.param('referralId', requireUuidParam);
  web.param('noteId', requireUuidParam);
  web.param('staffId', requireUuidParam);
  web.param('programId', requireUuidParam);
  web.param('providerId', requireUuidParam);
  registerReferralPages(web, deps, chain);
  registerNotePages(web, deps, chain);
  web.param('appointmentId', requireUuidParam);
  registerAppointmentPages(web, deps, chain);
  registerLifecyclePages(web, deps, chain);
  registerHandOverPages(web, deps, chain);
  registerProgramPages(web, deps, chain);
  registerPolicyPages(web, deps, chain);
  registerAdminPages(web, deps, chain);
  registerConsentPages(web, deps, chain);

  registerEscalationPages(web, deps, chain);
  registerApprovalPages(web, deps, chain);
  registerTeamPages(web, deps, chain);
  registerCasePages(web, deps, chain);
  registerEpisodePages(web, deps, chain);
  registerTaskPages(web, deps, chain);
  registerExportPages(web, deps, chain);

  // The link in an escalation email. GET only shows; the button on the page acknowledges, so a mail
  // scanner that opens the link changes nothing.
  web.get('/ack/:token', signedIn, async (req, res) => {
    const viewer = viewerOf(res);
    const escalation = await escalationForLink(deps, actorOf(res), String(req.params.token));
    send(
      res,
      200,
      renderPage({
        title: 'Acknowledge escalation',
        section: 'escalations',
        viewer,
        body: confirmation(escalation, String(req.params.token), viewer),
      }),
    );
  });
  web.post('/ack/:token', form, signedIn, csrf, async (req, res) => {
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
      'This acknowledgement link was sent to someone else. Sign out and sign in as its recipient, or use "Escalations".',
    );
  return getEscalation(deps.pool, actor, claims.escalationId);
}

function confirmation(e: Escalation, token: string, viewer: Viewer): SafeHtml {
  const what = html`${obligationLabel(e.obligationKind)} on case
    <a href="/cases/${e.caseId}">${e.caseReference}</a>, escalated ${timeTag(e.raisedAt, viewer.timeZone)}`;
  if (e.acknowledgedAt)
    return html`${alert('info', html`Already acknowledged ${timeTag(e.acknowledgedAt, viewer.timeZone)}.`)}
      <p>${what}.</p>`;
  if (e.resolvedAt)
    return html`${alert('info', html`Resolved ${timeTag(e.resolvedAt, viewer.timeZone)}: ${e.resolution ?? 'resolved'}. Nothing is left to acknowledge.`)}
      <p>${what}.</p>`;
  return html`<p>${what}.</p>
    <p>
      Acknowledging tells Caseloop you are dealing with it: the escalation stops climbing to the program
      manager.
    </p>
    <form method="post" action="/ack/${token}">
      ${csrfField(viewer)}<button class="usa-button" type="submit">Acknowledge</button>
    </form>`;
}

/** Pages answer in HTML, with the domain's status and message; nothing internal leaks. */
function webErrors(logger: Logger): ErrorRequestHandler {
  return (err: unknown, req, res, _next) => {
    const viewer = res.locals.viewer as Viewer | undefined;
    const back = html`<p><a href="/work">Back to my work</a></p>`;
    if (err instanceof AckLinkError) {
      const status = err.problem === 'expired' ? 410 : 400;
      return send(
        res,
        status,
        renderPage({ title: 'Link not accepted', viewer, problem: err.message, body: back }),
      );
    }
    const problem = err instanceof AppError ? err : problemFromDatabase(err);
    if (problem && problem.status < 500)
      return send(
        res,
        problem.status,
        renderPage({
          title: err instanceof CsrfRefused ? 'Form not accepted' : 'Not possible',
          viewer,
          problem: problem.message,
          body: back,
        }),
      );
    // Nothing changed and it will pass (a busy record, the case's clock out of reach): say so, not "went wrong".
    if (problem instanceof UnavailableError) {
      logger.warn({ err, path: req.path }, 'web page unavailable');
      return send(
        res,
        503,
        renderPage({ title: 'Try again shortly', viewer, problem: problem.message, body: back }),
      );
    }
    logger.error({ err, path: req.path }, 'web page failed');
    send(
      res,
      500,
      renderPage({
        title: 'Something went wrong',
        viewer,
        problem: 'Caseloop could not show this page. Try again shortly.',
        body: back,
      }),
    );
  };
}
