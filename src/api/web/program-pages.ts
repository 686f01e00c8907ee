import type { Response, Router } from 'express';
import { obligationLabel } from '../../core/obligation-catalogue';
import { canManageProgram } from '../../domain/access';
import { listPrograms } from '../../domain/directory';
import {
  programReport,
  reportRangeProblems,
  type ProgramReport,
  type ReportRange,
} from '../../domain/program-report';
import { barChart } from './charts';
import { errorSummary, formValues, textInput, type FieldErrors, type FormValues } from './forms';
import { renderPage } from './layout';
import { actorOf, sendPage, viewerOf, type PageMiddleware } from './respond';
import { html, type Fragment, type SafeHtml } from './template';
import { localDate } from './time';
import { sendCsv } from './csv';
import { auditExport } from '../../domain/export-audit';
import type { WebDeps } from './web-deps';

/**
 * A program manager's pages: the programs they manage (an admin: all), and each program's
 * outcomes report for a date range, as charts with their data tables and one CSV.
 */
export function registerProgramPages(web: Router, deps: WebDeps, mw: PageMiddleware): void {
  const now = (): Date => deps.clock?.() ?? new Date();

  web.get('/programs', mw.signedIn, async (_req, res) => {
    const viewer = viewerOf(res);
    const actor = actorOf(res);
    const programs = (await listPrograms(deps.pool)).filter((p) =>
      canManageProgram(actor, p.programManagerId),
    );
    sendPage(
      res,
      200,
      renderPage({
        title: 'Programs',
        section: 'programs',
        viewer,
        body:
          programs.length === 0
            ? html`<p>You do not manage any programs.</p>`
            : html`<table class="usa-table usa-table--borderless usa-table--stacked cl-table">
                <caption class="usa-sr-only">
                  Programs you manage
                </caption>
                <thead>
                  <tr>
                    <th scope="col">Program</th>
                    <th scope="col">Time zone</th>
                    <th scope="col">Status</th>
                    <th scope="col">Pages</th>
                  </tr>
                </thead>
                <tbody>
                  ${programs.map(
                    (p) =>
                      html`<tr>
                        <th scope="row" data-label="Program">${p.name}</th>
                        <td data-label="Time zone">${p.timeZone}</td>
                        <td data-label="Status">${p.active ? 'Active' : 'Inactive'}</td>
                        <td data-label="Pages">
                          <ul class="usa-list usa-list--unstyled">
                            <li>
                              <a href="/programs/${p.id}/report"
                                >Outcomes report<span class="usa-sr-only"> for ${p.name}</span></a
                              >
                            </li>
                            <li>
                              <a href="/programs/${p.id}/policy"
                                >Policy<span class="usa-sr-only"> of ${p.name}</span></a
                              >
                            </li>
                            <li>
                              <a href="/programs/${p.id}/schedule.csv" download
                                >Open cases’ schedule (CSV)<span class="usa-sr-only"> of ${p.name}</span></a
                              >
                            </li>
                          </ul>
                        </td>
                      </tr>`,
                  )}
                </tbody>
              </table>`,
      }),
    );
  });

  /** The range asked for, or the last 90 days (today included) in the program's time zone. */
  async function rangeOf(
    query: unknown,
    programId: string,
  ): Promise<{ values: FormValues; errors: FieldErrors }> {
    const values = formValues(query);
    if (!values.from || !values.to) {
      const zone = (
        await deps.pool.query<{ time_zone: string }>('SELECT time_zone FROM programs WHERE id = $1', [
          programId,
        ])
      ).rows[0]?.time_zone;
      const today = localDate(now(), zone ?? 'UTC');
      const start = new Date(`${today}T00:00:00Z`);
      start.setUTCDate(start.getUTCDate() - 89);
      values.from ||= start.toISOString().slice(0, 10);
      values.to ||= today;
    }
    return { values, errors: reportRangeProblems({ from: values.from, to: values.to }) };
  }

  async function report(
    req: { query: unknown; params: Record<string, string> },
    res: Response,
    csv: boolean,
  ) {
    const viewer = viewerOf(res);
    const programId = String(req.params.programId);
    const { values, errors } = await rangeOf(req.query, programId);
    if (Object.keys(errors).length > 0) {
      return sendPage(
        res,
        400,
        renderPage({
          title: 'Outcomes report',
          section: 'programs',
          viewer,
          breadcrumbs: [{ href: '/programs', label: 'Programs' }],
          body: html`${errorSummary(errors, LABELS)}${rangeForm(programId, values, errors)}`,
        }),
      );
    }
    const range: ReportRange = { from: values.from!, to: values.to! };
    const data = await programReport(deps.pool, actorOf(res), programId, range, now());
    if (csv) {
      const rows = reportCsvRows(data);
      await auditExport(deps.pool, actorOf(res), {
        export: 'program_report',
        entity: 'program_report',
        entityId: programId,
        filter: { programId, ...range },
        rows: rows.length,
      });
      sendCsv(res, `program-report-${range.from}-to-${range.to}.csv`, REPORT_CSV_HEADER, rows);
      return;
    }
    sendPage(
      res,
      200,
      renderPage({
        title: `Outcomes report: ${data.program.name}`,
        section: 'programs',
        viewer,
        breadcrumbs: [{ href: '/programs', label: 'Programs' }],
        body: reportBody(data, values),
      }),
    );
  }

  web.get('/programs/:programId/report', mw.signedIn, (req, res) =>
    report({ query: req.query, params: req.params as Record<string, string> }, res, false),
  );
  web.get('/programs/:programId/report.csv', mw.signedIn, (req, res) =>
    report({ query: req.query, params: req.params as Record<string, string> }, res, true),
  );
}

