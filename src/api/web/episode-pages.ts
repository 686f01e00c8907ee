import type { Router } from 'express';
import { NotFoundError } from '../../core/errors';
import type { Actor } from '../../domain/actor';
import type { Episode } from '../../domain/case-history';
import { getClient } from '../../domain/clients';
import { getProgram, staffNames } from '../../domain/directory';
import { getEpisode, type EpisodeDetail } from '../../domain/episodes';
import { dischargeSections } from './discharge-render';
import { renderPage } from './layout';
import { actorOf, sendPage, viewerOf, type PageMiddleware } from './respond';
import type { Viewer } from './session';
import { html, type Fragment, type SafeHtml } from './template';
import { timeTag } from './time';
import type { WebDeps } from './web-deps';

/**
 * A closed episode's discharge summary, a page of its own that prints cleanly (the print rules in
 * assets.ts leave out navigation, breadcrumbs, buttons and forms). The client's name is shown as
 * the case page shows it, to whoever may see the client (an audited read); otherwise, or when the
 * viewer asks for a copy to share (`?initials=1`), initials only.
 */

/** Episode numbers in page paths: small positive integers; anything else names no page. */
const EPISODE = /^[1-9]\d{0,4}$/;

export function registerEpisodePages(web: Router, deps: WebDeps, mw: PageMiddleware): void {
  web.get('/cases/:caseId/episodes/:episode', mw.signedIn, async (req, res) => {
    const viewer = viewerOf(res);
    const actor = actorOf(res);
    const caseId = String(req.params.caseId);
    const n = String(req.params.episode);
    if (!EPISODE.test(n)) throw new NotFoundError('No such page.');
    const episode = await getEpisode(deps.pool, actor, caseId, Number(n));
    const initialsOnly = req.query.initials === '1';
    const [clientName, program, names] = await Promise.all([
      initialsOnly ? Promise.resolve(undefined) : visibleName(deps, actor, episode.client.id),
      getProgram(deps.pool, episode.programId),
      staffNames(
        deps.pool,
        [episode.closedBy, episode.requestedBy].filter((x): x is string => Boolean(x)),
      ),
    ]);
    sendPage(
      res,
      200,
      renderPage({
        title: `Discharge summary, case ${episode.reference}, episode ${episode.episode}`,
        section: 'caseload',
        viewer,
        breadcrumbs: [
          { href: '/caseload', label: 'Caseload' },
          { href: `/cases/${caseId}`, label: `Case ${episode.reference}` },
        ],
        body: episodeBody(episode, viewer, {
          client: clientName,
          program: program.name,
          person: (id) => (id ? (names.get(id) ?? 'a former staff member') : 'not recorded'),
          initialsOnly,
        }),
      }),
    );
  });
}

/** The client's full name for a viewer who may see the client (audited as a read), else nothing. */
async function visibleName(deps: WebDeps, actor: Actor, clientId: string): Promise<string | undefined> {
  try {
    const client = await getClient(deps.pool, actor, clientId);
    return `${client.givenName} ${client.familyName}`;
  } catch (err) {
    if (err instanceof NotFoundError) return undefined;
    throw err;
  }
}

interface Shown {
  client: string | undefined;
  program: string;
  person: (id: string | null) => string;
  initialsOnly: boolean;
}

function episodeBody(e: EpisodeDetail, viewer: Viewer, shown: Shown): SafeHtml {
  const here = `/cases/${e.caseId}/episodes/${e.episode}`;
  return html`<div class="cl-no-print">
      <p>
        To print or save as PDF, use your browser's Print command: the navigation and buttons are left off the
        printed page.
      </p>
      <p>
        ${
          shown.initialsOnly
            ? html`Showing the client's initials only. <a href="${here}">Show the client's name</a>`
            : html`Sharing it outside the agency? <a href="${here}?initials=1">Show initials only</a>`
        }
      </p>
    </div>
    <dl class="cl-facts">
      ${(
        [
          [
            'Client',
            shown.client
              ? html`${shown.client} <span class="cl-muted">(${e.client.initials})</span>`
              : e.client.initials,
          ],
          ['Case', e.reference],
          ['Program', shown.program],
          [
            'Episode',
            html`${e.episode}: ${timeTag(e.openedAt, viewer.timeZone, false)} to
            ${timeTag(e.closedAt, viewer.timeZone, false)}`,
          ],
          [
            'Closure requested',
            e.requestedAt
              ? html`${timeTag(e.requestedAt, viewer.timeZone)} by ${shown.person(e.requestedBy)}`
              : 'not recorded',
          ],
          ['Approved', html`${timeTag(e.closedAt, viewer.timeZone)} by ${shown.person(e.closedBy)}`],
        ] as const
      ).map(
        ([label, value]) =>
          html`<div>
            <dt>${label}</dt>
            <dd>${value}</dd>
          </div>`,
      )}
    </dl>
    ${dischargeSections({ reason: e.closureReason, summary: e.closureSummary, discharge: e.discharge })}
    <p class="cl-muted cl-confidential">
      Confidential: client information. Share it only with people who need it for this client's care.
    </p>`;
}

/**
 * The case page's list of its closed episodes, each linking to its discharge summary; nothing
 * for a case never closed.
 */
export function episodesSection(caseId: string, episodes: readonly Episode[], viewer: Viewer): Fragment {
  const closed = episodes.filter((e) => e.closedAt);
  if (closed.length === 0) return '';
  return html`<section class="cl-section" id="episodes" aria-labelledby="episodes-heading">
    <h2 id="episodes-heading">Closed episodes</h2>
    <ul class="usa-list">
      ${closed.map(
        (e) =>
          html`<li>
            <a href="/cases/${caseId}/episodes/${e.episode}">Discharge summary, episode ${e.episode}</a>:
            ${timeTag(e.openedAt, viewer.timeZone, false)} to
            ${timeTag(e.closedAt, viewer.timeZone, false)}${e.closureReason ? html`, ${e.closureReason}` : ''}
          </li>`,
      )}
    </ul>
  </section>`;
}

/** The entry for the case page's "On this page" list, when there is a section to jump to. */
export function episodesTocEntry(episodes: readonly Episode[]): Fragment {
  return episodes.some((e) => e.closedAt) ? html`<li><a href="#episodes">Closed episodes</a></li>` : '';
}
