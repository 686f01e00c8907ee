import type { Browser, Page } from 'playwright-core';
import { DAY, startOn } from '../helpers/clock';
import { describeInBrowser, launchChromium } from '../helpers/browser';
import { caseSteps } from '../helpers/case-steps';
import { createTeam, type StaffFixture } from '../helpers/fixtures';
import {
  axeViolations,
  horizontalOverflow,
  keepScreenshot,
  overflowingElements,
} from '../helpers/page-checks';
import { settle } from '../helpers/settle';
import { startTestStack, type TestStack } from '../helpers/stack';
import { signedInNarrowPage } from '../helpers/web-session';

/**
 * A program manager changes the program's policy from the browser alone: opens the form, shortens
 * a duration, previews what it does to the running cases, saves it with a reason, reads the
 * history, and sees a running case's due date moved.
 */
describeInBrowser('the policy editor, in a real browser', () => {
  let stack: TestStack;
  let browser: Browser;
  beforeAll(async () => {
    [stack, browser] = await Promise.all([startTestStack('policy-pages-browser-test'), launchChromium()]);
  });
  afterAll(async () => {
    await browser?.close();
    await stack?.stop();
  });

  /** At 320 px, CSP bypassed so axe can be injected. */
  const signedInPage = (staff: StaffFixture) => signedInNarrowPage(browser, stack, staff);

  /** axe finds nothing and nothing scrolls sideways at 320 px; screenshots at 320 px and at 1280 px. */
  async function checkPage(page: Page, name: string): Promise<void> {
    expect(await axeViolations(page)).toEqual([]);
    expect([await horizontalOverflow(page), await overflowingElements(page)]).toEqual([0, []]);
    await keepScreenshot(page, `policy-${name}-320`);
    await page.setViewportSize({ width: 1280, height: 900 });
    expect(await axeViolations(page)).toEqual([]);
    await keepScreenshot(page, `policy-${name}`);
    await page.setViewportSize({ width: 320, height: 900 });
  }

  /** Clicks a form's button; the status the POST answered (a 303 is followed to its page). */
  async function submit(page: Page, button: string): Promise<number> {
    const [response] = await Promise.all([
      page.waitForResponse((r) => r.request().method() === 'POST'),
      page.getByRole('button', { name: button, exact: true }).click(),
    ]);
    await page.waitForLoadState('load');
    return response.status();
  }

  const text = async (page: Page, selector: string): Promise<string> =>
    ((await page.locator(selector).textContent()) ?? '').replace(/\s+/g, ' ').trim();

  it('when a program manager previews a shorter initial assessment and saves it with a reason, then the history shows it and the running case is due a week sooner', async () => {
    const { db, api } = stack;
    const team = await createTeam(db.pool);
    await startOn(stack.env, 'Mon', '10:00');
    const running = await caseSteps(api).intake(team);
    await settle(stack, running.caseId);
    const dueBefore = (
      await db.pool.query<{ due_at: Date }>('SELECT due_at FROM case_obligations WHERE case_id = $1', [
        running.caseId,
      ])
    ).rows[0]!.due_at.getTime();

    const { context, page } = await signedInPage(team.programManager);
    const base = `/programs/${team.programId}/policy`;
    expect((await page.goto(`${stack.api.base}${base}`))?.status()).toBe(200);
    expect(await page.locator('#f-initialAssessmentDue-amount').inputValue()).toBe('14');
    expect(await page.locator('#f-initialAssessmentDue-unit').inputValue()).toBe('days');
    expect(await text(page, '#f-planApprovalDue-amount-hint')).toContain('Now: 5 business days.');
    await checkPage(page, 'form');

    // A value that makes no sense comes back named, and nothing is saved.
    await page.locator('#f-ladder-overdueEvery-amount').fill('0');
    expect(await submit(page, 'Preview')).toBe(400);
    expect(await text(page, '#f-ladder-overdueEvery-amount-error')).toBe(
      'Overdue reminder every must be at least one minute.',
    );
    await checkPage(page, 'error');
    await page.locator('#f-ladder-overdueEvery-amount').fill('3');

    // The preview: the running case's assessment moves a week earlier; nothing is saved yet.
    await page.locator('#f-initialAssessmentDue-amount').fill('7');
    expect(await submit(page, 'Preview')).toBe(200);
    const moves = await text(page, '#preview-moves');
    expect(moves).toContain(running.reference);
    expect(moves).toContain('Initial assessment');
    expect(moves).toContain('7 days earlier');
    expect(await text(page, '#preview-totals')).toContain('Due earlier 1');
    expect(await page.locator('#f-initialAssessmentDue-amount').inputValue()).toBe('7');
    await checkPage(page, 'preview');
    const versions = async () =>
      (await db.pool.query('SELECT version FROM program_policies WHERE program_id = $1', [team.programId]))
        .rowCount;
    expect(await versions()).toBe(1);

    // Save needs a reason.
    expect(await submit(page, 'Save')).toBe(400);
    expect(await text(page, '#f-reason-error')).toBe(
      'Enter why the policy changes: it is kept with the version.',
    );
    expect(await versions()).toBe(1);
    await page.locator('#f-reason').fill('The funder now asks for assessment within a week.');
    expect(await submit(page, 'Save')).toBe(303);
    expect(new URL(page.url()).pathname).toBe(`${base}/history`);
    await page.getByRole('status').filter({ hasText: 'Policy saved as a new version' }).waitFor();
    const history = await text(page, '#policy-history tbody tr:first-child');
    expect(history).toContain('2');
    expect(history).toContain(team.programManager.fullName);
    expect(history).toContain('The funder now asks for assessment within a week.');
    expect(history).toContain('Initial assessment due: 14 days → 7 days');
    await checkPage(page, 'history');

    // The running case's workflow re-derived its due date: the case page shows it a week sooner.
    await settle(stack, running.caseId);
    expect((await page.goto(`${stack.api.base}/cases/${running.caseId}`))?.status()).toBe(200);
    expect(await page.locator('#due time').first().getAttribute('datetime')).toBe(
      new Date(dueBefore - 7 * DAY).toISOString(),
    );
    await context.close();
  });

  it('when a case manager opens a program’s policy, then it is refused', async () => {
    const team = await createTeam(stack.db.pool);
    const { context, page } = await signedInPage(team.caseManager);
    expect((await page.goto(`${stack.api.base}/programs/${team.programId}/policy`))?.status()).toBe(403);
    await context.close();
  });
});
