import type { Response, Router } from 'express';
import { z } from 'zod';
import {
  answerReferral,
  referralForProvider,
  type ProviderReferralView,
} from '../../domain/provider-answers';
import { ProviderLinkError } from '../../domain/provider-links';
import { AppError } from '../../core/errors';
import { problemFromDatabase } from '../pg-errors';
import {
  errorSummary,
  fieldErrorsFromZod,
  formValues,
  radios,
  textArea,
  textInput,
  type FieldErrors,
  type FormValues,
} from './forms';
import { alert, renderPage } from './layout';
import { heldPreSession, preSessionAccepted, preSessionFor, PRE_SESSION_FIELD } from './pre-session';
import { sendPage, type PageMiddleware } from './respond';
import { html, type SafeHtml } from './template';
import { timeTag } from './time';
import type { WebDeps } from './web-deps';

/**
 * The page a provider opens from the link in a referral email: no account, the signed token is the
 * key. Opening it only shows (mail scanners open links); each answer is a POST from the page itself,
 * protected like the sign-in form (same-site Origin and a SameSite=Strict cookie matched by a hidden
 * field), since there is no session to bind a CSRF token to. Altered links answer 400, expired 410,
 * an answer after the final outcome 409, each on a page that says what to do instead.
 */

const PATH = '/referral-answer';

const STATUS_WORDS: Record<string, string> = {
  sent: 'Sent, waiting for your answer',
  accepted: 'Accepted',
  scheduled: 'Scheduled',
  completed: 'Completed',
  declined: 'Declined',
  no_show: 'No-show',
  cancelled: 'Cancelled by the agency',
};

const note = z.string().trim().max(2000).optional();
const answerSchema = z.discriminatedUnion('answer', [
  z.object({ answer: z.literal('accept'), note }),
  z.object({
    answer: z.literal('decline'),
    reason: z.string().trim().min(1, 'Say why you decline.').max(2000),
  }),
  z.object({
    answer: z.literal('schedule'),
    date: z
      .string()
      .regex(/^\d{4}-\d{2}-\d{2}$/, 'Enter the date as YYYY-MM-DD.')
      .refine(
        (d) =>
          !Number.isNaN(Date.parse(`${d}T00:00:00Z`)) &&
          new Date(`${d}T00:00:00Z`).toISOString().startsWith(d),
        'Enter a real date.',
      ),
    note,
  }),
  z.object({
    answer: z.literal('outcome'),
    outcome: z.enum(['completed', 'no_show'], { message: 'Choose the outcome.' }),
    note,
  }),
]);

const LABELS: Record<string, string> = {
  reason: 'Why you decline',
  date: 'Date of the first appointment',
  outcome: 'Outcome',
  note: 'Note',
};

const THANKS: Record<string, string> = {
  accepted: 'Thank you: the referral is recorded as accepted. The case manager has been told.',
  declined: 'Thank you: the referral is recorded as declined. The case manager has been told.',
  scheduled: 'Thank you: the referral is recorded as scheduled. The case manager has been told.',
  completed: 'Thank you: the outcome is recorded. The case manager has been told.',
  no_show: 'Thank you: the no-show is recorded. The case manager has been told.',
};

export function registerProviderPages(web: Router, deps: WebDeps, mw: PageMiddleware): void {
  web.get(`${PATH}/:token`, async (req, res) => {
    await shown(res, async () => {
      const view = await referralForProvider(deps, String(req.params.token));
      const thanks = typeof req.query.answered === 'string' ? THANKS[req.query.answered] : undefined;
      sendPage(
        res,
        200,
        page(view, String(req.params.token), preSessionFor(req, res, deps.publicBaseUrl), { notice: thanks }),
      );
    });
  });

  web.post(`${PATH}/:token`, mw.form, async (req, res) => {
    const token = String(req.params.token);
    await shown(res, async () => {
      if (!preSessionAccepted(req, deps.publicBaseUrl)) {
        const view = await referralForProvider(deps, token);
        return sendPage(
          res,
          403,
          page(view, token, preSessionFor(req, res, deps.publicBaseUrl), {
            problem:
              'This form had expired or was sent from another site, so nothing was recorded. Answer again below.',
          }),
        );
      }
      const values = formValues(req.body);
      const parsed = answerSchema.safeParse(emptyAsMissing(values));
      if (!parsed.success) {
        const view = await referralForProvider(deps, token);
        return sendPage(
          res,
          400,
          page(view, token, heldPreSession(req, deps.publicBaseUrl), {
            values,
            errors: fieldErrorsFromZod(parsed.error, LABELS),
            form: values.answer,
          }),
        );
      }
      const done = await answerReferral(deps, token, parsed.data);
      res.redirect(303, `${PATH}/${token}?answered=${done.status}`);
    });
  });
}

/** An empty note is no note (a browser sends every field); a required field stays, so its message says what to do. */
function emptyAsMissing(values: FormValues): Record<string, string> {
  return Object.fromEntries(
    Object.entries(values).filter(([k, v]) => !(k === 'note' && v.trim() === '') && k !== PRE_SESSION_FIELD),
  );
}

/** The provider's own error pages: no staff navigation, and words for someone outside the agency. */
async function shown(res: Response, work: () => Promise<void>): Promise<void> {
  try {
    await work();
  } catch (err) {
    if (err instanceof ProviderLinkError)
      return sendPage(
        res,
        err.problem === 'expired' ? 410 : 400,
        notAccepted('Link not accepted', err.message),
      );
    const problem = err instanceof AppError ? err : problemFromDatabase(err);
    if (problem && problem.status < 500)
      return sendPage(res, problem.status, notAccepted('Not recorded', problem.message));
    throw err;
  }
}

