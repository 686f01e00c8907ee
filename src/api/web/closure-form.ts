import express from 'express';
import {
  GOAL_OUTCOME_LABELS,
  GOAL_OUTCOMES,
  REFERRAL_OUTCOME_LABELS,
  REFERRAL_OUTCOMES,
} from '../../core/discharge-outcomes';
import type { DischargeSummary } from '../../domain/discharge';
import { domainName } from './assessment-pages';
import { dayText } from './discharge-render';
import { given, optional, refusalOf, type Refusal } from './case-forms';
import { select, textArea, textInput, type FieldErrors, type FormValues } from './forms';
import { humanStatus } from './html';
import { html, type SafeHtml } from './template';

/**
 * The discharge summary's part of the closure form: one block per goal of the episode's plan and
 * per referral, each with its outcome (preselected from the record) and a note, then the
 * narrative, recommendations and follow-up. Field names follow the API body's paths
 * (`goals-0-outcome` is `goals[0].outcome`), so the schema's problems land on their fields.
 */

export const CLOSURE_LABELS = {
  reasonChoice: 'Reason for closing',
  reasonOther: 'Other reason',
  summary: 'Services provided and the client’s situation now',
  recommendations: 'Recommendations',
  'followUp-what': 'What should happen next',
  'followUp-by': 'By when',
};

/** Up to 30 goals and 100 referrals, three fields each, and the rest: more fields than other forms. */
export const closureForm = express.urlencoded({ extended: false, limit: '256kb', parameterLimit: 500 });

const GOAL_CHOICES = GOAL_OUTCOMES.map((o) => ({ value: o, label: GOAL_OUTCOME_LABELS[o] }));
const REFERRAL_CHOICES = REFERRAL_OUTCOMES.map((o) => ({ value: o, label: REFERRAL_OUTCOME_LABELS[o] }));

/** What each field is called in the error summary. */
export function closureLabels(draft: DischargeSummary): Record<string, string> {
  const labels: Record<string, string> = { ...CLOSURE_LABELS };
  draft.goals.forEach((_, i) => {
    labels[`goals-${i}-outcome`] = `Outcome of goal ${i + 1}`;
    labels[`goals-${i}-note`] = `Note on goal ${i + 1}`;
  });
  draft.referrals.forEach((_, i) => {
    labels[`referrals-${i}-outcome`] = `Outcome of referral ${i + 1}`;
    labels[`referrals-${i}-note`] = `Note on referral ${i + 1}`;
  });
  return labels;
}

/** The form as it first opens: each goal and referral with the outcome its status says. */
export function draftValues(draft: DischargeSummary): FormValues {
  const values: FormValues = {};
  draft.goals.forEach((g, i) => {
    values[`goals-${i}-goalId`] = g.goalId;
    values[`goals-${i}-outcome`] = g.outcome;
  });
  draft.referrals.forEach((r, i) => {
    values[`referrals-${i}-referralId`] = r.referralId;
    values[`referrals-${i}-outcome`] = r.outcome;
  });
  return values;
}

/** The rows the form sent, by index, as long as each names its goal or referral. */
function rows(values: FormValues, list: 'goals' | 'referrals', id: string): number[] {
  const found: number[] = [];
  for (let i = 0; values[`${list}-${i}-${id}`] !== undefined; i++) found.push(i);
  return found;
}

/** The structured part of the API's closure body, from what the form sent. */
export function dischargeInput(values: FormValues): Record<string, unknown> {
  const what = given(values, 'followUp-what');
  const by = optional(values, 'followUp-by');
  return {
    goals: rows(values, 'goals', 'goalId').map((i) => ({
      goalId: values[`goals-${i}-goalId`],
      outcome: given(values, `goals-${i}-outcome`),
      note: optional(values, `goals-${i}-note`),
    })),
    referrals: rows(values, 'referrals', 'referralId').map((i) => ({
      referralId: values[`referrals-${i}-referralId`],
      outcome: given(values, `referrals-${i}-outcome`),
      note: optional(values, `referrals-${i}-note`),
    })),
    recommendations: optional(values, 'recommendations'),
    followUp: what || by ? { what, by } : undefined,
  };
}

/** A problem with a hidden id is shown at that row's outcome. */
export function hiddenIdFields(values: FormValues): Record<string, string> {
  const fields: Record<string, string> = {};
  for (const i of rows(values, 'goals', 'goalId')) fields[`goals-${i}-goalId`] = `goals-${i}-outcome`;
  for (const i of rows(values, 'referrals', 'referralId'))
    fields[`referrals-${i}-referralId`] = `referrals-${i}-outcome`;
  return fields;
}

/** "Choose …" rather than "Enter …" for an outcome left on "- Choose -". */
export function outcomeMissing(values: FormValues): Record<string, string> {
  const missing: Record<string, string> = {};
  for (const i of rows(values, 'goals', 'goalId'))
    missing[`goals-${i}-outcome`] = `Choose how goal ${i + 1} ended.`;
  for (const i of rows(values, 'referrals', 'referralId'))
    missing[`referrals-${i}-outcome`] = `Choose how referral ${i + 1} ended.`;
  return missing;
}

