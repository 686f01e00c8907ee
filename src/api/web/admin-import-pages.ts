import type { Router } from 'express';
import { NotFoundError, UnavailableError, ValidationError } from '../../core/errors';
import type { ImportProblem } from '../../domain/case-import/parse';
import { dryRun, type ImportPlan } from '../../domain/case-import/run';
import {
  findRun,
  markRunStarted,
  auditUnkeptCheck,
  saveCheckedRun,
  unmarkRunStarted,
  type ImportRun,
} from '../../domain/case-import/runs';
import { adminPage, requireAdmin, requireUuid } from './admin-common';
import { csrfField } from './layout';
import { multipartUpload, type UploadedFile } from './multipart-upload';
import { actorOf, sendPage, viewerOf, type PageMiddleware } from './respond';
import { nowFor, type Viewer } from './session';
import { html, type SafeHtml } from './template';
import { timeTag } from './time';
import type { WebDeps } from './web-deps';

/**
 * The caseload import from the admin page (docs/importing.md, "From the admin page"): upload the
 * CSV, see its dry run (every problem by row, column and reason, or a summary and a commit button),
 * commit it as a durable workflow, and follow its progress on a page that refreshes itself.
 */

export const MAX_IMPORT_BYTES = 20_000_000;
const REFRESH_SECONDS = 3;

export function registerAdminImportPages(web: Router, deps: WebDeps, mw: PageMiddleware): void {
  web.param('runId', requireUuid);

  web.get('/admin/import', mw.signedIn, requireAdmin, (_req, res) => {
    sendPage(res, 200, uploadPage(viewerOf(res)));
  });

  web.post(
    '/admin/import',
    mw.signedIn,
    requireAdmin,
    multipartUpload('file', MAX_IMPORT_BYTES),
    mw.csrf,
    async (_req, res) => {
      const viewer = viewerOf(res);
      const upload = res.locals.upload as UploadedFile | undefined;
      if (!upload || upload.bytes.length === 0)
        throw new ValidationError('Choose a CSV file to import.', [{ field: 'file', reason: 'required' }]);
      const plan = await dryRun(deps.pool, upload.bytes, nowFor(deps));
      const text = upload.bytes.toString('utf8');
      if (!plan.problems.length && text.includes('\u0000'))
        plan.problems.push({
          row: 1,
          column: '',
          reason: 'the file holds NUL bytes: save it again as CSV UTF-8',
        });
      const figures = {
        rows: plan.total,
        ready: plan.ready.length,
        alreadyImported: plan.alreadyImported,
        problems: plan.problems.length,
      };
      if (plan.problems.length || plan.ready.length === 0) {
        await auditUnkeptCheck(deps.pool, actorOf(res), upload.name, figures);
        return sendPage(res, plan.problems.length ? 400 : 200, checkedPage(viewer, upload.name, plan));
      }
      const runId = await saveCheckedRun(
        deps.pool,
        actorOf(res),
        { name: upload.name, text, rows: plan.total },
        figures,
      );
      sendPage(res, 200, checkedPage(viewer, upload.name, plan, runId));
    },
  );

  web.post('/admin/import/:runId/commit', mw.form, mw.signedIn, requireAdmin, mw.csrf, async (req, res) => {
    const runId = String(req.params.runId);
    const run = await findRun(deps.pool, runId);
    if (!run) throw new NotFoundError('No such import.');
    if (run.status === 'checked' || run.status === 'running') {
      const started = await markRunStarted(deps.pool, runId, nowFor(deps));
      try {
        await deps.workflows.startImportRun(runId, { timeoutMs: 10_000 });
      } catch (err) {
        if (started) await unmarkRunStarted(deps.pool, runId);
        throw new UnavailableError(
          `The import could not be started (${(err as Error).message}). Nothing was imported; try again shortly.`,
        );
      }
    }
    res.redirect(303, `/admin/import/${runId}`);
  });

  web.get('/admin/import/:runId', mw.signedIn, requireAdmin, async (req, res) => {
    const run = await findRun(deps.pool, String(req.params.runId));
    if (!run) throw new NotFoundError('No such import.');
    const follow = run.status === 'running' && req.query.refresh !== 'off';
    // The HTTP Refresh header reloads the page without JavaScript; the page offers to stop it
    // (WCAG 2.2.1), which a <meta> refresh could not do.
    if (follow) res.set('refresh', String(REFRESH_SECONDS));
    sendPage(res, 200, progressPage(viewerOf(res), run, follow));
  });
}

function uploadPage(viewer: Viewer): string {
  return adminPage({
    viewer,
    area: '/admin/import',
    title: 'Import cases',
    body: html`<p>
        Bring an existing caseload in from a CSV file in the columns of Caseloop's import template
        (docs/import-template.csv, described in docs/importing.md). The file is checked first: nothing is
        written until you commit it.
      </p>
      <form method="post" action="/admin/import" enctype="multipart/form-data" class="usa-form">
        ${csrfField(viewer)}
        <div class="usa-form-group">
          <label class="usa-label" for="f-file">CSV file</label>
          <div class="usa-hint" id="f-file-hint">CSV UTF-8, at most ${MAX_IMPORT_BYTES / 1_000_000} MB.</div>
          <input
            class="usa-input"
            id="f-file"
            name="file"
            type="file"
            accept=".csv,text/csv"
            required
            aria-describedby="f-file-hint"
          />
        </div>
        <button class="usa-button" type="submit">Check the file</button>
      </form>`,
  });
}

