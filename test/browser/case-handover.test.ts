import type { Browser, Page } from 'playwright-core';
import { DAY, startOn } from '../helpers/clock';
import { describeInBrowser, launchChromium } from '../helpers/browser';
import { caseSteps } from '../helpers/case-steps';
import { createStaff, createTeam, type StaffFixture } from '../helpers/fixtures';
import { axeViolations, horizontalOverflow, keepScreenshot } from '../helpers/page-checks';
import { startTestStack, type TestStack } from '../helpers/stack';
import { signedInNarrowPage } from '../helpers/web-session';

/**
 * Handing a case over from its page, in a real browser at 320 px on the real stack: the supervisor
 * picks the new case manager by how many open cases each carries, the case and the outgoing case
 * manager's open task go to them, and a form sent without a choice or with someone the rules refuse
 * comes back with the problem next to the field and nothing changed.
 */
describeInBrowser('handing a case over, in a real browser', () => {
  let stack: TestStack;
  let browser: Browser;
  beforeAll(async () => {
    [stack, browser] = await Promise.all([startTestStack('case-handover-browser-test'), launchChromium()]);
    await startOn(stack.env, 'Mon', '10:00');
  });
  afterAll(async () => {
    await browser?.close();
    await stack?.stop();
  });

  const signedInPage = (staff: StaffFixture) => signedInNarrowPage(browser, stack, staff);

  async function submit(page: Page): Promise<number> {
    const [response] = await Promise.all([
      page.waitForResponse((r) => r.request().method() === 'POST'),
      page.getByRole('button', { name: 'Hand over the case' }).click(),
    ]);
    await page.waitForLoadState('load');
    return response.status();
  }

  async function checkPage(page: Page, name: string) {
    expect(await axeViolations(page)).toEqual([]);
    expect(await horizontalOverflow(page)).toBe(0);
    await keepScreenshot(page, `case-handover-${name}`);
  }

  const parties = async (caseId: string) =>
    (
      await stack.db.pool.query<{ case_manager_id: string; supervisor_id: string }>(
        'SELECT case_manager_id, supervisor_id FROM cases WHERE id = $1',
        [caseId],
      )
    ).rows[0];

  it("when the supervisor hands the case to a colleague from its page, then it is theirs, with the outgoing case manager's open task", async () => {
    const team = await createTeam(stack.db.pool);
    const colleague = await createStaff(stack.db.pool, 'case_manager', {
      supervisorId: team.supervisor.id,
      name: `Robin Colleague ${Date.now()}`,
    });
    // Someone the case's program does not reach: their supervisor is elsewhere.
    const elsewhere = await createTeam(stack.db.pool);
    const steps = caseSteps(stack.api);
    const { caseId, base } = await steps.intake(team);
    await steps.intake({ ...team, caseManager: colleague });
    const task = await stack.api.call('POST', `${base}/tasks`, team.caseManager.token, {
      what: 'Send the housing form',
      assigneeId: team.caseManager.id,
      dueAt: new Date(stack.clock().getTime() + 5 * DAY).toISOString(),
    });
    expect(task.status).toBe(201);
    const appointment = await stack.api.call('POST', `${base}/appointments`, team.caseManager.token, {
      startsAt: new Date(stack.clock().getTime() + 3 * DAY).toISOString(),
      durationMinutes: 30,
      mode: 'phone',
      location: '555 0100',
      attendeeIds: [team.caseManager.id],
    });
    expect(appointment.status).toBe(201);

    const { context, page } = await signedInPage(team.supervisor);
    await page.goto(`${stack.api.base}/cases/${caseId}`);
    await page.getByRole('link', { name: 'Hand over' }).click();
    await page.waitForLoadState('load');
    expect(page.url()).toContain(`/cases/${caseId}/reassign`);
    expect(await page.locator('main').innerText()).toContain(
      '1 open task and 1 upcoming appointment of theirs go to whoever takes their place.',
    );
    // Each case manager with the open cases they carry now.
    expect(await page.locator('#f-caseManagerId option', { hasText: colleague.fullName }).innerText()).toBe(
      `${colleague.fullName} (1 open case, supervised by ${team.supervisor.fullName})`,
    );
    await checkPage(page, 'form');

    // Nothing chosen: told next to the field, nothing changes.
    expect(await submit(page)).toBe(400);
    expect((await page.locator('#f-caseManagerId-error').innerText()).trim()).toBe(
      'Choose a new case manager, a new supervisor, or both.',
    );
    await checkPage(page, 'form-nothing-chosen');

    // A supervisor who neither supervises the case manager nor manages the program: refused there.
    await page
      .locator('#f-supervisorId')
      .selectOption({ label: `${elsewhere.supervisor.fullName} (supervisor)` });
    expect(await submit(page)).toBe(400);
    expect((await page.locator('#f-supervisorId-error').innerText()).trim()).toBe(
      "That supervisor neither supervises the case manager nor manages the case's program.",
    );
    expect(await parties(caseId)).toEqual({
      case_manager_id: team.caseManager.id,
      supervisor_id: team.supervisor.id,
    });

    await page.locator('#f-supervisorId').selectOption({ value: '' });
    await page.locator('#f-caseManagerId').selectOption({ value: colleague.id });
    expect(await submit(page)).toBe(303);
    expect(page.url()).toMatch(new RegExp(`/cases/${caseId}(\\?|#|$)`));
    expect(await page.locator('.usa-alert').first().innerText()).toMatch(
      /Case handed over|will update in a moment/,
    );
    expect(await parties(caseId)).toEqual({
      case_manager_id: colleague.id,
      supervisor_id: team.supervisor.id,
    });
    const moved = await stack.db.pool.query('SELECT assignee_id FROM case_tasks WHERE id = $1', [
      task.body.id,
    ]);
    expect(moved.rows).toEqual([{ assignee_id: colleague.id }]);
    // The appointment goes with the case: a new version that the colleague attends.
    const attending = await stack.db.pool.query(
      'SELECT attendee_ids::text[] AS attendee_ids, sequence FROM appointments WHERE id = $1',
      [appointment.body.id],
    );
    expect(attending.rows).toEqual([{ attendee_ids: [colleague.id], sequence: 1 }]);
    expect(await page.locator('#timeline').innerText()).toContain(
      `Task "Send the housing form" moved from ${team.caseManager.fullName} to ${colleague.fullName} with the case`,
    );
    await checkPage(page, 'case-page-after');
    await context.close();
  });

  it('when the case manager opens the hand-over of their own case, then they are told who can and offered no form', async () => {
    const team = await createTeam(stack.db.pool);
    const { caseId } = await caseSteps(stack.api).intake(team);
    const { context, page } = await signedInPage(team.caseManager);
    await page.goto(`${stack.api.base}/cases/${caseId}`);
    expect(await page.getByRole('link', { name: 'Hand over' }).count()).toBe(0);
    const response = await page.goto(`${stack.api.base}/cases/${caseId}/reassign`);
    expect(response?.status()).toBe(403);
    expect(await page.locator('main').innerText()).toContain(
      'Only the case’s supervisor, its program manager or an admin may hand it over.',
    );
    expect(await page.locator('form[action$="/reassign"]').count()).toBe(0);
    await checkPage(page, 'not-theirs');
    await context.close();
  });
});
