import type { Browser } from 'playwright-core';
import { endSessionsOf } from '../../src/domain/web-sessions';
import { describeInBrowser, launchChromium } from '../helpers/browser';
import { caseSteps } from '../helpers/case-steps';
import { createTeam } from '../helpers/fixtures';
import { axeViolations, horizontalOverflow, keepScreenshot } from '../helpers/page-checks';
import { givePassword } from '../helpers/sessions';
import { startTestStack, type TestStack } from '../helpers/stack';
import { signInPage } from '../helpers/web-session';

/**
 * A case manager whose session ends while they write a note: sending it saves nothing, and the
 * sign-in page tells them so in words; signing in takes them back to the note form.
 */
describeInBrowser('a form sent after the session ended, in a real browser at 320 px', () => {
  let stack: TestStack;
  let browser: Browser;
  beforeAll(async () => {
    [stack, browser] = await Promise.all([startTestStack('session-ended-browser'), launchChromium()]);
  });
  afterAll(async () => {
    await browser?.close();
    await stack?.stop();
  });

  it('when the note is sent after the session ended, then no note is recorded, the sign-in page says what happened, and signing in leads back to the note form', async () => {
    const team = await createTeam(stack.db.pool);
    await givePassword(stack.db.pool, team.caseManager.id, 'a long and private passphrase');
    const { caseId } = await caseSteps(stack.api).intake(team);
    const page = await browser.newPage({ viewport: { width: 320, height: 900 } });
    page.setDefaultTimeout(10_000);
    await signInPage(page, stack, team.caseManager);

    const form = `/cases/${caseId}/notes/new`;
    await page.goto(`${stack.api.base}${form}`);
    await page.locator('label', { hasText: 'Contact with the client or about them' }).click();
    await page.getByLabel('Note').fill('Met the landlord.');
    // Meanwhile the session ends (as after 30 idle minutes, or signing out in another tab).
    await endSessionsOf(stack.db.pool, team.caseManager.id, 'idle', stack.clock());
    await page.getByRole('button', { name: 'Add note' }).click();
    await page.waitForURL((url) => url.pathname === '/sign-in');

    expect(
      (await stack.db.pool.query('SELECT id FROM case_notes WHERE case_id = $1', [caseId])).rows,
    ).toEqual([]);
    const warning = page.locator('.usa-alert--warning');
    expect((await warning.textContent())?.replace(/\s+/g, ' ').trim()).toBe(
      'Your session had ended, so what you sent was not saved and nothing was changed. Sign in, then send it again.',
    );
    expect(await axeViolations(page)).toEqual([]);
    expect(await horizontalOverflow(page)).toBe(0);
    await keepScreenshot(page, 'session-ended-sign-in');

    await page.getByLabel('Email address').fill(team.caseManager.email);
    await page.getByLabel('Password').fill('a long and private passphrase');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL((url) => url.pathname === form);
    await page.getByRole('heading', { level: 1, name: 'Add a case note' }).waitFor();
  });
});
