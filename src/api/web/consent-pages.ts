import type { Router } from 'express';
import {
  CONSENT_METHODS,
  CONSENT_PURPOSE_LABELS,
  CONSENT_PURPOSES,
  type ConsentPurpose,
} from '../../core/consent-purposes';
import type { Actor } from '../../domain/actor';
import { loadCase } from '../../domain/cases';
import { consentHistory, type ConsentStatement } from '../../domain/consent';
import { recordConsentForCases } from '../../domain/consent-changes';
import { listProviders } from '../../domain/directory';
import { caseFormPage, caseHead, refusalOf, type CaseHead } from './case-forms';
import { formValues, radios, select, textArea, textInput, type FieldErrors, type FormValues } from './forms';
import { csrfField } from './layout';
import { instantFromLocal } from './local-time';
import { noticeFor } from './notices';
import { actorOf, redirectWithNotice, sendPage, viewerOf, type PageMiddleware } from './respond';
import type { Viewer } from './session';
import { html, type SafeHtml } from './template';
import { localDate, timeTag } from './time';
import type { WebDeps } from './web-deps';

/**
 * The client's consent, from their case: where each purpose stands now (sharing with providers in
 * general, with each named provider, email reminders to the client), a form to record a grant or a
 * withdrawal with its date, method and note, and every statement on record. What is recorded here
 * reaches every open case of the client (src/domain/consent-changes.ts).
 */

const LABELS = {
  purpose: 'What the consent is for',
  providerId: 'Provider',
  given: 'Given or withdrawn',
  date: 'Date the client said so',
  method: 'How',
  note: 'Note',
};

const METHOD_LABELS: Record<string, string> = {
  verbal: 'Verbally',
  written: 'In writing',
  electronic: 'Electronically',
};

export function registerConsentPages(web: Router, deps: WebDeps, mw: PageMiddleware): void {
  const page = async (
    viewer: Viewer,
    actor: Actor,
    head: CaseHead,
    clientId: string,
    opts: { values?: FormValues; errors?: FieldErrors; problem?: string; notice?: string | undefined },
  ): Promise<string> => {
    const [history, providers] = await Promise.all([
      consentHistory(deps.pool, actor, clientId),
      listProviders(deps.pool, {}),
    ]);
    const names = new Map(providers.map((p) => [p.id, p.organisation]));
    const recorders = await deps.pool.query<{ id: string; full_name: string }>(
      'SELECT id, full_name FROM staff WHERE id = ANY($1::uuid[])',
      [history.map((h) => h.recordedBy).filter((id): id is string => id !== null)],
    );
    for (const r of recorders.rows) names.set(r.id, r.full_name);
    const values = opts.values ?? {
      given: 'true',
      date: localDate(deps.clock?.() ?? new Date(), viewer.timeZone),
    };
    return caseFormPage({
      viewer,
      head,
      title: 'Client consent',
      problem: opts.problem,
      notice: opts.notice,
      errors: opts.errors,
      labels: LABELS,
      body: html`<h2>Now</h2>
        ${standing(history, names, viewer)}
        <h2>Record consent</h2>
        <p>
          Record what the client said, for one purpose at a time. A withdrawal stops what is still waiting to
          go: follow-ups to providers and reminders to the client, on every open case of the client.
        </p>
        <form class="usa-form usa-form--large" method="post" action="/cases/${head.id}/consent" novalidate>
          ${csrfField(viewer)}
          ${radios({
            name: 'purpose',
            label: LABELS.purpose,
            required: true,
            values,
            errors: opts.errors,
            choices: CONSENT_PURPOSES.map((p) => ({ value: p, label: CONSENT_PURPOSE_LABELS[p] })),
          })}
          ${select({
            name: 'providerId',
            label: LABELS.providerId,
            hint: 'Only for sharing with a named provider.',
            values,
            errors: opts.errors,
            placeholder: '- Choose a provider -',
            choices: providers.map((p) => ({ value: p.id, label: p.organisation })),
          })}
          ${radios({
            name: 'given',
            label: LABELS.given,
            required: true,
            values,
            errors: opts.errors,
            choices: [
              { value: 'true', label: 'Given' },
              { value: 'false', label: 'Withdrawn' },
            ],
          })}
          ${textInput({ name: 'date', label: LABELS.date, type: 'date', required: true, values, errors: opts.errors })}
          ${select({
            name: 'method',
            label: LABELS.method,
            required: true,
            values,
            errors: opts.errors,
            placeholder: '- Choose how -',
            choices: CONSENT_METHODS.map((m) => ({ value: m, label: METHOD_LABELS[m] ?? m })),
          })}
          ${textArea({ name: 'note', label: LABELS.note, rows: 3, maxlength: 2000, values, errors: opts.errors })}
          <button class="usa-button" type="submit">Record consent</button>
        </form>
        <h2>History</h2>
        ${historyTable(history, names, viewer)}`,
    });
  };

  web.get('/cases/:caseId/consent', mw.signedIn, async (req, res) => {
    const actor = actorOf(res);
    const row = await loadCase(deps.pool, actor, String(req.params.caseId));
    const head = await caseHead(deps, actor, row.id);
    sendPage(
      res,
      200,
      await page(viewerOf(res), actor, head, row.client_id, { notice: noticeFor(req.query.notice) }),
    );
  });

  web.post('/cases/:caseId/consent', mw.form, mw.signedIn, mw.csrf, async (req, res) => {
    const viewer = viewerOf(res);
    const actor = actorOf(res);
    const row = await loadCase(deps.pool, actor, String(req.params.caseId));
    const head = await caseHead(deps, actor, row.id);
    const values = formValues(req.body);
    const errors: FieldErrors = {};
    const purpose = values.purpose as ConsentPurpose | undefined;
    if (!purpose || !(CONSENT_PURPOSES as readonly string[]).includes(purpose))
      errors.purpose = 'Choose what the consent is for.';
    if (purpose === 'share_with_provider' && !values.providerId) errors.providerId = 'Choose the provider.';
    if (values.given !== 'true' && values.given !== 'false') errors.given = 'Choose given or withdrawn.';
    if (!values.method || !(CONSENT_METHODS as readonly string[]).includes(values.method))
      errors.method = 'Choose how the client said so.';
    const today = localDate(deps.clock?.() ?? new Date(), viewer.timeZone);
    const date = values.date ?? '';
    // Today means now; an earlier day, midday of it in the viewer's zone.
    const at = date === today ? undefined : instantFromLocal(`${date}T12:00`, viewer.timeZone);
    if (date !== today && !at) errors.date = 'Enter the date as day, month and year.';
    else if (date > today) errors.date = 'The date cannot be in the future.';
    if ((values.note ?? '').length > 2000) errors.note = 'Keep the note under 2,000 characters.';
    if (Object.keys(errors).length)
      return sendPage(res, 400, await page(viewer, actor, head, row.client_id, { values, errors }));
    try {
      await recordConsentForCases(deps, actor, row.client_id, {
        purpose: purpose!,
        ...(purpose === 'share_with_provider' ? { providerId: values.providerId! } : {}),
        given: values.given === 'true',
        method: values.method as (typeof CONSENT_METHODS)[number],
        ...(at ? { at } : {}),
        ...(values.note?.trim() ? { note: values.note.trim() } : {}),
      });
    } catch (err) {
      const refusal = refusalOf(err, (field) =>
        field === 'providerId'
          ? 'Choose a provider from the list.'
          : field === 'at'
            ? 'The date cannot be in the future.'
            : undefined,
      );
      if (!refusal) throw err;
      const fieldErrors = refusal.errors?.at ? { date: refusal.errors.at } : refusal.errors;
      return sendPage(
        res,
        refusal.status,
        await page(viewer, actor, head, row.client_id, {
          values,
          ...(fieldErrors ? { errors: fieldErrors } : {}),
          ...(refusal.problem ? { problem: refusal.problem } : {}),
        }),
      );
    }
    redirectWithNotice(res, `/cases/${head.id}/consent`, 'consent-recorded');
  });
}

