import express, { type Response, type Router } from 'express';
import { getGoal, getPlan, type Goal, type Plan } from '../../domain/case-reads';
import { loadCase, type CaseRow } from '../../domain/cases';
import { getStaff } from '../../domain/directory';
import { createPlan, recordGoalProgress, submitPlan } from '../../domain/plans';
import { goalProgressBody, planBody } from '../routes/cases';
import { domainName, domainsOf } from './assessment-pages';
import { given, parseForm, refusalOf } from './form-flow';
import {
  errorSummary,
  formValues,
  radios,
  select,
  textArea,
  textInput,
  type FieldErrors,
  type FormValues,
} from './forms';
import { humanStatus } from './html';
import { alert, csrfField, renderPage } from './layout';
import { noticeFor } from './notices';
import { actorOf, redirectWithNotice, sendPage, viewerOf, type PageMiddleware } from './respond';
import type { WebDeps } from './web-deps';
import type { Viewer } from './session';
import { html, type SafeHtml } from './template';
import { timeTag } from './time';

/**
 * Service plans: writing one with SMART goals (rows that need no JavaScript: "Add another goal"
 * sends the form back with one more row, everything typed kept), the plan with its goals,
 * progress and decisions, submitting it for approval, and recording progress on a goal.
 */
const FIRST_ROWS = 3;
const MAX_GOALS = 30;
const GOAL_FIELDS = ['domain', 'description', 'measure', 'baseline', 'target', 'targetDate'] as const;

const GOAL_STATUSES = [
  { value: 'not_started', label: 'Not started' },
  { value: 'in_progress', label: 'In progress' },
  { value: 'achieved', label: 'Achieved' },
  { value: 'not_achieved', label: 'Not achieved' },
  { value: 'dropped', label: 'Dropped' },
];
const goalStatusName = (status: string): string =>
  GOAL_STATUSES.find((s) => s.value === status)?.label ?? humanStatus(status);

function planLabels(rows: number): Record<string, string> {
  const labels: Record<string, string> = { summary: 'What the plan is for' };
  for (let i = 0; i < rows; i++) {
    const n = i + 1;
    labels[`goals-${i}-domain`] = `Goal ${n} life domain`;
    labels[`goals-${i}-description`] = `Goal ${n}`;
    labels[`goals-${i}-measure`] = `Goal ${n} measure`;
    labels[`goals-${i}-baseline`] = `Goal ${n} baseline`;
    labels[`goals-${i}-target`] = `Goal ${n} target`;
    labels[`goals-${i}-targetDate`] = `Goal ${n} target date`;
  }
  return labels;
}

function plainerGoal(name: string, message: string): string {
  const field = /^goals-\d+-(\w+)$/.exec(name)?.[1];
  const tooLong = /at most/.test(message);
  switch (field) {
    case 'domain':
      return 'Choose the life domain this goal is about.';
    case 'description':
      return tooLong ? 'Keep the goal to 500 characters.' : 'Describe what the client will achieve.';
    case 'measure':
      return tooLong ? 'Keep the measure to 500 characters.' : 'Say how progress will be measured.';
    case 'baseline':
      return 'Keep the baseline to 200 characters.';
    case 'target':
      return tooLong
        ? 'Keep the target to 200 characters.'
        : 'Say where the client aims to be by the target date.';
    case 'targetDate':
      return 'Enter the date the goal should be reached by.';
    default:
      return message;
  }
}

/** How many goal rows the form shows: what it last showed, within 1..30. */
function rowCount(values: FormValues): number {
  const n = Number(values.goalRows);
  return Number.isInteger(n) ? Math.min(Math.max(n, 1), MAX_GOALS) : FIRST_ROWS;
}

/** The form as the API's plan: rows left empty are ignored; `rowOf[k]` is the row goal k came from. */
function planRequest(values: FormValues, rows: number): { body: unknown; rowOf: number[] } {
  const goals: unknown[] = [];
  const rowOf: number[] = [];
  for (let i = 0; i < rows; i++) {
    const get = (f: (typeof GOAL_FIELDS)[number]) => given(values[`goals-${i}-${f}`]);
    if (GOAL_FIELDS.every((f) => get(f) === undefined)) continue;
    rowOf.push(i);
    goals.push({
      domain: get('domain'),
      description: values[`goals-${i}-description`] ?? '',
      measure: values[`goals-${i}-measure`] ?? '',
      baseline: get('baseline'),
      target: get('target'),
      targetDate: get('targetDate'),
    });
  }
  return { body: { summary: values.summary ?? '', goals }, rowOf };
}

