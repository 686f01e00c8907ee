import type { Router } from 'express';
import { z } from 'zod';
import {
  caseloadPrograms,
  listCases,
  type CaseCriteria,
  type CaseList,
  type CaseListItem,
} from '../../domain/case-queries';
import { myWork, type MyWork, type WorkItem } from '../../domain/work';
import { obligationLabel } from '../../core/obligation-catalogue';
import type { RiskLevel } from '../../core/policy';
import { riskLevel, trimmed, uuid } from '../schemas';
import {
  checkbox,
  errorSummary,
  fieldErrorsFromZod,
  formValues,
  select,
  textInput,
  type FormValues,
} from './forms';
import { humanStatus } from './html';
import { renderPage } from './layout';
import { noticeFor } from './notices';
import { actorOf, sendPage, viewerOf, type PageMiddleware } from './respond';
import type { WebDeps } from './web-deps';
import type { Viewer } from './session';
import { html, type SafeHtml } from './template';
import { timeTag } from './time';
import { pageLinks, pageNumber } from './page-links';
import { doneAtLink } from './work-links';

/**
 * A case manager's two daily pages: My work (what is overdue, due today and due this week, each
 * with a link to where it is done) and Caseload (their cases, to sort, filter, search and page).
 * Both read through the same domain services as the JSON API (GET /me/work, GET /cases), which
 * audit what they disclose. Forms are plain GETs: they work without JavaScript and keep the query.
 */
export function registerWorkPages(web: Router, deps: WebDeps, mw: PageMiddleware): void {
  const now = (): Date => deps.clock?.() ?? new Date();

  web.get('/work', mw.signedIn, async (req, res) => {
    const viewer = viewerOf(res);
    const at = now();
    const work = await myWork(deps.pool, actorOf(res), { now: at, timeZone: viewer.timeZone });
    sendPage(
      res,
      200,
      renderPage({
        title: 'My work',
        section: 'work',
        viewer,
        // After choosing a password (/password/:token) the person lands here, signed in.
        notice: noticeFor(req.query.notice),
        body: workBody(work, viewer, at),
      }),
    );
  });

  web.get('/caseload', mw.signedIn, async (req, res) => {
    const viewer = viewerOf(res);
    const actor = actorOf(res);
    const values = formValues(req.query);
    const programs = await caseloadPrograms(deps.pool, actor);
    const parsed = caseloadQuery.safeParse(values);
    if (!parsed.success) {
      const errors = fieldErrorsFromZod(parsed.error, LABELS);
      return sendPage(
        res,
        400,
        renderPage({
          title: 'Caseload',
          section: 'caseload',
          viewer,
          body: html`${errorSummary(errors, LABELS)}${filterForm(values, errors, programs)}`,
        }),
      );
    }
    const filter = parsed.data;
    const list = await listCases(deps.pool, actor, {
      ...caseloadCriteria(filter, now()),
      page: filter.page ?? 1,
      limit: PAGE_SIZE,
      withNames: true,
    });
    sendPage(
      res,
      200,
      renderPage({
        title: 'Caseload',
        section: 'caseload',
        viewer,
        body: html`${filterForm(values, {}, programs)} ${caseTable(list, viewer, filter)}
        ${caseloadDownloads(filter)}`,
      }),
    );
  });
}

export const PAGE_SIZE = 25;

// ---------------------------------------------------------------------------------------------
// My work

const GROUPS = [
  { key: 'overdue', heading: 'Overdue', empty: 'Nothing overdue.' },
  { key: 'today', heading: 'Due today', empty: 'Nothing else due today.' },
  { key: 'thisWeek', heading: 'Due this week', empty: 'Nothing due in the next seven days.' },
] as const;

function workBody(work: MyWork, viewer: Viewer, at: Date): SafeHtml {
  const total = work.overdue.length + work.today.length + work.thisWeek.length;
  const intro = html`<p class="cl-muted">
    Across ${viewer.role === 'case_manager' ? 'your caseload' : 'the cases you oversee'}, most urgent first.
    Today and this week (the next seven days) are counted in your time zone, ${work.timeZone}.
  </p>`;
  if (total === 0)
    return html`${intro}
      <p class="usa-intro">Nothing overdue or due this week.</p>
      <p><a href="/caseload">See your caseload</a></p>`;
  return html`${intro}
  ${
    work.truncated
      ? html`<p>Only the ${total} most urgent items are listed; work through them and more will appear.</p>`
      : ''
  }
  ${GROUPS.map(
    (g) =>
      html`<section aria-labelledby="work-${g.key}">
        <h2 id="work-${g.key}">${g.heading} <span class="cl-muted">(${work[g.key].length})</span></h2>
        ${work[g.key].length === 0 ? html`<p>${g.empty}</p>` : workTable(work[g.key], g.key, viewer, at)}
      </section>`,
  )}`;
}

