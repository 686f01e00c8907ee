import type { Response, Router } from 'express';
import { z } from 'zod';
import { ForbiddenError } from '../../core/errors';
import { canApprove } from '../../domain/access';
import { approvalDeadline, approvalQueue, planCaseId, type ApprovalItem } from '../../domain/approvals';
import { decideClosure } from '../../domain/case-actions';
import {
  getPlan,
  latestAssessment,
  listClosureEvents,
  type Assessment,
  type Plan,
} from '../../domain/case-reads';
import { loadCase, type CaseRow } from '../../domain/cases';
import { staffNames } from '../../domain/directory';
import type { DischargeSummary } from '../../domain/discharge';
import { decidePlan } from '../../domain/plans';
import { closureDecisionBody, planDecisionBody } from '../routes/cases';
import { domainName } from './assessment-pages';
import { dischargeSections } from './discharge-render';
import { given, parseForm, refusalOf } from './form-flow';
import { errorSummary, formValues, textArea, type FieldErrors, type FormValues } from './forms';
import { humanStatus } from './html';
import { alert, csrfField, renderPage } from './layout';
import { noticeFor, type NoticeKey } from './notices';
import { baselineToTarget } from './plan-pages';
import { actorOf, redirectWithNotice, sendPage, viewerOf, type PageMiddleware } from './respond';
import type { Viewer } from './session';
import { html, type SafeHtml } from './template';
import { timeTag } from './time';
import type { WebDeps } from './web-deps';
import { span } from './work-pages';

/**
 * The approvals queue and the two review pages: a submitted plan (its goals and the assessment it
 * rests on) and a closure request (its reason and discharge summary), each with approve and
 * return-with-a-note in one form. Decisions go through the same services and schemas as the JSON
 * API (`decidePlan`, `decideClosure`); the page adds one rule of its own: returning needs a note,
 * so the case manager knows what to change.
 */

const DECISION_LABELS = { decision: 'Decision', note: 'Note to the case manager' };

/** The API's own decision body: a return without a note is refused there too; here it says what to do. */
function parseDecision<S extends z.ZodType>(schema: S, values: FormValues, what: string) {
  const note = given(values.note);
  return parseForm(schema, { decision: given(values.decision), note }, DECISION_LABELS, (name, message) => {
    if (name === 'decision') return 'Choose whether to approve or return.';
    if (name === 'note' && !note?.trim())
      return `Write a note saying what to change before returning the ${what}.`;
    return message;
  });
}

const SCORE_WORDS: Record<number, string> = {
  1: 'in crisis',
  2: 'vulnerable',
  3: 'stable',
  4: 'safe',
  5: 'thriving',
};

