import type { Router } from 'express';
import { z } from 'zod';
import { obligationLabel } from '../../core/obligation-catalogue';
import { acknowledgeEscalation, escalationOverview } from '../../domain/escalations';
import { caseloadPrograms } from '../../domain/case-queries';
import { teamMember, teamOverviewPage, type TeamMemberSummary, type TeamPage } from '../../domain/team';
import { myWork, type MyWork } from '../../domain/work';
import { escalationTable } from './escalation-pages';
import { renderPage } from './layout';
import { noticeFor } from './notices';
import { actorOf, redirectWithNotice, sendPage, viewerOf, type PageMiddleware } from './respond';
import type { Viewer } from './session';
import { html, type SafeHtml } from './template';
import { timeTag } from './time';
import { pageLinks, pageNumber } from './page-links';
import type { WebDeps } from './web-deps';
import { span, workTable } from './work-pages';

/**
 * The team view: each case manager the viewer oversees with their open cases, overdue work by
 * kind, oldest overdue item, open escalations and latest contact (one query, teamOverview); and
 * one person's overdue and due-soon work with their open escalations, which the viewer can
 * acknowledge there.
 */
export function registerTeamPages(web: Router, deps: WebDeps, mw: PageMiddleware): void {
  const now = (): Date => deps.clock?.() ?? new Date();

  web.get('/team', mw.signedIn, async (req, res) => {
    const viewer = viewerOf(res);
    const at = now();
    const query = teamQuery.safeParse(req.query);
    if (!query.success)
      return sendPage(
        res,
        400,
        renderPage({
          title: 'Team',
          section: 'team',
          viewer,
          body: html`<div class="usa-alert usa-alert--error" role="alert">
              <div class="usa-alert__body">
                <p class="usa-alert__text">The page number must be a whole number from 1 to 10,000.</p>
              </div>
            </div>
            <p><a href="/team">Go to the first page of your team</a></p>`,
        }),
      );
    const team = await teamOverviewPage(deps.pool, actorOf(res), at, { number: query.data.page ?? 1 });
    const programs = await caseloadPrograms(deps.pool, actorOf(res));
    sendPage(
      res,
      200,
      renderPage({
        title: 'Team',
        section: 'team',
        viewer,
        notice: noticeFor(req.query.notice),
        body: html`${teamBody(team, viewer, at)} ${teamDownloads(programs)}`,
      }),
    );
  });

  web.get('/team/:staffId', mw.signedIn, async (req, res) => {
    const viewer = viewerOf(res);
    const actor = actorOf(res);
    const at = now();
    const member = await teamMember(deps.pool, actor, String(req.params.staffId));
    const work = await myWork(deps.pool, actor, {
      now: at,
      timeZone: viewer.timeZone,
      caseManagerId: member.id,
    });
    const escalations = await escalationOverview(deps.pool, actor, at, {
      caseManagerId: member.id,
      openOnly: true,
    });
    sendPage(
      res,
      200,
      renderPage({
        title: `${member.fullName}’s work`,
        section: 'team',
        viewer,
        notice: noticeFor(req.query.notice),
        breadcrumbs: [{ href: '/team', label: 'Team' }],
        body: html`${memberWork(work, viewer, at)}
          <section aria-labelledby="member-escalations">
            <h2 id="member-escalations">
              Open escalations <span class="cl-muted">(${escalations.length})</span>
            </h2>
            ${
              escalations.length
                ? escalationTable(escalations, viewer, at, {
                    caption: `Open escalations on ${member.fullName}’s cases, newest first`,
                    acknowledgeAt: (e) => `/team/${member.id}/escalations/${e.id}/acknowledge`,
                  })
                : html`<p>No open escalations.</p>`
            }
          </section>`,
      }),
    );
  });

  web.post('/team/:staffId/escalations/:id/acknowledge', mw.form, mw.signedIn, mw.csrf, async (req, res) => {
    const actor = actorOf(res);
    const member = await teamMember(deps.pool, actor, String(req.params.staffId));
    await acknowledgeEscalation(deps, actor, String(req.params.id));
    redirectWithNotice(res, `/team/${member.id}`, 'acknowledged');
  });
}

/** The team page's query string: which page of members (a blank value means the first). */
const teamQuery = z.object({ page: pageNumber });

const MEMBER_GROUPS = [
  { key: 'overdue', heading: 'Overdue', empty: 'Nothing overdue.' },
  { key: 'today', heading: 'Due today', empty: 'Nothing else due today.' },
  { key: 'thisWeek', heading: 'Due this week', empty: 'Nothing due in the next seven days.' },
] as const;

function memberWork(work: MyWork, viewer: Viewer, at: Date): SafeHtml {
  return html`<p class="cl-muted">
      Their cases that you oversee, most urgent first, from each case’s own schedule. Today and this week are
      counted in your time zone, ${work.timeZone}.
    </p>
    ${work.truncated ? html`<p>Only the most urgent items are listed.</p>` : ''}
    ${MEMBER_GROUPS.map(
      (g) =>
        html`<section aria-labelledby="member-${g.key}">
          <h2 id="member-${g.key}">${g.heading} <span class="cl-muted">(${work[g.key].length})</span></h2>
          ${work[g.key].length === 0 ? html`<p>${g.empty}</p>` : workTable(work[g.key], g.key, viewer, at)}
        </section>`,
    )}`;
}