export function workTable(items: WorkItem[], group: string, viewer: Viewer, at: Date): SafeHtml {
  return html`<table
    class="usa-table usa-table--borderless usa-table--stacked width-full"
    id="${group}-items"
  >
    <thead>
      <tr>
        <th scope="col">What</th>
        <th scope="col">Case</th>
        <th scope="col">Due</th>
        <th scope="col">Escalation</th>
        <th scope="col">Do it</th>
      </tr>
    </thead>
    <tbody>
      ${items.map((item) => {
        const link = doneAtLink(item);
        const label = obligationLabel(item.obligationKind);
        return html`<tr>
          <th scope="row" data-label="What">
            ${label}${
              item.owner === 'supervisor' && viewer.role === 'case_manager'
                ? html`<br /><span class="cl-muted">Your supervisor decides</span>`
                : ''
            }${
              item.assigneeId
                ? html`<br /><span class="cl-muted"
                      >Assigned to
                      ${item.assigneeId === viewer.id ? 'you' : (item.assigneeName ?? 'a colleague')}</span
                    >`
                : ''
            }
          </th>
          <td data-label="Case">
            <a href="/cases/${item.caseId}">${item.caseReference}</a>
            <span class="cl-muted">${item.clientInitials}</span>
          </td>
          <td data-label="Due">
            ${timeTag(item.dueAt, viewer.timeZone)}${dueNote(item, at, viewer.timeZone)}
          </td>
          <td data-label="Escalation">${escalation(item)}</td>
          <td data-label="Do it">
            <a href="${link.href}"
              >${link.action}<span class="usa-sr-only">: ${label}, ${item.caseReference}</span></a
            >
          </td>
        </tr>`;
      })}
    </tbody>
  </table>`;
}

/** "3 days overdue", "in 2 days": how far the due time is from now, in words. */
function dueNote(item: WorkItem, at: Date, timeZone: string): SafeHtml {
  const ms = Date.parse(item.dueAt) - at.getTime();
  if (ms < 0) return html`<br /><span class="cl-badge cl-badge--overdue">${span(-ms)} overdue</span>`;
  const days = calendarDaysBetween(at, item.dueDate, timeZone);
  if (days === 0) return html`<br /><span class="cl-badge cl-badge--today">today</span>`;
  return html`<br /><span class="cl-muted">${days === 1 ? 'tomorrow' : `in ${days} days`}</span>`;
}

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

export function span(ms: number): string {
  if (ms >= DAY) {
    const d = Math.floor(ms / DAY);
    return `${d} day${d === 1 ? '' : 's'}`;
  }
  if (ms >= HOUR) {
    const h = Math.floor(ms / HOUR);
    return `${h} hour${h === 1 ? '' : 's'}`;
  }
  const m = Math.max(1, Math.floor(ms / 60_000));
  return `${m} minute${m === 1 ? '' : 's'}`;
}

function calendarDaysBetween(at: Date, date: string, timeZone: string): number {
  const today = new Intl.DateTimeFormat('en-CA', {
    timeZone,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
  }).format(at);
  return Math.round((Date.parse(`${date}T00:00:00Z`) - Date.parse(`${today}T00:00:00Z`)) / DAY);
}

function escalation(item: WorkItem): SafeHtml | string {
  if (!item.escalationLevel) return html`<span class="cl-muted">None</span>`;
  const to = item.escalationLevel === 1 ? 'supervisor' : 'program manager';
  return html`Escalated to the ${to}${item.acknowledged ? ' (acknowledged)' : ''}`;
}

// ---------------------------------------------------------------------------------------------
// Caseload

const STATUSES = ['intake', 'assessment', 'planning', 'active', 'on_hold', 'closing', 'closed'] as const;
const SORTS = ['next_due', 'reference', 'risk', 'status', 'newest'] as const;

const blankIsAbsent = (v: unknown): unknown => (v === '' ? undefined : v);

/** The caseload's query string: every field optional, a blank one meaning "any". */
export const caseloadQuery = z.object({
  q: z.preprocess(blankIsAbsent, trimmed(100).optional()),
  status: z.preprocess(blankIsAbsent, z.enum([...STATUSES, 'any']).optional()),
  risk: z.preprocess(blankIsAbsent, riskLevel.optional()),
  programId: z.preprocess(blankIsAbsent, uuid.optional()),
  overdue: z.preprocess(blankIsAbsent, z.literal('yes').optional()),
  sort: z.preprocess(blankIsAbsent, z.enum(SORTS).optional()),
  page: pageNumber,
});
export type CaseloadQuery = z.infer<typeof caseloadQuery>;

