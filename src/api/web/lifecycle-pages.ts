import type { Response, Router } from 'express';
import { CLOSURE_REASONS as STANDARD_CLOSURE_REASONS } from '../../core/closure-reasons';
import { statusRefusal } from '../../core/case-status-rules';
import { canApprove } from '../../domain/access';
import { putOnHold, reopenCase, requestClosure, resume } from '../../domain/case-actions';
import { caseEpisodes } from '../../domain/case-history';
import { listClosureEvents } from '../../domain/case-reads';
import { closureDraft, type DischargeSummary } from '../../domain/discharge';
import { loadCase } from '../../domain/cases';
import { closureBody, holdBody } from '../routes/cases';
import {
  caseFormPage,
  caseHead,
  casePath,
  changed,
  facts,
  given,
  multiline,
  notNow,
  parseWith,
  refusalOf,
  type CaseHead,
} from './case-forms';
import {
  CLOSURE_LABELS,
  closureForm,
  closureLabels,
  dischargeFields,
  dischargeInput,
  closureRefusal,
  draftValues,
  hiddenIdFields,
  outcomeMissing,
} from './closure-form';
import { formValues, select, textArea, textInput, type FieldErrors, type FormValues } from './forms';
import { csrfField } from './layout';
import { actorOf, sendPage, viewerOf, type PageMiddleware } from './respond';
import type { WebDeps } from './web-deps';
import type { Viewer } from './session';
import { html, type SafeHtml } from './template';
import { timeTag } from './time';

/** A case's life: on hold and back, closure with its discharge summary, and reopening. */

const HOLD_LABELS = { reason: 'Why the case is going on hold' };

/** The usual reasons, stored as their words; "Other" lets the case manager write their own. */
const CLOSURE_REASONS = STANDARD_CLOSURE_REASONS.map((r) => ({ value: r, label: r }));
const OTHER = 'other';

const actions = (head: CaseHead, submit: string): SafeHtml =>
  html`<div class="cl-actions">
    <button class="usa-button" type="submit">${submit}</button>
    <a class="usa-button usa-button--outline" href="${casePath(head.id)}">Cancel</a>
  </div>`;

