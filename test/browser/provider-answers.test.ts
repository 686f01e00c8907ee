import type { Browser, Page } from 'playwright-core';
import { DEFAULT_POLICY } from '../../src/core/policy';
import { describeInBrowser, launchChromium } from '../helpers/browser';
import { caseSteps } from '../helpers/case-steps';
import { startOn } from '../helpers/clock';
import { createProvider, createTeam } from '../helpers/fixtures';
import { caseMessages } from '../helpers/mail-log';
import {
  axeViolations,
  horizontalOverflow,
  keepScreenshot,
  overflowingElements,
} from '../helpers/page-checks';
import { startTestStack, type TestStack } from '../helpers/stack';
import { signInPage } from '../helpers/web-session';

describeInBrowser(
  'a provider answers a referral from its email link, and a case manager records consent, in a real browser',
  () => {
    let stack: TestStack;
    let browser: Browser;
    beforeAll(async () => {
      [stack, browser] = await Promise.all([
        startTestStack('provider-answers-browser-test'),
        launchChromium(),
      ]);
    });
    afterAll(async () => {
      await browser?.close();
      await stack?.stop();
    });

    /** Accessible and readable at 320 px, as it stands (axe needs a script: the context bypasses the CSP). */
    async function check(page: Page, name: string): Promise<void> {
      await page.setViewportSize({ width: 1280, height: 900 });
      expect(await axeViolations(page)).toEqual([]);
      await keepScreenshot(page, name);
      await page.setViewportSize({ width: 320, height: 800 });
      expect(await overflowingElements(page)).toEqual([]);
      expect(await horizontalOverflow(page)).toBe(0);
      expect(await axeViolations(page)).toEqual([]);
      await keepScreenshot(page, `${name}-320`);
    }

    async function referral() {
      const { env, db, api, smtp } = stack;
      const team = await createTeam(db.pool, { ...DEFAULT_POLICY, referralProviderFollowUp: true });
      const provider = await createProvider(db.pool, 'Harbour Housing Trust');
      await startOn(env, 'Mon', '10:00');
      const { caseId, base } = await caseSteps(api).intake(team);
      const made = await api.call('POST', `${base}/referrals`, team.caseManager.token, {
        providerId: provider.id,
        service: 'Tenancy support',
        reason: 'Rent arrears',
      });
      expect(made.status).toBe(201);
      const deadline = Date.now() + 20_000;
      while (caseMessages(smtp, caseId).length === 0 && Date.now() < deadline)
        await new Promise((r) => setTimeout(r, 50));
      const mail = caseMessages(smtp, caseId)[0]!;
      const link = /(http\S+\/referral-answer\/\S+)/.exec(mail.text)![1]!;
      return { team, provider, caseId, link, referralId: (made.body.referralId ?? made.body.id) as string };
    }

    it('when the provider opens the link, sends the decline form empty, then accepts, then the page explains each step, with no account and no client name', async () => {
      const { link, referralId } = await referral();
      const context = await browser.newContext({ bypassCSP: true });
      const page = await context.newPage();
      await page.goto(link);
      await page.getByRole('heading', { name: /Tenancy support/ }).waitFor();
      expect(await page.content()).not.toMatch(/Jordan|Rivera/);
      await check(page, 'provider-answer');

      await page.setViewportSize({ width: 1280, height: 900 });
      await page.getByRole('button', { name: 'Decline' }).click();
      await page.getByText('Enter why you decline.').first().waitFor();
      await check(page, 'provider-answer-error');

      await page.getByRole('button', { name: 'Accept' }).click();
      await page.getByText('Thank you: the referral is recorded as accepted').waitFor();
      const status = await stack.db.pool.query('SELECT status FROM referrals WHERE id = $1', [referralId]);
      expect(status.rows[0].status).toBe('accepted');
      await check(page, 'provider-answer-accepted');
      await context.close();
    });

    it('when a case manager opens Consent from the case and withdraws consent to email reminders, then the page shows it now and in the history', async () => {
      const { team, caseId } = await referral();
      const context = await browser.newContext({ bypassCSP: true });
      const page = await context.newPage();
      await signInPage(page, stack, team.caseManager);
      await page.goto(`${stack.api.base}/cases/${caseId}`);
      await page.getByRole('link', { name: 'Consent' }).click();
      await page.getByRole('heading', { name: 'Client consent' }).waitFor();
      await check(page, 'consent');

      await page.setViewportSize({ width: 1280, height: 900 });
      await page.getByRole('button', { name: 'Record consent' }).click();
      await page.getByText('Choose what the consent is for.').first().waitFor();
      await check(page, 'consent-error');

      // USWDS draws its own radio buttons: the person clicks the label.
      await page.locator('label', { hasText: 'Email reminders to the client' }).click();
      await page.locator('label', { hasText: 'Withdrawn' }).click();
      await page.getByLabel('How').selectOption('written');
      await page.getByLabel('Note (optional)').fill('Letter of 2 December');
      await page.getByRole('button', { name: 'Record consent' }).click();
      await page.getByText('Consent recorded.').waitFor();
      const table = (await page.locator('table').textContent()) ?? '';
      expect(table.replace(/\s+/g, ' ')).toContain('Email reminders to the client Withdrawn In writing');
      expect(table).toContain(team.caseManager.fullName);
      await check(page, 'consent-recorded');
      await context.close();
    });
  },
);