function checkedPage(viewer: Viewer, fileName: string, plan: ImportPlan, runId?: string): string {
  const programs = new Set(plan.ready.map((r) => r.row.program.toLowerCase())).size;
  const newClients = plan.ready.filter((r) => !r.clientId).length;
  const body = plan.problems.length
    ? html`<p>
          The dry run of <strong>${fileName}</strong> found ${plan.problems.length}
          ${plan.problems.length === 1 ? 'problem' : 'problems'}
          ${plan.total > 0 ? html`in a file of ${plan.total} ${plan.total === 1 ? 'row' : 'rows'}` : html`in its header`}.
          Nothing was written. Fix the file and check it again.
        </p>
        ${problemTable(plan.problems, `Problems in ${fileName}`)}
        <p><a class="usa-button usa-button--outline" href="/admin/import">Check another file</a></p>`
    : html`<p>The dry run of <strong>${fileName}</strong> is clean. Nothing has been written yet.</p>
        <dl class="cl-facts" id="import-summary">
          <dt>Rows in the file</dt>
          <dd>${plan.total}</dd>
          <dt>Ready to import</dt>
          <dd>${plan.ready.length}</dd>
          <dt>Imported before (skipped)</dt>
          <dd>${plan.alreadyImported}</dd>
          <dt>Programs</dt>
          <dd>${programs}</dd>
          <dt>New clients</dt>
          <dd>${newClients}</dd>
          <dt>New cases</dt>
          <dd>${plan.ready.length}</dd>
        </dl>
        ${
          runId
            ? html`<form method="post" action="/admin/import/${runId}/commit">
                ${csrfField(viewer)}
                <button class="usa-button" type="submit">Commit ${plan.ready.length} rows</button>
              </form>`
            : html`<p>Every row was imported before: there is nothing new to import.</p>`
        }
        <p><a href="/admin/import">Check another file</a></p>`;
  return adminPage({
    viewer,
    area: '/admin/import',
    under: 'import',
    title: plan.problems.length ? 'Import: problems found' : 'Import: ready to commit',
    body,
  });
}

function problemTable(problems: ImportProblem[], caption: string): SafeHtml {
  return html`<table
    class="usa-table usa-table--borderless usa-table--stacked width-full"
    id="import-problems"
  >
    <caption>
      ${caption}
    </caption>
    <thead>
      <tr>
        <th scope="col">Row</th>
        <th scope="col">Column</th>
        <th scope="col">Reason</th>
      </tr>
    </thead>
    <tbody>
      ${problems.map(
        (p) =>
          html`<tr>
            <th scope="row" data-label="Row">${String(p.row)}</th>
            <td data-label="Column">${p.column || '—'}</td>
            <td data-label="Reason">${p.reason}</td>
          </tr>`,
      )}
    </tbody>
  </table>`;
}

const STATUS_WORDS: Record<ImportRun['status'], string> = {
  checked: 'Checked, not committed yet',
  running: 'Importing',
  done: 'Done',
  failed: 'Stopped: the file no longer passes its checks',
  expired:
    'Expired: not committed within a day of its check, so the file was deleted. Upload it again to import it',
};

function progressPage(viewer: Viewer, run: ImportRun, follow: boolean): string {
  const running = run.status === 'running';
  const counted = `${run.doneCount} of ${run.rowCount} (failed ${run.failedCount})`;
  return adminPage({
    viewer,
    area: '/admin/import',
    under: 'import',
    title: `Import of ${run.fileName}`,
    body: html`<p id="import-status"><strong>Status:</strong> ${STATUS_WORDS[run.status]}</p>
      <div class="usa-form-group">
        <label class="usa-label" for="import-progress">Rows imported</label>
        <progress
          id="import-progress"
          class="width-full"
          max="${String(Math.max(run.rowCount, 1))}"
          value="${String(run.doneCount)}"
        >
          ${counted}
        </progress>
        <p id="import-count">${counted}</p>
      </div>
      <p>
        Started
        ${timeTag(run.startedAt, viewer.timeZone)}${
          run.finishedAt ? html`, finished ${timeTag(run.finishedAt, viewer.timeZone)}` : ''
        }.
      </p>
      ${
        running
          ? html`<p>
              ${
                follow
                  ? html`This page reloads every ${REFRESH_SECONDS} seconds.
                      <a href="/admin/import/${run.id}?refresh=off">Stop reloading</a> ·`
                  : ''
              }
              <a href="/admin/import/${run.id}">Reload${follow ? ' now' : ''}</a>
            </p>`
          : ''
      }
      ${
        run.status === 'checked'
          ? html`<form method="post" action="/admin/import/${run.id}/commit">
              ${csrfField(viewer)}
              <button class="usa-button" type="submit">Commit ${run.rowCount} rows</button>
            </form>`
          : ''
      }
      ${run.status === 'done' ? html`<p><a href="/caseload">See the caseload</a></p>` : ''}
      ${
        run.failures.length
          ? problemTable(run.failures, `Rows that were not imported (${run.failedCount})`)
          : ''
      }`,
  });
}
