import type { Router } from 'express';
import { closedRefusal } from '../../core/case-status-rules';
import { getReferral, type Referral } from '../../domain/case-reads';
import { getStaff, listProviders } from '../../domain/directory';
import { makeReferral, nextReferralStatuses, updateReferral } from '../../domain/referrals';
import { referralBody, referralUpdateBody } from '../routes/cases';
import {
  caseFormPage,
  caseHead,
  casePath,
  changed,
  facts,
  given,
  multiline,
  optional,
  parseWith,
  refusalOf,
  type CaseHead,
} from './case-forms';
import { radios, select, textArea, textInput, formValues, type FieldErrors, type FormValues } from './forms';
import { alert, csrfField } from './layout';
import { instantFromLocal, localInputValue } from './local-time';
import { noticeFor } from './notices';
import { actorOf, sendPage, viewerOf, type PageMiddleware } from './respond';
import type { WebDeps } from './web-deps';
import type { Viewer } from './session';
import { html } from './template';
import { timeTag } from './time';

/** Referring the client to a provider, and recording what became of a referral. */

const STATUS_LABELS: Record<string, string> = {
  sent: 'Sent, waiting for the provider',
  accepted: 'Accepted by the provider',
  scheduled: 'Appointment scheduled',
  completed: 'Completed',
  declined: 'Declined by the provider',
  no_show: 'Client did not attend',
  cancelled: 'Cancelled',
};
export const referralStatusLabel = (status: string): string => STATUS_LABELS[status] ?? status;

const NEW_LABELS = { providerId: 'Provider', service: 'Service needed', reason: 'Reason for the referral' };
const UPDATE_LABELS = { status: 'What happened', note: 'Note', at: 'When it happened' };

