import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { Pool } from 'pg';
import { commitImport, dryRun } from '../../src/domain/case-import/run';
import { expireUncommittedRuns } from '../../src/domain/case-import/runs';
import { createCaseWorkflows } from '../../src/temporal/case-workflows';
import { createStaff, createTeam } from '../helpers/fixtures';
import { daysBefore, importFile, sampleFileRecords } from '../helpers/import-file';
import { startTestStack, type TestStack } from '../helpers/stack';
import { signInCookie } from '../helpers/web-session';

/**
 * The caseload import from the admin page, on the real API, PostgreSQL, Temporal and worker: the
 * upload is dry-run (problems by row, column and reason, or a summary with a commit button), the
 * commit runs as a durable workflow whose progress the page shows, and only an admin's form with
 * its CSRF token, and a file within the size limit, is ever read.
 */
describe('admin import page', () => {
  let stack: TestStack;
  beforeAll(async () => {
    stack = await startTestStack('import-page-test');
  });
  afterAll(() => stack?.stop());

  const sample = readFileSync(path.join(__dirname, '../../docs/import-sample.csv'));

  async function page(
    cookie: string,
    p: string,
  ): Promise<{ status: number; html: string; refresh: string | null }> {
    const res = await fetch(`${stack.api.base}${p}`, { headers: { cookie }, redirect: 'manual' });
    return { status: res.status, html: await res.text(), refresh: res.headers.get('refresh') };
  }
  const csrfOf = (html: string): string | undefined => /name="_csrf" value="([^"]+)"/.exec(html)?.[1];

  /** The upload form sent as a browser sends it: multipart, with the page's CSRF token unless left out. */
  async function upload(cookie: string, bytes: Uint8Array, opts: { csrf?: boolean; name?: string } = {}) {
    const form = new FormData();
    if (opts.csrf !== false) {
      const token = csrfOf((await page(cookie, '/admin/import')).html);
      if (token) form.append('_csrf', token);
    }
    form.append('file', new Blob([bytes], { type: 'text/csv' }), opts.name ?? 'cases.csv');
    const res = await fetch(`${stack.api.base}/admin/import`, {
      method: 'POST',
      redirect: 'manual',
      headers: { cookie, origin: stack.api.base },
      body: form,
    });
    return { status: res.status, html: await res.text() };
  }

  async function commit(cookie: string, runId: string, token: string) {
    const res = await fetch(`${stack.api.base}/admin/import/${runId}/commit`, {
      method: 'POST',
      redirect: 'manual',
      headers: { cookie, origin: stack.api.base, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ _csrf: token }).toString(),
    });
    return { status: res.status, location: res.headers.get('location') };
  }

  const programName = async (id: string): Promise<string> =>
    (await stack.db.pool.query<{ name: string }>('SELECT name FROM programs WHERE id = $1', [id])).rows[0]!
      .name;
  const runCount = async (pool: Pool): Promise<number> =>
    Number((await pool.query<{ n: string }>('SELECT count(*) AS n FROM import_runs')).rows[0]!.n);

  it('when an admin uploads the sample file and commits it, then the page shows the dry run, then the progress until every case exists with its running workflow', async () => {
    await sampleFileRecords(stack.db.pool);
    const admin = await createStaff(stack.db.pool, 'admin');
    const cookie = await signInCookie(stack, admin);

    const form = await page(cookie, '/admin/import');
    expect(form.status).toBe(200);
    expect(form.html).toContain('enctype="multipart/form-data"');
    expect(form.html).toContain('href="/admin/import"');

    const checked = await upload(cookie, sample, { name: 'import-sample.csv' });
    expect(checked.status).toBe(200);
    expect(checked.html).toContain('Commit 12 rows');
    expect(checked.html).toMatch(/<dt>New cases<\/dt>\s*<dd>12<\/dd>/);
    expect(checked.html).not.toContain('id="import-problems"');
    // The dry run wrote nothing but the checked file.
    expect((await stack.db.pool.query('SELECT 1 FROM case_imports')).rowCount).toBe(0);
    const runId = /action="\/admin\/import\/([0-9a-f-]{36})\/commit"/.exec(checked.html)![1]!;
    // Who checked which file, and what the check found (never the file's contents), with the kept file.
    const checkedEntry = await stack.db.pool.query(
      `SELECT action, entity_id, detail FROM audit_log WHERE actor_id = $1 AND entity = 'import_run'`,
      [admin.id],
    );
    expect(checkedEntry.rows).toEqual([
      {
        action: 'create',
        entity_id: runId,
        detail: { file: 'import-sample.csv', rows: 12, ready: 12, alreadyImported: 0, problems: 0 },
      },
    ]);

    const token = csrfOf(checked.html)!;
    const first = await commit(cookie, runId, token);
    expect(first).toEqual({ status: 303, location: `/admin/import/${runId}` });
    // A double click joins the same run.
    expect(await commit(cookie, runId, token)).toEqual(first);

    let progress = await page(cookie, `/admin/import/${runId}`);
    for (let i = 0; i < 240 && !progress.html.includes('Status:</strong> Done'); i++) {
      // Running: the page reloads itself (no JavaScript needed), and says how to stop it.
      expect(progress.refresh).toBe('3');
      expect(progress.html).toContain('?refresh=off">Stop reloading</a>');
      await new Promise((r) => setTimeout(r, 500));
      progress = await page(cookie, `/admin/import/${runId}`);
    }
    expect(progress.status).toBe(200);
    expect(progress.html).toContain('Status:</strong> Done');
    expect(progress.html).toMatch(/<progress[^>]*max="12"[^>]*value="12"/);
    expect(progress.html).toContain('12 of 12 (failed 0)');
    expect(progress.html).toContain('href="/caseload"');
    expect(progress.refresh).toBeNull();

    const cases = (
      await stack.db.pool.query<{ case_id: string; imported_by: string }>(
        'SELECT case_id, imported_by FROM case_imports',
      )
    ).rows;
    expect(cases).toHaveLength(12);
    expect(new Set(cases.map((c) => c.imported_by))).toEqual(new Set([admin.id]));
    const workflows = createCaseWorkflows(stack.env.client, stack.taskQueue);
    for (const c of cases) expect(await workflows.running(c.case_id)).toBe(true);
    // The file's client data is gone once the run ends; its counts stay.
    const run = (
      await stack.db.pool.query(
        'SELECT status, file_text, done_count, failed_count FROM import_runs WHERE id = $1',
        [runId],
      )
    ).rows[0];
    expect(run).toEqual({ status: 'done', file_text: null, done_count: 12, failed_count: 0 });
    // One workflow ran the import, however often the button was pressed. The run row says "done"
    // from inside its last activity, so the workflow completes a moment later: wait for its result.
    const importRun = stack.env.client.workflow.getHandle(`case-import-${runId}`);
    await importRun.result();
    expect((await importRun.describe()).status.name).toBe('COMPLETED');

    // The same file again: every row was imported before, nothing to commit.
    const again = await upload(cookie, sample);
    expect(again.status).toBe(200);
    expect(again.html).toContain('nothing new to import');
    expect(again.html).not.toContain('/commit"');
  });

  it('when a run stopped halfway (its first rows imported, then the worker lost), then committing it imports only the rest and counts every row done', async () => {
    const team = await createTeam(stack.db.pool);
    const program = await programName(team.programId);
    const now = stack.clock().getTime();
    const rows = ['R-1', 'R-2', 'R-3', 'R-4', 'R-5'].map((key) => ({
      import_key: key,
      program,
      client_given_name: `Given${key}`,
      client_family_name: 'Resumed',
      case_manager_email: team.caseManager.email,
      opened_date: daysBefore(now, 30),
    }));
    const cookie = await signInCookie(stack, team.admin);
    const checked = await upload(cookie, importFile(rows));
    const runId = /action="\/admin\/import\/([0-9a-f-]{36})\/commit"/.exec(checked.html)![1]!;
    // What the earlier attempt managed before it was cut off: the first two rows.
    const deps = { pool: stack.db.pool, workflows: createCaseWorkflows(stack.env.client, stack.taskQueue) };
    await commitImport(
      deps,
      team.admin,
      await dryRun(stack.db.pool, importFile(rows.slice(0, 2)), stack.clock()),
      stack.clock(),
    );

    expect((await commit(cookie, runId, csrfOf(checked.html)!)).status).toBe(303);
    let progress = await page(cookie, `/admin/import/${runId}`);
    for (let i = 0; i < 240 && !progress.html.includes('Status:</strong> Done'); i++) {
      await new Promise((r) => setTimeout(r, 500));
      progress = await page(cookie, `/admin/import/${runId}`);
    }
    expect(progress.html).toContain('5 of 5 (failed 0)');
    const keys = (
      await stack.db.pool.query<{ import_key: string }>(
        'SELECT import_key FROM case_imports WHERE program_id = $1 ORDER BY import_key',
        [team.programId],
      )
    ).rows.map((r) => r.import_key);
    expect(keys).toEqual(['R-1', 'R-2', 'R-3', 'R-4', 'R-5']);
  });

  it('when a checked file is not committed within a day, then the sweep deletes its text, the page says it expired and its commit button imports nothing', async () => {
    const team = await createTeam(stack.db.pool);
    const program = await programName(team.programId);
    const now = stack.clock().getTime();
    const rows = [
      {
        import_key: 'X-1',
        program,
        client_given_name: 'Left',
        client_family_name: 'Waiting',
        case_manager_email: team.caseManager.email,
        opened_date: daysBefore(now, 10),
      },
    ];
    const cookie = await signInCookie(stack, team.admin);
    const checked = await upload(cookie, importFile(rows));
    const runId = /action="\/admin\/import\/([0-9a-f-]{36})\/commit"/.exec(checked.html)![1]!;
    const fileOf = async () =>
      (await stack.db.pool.query('SELECT status, file_text FROM import_runs WHERE id = $1', [runId])).rows[0];

    // Within the day nothing expires; past it, the file goes.
    expect(await expireUncommittedRuns(stack.db.pool, new Date(Date.now() + 23 * 3_600_000))).toBe(0);
    expect(await fileOf()).toMatchObject({
      status: 'checked',
      file_text: expect.stringContaining('Waiting'),
    });
    expect(await expireUncommittedRuns(stack.db.pool, new Date(Date.now() + 25 * 3_600_000))).toBeGreaterThan(
      0,
    );
    expect(await fileOf()).toEqual({ status: 'expired', file_text: null });

    expect((await commit(cookie, runId, csrfOf(checked.html)!)).status).toBe(303);
    const shown = await page(cookie, `/admin/import/${runId}`);
    expect(shown.html).toContain('Expired: not committed within a day');
    expect(shown.html).not.toContain('/commit"');
    const imported = await stack.db.pool.query('SELECT 1 FROM case_imports WHERE program_id = $1', [
      team.programId,
    ]);
    expect(imported.rowCount).toBe(0);
  });

  it('when the file has problems, then the page lists each by row, column and reason, offers no commit and keeps nothing', async () => {
    const team = await createTeam(stack.db.pool);
    const program = await programName(team.programId);
    const now = stack.clock().getTime();
    const cookie = await signInCookie(stack, team.admin);
    const before = await runCount(stack.db.pool);
    const bad = await upload(
      cookie,
      importFile([
        {
          import_key: 'P-1',
          program,
          client_given_name: 'Ana',
          client_family_name: 'Bad',
          case_manager_email: 'nobody@nowhere.test',
          opened_date: daysBefore(now, 10),
        },
        {
          import_key: 'P-2',
          program,
          client_given_name: 'Ben',
          client_family_name: 'Bad',
          case_manager_email: team.caseManager.email,
          opened_date: '2026-02-30',
        },
      ]),
    );
    expect(bad.status).toBe(400);
    expect(bad.html).toMatch(/<table\s+class="usa-table[^"]*"\s+id="import-problems"/);
    expect(bad.html).toMatch(/<caption>\s*Problems in cases.csv\s*<\/caption>/);
    expect(bad.html).toMatch(
      /data-label="Row">2<\/th>\s*<td data-label="Column">case_manager_email<\/td>\s*<td data-label="Reason">no staff member has this email<\/td>/,
    );
    expect(bad.html).toMatch(/data-label="Row">3<\/th>\s*<td data-label="Column">opened_date<\/td>/);
    expect(bad.html).not.toContain('/commit"');
    expect(await runCount(stack.db.pool)).toBe(before);
    // Nothing kept, but the check is on the record: the file named clients and was looked up.
    const checkedEntry = await stack.db.pool.query(
      `SELECT action, entity_id, detail FROM audit_log WHERE actor_id = $1 AND entity = 'import_run'`,
      [team.admin.id],
    );
    expect(checkedEntry.rows).toEqual([
      {
        action: 'read',
        entity_id: null,
        detail: { file: 'cases.csv', kept: false, rows: 2, ready: 0, alreadyImported: 0, problems: 2 },
      },
    ]);
  });

  it('when someone who is not an admin opens the page, uploads or commits, then 403 and nothing is kept', async () => {
    const team = await createTeam(stack.db.pool);
    const cookie = await signInCookie(stack, team.caseManager);
    const before = await runCount(stack.db.pool);
    expect((await page(cookie, '/admin/import')).status).toBe(403);
    expect((await upload(cookie, sample, { csrf: false })).status).toBe(403);
    const adminCookie = await signInCookie(stack, team.admin);
    const token = csrfOf((await page(cookie, '/work')).html)!;
    expect((await commit(cookie, '00000000-0000-4000-8000-000000000000', token)).status).toBe(403);
    expect((await page(cookie, '/admin/import/00000000-0000-4000-8000-000000000000')).status).toBe(403);
    expect((await page(adminCookie, '/admin/import/00000000-0000-4000-8000-000000000000')).status).toBe(404);
    expect(await runCount(stack.db.pool)).toBe(before);
  });

  it('when the upload carries no CSRF token, then it is refused and nothing is kept', async () => {
    await createTeam(stack.db.pool);
    const admin = await createStaff(stack.db.pool, 'admin');
    const cookie = await signInCookie(stack, admin);
    const before = await runCount(stack.db.pool);
    const refused = await upload(cookie, sample, { csrf: false });
    expect(refused.status).toBe(403);
    expect(refused.html).toContain('Form not accepted');
    expect(await runCount(stack.db.pool)).toBe(before);
  });

  it('when the file is over 20 MB, then 413 with a page that says so, and nothing is kept', async () => {
    const admin = await createStaff(stack.db.pool, 'admin');
    const cookie = await signInCookie(stack, admin);
    const before = await runCount(stack.db.pool);
    const big = new Uint8Array(21_000_000).fill(0x61);
    const refused = await upload(cookie, big);
    expect(refused.status).toBe(413);
    expect(refused.html).toContain('larger than 20 MB');
    expect(await runCount(stack.db.pool)).toBe(before);
  });
});