const notAccepted = (title: string, message: string): string =>
  renderPage({
    title,
    problem: message,
    body: html`<p>Nothing was recorded. To reach the agency, reply to the email that brought you here.</p>`,
  });

interface FormState {
  notice?: string | undefined;
  problem?: string;
  values?: FormValues;
  errors?: FieldErrors;
  /** Which answer's form came back with a problem. */
  form?: string | undefined;
}

function page(view: ProviderReferralView, token: string, preSession: string, state: FormState): string {
  return renderPage({
    title: `Referral ${view.caseReference}: ${view.service}`,
    notice: state.notice,
    problem: state.problem,
    body: html`${errorSummary(state.errors ?? {}, LABELS)}
      <p>
        ${view.programName} referred a client to ${view.organisation} for <strong>${view.service}</strong>
        on ${timeTag(view.sentAt, view.timeZone)}. The case manager is ${view.caseManagerName}.
      </p>
      ${about(view)}
      <h2>Status: ${STATUS_WORDS[view.status] ?? view.status}</h2>
      ${history(view)} ${answers(view, token, preSession, state)}
      <p class="cl-muted">
        This link works until ${timeTag(view.linkExpiresAt, view.timeZone)}. You can also reply to the email
        that brought you here.
      </p>`,
  });
}

function about(view: ProviderReferralView): SafeHtml {
  if (view.client)
    return html`<p>
      <strong>Client:</strong> ${view.client.fullName}<br /><strong>Why referred:</strong>
      ${view.client.reason}
    </p>`;
  return html`<p>
    The client agreed to share only this reference with providers. The case manager can tell you more once you
    accept.
  </p>`;
}

function history(view: ProviderReferralView): SafeHtml {
  return html`<table class="usa-table usa-table--borderless usa-table--stacked width-full">
    <caption>
      What has been recorded, oldest first
    </caption>
    <thead>
      <tr>
        <th scope="col">When</th>
        <th scope="col">Status</th>
        <th scope="col">By</th>
        <th scope="col">Details</th>
      </tr>
    </thead>
    <tbody>
      ${view.history.map(
        (e) =>
          html`<tr>
            <th scope="row" data-label="When">${timeTag(e.at, view.timeZone)}</th>
            <td data-label="Status">${STATUS_WORDS[e.status] ?? e.status}</td>
            <td data-label="By">${e.byProvider ? 'You' : 'The agency'}</td>
            <td data-label="Details">
              ${e.scheduledFor ? html`For ${timeTag(`${e.scheduledFor}T12:00:00Z`, 'UTC', false)}. ` : ''}${e.note ?? ''}
            </td>
          </tr>`,
      )}
    </tbody>
  </table>`;
}

function answers(view: ProviderReferralView, token: string, preSession: string, state: FormState): SafeHtml {
  if (view.caseClosed)
    return alert('info', 'The agency has closed this case, so nothing more can be recorded here.');
  if (view.allowed.length === 0)
    return alert('info', 'The final outcome is recorded. Nothing more can be recorded with this link.');
  const mine = (answer: string): { values?: FormValues; errors?: FieldErrors } =>
    state.form === answer
      ? {
          ...(state.values ? { values: state.values } : {}),
          ...(state.errors ? { errors: state.errors } : {}),
        }
      : {};
  const form = (answer: string, heading: string, fields: SafeHtml | string, button: string): SafeHtml =>
    html`<section class="margin-top-3" aria-labelledby="h-${answer}">
      <h2 id="h-${answer}">${heading}</h2>
      <form class="usa-form usa-form--large" method="post" action="${PATH}/${token}" novalidate>
        <input type="hidden" name="${PRE_SESSION_FIELD}" value="${preSession}" />
        <input type="hidden" name="answer" value="${answer}" />
        ${fields}
        <button class="usa-button" type="submit">${button}</button>
      </form>
    </section>`;
  const parts: SafeHtml[] = [];
  if (view.allowed.includes('accept'))
    parts.push(
      form(
        'accept',
        'Accept the referral',
        textArea({ name: 'note', label: 'Note', rows: 2, maxlength: 2000, ...mine('accept') }),
        'Accept',
      ),
    );
  if (view.allowed.includes('schedule'))
    parts.push(
      form(
        'schedule',
        'Schedule the first appointment',
        html`${textInput({ name: 'date', label: LABELS.date!, type: 'date', required: true, ...mine('schedule') })}
        ${textArea({ name: 'note', label: 'Note', rows: 2, maxlength: 2000, ...mine('schedule') })}`,
        'Record the date',
      ),
    );
  if (view.allowed.includes('decline'))
    parts.push(
      form(
        'decline',
        'Decline the referral',
        textArea({
          name: 'reason',
          label: LABELS.reason!,
          rows: 3,
          maxlength: 2000,
          required: true,
          ...mine('decline'),
        }),
        'Decline',
      ),
    );
  if (view.allowed.includes('outcome'))
    parts.push(
      form(
        'outcome',
        'Record the outcome',
        html`${radios({
          name: 'outcome',
          label: LABELS.outcome!,
          required: true,
          choices: [
            { value: 'completed', label: 'Service completed' },
            { value: 'no_show', label: 'The client did not come (no-show)' },
          ],
          ...mine('outcome'),
        })}
        ${textArea({ name: 'note', label: 'Note', rows: 2, maxlength: 2000, ...mine('outcome') })}`,
        'Record the outcome',
      ),
    );
  return html`${parts}`;
}