/** A goal's field name in the API's numbering (`goals-1-measure`) as the form row it came from. */
const toRow =
  (rowOf: number[]) =>
  (name: string): string =>
    name.replace(/^goals-(\d+)-/, (_m, k: string) => `goals-${rowOf[Number(k)] ?? Number(k)}-`);

export function registerPlanPages(web: Router, deps: WebDeps, mw: PageMiddleware): void {
  // Up to 30 goals of 500-character fields: the API's own body limit rather than the small form default.
  const largeForm = express.urlencoded({ extended: false, limit: '100kb' });

  async function renderNewPlan(
    res: Response,
    status: number,
    row: CaseRow,
    state: { values: FormValues; errors?: FieldErrors; problem?: string },
  ): Promise<void> {
    const viewer = viewerOf(res);
    const domains = await domainsOf(deps, row.program_id);
    const rows = rowCount(state.values);
    sendPage(
      res,
      status,
      renderPage({
        title: 'Write a service plan',
        section: 'caseload',
        viewer,
        problem: state.problem,
        breadcrumbs: [{ href: `/cases/${row.id}#plan`, label: `Case ${row.reference}` }],
        body: planForm(row, domains, rows, viewer, state.values, state.errors ?? {}),
      }),
    );
  }

  web.get('/cases/:caseId/plans/new', mw.signedIn, async (req, res) => {
    const row = await loadCase(deps.pool, actorOf(res), String(req.params.caseId));
    await renderNewPlan(res, 200, row, { values: { goalRows: String(FIRST_ROWS) } });
  });

  web.post('/cases/:caseId/plans/new', largeForm, mw.signedIn, mw.csrf, async (req, res) => {
    const actor = actorOf(res);
    const row = await loadCase(deps.pool, actor, String(req.params.caseId));
    const values = formValues(req.body);
    const rows = rowCount(values);
    if (values.action === 'add-goal') {
      values.goalRows = String(Math.min(rows + 1, MAX_GOALS));
      return renderNewPlan(res, 200, row, { values });
    }
    values.goalRows = String(rows);
    const labels = planLabels(rows);
    const { body, rowOf } = planRequest(values, rows);
    const apiLabels: Record<string, string> = { summary: labels.summary! };
    rowOf.forEach((r, k) => {
      for (const f of ['domain', 'description', 'measure', 'baseline', 'target', 'targetDate'])
        apiLabels[`goals-${k}-${f}`] = labels[`goals-${r}-${f}`]!;
    });
    const parsed = parseForm(planBody, body, apiLabels);
    if (!parsed.ok) {
      const errors: FieldErrors = {};
      for (const [name, message] of Object.entries(parsed.errors)) {
        if (name === 'goals')
          errors['goals-0-description'] = 'Write at least one goal: describe what the client will achieve.';
        else errors[toRow(rowOf)(name)] = plainerGoal(name, message);
      }
      return renderNewPlan(res, 400, row, { values, errors });
    }
    try {
      const plan = await createPlan(deps, actor, row.id, parsed.data);
      redirectWithNotice(
        res,
        `/cases/${row.id}/plans/${plan.planId}`,
        plan.pending ? 'change-pending' : 'plan-drafted',
      );
    } catch (err) {
      const refusal = refusalOf(err, labels, toRow(rowOf));
      if (!refusal) throw err;
      await renderNewPlan(res, refusal.status, row, {
        values,
        errors: refusal.errors,
        problem: refusal.problem,
      });
    }
  });

  async function renderPlan(
    res: Response,
    status: number,
    caseId: string,
    planId: string,
    state: { notice?: string; problem?: string },
  ): Promise<void> {
    const viewer = viewerOf(res);
    const actor = actorOf(res);
    const row = await loadCase(deps.pool, actor, caseId);
    const plan = await getPlan(deps.pool, actor, caseId, planId);
    const ids = new Set([
      plan.createdBy,
      ...plan.events.map((e) => e.actorId),
      ...plan.goals.flatMap((g) => g.progress.map((p) => p.recordedBy)),
    ]);
    const names = new Map<string, string>();
    await Promise.all(
      [...ids].map(async (id) =>
        names.set(
          id,
          (await getStaff(deps.pool, id).catch(() => undefined))?.fullName ?? 'a former colleague',
        ),
      ),
    );
    sendPage(
      res,
      status,
      renderPage({
        title: `Service plan, version ${plan.version}`,
        section: 'caseload',
        viewer,
        notice: state.notice,
        problem: state.problem,
        breadcrumbs: [{ href: `/cases/${row.id}#plan`, label: `Case ${row.reference}` }],
        body: planPage(row, plan, viewer, (id) => names.get(id) ?? 'a former colleague'),
      }),
    );
  }

  web.get('/cases/:caseId/plans/:planId', mw.signedIn, async (req, res) => {
    await renderPlan(res, 200, String(req.params.caseId), String(req.params.planId), {
      notice: noticeFor(req.query.notice),
    });
  });

  web.post('/cases/:caseId/plans/:planId/submit', mw.form, mw.signedIn, mw.csrf, async (req, res) => {
    const caseId = String(req.params.caseId);
    const planId = String(req.params.planId);
    try {
      const submitted = await submitPlan(deps, actorOf(res), caseId, planId);
      redirectWithNotice(
        res,
        `/cases/${caseId}#plan`,
        submitted.pending ? 'change-pending' : 'plan-submitted',
      );
    } catch (err) {
      const refusal = refusalOf(err, {});
      if (!refusal) throw err;
      await renderPlan(res, refusal.status, caseId, planId, { problem: refusal.problem });
    }
  });

  const PROGRESS_LABELS = { status: 'Where the goal stands', note: 'What happened' };

  async function renderProgress(
    res: Response,
    status: number,
    caseId: string,
    goalId: string,
    state: { values?: FormValues; errors?: FieldErrors; problem?: string },
  ): Promise<void> {
    const viewer = viewerOf(res);
    const actor = actorOf(res);
    const row = await loadCase(deps.pool, actor, caseId);
    const { plan, goal } = await getGoal(deps.pool, actor, caseId, goalId);
    const values = state.values ?? { status: goal.status };
    const errors = state.errors ?? {};
    const field = { values, errors };
    const notApproved =
      plan.status === 'approved'
        ? ''
        : alert(
            'info',
            `This goal’s plan is ${humanStatus(plan.status).toLowerCase()}: progress is recorded once its plan is approved.`,
          );
    sendPage(
      res,
      status,
      renderPage({
        title: 'Record progress on a goal',
        section: 'caseload',
        viewer,
        problem: state.problem,
        breadcrumbs: [
          { href: `/cases/${row.id}#plan`, label: `Case ${row.reference}` },
          { href: `/cases/${row.id}/plans/${plan.id}`, label: `Plan version ${plan.version}` },
        ],
        body: html`${errorSummary(errors, PROGRESS_LABELS)} ${notApproved}
          <dl>
            <dt>Goal</dt>
            <dd>${goal.description}</dd>
            <dt>Measure</dt>
            <dd>${goal.measure}</dd>
            <dt>Baseline → target</dt>
            <dd>${baselineToTarget(goal)}</dd>
            <dt>Target date</dt>
            <dd>${goal.targetDate}</dd>
            <dt>Status now</dt>
            <dd>${goalStatusName(goal.status)}</dd>
          </dl>
          <form
            class="usa-form usa-form--large"
            method="post"
            action="/cases/${row.id}/goals/${goal.id}/progress/new"
            novalidate
          >
            ${csrfField(viewer)}
            ${radios({ name: 'status', label: 'Where the goal stands', ...field, required: true, choices: GOAL_STATUSES })}
            ${textArea({
              name: 'note',
              label: 'What happened',
              hint: 'What changed since the last update, measured against the goal’s measure.',
              ...field,
              rows: 5,
              maxlength: 2000,
            })}
            <button class="usa-button" type="submit">Record progress</button>
            <a class="usa-button usa-button--unstyled margin-left-2" href="/cases/${row.id}/plans/${plan.id}"
              >Cancel</a
            >
          </form>`,
      }),
    );
  }

  web.get('/cases/:caseId/goals/:goalId/progress/new', mw.signedIn, async (req, res) => {
    await renderProgress(res, 200, String(req.params.caseId), String(req.params.goalId), {});
  });

  web.post('/cases/:caseId/goals/:goalId/progress/new', mw.form, mw.signedIn, mw.csrf, async (req, res) => {
    const caseId = String(req.params.caseId);
    const goalId = String(req.params.goalId);
    const values = formValues(req.body);
    const parsed = parseForm(
      goalProgressBody,
      { status: given(values.status), note: values.note ?? '' },
      PROGRESS_LABELS,
      (name, message) => (name === 'status' ? 'Choose where the goal stands.' : message),
    );
    if (!parsed.ok) return renderProgress(res, 400, caseId, goalId, { values, errors: parsed.errors });
    try {
      const recorded = await recordGoalProgress(deps, actorOf(res), caseId, goalId, parsed.data);
      redirectWithNotice(
        res,
        `/cases/${caseId}#plan`,
        recorded.pending ? 'change-pending' : 'progress-recorded',
      );
    } catch (err) {
      const refusal = refusalOf(err, PROGRESS_LABELS);
      if (!refusal) throw err;
      await renderProgress(res, refusal.status, caseId, goalId, {
        values,
        errors: refusal.errors,
        problem: refusal.problem,
      });
    }
  });
}