export function registerApprovalPages(web: Router, deps: WebDeps, mw: PageMiddleware): void {
  const now = (): Date => deps.clock?.() ?? new Date();

  web.get('/approvals', mw.signedIn, async (req, res) => {
    const viewer = viewerOf(res);
    const at = now();
    const queue = await approvalQueue(deps.pool, actorOf(res), at);
    sendPage(
      res,
      200,
      renderPage({
        title: 'Approvals',
        section: 'approvals',
        viewer,
        notice: noticeFor(req.query.notice),
        body: queueBody(queue.items, queue.truncated, viewer, at),
      }),
    );
  });

  // ---- plans ----

  async function renderPlanReview(
    res: Response,
    status: number,
    planId: string,
    state: { values?: FormValues; errors?: FieldErrors; problem?: string },
  ): Promise<void> {
    const viewer = viewerOf(res);
    const actor = actorOf(res);
    const caseId = await planCaseId(deps.pool, planId);
    const row = await loadCase(deps.pool, actor, caseId);
    if (!canApprove(actor, row))
      throw new ForbiddenError(
        'Only the case’s supervisor, its program manager or an admin decides on a plan.',
      );
    const plan = await getPlan(deps.pool, actor, caseId, planId);
    const assessment = await latestAssessment(
      deps.pool,
      actor,
      caseId,
      new Date(plan.submittedAt ?? now().toISOString()),
    );
    const due = plan.status === 'submitted' ? await approvalDeadline(deps.pool, caseId, planId) : null;
    const names = await staffNames(deps.pool, [
      plan.createdBy,
      ...plan.events.map((e) => e.actorId),
      ...(assessment ? [assessment.completedBy] : []),
    ]);
    const nameOf = (id: string | null | undefined): string => (id && names.get(id)) ?? 'a former colleague';
    sendPage(
      res,
      status,
      renderPage({
        title: `Review plan version ${plan.version} on case ${row.reference}`,
        section: 'approvals',
        viewer,
        problem: state.problem,
        breadcrumbs: [{ href: '/approvals', label: 'Approvals' }],
        body: planReview(row, plan, assessment, due, viewer, now(), nameOf, {
          values: state.values ?? {},
          errors: state.errors ?? {},
        }),
      }),
    );
  }

  web.get('/approvals/plans/:planId', mw.signedIn, async (req, res) => {
    await renderPlanReview(res, 200, String(req.params.planId), {});
  });

  web.post('/approvals/plans/:planId', mw.form, mw.signedIn, mw.csrf, async (req, res) => {
    const planId = String(req.params.planId);
    const values = formValues(req.body);
    const parsed = parseDecision(planDecisionBody, values, 'plan');
    if (!parsed.ok) return renderPlanReview(res, 400, planId, { values, errors: parsed.errors });
    const caseId = await planCaseId(deps.pool, planId);
    try {
      const decided = await decidePlan(deps, actorOf(res), caseId, planId, parsed.data);
      const done: NoticeKey = parsed.data.decision === 'approved' ? 'plan-approved' : 'plan-returned';
      redirectWithNotice(res, '/approvals', decided.pending ? 'change-pending' : done);
    } catch (err) {
      const refusal = refusalOf(err, DECISION_LABELS);
      if (!refusal) throw err;
      await renderPlanReview(res, refusal.status, planId, {
        values,
        errors: refusal.errors,
        problem: refusal.problem,
      });
    }
  });

  // ---- closures ----

  async function renderClosureReview(
    res: Response,
    status: number,
    caseId: string,
    state: { values?: FormValues; errors?: FieldErrors; problem?: string },
  ): Promise<void> {
    const viewer = viewerOf(res);
    const actor = actorOf(res);
    const row = await loadCase(deps.pool, actor, caseId);
    if (!canApprove(actor, row))
      throw new ForbiddenError(
        'Only the case’s supervisor, its program manager or an admin decides on a closure.',
      );
    const events = await listClosureEvents(deps.pool, actor, caseId);
    // Waiting: the latest closure event is a request nobody has decided yet.
    const last = events.at(-1);
    const request = last?.what === 'requested' && row.status !== 'closed' ? last : undefined;
    const waiting = request !== undefined;
    const due = waiting ? await approvalDeadline(deps.pool, caseId, null) : null;
    const names = await staffNames(
      deps.pool,
      events.map((e) => e.actorId),
    );
    const nameOf = (id: string | null | undefined): string => (id && names.get(id)) ?? 'a former colleague';
    sendPage(
      res,
      status,
      renderPage({
        title: `Review closure of case ${row.reference}`,
        section: 'approvals',
        viewer,
        problem: state.problem,
        breadcrumbs: [{ href: '/approvals', label: 'Approvals' }],
        body: closureReview(row, request, due, viewer, now(), nameOf, {
          values: state.values ?? {},
          errors: state.errors ?? {},
        }),
      }),
    );
  }

  web.get('/approvals/closures/:caseId', mw.signedIn, async (req, res) => {
    await renderClosureReview(res, 200, String(req.params.caseId), {});
  });

  web.post('/approvals/closures/:caseId', mw.form, mw.signedIn, mw.csrf, async (req, res) => {
    const caseId = String(req.params.caseId);
    const values = formValues(req.body);
    const parsed = parseDecision(closureDecisionBody, values, 'closure request');
    if (!parsed.ok) return renderClosureReview(res, 400, caseId, { values, errors: parsed.errors });
    try {
      const decided = await decideClosure(deps, actorOf(res), caseId, parsed.data);
      const done: NoticeKey = parsed.data.decision === 'approved' ? 'closure-approved' : 'closure-returned';
      redirectWithNotice(res, '/approvals', decided.pending ? 'change-pending' : done);
    } catch (err) {
      const refusal = refusalOf(err, DECISION_LABELS);
      if (!refusal) throw err;
      await renderClosureReview(res, refusal.status, caseId, {
        values,
        errors: refusal.errors,
        problem: refusal.problem,
      });
    }
  });
}

// ---------------------------------------------------------------------------------------------

/** "Due Mon 7 Dec 2026, 10:00 GMT", with "overdue" when past; "not on the schedule yet" without one. */
function deadline(dueAt: string | null, viewer: Viewer, at: Date): SafeHtml {
  if (!dueAt) return html`<span class="cl-muted">Not on the schedule yet</span>`;
  const ms = Date.parse(dueAt) - at.getTime();
  return html`${timeTag(dueAt, viewer.timeZone)}<br />${
      ms < 0
        ? html`<span class="cl-badge cl-badge--overdue">overdue by ${span(-ms)}</span>`
        : html`<span class="cl-muted">${span(ms)} left</span>`
    }`;
}

