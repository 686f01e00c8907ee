import type { Router } from 'express';
import { obligationLabel } from '../../core/obligation-catalogue';
import {
  acknowledgeEscalation,
  escalationOverview,
  RECENT_ESCALATION_DAYS,
  type EscalationOverviewItem,
} from '../../domain/escalations';
import { csrfField, renderPage } from './layout';
import { noticeFor } from './notices';
import { actorOf, sendPage, viewerOf, type PageMiddleware } from './respond';
import type { Viewer } from './session';
import { html, type SafeHtml } from './template';
import { timeTag } from './time';
import type { WebDeps } from './web-deps';
import { span } from './work-pages';

/**
 * Escalations on the cases the viewer oversees: the open ones (with an Acknowledge button where
 * the viewer may acknowledge) and those acknowledged or resolved in the last 30 days, each with who
 * was told, when, who acknowledged, and what became of the overdue work since.
 */
export function registerEscalationPages(web: Router, deps: WebDeps, mw: PageMiddleware): void {
  web.get('/escalations', mw.signedIn, async (req, res) => {
    const viewer = viewerOf(res);
    const at = deps.clock?.() ?? new Date();
    const items = await escalationOverview(deps.pool, actorOf(res), at);
    const open = items.filter(isOpen);
    const recent = items.filter((e) => !isOpen(e));
    sendPage(
      res,
      200,
      renderPage({
        title: 'Escalations',
        section: 'escalations',
        viewer,
        notice: req.query.acknowledged ? 'Escalation acknowledged.' : noticeFor(req.query.notice),
        body: html`<p class="cl-muted">
            Escalations on the cases you oversee. An escalation climbs from the supervisor to the program
            manager until someone acknowledges it.
          </p>
          <h2>Open</h2>
          ${
            open.length
              ? escalationTable(open, viewer, at, {
                  caption: `Open escalations (${open.length}), newest first`,
                  acknowledgeAt: (e) => `/escalations/${e.id}/acknowledge`,
                })
              : html`<p>No open escalations.</p>`
          }
          <h2>Acknowledged or resolved in the last ${RECENT_ESCALATION_DAYS} days</h2>
          ${
            recent.length
              ? escalationTable(recent, viewer, at, {
                  caption: `Recent escalations (${recent.length}), newest first`,
                })
              : html`<p>None in the last ${RECENT_ESCALATION_DAYS} days.</p>`
          }`,
      }),
    );
  });

  web.post('/escalations/:id/acknowledge', mw.form, mw.signedIn, mw.csrf, async (req, res) => {
    const escalation = await acknowledgeEscalation(deps, actorOf(res), String(req.params.id));
    // From the case page, back to the case; otherwise to the list.
    const fromCase = (req.body as Record<string, unknown> | undefined)?.return === 'case';
    res.redirect(
      303,
      fromCase ? `/cases/${escalation.caseId}?acknowledged=1#escalations` : '/escalations?acknowledged=1',
    );
  });
}

const isOpen = (e: EscalationOverviewItem): boolean => !e.acknowledgedAt && !e.resolvedAt;

const levelName = (level: number): string => (level === 1 ? 'supervisor' : 'program manager');

/** What became of the overdue work since it was escalated. */
function aftermath(e: EscalationOverviewItem, viewer: Viewer, at: Date): SafeHtml {
  switch (e.since.state) {
    case 'open': {
      const late = at.getTime() - Date.parse(e.since.dueAt);
      return html`Still owed${e.since.running ? '' : ' (clock paused)'}: due
      ${timeTag(e.since.dueAt, viewer.timeZone)}${
        late > 0 && e.since.running
          ? html`<br /><span class="cl-badge cl-badge--overdue">${span(late)} overdue</span>`
          : ''
      }`;
    }
    case 'met':
      return html`Done ${timeTag(e.since.at, viewer.timeZone)}`;
    case 'gone':
      return html`No longer on the case’s schedule`;
  }
}

function acknowledgement(e: EscalationOverviewItem, viewer: Viewer): SafeHtml {
  if (e.acknowledgedAt)
    return html`${timeTag(e.acknowledgedAt, viewer.timeZone)} by
    ${e.acknowledgedByName ?? 'a former colleague'}`;
  if (e.resolvedAt)
    return html`Not needed: ${e.resolution ?? 'resolved'} ${timeTag(e.resolvedAt, viewer.timeZone)}`;
  return html`<span class="cl-muted">Not yet</span>`;
}

/**
 * Escalations as a table: case, overdue work, who was told, when, acknowledgement, what happened
 * since, and (where `acknowledgeAt` gives the form's path and the viewer may) an Acknowledge button.
 */
export function escalationTable(
  items: EscalationOverviewItem[],
  viewer: Viewer,
  at: Date,
  opts: { caption: string; acknowledgeAt?: (e: EscalationOverviewItem) => string },
): SafeHtml {
  const withAction = opts.acknowledgeAt !== undefined;
  return html`<table class="usa-table usa-table--borderless usa-table--stacked width-full">
    <caption>
      ${opts.caption}
    </caption>
    <thead>
      <tr>
        <th scope="col">Case</th>
        <th scope="col">Overdue work</th>
        <th scope="col">Who was told</th>
        <th scope="col">When</th>
        <th scope="col">Acknowledged</th>
        <th scope="col">Since then</th>
        ${withAction ? html`<th scope="col">Action</th>` : ''}
      </tr>
    </thead>
    <tbody>
      ${items.map(
        (e) =>
          html`<tr>
            <th scope="row" data-label="Case">
              <a href="/cases/${e.caseId}#escalations">${e.caseReference}</a><br /><span class="cl-muted"
                >${e.caseManagerName}</span
              >
            </th>
            <td data-label="Overdue work">${obligationLabel(e.obligationKind)}</td>
            <td data-label="Who was told">${e.recipientName}, ${levelName(e.level)}</td>
            <td data-label="When">${timeTag(e.raisedAt, viewer.timeZone)}</td>
            <td data-label="Acknowledged">${acknowledgement(e, viewer)}</td>
            <td data-label="Since then">${aftermath(e, viewer, at)}</td>
            ${
              withAction
                ? html`<td data-label="Action">
                    ${
                      e.mayAcknowledge && opts.acknowledgeAt
                        ? html`<form class="cl-inline-form" method="post" action="${opts.acknowledgeAt(e)}">
                            ${csrfField(viewer)}<button class="usa-button usa-button--outline" type="submit">
                              Acknowledge<span class="usa-sr-only">
                                the ${obligationLabel(e.obligationKind).toLowerCase()} escalation on
                                ${e.caseReference}</span
                              >
                            </button>
                          </form>`
                        : html`<span class="cl-muted">For the ${levelName(e.level)}</span>`
                    }
                  </td>`
                : ''
            }
          </tr>`,
      )}
    </tbody>
  </table>`;
}
