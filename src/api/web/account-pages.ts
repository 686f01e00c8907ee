import type { Request, Response, Router } from 'express';
import {
  AccountLinkRefused,
  requestPasswordReset,
  setPasswordWithLink,
  usableLink,
  type AccountMail,
  type UsableLink,
} from '../../domain/account-links';
import { passwordProblem } from '../../domain/passwords';
import { signIn } from '../../domain/sign-in';
import type { SingleSignOn } from '../../domain/single-sign-on';
import { admitAttempt, resetRequestLimits } from '../../domain/sign-in-throttle';
import { endSession } from '../../domain/web-sessions';
import { ValidationError } from '../../core/errors';
import type { Logger } from '../../shared/logger';
import { errorSummary, formValues, textInput, type FieldErrors, type FormValues } from './forms';
import { alert, renderPage } from './layout';
import { noticeFor } from './notices';
import {
  clearedPreSession,
  heldPreSession,
  preSessionAccepted,
  preSessionFor,
  PRE_SESSION_FIELD,
} from './pre-session';
import { sendPage, type PageMiddleware } from './respond';
import {
  clearCookie,
  nowFor,
  safeNext,
  SESSION_COOKIE,
  sessionCookie,
  sessionIdOf,
  type SessionDeps,
} from './session';
import { html, type SafeHtml } from './template';

/**
 * Signing in and out, the forgotten-password request, and the set-password page an invitation or
 * reset link opens. The forms used before a session exists carry the pre-session value (login
 * CSRF, see pre-session.ts); sign-out is an ordinary signed-in form.
 */
export interface AccountPageDeps extends SessionDeps {
  accountMail?: AccountMail | undefined;
  sso?: SingleSignOn | undefined;
  logger: Logger;
}

const SIGN_IN_REFUSED = 'Email or password not accepted. Check both and try again.';
const FORM_EXPIRED =
  'This form had expired or was sent from another site, so nothing happened. It is fresh now: try again.';

const sourceIpOf = (req: Request): string => req.ip ?? 'unknown';

/** Fields a form sent more than once: such a form is refused (400) before anything else. */
function repeatedFields(body: unknown): string[] {
  if (!body || typeof body !== 'object') return [];
  return Object.entries(body as Record<string, unknown>)
    .filter(([, v]) => typeof v !== 'string')
    .map(([k]) => k);
}

function preSessionField(value: string): SafeHtml {
  return html`<input type="hidden" name="${PRE_SESSION_FIELD}" value="${value}" />`;
}