/** What the caseload's filters select (open cases, next due first, unless asked otherwise): the page's and its CSV's. */
export function caseloadCriteria(filter: CaseloadQuery, now: Date): CaseCriteria {
  return {
    ...(filter.q ? { q: filter.q } : {}),
    ...(filter.status === 'any' ? {} : { status: filter.status ?? 'open' }),
    ...(filter.risk ? { risk: filter.risk } : {}),
    ...(filter.programId ? { programId: filter.programId } : {}),
    ...(filter.overdue ? { overdue: true } : {}),
    sort: filter.sort ?? 'next_due',
    now,
  };
}

const LABELS: Record<string, string> = {
  q: 'Find a client',
  status: 'Status',
  risk: 'Risk',
  programId: 'Program',
  overdue: 'Overdue only',
  sort: 'Sort by',
  page: 'Page',
};

const SORT_LABELS: Record<(typeof SORTS)[number], string> = {
  next_due: 'Next due',
  reference: 'Case reference',
  risk: 'Risk, highest first',
  status: 'Status',
  newest: 'Newest first',
};

function filterForm(
  values: FormValues,
  errors: Record<string, string>,
  programs: { id: string; name: string }[],
): SafeHtml {
  return html`<form
    class="margin-bottom-3"
    method="get"
    action="/caseload"
    role="search"
    aria-label="Find and filter cases"
  >
    <div class="grid-row grid-gap">
      <div class="tablet:grid-col-6 desktop:grid-col-4">
        ${textInput({
          name: 'q',
          label: LABELS.q!,
          hint: 'Case reference, client name or initials',
          values,
          errors,
          maxlength: 100,
          autocomplete: 'off',
        })}
      </div>
      <div class="tablet:grid-col-6 desktop:grid-col-4">
        ${select({
          name: 'sort',
          label: LABELS.sort!,
          placeholder: SORT_LABELS.next_due,
          choices: SORTS.filter((s) => s !== 'next_due').map((s) => ({ value: s, label: SORT_LABELS[s] })),
          values,
          errors,
        })}
      </div>
      <div class="tablet:grid-col-6 desktop:grid-col-4">
        ${select({
          name: 'status',
          label: LABELS.status!,
          placeholder: 'Open cases (not closed)',
          choices: [
            ...STATUSES.map((s) => ({ value: s, label: humanStatus(s) })),
            { value: 'any', label: 'Any status, closed too' },
          ],
          values,
          errors,
        })}
      </div>
      <div class="tablet:grid-col-6 desktop:grid-col-4">
        ${select({
          name: 'risk',
          label: LABELS.risk!,
          placeholder: 'Any risk',
          choices: [
            { value: 'high', label: 'High' },
            { value: 'medium', label: 'Medium' },
            { value: 'low', label: 'Low' },
          ],
          values,
          errors,
        })}
      </div>
      <div class="tablet:grid-col-6 desktop:grid-col-4">
        ${select({
          name: 'programId',
          label: LABELS.programId!,
          placeholder: 'Any program',
          choices: programs.map((p) => ({ value: p.id, label: p.name })),
          values,
          errors,
        })}
      </div>
      <div class="tablet:grid-col-6 desktop:grid-col-4 tablet:padding-top-5">
        ${checkbox({ name: 'overdue', label: 'Only cases with overdue work', value: 'yes', values, errors })}
      </div>
    </div>
    <div class="cl-actions">
      <button class="usa-button" type="submit">Show cases</button>
      <a class="usa-button usa-button--outline" href="/caseload">Clear</a>
    </div>
  </form>`;
}

/** The filter as understood, never raw input: for other pages of the list and its CSV. */
export function caseloadParams(filter: CaseloadQuery): URLSearchParams {
  const params = new URLSearchParams();
  if (filter.q) params.set('q', filter.q);
  if (filter.sort) params.set('sort', filter.sort);
  if (filter.status) params.set('status', filter.status);
  if (filter.risk) params.set('risk', filter.risk);
  if (filter.programId) params.set('programId', filter.programId);
  if (filter.overdue) params.set('overdue', 'yes');
  return params;
}

/** The query string of another page of the same list. */
function pageHref(filter: CaseloadQuery, page: number): string {
  const params = caseloadParams(filter);
  if (page > 1) params.set('page', String(page));
  const query = params.toString();
  return `/caseload${query ? `?${query}` : ''}`;
}