function planForm(
  row: CaseRow,
  domains: string[],
  rows: number,
  viewer: Viewer,
  values: FormValues,
  errors: FieldErrors,
): SafeHtml {
  const field = { values, errors };
  const domainChoices = domains.map((d) => ({ value: d, label: domainName(d) }));
  const goalRow = (i: number): SafeHtml =>
    html`<fieldset class="usa-fieldset margin-top-4">
      <legend class="usa-legend font-heading-lg text-bold">Goal ${i + 1}</legend>
      ${select({ name: `goals-${i}-domain`, label: 'Life domain', ...field, required: true, choices: domainChoices })}
      ${textArea({
        name: `goals-${i}-description`,
        label: 'What the client will achieve',
        hint: 'Specific, achievable and relevant: who will do what.',
        ...field,
        required: true,
        rows: 2,
        maxlength: 500,
      })}
      ${textInput({
        name: `goals-${i}-measure`,
        label: 'How progress is measured',
        hint: 'Measurable, for example “nights a week in their own tenancy”.',
        ...field,
        required: true,
        maxlength: 500,
      })}
      ${textInput({ name: `goals-${i}-baseline`, label: 'Baseline', hint: 'Where the client is now, for example “0”.', ...field, maxlength: 200 })}
      ${textInput({ name: `goals-${i}-target`, label: 'Target', hint: 'Where they aim to be, for example “7”.', ...field, maxlength: 200 })}
      ${textInput({
        name: `goals-${i}-targetDate`,
        label: 'Target date',
        hint: 'Time-bound: the date to reach it by.',
        type: 'date',
        ...field,
        required: true,
      })}
    </fieldset>`;
  return html`${errorSummary(errors, planLabels(rows))}
    <p>
      Write each goal the SMART way: specific, measurable, achievable, relevant and time-bound. Goals left
      empty are ignored. The plan is saved as a draft; you submit it for approval on the next page.
    </p>
    <form class="usa-form usa-form--large" method="post" action="/cases/${row.id}/plans/new" novalidate>
      ${csrfField(viewer)}
      <input type="hidden" name="goalRows" value="${rows}" />
      ${textArea({ name: 'summary', label: 'What the plan is for', ...field, rows: 3, maxlength: 5000 })}
      ${Array.from({ length: rows }, (_, i) => goalRow(i))}
      <div class="cl-actions">
        ${
          rows < MAX_GOALS
            ? html`<button
                class="usa-button usa-button--outline"
                type="submit"
                name="action"
                value="add-goal"
              >
                Add another goal
              </button>`
            : ''
        }
        <button class="usa-button" type="submit" name="action" value="save">Save plan as a draft</button>
      </div>
    </form>`;
}

