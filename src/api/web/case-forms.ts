import express, { type Response } from 'express';
import type { z } from 'zod';
import type { Actor } from '../../domain/actor';
import type { Applied } from '../../domain/case-changes';
import { loadCase, type CaseDeps } from '../../domain/cases';
import type { CaseStatus } from '../../core/case-contract';
import { AppError, UnavailableError } from '../../core/errors';
import { errorSummary, fieldErrorsFromZod, type FieldErrors, type FormValues } from './forms';
import { alert, renderPage } from './layout';
import type { NoticeKey } from './notices';
import { redirectWithNotice } from './respond';
import type { Viewer } from './session';
import { html, joinHtml, type Fragment, type SafeHtml } from './template';

/**
 * What the case-action forms (referrals, notes, hold and resume, closure, reopening) share: the
 * case they act on, the page around the form, parsing what was typed with the JSON API's own zod
 * schema, turning a domain refusal into words next to the form, and post/redirect/get.
 */

/**
 * The forms that carry long text (a note holds up to 20,000 characters, a discharge summary
 * 10,000): URL-encoding can triple that, so they accept more than the 10 kB of the other forms.
 */
export const longForm = express.urlencoded({ extended: false, limit: '256kb', parameterLimit: 50 });

export interface CaseHead {
  id: string;
  reference: string;
  status: CaseStatus;
}

/** The case a form acts on, as far as the page needs it (404 when the viewer may not see it). */
export async function caseHead(deps: CaseDeps, actor: Actor, caseId: string): Promise<CaseHead> {
  const row = await loadCase(deps.pool, actor, caseId);
  return { id: row.id, reference: row.reference, status: row.status };
}

export const casePath = (caseId: string, section?: string): string =>
  `/cases/${caseId}${section ? `#${section}` : ''}`;

export interface CaseFormPage {
  viewer: Viewer;
  head: CaseHead;
  title: string;
  body: Fragment;
  problem?: string | undefined;
  notice?: string | undefined;
  errors?: FieldErrors | undefined;
  labels?: Record<string, string> | undefined;
}

/** A page of the case: breadcrumbs back to it, the error summary above the form when it came back. */
export function caseFormPage(page: CaseFormPage): string {
  return renderPage({
    title: page.title,
    section: 'caseload',
    viewer: page.viewer,
    problem: page.problem,
    notice: page.notice,
    breadcrumbs: [
      { href: '/caseload', label: 'Caseload' },
      { href: casePath(page.head.id), label: `Case ${page.head.reference}` },
    ],
    body: html`${page.errors ? errorSummary(page.errors, page.labels) : ''}${page.body}`,
  });
}

export type Parsed<T> = { ok: true; data: T } | { ok: false; errors: FieldErrors };

export interface ParseOptions {
  /** What each field is called on the form, for messages ("Enter the reason."). */
  labels: Record<string, string>;
  /** The message when a required field was left empty, where "Enter …" reads badly (a select). */
  missing?: Record<string, string>;
  /** A schema path (joined with "-") shown next to a differently named form field. */
  fieldFor?: Record<string, string>;
}

/**
 * Parses what a form sent with the API's schema. Messages are in words a case manager
 * understands, keyed by form field; a required field left empty says what to do.
 */
export function parseWith<S extends z.ZodType>(
  schema: S,
  input: Record<string, unknown>,
  options: ParseOptions,
): Parsed<z.infer<S>> {
  const result = schema.safeParse(input);
  if (result.success) return { ok: true, data: result.data };
  const byPath = fieldErrorsFromZod(result.error, options.labels);
  const errors: FieldErrors = {};
  for (const issue of result.error.issues) {
    const path = issue.path.map(String).join('-') || 'form';
    const field = options.fieldFor?.[path] ?? path;
    if (errors[field]) continue;
    const value = input[path];
    const empty = value === undefined || value === '';
    const label = options.labels[field] ?? options.labels[path] ?? 'This field';
    if (empty && options.missing?.[field]) errors[field] = options.missing[field];
    // The only pattern free text has to pass once blanks are caught: no NUL character.
    else if (issue.code === 'invalid_format' && (issue as { format?: string }).format === 'regex')
      errors[field] = `${label} contains a character Caseloop cannot store. Remove it and try again.`;
    else errors[field] = byPath[path] ?? issue.message;
  }
  return { ok: false, errors };
}

/**
 * Text as the schema should see it: blank becomes empty, so "required" reads "Enter …", and the
 * browser's CRLF line breaks become the LF a JSON client sends.
 */
export function given(values: FormValues, name: string): string {
  const value = (values[name] ?? '').replace(/\r\n?/g, '\n');
  return value.trim() === '' ? '' : value;
}

/** An optional field: left out when blank. */
export function optional(values: FormValues, name: string): string | undefined {
  const value = given(values, name);
  return value === '' ? undefined : value;
}

export interface Refusal {
  status: number;
  problem?: string;
  errors?: FieldErrors;
}

/**
 * A refusal from the domain (the record's state does not allow it, a referenced record is not
 * usable, a time is in the future, the case's clock cannot take a change just now) as the form
 * should show it, so what was typed stays for another try; anything else is not the form's to
 * explain and goes on to the error pages. `fieldMessage` words a field problem for this form.
 */
export function refusalOf(
  err: unknown,
  fieldMessage: (field: string, reason: string) => string | undefined = () => undefined,
): Refusal | undefined {
  if (!(err instanceof AppError) || err.status === 404) return undefined;
  // 503 changed nothing and says to try again shortly: the same form, kept, is where to do that.
  if (err.status >= 500 && !(err instanceof UnavailableError)) return undefined;
  const errors: FieldErrors = {};
  for (const f of err.fields) {
    const name = f.field.replace(/^body\./, '');
    const message = fieldMessage(name, f.reason);
    if (message && !errors[name]) errors[name] = message;
  }
  // Field problems are what was typed (400, like any invalid form); the rest is the record's state.
  return Object.keys(errors).length ? { status: 400, errors } : { status: err.status, problem: err.message };
}

/** Post/redirect/get after a change: the pending notice when the workflow has not applied it yet. */
export function changed(res: Response, path: string, result: Applied, notice: NoticeKey): void {
  redirectWithNotice(res, path, result.pending ? 'change-pending' : notice);
}

/** A few labelled facts about a record (USWDS leaves `<dl>` unstyled: utility classes set it out). */
export function facts(entries: readonly (readonly [string, Fragment])[]): SafeHtml {
  return html`<dl class="margin-0">
    ${entries.map(
      ([label, value]) =>
        html`<dt class="text-bold margin-top-2">${label}</dt>
          <dd class="margin-left-0">${value}</dd>`,
    )}
  </dl>`;
}

/** Why a case's form is not offered now (its status, or who is asking), with anything to do instead and the way back. */
export function notNow(head: Pick<CaseHead, 'id'>, why: string, instead?: SafeHtml): SafeHtml {
  return html`${alert('info', why)}
    <div class="cl-actions">
      ${instead ?? ''}
      <a class="usa-button usa-button--outline" href="${casePath(head.id)}">Back to the case</a>
    </div>`;
}

/** Line breaks typed in a text area, kept on the page (each line escaped). */
export const multiline = (text: string): SafeHtml => joinHtml(text.split(/\r\n|\r|\n/), html`<br />`);
