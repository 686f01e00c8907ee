import type { Browser, Page } from 'playwright-core';
import { describeInBrowser, launchChromium } from '../helpers/browser';
import { caseSteps, type Team } from '../helpers/case-steps';
import { startOn } from '../helpers/clock';
import { createProvider, createTeam, type StaffFixture } from '../helpers/fixtures';
import {
  axeViolations,
  horizontalOverflow,
  keepScreenshot,
  overflowingElements,
} from '../helpers/page-checks';
import { startTestStack, type TestStack } from '../helpers/stack';
import { signedInNarrowPage } from '../helpers/web-session';

/**
 * Issue 17 in a real browser at 320 px: the case manager fills the structured discharge summary
 * (prefilled from the plan and referrals), the supervisor reviews and approves it, and the
 * episode's discharge summary page reads on screen and prints without navigation or buttons.
 */
describeInBrowser('the discharge summary, in a real browser', () => {
  let stack: TestStack;
  let browser: Browser;
  beforeAll(async () => {
    [stack, browser] = await Promise.all([startTestStack('discharge-summary-browser'), launchChromium()]);
    await startOn(stack.env, 'Mon', '10:00');
  });
  afterAll(async () => {
    await browser?.close();
    await stack?.stop();
  });

  const signedInPage = (staff: StaffFixture) => signedInNarrowPage(browser, stack, staff);

  async function open(page: Page, path: string, status = 200) {
    const response = await page.goto(`${stack.api.base}${path}`);
    expect(response?.status()).toBe(status);
  }

  async function checkPage(page: Page, name: string) {
    expect(await axeViolations(page)).toEqual([]);
    expect({ overflow: await horizontalOverflow(page), what: await overflowingElements(page) }).toEqual({
      overflow: 0,
      what: [],
    });
    await keepScreenshot(page, `discharge-${name}`);
  }

  async function submit(page: Page, button: string): Promise<number> {
    const [response] = await Promise.all([
      page.waitForResponse((r) => r.request().method() === 'POST'),
      page.getByRole('button', { name: button }).click(),
    ]);
    await page.waitForLoadState('load');
    return response.status();
  }

  const field = (page: Page, name: string) => page.locator(`[name="${name}"]`);
  const squash = (s: string | null) => (s ?? '').replace(/\s+/g, ' ').trim();

  /** An active case: two goals (the first in progress) and an accepted referral. */
  async function workedCase(team: Team) {
    const { api, db } = stack;
    const cm = team.caseManager.token;
    const steps = caseSteps(api);
    const { caseId, base, reference } = await steps.intake(team);
    await steps.assess(base, cm);
    const plan = await api.call('POST', `${base}/plans`, cm, {
      goals: [
        {
          domain: 'housing',
          description: 'Stable tenancy',
          measure: 'Lease signed',
          targetDate: '2099-01-01',
        },
        {
          domain: 'income',
          description: 'Claim benefits',
          measure: 'Award letter',
          targetDate: '2099-02-01',
        },
      ],
    });
    expect(plan.status).toBe(201);
    const path = `${base}/plans/${plan.body.planId}`;
    expect((await api.call('POST', `${path}/submit`, cm)).status).toBe(200);
    expect(
      (await api.call('POST', `${path}/decision`, team.supervisor.token, { decision: 'approved' })).status,
    ).toBe(200);
    const goalIds = plan.body.goalIds as string[];
    expect(
      (await api.call('POST', `${base}/goals/${goalIds[0]}/progress`, cm, { status: 'in_progress' })).status,
    ).toBe(201);
    const provider = await createProvider(db.pool, 'Acme Housing Trust');
    const referral = await api.call('POST', `${base}/referrals`, cm, {
      providerId: provider.id,
      service: 'Emergency housing',
      reason: 'Eviction notice',
    });
    expect(referral.status).toBe(201);
    expect(
      (await api.call('POST', `${base}/referrals/${referral.body.id}/updates`, cm, { status: 'accepted' }))
        .status,
    ).toBe(201);
    return { caseId, base, reference, goalIds };
  }

  it('when the case manager fills the structured summary and the supervisor approves it, then the episode page shows it and prints without navigation or buttons', async () => {
    const team = await createTeam(stack.db.pool);
    const { caseId, reference, goalIds } = await workedCase(team);
    const caseRow = async () =>
      (
        await stack.db.pool.query(
          `SELECT status, closure_reason, closure_discharge,
                  (SELECT count(*)::int FROM closure_events WHERE case_id = $1) AS events
             FROM cases WHERE id = $1`,
          [caseId],
        )
      ).rows[0];

    // ---- the closure form: each goal and referral, with the outcome the record says ----
    const cm = await signedInPage(team.caseManager);
    const page = cm.page;
    await open(page, `/cases/${caseId}/closure/new`);
    expect(squash(await page.locator('legend').first().textContent())).toBe('Goal 1: Stable tenancy');
    expect(await field(page, 'goals-0-outcome').inputValue()).toBe('in_progress');
    expect(await field(page, 'goals-1-outcome').inputValue()).toBe('not_started');
    expect(await field(page, 'referrals-0-outcome').inputValue()).toBe('accepted');
    await checkPage(page, 'closure-form');

    // A follow-up date without saying what: back with the problem at its field, nothing recorded.
    await field(page, 'reasonChoice').selectOption('Goals met');
    await field(page, 'summary').fill('Housed with the trust; benefits claim made.');
    await field(page, 'followUp-by').fill('2099-06-30');
    expect(await submit(page, 'Request closure')).toBe(400);
    expect(squash(await page.locator('#f-followUp-what-error').textContent())).toBe(
      'Enter what should happen after closure, or clear the date.',
    );
    expect(await field(page, 'followUp-by').inputValue()).toBe('2099-06-30');
    expect(await caseRow()).toMatchObject({ status: 'active', closure_discharge: null, events: 0 });
    await checkPage(page, 'closure-form-error');

    await field(page, 'goals-0-outcome').selectOption('achieved');
    await field(page, 'goals-0-note').fill('Tenancy signed in March');
    await field(page, 'goals-1-outcome').selectOption('partly_achieved');
    await field(page, 'referrals-0-outcome').selectOption('completed');
    await field(page, 'referrals-0-note').fill('Placed within a week');
    await field(page, 'recommendations').fill('Keep the landlord’s number on file.');
    await field(page, 'followUp-what').fill('Phone call to check the tenancy holds');
    expect(await submit(page, 'Request closure')).toBe(303);
    expect(page.url()).toBe(`${stack.api.base}/cases/${caseId}?notice=closure-requested`);
    const requested = await caseRow();
    expect(requested).toMatchObject({
      status: 'closing',
      closure_reason: 'Goals met',
      events: 1,
      closure_discharge: {
        goals: [
          { goalId: goalIds[0], outcome: 'achieved', note: 'Tenancy signed in March' },
          { goalId: goalIds[1], outcome: 'partly_achieved', note: '' },
        ],
        referrals: [{ outcome: 'completed', note: 'Placed within a week' }],
        recommendations: 'Keep the landlord’s number on file.',
        followUp: { what: 'Phone call to check the tenancy holds', by: '2099-06-30' },
      },
    });
    await cm.context.close();

    // ---- the supervisor reviews it and approves ----
    const sup = await signedInPage(team.supervisor);
    const sp = sup.page;
    await open(sp, `/approvals/closures/${caseId}`);
    const review = squash(await sp.locator('main').textContent());
    expect(review).toContain('Stable tenancy');
    expect(review).toContain('Partly achieved');
    expect(review).toContain('Service completed');
    expect(review).toContain('Keep the landlord’s number on file.');
    await checkPage(sp, 'closure-review');
    expect(await submit(sp, 'Approve the closure')).toBe(303);
    expect((await caseRow()).status).toBe('closed');

    // ---- the case page lists the episode; its page shows the summary ----
    await open(sp, `/cases/${caseId}`);
    await sp.locator('#episodes').getByRole('link', { name: 'Discharge summary, episode 1' }).click();
    await sp.waitForURL(`**/cases/${caseId}/episodes/1`);
    expect(await sp.getByRole('heading', { level: 1 }).textContent()).toBe(
      `Discharge summary, case ${reference}, episode 1`,
    );
    expect(squash(await sp.locator('main').textContent())).toContain('Jordan Rivera (J. R.)');
    expect(await sp.locator('main h2').allTextContents()).toEqual([
      'Reason for closing',
      'Goals and outcomes',
      'Referrals and outcomes',
      'Services provided and the client’s situation',
      'Recommendations',
      'Follow-up',
    ]);
    await checkPage(sp, 'episode');

    // The reopen page points at the whole summary of the episode it would end.
    await open(sp, `/cases/${caseId}/reopen`);
    expect(
      await sp.getByRole('link', { name: 'The whole discharge summary of episode 1' }).getAttribute('href'),
    ).toBe(`/cases/${caseId}/episodes/1`);

    // A copy to share: initials only.
    await open(sp, `/cases/${caseId}/episodes/1?initials=1`);
    const shared = squash(await sp.locator('main').textContent());
    expect(shared).toContain('J. R.');
    expect(shared).not.toMatch(/Jordan|Rivera/);

    // ---- printed on A4: no navigation, breadcrumbs, buttons or forms; the summary whole ----
    await open(sp, `/cases/${caseId}/episodes/1`);
    await sp.setViewportSize({ width: 794, height: 1123 });
    await sp.emulateMedia({ media: 'print' });
    for (const hidden of ['header', 'nav', '.usa-breadcrumb', 'footer', 'form', '.cl-no-print', 'button']) {
      const shown = await sp
        .locator(hidden)
        .evaluateAll((els) => els.filter((e) => e.getClientRects().length > 0).length);
      expect({ hidden, shown }).toEqual({ hidden, shown: 0 });
    }
    expect(await sp.getByRole('heading', { level: 1 }).isVisible()).toBe(true);
    expect(await sp.getByRole('cell', { name: 'Placed within a week' }).isVisible()).toBe(true);
    expect(await horizontalOverflow(sp)).toBe(0);
    await keepScreenshot(sp, 'discharge-episode-print');
    // Chromium's own print to PDF, on both paper sizes: the summary fits one page of each.
    for (const format of ['A4', 'Letter'] as const) {
      const pdf = await sp.pdf({
        format,
        path: `test-artifacts/screenshots/discharge-episode-${format}.pdf`,
      });
      expect(pdf.subarray(0, 4).toString()).toBe('%PDF');
      expect(pdf.toString('latin1').match(/\/Type\s*\/Page[^s]/g)).toHaveLength(1);
    }
    await sup.context.close();
  });

  it('when an episode was closed before summaries were structured, then its page still shows its free text', async () => {
    const team = await createTeam(stack.db.pool);
    const { caseId, base } = await caseSteps(stack.api).intake(team);
    await stack.db.pool.query(
      `INSERT INTO case_episodes (case_id, episode, opened_at, closed_at, closure_reason, closure_summary, closed_by)
       VALUES ($1, 1, now() - interval '90 days', now() - interval '30 days', 'Client moved away', $2, $3)`,
      [caseId, 'Moved out of area.\nLeft a forwarding address.', team.supervisor.id],
    );
    expect(
      (await stack.api.call('GET', `${base}/episodes/1`, team.caseManager.token)).body.discharge,
    ).toBeNull();
    const { context, page } = await signedInPage(team.caseManager);
    await open(page, `/cases/${caseId}`);
    await page.locator('#episodes').getByRole('link', { name: 'Discharge summary, episode 1' }).click();
    await page.waitForURL(`**/cases/${caseId}/episodes/1`);
    const text = squash(await page.locator('main').textContent());
    expect(text).toContain('Client moved away');
    expect(text).toContain('Moved out of area. Left a forwarding address.');
    expect(text).toContain('Written before discharge summaries listed each goal and referral.');
    expect(squash(await page.locator('dt:text-is("Closure requested") + dd').textContent())).toBe(
      'not recorded',
    );
    await checkPage(page, 'episode-free-text');
    await open(page, `/cases/${caseId}/episodes/2`, 404);
    await open(page, `/cases/${caseId}/episodes/x`, 404);
    await context.close();
  });
});
