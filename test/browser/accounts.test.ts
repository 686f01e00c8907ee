import type { Client } from '@temporalio/client';
import type { Browser, Page } from 'playwright-core';
import { createMailer, type Mailer } from '../../src/notifications/mailer';
import { startTestApi, type TestApi } from '../helpers/api';
import { describeInBrowser, launchChromium } from '../helpers/browser';
import { createTestDatabase, type TestDatabase } from '../helpers/db';
import { createStaff } from '../helpers/fixtures';
import { axeViolations, horizontalOverflow, keepScreenshot } from '../helpers/page-checks';
import { startSmtpCatcher, type SmtpCatcher } from '../helpers/smtp';

/**
 * A new staff member's first day, in a real browser at phone width (320 px): the invitation email's
 * link, choosing a password, signing out, signing in again. Every page passes axe-core and nothing
 * scrolls sideways. Temporal is not needed and never called.
 */
describeInBrowser('invitation, password and sign-in in a real browser', () => {
  let db: TestDatabase;
  let smtp: SmtpCatcher;
  let mailer: Mailer;
  let api: TestApi;
  let browser: Browser;

  beforeAll(async () => {
    [db, smtp, browser] = await Promise.all([createTestDatabase(), startSmtpCatcher(), launchChromium()]);
    mailer = createMailer(smtp.url, 'Caseloop <no-reply@test.local>');
    api = await startTestApi(db.pool, {} as Client, 'accounts-browser-test', undefined, { mailer });
  });
  afterAll(async () => {
    await browser?.close();
    await api?.close();
    mailer?.close();
    await smtp?.close();
    await db?.drop();
  });

  /** The page as it stands is accessible and fits 320 px; a screenshot is kept for people to look at. */
  async function checkPage(page: Page, name: string): Promise<void> {
    expect(await axeViolations(page)).toEqual([]);
    expect(await horizontalOverflow(page)).toBe(0);
    await keepScreenshot(page, `accounts-${name}`);
  }

  it('when an invited person follows the email link, chooses a password, signs out and signs in again, then each step works and every page is accessible at 320 px', async () => {
    const admin = await createStaff(db.pool, 'admin');
    const created = await api.call('POST', '/api/v1/staff', admin.token, {
      email: 'robin.newcomer@test.caseloop.local',
      fullName: 'Robin Newcomer',
      role: 'case_manager',
      timeZone: 'Europe/London',
    });
    expect(created.status).toBe(201);
    const invited = await api.call('POST', `/api/v1/staff/${created.body.id}/invitation`, admin.token);
    expect(invited.status).toBe(202);
    const [mail] = await smtp.waitFor(1);
    const link = /(http\S+\/password\/\S+)/.exec(mail!.text)![1]!;
    expect(mail!.html).toContain(`href="${link}"`);

    const context = await browser.newContext({ viewport: { width: 320, height: 800 } });
    const page = await context.newPage();

    // The link: a form to choose a password.
    await page.goto(link);
    await page.getByRole('heading', { name: 'Choose your password' }).waitFor();
    await checkPage(page, 'set-password');

    // Too short: the form comes back with the error beside the field.
    await page.getByLabel('New password', { exact: true }).fill('short');
    await page.getByLabel('New password again').fill('short');
    await page.getByRole('button', { name: 'Set password and sign in' }).click();
    await page.getByRole('alert').filter({ hasText: 'There is a problem' }).waitFor();
    expect(await page.locator('#f-password-error').textContent()).toMatch(/at least 12 characters/);
    await checkPage(page, 'set-password-error');

    const password = 'robin chooses a long passphrase';
    await page.getByLabel('New password', { exact: true }).fill(password);
    await page.getByLabel('New password again').fill(password);
    await page.getByRole('button', { name: 'Set password and sign in' }).click();
    await page.waitForURL(/\/work\?notice=password-set$/);

    // Signed in: the pages open and the header names them.
    await page.goto(`${api.base}/escalations`);
    await page.getByRole('heading', { name: 'Escalations' }).waitFor();
    expect(await page.locator('.cl-signout__who').textContent()).toBe('Robin Newcomer');
    const [sessionCookie] = (await context.cookies()).filter((c) => c.name === 'caseloop_session');
    expect(sessionCookie).toMatchObject({ httpOnly: true, sameSite: 'Lax' });

    // The link works once.
    const reused = await page.goto(link);
    expect(reused?.status()).toBe(410);
    await checkPage(page, 'link-used');

    // Sign out.
    await page.goto(`${api.base}/escalations`);
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('status').filter({ hasText: 'You are signed out.' }).waitFor();
    expect((await context.cookies()).filter((c) => c.name === 'caseloop_session')).toEqual([]);
    await checkPage(page, 'signed-out');

    // The old session is over on the server too: the cookie, put back, opens nothing.
    await context.addCookies([sessionCookie!]);
    await page.goto(`${api.base}/escalations`);
    await page.getByRole('heading', { name: 'Sign in' }).waitFor();
    expect(new URL(page.url()).pathname).toBe('/sign-in');

    // A wrong password: the generic answer, the email kept.
    await page.getByLabel('Email address').fill('robin.newcomer@test.caseloop.local');
    await page.getByLabel('Password').fill('not my password at all');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('alert').filter({ hasText: 'Email or password not accepted' }).waitFor();
    expect(await page.getByLabel('Email address').inputValue()).toBe('robin.newcomer@test.caseloop.local');
    await checkPage(page, 'sign-in-refused');

    // The forgotten-password page is there for people who need it.
    await page.getByRole('link', { name: 'Forgotten your password?' }).click();
    await page.getByRole('heading', { name: 'Forgotten password' }).waitFor();
    await checkPage(page, 'forgot');

    // Signing in with the chosen password goes back where the person was going.
    await page.goto(`${api.base}/escalations`);
    await page.getByLabel('Email address').fill('robin.newcomer@test.caseloop.local');
    await page.getByLabel('Password').fill(password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Escalations' }).waitFor();
    expect(new URL(page.url()).pathname).toBe('/escalations');
    await checkPage(page, 'signed-in');

    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('status').filter({ hasText: 'You are signed out.' }).waitFor();
    await context.close();
  });
});