function queueBody(items: ApprovalItem[], truncated: boolean, viewer: Viewer, at: Date): SafeHtml {
  const intro = html`<p class="cl-muted">
    Plans submitted and closures requested on the cases you oversee, waiting for your decision, oldest first.
    Each deadline is the one the case’s own schedule keeps.
  </p>`;
  if (items.length === 0)
    return html`${intro}
      <p class="usa-intro">Nothing is waiting for your approval.</p>`;
  return html`${intro}
    ${truncated ? html`<p>Only the ${items.length} oldest are listed; decide on them and more will appear.</p>` : ''}
    <table class="usa-table usa-table--borderless usa-table--stacked width-full" id="approvals">
      <caption>
        Waiting for your decision (${items.length})
      </caption>
      <thead>
        <tr>
          <th scope="col">What</th>
          <th scope="col">Case</th>
          <th scope="col">Asked by</th>
          <th scope="col">Waiting</th>
          <th scope="col">Deadline</th>
          <th scope="col">Decide</th>
        </tr>
      </thead>
      <tbody>
        ${items.map((item) => {
          const what =
            item.kind === 'plan' ? `Service plan, version ${item.planVersion ?? ''}` : 'Closure request';
          const href =
            item.kind === 'plan'
              ? `/approvals/plans/${item.planId ?? ''}`
              : `/approvals/closures/${item.caseId}`;
          return html`<tr>
            <th scope="row" data-label="What">${what}</th>
            <td data-label="Case">
              <a href="/cases/${item.caseId}">${item.caseReference}</a>
              <span class="cl-muted">${item.clientInitials}</span>
            </td>
            <td data-label="Asked by">${item.requestedByName ?? '—'}</td>
            <td data-label="Waiting">
              ${span(Math.max(0, at.getTime() - Date.parse(item.waitingSince)))}<br /><span class="cl-muted"
                >since ${timeTag(item.waitingSince, viewer.timeZone)}</span
              >
            </td>
            <td data-label="Deadline">${deadline(item.dueAt, viewer, at)}</td>
            <td data-label="Decide">
              <a href="${href}"
                >Review<span class="usa-sr-only"> ${what.toLowerCase()} on ${item.caseReference}</span></a
              >
            </td>
          </tr>`;
        })}
      </tbody>
    </table>`;
}

function decisionForm(
  action: string,
  what: string,
  viewer: Viewer,
  field: { values: FormValues; errors: FieldErrors },
): SafeHtml {
  return html`<form class="usa-form usa-form--large" method="post" action="${action}" novalidate>
    ${csrfField(viewer)}
    ${textArea({
      name: 'note',
      label: DECISION_LABELS.note,
      hint: `Needed when you return the ${what}: say what to change. Optional when you approve.`,
      ...field,
      rows: 4,
      maxlength: 2000,
    })}
    <div class="cl-actions">
      <button class="usa-button" type="submit" name="decision" value="approved">Approve the ${what}</button>
      <button class="usa-button usa-button--outline" type="submit" name="decision" value="returned">
        Return with my note
      </button>
    </div>
  </form>`;
}

function assessmentSection(assessment: Assessment | null, viewer: Viewer, nameOf: (id: string) => string) {
  if (!assessment) return html`<p>No assessment was recorded before this plan was submitted.</p>`;
  const scores = Object.entries(assessment.scores);
  return html`<p>
      ${assessment.kind === 'initial' ? 'Initial assessment' : 'Reassessment'} completed
      ${timeTag(assessment.completedAt, viewer.timeZone)} by ${nameOf(assessment.completedBy)}.
    </p>
    ${
      scores.length
        ? html`<table class="usa-table usa-table--borderless usa-table--stacked width-full">
            <caption>
              Domain scores (1 in crisis to 5 thriving)
            </caption>
            <thead>
              <tr>
                <th scope="col">Life domain</th>
                <th scope="col">Score</th>
              </tr>
            </thead>
            <tbody>
              ${scores.map(
                ([domain, score]) =>
                  html`<tr>
                    <th scope="row" data-label="Life domain">${domainName(domain)}</th>
                    <td data-label="Score">
                      ${score}${SCORE_WORDS[score] ? ` (${SCORE_WORDS[score]})` : ''}
                    </td>
                  </tr>`,
              )}
            </tbody>
          </table>`
        : html`<p>No domain was scored.</p>`
    }
    <h3>Needs found</h3>
    ${
      assessment.needs.length
        ? html`<ul>
            ${assessment.needs.map((n) => html`<li>${n}</li>`)}
          </ul>`
        : html`<p>None recorded.</p>`
    }
    <h3>Summary</h3>
    <p class="cl-text">${assessment.summary || 'No summary recorded.'}</p>`;
}