function overdueCell(m: TeamMemberSummary): SafeHtml {
  if (m.overdueTotal === 0) return html`<span class="cl-muted">None</span>`;
  const kinds = Object.entries(m.overdueByKind).sort(([a], [b]) =>
    obligationLabel(a).localeCompare(obligationLabel(b)),
  );
  return html`<span class="cl-badge cl-badge--overdue">${m.overdueTotal} overdue</span>
    <ul class="usa-list usa-list--unstyled">
      ${kinds.map(([kind, n]) => html`<li>${obligationLabel(kind)}: ${n}</li>`)}
    </ul>`;
}

function oldestCell(m: TeamMemberSummary, viewer: Viewer, at: Date): SafeHtml {
  const o = m.oldestOverdue;
  if (!o) return html`<span class="cl-muted">—</span>`;
  return html`${obligationLabel(o.obligationKind)} on <a href="/cases/${o.caseId}">${o.caseReference}</a
    ><br /><span class="cl-muted"
      >due ${timeTag(o.dueAt, viewer.timeZone)}, ${span(at.getTime() - Date.parse(o.dueAt))} ago</span
    >`;
}

function contactCell(m: TeamMemberSummary, viewer: Viewer, at: Date): SafeHtml {
  if (!m.lastContactAt) return html`<span class="cl-muted">No contact recorded</span>`;
  return html`${span(Math.max(0, at.getTime() - Date.parse(m.lastContactAt)))} ago<br /><span class="cl-muted"
      >${timeTag(m.lastContactAt, viewer.timeZone)}</span
    >`;
}

/** The table as CSV, and each program's open obligations on the cases the viewer oversees. */
function teamDownloads(programs: { id: string; name: string }[]): SafeHtml {
  return html`<section class="cl-section" aria-labelledby="team-downloads">
    <h2 id="team-downloads">Downloads (CSV)</h2>
    <ul class="usa-list">
      <li><a href="/team.csv" download>This table of case managers</a></li>
      ${programs.map(
        (p) =>
          html`<li>
            <a href="/programs/${p.id}/schedule.csv" download
              >Open work on the open cases you oversee in ${p.name}</a
            >
          </li>`,
      )}
    </ul>
  </section>`;
}

function teamBody(page: TeamPage, viewer: Viewer, at: Date): SafeHtml {
  const team = page.members;
  const intro = html`<p class="cl-muted">
      ${
        viewer.role === 'supervisor'
          ? 'The case managers you supervise'
          : viewer.role === 'program_manager'
            ? 'The case managers carrying cases in your programs'
            : 'Every active case manager'
      },
      most overdue work first. Overdue work comes from each case’s own schedule; plans and closures waiting
      for your decision are under <a href="/approvals">Approvals</a>.
    </p>
    <p class="cl-muted">
      “Last contact” is the latest contact note (a case note of the kind “Contact”) on any of their open
      cases: Caseloop records contact with clients as notes.
    </p>`;
  if (team.length === 0)
    return html`${intro}
    ${
      page.total > 0
        ? html`<p class="usa-intro">
            There are no case managers on page ${page.number}. <a href="/team">Go to the first page</a>.
          </p>`
        : html`<p class="usa-intro">No case managers to show.</p>`
    }`;
  const first = (page.number - 1) * page.size + 1;
  return html`${intro}
    <table class="usa-table usa-table--borderless usa-table--stacked width-full" id="team">
      <caption>
        Case managers
        ${
          page.total > team.length
            ? `${first}–${first + team.length - 1} of ${page.total}, most overdue work first`
            : `(${page.total})`
        }
      </caption>
      <thead>
        <tr>
          <th scope="col">Case manager</th>
          <th scope="col">Open cases</th>
          <th scope="col">Overdue work</th>
          <th scope="col">Oldest overdue</th>
          <th scope="col">Open escalations</th>
          <th scope="col">Last contact</th>
        </tr>
      </thead>
      <tbody>
        ${team.map(
          (m) =>
            html`<tr>
              <th scope="row" data-label="Case manager"><a href="/team/${m.staffId}">${m.fullName}</a></th>
              <td data-label="Open cases">${m.openCases}</td>
              <td data-label="Overdue work">${overdueCell(m)}</td>
              <td data-label="Oldest overdue">${oldestCell(m, viewer, at)}</td>
              <td data-label="Open escalations">${m.openEscalations}</td>
              <td data-label="Last contact">${contactCell(m, viewer, at)}</td>
            </tr>`,
        )}
      </tbody>
    </table>
    ${teamPages(page)}`;
}

function teamPages(page: TeamPage): SafeHtml | string {
  const pages = Math.max(1, Math.ceil(page.total / page.size));
  return pageLinks({
    label: 'Pages of case managers',
    number: page.number,
    pages,
    hasNext: page.number < pages,
    href: (n) => (n === 1 ? '/team' : `/team?page=${n}`),
  });
}
