import type { Client } from '@temporalio/client';
import type { Browser } from 'playwright-core';
import { TEAM_PAGE_SIZE } from '../../src/domain/team';
import { startTestApi, type TestApi } from '../helpers/api';
import { describeInBrowser, launchChromium } from '../helpers/browser';
import { createTestDatabase, type TestDatabase } from '../helpers/db';
import type { StaffFixture } from '../helpers/fixtures';
import { seedLargeTeam } from '../helpers/large-team';
import { checkAtBothWidths } from '../helpers/page-checks';
import { browserCookie, signedInAs } from '../helpers/sessions';

/**
 * A program manager pages through a team larger than one page, in Chromium: the person behind
 * comes first, the links lead on and back, and each page passes axe-core and fits 320 px.
 * Screenshots: test-artifacts/screenshots/team-page-*.png.
 */
describeInBrowser('the team pages of a large program, in a browser', () => {
  const now = new Date('2026-12-02T12:00:00Z');
  const members = TEAM_PAGE_SIZE + 3;
  let db: TestDatabase;
  let api: TestApi;
  let browser: Browser;
  let pm: StaffFixture;

  beforeAll(async () => {
    [db, browser] = await Promise.all([createTestDatabase(), launchChromium()]);
    // The team page reads records only: no Temporal needed.
    api = await startTestApi(db.pool, {} as Client, 'team-pages-browser', () => now);
    ({ programManager: pm } = await seedLargeTeam(db.pool, members, now));
  });
  afterAll(async () => {
    await browser?.close();
    await api?.close();
    await db?.drop();
  });

  it('when a program manager opens the team and follows Next page, then the most overdue person leads and the rest follow, a page at a time', async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    await context.addCookies([browserCookie(await signedInAs(db.pool, pm, { now }), api.base)]);
    const page = await context.newPage();
    const names = async (): Promise<string[]> =>
      (await page.locator('#team tbody th[data-label="Case manager"]').allTextContents()).map((t) =>
        t.trim(),
      );

    await page.goto(`${api.base}/team`);
    expect(await names()).toHaveLength(TEAM_PAGE_SIZE);
    expect((await names())[0]).toBe(`Member ${members - 1}`);
    expect(await page.locator('#team caption').textContent()).toMatch(
      new RegExp(`1–${TEAM_PAGE_SIZE} of ${members}, most overdue work first`),
    );
    await checkAtBothWidths(page, 'team-page-first');

    await Promise.all([
      page.waitForURL(/\/team\?page=2$/),
      page.getByRole('link', { name: 'Next page' }).click(),
    ]);
    expect(await names()).toEqual(['Member 24', 'Member 25', 'Member 26']);
    expect(await page.getByText('Page 2 of 2').count()).toBe(1);
    await checkAtBothWidths(page, 'team-page-second');

    await Promise.all([
      page.waitForURL(/\/team$/),
      page.getByRole('link', { name: 'Previous page' }).click(),
    ]);
    expect((await names())[0]).toBe(`Member ${members - 1}`);
    await context.close();
  });
});