/** The domain's field problems (a goal no longer on the plan, a date already past) at their fields. */
export function closureRefusal(err: unknown): Refusal | undefined {
  const refusal = refusalOf(err, (field, reason) => {
    if (/^(goals|referrals)\.\d+\.(goalId|referralId)$/.test(field))
      return `This ${field.startsWith('goals') ? 'goal' : 'referral'} is not part of this episode any more (${reason}). Open the form again.`;
    if (field === 'followUp.by') return 'Enter a date that has not passed yet, or leave it empty.';
    return undefined;
  });
  if (!refusal?.errors) return refusal;
  const errors: FieldErrors = {};
  for (const [name, message] of Object.entries(refusal.errors))
    errors[name.replace(/\./g, '-').replace(/-(goalId|referralId)$/, '-outcome')] = message;
  return { ...refusal, errors };
}

function goalBlock(draft: DischargeSummary, i: number, values: FormValues, errors?: FieldErrors): SafeHtml {
  const g = draft.goals[i]!;
  return html`<fieldset class="usa-fieldset cl-discharge-item">
    <legend class="usa-legend text-bold">Goal ${i + 1}: ${g.description}</legend>
    <p class="usa-hint margin-y-05">
      ${domainName(g.domain)} · target ${dayText(g.targetDate)} · recorded progress:
      ${humanStatus(g.recordedStatus)}
    </p>
    <input type="hidden" name="goals-${i}-goalId" value="${g.goalId}" />
    ${select({
      name: `goals-${i}-outcome`,
      label: 'Outcome',
      required: true,
      values,
      errors,
      placeholder: '- Choose -',
      choices: GOAL_CHOICES,
    })}
    ${textInput({ name: `goals-${i}-note`, label: 'Note', maxlength: 1000, values, errors })}
  </fieldset>`;
}

function referralBlock(
  draft: DischargeSummary,
  i: number,
  values: FormValues,
  errors?: FieldErrors,
): SafeHtml {
  const r = draft.referrals[i]!;
  return html`<fieldset class="usa-fieldset cl-discharge-item">
    <legend class="usa-legend text-bold">Referral ${i + 1}: ${r.service}, ${r.provider}</legend>
    <p class="usa-hint margin-y-05">Status on record: ${humanStatus(r.recordedStatus)}</p>
    <input type="hidden" name="referrals-${i}-referralId" value="${r.referralId}" />
    ${select({
      name: `referrals-${i}-outcome`,
      label: 'Outcome',
      required: true,
      values,
      errors,
      placeholder: '- Choose -',
      choices: REFERRAL_CHOICES,
    })}
    ${textInput({ name: `referrals-${i}-note`, label: 'Note', maxlength: 1000, values, errors })}
  </fieldset>`;
}

/** The summary's fields, after the reason. */
export function dischargeFields(draft: DischargeSummary, values: FormValues, errors?: FieldErrors): SafeHtml {
  return html`<h2>Goals and their outcomes</h2>
    ${
      draft.goals.length
        ? html`<p>
              Each goal of the ${draft.plan ? `plan (version ${draft.plan.version})` : 'plan'}, with the
              outcome its latest progress says. Change an outcome where the record is behind, and add a note
              where it helps.
            </p>
            ${draft.goals.map((_, i) => goalBlock(draft, i, values, errors))}`
        : html`<p>This episode has no service plan with goals.</p>`
    }
    <h2>Referrals and their outcomes</h2>
    ${
      draft.referrals.length
        ? draft.referrals.map((_, i) => referralBlock(draft, i, values, errors))
        : html`<p>No referrals were made in this episode.</p>`
    }
    <h2>The rest of the summary</h2>
    ${textArea({
      name: 'summary',
      label: CLOSURE_LABELS.summary,
      hint: 'The services provided, how the client is doing now, and anything the goals above do not say.',
      required: true,
      maxlength: 10_000,
      rows: 8,
      values,
      errors,
    })}
    ${textArea({
      name: 'recommendations',
      label: CLOSURE_LABELS.recommendations,
      hint: 'For the client, and for whoever works with them next.',
      maxlength: 5000,
      rows: 4,
      values,
      errors,
    })}
    <fieldset class="usa-fieldset cl-discharge-item">
      <legend class="usa-legend text-bold">Follow-up after closure</legend>
      ${textInput({
        name: 'followUp-what',
        label: CLOSURE_LABELS['followUp-what'],
        hint: 'For example: a phone call to check the tenancy holds.',
        maxlength: 1000,
        values,
        errors,
      })}
      ${textInput({ name: 'followUp-by', label: CLOSURE_LABELS['followUp-by'], type: 'date', values, errors })}
    </fieldset>`;
}
