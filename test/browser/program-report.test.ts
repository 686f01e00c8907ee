import fs from 'node:fs';
import type { Browser, Page } from 'playwright-core';
import { describeInBrowser, launchChromium } from '../helpers/browser';
import { DAY, HOUR } from '../helpers/clock';
import { createProgram, createProvider, createStaff, type StaffFixture } from '../helpers/fixtures';
import { checkInSecondWindow } from '../helpers/page-checks';
import { givePassword } from '../helpers/sessions';
import { startTestStack, type TestStack } from '../helpers/stack';
import { signInPage } from '../helpers/web-session';

describeInBrowser('Program outcomes report, in a real browser', () => {
  let stack: TestStack;
  let browser: Browser;
  beforeAll(async () => {
    [stack, browser] = await Promise.all([startTestStack('program-report-browser-test'), launchChromium()]);
  });
  afterAll(async () => {
    await browser?.close();
    await stack?.stop();
  });

  /** Accessible and readable at 320 px, checked in a second window where axe may run its script. */
  const checkPage = (page: Page, staff: StaffFixture, name: string): Promise<void> =>
    checkInSecondWindow(browser, page.url(), (audit) => signInPage(audit, stack, staff), name);

  /** A program with a few weeks of work behind it, relative to the test server's "now". */
  async function program() {
    const pool = stack.db.pool;
    const now = stack.clock().getTime();
    const at = (offset: number) => new Date(now + offset);
    const pm = await createStaff(pool, 'program_manager', { name: 'Priya Manager' });
    const supervisor = await createStaff(pool, 'supervisor');
    const managers = [
      await createStaff(pool, 'case_manager', { supervisorId: supervisor.id, name: 'Alex Fontaine' }),
      await createStaff(pool, 'case_manager', { supervisorId: supervisor.id, name: 'Sam Okafor-Lindqvist' }),
    ];
    const programId = await createProgram(pool, { programManagerId: pm.id, name: 'Youth Employment' });
    const providers = [
      await createProvider(pool, 'Northside Housing Cooperative'),
      await createProvider(pool, 'City Jobs Centre'),
    ];
    for (let i = 0; i < 12; i++) {
      const cm = managers[i % 3 === 0 ? 1 : 0]!;
      const client = (
        await pool.query<{ id: string }>(
          `INSERT INTO clients (given_name, family_name) VALUES ('Lee', 'Example') RETURNING id`,
        )
      ).rows[0]!.id;
      const openedAt = at(-(40 - i * 2) * DAY);
      const closed = i < 3;
      const caseId = (
        await pool.query<{ id: string }>(
          `INSERT INTO cases (client_id, program_id, case_manager_id, supervisor_id, status, opened_at, closed_at, closure_reason)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id`,
          [
            client,
            programId,
            cm.id,
            supervisor.id,
            closed ? 'closed' : 'active',
            openedAt,
            closed ? at(-DAY) : null,
            closed ? (i === 0 ? 'Client moved away' : 'Goals met') : null,
          ],
        )
      ).rows[0]!.id;
      if (closed)
        await pool.query(
          `INSERT INTO case_episodes (case_id, episode, opened_at, closed_at, closure_reason) VALUES ($1, 1, $2, $3, $4)`,
          [caseId, openedAt, at(-DAY), i === 0 ? 'Client moved away' : 'Goals met'],
        );
      const assessedAt = new Date(openedAt.getTime() + (i + 1) * DAY);
      await pool.query(
        `INSERT INTO assessments (case_id, kind, completed_by, completed_at) VALUES ($1, 'initial', $2, $3)`,
        [caseId, cm.id, assessedAt],
      );
      const due = new Date(openedAt.getTime() + 7 * DAY);
      await pool.query(
        `INSERT INTO schedule_decisions (case_id, decision_key, obligation_id, obligation_kind, what, detail, occurred_at)
         VALUES ($1, 'ia/opened', 'initial-assessment', 'initial_assessment', 'opened', $2, $3),
                ($1, 'ia/met', 'initial-assessment', 'initial_assessment', 'met', 'assessment recorded; 0 pending reminder(s) will not be sent', $4)`,
        [caseId, `initial assessment due ${due.toISOString()}`, openedAt, assessedAt],
      );
      const planId = (
        await pool.query<{ id: string }>(
          `INSERT INTO service_plans (case_id, version, status, created_by) VALUES ($1, 1, 'approved', $2) RETURNING id`,
          [caseId, cm.id],
        )
      ).rows[0]!.id;
      await pool.query(
        `INSERT INTO plan_events (plan_id, case_id, what, at, actor_id) VALUES ($1, $2, 'approved', $3, $4)`,
        [planId, caseId, new Date(assessedAt.getTime() + (3 + (i % 4)) * DAY), supervisor.id],
      );
      const goalId = (
        await pool.query<{ id: string }>(
          `INSERT INTO goals (plan_id, domain, description, measure, target_date) VALUES ($1, 'work', 'A job', 'contract', '2030-01-01') RETURNING id`,
          [planId],
        )
      ).rows[0]!.id;
      await pool.query(
        `INSERT INTO goal_progress (goal_id, at, status, recorded_by) VALUES ($1, $2, $3, $4)`,
        [
          goalId,
          at(-2 * DAY),
          ['achieved', 'achieved', 'not_achieved', 'dropped', 'in_progress'][i % 5],
          cm.id,
        ],
      );
      const referralId = (
        await pool.query<{ id: string }>(
          `INSERT INTO referrals (case_id, provider_id, service, reason, sent_at, created_by) VALUES ($1, $2, 'jobs', 'work', $3, $4) RETURNING id`,
          [caseId, providers[i % 2]!.id, assessedAt, cm.id],
        )
      ).rows[0]!.id;
      if (i % 3 !== 2)
        await pool.query(
          `INSERT INTO referral_events (referral_id, status, at, reported_by) VALUES ($1, $2, $3, $4)`,
          [
            referralId,
            i % 4 === 0 ? 'declined' : 'accepted',
            new Date(assessedAt.getTime() + (i + 1) * 12 * HOUR),
            cm.id,
          ],
        );
      if (i % 4 === 1)
        await pool.query(
          `INSERT INTO escalations (case_id, obligation_id, obligation_kind, level, recipient_id, due_at, raised_at, acknowledged_at)
           VALUES ($1, 'initial-assessment', 'initial_assessment', $2, $3, $4, $4, $5)`,
          [
            caseId,
            i === 9 ? 2 : 1,
            supervisor.id,
            assessedAt,
            new Date(assessedAt.getTime() + (i + 2) * HOUR),
          ],
        );
    }
    return { pm, programId };
  }

  it('when a program manager signs in, opens the report, narrows the range and downloads the CSV, then each step shows the figures', async () => {
    const { pm, programId } = await program();
    await givePassword(stack.db.pool, pm.id, 'report-reading-password-1');
    const context = await browser.newContext({
      javaScriptEnabled: false,
      acceptDownloads: true,
      viewport: { width: 1280, height: 900 },
    });
    const page = await context.newPage();
    await page.goto(`${stack.api.base}/sign-in`);
    await page.getByLabel('Email address').fill(pm.email);
    await page.getByLabel('Password').fill('report-reading-password-1');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { level: 1, name: 'My work' }).waitFor();

    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Programs' }).click();
    await page.getByRole('heading', { level: 1, name: 'Programs' }).waitFor();
    expect(await page.getByRole('link', { name: 'Policy of Youth Employment' }).getAttribute('href')).toBe(
      `/programs/${programId}/policy`,
    );
    await checkPage(page, pm, 'program-report-programs');

    await page.getByRole('link', { name: 'Outcomes report for Youth Employment' }).click();
    await page.getByRole('heading', { level: 1, name: 'Outcomes report: Youth Employment' }).waitFor();
    // The last 90 days by default: all 12 cases, 3 of them closed.
    const cell = (tableName: string, row: string, column: number) =>
      page
        .getByRole('table', { name: tableName })
        .getByRole('row', { name: row })
        .getByRole('cell')
        .nth(column);
    expect(await cell('Cases opened and closed', 'Opened', 0).textContent()).toBe('12');
    expect(await cell('Cases opened and closed', 'Closed: Goals met', 0).textContent()).toBe('2');
    expect(await cell('Open cases per case manager', 'Alex Fontaine', 0).textContent()).toBe('6');
    // Every chart is an image with a name; its table is beside it.
    expect(await page.getByRole('img', { name: /^Cases: 12 opened, 3 closed$/ }).count()).toBe(1);
    expect(await page.locator('svg[role="img"]').count()).toBe(7);
    await checkPage(page, pm, 'program-report');

    // Narrower: the last 22 days, today included.
    const today = (await page.getByLabel('To', { exact: true }).inputValue()).trim();
    const from = new Date(`${today}T00:00:00Z`);
    from.setUTCDate(from.getUTCDate() - 21);
    await page.getByLabel('From', { exact: true }).fill(from.toISOString().slice(0, 10));
    await page.getByRole('button', { name: 'Show report' }).click();
    await page.waitForURL(/from=/);
    // Opened 40 - 2i days ago within the last 21 days (today included): i = 10 (20 days), 11 (18).
    expect(await cell('Cases opened and closed', 'Opened', 0).textContent()).toBe('2');

    // A bad range comes back with the field named.
    await page.getByLabel('From', { exact: true }).fill('2099-01-01');
    await page.getByRole('button', { name: 'Show report' }).click();
    await page.getByText('The last day must be on or after the first day.').first().waitFor();
    await checkPage(page, pm, 'program-report-bad-range');
    await page.goBack();

    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('link', { name: 'Download all figures (CSV)' }).click(),
    ]);
    expect(download.suggestedFilename()).toMatch(
      /^program-report-\d{4}-\d{2}-\d{2}-to-\d{4}-\d{2}-\d{2}\.csv$/,
    );
    const csv = fs.readFileSync(await download.path(), 'utf8');
    // UTF-8 with a byte order mark, so Excel reads it as UTF-8.
    expect(csv.split('\r\n')[0]).toBe('\uFEFFsection,item,measure,value');
    expect(csv).toContain('cases,,opened,2\r\n');
    await context.close();
  });
});