function planReview(
  row: CaseRow,
  plan: Plan,
  assessment: Assessment | null,
  due: Date | null,
  viewer: Viewer,
  at: Date,
  nameOf: (id: string | null | undefined) => string,
  field: { values: FormValues; errors: FieldErrors },
): SafeHtml {
  const submitted = plan.events.filter((e) => e.what === 'submitted').at(-1);
  const earlier = plan.events.filter((e) => e.what === 'returned');
  const goals = plan.goals.length
    ? html`<table class="usa-table usa-table--borderless usa-table--stacked width-full" id="goals">
        <caption>
          Goals (${plan.goals.length}), soonest target date first
        </caption>
        <thead>
          <tr>
            <th scope="col">Goal</th>
            <th scope="col">Life domain</th>
            <th scope="col">Measure</th>
            <th scope="col">Baseline → target</th>
            <th scope="col">Target date</th>
          </tr>
        </thead>
        <tbody>
          ${plan.goals.map(
            (g) =>
              html`<tr>
                <th scope="row" data-label="Goal">${g.description}</th>
                <td data-label="Life domain">${domainName(g.domain)}</td>
                <td data-label="Measure">${g.measure}</td>
                <td data-label="Baseline → target">${baselineToTarget(g)}</td>
                <td data-label="Target date">${g.targetDate}</td>
              </tr>`,
          )}
        </tbody>
      </table>`
    : html`<p>This plan has no goals.</p>`;
  const decide =
    plan.status === 'submitted'
      ? html`${errorSummary(field.errors, DECISION_LABELS)}
          <h2>Your decision</h2>
          ${decisionForm(`/approvals/plans/${plan.id}`, 'plan', viewer, field)}`
      : alert(
          'info',
          html`This plan is ${humanStatus(plan.status).toLowerCase()}: nothing is waiting for a decision.
            <a href="/approvals">Back to approvals</a>`,
        );
  return html`<dl class="cl-facts">
      <div>
        <dt>Case</dt>
        <dd><a href="/cases/${row.id}">${row.reference}</a></dd>
      </div>
      <div>
        <dt>Status</dt>
        <dd>${humanStatus(plan.status)}</dd>
      </div>
      <div>
        <dt>Written by</dt>
        <dd>${nameOf(plan.createdBy)}</dd>
      </div>
      <div>
        <dt>Submitted</dt>
        <dd>
          ${submitted ? html`${timeTag(submitted.at, viewer.timeZone)} by ${nameOf(submitted.actorId)}` : '—'}
        </dd>
      </div>
      ${
        plan.status === 'submitted'
          ? html`<div>
              <dt>Decide by</dt>
              <dd>${deadline(due?.toISOString() ?? null, viewer, at)}</dd>
            </div>`
          : ''
      }
    </dl>
    ${
      earlier.length
        ? html`<p>Returned before (${earlier.length}): latest note “${earlier.at(-1)!.note ?? ''}”.</p>`
        : ''
    }
    <h2>What the plan is for</h2>
    <p class="cl-text">${plan.summary || 'No summary written.'}</p>
    <h2>Goals</h2>
    ${goals}
    <h2>The assessment it rests on</h2>
    ${assessmentSection(assessment, viewer, nameOf)} ${decide}`;
}

function closureReview(
  row: CaseRow,
  request:
    | {
        reason: string | null;
        summary: string | null;
        at: string;
        actorId: string;
        discharge: DischargeSummary | null;
      }
    | undefined,
  due: Date | null,
  viewer: Viewer,
  at: Date,
  nameOf: (id: string | null | undefined) => string,
  field: { values: FormValues; errors: FieldErrors },
): SafeHtml {
  if (!request)
    return alert(
      'info',
      html`No closure request is waiting on case <a href="/cases/${row.id}">${row.reference}</a>.
        <a href="/approvals">Back to approvals</a>`,
    );
  return html`<dl class="cl-facts">
      <div>
        <dt>Case</dt>
        <dd><a href="/cases/${row.id}">${row.reference}</a></dd>
      </div>
      <div>
        <dt>Requested</dt>
        <dd>${timeTag(request.at, viewer.timeZone)} by ${nameOf(request.actorId)}</dd>
      </div>
      <div>
        <dt>Decide by</dt>
        <dd>${deadline(due?.toISOString() ?? null, viewer, at)}</dd>
      </div>
    </dl>
    ${dischargeSections(request)} ${errorSummary(field.errors, DECISION_LABELS)}
    <h2>Your decision</h2>
    <p>Approving closes the case and ends its schedule; returning keeps it open with your note.</p>
    ${decisionForm(`/approvals/closures/${row.id}`, 'closure', viewer, field)}`;
}