const LABELS = { from: 'From', to: 'To' };

function rangeForm(programId: string, values: FormValues, errors: FieldErrors = {}): SafeHtml {
  return html`<form class="usa-form cl-range" method="get" action="/programs/${programId}/report">
    <fieldset class="usa-fieldset">
      <legend class="usa-legend">Date range</legend>
      <p class="usa-hint">Whole days in the program’s time zone; both days are included.</p>
      ${textInput({ name: 'from', label: LABELS.from, type: 'date', values, errors, required: true })}
      ${textInput({ name: 'to', label: LABELS.to, type: 'date', values, errors, required: true })}
      <button class="usa-button" type="submit">Show report</button>
    </fieldset>
  </form>`;
}

const days = (d: number | null): string => (d === null ? '—' : `${d.toFixed(1)} days`);
const hours = (h: number | null): string => (h === null ? '—' : `${h.toFixed(1)} hours`);
const percent = (r: number | null): string => (r === null ? '—' : `${Math.round(r * 100)}%`);

const TIMING_LABELS = {
  intake_to_initial_assessment: 'Intake to initial assessment',
  initial_assessment_to_approved_plan: 'Assessment to approved plan',
} as const;

/** A table that stacks at 320 px: the accessible version of the chart beside it. */
function table(caption: string, head: string[], rows: Fragment[][]): SafeHtml {
  if (rows.length === 0) return html`<p>No records in this range.</p>`;
  return html`<table class="usa-table usa-table--borderless usa-table--stacked cl-table">
    <caption>
      ${caption}
    </caption>
    <thead>
      <tr>
        ${head.map((h) => html`<th scope="col">${h}</th>`)}
      </tr>
    </thead>
    <tbody>
      ${rows.map(
        (r) =>
          html`<tr>
            ${r.map((cell, i) =>
              i === 0
                ? html`<th scope="row" data-label="${head[0]}">${cell}</th>`
                : html`<td data-label="${head[i]}">${cell}</td>`,
            )}
          </tr>`,
      )}
    </tbody>
  </table>`;
}

/** A chart and its table: side by side on a wide screen when the table is narrow, else stacked. */
function figure(
  id: string,
  heading: string,
  explain: Fragment,
  chart: SafeHtml,
  data: SafeHtml,
  wide = false,
): SafeHtml {
  return html`<section class="cl-section" aria-labelledby="${id}">
    <h2 id="${id}">${heading}</h2>
    <p class="cl-muted">${explain}</p>
    <div class="cl-figure${wide ? ' cl-figure--stacked' : ''}">
      <div>${chart}</div>
      <div>${data}</div>
    </div>
  </section>`;
}

