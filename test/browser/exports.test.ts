import fs from 'node:fs';
import type { Browser, Page } from 'playwright-core';
import { describeInBrowser, launchChromium } from '../helpers/browser';
import { parseCsv } from '../helpers/csv';
import { createCaseRow, createTeam, type StaffFixture } from '../helpers/fixtures';
import { checkInSecondWindow } from '../helpers/page-checks';
import { startTestStack, type TestStack } from '../helpers/stack';
import { signInPage } from '../helpers/web-session';

describeInBrowser('CSV downloads from the pages, in a real browser', () => {
  let stack: TestStack;
  let browser: Browser;
  beforeAll(async () => {
    [stack, browser] = await Promise.all([startTestStack('exports-browser-test'), launchChromium()]);
  });
  afterAll(async () => {
    await browser?.close();
    await stack?.stop();
  });

  /** Accessible and readable at 320 px, checked in a second window where axe may run its script. */
  const checkPage = (page: Page, staff: StaffFixture, name: string): Promise<void> =>
    checkInSecondWindow(browser, page.url(), (audit) => signInPage(audit, stack, staff), name);

  /** Clicks a download link and reads the file the browser saved. */
  async function downloaded(page: Page, link: string): Promise<{ name: string; rows: string[][] }> {
    const [file] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('link', { name: link }).click(),
    ]);
    return { name: file.suggestedFilename(), rows: parseCsv(fs.readFileSync(await file.path())) };
  }

  it('when staff open the caseload, the team view and their programs, then each has its CSV links, the files download, and the pages stay accessible', async () => {
    const pool = stack.db.pool;
    const team = await createTeam(pool);
    const mine = await createCaseRow(pool, team, { givenName: 'Zoë', familyName: 'Lindqvist' });
    const high = await createCaseRow(pool, team, { givenName: 'Omar', familyName: 'Haddad' });
    await pool.query(`UPDATE cases SET risk_level = 'high' WHERE id = $1`, [high.id]);

    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const page = await context.newPage();
    await signInPage(page, stack, team.caseManager);
    await page.goto(`${stack.api.base}/caseload?risk=high`);
    const caseload = await downloaded(page, 'Download these cases (CSV)');
    expect(caseload.name).toMatch(/^caseload-\d{4}-\d{2}-\d{2}\.csv$/);
    // The page's filter (high risk) goes with the download.
    expect(caseload.rows.slice(1).map((r) => [r[0], r[1]])).toEqual([[high.reference, 'Omar Haddad']]);
    const initials = await downloaded(page, 'Download with client initials only (CSV)');
    expect(initials.rows[0]).not.toContain('client_name');
    expect(initials.rows.slice(1).map((r) => [r[0], r[1]])).toEqual([[high.reference, 'O. H.']]);
    await page.goto(`${stack.api.base}/caseload`);
    expect((await downloaded(page, 'Download these cases (CSV)')).rows.map((r) => r[0]).sort()).toEqual(
      ['reference', mine.reference, high.reference].sort(),
    );
    await checkPage(page, team.caseManager, 'caseload-downloads');

    await signInPage(page, stack, team.supervisor);
    await page.goto(`${stack.api.base}/team`);
    const table = await downloaded(page, 'This table of case managers');
    expect(table.rows.slice(1).map((r) => [r[0], r[1]])).toEqual([[team.caseManager.fullName, '2']]);
    const schedule = await downloaded(page, 'Open work on the open cases you oversee in');
    expect(schedule.rows[0]).toEqual([
      'case_reference',
      'case_status',
      'obligation_kind',
      'obligation',
      'due_at',
      'state',
      'assignee',
    ]);
    await checkPage(page, team.supervisor, 'team-downloads');

    await signInPage(page, stack, team.programManager);
    await page.goto(`${stack.api.base}/programs`);
    expect(await page.getByRole('link', { name: /^Open cases’ schedule \(CSV\) of / }).count()).toBe(1);
    await page.goto(`${stack.api.base}/programs/${team.programId}/report`);
    expect((await downloaded(page, 'Open cases’ schedule (CSV)')).name.startsWith('schedule-Program-')).toBe(
      true,
    );
    await checkPage(page, team.programManager, 'program-report-downloads');
    await context.close();
  });
});
