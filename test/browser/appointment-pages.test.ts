import type { Browser, Page } from 'playwright-core';
import { describeInBrowser, launchChromium } from '../helpers/browser';
import { caseSteps } from '../helpers/case-steps';
import { createTeam } from '../helpers/fixtures';
import { axeViolations, horizontalOverflow, keepScreenshot } from '../helpers/page-checks';
import { startTestStack, type TestStack } from '../helpers/stack';
import { signInPage } from '../helpers/web-session';

describeInBrowser('appointment pages, in a real browser at 320 px', () => {
  let stack: TestStack;
  let browser: Browser;
  beforeAll(async () => {
    [stack, browser] = await Promise.all([startTestStack('appointment-pages-browser'), launchChromium()]);
  });
  afterAll(async () => {
    await browser?.close();
    await stack?.stop();
  });

  async function checkPage(page: Page, name: string): Promise<void> {
    expect(await axeViolations(page)).toEqual([]);
    expect(await horizontalOverflow(page)).toBe(0);
    await keepScreenshot(page, `appointments-${name}`);
  }

  /** USWDS radios are styled labels over hidden inputs: people click the label (matched whole). */
  const tick = (page: Page, label: string) =>
    page.locator('label', { hasText: new RegExp(`^${label}$`) }).click();

  it('when a case manager schedules an appointment with the form, then it is recorded once, its page shows it, and a wrong form comes back with its problems and nothing written', async () => {
    const { api, db } = stack;
    const team = await createTeam(db.pool);
    const { caseId } = await caseSteps(api).intake(team);
    const page = await browser.newPage({ viewport: { width: 320, height: 900 } });
    page.setDefaultTimeout(10_000);
    await signInPage(page, stack, team.caseManager);

    await page.goto(`${api.base}/cases/${caseId}/appointments/new`);
    await page.getByRole('heading', { level: 1, name: 'Schedule an appointment' }).waitFor();
    await checkPage(page, 'new');

    // Sent empty: every problem named, nothing written.
    await page.getByRole('button', { name: 'Schedule appointment' }).click();
    await page.locator('#f-startsAt-error').waitFor();
    await page.locator('#f-durationMinutes-error').waitFor();
    expect((await db.pool.query('SELECT 1 FROM appointments')).rowCount).toBe(0);
    await checkPage(page, 'new-error');

    const start = new Date((await stack.env.currentTimeMs()) + 3 * 86_400_000);
    const local = start.toISOString().slice(0, 10) + 'T14:30';
    await page.getByLabel('When it starts').fill(local);
    await page.getByLabel('How long (minutes)').fill('45');
    await tick(page, 'By video');
    // Anyone who may see the case may attend: the program manager joins the case manager.
    await page.getByText(`${team.programManager.fullName} (program manager)`, { exact: true }).click();
    await page
      .getByLabel('Where: the place, phone number or video link')
      .fill('https://meet.example.org/xyz');
    await page.getByRole('button', { name: 'Schedule appointment' }).click();
    await page.waitForURL(/\/appointments\/[0-9a-f-]{36}\?notice=/);
    await page.getByRole('heading', { level: 1, name: 'Appointment' }).waitFor();
    if (new URL(page.url()).searchParams.get('notice') === 'appointment-scheduled')
      await page
        .getByRole('status')
        .filter({ hasText: /Appointment scheduled/ })
        .waitFor();
    const rows = (
      await db.pool.query<{ mode: string; location: string; minutes: number; attendee_ids: string[] }>(
        `SELECT mode, location, extract(epoch FROM ends_at - starts_at)::int / 60 AS minutes, attendee_ids::text[] AS attendee_ids
           FROM appointments WHERE case_id = $1`,
        [caseId],
      )
    ).rows;
    expect(rows).toEqual([
      {
        mode: 'video',
        location: 'https://meet.example.org/xyz',
        minutes: 45,
        attendee_ids: [team.caseManager.id, team.programManager.id],
      },
    ]);
    await page.getByText('https://meet.example.org/xyz').waitFor();
    await checkPage(page, 'show');

    // Changed: the form comes back filled in; an hour instead of 45 minutes, without the program
    // manager. A new version (SEQUENCE 1) of the same appointment.
    await page.getByRole('link', { name: 'Change the appointment' }).click();
    await page.getByRole('heading', { level: 1, name: 'Change the appointment' }).waitFor();
    expect(await page.getByLabel('How long (minutes)').inputValue()).toBe('45');
    await checkPage(page, 'edit');
    await page.getByLabel('How long (minutes)').fill('0');
    await page.getByRole('button', { name: 'Save the change' }).click();
    await page.locator('#f-durationMinutes-error').waitFor();
    await page.getByLabel('How long (minutes)').fill('60');
    await page.getByText(`${team.programManager.fullName} (program manager)`, { exact: true }).click();
    await page.getByRole('button', { name: 'Save the change' }).click();
    await page.waitForURL(/\/appointments\/[0-9a-f-]{36}\?notice=appointment-changed/);
    await page.getByText('Appointment changed.').waitFor();
    expect(
      (
        await db.pool.query(
          `SELECT sequence, extract(epoch FROM ends_at - starts_at)::int / 60 AS minutes, attendee_ids::text[] AS attendee_ids
             FROM appointments WHERE case_id = $1`,
          [caseId],
        )
      ).rows,
    ).toEqual([{ sequence: 1, minutes: 60, attendee_ids: [team.caseManager.id] }]);

    // Attendance before it starts is refused, with the reason, and nothing changes.
    await tick(page, 'Yes, the client attended');
    await page.getByRole('button', { name: 'Record attendance' }).click();
    await page.getByText('The appointment has not started yet.').waitFor();
    expect(
      (await db.pool.query(`SELECT status FROM appointments WHERE case_id = $1`, [caseId])).rows,
    ).toEqual([{ status: 'scheduled' }]);

    // Cancelled by the client: the page says so and offers no more forms.
    await tick(page, 'The client');
    await page.getByRole('button', { name: 'Cancel appointment' }).click();
    await page.getByText('Cancelled by the client').waitFor();
    expect(await page.getByRole('button', { name: 'Cancel appointment' }).count()).toBe(0);
    await checkPage(page, 'cancelled');

    // The case page lists it, linking to its page, and offers to schedule another.
    await page.goto(`${api.base}/cases/${caseId}#appointments`);
    const section = page.locator('#appointments');
    await section.getByRole('link', { name: 'Schedule an appointment' }).waitFor();
    expect(await section.locator('tbody tr').allInnerTexts()).toEqual([
      expect.stringMatching(/Video \(60 min\)\s+Cancelled by the client/),
    ]);
    expect(await axeViolations(page)).toEqual([]);
    expect(await horizontalOverflow(page)).toBe(0);
  });
});
