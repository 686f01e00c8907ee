import type { Browser, Locator, Page } from 'playwright-core';
import { createProjectCaseSchedule } from '../../src/activities/projection';
import type { ProjectedObligation } from '../../src/activities/types';
import { DAY, HOUR, startOn } from '../helpers/clock';
import { describeInBrowser, launchChromium } from '../helpers/browser';
import { createCaseRow, createTeam, type StaffFixture } from '../helpers/fixtures';
import { checkInSecondWindow, keepScreenshot } from '../helpers/page-checks';
import { startTestStack, type TestStack } from '../helpers/stack';
import { signInPage } from '../helpers/web-session';

describeInBrowser('My work and Caseload, in a real browser', () => {
  let stack: TestStack;
  let browser: Browser;
  beforeAll(async () => {
    [stack, browser] = await Promise.all([startTestStack('work-pages-browser-test'), launchChromium()]);
  });
  afterAll(async () => {
    await browser?.close();
    await stack?.stop();
  });

  /** Signed in (a session, as after the sign-in form), landing on My work as a sign-in does. */
  /**
   * Clicks a link or a GET form's button and waits for the page it leads to: reading rows straight
   * after the click could count the old page's, or none while the new one loads.
   */
  async function follow(page: Page, target: Locator): Promise<void> {
    await Promise.all([page.waitForEvent('load'), target.click()]);
  }

  async function signIn(page: Page, staff: StaffFixture): Promise<void> {
    await signInPage(page, stack, staff);
    await page.goto(`${stack.api.base}/work`);
  }

  /** The caseload's one-line summary, its white space as a reader sees it. */
  const summary = async (page: Page): Promise<string> =>
    ((await page.locator('#caseload-summary').textContent()) ?? '').replace(/\s+/g, ' ').trim();

  /** Accessible and readable at 320 px, checked in a second window where axe may run its script. */
  const checkPage = (page: Page, staff: StaffFixture, name: string): Promise<void> =>
    checkInSecondWindow(browser, page.url(), (audit) => signIn(audit, staff), name);

  /**
   * A caseload of 30 cases whose obligations are projected as their workflows would write them,
   * around the test server's "now" (a Tuesday at 10:00 UTC, which is the API's clock too).
   */
  async function caseload() {
    const pool = stack.db.pool;
    const team = await createTeam(pool);
    const t0 = await startOn(stack.env, 'Tue', '10:00');
    const project = createProjectCaseSchedule({ pool });
    const add = async (
      name: [string, string],
      risk: 'low' | 'medium' | 'high',
      due: Omit<ProjectedObligation, 'running' | 'acknowledged' | 'escalationLevel' | 'dueAt'> & {
        in: number;
        escalationLevel?: number;
      },
    ) => {
      const c = await createCaseRow(pool, team, { givenName: name[0], familyName: name[1] });
      await pool.query('UPDATE cases SET risk_level = $2 WHERE id = $1', [c.id, risk]);
      const { in: offset, ...obligation } = due;
      await project({
        caseId: c.id,
        version: 1,
        status: 'active',
        nextDueAt: null,
        nextDueKind: null,
        overdueCount: 0,
        escalationLevel: 0,
        decisions: [],
        obligations: [
          {
            ...obligation,
            dueAt: new Date(t0 + offset).toISOString(),
            running: true,
            escalationLevel: due.escalationLevel ?? 0,
            acknowledged: false,
          },
        ],
      });
      return c;
    };
    const referralId = '3f1c7a9e-0b5d-4c1e-9d7a-2a6b8c4e1f00';
    const overdue = await add(['Mira', 'Sandoval'], 'high', {
      id: 'initial-assessment',
      kind: 'initial_assessment',
      in: -3 * DAY,
      escalationLevel: 1,
    });
    const today = await add(['Jon', 'Rivera'], 'medium', {
      id: 'service-plan-1',
      kind: 'service_plan',
      in: 5 * HOUR,
    });
    const thisWeek = await add(['Ana', 'Park'], 'low', {
      id: `referral-response-${referralId}`,
      kind: 'referral_response',
      subjectId: referralId,
      in: 4 * DAY,
    });
    const rest = [];
    for (let i = 0; i < 27; i++)
      rest.push(
        await add([`Client${String(i).padStart(2, '0')}`, 'Example'], 'low', {
          id: 'reassessment-1',
          kind: 'reassessment',
          in: (30 + i) * DAY,
        }),
      );
    return { team, overdue, today, thisWeek, referralId, rest };
  }

  it('when a case manager opens My work and Caseload, then they see what is due where it is done, and can search, sort, filter and page without JavaScript', async () => {
    const f = await caseload();
    const context = await browser.newContext({
      javaScriptEnabled: false,
      viewport: { width: 1280, height: 900 },
    });
    const page = await context.newPage();
    await signIn(page, f.team.caseManager);

    // My work: three groups, most urgent first, each item linking to where it is done.
    await page.getByRole('heading', { level: 1, name: 'My work' }).waitFor();
    const group = (name: string) => page.getByRole('region', { name: new RegExp(`^${name}`) });
    expect(await group('Overdue').getByRole('heading').textContent()).toMatch(/Overdue\s*\(1\)/);
    const overdueRow = group('Overdue').getByRole('row').nth(1);
    expect(await overdueRow.textContent()).toContain(f.overdue.reference);
    expect(await overdueRow.textContent()).toContain('M. S.');
    expect(await overdueRow.textContent()).toContain('3 days overdue');
    expect(await overdueRow.textContent()).toContain('Escalated to the supervisor');
    expect(await overdueRow.getByRole('link', { name: /Record the assessment/ }).getAttribute('href')).toBe(
      `/cases/${f.overdue.id}/assessments/new`,
    );
    const todayRow = group('Due today').getByRole('row').nth(1);
    expect(await todayRow.textContent()).toContain('Service plan');
    expect(await todayRow.getByRole('link', { name: /Write the service plan/ }).getAttribute('href')).toBe(
      `/cases/${f.today.id}/plans/new`,
    );
    const weekRow = group('Due this week').getByRole('row').nth(1);
    expect(await weekRow.textContent()).toContain('in 4 days');
    expect(await weekRow.getByRole('link', { name: /Update the referral/ }).getAttribute('href')).toBe(
      `/cases/${f.thisWeek.id}/referrals/${f.referralId}`,
    );
    // Reassessments a month away are not this week's work.
    expect(await page.content()).not.toContain(f.rest[0]!.reference);
    await checkPage(page, f.team.caseManager, 'my-work');

    // Caseload: soonest due first, 25 to a page.
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Caseload' }).click();
    await page.getByRole('heading', { level: 1, name: 'Caseload' }).waitFor();
    const rows = page.locator('tbody tr');
    expect(await rows.count()).toBe(25);
    expect(await rows.first().getByRole('link').textContent()).toBe(f.overdue.reference);
    expect(await summary(page)).toMatch(/Showing 1–25 of 30 cases/);
    await checkPage(page, f.team.caseManager, 'caseload');

    // At 320 px the page links still show their words.
    await page.setViewportSize({ width: 320, height: 800 });
    expect(await page.getByRole('link', { name: 'Next page' }).isVisible()).toBe(true);
    expect((await page.getByRole('link', { name: 'Next page' }).boundingBox())!.width).toBeGreaterThan(40);
    await page.setViewportSize({ width: 1280, height: 900 });
    await follow(page, page.getByRole('link', { name: 'Next page' }));
    expect(page.url()).toContain('page=2');
    expect(await rows.count()).toBe(5);
    expect(await summary(page)).toMatch(/Showing 26–30 of 30 cases/);
    await follow(page, page.getByRole('link', { name: 'Previous page' }));
    expect(await rows.count()).toBe(25);

    // Find a client: the search stays in its field, and the row links to the case.
    await page.getByLabel(/Find a client/).fill('sandoval');
    await follow(page, page.getByRole('button', { name: 'Show cases' }));
    expect(await rows.count()).toBe(1);
    expect(await rows.first().getByRole('link').getAttribute('href')).toBe(`/cases/${f.overdue.id}`);
    // The caseload names the client (anyone who sees the case may see them), and says it read them.
    expect((await rows.first().locator('td[data-label="Client"]').textContent())?.trim()).toBe(
      'Mira Sandoval (M. S.)',
    );
    expect(
      (
        await stack.db.pool.query(
          `SELECT count(*)::int AS n FROM audit_log
            WHERE entity = 'client' AND action = 'read' AND case_id = $1 AND detail->>'list' = 'true'`,
          [f.overdue.id],
        )
      ).rows[0].n,
    ).toBeGreaterThan(0);
    expect(await page.getByLabel(/Find a client/).inputValue()).toBe('sandoval');
    await keepScreenshot(page, 'caseload-search');

    // Sort by reference, high risk only, then overdue only.
    await page.getByLabel(/Find a client/).fill('');
    await page.getByLabel(/Sort by/).selectOption('reference');
    await follow(page, page.getByRole('button', { name: 'Show cases' }));
    expect(await rows.first().getByRole('link').textContent()).toBe(f.overdue.reference);
    expect(await rows.nth(1).getByRole('link').textContent()).toBe(f.today.reference);
    expect(await page.getByLabel(/Sort by/).inputValue()).toBe('reference');

    await page.getByLabel(/Risk/).selectOption('low');
    await follow(page, page.getByRole('button', { name: 'Show cases' }));
    expect(await rows.count()).toBe(25);
    expect(await rows.first().getByRole('link').textContent()).toBe(f.thisWeek.reference);
    expect(page.url()).toMatch(/risk=low/);

    await page.getByLabel(/Risk/).selectOption('');
    // USWDS draws its own box: people click the label.
    await page.getByText('Only cases with overdue work').click();
    await follow(page, page.getByRole('button', { name: 'Show cases' }));
    expect(await rows.count()).toBe(1);
    expect(await rows.first().textContent()).toContain('1 overdue');
    expect(await page.getByLabel('Only cases with overdue work').isChecked()).toBe(true);

    // A search that finds nothing says so.
    await page.getByText('Only cases with overdue work').click();
    await page.getByLabel(/Find a client/).fill('Nobody');
    await follow(page, page.getByRole('button', { name: 'Show cases' }));
    expect(await summary(page)).toMatch(/No cases match/);
    await checkPage(page, f.team.caseManager, 'caseload-empty');

    // A filter value no form offers comes back as a form error, not a failure.
    const bad = await page.goto(`${stack.api.base}/caseload?risk=extreme`);
    expect(bad?.status()).toBe(400);
    expect(await page.getByRole('alert').textContent()).toMatch(/Risk/);
    await context.close();
  });

  it('when a case manager has nothing due, then My work says so in words', async () => {
    const team = await createTeam(stack.db.pool);
    const context = await browser.newContext({ javaScriptEnabled: false });
    const page = await context.newPage();
    await signIn(page, team.caseManager);
    expect(await page.getByText('Nothing overdue or due this week.').count()).toBe(1);
    await checkPage(page, team.caseManager, 'my-work-empty');
    await context.close();
  });
});
