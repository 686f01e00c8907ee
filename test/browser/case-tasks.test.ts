import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { DAY, startOn } from '../helpers/clock';
import { describeInBrowser, launchChromium } from '../helpers/browser';
import { caseSteps } from '../helpers/case-steps';
import { createTeam, type StaffFixture } from '../helpers/fixtures';
import { INJECTION_CORPUS, injectedMarkup, mainText, watchDialogs } from '../helpers/injection-corpus';
import { axeViolations, horizontalOverflow, keepScreenshot } from '../helpers/page-checks';
import { startTestStack, type TestStack } from '../helpers/stack';
import { signedInNarrowPage } from '../helpers/web-session';
import { localInputValue } from '../../src/api/web/local-time';

/**
 * Tasks from the case page, in a real browser at 320 px on the real stack: the supervisor adds one
 * for the program manager, it shows in the program manager's My work, and they mark it done; a
 * form sent incomplete comes back with the problem next to each field and nothing recorded.
 */
describeInBrowser('tasks on the case page, in a real browser', () => {
  let stack: TestStack;
  let browser: Browser;
  beforeAll(async () => {
    [stack, browser] = await Promise.all([startTestStack('case-tasks-browser-test'), launchChromium()]);
    await startOn(stack.env, 'Mon', '10:00');
  });
  afterAll(async () => {
    await browser?.close();
    await stack?.stop();
  });

  const signedInPage = (staff: StaffFixture) => signedInNarrowPage(browser, stack, staff);

  async function checkPage(page: Page, name: string, section?: string) {
    expect(await axeViolations(page)).toEqual([]);
    expect(await horizontalOverflow(page)).toBe(0);
    await keepScreenshot(page, `case-tasks-${name}`);
    // The whole case page is long: the section itself is kept too, to be read at its real size.
    if (section)
      await page.locator(section).screenshot({
        path: path.join(process.cwd(), 'test-artifacts', 'screenshots', `case-tasks-${name}-section.png`),
      });
  }

  async function submit(page: Page, button: string | RegExp): Promise<number> {
    const [response] = await Promise.all([
      page.waitForResponse((r) => r.request().method() === 'POST'),
      page.getByRole('button', { name: button }).first().click(),
    ]);
    await page.waitForLoadState('load');
    return response.status();
  }

  const taskCount = async (caseId: string): Promise<number> =>
    Number(
      (
        await stack.db.pool.query<{ n: string }>('SELECT count(*) AS n FROM case_tasks WHERE case_id = $1', [
          caseId,
        ])
      ).rows[0]!.n,
    );

  it('when the supervisor adds a task for the program manager, then it is in their My work and they mark it done', async () => {
    const team = await createTeam(stack.db.pool);
    const { caseId } = await caseSteps(stack.api).intake(team);
    const supervisor = await signedInPage(team.supervisor);
    const page = supervisor.page;
    await page.goto(`${stack.api.base}/cases/${caseId}#tasks`);
    expect(await page.locator('#tasks').innerText()).toContain('No tasks yet.');

    // Sent empty: each problem next to its field, nothing recorded.
    expect(await submit(page, 'Add task')).toBe(400);
    expect((await page.locator('#f-what-error').innerText()).trim()).toBe('Enter what is to be done.');
    expect((await page.locator('#f-assigneeId-error').innerText()).trim()).toBe('Choose who does it.');
    expect((await page.locator('#f-dueAt-error').innerText()).trim()).toBe('Enter when it is due.');
    await checkPage(page, 'form-errors');
    expect(await taskCount(caseId)).toBe(0);

    // In the past: told so next to the due time, nothing recorded.
    const now = stack.clock();
    await page.locator('#f-what').fill('Call the landlord about the repairs');
    await page
      .locator('#f-assigneeId')
      .selectOption({ label: `${team.programManager.fullName} (program manager)` });
    await page.locator('#f-dueAt').fill(localInputValue(new Date(now.getTime() - DAY), 'UTC'));
    expect(await submit(page, 'Add task')).toBe(400);
    expect((await page.locator('#f-dueAt-error').innerText()).trim()).toBe(
      'This is not in the future. Enter when it is due.',
    );
    expect(await taskCount(caseId)).toBe(0);

    const due = localInputValue(new Date(now.getTime() + 2 * DAY), 'UTC');
    await page.locator('#f-dueAt').fill(due);
    expect(await submit(page, 'Add task')).toBe(303);
    expect(page.url()).toContain(`/cases/${caseId}`);
    expect(await page.locator('#tasks tbody tr').count()).toBe(1);
    expect(await page.locator('#tasks tbody tr').innerText()).toContain(
      'Call the landlord about the repairs',
    );
    expect(await page.locator('#tasks tbody tr').innerText()).toContain(team.programManager.fullName);
    expect(await page.locator('#tasks tbody tr').innerText()).toContain('Open');
    await page.locator('#tasks').scrollIntoViewIfNeeded();
    await checkPage(page, 'case-page-open-task', '#tasks');
    await supervisor.context.close();

    // The program manager (not the case manager) finds it in My work and opens it from there.
    const pm = await signedInPage(team.programManager);
    await pm.page.goto(`${stack.api.base}/work`);
    const row = pm.page.locator('tr', { hasText: 'Assigned to you' });
    expect(await row.count()).toBe(1);
    expect(await row.innerText()).toContain('Task');
    await checkPage(pm.page, 'my-work');
    await row.getByRole('link', { name: /Mark the task done/ }).click();
    await pm.page.waitForLoadState('load');
    expect(pm.page.url()).toContain(`/cases/${caseId}#tasks`);
    expect(await submit(pm.page, /^Done/)).toBe(303);
    expect(await pm.page.locator('.usa-alert').innerText()).toContain('Task marked done.');
    expect(await pm.page.locator('#tasks tbody tr').innerText()).toContain(`Done`);
    expect(await pm.page.locator('#tasks tbody tr').innerText()).toContain(
      `${team.programManager.fullName} (you)`,
    );
    expect(await pm.page.getByRole('button', { name: /^Done/ }).count()).toBe(0);
    // The timeline says who added it and who marked it done.
    expect(await pm.page.locator('#timeline').innerText()).toContain(
      'Task "Call the landlord about the repairs" added for',
    );
    expect(await pm.page.locator('#timeline').innerText()).toContain(
      'Task "Call the landlord about the repairs" done',
    );
    await pm.page.locator('#tasks').scrollIntoViewIfNeeded();
    await checkPage(pm.page, 'case-page-done-task', '#tasks');
    const row2 = await stack.db.pool.query('SELECT status, closed_by FROM case_tasks WHERE case_id = $1', [
      caseId,
    ]);
    expect(row2.rows).toEqual([{ status: 'done', closed_by: team.programManager.id }]);
    await pm.context.close();
  });
  it('when tasks are written as markup or script, then the case page and My work show them as text and run nothing', async () => {
    const team = await createTeam(stack.db.pool);
    const { caseId, base } = await caseSteps(stack.api).intake(team);
    const corpus = INJECTION_CORPUS.filter((c) => c.text.length <= 300);
    const due = new Date(stack.clock().getTime() + 3 * DAY).toISOString();
    for (const c of corpus) {
      const res = await stack.api.call('POST', `${base}/tasks`, team.caseManager.token, {
        what: c.text,
        assigneeId: team.supervisor.id,
        dueAt: due,
      });
      expect([c.name, res.status]).toEqual([c.name, 201]);
    }
    const { context, page } = await signedInPage(team.supervisor);
    const dialogs = watchDialogs(page);
    for (const path of [`/cases/${caseId}#tasks`, '/work']) {
      await page.goto(`${stack.api.base}${path}`);
      expect({ path, found: await injectedMarkup(page), dialogs }).toEqual({ path, found: [], dialogs: [] });
    }
    await page.goto(`${stack.api.base}/cases/${caseId}#tasks`);
    const text = await mainText(page);
    for (const c of corpus) expect([c.name, text.includes(c.text.trim())]).toEqual([c.name, true]);
    await context.close();
  });
});
