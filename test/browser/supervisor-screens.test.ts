import type { Browser, Page } from 'playwright-core';
import { describeInBrowser, launchChromium } from '../helpers/browser';
import { caseSteps } from '../helpers/case-steps';
import { DAY, HOUR, skipTo, startOn } from '../helpers/clock';
import { createTeam } from '../helpers/fixtures';
import { checkAtBothWidths, keepScreenshot } from '../helpers/page-checks';
import { browserCookie, signedInAs } from '../helpers/sessions';
import { settle } from '../helpers/settle';
import { startTestStack, type TestStack } from '../helpers/stack';

/**
 * Issue 16's supervisor, in a real browser on the real stack: the approvals queue, a plan's
 * review (a return without a note is refused, then the plan is approved), the team view and one
 * case manager's work with an escalation acknowledged there, and the escalations page. Every page
 * passes axe-core and fits 320 px. Screenshots: test-artifacts/screenshots/supervisor-*.png.
 */
describeInBrowser('a supervisor’s screens: approvals, team and escalations', () => {
  let stack: TestStack;
  let browser: Browser;
  beforeAll(async () => {
    [stack, browser] = await Promise.all([startTestStack('supervisor-screens'), launchChromium()]);
  });
  afterAll(async () => {
    await browser?.close();
    await stack?.stop();
  });

  const squash = (s: string | null): string => (s ?? '').replace(/\s+/g, ' ').trim();
  const rows = async (sql: string, params: unknown[] = []) => (await stack.db.pool.query(sql, params)).rows;

  /** axe-core clean, nothing sideways at 320 px, and screenshots at both widths. */
  const checkPage = (page: Page, name: string): Promise<void> =>
    checkAtBothWidths(page, `supervisor-${name}`);

  async function until<T>(what: string, probe: () => Promise<T | undefined>): Promise<T> {
    const deadline = Date.now() + 20_000;
    for (;;) {
      const found = await probe();
      if (found !== undefined) return found;
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  it('when a supervisor approves a submitted plan from the queue and acknowledges an escalation from the team view, then the case shows the plan approved and the escalation acknowledged by them', async () => {
    const { api, env, db } = stack;
    const pool = db.pool;
    const team = await createTeam(pool);
    await pool.query(`UPDATE staff SET full_name = 'Sam Okafor' WHERE id = $1`, [team.supervisor.id]);
    await pool.query(`UPDATE staff SET full_name = 'Alex Morgan' WHERE id = $1`, [team.caseManager.id]);
    const steps = caseSteps(api);

    // Case 1 is left without its initial assessment until the supervisor is told (day 21, 08:00).
    const t0 = await startOn(env, 'Mon', '10:00');
    const neglected = await steps.intake(team);
    await skipTo(env, t0 + 21 * DAY + HOUR);
    const escalationId = await until('the escalation to the supervisor', async () => {
      const [row] = await rows(
        `SELECT id FROM escalations WHERE case_id = $1 AND recipient_id = $2 AND acknowledged_at IS NULL`,
        [neglected.caseId, team.supervisor.id],
      );
      return row?.id as string | undefined;
    });

    // Case 2: assessed, a plan written and submitted for approval, all by the case manager.
    const planned = await steps.intake(team);
    const assessed = await api.call('POST', `${planned.base}/assessments`, team.caseManager.token, {
      kind: 'initial',
      scores: { housing: 2, income: 3 },
      needs: ['Stable housing'],
      summary: 'Sofa-surfing since March; part-time income.',
    });
    expect(assessed.status).toBe(201);
    const targetDate = new Date(stack.clock().getTime() + 90 * DAY).toISOString().slice(0, 10);
    const plan = await api.call('POST', `${planned.base}/plans`, team.caseManager.token, {
      summary: 'Into a tenancy of their own within three months.',
      goals: [
        {
          domain: 'housing',
          description: 'Sign a lease on a flat',
          measure: 'Lease signed',
          baseline: 'No lease',
          target: 'Lease signed',
          targetDate,
        },
      ],
    });
    expect(plan.status).toBe(201);
    const planId = plan.body.planId as string;
    expect(
      (await api.call('POST', `${planned.base}/plans/${planId}/submit`, team.caseManager.token)).status,
    ).toBe(200);
    await settle(stack, planned.caseId);

    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const session = await signedInAs(pool, team.supervisor, { now: stack.clock() });
    await context.addCookies([browserCookie(session, api.base)]);
    const page = await context.newPage();
    page.setDefaultTimeout(15_000);

    // ---- Approvals: the plan waits, with its deadline from the case's schedule. ----
    await page.goto(`${api.base}/work`);
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Approvals' }).click();
    await page.getByRole('heading', { level: 1, name: 'Approvals' }).waitFor();
    const queued = page.locator('#approvals tbody tr');
    expect(await queued.count()).toBe(1);
    const row = squash(await queued.first().textContent());
    expect(row).toContain('Service plan, version 1');
    expect(row).toContain(planned.reference);
    expect(row).toContain('Alex Morgan');
    expect(row).toMatch(/left/);
    await checkPage(page, 'approvals');

    // ---- The plan's review: goals, the assessment it rests on, and the decision. ----
    await queued
      .first()
      .getByRole('link', { name: /^Review/ })
      .click();
    await page
      .getByRole('heading', { level: 1, name: `Review plan version 1 on case ${planned.reference}` })
      .waitFor();
    expect(squash(await page.locator('#goals').textContent())).toContain('Sign a lease on a flat');
    expect(squash(await page.locator('#goals').textContent())).toContain('No lease → Lease signed');
    const body = squash(await page.locator('main').textContent());
    expect(body).toContain('Sofa-surfing since March; part-time income.');
    expect(body).toContain('Stable housing');
    expect(body).toMatch(/Housing 2 \(vulnerable\)/);
    await checkPage(page, 'plan-review');

    // Returning without a note is refused next to the field, and nothing changes.
    const refused = page.waitForResponse((r) => r.request().method() === 'POST');
    await page.getByRole('button', { name: 'Return with my note' }).click();
    expect((await refused).status()).toBe(400);
    expect(squash(await page.locator('.usa-error-message').textContent())).toBe(
      'Write a note saying what to change before returning the plan.',
    );
    expect(await page.getByLabel(/Note to the case manager/).getAttribute('aria-invalid')).toBe('true');
    await keepScreenshot(page, 'supervisor-plan-return-refused');
    expect(await rows('SELECT status FROM service_plans WHERE id = $1', [planId])).toEqual([
      { status: 'submitted' },
    ]);
    expect(await rows(`SELECT what FROM plan_events WHERE plan_id = $1 ORDER BY at`, [planId])).toEqual([
      { what: 'submitted' },
    ]);

    await page.getByLabel(/Note to the case manager/).fill('Good plan: start with the housing register.');
    await page.getByRole('button', { name: 'Approve the plan' }).click();
    await page.getByRole('heading', { level: 1, name: 'Approvals' }).waitFor();
    expect([
      'Plan approved. Its goals are now on the case’s schedule.',
      'Saved. The case’s schedule will update in a moment.',
    ]).toContain(squash(await page.locator('.usa-alert--success').textContent()));
    expect(await page.getByText('Nothing is waiting for your approval.').count()).toBe(1);
    expect(
      await rows('SELECT status, decided_by, decision_note FROM service_plans WHERE id = $1', [planId]),
    ).toEqual([
      {
        status: 'approved',
        decided_by: team.supervisor.id,
        decision_note: 'Good plan: start with the housing register.',
      },
    ]);

    // The case page shows the plan approved.
    await page.goto(`${api.base}/cases/${planned.caseId}`);
    expect(squash(await page.locator('section#plan').textContent())).toMatch(/Plan version 1: Approved/);

    // ---- Team: Alex's overdue assessment and open escalation; acknowledge it from their page. ----
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Team' }).click();
    await page.getByRole('heading', { level: 1, name: 'Team' }).waitFor();
    const alexRow = page.locator('#team tbody tr').filter({ hasText: 'Alex Morgan' });
    const cell = async (label: string): Promise<string> =>
      squash(await alexRow.locator(`td[data-label="${label}"]`).textContent());
    expect(await cell('Open cases')).toBe('2');
    expect(await cell('Overdue work')).toBe('1 overdue Initial assessment: 1');
    expect(await cell('Oldest overdue')).toContain(`Initial assessment on ${neglected.reference}`);
    expect(await cell('Open escalations')).toBe('1');
    expect(await cell('Last contact')).toBe('No contact recorded');
    await checkPage(page, 'team');

    await page.getByRole('link', { name: 'Alex Morgan' }).click();
    await page.getByRole('heading', { level: 1, name: 'Alex Morgan’s work' }).waitFor();
    expect(squash(await page.locator('#overdue-items').textContent())).toContain(neglected.reference);
    await checkPage(page, 'team-member');
    await page
      .getByRole('button', {
        name: `Acknowledge the initial assessment escalation on ${neglected.reference}`,
      })
      .click();
    await page.getByRole('status').filter({ hasText: 'Escalation acknowledged.' }).waitFor();
    expect(
      squash(await page.locator('section[aria-labelledby="member-escalations"]').textContent()),
    ).toContain('No open escalations.');
    expect(await rows('SELECT acknowledged_by FROM escalations WHERE id = $1', [escalationId])).toEqual([
      { acknowledged_by: team.supervisor.id },
    ]);

    // ---- Escalations: the acknowledged one is recent, with who was told and who acknowledged. ----
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Escalations' }).click();
    await page.getByRole('heading', { level: 1, name: 'Escalations' }).waitFor();
    expect(squash(await page.locator('main').textContent())).toContain('No open escalations.');
    const recent = squash(
      await page.locator('table').filter({ hasText: 'Recent escalations' }).textContent(),
    );
    expect(recent).toContain(neglected.reference);
    expect(recent).toContain('Sam Okafor, supervisor');
    expect(recent).toMatch(/by Sam Okafor/);
    expect(recent).toContain('Still owed');
    await checkPage(page, 'escalations');
    await context.close();
  });
});
