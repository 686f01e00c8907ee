import type { ZodError } from 'zod';
import { html, type Fragment, type SafeHtml } from './template';

/**
 * Form controls on USWDS markup with the two things every Caseloop form needs: the error next to
 * its field (and in a summary at the top that links to it), and what the person typed kept when a
 * form comes back. Values are always escaped by the template.
 */
export type FieldErrors = Record<string, string>;
export type FormValues = Record<string, string>;

/** The form's body as plain strings: a repeated field keeps its first value. */
export function formValues(body: unknown): FormValues {
  const values: FormValues = {};
  if (!body || typeof body !== 'object') return values;
  for (const [key, value] of Object.entries(body as Record<string, unknown>)) {
    if (key === '_csrf') continue;
    const first: unknown = Array.isArray(value) ? value[0] : value;
    // A browser sends a text area's line breaks as CRLF; the record keeps the LF a JSON client sends.
    if (typeof first === 'string') values[key] = first.replace(/\r\n?/g, '\n');
  }
  return values;
}

/** A field's id from its name: "goal-2-target" stays, anything else becomes safe. */
export const fieldId = (name: string): string => `f-${name.replace(/[^A-Za-z0-9_-]/g, '-')}`;

interface FieldOptions {
  name: string;
  label: string;
  hint?: string | undefined;
  values?: FormValues | undefined;
  errors?: FieldErrors | undefined;
  required?: boolean | undefined;
}

function describedBy(id: string, hint: string | undefined, error: string | undefined): string | undefined {
  const ids = [hint ? `${id}-hint` : '', error ? `${id}-error` : ''].filter(Boolean);
  return ids.length ? ids.join(' ') : undefined;
}

function fieldFrame(opts: FieldOptions, control: (id: string, aria: SafeHtml) => SafeHtml): SafeHtml {
  const id = fieldId(opts.name);
  const error = opts.errors?.[opts.name];
  const described = describedBy(id, opts.hint, error);
  const aria = html`${described ? html` aria-describedby="${described}"` : ''}${error ? html` aria-invalid="true"` : ''}${
    opts.required ? html` required` : ''
  }`;
  return html`<div class="usa-form-group${error ? ' usa-form-group--error' : ''}">
    <label class="usa-label${error ? ' usa-label--error' : ''}" for="${id}"
      >${opts.label}${opts.required ? '' : html` <span class="cl-muted">(optional)</span>`}</label
    >
    ${opts.hint ? html`<div class="usa-hint" id="${id}-hint">${opts.hint}</div>` : ''}
    ${error ? html`<span class="usa-error-message" id="${id}-error">${error}</span>` : ''}
    ${control(id, aria)}
  </div>`;
}

export interface InputOptions extends FieldOptions {
  type?: 'text' | 'date' | 'number' | 'email' | 'password' | 'search' | 'datetime-local';
  autocomplete?: string | undefined;
  inputmode?: 'numeric' | 'decimal' | undefined;
  min?: string | undefined;
  max?: string | undefined;
  step?: string | undefined;
  maxlength?: number | undefined;
}

export function textInput(opts: InputOptions): SafeHtml {
  return fieldFrame(opts, (id, aria) => {
    const error = opts.errors?.[opts.name];
    return html`<input
      class="usa-input${error ? ' usa-input--error' : ''}"
      id="${id}"
      name="${opts.name}"
      type="${opts.type ?? 'text'}"
      value="${opts.values?.[opts.name] ?? ''}"
      ${opts.autocomplete ? html` autocomplete="${opts.autocomplete}"` : ''}${
        opts.inputmode ? html` inputmode="${opts.inputmode}"` : ''
      }${opts.min !== undefined ? html` min="${opts.min}"` : ''}${opts.max !== undefined ? html` max="${opts.max}"` : ''}${
        opts.step !== undefined ? html` step="${opts.step}"` : ''
      }${opts.maxlength ? html` maxlength="${opts.maxlength}"` : ''}${aria}
    />`;
  });
}

export function textArea(opts: FieldOptions & { rows?: number; maxlength?: number }): SafeHtml {
  return fieldFrame(opts, (id, aria) => {
    const error = opts.errors?.[opts.name];
    return html`<textarea
      class="usa-textarea${error ? ' usa-input--error' : ''}"
      id="${id}"
      name="${opts.name}"
      rows="${opts.rows ?? 5}"
      ${opts.maxlength ? html` maxlength="${opts.maxlength}"` : ''}${aria}
    >
${opts.values?.[opts.name] ?? ''}</textarea>`;
  });
}

export interface Choice {
  value: string;
  label: string;
}

export function select(opts: FieldOptions & { choices: readonly Choice[]; placeholder?: string }): SafeHtml {
  return fieldFrame(opts, (id, aria) => {
    const current = opts.values?.[opts.name] ?? '';
    const error = opts.errors?.[opts.name];
    return html`<select
      class="usa-select${error ? ' usa-input--error' : ''}"
      id="${id}"
      name="${opts.name}"
      ${aria}
    >
      <option value="">${opts.placeholder ?? '- Select -'}</option>
      ${opts.choices.map((c) => html`<option value="${c.value}" ${c.value === current ? html` selected` : ''}>${c.label}</option>`)}
    </select>`;
  });
}