function reportBody(r: ProgramReport, values: FormValues): SafeHtml {
  const qs = new URLSearchParams({ from: r.range.from, to: r.range.to }).toString();
  return html`<p>
      ${r.range.from} to ${r.range.to} (both included), in ${r.program.timeZone}. Counts only: no client
      appears in this report.
    </p>
    ${rangeForm(r.program.id, values)}
    <div class="cl-actions">
      <a class="usa-button usa-button--outline" href="/programs/${r.program.id}/report.csv?${qs}"
        >Download all figures (CSV)</a
      >
      <a class="usa-button usa-button--outline" href="/programs/${r.program.id}/schedule.csv" download
        >Open cases’ schedule (CSV)</a
      >
      <a class="usa-button usa-button--unstyled" href="/programs/${r.program.id}/policy">Program policy</a>
    </div>
    ${figure(
      'cases',
      'Cases opened and closed',
      'Opened: intakes in the range (a reopening counts as a new intake). Closed: closures approved in the range, by reason; reasons written by hand count as "Other".',
      barChart({
        id: 'chart-cases',
        title: `Cases: ${r.cases.opened} opened, ${r.cases.closed} closed`,
        groups: [
          { label: 'Opened', bars: [{ value: r.cases.opened, display: String(r.cases.opened) }] },
          { label: 'Closed', bars: [{ value: r.cases.closed, display: String(r.cases.closed) }] },
          ...r.cases.closedByReason.map((c) => ({
            label: `Closed: ${c.reason}`,
            bars: [{ value: c.count, display: String(c.count) }],
          })),
        ],
      }),
      table(
        'Cases opened and closed',
        ['Figure', 'Cases'],
        [
          ['Opened', r.cases.opened],
          ['Closed', r.cases.closed],
          ...r.cases.closedByReason.map((c) => [`Closed: ${c.reason}`, c.count]),
        ],
      ),
    )}
    ${figure(
      'timings',
      'Time to assessment and to an approved plan',
      'Intake to initial assessment: for each first initial assessment of an episode completed in the range, from intake to its completion. Initial assessment to approved plan: for each first plan approval after an initial assessment, approved in the range. Median and 90th percentile.',
      barChart({
        id: 'chart-timings',
        title: 'Median and 90th percentile days, intake to assessment and assessment to approved plan',
        groups: r.timings.map((t) => ({
          label: TIMING_LABELS[t.measure],
          bars: [
            { name: 'median', value: t.medianDays ?? 0, display: days(t.medianDays) },
            { name: '90th pct', value: t.p90Days ?? 0, display: days(t.p90Days) },
          ],
        })),
      }),
      table(
        'Days between steps',
        ['Step', 'Measured', 'Median', '90th percentile'],
        r.timings.map((t) => [TIMING_LABELS[t.measure], t.count, days(t.medianDays), days(t.p90Days)]),
      ),
      true,
    )}
    ${figure(
      'on-time',
      'Work done on time',
      'For each obligation met in the range: on time when the workflow recorded it met at or before the due time it had set (after any reschedule). Obligations ended by a closure are left out. "Overdue now" counts running obligations past their due time today.',
      barChart({
        id: 'chart-on-time',
        title: 'Share of obligations met on time, by kind',
        max: 1,
        groups: r.onTime.map((o) => ({
          label: obligationLabel(o.kind),
          bars: [{ value: o.rate ?? 0, display: `${percent(o.rate)} on time` }],
        })),
      }),
      table(
        'Obligations met on time, by kind',
        ['Obligation', 'On time', 'Late', 'On-time rate', 'Overdue now'],
        r.onTime.map((o) => [obligationLabel(o.kind), o.onTime, o.late, percent(o.rate), o.overdueNow]),
      ),
      true,
    )}
    ${figure(
      'goals',
      'Goals',
      'Goals whose last recorded status before the end of the range is final, recorded in the range.',
      barChart({
        id: 'chart-goals',
        title: `Goals: ${r.goals.achieved} achieved, ${r.goals.notAchieved} not achieved, ${r.goals.dropped} dropped`,
        groups: [
          { label: 'Achieved', bars: [{ value: r.goals.achieved, display: String(r.goals.achieved) }] },
          {
            label: 'Not achieved',
            bars: [{ value: r.goals.notAchieved, display: String(r.goals.notAchieved) }],
          },
          { label: 'Dropped', bars: [{ value: r.goals.dropped, display: String(r.goals.dropped) }] },
        ],
      }),
      table(
        'Goals by outcome',
        ['Outcome', 'Goals'],
        [
          ['Achieved', r.goals.achieved],
          ['Not achieved', r.goals.notAchieved],
          ['Dropped', r.goals.dropped],
        ],
      ),
    )}
    ${figure(
      'referrals',
      'Referrals by provider',
      'Referrals sent in the range, followed to today. Accepted: the provider took the client on (accepted, scheduled, completed or no-show). First answer: the first of accepted, scheduled, declined, completed or no-show.',
      barChart({
        id: 'chart-referrals',
        title: 'Acceptance and completion rate of referrals, by provider',
        max: 1,
        groups: r.referrals.map((p) => ({
          label: p.provider,
          bars: [
            { name: 'accepted', value: p.acceptanceRate ?? 0, display: percent(p.acceptanceRate) },
            { name: 'completed', value: p.completionRate ?? 0, display: percent(p.completionRate) },
          ],
        })),
      }),
      table(
        'Referrals by provider',
        [
          'Provider',
          'Sent',
          'Accepted',
          'Completed',
          'Acceptance rate',
          'Completion rate',
          'Median time to first answer',
        ],
        r.referrals.map((p) => [
          p.provider,
          p.sent,
          p.accepted,
          p.completed,
          percent(p.acceptanceRate),
          percent(p.completionRate),
          days(p.medianDaysToFirstAnswer),
        ]),
      ),
      true,
    )}
    ${figure(
      'escalations',
      'Escalations',
      'Raised in the range, by level (1: supervisor, 2: program manager), and the median time until someone acknowledged them.',
      barChart({
        id: 'chart-escalations',
        title: 'Escalations raised, by level',
        groups: r.escalations.map((e) => ({
          label: e.level === 1 ? 'Level 1 (supervisor)' : 'Level 2 (program manager)',
          bars: [
            { name: 'raised', value: e.raised, display: String(e.raised) },
            { name: 'acknowledged', value: e.acknowledged, display: String(e.acknowledged) },
          ],
        })),
      }),
      table(
        'Escalations by level',
        ['Level', 'Raised', 'Acknowledged', 'Median time to acknowledge'],
        r.escalations.map((e) => [
          e.level === 1 ? 'Level 1 (supervisor)' : 'Level 2 (program manager)',
          e.raised,
          e.acknowledged,
          hours(e.medianHoursToAcknowledge),
        ]),
      ),
      true,
    )}
    ${figure(
      'caseload',
      'Caseload per case manager',
      'Open cases in this program now, whatever the range.',
      barChart({
        id: 'chart-caseload',
        title: 'Open cases per case manager',
        groups: r.caseload.map((c) => ({
          label: c.caseManager,
          bars: [{ value: c.openCases, display: String(c.openCases) }],
        })),
      }),
      table(
        'Open cases per case manager',
        ['Case manager', 'Open cases'],
        r.caseload.map((c) => [c.caseManager, c.openCases]),
      ),
    )}`;
}