export function registerLifecyclePages(web: Router, deps: WebDeps, mw: PageMiddleware): void {
  // ---- on hold ----
  const holdPage = (
    viewer: Viewer,
    head: CaseHead,
    values: FormValues,
    errors?: FieldErrors,
    problem?: string,
  ): string => {
    const refusal = problem ? undefined : statusRefusal(head.status, 'hold', `Case ${head.reference}`);
    return caseFormPage({
      viewer,
      head,
      title: 'Put the case on hold',
      problem,
      errors,
      labels: HOLD_LABELS,
      body: refusal
        ? notNow(
            head,
            refusal,
            head.status === 'on_hold'
              ? html`<a class="usa-button" href="/cases/${head.id}/resume">Resume the case</a>`
              : undefined,
          )
        : html`<p>
              While the case is on hold every clock on it pauses: nothing falls due and no reminders are sent.
              When you resume it, the clocks carry on from where they stopped.
            </p>
            <form class="usa-form usa-form--large" method="post" action="/cases/${head.id}/hold" novalidate>
              ${csrfField(viewer)}
              ${textArea({
                name: 'reason',
                label: HOLD_LABELS.reason,
                hint: 'For example: the client is in hospital, or cannot be reached.',
                required: true,
                maxlength: 500,
                rows: 3,
                values,
                errors,
              })}
              ${actions(head, 'Put on hold')}
            </form>`,
    });
  };

  web.get('/cases/:caseId/hold', mw.signedIn, async (req, res) => {
    const head = await caseHead(deps, actorOf(res), String(req.params.caseId));
    sendPage(res, 200, holdPage(viewerOf(res), head, {}));
  });

  web.post('/cases/:caseId/hold', mw.form, mw.signedIn, mw.csrf, async (req, res) => {
    const viewer = viewerOf(res);
    const actor = actorOf(res);
    const head = await caseHead(deps, actor, String(req.params.caseId));
    const values = formValues(req.body);
    const parsed = parseWith(
      holdBody,
      { reason: given(values, 'reason') },
      { labels: HOLD_LABELS, missing: { reason: 'Enter why the case is going on hold.' } },
    );
    if (!parsed.ok) return sendPage(res, 400, holdPage(viewer, head, values, parsed.errors));
    try {
      const result = await putOnHold(deps, actor, head.id, parsed.data.reason);
      changed(res, casePath(head.id), result, 'case-on-hold');
    } catch (err) {
      const refusal = refusalOf(err);
      if (!refusal) throw err;
      sendPage(res, refusal.status, holdPage(viewer, head, values, undefined, refusal.problem));
    }
  });

  // ---- resume ----
  const resumePage = (viewer: Viewer, head: CaseHead, problem?: string): string => {
    const refusal = problem ? undefined : statusRefusal(head.status, 'resume', `Case ${head.reference}`);
    return caseFormPage({
      viewer,
      head,
      title: 'Resume the case',
      problem,
      body: refusal
        ? notNow(head, refusal)
        : html`<p>
              Resuming starts the case's clocks again from where they stopped: what was due is due later by as
              long as the case was on hold.
            </p>
            <form class="usa-form" method="post" action="/cases/${head.id}/resume">
              ${csrfField(viewer)} ${actions(head, 'Resume the case')}
            </form>`,
    });
  };

  web.get('/cases/:caseId/resume', mw.signedIn, async (req, res) => {
    const head = await caseHead(deps, actorOf(res), String(req.params.caseId));
    sendPage(res, 200, resumePage(viewerOf(res), head));
  });

  web.post('/cases/:caseId/resume', mw.form, mw.signedIn, mw.csrf, async (req, res) => {
    const actor = actorOf(res);
    const head = await caseHead(deps, actor, String(req.params.caseId));
    try {
      const result = await resume(deps, actor, head.id);
      changed(res, casePath(head.id), result, 'case-resumed');
    } catch (err) {
      const refusal = refusalOf(err);
      if (!refusal) throw err;
      sendPage(res, refusal.status, resumePage(viewerOf(res), head, refusal.problem));
    }
  });

  // ---- closure request with the discharge summary ----
  const closurePage = (
    viewer: Viewer,
    head: CaseHead,
    draft: DischargeSummary,
    values: FormValues,
    errors?: FieldErrors,
    problem?: string,
  ): string => {
    const refusal = problem
      ? undefined
      : statusRefusal(head.status, 'closure_requested', `Case ${head.reference}`);
    return caseFormPage({
      viewer,
      head,
      title: 'Request closure',
      problem,
      errors,
      labels: closureLabels(draft),
      body: refusal
        ? notNow(head, refusal)
        : html`<p>
              Your supervisor decides: the case closes when they approve. Until then only the approval's clock
              runs. What you write here is the discharge summary kept with this episode of the case.
            </p>
            <form
              class="usa-form usa-form--large"
              method="post"
              action="/cases/${head.id}/closure/new"
              novalidate
            >
              ${csrfField(viewer)}
              ${select({
                name: 'reasonChoice',
                label: CLOSURE_LABELS.reasonChoice,
                required: true,
                values,
                errors,
                placeholder: '- Choose a reason -',
                choices: [...CLOSURE_REASONS, { value: OTHER, label: 'Other (write it below)' }],
              })}
              ${textInput({
                name: 'reasonOther',
                label: CLOSURE_LABELS.reasonOther,
                hint: 'Only when you chose "Other".',
                maxlength: 200,
                values,
                errors,
              })}
              ${dischargeFields(draft, values, errors)} ${actions(head, 'Request closure')}
            </form>`,
    });
  };

  web.get('/cases/:caseId/closure/new', mw.signedIn, async (req, res) => {
    const viewer = viewerOf(res);
    const actor = actorOf(res);
    const head = await caseHead(deps, actor, String(req.params.caseId));
    const draft = await closureDraft(deps.pool, actor, head.id);
    sendPage(res, 200, closurePage(viewer, head, draft, draftValues(draft)));
  });

  web.post('/cases/:caseId/closure/new', closureForm, mw.signedIn, mw.csrf, async (req, res) => {
    const viewer = viewerOf(res);
    const actor = actorOf(res);
    const head = await caseHead(deps, actor, String(req.params.caseId));
    const values = formValues(req.body);
    const choice = given(values, 'reasonChoice');
    const other = choice === OTHER;
    const known = CLOSURE_REASONS.some((r) => r.value === choice);
    const draft = await closureDraft(deps.pool, actor, head.id);
    const parsed = parseWith(
      closureBody,
      {
        reason: other ? given(values, 'reasonOther') : known ? choice : '',
        summary: given(values, 'summary'),
        ...dischargeInput(values),
      },
      {
        labels: closureLabels(draft),
        fieldFor: { reason: other ? 'reasonOther' : 'reasonChoice', ...hiddenIdFields(values) },
        missing: {
          reasonChoice: 'Choose why the case is closing.',
          reasonOther: 'Enter why the case is closing.',
          summary: 'Enter the services provided and the client’s situation now.',
          'followUp-what': 'Enter what should happen after closure, or clear the date.',
          ...outcomeMissing(values),
        },
      },
    );
    const again = (status: number, errors?: FieldErrors, problem?: string) =>
      sendPage(res, status, closurePage(viewer, head, draft, values, errors, problem));
    if (!parsed.ok) return again(400, parsed.errors);
    try {
      const result = await requestClosure(deps, actor, head.id, parsed.data);
      changed(res, casePath(head.id), result, 'closure-requested');
    } catch (err) {
      const refusal = closureRefusal(err);
      if (!refusal) throw err;
      again(refusal.status, refusal.errors, refusal.problem);
    }
  });

  // ---- reopen ----
  const reopenPage = async (
    viewer: Viewer,
    res: Response,
    caseId: string,
    problem?: string,
  ): Promise<string> => {
    const actor = actorOf(res);
    const row = await loadCase(deps.pool, actor, caseId);
    const head: CaseHead = { id: row.id, reference: row.reference, status: row.status };
    let body: SafeHtml;
    if (!problem && row.status !== 'closed') body = notNow(head, `Case ${row.reference} is not closed.`);
    else if (!problem && !canApprove(actor, row))
      body = notNow(
        head,
        'Only the case’s supervisor, its program manager or an admin can reopen a closed case. Ask them to.',
      );
    else {
      const events = row.status === 'closed' ? await listClosureEvents(deps.pool, actor, caseId) : [];
      const request = events.filter((e) => e.what === 'requested').at(-1);
      const approval = events.filter((e) => e.what === 'approved').at(-1);
      const episode = row.status === 'closed' ? (await caseEpisodes(deps.pool, row)).at(-1) : undefined;
      body = html`${
          request && approval
            ? facts([
                ['Closed', timeTag(approval.at, viewer.timeZone)],
                ['Reason', request.reason ?? ''],
                ['Discharge summary', multiline(request.summary ?? '')],
              ])
            : ''
        }
        ${
          episode
            ? html`<p>
                <a href="/cases/${row.id}/episodes/${episode.episode}"
                  >The whole discharge summary of episode ${episode.episode}</a
                >
              </p>`
            : ''
        }
        <p>
          Reopening starts a new episode of service: the case goes back to assessment and its clocks start
          again from today. The closed episode and its discharge summary are kept.
        </p>
        <form class="usa-form" method="post" action="/cases/${row.id}/reopen">
          ${csrfField(viewer)} ${actions(head, 'Reopen the case')}
        </form>`;
    }
    return caseFormPage({ viewer, head, title: 'Reopen the case', problem, body });
  };

  web.get('/cases/:caseId/reopen', mw.signedIn, async (req, res) => {
    sendPage(res, 200, await reopenPage(viewerOf(res), res, String(req.params.caseId)));
  });

  web.post('/cases/:caseId/reopen', mw.form, mw.signedIn, mw.csrf, async (req, res) => {
    const caseId = String(req.params.caseId);
    try {
      const result = await reopenCase(deps, actorOf(res), caseId);
      changed(res, casePath(caseId), result, 'case-reopened');
    } catch (err) {
      const refusal = refusalOf(err);
      if (!refusal) throw err;
      sendPage(res, refusal.status, await reopenPage(viewerOf(res), res, caseId, refusal.problem));
    }
  });
}