/** A group of radio buttons in a fieldset whose legend is the question. */
export function radios(opts: FieldOptions & { choices: readonly Choice[] }): SafeHtml {
  const id = fieldId(opts.name);
  const error = opts.errors?.[opts.name];
  const current = opts.values?.[opts.name] ?? '';
  return html`<div class="usa-form-group${error ? ' usa-form-group--error' : ''}">
    <fieldset
      class="usa-fieldset"
      ${describedBy(id, opts.hint, error) ? html` aria-describedby="${describedBy(id, opts.hint, error)}"` : ''}
    >
      <legend class="usa-legend${error ? ' usa-label--error' : ''}">${opts.label}</legend>
      ${opts.hint ? html`<div class="usa-hint" id="${id}-hint">${opts.hint}</div>` : ''}
      ${error ? html`<span class="usa-error-message" id="${id}-error">${error}</span>` : ''}
      ${opts.choices.map((c, i) => {
        const optionId = `${id}-${i}`;
        return html`<div class="usa-radio">
          <input
            class="usa-radio__input"
            id="${optionId}"
            type="radio"
            name="${opts.name}"
            value="${c.value}"
            ${c.value === current ? html` checked` : ''}${opts.required ? html` required` : ''}
          /><label class="usa-radio__label" for="${optionId}">${c.label}</label>
        </div>`;
      })}
    </fieldset>
  </div>`;
}

export function checkbox(opts: FieldOptions & { value?: string }): SafeHtml {
  const id = fieldId(opts.name);
  const checked = opts.values?.[opts.name] !== undefined && opts.values[opts.name] !== '';
  return html`<div class="usa-checkbox">
    <input
      class="usa-checkbox__input"
      id="${id}"
      type="checkbox"
      name="${opts.name}"
      value="${opts.value ?? 'yes'}"
      ${checked ? html` checked` : ''}
    /><label class="usa-checkbox__label" for="${id}">${opts.label}</label>
  </div>`;
}

/** The list of problems at the top of a form that came back, each a link to its field. */
export function errorSummary(errors: FieldErrors, labels: Record<string, string> = {}): Fragment {
  const entries = Object.entries(errors);
  if (entries.length === 0) return '';
  return html`<div class="usa-alert usa-alert--error margin-y-2" role="alert">
    <div class="usa-alert__body">
      <h2 class="usa-alert__heading">
        ${entries.length === 1 ? 'There is a problem' : `There are ${entries.length} problems`}
      </h2>
      <ul class="usa-list">
        ${entries.map(
          ([name, message]) =>
            html`<li>
              <a href="#${fieldId(name)}">${labels[name] ? `${labels[name]}: ` : ''}${message}</a>
            </li>`,
        )}
      </ul>
    </div>
  </div>`;
}

/**
 * A validation failure in words a case manager understands, keyed by field name (the path joined
 * with "-", so a form's field names can match a schema's paths).
 */
export function fieldErrorsFromZod(error: ZodError, labels: Record<string, string> = {}): FieldErrors {
  const errors: FieldErrors = {};
  for (const issue of error.issues) {
    const name = issue.path.map(String).join('-') || 'form';
    if (errors[name]) continue;
    errors[name] = humanIssue(issue, labels[name] ?? 'This field');
  }
  return errors;
}

interface Issue {
  code: string;
  message: string;
  input?: unknown;
  minimum?: number | bigint;
  maximum?: number | bigint;
  origin?: string;
  format?: string;
}

function humanIssue(issue: Issue, label: string): string {
  const empty = issue.input === undefined || issue.input === '';
  switch (issue.code) {
    case 'invalid_type':
      return empty ? `Enter ${lower(label)}.` : `${label} is not in a form Caseloop understands.`;
    case 'too_small':
      if (issue.origin === 'string')
        return Number(issue.minimum) <= 1
          ? `Enter ${lower(label)}.`
          : `${label} needs at least ${issue.minimum} characters.`;
      if (issue.origin === 'array') return `Add at least ${issue.minimum}.`;
      return `${label} must be ${issue.minimum} or more.`;
    case 'too_big':
      if (issue.origin === 'string') return `${label} can be at most ${issue.maximum} characters.`;
      if (issue.origin === 'array') return `At most ${issue.maximum}.`;
      return `${label} must be ${issue.maximum} or less.`;
    case 'invalid_format':
      return issue.format === 'date' || issue.format === 'datetime'
        ? `${label} must be a real date, like 2027-03-15.`
        : `${label} is not in the expected form.`;
    case 'invalid_value':
      return `Choose one of the options for ${lower(label)}.`;
    default:
      return issue.message;
  }
}

const lower = (label: string): string => label.charAt(0).toLowerCase() + label.slice(1);