const round = (n: number | null, places = 4): number | null =>
  n === null ? null : Math.round(n * 10 ** places) / 10 ** places;

/**
 * Every figure of the report in one CSV, one figure per line: section, item (a provider, an
 * obligation kind, a level, ...), measure and value. Rates are fractions (0.75), durations in days
 * or hours as the measure's name says.
 */
export function reportCsvRows(r: ProgramReport): (string | number | null)[][] {
  const rows: (string | number | null)[][] = [];
  const add = (section: string, item: string, measure: string, value: string | number | null) =>
    rows.push([section, item, measure, value]);
  add('range', r.program.name, 'from', r.range.from);
  add('range', r.program.name, 'to', r.range.to);
  add('range', r.program.name, 'time_zone', r.program.timeZone);
  add('cases', '', 'opened', r.cases.opened);
  add('cases', '', 'closed', r.cases.closed);
  for (const c of r.cases.closedByReason) add('closures', c.reason, 'closed', c.count);
  for (const t of r.timings) {
    add('timing', t.measure, 'count', t.count);
    add('timing', t.measure, 'median_days', round(t.medianDays));
    add('timing', t.measure, 'p90_days', round(t.p90Days));
  }
  for (const o of r.onTime) {
    add('on_time', o.kind, 'on_time', o.onTime);
    add('on_time', o.kind, 'late', o.late);
    add('on_time', o.kind, 'rate', round(o.rate));
    add('on_time', o.kind, 'overdue_now', o.overdueNow);
  }
  add('goals', '', 'achieved', r.goals.achieved);
  add('goals', '', 'not_achieved', r.goals.notAchieved);
  add('goals', '', 'dropped', r.goals.dropped);
  for (const p of r.referrals) {
    add('referrals', p.provider, 'sent', p.sent);
    add('referrals', p.provider, 'accepted', p.accepted);
    add('referrals', p.provider, 'completed', p.completed);
    add('referrals', p.provider, 'acceptance_rate', round(p.acceptanceRate));
    add('referrals', p.provider, 'completion_rate', round(p.completionRate));
    add('referrals', p.provider, 'median_days_to_first_answer', round(p.medianDaysToFirstAnswer));
  }
  for (const e of r.escalations) {
    add('escalations', `level ${e.level}`, 'raised', e.raised);
    add('escalations', `level ${e.level}`, 'acknowledged', e.acknowledged);
    add('escalations', `level ${e.level}`, 'median_hours_to_acknowledge', round(e.medianHoursToAcknowledge));
  }
  for (const c of r.caseload) add('caseload', c.caseManager, 'open_cases', c.openCases);
  return rows;
}

const REPORT_CSV_HEADER = ['section', 'item', 'measure', 'value'];