const purposeOf = (s: ConsentStatement, names: Map<string, string>): string =>
  s.purpose === 'share_with_provider'
    ? `Share with ${names.get(s.providerId ?? '') ?? 'a provider'}`
    : CONSENT_PURPOSE_LABELS[s.purpose];

/** The latest statement per purpose (and named provider): what holds now. */
function standing(history: ConsentStatement[], names: Map<string, string>, viewer: Viewer): SafeHtml {
  const latest = new Map<string, ConsentStatement>();
  for (const s of history) latest.set(`${s.purpose}/${s.providerId ?? ''}`, s);
  const rows = [...latest.values()];
  if (!latest.has('email_reminders/'))
    return html`${list(rows, names, viewer)}
      <p class="cl-muted">No consent to email reminders is on record: the client gets none.</p>`;
  return list(rows, names, viewer);
}

function list(rows: ConsentStatement[], names: Map<string, string>, viewer: Viewer): SafeHtml {
  if (rows.length === 0) return html`<p>No consent is on record.</p>`;
  return html`<ul class="usa-list">
    ${rows.map(
      (s) =>
        html`<li>
          <strong>${purposeOf(s, names)}:</strong> ${s.given ? 'given' : 'withdrawn'}
          ${timeTag(s.at, viewer.timeZone, false)}
        </li>`,
    )}
  </ul>`;
}

function historyTable(history: ConsentStatement[], names: Map<string, string>, viewer: Viewer): SafeHtml {
  if (history.length === 0) return html`<p>Nothing recorded yet.</p>`;
  return html`<table class="usa-table usa-table--borderless usa-table--stacked width-full">
    <caption>
      Every consent statement, oldest first
    </caption>
    <thead>
      <tr>
        <th scope="col">When</th>
        <th scope="col">For</th>
        <th scope="col">Given or withdrawn</th>
        <th scope="col">How</th>
        <th scope="col">Recorded by</th>
        <th scope="col">Note</th>
      </tr>
    </thead>
    <tbody>
      ${history.map(
        (s) =>
          html`<tr>
            <th scope="row" data-label="When">${timeTag(s.at, viewer.timeZone)}</th>
            <td data-label="For">${purposeOf(s, names)}</td>
            <td data-label="Given or withdrawn">${s.given ? 'Given' : 'Withdrawn'}</td>
            <td data-label="How">${s.method ? (METHOD_LABELS[s.method] ?? s.method) : '—'}</td>
            <td data-label="Recorded by">
              ${s.recordedBy ? (names.get(s.recordedBy) ?? 'A former colleague') : '—'}
            </td>
            <td data-label="Note">${s.note ?? ''}</td>
          </tr>`,
      )}
    </tbody>
  </table>`;
}
