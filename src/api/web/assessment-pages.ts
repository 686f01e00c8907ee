import type { Response, Router } from 'express';
import express from 'express';
import { AppError } from '../../core/errors';
import { changeRisk } from '../../domain/case-actions';
import { LIFE_DOMAINS, loadCase, recordAssessment, type CaseRow } from '../../domain/cases';
import { getProgram } from '../../domain/directory';
import { assessmentBody, riskChangeBody } from '../routes/cases';
import { given, parseForm, refusalOf } from './form-flow';
import { instantFromLocal } from './local-time';
import {
  errorSummary,
  fieldId,
  formValues,
  radios,
  textArea,
  textInput,
  type FieldErrors,
  type FormValues,
} from './forms';
import { csrfField, renderPage } from './layout';
import { actorOf, redirectWithNotice, sendPage, viewerOf, type PageMiddleware } from './respond';
import type { WebDeps } from './web-deps';
import type { Viewer } from './session';
import { html, type SafeHtml } from './template';

/**
 * Recording a completed needs assessment: a score from 1 to 5 for each life domain assessed, the
 * needs found, a summary, when it was done, and the risk level it leaves the case at.
 */
const DOMAIN_NAMES: Record<string, string> = {
  mental_health: 'Mental health',
  substance_use: 'Substance use',
  family_social_support: 'Family and social support',
};

