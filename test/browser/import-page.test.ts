import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { describeInBrowser, launchChromium } from '../helpers/browser';
import { createStaff } from '../helpers/fixtures';
import { sampleFileRecords } from '../helpers/import-file';
import {
  axeViolations,
  horizontalOverflow,
  keepScreenshot,
  overflowingElements,
} from '../helpers/page-checks';
import { startTestStack, type TestStack } from '../helpers/stack';
import { signInPage } from '../helpers/web-session';

/**
 * An admin imports the sample caseload in a real browser at phone width (320 px): choosing the
 * file, reading its dry run, committing it and watching the progress page (which refreshes itself,
 * no JavaScript needed) reach the end. Every page passes axe-core and nothing scrolls sideways.
 */
describeInBrowser('an admin imports a caseload from the admin page', () => {
  let stack: TestStack;
  let browser: Browser;
  beforeAll(async () => {
    [stack, browser] = await Promise.all([startTestStack('import-page-browser'), launchChromium()]);
  });
  afterAll(async () => {
    await browser?.close();
    await stack?.stop();
  });

  async function checkPage(page: Page, name: string): Promise<void> {
    expect(await axeViolations(page)).toEqual([]);
    const overflow = await horizontalOverflow(page);
    if (overflow)
      throw new Error(`${name} overflows by ${overflow}px: ${(await overflowingElements(page)).join(' | ')}`);
    await keepScreenshot(page, `import-${name}`);
  }

  it('when an admin chooses the sample file, checks it and commits it, then the progress page counts to 12 of 12 and links to the caseload; every page is accessible at 320 px', async () => {
    await sampleFileRecords(stack.db.pool);
    const admin = await createStaff(stack.db.pool, 'admin', { name: 'Ada Admin' });
    const context = await browser.newContext({ viewport: { width: 320, height: 800 } });
    const page = await context.newPage();
    await signInPage(page, stack, admin);

    await page.goto(`${stack.api.base}/admin/staff`);
    await page
      .getByRole('navigation', { name: 'Administration' })
      .getByRole('link', { name: 'Import cases' })
      .click();
    await page.getByRole('heading', { name: 'Import cases' }).waitFor();
    await checkPage(page, 'form');

    await page.getByLabel('CSV file').setInputFiles(path.join(__dirname, '../../docs/import-sample.csv'));
    await page.getByRole('button', { name: 'Check the file' }).click();
    await page.getByRole('heading', { name: 'Import: ready to commit' }).waitFor();
    await checkPage(page, 'dry-run');

    await page.getByRole('button', { name: 'Commit 12 rows' }).click();
    await page.locator('#import-progress').waitFor();
    await checkPage(page, 'progress');
    // The page refreshes itself (meta refresh) until the run is done.
    await page.getByText('Status: Done').waitFor({ timeout: 90_000 });
    expect(await page.locator('#import-count').textContent()).toBe('12 of 12 (failed 0)');
    await checkPage(page, 'done');
    await page.getByRole('link', { name: 'See the caseload' }).click();
    await page.waitForURL(/\/caseload/);
    await context.close();
  });

  it('when the file has problems, then the dry-run page shows them in an accessible table and no commit button', async () => {
    const admin = await createStaff(stack.db.pool, 'admin');
    const context = await browser.newContext({ viewport: { width: 320, height: 800 } });
    const page = await context.newPage();
    await signInPage(page, stack, admin);
    await page.goto(`${stack.api.base}/admin/import`);
    await page.getByLabel('CSV file').setInputFiles({
      name: 'bad.csv',
      mimeType: 'text/csv',
      buffer: Buffer.from('import_key,program\nK-1,Nowhere\n'),
    });
    await page.getByRole('button', { name: 'Check the file' }).click();
    await page.getByRole('heading', { name: 'Import: problems found' }).waitFor();
    expect(await page.getByRole('table', { name: 'Problems in bad.csv' }).isVisible()).toBe(true);
    expect(await page.getByRole('button', { name: /Commit/ }).count()).toBe(0);
    await checkPage(page, 'problems');
    await context.close();
  });
});
