import type { Browser, Page } from 'playwright-core';
import { describeInBrowser, launchChromium } from '../helpers/browser';
import { createTeam } from '../helpers/fixtures';
import { axeViolations, horizontalOverflow, keepScreenshot } from '../helpers/page-checks';
import { settle } from '../helpers/settle';
import { startTestStack, type TestStack } from '../helpers/stack';
import { signInPage } from '../helpers/web-session';

const futureDate = (days: number): string =>
  new Date(Date.now() + days * 86_400_000).toISOString().slice(0, 10);

describeInBrowser('a case manager works a new case through its forms, in a real browser at 320 px', () => {
  let stack: TestStack;
  let browser: Browser;
  beforeAll(async () => {
    [stack, browser] = await Promise.all([startTestStack('case-forms-a-browser'), launchChromium()]);
  });
  afterAll(async () => {
    await browser?.close();
    await stack?.stop();
  });

  /** Every form, also when it comes back with errors: no axe violation, nothing wider than 320 px, a screenshot. */
  async function checkPage(page: Page, name: string): Promise<void> {
    expect(await axeViolations(page)).toEqual([]);
    expect(await horizontalOverflow(page)).toBe(0);
    await keepScreenshot(page, `case-forms-a-${name}`);
  }

  /** The page the form redirected to, with its one-line notice (or the pending variant while the workflow catches up). */
  async function expectNotice(page: Page, path: string, key: string, sentence: RegExp): Promise<void> {
    const url = new URL(page.url());
    expect(url.pathname).toBe(path);
    expect(['change-pending', key, `${key}-pending`]).toContain(url.searchParams.get('notice'));
    if (url.searchParams.get('notice') === key)
      await page.getByRole('status').filter({ hasText: sentence }).waitFor();
  }

  /** USWDS radios and checkboxes are styled labels over hidden inputs: people click the label. */
  async function tick(page: Page, label: string): Promise<void> {
    await page.locator('label', { hasText: new RegExp(`^${label.replace(/[()]/g, '\\$&')}$`) }).click();
  }

  const q = async <T>(sql: string, params: unknown[]): Promise<T[]> =>
    (await stack.db.pool.query(sql, params)).rows as T[];

  it('when they open a case, meet a duplicate, assess, plan, submit and record progress, then each step is recorded exactly once', async () => {
    const { api } = stack;
    const team = await createTeam(stack.db.pool);
    const page = await browser.newPage({ viewport: { width: 320, height: 900 } });
    page.setDefaultTimeout(10_000);
    await signInPage(page, stack, team.caseManager);

    // --- Intake of a new client: first without a program, which the form asks for.
    await page.goto(`${api.base}/intake`);
    await page.getByRole('heading', { level: 1, name: 'New intake' }).waitFor();
    await checkPage(page, 'intake');
    await page.getByLabel('First name').fill('Noor');
    await page.getByLabel('Last name').fill('Haddad');
    await page.getByLabel('Date of birth').fill('1991-07-14');
    await tick(page, 'High');
    await page.getByRole('button', { name: 'Open case' }).click();
    await page.locator('#f-programId-error').filter({ hasText: 'Choose the program.' }).waitFor();
    expect(await page.getByLabel('First name').inputValue()).toBe('Noor');
    expect(await page.getByLabel('High', { exact: true }).isChecked()).toBe(true);
    expect(await q('SELECT 1 FROM clients', [])).toEqual([]);
    await checkPage(page, 'intake-error');

    await page.getByLabel('Program').selectOption(team.programId);
    await page.getByRole('button', { name: 'Open case' }).click();
    await page.waitForURL(/\/cases\/[0-9a-f-]{36}\?/);
    const caseId = new URL(page.url()).pathname.split('/')[2]!;
    await expectNotice(page, `/cases/${caseId}`, 'case-opened', /Case opened/);
    const [first] = await q<{ id: string }>('SELECT id FROM clients', []);
    expect(
      await q(
        `SELECT given_name, family_name, to_char(birth_date, 'YYYY-MM-DD') AS birth_date, email, phone, address,
                preferred_language, consent_to_share FROM clients`,
        [],
      ),
    ).toEqual([
      {
        given_name: 'Noor',
        family_name: 'Haddad',
        birth_date: '1991-07-14',
        email: null,
        phone: null,
        address: null,
        preferred_language: null,
        consent_to_share: false,
      },
    ]);
    expect(
      await q(
        'SELECT id, client_id, program_id, case_manager_id, supervisor_id, risk_level, status FROM cases',
        [],
      ),
    ).toEqual([
      {
        id: caseId,
        client_id: first!.id,
        program_id: team.programId,
        case_manager_id: team.caseManager.id,
        supervisor_id: team.supervisor.id,
        risk_level: 'high',
        status: 'assessment',
      },
    ]);

    // --- The same person again (other case, padded): a warning, then "a different person".
    await page.goto(`${api.base}/intake`);
    await page.getByLabel('First name').fill(' noor ');
    await page.getByLabel('Last name').fill('HADDAD');
    await page.getByLabel('Date of birth').fill('1991-07-14');
    await page.getByLabel('Program').selectOption(team.programId);
    await page.getByRole('button', { name: 'Open case' }).click();
    await page.getByRole('heading', { name: 'This client may already be on record' }).waitFor();
    expect(await page.getByRole('status').textContent()).toContain('Noor Haddad, born 1991-07-14');
    expect(await page.getByLabel('Noor Haddad, born 1991-07-14').isChecked()).toBe(false);
    expect(await page.getByLabel('A new client (enter their details below)').isChecked()).toBe(true);
    expect((await q('SELECT id FROM clients', [])).length).toBe(1);
    await checkPage(page, 'intake-duplicate');

    await tick(page, 'This is a different person from the client already on record');
    await page.getByRole('button', { name: 'Open case' }).click();
    await page.waitForURL((url) => url.pathname !== '/intake');
    const secondCaseId = new URL(page.url()).pathname.split('/')[2]!;
    await expectNotice(page, `/cases/${secondCaseId}`, 'case-opened', /Case opened/);
    expect(
      await q(
        `SELECT c.id AS case_id, cl.given_name, cl.family_name, to_char(cl.birth_date, 'YYYY-MM-DD') AS birth_date
           FROM cases c JOIN clients cl ON cl.id = c.client_id ORDER BY c.opened_at, c.reference`,
        [],
      ),
    ).toEqual([
      { case_id: caseId, given_name: 'Noor', family_name: 'Haddad', birth_date: '1991-07-14' },
      { case_id: secondCaseId, given_name: 'noor', family_name: 'HADDAD', birth_date: '1991-07-14' },
    ]);
    expect(
      new Set((await q<{ client_id: string }>('SELECT client_id FROM cases', [])).map((r) => r.client_id))
        .size,
    ).toBe(2);

    // --- The initial assessment: a score out of range first.
    await page.goto(`${api.base}/cases/${caseId}/assessments/new`);
    await checkPage(page, 'assessment');
    expect(
      await page.getByLabel('Initial assessment (the first since the case was opened)').isChecked(),
    ).toBe(true);
    await page.locator('#f-scores-housing').fill('7');
    await page.locator('#f-scores-income').fill('2');
    await page.getByLabel('Needs identified').fill('Rent arrears\nNo GP');
    await page.getByLabel('Summary').fill('Sleeping at a friend’s; income from casual work.');
    await page.getByRole('button', { name: 'Record assessment' }).click();
    await page
      .locator('#f-scores-housing-error')
      .filter({ hasText: 'Enter a whole number from 1 to 5, or leave it blank.' })
      .waitFor();
    expect(page.url()).toBe(`${api.base}/cases/${caseId}/assessments/new`);
    expect(await page.locator('#f-scores-housing').inputValue()).toBe('7');
    expect(await page.locator('#f-scores-income').inputValue()).toBe('2');
    expect(await page.getByLabel('Needs identified').inputValue()).toBe('Rent arrears\nNo GP');
    expect(await page.getByRole('link', { name: /Housing score: Enter a whole number/ }).count()).toBe(1);
    expect(await q('SELECT id FROM assessments', [])).toEqual([]);
    await checkPage(page, 'assessment-error');

    await page.locator('#f-scores-housing').fill('3');
    await page.getByRole('button', { name: 'Record assessment' }).click();
    await page.waitForURL((url) => url.pathname === `/cases/${caseId}`);
    await expectNotice(page, `/cases/${caseId}`, 'assessment-recorded', /Assessment recorded/);
    expect(
      await q('SELECT case_id, kind, scores, needs, summary, completed_by FROM assessments', []),
    ).toEqual([
      {
        case_id: caseId,
        kind: 'initial',
        scores: { housing: 3, income: 2 },
        needs: ['Rent arrears', 'No GP'],
        summary: 'Sleeping at a friend’s; income from casual work.',
        completed_by: team.caseManager.id,
      },
    ]);
    expect(
      (await q<{ risk_level: string }>('SELECT risk_level FROM cases WHERE id = $1', [caseId]))[0],
    ).toEqual({
      risk_level: 'high',
    });
    await settle(stack, caseId);

    // --- A plan with two goals: the first row, then a row added with "Add another goal".
    await page.goto(`${api.base}/cases/${caseId}/plans/new`);
    await checkPage(page, 'plan');
    expect(await page.getByRole('group', { name: /^Goal \d$/ }).count()).toBe(3);
    await page.getByLabel('What the plan is for').fill('Housing first, then income.');
    await page.locator('#f-goals-0-domain').selectOption('housing');
    await page.locator('#f-goals-0-description').fill('Noor moves into her own tenancy');
    await page.locator('#f-goals-0-measure').fill('Nights a week in her own tenancy');
    await page.locator('#f-goals-0-baseline').fill('0');
    await page.locator('#f-goals-0-target').fill('7');
    await page.locator('#f-goals-0-targetDate').fill(futureDate(90));
    await page.getByRole('button', { name: 'Add another goal' }).click();
    await page.getByRole('group', { name: 'Goal 4' }).waitFor();
    expect(await page.locator('#f-goals-0-description').inputValue()).toBe('Noor moves into her own tenancy');
    expect(await page.getByLabel('What the plan is for').inputValue()).toBe('Housing first, then income.');
    await page.locator('#f-goals-3-domain').selectOption('income');
    await page.locator('#f-goals-3-description').fill('Noor claims the benefits she is owed');
    await page.locator('#f-goals-3-measure').fill('Benefit claims made');
    await page.getByRole('button', { name: 'Save plan as a draft' }).click();
    await page
      .locator('#f-goals-3-targetDate-error')
      .filter({ hasText: 'Enter the date the goal should be reached by.' })
      .waitFor();
    expect(await page.locator('#f-goals-3-measure').inputValue()).toBe('Benefit claims made');
    expect(await q('SELECT id FROM service_plans', [])).toEqual([]);
    await checkPage(page, 'plan-error');

    await page.locator('#f-goals-3-targetDate').fill(futureDate(45));
    await page.getByRole('button', { name: 'Save plan as a draft' }).click();
    await page.waitForURL(/\/plans\/[0-9a-f-]{36}\?/);
    const planId = new URL(page.url()).pathname.split('/')[4]!;
    await expectNotice(page, `/cases/${caseId}/plans/${planId}`, 'plan-drafted', /Plan saved as a draft/);
    expect(
      await q('SELECT id, case_id, version, status, summary, created_by FROM service_plans', []),
    ).toEqual([
      {
        id: planId,
        case_id: caseId,
        version: 1,
        status: 'draft',
        summary: 'Housing first, then income.',
        created_by: team.caseManager.id,
      },
    ]);
    expect(
      await q(
        `SELECT plan_id, domain, description, measure, baseline, target,
                to_char(target_date, 'YYYY-MM-DD') AS target_date, status
           FROM goals ORDER BY target_date`,
        [],
      ),
    ).toEqual([
      {
        plan_id: planId,
        domain: 'income',
        description: 'Noor claims the benefits she is owed',
        measure: 'Benefit claims made',
        baseline: null,
        target: null,
        target_date: futureDate(45),
        status: 'not_started',
      },
      {
        plan_id: planId,
        domain: 'housing',
        description: 'Noor moves into her own tenancy',
        measure: 'Nights a week in her own tenancy',
        baseline: '0',
        target: '7',
        target_date: futureDate(90),
        status: 'not_started',
      },
    ]);
    await checkPage(page, 'plan-page-draft');

    // --- Submitted for approval, approved by the supervisor (through the API).
    await page.getByRole('button', { name: 'Submit for approval' }).click();
    await page.waitForURL((url) => url.pathname === `/cases/${caseId}`);
    await expectNotice(page, `/cases/${caseId}`, 'plan-submitted', /Plan submitted/);
    expect(await q('SELECT status, submitted_by FROM service_plans', [])).toEqual([
      { status: 'submitted', submitted_by: team.caseManager.id },
    ]);
    expect(await q('SELECT plan_id, what, note, actor_id FROM plan_events', [])).toEqual([
      { plan_id: planId, what: 'submitted', note: null, actor_id: team.caseManager.id },
    ]);
    await settle(stack, caseId);
    const decided = await api.call(
      'POST',
      `/api/v1/cases/${caseId}/plans/${planId}/decision`,
      team.supervisor.token,
      { decision: 'approved', note: 'Good, realistic dates.' },
    );
    expect(decided.status).toBe(200);
    await settle(stack, caseId);

    // --- Progress on the housing goal, from the plan page.
    await page.goto(`${api.base}/cases/${caseId}/plans/${planId}`);
    await page.getByRole('cell', { name: 'Good, realistic dates.' }).waitFor();
    await page.getByRole('link', { name: 'Record progress on goal 2' }).click();
    await page.getByRole('heading', { level: 1, name: 'Record progress on a goal' }).waitFor();
    await checkPage(page, 'progress');
    await page.getByLabel('What happened').fill('Viewed two flats with the housing officer.');
    await page.evaluate(
      `document.querySelectorAll('input[name=status]').forEach((r) => { r.checked = false; })`,
    );
    await page.getByRole('button', { name: 'Record progress' }).click();
    await page.locator('#f-status-error').filter({ hasText: 'Choose where the goal stands.' }).waitFor();
    expect(await page.getByLabel('What happened').inputValue()).toBe(
      'Viewed two flats with the housing officer.',
    );
    expect(await q('SELECT id FROM goal_progress', [])).toEqual([]);
    await checkPage(page, 'progress-error');

    await tick(page, 'In progress');
    await page.getByRole('button', { name: 'Record progress' }).click();
    await page.waitForURL((url) => url.pathname === `/cases/${caseId}`);
    await expectNotice(page, `/cases/${caseId}`, 'progress-recorded', /Progress recorded/);
    const housingGoal = (await q<{ id: string }>(`SELECT id FROM goals WHERE domain = 'housing'`, []))[0]!.id;
    expect(await q('SELECT goal_id, status, note, recorded_by FROM goal_progress', [])).toEqual([
      {
        goal_id: housingGoal,
        status: 'in_progress',
        note: 'Viewed two flats with the housing officer.',
        recorded_by: team.caseManager.id,
      },
    ]);
    expect(await q('SELECT domain, status FROM goals ORDER BY domain', [])).toEqual([
      { domain: 'housing', status: 'in_progress' },
      { domain: 'income', status: 'not_started' },
    ]);

    // The plan page shows the decision and the progress history.
    await page.goto(`${api.base}/cases/${caseId}/plans/${planId}`);
    await page.getByRole('cell', { name: 'Viewed two flats with the housing officer.' }).waitFor();
    expect(await page.getByRole('button', { name: 'Submit for approval' }).count()).toBe(0);
    await checkPage(page, 'plan-page-approved');
    await page.close();
  });
});