function caseTable(list: CaseList, viewer: Viewer, filter: CaseloadQuery): SafeHtml {
  const page = list.page!;
  const first = (page.number - 1) * page.size + 1;
  const last = first + list.items.length - 1;
  const filtered = Boolean(filter.q || filter.risk || filter.programId || filter.overdue || filter.status);
  if (list.items.length === 0)
    return html`<h2 class="usa-sr-only">Cases</h2>
      <p class="usa-intro" id="caseload-summary">
        ${
          page.number > 1
            ? html`There are no cases on page ${page.number}.
                <a href="${pageHref(filter, 1)}">Go to the first page</a>.`
            : filtered
              ? 'No cases match. Change the search or filters, or clear them.'
              : 'You have no open cases.'
        }
      </p>`;
  return html`<h2 class="usa-sr-only">Cases</h2>
    <p id="caseload-summary" aria-live="polite">
      Showing ${first}–${last} of ${page.total}
      case${page.total === 1 ? '' : 's'}${filter.q ? html` matching “${filter.q}”` : ''}.
    </p>
    <table
      class="usa-table usa-table--borderless usa-table--stacked width-full"
      aria-describedby="caseload-summary"
    >
      <thead>
        <tr>
          <th scope="col">Case</th>
          <th scope="col">Client</th>
          <th scope="col">Program</th>
          <th scope="col">Status</th>
          <th scope="col">Risk</th>
          <th scope="col">Next due</th>
          <th scope="col">Overdue</th>
        </tr>
      </thead>
      <tbody>
        ${list.items.map((c) => caseRow(c, viewer))}
      </tbody>
    </table>
    ${pagination(page, filter)}`;
}

/** Every case of the list as it is filtered and sorted now (all pages), as CSV. */
function caseloadDownloads(filter: CaseloadQuery): SafeHtml {
  const params = caseloadParams(filter);
  const href = `/caseload.csv${params.size ? `?${params.toString()}` : ''}`;
  params.set('initials', '1');
  return html`<section class="cl-section" aria-labelledby="caseload-downloads">
    <h2 id="caseload-downloads" class="usa-sr-only">Download</h2>
    <ul class="usa-list usa-list--unstyled cl-actions flex-align-center">
      <li>
        <a class="usa-button usa-button--outline" href="${href}" download>Download these cases (CSV)</a>
      </li>
      <li>
        <a href="/caseload.csv?${params.toString()}" download>Download with client initials only (CSV)</a>
      </li>
    </ul>
    <p class="usa-hint">
      Every page of the list as filtered and sorted now. Downloads are recorded in the audit log.
    </p>
  </section>`;
}

function caseRow(c: CaseListItem, viewer: Viewer): SafeHtml {
  return html`<tr>
    <th scope="row" data-label="Case"><a href="/cases/${c.id}">${c.reference}</a></th>
    <td data-label="Client">
      ${c.client.name ?? c.client.initials}${
        c.client.name ? html` <span class="cl-muted">(${c.client.initials})</span>` : ''
      }
    </td>
    <td data-label="Program">${c.programName}</td>
    <td data-label="Status">${humanStatus(c.status)}</td>
    <td data-label="Risk">${riskBadge(c.riskLevel)}</td>
    <td data-label="Next due">
      ${
        c.nextObligation
          ? html`${obligationLabel(c.nextObligation.obligationKind)}<br />${timeTag(
                c.nextObligation.dueAt,
                viewer.timeZone,
              )}`
          : html`<span class="cl-muted">${c.status === 'on_hold' ? 'Paused (on hold)' : 'Nothing due'}</span>`
      }
    </td>
    <td data-label="Overdue">
      ${c.overdueNow > 0 ? html`<span class="cl-badge cl-badge--overdue">${c.overdueNow} overdue</span>` : '0'}
    </td>
  </tr>`;
}

function riskBadge(risk: RiskLevel): SafeHtml {
  const label = risk.charAt(0).toUpperCase() + risk.slice(1);
  return html`<span class="cl-badge${risk === 'low' ? '' : ` cl-badge--${risk}`}">${label}</span>`;
}

function pagination(page: NonNullable<CaseList['page']>, filter: CaseloadQuery): SafeHtml | string {
  return pageLinks({
    label: 'Pages of cases',
    number: page.number,
    pages: Math.max(1, Math.ceil(page.total / page.size)),
    hasNext: page.nextPage !== null,
    href: (n) => pageHref(filter, n),
  });
}