/** A life domain's key in words: "family_social_support" → "Family and social support". */
export function domainName(key: string): string {
  const known = DOMAIN_NAMES[key];
  if (known) return known;
  const text = key.replace(/_/g, ' ');
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/** The standard life domains and the program's own. */
export async function domainsOf(deps: WebDeps, programId: string): Promise<string[]> {
  const program = await getProgram(deps.pool, programId);
  return [...new Set([...LIFE_DOMAINS, ...program.extraDomains])];
}

const SCALE = '1 in crisis, 2 vulnerable, 3 stable, 4 safe, 5 thriving';

const RISK_CHOICES = [
  { value: 'low', label: 'Low' },
  { value: 'medium', label: 'Medium' },
  { value: 'high', label: 'High' },
];

function labelsFor(domains: string[]): Record<string, string> {
  const labels: Record<string, string> = {
    kind: 'Kind of assessment',
    scores: 'Scores',
    needs: 'Needs identified',
    summary: 'Summary',
    completedAt: 'When it was done',
    riskLevel: 'Risk level',
  };
  for (const d of domains) labels[`scores-${d}`] = `${domainName(d)} score`;
  return labels;
}

function plainer(name: string, message: string): string {
  if (name.startsWith('scores-')) return 'Enter a whole number from 1 to 5, or leave it blank.';
  switch (name) {
    case 'scores':
      return 'Score at least one life domain.';
    case 'kind':
      return 'Choose whether this is the initial assessment or a reassessment.';
    case 'completedAt':
      return 'Enter the date and time the assessment was done, or leave it blank if it was just now.';
    case 'riskLevel':
      return 'Choose the risk level.';
    default:
      return message;
  }
}

/** The form as the API's assessment: typed scores as numbers (anything else as typed, for zod to refuse). */
function assessmentRequest(values: FormValues, domains: string[], viewer: Viewer): unknown {
  const scores: Record<string, unknown> = {};
  for (const d of domains) {
    const raw = values[`scores-${d}`]?.trim();
    if (raw) scores[d] = /^[+-]?\d+(\.\d+)?$/.test(raw) ? Number(raw) : raw;
  }
  const completedAt = given(values.completedAt);
  return {
    kind: given(values.kind),
    scores,
    needs: (values.needs ?? '')
      .split(/\r?\n/)
      .map((line) => line.trim())
      .filter(Boolean),
    summary: values.summary ?? '',
    ...(completedAt ? { completedAt: instantFromLocal(completedAt, viewer.timeZone) ?? completedAt } : {}),
  };
}

export function registerAssessmentPages(web: Router, deps: WebDeps, mw: PageMiddleware): void {
  // Long summaries and need lists: the API's own body limit rather than the small form default.
  const largeForm = express.urlencoded({ extended: false, limit: '100kb' });

  async function render(
    res: Response,
    status: number,
    row: CaseRow,
    state: { values: FormValues; errors?: FieldErrors; problem?: string },
  ): Promise<void> {
    const viewer = viewerOf(res);
    const domains = await domainsOf(deps, row.program_id);
    sendPage(
      res,
      status,
      renderPage({
        title: 'Record an assessment',
        section: 'caseload',
        viewer,
        problem: state.problem,
        breadcrumbs: [{ href: `/cases/${row.id}#assessments`, label: `Case ${row.reference}` }],
        body: assessmentForm(row, domains, viewer, state.values, state.errors ?? {}),
      }),
    );
  }

  web.get('/cases/:caseId/assessments/new', mw.signedIn, async (req, res) => {
    const row = await loadCase(deps.pool, actorOf(res), String(req.params.caseId));
    const first = row.status === 'intake' || row.status === 'assessment';
    await render(res, 200, row, {
      values: { kind: first ? 'initial' : 'reassessment', riskLevel: row.risk_level },
    });
  });

  web.post('/cases/:caseId/assessments/new', largeForm, mw.signedIn, mw.csrf, async (req, res) => {
    const viewer = viewerOf(res);
    const actor = actorOf(res);
    const row = await loadCase(deps.pool, actor, String(req.params.caseId));
    const values = formValues(req.body);
    const domains = await domainsOf(deps, row.program_id);
    const labels = labelsFor(domains);
    const assessment = parseForm(assessmentBody, assessmentRequest(values, domains, viewer), labels, plainer);
    const risk = parseForm(riskChangeBody, { riskLevel: given(values.riskLevel) }, labels, plainer);
    if (!assessment.ok || !risk.ok) {
      const errors = { ...(assessment.ok ? {} : assessment.errors), ...(risk.ok ? {} : risk.errors) };
      for (const name of Object.keys(errors).filter((n) => n.startsWith('needs-'))) {
        errors.needs ??= 'Each need can be at most 200 characters: split a long one over two lines.';
        delete errors[name];
      }
      return render(res, 400, row, { values, errors });
    }
    let recorded;
    try {
      recorded = await recordAssessment(deps, actor, row.id, assessment.data);
    } catch (err) {
      const refusal = refusalOf(err, labels);
      if (!refusal) throw err;
      return render(res, refusal.status, row, { values, errors: refusal.errors, problem: refusal.problem });
    }
    const path = `/cases/${row.id}#assessments`;
    if (risk.data.riskLevel === row.risk_level)
      return redirectWithNotice(res, path, recorded.pending ? 'change-pending' : 'assessment-recorded');
    if (recorded.pending) return redirectWithNotice(res, path, 'assessment-recorded-risk-unchanged');
    try {
      const changed = await changeRisk(deps, actor, row.id, risk.data.riskLevel);
      redirectWithNotice(res, path, changed.pending ? 'change-pending' : 'assessment-recorded-risk-changed');
    } catch (err) {
      // The assessment stands; the risk level is a separate change the case could not take now.
      if (!(err instanceof AppError) || (err.status >= 500 && err.status !== 503)) throw err;
      redirectWithNotice(res, path, 'assessment-recorded-risk-unchanged');
    }
  });
}

function assessmentForm(
  row: CaseRow,
  domains: string[],
  viewer: Viewer,
  values: FormValues,
  errors: FieldErrors,
): SafeHtml {
  const field = { values, errors };
  const labels = labelsFor(domains);
  const scoresError = errors.scores;
  return html`${errorSummary(errors, labels)}
    <form class="usa-form usa-form--large" method="post" action="/cases/${row.id}/assessments/new" novalidate>
      ${csrfField(viewer)}
      ${radios({
        name: 'kind',
        label: 'Kind of assessment',
        ...field,
        required: true,
        choices: [
          { value: 'initial', label: 'Initial assessment (the first since the case was opened)' },
          { value: 'reassessment', label: 'Reassessment' },
        ],
      })}
      <div class="usa-form-group${scoresError ? ' usa-form-group--error' : ''}">
        <fieldset
          class="usa-fieldset"
          id="${fieldId('scores')}"
          aria-describedby="scores-scale${scoresError ? ' scores-error' : ''}"
        >
          <legend class="usa-legend font-heading-lg text-bold">Life domain scores</legend>
          <p class="usa-hint" id="scores-scale">
            Score each domain you assessed from 1 to 5: ${SCALE}. Leave a domain blank if you did not assess
            it.
          </p>
          ${scoresError ? html`<span class="usa-error-message" id="scores-error">${scoresError}</span>` : ''}
          ${domains.map((d) =>
            textInput({
              name: `scores-${d}`,
              label: domainName(d),
              hint: '1 to 5, or blank',
              ...field,
              inputmode: 'numeric',
              maxlength: 3,
            }),
          )}
        </fieldset>
      </div>
      ${textArea({
        name: 'needs',
        label: 'Needs identified',
        hint: 'One need per line, for example “Rent arrears” or “No GP”.',
        ...field,
        rows: 4,
      })}
      ${textArea({ name: 'summary', label: 'Summary', hint: 'What you found, in a few sentences.', ...field, rows: 6, maxlength: 5000 })}
      ${textInput({
        name: 'completedAt',
        label: 'When it was done',
        hint: `Date and time in your time zone (${viewer.timeZone}). Leave blank if it was just now.`,
        type: 'datetime-local',
        ...field,
      })}
      ${radios({
        name: 'riskLevel',
        label: 'Risk level after this assessment',
        hint: `Now ${row.risk_level}. It sets how often the case is reassessed.`,
        ...field,
        required: true,
        choices: RISK_CHOICES,
      })}
      <button class="usa-button" type="submit">Record assessment</button>
      <a class="usa-button usa-button--unstyled margin-left-2" href="/cases/${row.id}#assessments">Cancel</a>
    </form>`;
}