export function registerAccountPages(web: Router, deps: AccountPageDeps, mw: PageMiddleware): void {
  const signInFor = (opts: SignInPageOptions): string =>
    signInPage({ ...opts, ssoLabel: deps.sso?.settings.label });
  // ---- sign in ----
  web.get('/sign-in', (req, res) => {
    sendPage(
      res,
      200,
      signInFor({
        next: safeNext(req.query.next),
        preSession: preSessionFor(req, res, deps.publicBaseUrl),
        // After a session ended mid-form: a warning, not a confirmation.
        ...(req.query.notice === 'session-ended'
          ? { warning: noticeFor(req.query.notice) }
          : { notice: noticeFor(req.query.notice) }),
      }),
    );
  });

  web.post('/sign-in', mw.form, async (req, res) => {
    const repeated = repeatedFields(req.body);
    const values = formValues(req.body);
    const next = safeNext(values.next);
    if (repeated.length)
      return sendPage(
        res,
        400,
        signInFor({
          next,
          preSession: heldPreSession(req, deps.publicBaseUrl),
          problem: `The form sent ${repeated.join(' and ')} more than once. Sign in again.`,
        }),
      );
    if (!preSessionAccepted(req, deps.publicBaseUrl))
      return sendPage(
        res,
        403,
        signInFor({ next, preSession: preSessionFor(req, res, deps.publicBaseUrl), problem: FORM_EXPIRED }),
      );
    const email = (values.email ?? '').trim();
    const password = values.password ?? '';
    const errors: FieldErrors = {};
    if (!email) errors.email = 'Enter your email address.';
    if (!password) errors.password = 'Enter your password.';
    if (Object.keys(errors).length)
      return sendPage(
        res,
        400,
        signInFor({ next, preSession: heldPreSession(req, deps.publicBaseUrl), values, errors }),
      );

    const result = await signIn(deps, {
      email,
      password,
      sourceIp: sourceIpOf(req),
      replacing: sessionIdOf(req, deps),
    });
    if (result.outcome === 'throttled') return tooManyAttempts(res, deps, result.retryAt, 'sign-in');
    if (result.outcome === 'refused')
      return sendPage(
        res,
        401,
        signInFor({
          next,
          preSession: heldPreSession(req, deps.publicBaseUrl),
          values: { email },
          problem: SIGN_IN_REFUSED,
        }),
      );
    res
      .append('set-cookie', sessionCookie(result.session.id, deps))
      .append('set-cookie', clearedPreSession(deps.publicBaseUrl))
      .redirect(303, next);
  });

  // ---- sign out: the session ends on the server, not only in this browser ----
  web.post('/sign-out', mw.form, mw.signedIn, mw.csrf, async (req, res) => {
    const id = sessionIdOf(req, deps);
    if (id) await endSession(deps.pool, id, 'signed_out', nowFor(deps));
    res
      .append('set-cookie', clearCookie(SESSION_COOKIE, deps.publicBaseUrl))
      .redirect(303, '/sign-in?notice=signed-out');
  });

  // ---- forgotten password: the same answer whether or not the email has an account ----
  web.get('/sign-in/forgot', (req, res) => {
    sendPage(res, 200, forgotPage({ preSession: preSessionFor(req, res, deps.publicBaseUrl) }));
  });

  web.post('/sign-in/forgot', mw.form, async (req, res) => {
    const values = formValues(req.body);
    if (repeatedFields(req.body).length || !preSessionAccepted(req, deps.publicBaseUrl))
      return sendPage(
        res,
        403,
        forgotPage({ preSession: preSessionFor(req, res, deps.publicBaseUrl), problem: FORM_EXPIRED }),
      );
    const email = (values.email ?? '').trim();
    if (!email || email.length > 320 || !email.includes('@'))
      return sendPage(
        res,
        400,
        forgotPage({
          preSession: heldPreSession(req, deps.publicBaseUrl),
          values,
          errors: { email: 'Enter the email address you sign in with, like name@agency.org.' },
        }),
      );
    const admission = await admitAttempt(deps.pool, resetRequestLimits(email, sourceIpOf(req)), nowFor(deps));
    if (!admission.admitted) return tooManyAttempts(res, deps, admission.retryAt, 'reset');
    await requestPasswordReset(
      {
        ...deps,
        onMailError: (err) =>
          deps.logger.warn({ err: (err as Error).message }, 'password reset email failed'),
      },
      email,
    );
    sendPage(
      res,
      200,
      renderPage({
        title: 'Check your email',
        body: html`<p>
            If that address belongs to a Caseloop account, a link to choose a new password is on its way to
            it. The link works once, for an hour.
          </p>
          <p>Nothing arrived after a few minutes? Check your spam folder, or ask your administrator.</p>
          <p><a href="/sign-in">Back to sign in</a></p>`,
      }),
    );
  });

  // ---- set password from an invitation or reset link ----
  web.get('/password/:token', async (req, res) => {
    originOnlyReferrer(res);
    const token = String(req.params.token);
    const link = await linkOrRefusal(deps, token, res);
    if (!link) return;
    sendPage(
      res,
      200,
      setPasswordPage({ link, token, preSession: preSessionFor(req, res, deps.publicBaseUrl) }),
    );
  });

  web.post('/password/:token', mw.form, async (req, res) => {
    originOnlyReferrer(res);
    const token = String(req.params.token);
    const link = await linkOrRefusal(deps, token, res);
    if (!link) return;
    const values = formValues(req.body);
    if (repeatedFields(req.body).length || !preSessionAccepted(req, deps.publicBaseUrl))
      return sendPage(
        res,
        403,
        setPasswordPage({
          link,
          token,
          preSession: preSessionFor(req, res, deps.publicBaseUrl),
          problem: FORM_EXPIRED,
        }),
      );
    const password = values.password ?? '';
    const errors: FieldErrors = {};
    const problem = password ? passwordProblem(password, link.email) : 'Enter a password.';
    if (problem) errors.password = problem;
    else if (values.confirm !== password)
      errors.confirm = 'The two passwords are not the same. Type it again.';
    if (Object.keys(errors).length)
      return sendPage(
        res,
        400,
        setPasswordPage({ link, token, preSession: heldPreSession(req, deps.publicBaseUrl), errors }),
      );
    try {
      const done = await setPasswordWithLink(deps, token, password, sourceIpOf(req));
      res
        .append('set-cookie', sessionCookie(done.session.id, deps))
        .append('set-cookie', clearedPreSession(deps.publicBaseUrl))
        .redirect(303, '/work?notice=password-set');
    } catch (err) {
      if (err instanceof AccountLinkRefused) return linkRefusedPage(res, err);
      if (err instanceof ValidationError)
        return sendPage(
          res,
          400,
          setPasswordPage({
            link,
            token,
            preSession: heldPreSession(req, deps.publicBaseUrl),
            errors: { password: err.message },
          }),
        );
      throw err;
    }
  });
}