function progressTable(goal: Goal, n: number, viewer: Viewer, nameOf: (id: string) => string): SafeHtml {
  if (goal.progress.length === 0) return html`<p>No progress recorded yet.</p>`;
  return html`<table class="usa-table usa-table--borderless usa-table--stacked width-full">
    <caption>
      Progress on goal ${n}, oldest first
    </caption>
    <thead>
      <tr>
        <th scope="col">When</th>
        <th scope="col">Status</th>
        <th scope="col">What happened</th>
        <th scope="col">Recorded by</th>
      </tr>
    </thead>
    <tbody>
      ${goal.progress.map(
        (p) =>
          html`<tr>
            <th scope="row" data-label="When">${timeTag(p.at, viewer.timeZone)}</th>
            <td data-label="Status">${goalStatusName(p.status)}</td>
            <td data-label="What happened">${p.note || '—'}</td>
            <td data-label="Recorded by">${nameOf(p.recordedBy)}</td>
          </tr>`,
      )}
    </tbody>
  </table>`;
}

const EVENT_NAMES = { submitted: 'Submitted for approval', approved: 'Approved', returned: 'Returned' };

function planPage(row: CaseRow, plan: Plan, viewer: Viewer, nameOf: (id: string) => string): SafeHtml {
  const canSubmit = plan.status === 'draft' || plan.status === 'returned';
  const submit = canSubmit
    ? html`<form class="cl-actions" method="post" action="/cases/${row.id}/plans/${plan.id}/submit">
        ${csrfField(viewer)}
        <button class="usa-button" type="submit">Submit for approval</button>
      </form>`
    : '';
  const goals = plan.goals.map(
    (g, i) =>
      html`<section class="margin-bottom-4" aria-labelledby="goal-${i + 1}">
        <h3 id="goal-${i + 1}">Goal ${i + 1}: ${g.description}</h3>
        <dl>
          <dt>Life domain</dt>
          <dd>${domainName(g.domain)}</dd>
          <dt>Measure</dt>
          <dd>${g.measure}</dd>
          <dt>Baseline → target</dt>
          <dd>${baselineToTarget(g)}</dd>
          <dt>Target date</dt>
          <dd>${g.targetDate}</dd>
          <dt>Status</dt>
          <dd>${goalStatusName(g.status)}</dd>
        </dl>
        ${progressTable(g, i + 1, viewer, nameOf)}
        ${
          plan.status === 'approved'
            ? html`<p>
                <a class="usa-button usa-button--outline" href="/cases/${row.id}/goals/${g.id}/progress/new"
                  >Record progress<span class="usa-sr-only"> on goal ${i + 1}</span></a
                >
              </p>`
            : ''
        }
      </section>`,
  );
  const events = plan.events.length
    ? html`<table class="usa-table usa-table--borderless usa-table--stacked width-full">
        <caption>
          Submissions and decisions, oldest first
        </caption>
        <thead>
          <tr>
            <th scope="col">When</th>
            <th scope="col">What</th>
            <th scope="col">Who</th>
            <th scope="col">Note</th>
          </tr>
        </thead>
        <tbody>
          ${plan.events.map(
            (e) =>
              html`<tr>
                <th scope="row" data-label="When">${timeTag(e.at, viewer.timeZone)}</th>
                <td data-label="What">${EVENT_NAMES[e.what]}</td>
                <td data-label="Who">${nameOf(e.actorId)}</td>
                <td data-label="Note">${e.note || '—'}</td>
              </tr>`,
          )}
        </tbody>
      </table>`
    : html`<p>Not submitted yet.</p>`;
  return html`<dl>
      <dt>Status</dt>
      <dd>${humanStatus(plan.status)}</dd>
      <dt>Written</dt>
      <dd>${timeTag(plan.createdAt, viewer.timeZone)} by ${nameOf(plan.createdBy)}</dd>
      ${
        plan.summary
          ? html`<dt>What the plan is for</dt>
              <dd>${plan.summary}</dd>`
          : ''
      }
    </dl>
    ${
      plan.status === 'returned'
        ? alert(
            'info',
            'Your supervisor returned this plan: their note is under “Submissions and decisions”.',
          )
        : ''
    }
    ${
      plan.status !== 'approved' && plan.goals.length
        ? html`<p>Progress on the goals is recorded once the plan is approved.</p>`
        : ''
    }
    ${submit}
    <h2>Goals</h2>
    ${goals}
    <h2>Submissions and decisions</h2>
    ${events}`;
}

/** "0 → 7"; goals written before baselines were recorded say so. */
export function baselineToTarget(goal: { baseline: string | null; target: string | null }): string {
  if (goal.baseline === null && goal.target === null) return 'Not recorded';
  return `${goal.baseline ?? 'not recorded'} → ${goal.target ?? 'not recorded'}`;
}
