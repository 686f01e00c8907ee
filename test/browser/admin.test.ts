import type { Client } from '@temporalio/client';
import type { Browser, Page } from 'playwright-core';
import { createMailer, type Mailer } from '../../src/notifications/mailer';
import { startTestApi, type TestApi } from '../helpers/api';
import { describeInBrowser, launchChromium } from '../helpers/browser';
import { createTestDatabase, type TestDatabase } from '../helpers/db';
import { createProgram, createProvider, createStaff } from '../helpers/fixtures';
import {
  axeViolations,
  horizontalOverflow,
  keepScreenshot,
  overflowingElements,
} from '../helpers/page-checks';
import { givePassword } from '../helpers/sessions';
import { startSmtpCatcher, type SmtpCatcher } from '../helpers/smtp';

/**
 * An admin's morning in a real browser at phone width (320 px): signing in, inviting a new case
 * manager (the email reaches the SMTP catcher on loopback), the new person choosing a password
 * from the link and signing in, and the admin finding both in the audit log. Every admin page
 * passes axe-core and nothing scrolls sideways. Temporal is not needed and never called.
 */
describeInBrowser('an admin invites a person, who signs in; the audit log shows both', () => {
  let db: TestDatabase;
  let smtp: SmtpCatcher;
  let mailer: Mailer;
  let api: TestApi;
  let browser: Browser;

  beforeAll(async () => {
    [db, smtp, browser] = await Promise.all([createTestDatabase(), startSmtpCatcher(), launchChromium()]);
    mailer = createMailer(smtp.url, 'Caseloop <no-reply@test.local>');
    api = await startTestApi(db.pool, {} as Client, 'admin-browser-test', undefined, { mailer });
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
    const overflow = await horizontalOverflow(page);
    if (overflow)
      throw new Error(`${name} overflows by ${overflow}px: ${(await overflowingElements(page)).join(' | ')}`);
    await keepScreenshot(page, `admin-${name}`);
  }

  async function signIn(page: Page, email: string, password: string): Promise<void> {
    await page.getByLabel('Email address').fill(email);
    await page.getByLabel('Password').fill(password);
    await page.getByRole('button', { name: 'Sign in' }).click();
  }

  it('when an admin invites a new case manager, then the person gets the email, chooses a password and signs in, and the admin sees the invitation and the sign-in in the audit log; every admin page is accessible at 320 px', async () => {
    const admin = await createStaff(db.pool, 'admin', { name: 'Ada Admin', timeZone: 'Europe/London' });
    await givePassword(db.pool, admin.id, 'the admin has a long passphrase');
    await createStaff(db.pool, 'supervisor', { name: 'Sam Supervisor' });
    const manager = await createStaff(db.pool, 'program_manager', { name: 'Pat Manager' });
    const programId = await createProgram(db.pool, {
      programManagerId: manager.id,
      name: 'Housing Stability',
    });
    const provider = await createProvider(db.pool, 'Riverside Legal Aid');

    const adminContext = await browser.newContext({ viewport: { width: 320, height: 800 } });
    const page = await adminContext.newPage();

    // Signing in lands on the page the admin asked for.
    await page.goto(`${api.base}/admin/staff`);
    await signIn(page, admin.email, 'the admin has a long passphrase');
    await page.getByRole('heading', { name: 'Staff', exact: true }).waitFor();
    await checkPage(page, 'staff');

    await page.getByRole('link', { name: 'Invite a person' }).click();
    await page.getByRole('heading', { name: 'Invite a person' }).waitFor();
    await checkPage(page, 'staff-invite');

    // An empty invitation comes back with the errors by their fields, listed in the form's order.
    const invite = page.locator('form[action="/admin/staff/invite"]');
    await invite.getByRole('button', { name: 'Add and send invitation' }).click();
    await page.getByRole('alert').filter({ hasText: 'There are 3 problems' }).waitFor();
    expect(await page.locator('#f-fullName-error').textContent()).toBe('Enter the person’s full name.');
    expect(await page.getByRole('alert').getByRole('link').allTextContents()).toEqual([
      'Full name: Enter the person’s full name.',
      'Email address: Enter the person’s email address.',
      'Role: Choose a role.',
    ]);
    await checkPage(page, 'staff-invite-errors');

    // The invitation.
    const email = 'noor.haddad@test.caseloop.local';
    await invite.getByLabel('Full name').fill('Noor Haddad');
    await invite.getByLabel('Email address').fill(email);
    await invite.getByLabel('Role').selectOption('case_manager');
    await invite.getByLabel('Team (supervisor)').selectOption({ label: 'Sam Supervisor (Supervisor)' });
    await invite.getByLabel('Time zone').selectOption('Europe/Berlin');
    await invite.getByRole('button', { name: 'Add and send invitation' }).click();
    await page.getByRole('status').filter({ hasText: 'The invitation email is on its way.' }).waitFor();
    await page.getByRole('heading', { name: 'Noor Haddad' }).waitFor();
    const personPath = new URL(page.url()).pathname;
    await checkPage(page, 'staff-person');

    const [mail] = await smtp.waitFor(1);
    expect(mail!.to).toEqual([email]);
    const link = /(http\S+\/password\/\S+)/.exec(mail!.text)![1]!;

    // The new person, in their own browser: the link, a password, signed in; then out and in again.
    const personContext = await browser.newContext({ viewport: { width: 320, height: 800 } });
    const theirs = await personContext.newPage();
    await theirs.goto(link);
    const password = 'noor chooses a long passphrase';
    await theirs.getByLabel('New password', { exact: true }).fill(password);
    await theirs.getByLabel('New password again').fill(password);
    await theirs.getByRole('button', { name: 'Set password and sign in' }).click();
    await theirs.waitForURL(/\/work\?notice=password-set$/);
    await theirs.getByRole('button', { name: 'Sign out' }).click();
    await theirs.getByRole('status').filter({ hasText: 'You are signed out.' }).waitFor();
    await theirs.goto(`${api.base}/work`);
    await signIn(theirs, email, password);
    await theirs.getByRole('heading', { name: 'My work' }).waitFor();
    expect(await theirs.locator('.cl-signout__who').textContent()).toBe('Noor Haddad');
    // Not an admin: the administration pages are closed to them.
    expect((await theirs.goto(`${api.base}/admin/staff`))?.status()).toBe(403);
    await personContext.close();

    // The admin sees that the invitation was used and the person is signed in.
    await page.goto(`${api.base}${personPath}`);
    await page.getByText(/Invitation used/).waitFor();
    await page.getByText('In 1 browser session').waitFor();

    // The audit log: the invitation the admin sent, and the person's password and sign-in.
    await page.goto(`${api.base}/admin/audit`);
    await page.getByLabel('Person').selectOption({ label: 'Ada Admin' });
    await page.getByLabel('Record kind').selectOption('account_link');
    await page.getByRole('button', { name: 'Show entries' }).click();
    const adminRows = page.locator('#audit-entries tbody tr');
    await adminRows.first().waitFor();
    expect(await adminRows.count()).toBe(1);
    expect(await adminRows.first().textContent()).toContain('"purpose":"invitation"');

    await page.getByLabel('Person').selectOption({ label: 'Noor Haddad' });
    await page.getByLabel('Record kind').selectOption('');
    await page.getByRole('button', { name: 'Show entries' }).click();
    await page.locator('#audit-entries').getByText('web session').waitFor();
    const theirRows = (await page.locator('#audit-entries tbody tr').allTextContents()).map((t) =>
      t.replace(/\s+/g, ' '),
    );
    expect(theirRows.some((t) => / Create web session/.test(t))).toBe(true);
    expect(
      theirRows.some((t) => / Update staff credentials/.test(t) && t.includes('"via":"invitation"')),
    ).toBe(true);
    await checkPage(page, 'audit');

    // The rest of the administration pages, as they first appear.
    for (const [path, heading, name] of [
      ['/admin/programs', 'Programs', 'programs'],
      ['/admin/programs/new', 'Add a program', 'program-new'],
      [`/admin/programs/${programId}`, 'Housing Stability', 'program'],
      ['/admin/providers', 'Providers', 'providers'],
      ['/admin/providers/new', 'Add a provider', 'provider-new'],
      [`/admin/providers/${provider.id}`, 'Riverside Legal Aid', 'provider'],
      [`/admin/staff/${manager.id}`, 'Pat Manager', 'staff-deactivate-form'],
    ] as const) {
      await page.goto(`${api.base}${path}`);
      await page.getByRole('heading', { name: heading, exact: true }).waitFor();
      await checkPage(page, name);
    }
    await adminContext.close();
  });
});