/**
 * The link in the address bar is a secret: requests from its page (its stylesheets, its form) tell
 * where they came from by origin only, never by path. (Not `no-referrer`: the form's POST would then
 * carry `Origin: null` and fail the same-site check.)
 */
function originOnlyReferrer(res: Response): void {
  res.set('referrer-policy', 'strict-origin');
}

async function linkOrRefusal(
  deps: AccountPageDeps,
  token: string,
  res: Response,
): Promise<UsableLink | undefined> {
  try {
    return await usableLink(deps, token);
  } catch (err) {
    if (!(err instanceof AccountLinkRefused)) throw err;
    linkRefusedPage(res, err);
    return undefined;
  }
}

/** Used or expired: 410 (it existed, it is gone); unknown: 400. */
function linkRefusedPage(res: Response, err: AccountLinkRefused): void {
  sendPage(
    res,
    err.problem === 'unknown' ? 400 : 410,
    renderPage({
      title: 'Link not accepted',
      problem: err.message,
      body: html`<p><a href="/sign-in/forgot">Ask for a new link</a> or <a href="/sign-in">sign in</a>.</p>`,
    }),
  );
}

function tooManyAttempts(res: Response, deps: SessionDeps, retryAt: Date, what: 'sign-in' | 'reset'): void {
  const seconds = Math.max(1, Math.ceil((retryAt.getTime() - nowFor(deps).getTime()) / 1000));
  const minutes = Math.ceil(seconds / 60);
  res.set('retry-after', String(seconds));
  sendPage(
    res,
    429,
    renderPage({
      title: 'Too many attempts',
      problem:
        what === 'sign-in'
          ? 'There have been too many unsuccessful sign-ins for this account or from this network.'
          : 'There have been too many requests for password links for this address or from this network.',
      body: html`<p>
          Try again in ${minutes === 1 ? 'a minute' : `${minutes} minutes`}, after
          <time datetime="${retryAt.toISOString()}">${retryAt.toISOString().slice(11, 16)} UTC</time>.
        </p>
        <p>
          ${
            what === 'sign-in'
              ? html`Forgotten your password?
                  <a href="/sign-in/forgot">Ask for a link to choose a new one</a>.`
              : html`<a href="/sign-in">Back to sign in</a>`
          }
        </p>`,
    }),
  );
}