export function registerReferralPages(web: Router, deps: WebDeps, mw: PageMiddleware): void {
  const newPage = async (
    viewer: Viewer,
    head: CaseHead,
    values: FormValues,
    errors?: FieldErrors,
    problem?: string,
  ): Promise<string> => {
    const providers = await listProviders(deps.pool, { active: true });
    return caseFormPage({
      viewer,
      head,
      title: 'Make a referral',
      problem,
      errors,
      labels: NEW_LABELS,
      body: html`<p>
          Refer the client to a provider in the directory. Caseloop then waits for the provider's answer and
          reminds you when it is late.
        </p>
        <form
          class="usa-form usa-form--large"
          method="post"
          action="/cases/${head.id}/referrals/new"
          novalidate
        >
          ${csrfField(viewer)}
          ${select({
            name: 'providerId',
            label: NEW_LABELS.providerId,
            hint: 'Active providers in the directory, with the services they offer.',
            required: true,
            values,
            errors,
            placeholder: '- Choose a provider -',
            choices: providers.map((p) => ({
              value: p.id,
              label: p.services.length ? `${p.organisation} (${p.services.join(', ')})` : p.organisation,
            })),
          })}
          ${textInput({
            name: 'service',
            label: NEW_LABELS.service,
            hint: 'What the client needs from this provider, for example emergency housing.',
            required: true,
            maxlength: 200,
            values,
            errors,
          })}
          ${textArea({
            name: 'reason',
            label: NEW_LABELS.reason,
            hint: 'Why you are referring the client, in a sentence or two.',
            required: true,
            maxlength: 2000,
            rows: 4,
            values,
            errors,
          })}
          <div class="cl-actions">
            <button class="usa-button" type="submit">Send referral</button>
            <a class="usa-button usa-button--outline" href="${casePath(head.id, 'referrals')}">Cancel</a>
          </div>
        </form>`,
    });
  };

  web.get('/cases/:caseId/referrals/new', mw.signedIn, async (req, res) => {
    const head = await caseHead(deps, actorOf(res), String(req.params.caseId));
    sendPage(res, 200, await newPage(viewerOf(res), head, {}));
  });

  web.post('/cases/:caseId/referrals/new', mw.form, mw.signedIn, mw.csrf, async (req, res) => {
    const viewer = viewerOf(res);
    const actor = actorOf(res);
    const head = await caseHead(deps, actor, String(req.params.caseId));
    const values = formValues(req.body);
    const parsed = parseWith(
      referralBody,
      {
        providerId: given(values, 'providerId'),
        service: given(values, 'service'),
        reason: given(values, 'reason'),
      },
      {
        labels: NEW_LABELS,
        missing: {
          providerId: 'Choose the provider to refer the client to.',
          service: 'Enter the service the client needs.',
          reason: 'Enter the reason for the referral.',
        },
      },
    );
    if (!parsed.ok) return sendPage(res, 400, await newPage(viewer, head, values, parsed.errors));
    try {
      const result = await makeReferral(deps, actor, head.id, parsed.data);
      changed(res, casePath(head.id, 'referrals'), result, 'referral-made');
    } catch (err) {
      const refusal = refusalOf(err, (field, reason) =>
        field === 'providerId'
          ? reason === 'inactive'
            ? 'This provider is no longer active. Choose another.'
            : 'Choose a provider from the list.'
          : undefined,
      );
      if (!refusal) throw err;
      sendPage(res, refusal.status, await newPage(viewer, head, values, refusal.errors, refusal.problem));
    }
  });

  const referralPage = async (
    viewer: Viewer,
    head: CaseHead,
    referral: Referral,
    values: FormValues,
    opts: { errors?: FieldErrors; problem?: string; notice?: string } = {},
  ): Promise<string> => {
    const names = new Map<string, string>();
    await Promise.all(
      [...new Set([referral.createdBy, ...referral.events.map((e) => e.reportedBy)])].map(async (id) => {
        names.set(id, (await getStaff(deps.pool, id)).fullName);
      }),
    );
    const history = html`<table class="usa-table usa-table--borderless usa-table--stacked">
      <caption>
        Status history, oldest first
      </caption>
      <thead>
        <tr>
          <th scope="col">When</th>
          <th scope="col">Status</th>
          <th scope="col">Note</th>
          <th scope="col">Recorded by</th>
        </tr>
      </thead>
      <tbody>
        ${referral.events.map(
          (e) =>
            html`<tr>
              <th scope="row" data-label="When">${timeTag(e.at, viewer.timeZone)}</th>
              <td data-label="Status">${referralStatusLabel(e.status)}</td>
              <td data-label="Note">
                ${e.note ? multiline(e.note) : html`<span class="cl-muted">None</span>`}
              </td>
              <td data-label="Recorded by">${names.get(e.reportedBy) ?? 'Unknown'}</td>
            </tr>`,
        )}
      </tbody>
    </table>`;
    const next = nextReferralStatuses(referral.status);
    const closed = closedRefusal(head.status, `Case ${head.reference}`);
    const form = closed
      ? alert('info', `${closed} Nothing more can be recorded on its referrals.`)
      : next.length === 0
        ? alert(
            'info',
            `This referral is ${referralStatusLabel(referral.status).toLowerCase()}: nothing more can be recorded on it.`,
          )
        : html`<form
            class="usa-form usa-form--large"
            method="post"
            action="/cases/${head.id}/referrals/${referral.id}/updates"
            novalidate
          >
            ${csrfField(viewer)}
            ${radios({
              name: 'status',
              label: UPDATE_LABELS.status,
              hint: 'Only the steps that can follow the referral’s current status are offered.',
              required: true,
              values,
              errors: opts.errors,
              choices: next.map((s) => ({ value: s, label: referralStatusLabel(s) })),
            })}
            ${textInput({
              name: 'at',
              type: 'datetime-local',
              label: UPDATE_LABELS.at,
              hint: `Your time (${viewer.timeZone}). Leave empty for now.`,
              max: localInputValue(deps.clock?.() ?? new Date(), viewer.timeZone),
              values,
              errors: opts.errors,
            })}
            ${textArea({
              name: 'note',
              label: UPDATE_LABELS.note,
              hint: 'For example the appointment date, or why the provider declined.',
              maxlength: 2000,
              rows: 3,
              values,
              errors: opts.errors,
            })}
            <button class="usa-button" type="submit">Record update</button>
          </form>`;
    return caseFormPage({
      viewer,
      head,
      title: `Referral to ${referral.provider.organisation}`,
      problem: opts.problem,
      notice: opts.notice,
      errors: opts.errors,
      labels: UPDATE_LABELS,
      body: html`${facts([
          ['Status', referralStatusLabel(referral.status)],
          ['Service', referral.service],
          ['Reason', multiline(referral.reason)],
          [
            'Sent',
            html`${timeTag(referral.sentAt, viewer.timeZone)} by ${names.get(referral.createdBy) ?? 'Unknown'}`,
          ],
        ])}
        <h2>History</h2>
        ${history}
        <h2>Record what happened</h2>
        ${form}
        <p><a href="${casePath(head.id, 'referrals')}">Back to the case’s referrals</a></p>`,
    });
  };

  web.get('/cases/:caseId/referrals/:referralId', mw.signedIn, async (req, res) => {
    const actor = actorOf(res);
    const head = await caseHead(deps, actor, String(req.params.caseId));
    const referral = await getReferral(deps.pool, actor, head.id, String(req.params.referralId));
    sendPage(
      res,
      200,
      await referralPage(viewerOf(res), head, referral, {}, { notice: noticeFor(req.query.notice) }),
    );
  });

  web.post(
    '/cases/:caseId/referrals/:referralId/updates',
    mw.form,
    mw.signedIn,
    mw.csrf,
    async (req, res) => {
      const viewer = viewerOf(res);
      const actor = actorOf(res);
      const head = await caseHead(deps, actor, String(req.params.caseId));
      const referralId = String(req.params.referralId);
      const values = formValues(req.body);
      const at = optional(values, 'at');
      const parsed = parseWith(
        referralUpdateBody,
        {
          status: given(values, 'status') || undefined,
          note: optional(values, 'note'),
          at: at === undefined ? undefined : (instantFromLocal(at, viewer.timeZone) ?? at),
        },
        {
          labels: UPDATE_LABELS,
          missing: { status: 'Choose what happened to the referral.' },
        },
      );
      const again = async (status: number, errors?: FieldErrors, problem?: string) => {
        const referral = await getReferral(deps.pool, actor, head.id, referralId);
        const page = await referralPage(viewer, head, referral, values, {
          ...(errors ? { errors } : {}),
          ...(problem ? { problem } : {}),
        });
        sendPage(res, status, page);
      };
      if (!parsed.ok) {
        if (parsed.errors.at) parsed.errors.at = 'Enter a real date and time, or leave it empty for now.';
        return again(400, parsed.errors);
      }
      try {
        const result = await updateReferral(deps, actor, head.id, referralId, parsed.data);
        changed(res, casePath(head.id, 'referrals'), result, 'referral-updated');
      } catch (err) {
        const refusal = refusalOf(err, (field, reason) =>
          field === 'at'
            ? reason === 'in the future'
              ? 'This is in the future. Enter when it happened, or leave it empty for now.'
              : 'This is before the referral was sent.'
            : undefined,
        );
        if (!refusal) throw err;
        await again(refusal.status, refusal.errors, refusal.problem);
      }
    },
  );
}