interface SignInPageOptions {
  next: string;
  preSession: string;
  values?: FormValues;
  errors?: FieldErrors;
  problem?: string | undefined;
  notice?: string | undefined;
  warning?: string | undefined;
  /** Set when single sign-on is configured: the button's words. */
  ssoLabel?: string | undefined;
}

function signInPage(opts: SignInPageOptions): string {
  const labels = { email: 'Email address', password: 'Password' };
  return renderPage({
    title: 'Sign in',
    problem: opts.problem,
    notice: opts.notice,
    body: html`${opts.warning ? alert('warning', opts.warning) : ''}${errorSummary(opts.errors ?? {}, labels)}
      ${
        opts.ssoLabel
          ? html`<p>
                <a
                  class="usa-button usa-button--outline"
                  href="/sign-in/sso?next=${encodeURIComponent(opts.next)}"
                  >${opts.ssoLabel}</a
                >
              </p>
              <p>Or sign in with your Caseloop password:</p>`
          : ''
      }
      <form class="usa-form" method="post" action="/sign-in" novalidate>
        ${preSessionField(opts.preSession)}
        <input type="hidden" name="next" value="${opts.next}" />
        ${textInput({
          name: 'email',
          label: labels.email,
          type: 'email',
          autocomplete: 'username',
          required: true,
          values: opts.values,
          errors: opts.errors,
        })}
        ${textInput({
          name: 'password',
          label: labels.password,
          type: 'password',
          autocomplete: 'current-password',
          required: true,
          errors: opts.errors,
        })}
        <button class="usa-button" type="submit">Sign in</button>
      </form>
      <p><a href="/sign-in/forgot">Forgotten your password?</a></p>`,
  });
}

function forgotPage(opts: {
  preSession: string;
  values?: FormValues;
  errors?: FieldErrors;
  problem?: string;
}): string {
  return renderPage({
    title: 'Forgotten password',
    problem: opts.problem,
    body: html`${errorSummary(opts.errors ?? {}, { email: 'Email address' })}
      <p>Enter the email address you sign in with. We will send a link to choose a new password.</p>
      <form class="usa-form" method="post" action="/sign-in/forgot" novalidate>
        ${preSessionField(opts.preSession)}
        ${textInput({
          name: 'email',
          label: 'Email address',
          type: 'email',
          autocomplete: 'username',
          required: true,
          values: opts.values,
          errors: opts.errors,
        })}
        <button class="usa-button" type="submit">Send me a link</button>
      </form>
      <p><a href="/sign-in">Back to sign in</a></p>`,
  });
}

function setPasswordPage(opts: {
  link: UsableLink;
  token: string;
  preSession: string;
  errors?: FieldErrors;
  problem?: string;
}): string {
  const labels = { password: 'New password', confirm: 'New password again' };
  const invitation = opts.link.purpose === 'invitation';
  return renderPage({
    title: invitation ? 'Choose your password' : 'Choose a new password',
    problem: opts.problem,
    body: html`${errorSummary(opts.errors ?? {}, labels)}
      ${
        invitation
          ? html`<p>Welcome to Caseloop, ${opts.link.fullName}. You will sign in with ${opts.link.email}.</p>`
          : html`<p>For ${opts.link.email}. Choosing a new password signs you out everywhere else.</p>`
      }
      <form class="usa-form" method="post" action="/password/${opts.token}" novalidate>
        ${preSessionField(opts.preSession)}
        ${textInput({
          name: 'password',
          label: labels.password,
          hint: 'At least 12 characters. A few unrelated words make a strong password that is easy to remember.',
          type: 'password',
          autocomplete: 'new-password',
          required: true,
          maxlength: 256,
          errors: opts.errors,
        })}
        ${textInput({
          name: 'confirm',
          label: labels.confirm,
          type: 'password',
          autocomplete: 'new-password',
          required: true,
          maxlength: 256,
          errors: opts.errors,
        })}
        <button class="usa-button" type="submit">Set password and sign in</button>
      </form>`,
  });
}
