import fs from 'node:fs';
import path from 'node:path';
import type { Browser, Locator, Page } from 'playwright-core';
import { DEFAULT_POLICY } from '../../src/core/policy';
import { describeInBrowser, launchChromium } from '../helpers/browser';
import { DAY, startOn } from '../helpers/clock';
import { createProgram, createProvider, createStaff } from '../helpers/fixtures';
import { header } from '../helpers/mail-log';
import {
  axeViolations,
  horizontalOverflow,
  keepScreenshot,
  overflowingElements,
} from '../helpers/page-checks';
import { givePassword } from '../helpers/sessions';
import { settle } from '../helpers/settle';
import type { CapturedMail } from '../helpers/smtp';
import { startTestStack, type TestStack } from '../helpers/stack';

/**
 * Issue 15's quality bar: a case manager's first week, in a real browser on the real stack
 * (PostgreSQL, the time-skipping Temporal server with the real worker, SMTP). Invited by an admin,
 * they choose a password from the email's link, sign in, and from then on use only the pages:
 * every step is a click on a link or button, or a field found by its label. No address is typed
 * after the invitation link. After each step the test reads what the page says and the rows the
 * database holds; every distinct page passes axe-core, two are checked at 320 px, and the initial
 * assessment is done with the keyboard alone.
 *
 * Screenshots: test-artifacts/screenshots/week-*.png (whole pages, every step) and
 * test-artifacts/readme/*.png (1280 × 900 views, the ones copied into docs/screenshots/ for the README).
 */
describeInBrowser('a case manager’s first week, using only the pages', () => {
  let stack: TestStack;
  let browser: Browser;
  beforeAll(async () => {
    [stack, browser] = await Promise.all([startTestStack('case-manager-week'), launchChromium()]);
    // Monday 10:00 UTC (10:00 or 11:00 in London): inside everyone's working hours.
    await startOn(stack.env, 'Mon', '10:00');
  });
  afterAll(async () => {
    await browser?.close();
    await stack?.stop();
  });

  const rows = async (sql: string, params: unknown[] = []) => (await stack.db.pool.query(sql, params)).rows;
  const isoDay = (ms: number): string => new Date(ms).toISOString().slice(0, 10);
  const squash = (s: string | null): string => (s ?? '').replace(/\s+/g, ' ').trim();

  /** Emails reach the catcher a moment after the request (the workflow sends most of them). */
  async function mailTo(address: string, subject: RegExp): Promise<CapturedMail> {
    const deadline = Date.now() + 20_000;
    for (;;) {
      const found = stack.smtp.messages.find((m) => m.to.includes(address) && subject.test(m.subject));
      if (found) return found;
      if (Date.now() > deadline)
        throw new Error(
          `no email to ${address} matching ${subject}; got ${JSON.stringify(stack.smtp.messages.map((m) => [m.to, m.subject]))}`,
        );
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  // ---- page checks ----

  const audited = new Set<string>();
  /** Each distinct page once: no axe-core violation (WCAG 2.2 AA and best practices). */
  async function accessible(page: Page, name: string): Promise<void> {
    if (audited.has(name)) throw new Error(`page ${name} audited twice`);
    audited.add(name);
    expect({ page: name, violations: await axeViolations(page) }).toEqual({ page: name, violations: [] });
  }

  let shot = 0;
  /** The whole page as it stands, numbered in the order of the week (test-artifacts/screenshots). */
  const screenshot = async (page: Page, name: string): Promise<void> => {
    shot += 1;
    await keepScreenshot(page, `week-${String(shot).padStart(2, '0')}-${name}`);
  };

  /**
   * What a reader sees first, for the README (test-artifacts/readme): the viewport's width and at
   * most 900 px of height, from the top of the page or from the top of `from`.
   */
  async function readmeShot(page: Page, name: string, from?: Locator): Promise<void> {
    const dir = path.join(process.cwd(), 'test-artifacts', 'readme');
    fs.mkdirSync(dir, { recursive: true });
    await page.evaluate('window.scrollTo(0, 0)');
    const y = from ? Math.max(0, Math.floor((await from.boundingBox())!.y) - 24) : 0;
    const pageHeight = await page.evaluate<number>('Math.ceil(document.body.getBoundingClientRect().bottom)');
    const { width } = page.viewportSize()!;
    await page.screenshot({
      path: path.join(dir, `${name}.png`),
      fullPage: true,
      clip: { x: 0, y, width, height: Math.min(900, pageHeight - y) },
    });
  }

  /** At 320 px nothing scrolls sideways (and the page is kept at that width), then back to the desktop. */
  async function fitsPhone(page: Page, name: string, readme?: string): Promise<void> {
    await page.setViewportSize({ width: 320, height: 720 });
    expect({
      page: name,
      overflow: await horizontalOverflow(page),
      sticksOut: await overflowingElements(page),
    }).toEqual({ page: name, overflow: 0, sticksOut: [] });
    await screenshot(page, `${name}-320px`);
    if (readme) await readmeShot(page, readme);
    await page.setViewportSize({ width: 1280, height: 900 });
  }

  /** The one-line confirmation at the top, or its variant while the case's workflow catches up. */
  async function expectNotice(page: Page, sentence: string): Promise<void> {
    const notice = squash(await page.locator('.usa-alert--success').textContent());
    expect(['Saved. The case’s schedule will update in a moment.', sentence]).toContain(notice);
  }

  const sectionText = async (page: Page, id: string): Promise<string> =>
    squash(await page.locator(`section#${id}`).textContent());

  /** A fact in the case page's header ("Status", "Risk", ...), as read. */
  const fact = async (page: Page, name: string): Promise<string> =>
    squash(
      await page
        .locator('dl.cl-facts > div')
        .filter({ has: page.locator('dt', { hasText: new RegExp(`^${name}$`) }) })
        .locator('dd')
        .textContent(),
    );

  /**
   * USWDS draws its own radio buttons and checkboxes over visually hidden inputs, so people click
   * the label; the input, found by its label, then says it is checked.
   */
  async function choose(scope: Page | Locator, label: string): Promise<void> {
    await scope.locator('label', { hasText: new RegExp(`^${label.replace(/[().]/g, '\\$&')}$`) }).click();
    expect(await scope.getByLabel(label, { exact: true }).isChecked()).toBe(true);
  }

  // ---- the keyboard ----

  /** The focused element as a keyboard user hears it: a control's label, or a link's or button's words. */
  const focusedName = (page: Page): Promise<string> =>
    page.evaluate<string>(`(() => {
      const el = document.activeElement;
      if (!el || el === document.body) return '';
      const words = (s) => (s || '').replace(/\\s+/g, ' ').trim();
      if (el.labels && el.labels.length) return words(el.labels[0].textContent);
      return words(el.getAttribute('aria-label') || el.textContent);
    })()`);

  /** How focus shows on the focused element (a USWDS radio draws it on its label): 'none' if it does not. */
  const focusRing = (page: Page): Promise<string> =>
    page.evaluate<string>(`(() => {
      const el = document.activeElement;
      const boxed = (el.type === 'radio' || el.type === 'checkbox') && el.labels.length;
      const s = boxed ? getComputedStyle(el.labels[0], '::before') : getComputedStyle(el);
      if (s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) > 0) return s.outlineStyle + ' ' + s.outlineWidth;
      return boxed && s.boxShadow !== 'none' ? 'box-shadow' : 'none';
    })()`);

  /**
   * Presses Tab (or Shift+Tab) until the control named `name` has focus, as a keyboard user moves
   * through the page; fails if it is not reached, or if its focus cannot be seen.
   */
  async function tabTo(page: Page, name: string | RegExp, key: 'Tab' | 'Shift+Tab' = 'Tab'): Promise<void> {
    const matches = (n: string) => (typeof name === 'string' ? n === name : name.test(n));
    const passed: string[] = [];
    for (let i = 0; i < 80; i++) {
      await page.keyboard.press(key);
      const now = await focusedName(page);
      if (matches(now)) {
        expect({ focused: now, ring: await focusRing(page) }).not.toEqual({ focused: now, ring: 'none' });
        return;
      }
      if (passed.at(-1) !== now) passed.push(now);
    }
    throw new Error(`${key} never reached ${String(name)}; passed ${JSON.stringify(passed)}`);
  }

  it('when an invited case manager signs in and works a new case from intake to a closure request, then every page says what happened, the record holds exactly that, and the emails reach the right people', async () => {
    const { api, db } = stack;
    const pool = db.pool;

    // ---- The agency: an admin, a supervisor, a program manager, a program, a provider. ----
    const admin = await createStaff(pool, 'admin', { name: 'Avery Admin' });
    const supervisor = await createStaff(pool, 'supervisor', {
      name: 'Sam Okafor',
      timeZone: 'Europe/London',
    });
    const programManager = await createStaff(pool, 'program_manager', { name: 'Priya Shah' });
    const programId = await createProgram(pool, {
      name: 'Housing Stability',
      programManagerId: programManager.id,
      // This program wants the first assessment within four days of intake.
      policy: { ...DEFAULT_POLICY, initialAssessmentDue: 'P4D' },
    });
    const provider = await createProvider(pool, 'Northside Housing Trust');

    // ---- The invitation: the admin adds Alex and invites them through the API. ----
    const email = 'alex.morgan@test.caseloop.local';
    const created = await api.call('POST', '/api/v1/staff', admin.token, {
      email,
      fullName: 'Alex Morgan',
      role: 'case_manager',
      timeZone: 'Europe/London',
      supervisorId: supervisor.id,
    });
    expect(created.status).toBe(201);
    const alexId = created.body.id as string;
    expect((await api.call('POST', `/api/v1/staff/${alexId}/invitation`, admin.token)).status).toBe(202);
    const invitation = await mailTo(email, /^You are invited to Caseloop$/);
    const link = /(http\S+\/password\/\S+)/.exec(invitation.text)![1]!;
    expect(invitation.html).toContain(`href="${link}"`);

    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const page = await context.newPage();
    page.setDefaultTimeout(15_000);

    // The link (the only address ever typed): choose a password; that signs Alex in.
    await page.goto(link);
    await page.getByRole('heading', { level: 1, name: 'Choose your password' }).waitFor();
    await accessible(page, 'set-password');
    await screenshot(page, 'set-password');
    const password = 'a long passphrase Alex chose';
    await page.getByLabel('New password', { exact: true }).fill(password);
    await page.getByLabel('New password again').fill(password);
    await page.getByRole('button', { name: 'Set password and sign in' }).click();
    await page.getByRole('heading', { level: 1, name: 'My work' }).waitFor();
    await expectNotice(page, 'Your password is set and you are signed in.');
    expect(await rows('SELECT staff_id FROM staff_credentials')).toEqual([{ staff_id: alexId }]);
    expect(
      await rows('SELECT staff_id, purpose, created_by, used_at IS NOT NULL AS used FROM account_links'),
    ).toEqual([{ staff_id: alexId, purpose: 'invitation', created_by: admin.id, used: true }]);

    // Signing out lands on the sign-in page; Alex signs in there with email and password.
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('heading', { level: 1, name: 'Sign in' }).waitFor();
    await expectNotice(page, 'You are signed out.');
    await accessible(page, 'sign-in');
    await page.getByLabel('Email address').fill(email);
    await page.getByLabel('Password').fill(password);
    await screenshot(page, 'sign-in');
    await page.getByRole('button', { name: 'Sign in' }).click();

    // ---- Monday: My work is empty; a new client comes in. ----
    await page.getByRole('heading', { level: 1, name: 'My work' }).waitFor();
    expect(new URL(page.url()).pathname).toBe('/work');
    expect(squash(await page.locator('.cl-signout__who').textContent())).toBe('Alex Morgan');
    expect(squash(await page.locator('main').textContent())).toContain('Nothing overdue or due this week.');
    expect(await rows(`SELECT staff_id FROM web_sessions WHERE ended_at IS NULL`)).toEqual([
      { staff_id: alexId },
    ]);
    await accessible(page, 'my-work-empty');
    await screenshot(page, 'my-work-empty');

    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'New intake' }).click();
    await page.getByRole('heading', { level: 1, name: 'New intake' }).waitFor();
    await accessible(page, 'intake');
    await page.getByLabel('First name').fill('Maya');
    await page.getByLabel('Last name').fill('Lindqvist');
    await page.getByLabel('Date of birth').fill('1988-03-09');
    await page.getByLabel('Phone').fill('07700 900123');
    await page.getByLabel('Preferred language').fill('Swedish');
    await choose(
      page,
      'The client consents to sharing their information with the providers they are referred to',
    );
    await page.getByLabel('Program').selectOption({ label: 'Housing Stability' });
    expect(await page.getByLabel('Medium', { exact: true }).isChecked()).toBe(true);
    await screenshot(page, 'intake');
    await page.getByRole('button', { name: 'Open case' }).click();

    // The case page, with the case just opened.
    await page.waitForURL(/\/cases\/[0-9a-f-]{36}\?notice=/);
    const caseId = new URL(page.url()).pathname.split('/')[2]!;
    await expectNotice(page, 'Case opened. Its first obligations are on the schedule.');
    const [{ reference, client_id: clientId }] = (await rows(
      'SELECT reference, client_id FROM cases WHERE id = $1',
      [caseId],
    )) as [{ reference: string; client_id: string }];
    await page.getByRole('heading', { level: 1, name: `Case ${reference}` }).waitFor();
    expect(
      await rows(
        `SELECT id, given_name, family_name, to_char(birth_date, 'YYYY-MM-DD') AS birth_date, phone, email,
                preferred_language, consent_to_share FROM clients`,
      ),
    ).toEqual([
      {
        id: clientId,
        given_name: 'Maya',
        family_name: 'Lindqvist',
        birth_date: '1988-03-09',
        phone: '07700 900123',
        email: null,
        preferred_language: 'Swedish',
        consent_to_share: true,
      },
    ]);
    expect(
      await rows('SELECT id, program_id, case_manager_id, supervisor_id, risk_level, status FROM cases'),
    ).toEqual([
      {
        id: caseId,
        program_id: programId,
        case_manager_id: alexId,
        supervisor_id: supervisor.id,
        risk_level: 'medium',
        status: 'assessment',
      },
    ]);
    await settle(stack, caseId);
    expect(await fact(page, 'Client')).toMatch(/^Maya Lindqvist \(/);
    expect(await fact(page, 'Program')).toBe('Housing Stability');
    expect(await fact(page, 'Status')).toBe('Assessment');
    expect(await fact(page, 'Case manager')).toBe('Alex Morgan (you)');
    expect(await fact(page, 'Supervisor')).toBe('Sam Okafor');
    expect(await sectionText(page, 'due')).toMatch(/Initial assessment/);
    expect(await sectionText(page, 'assessments')).toContain('No assessment is recorded yet.');
    expect(await sectionText(page, 'plan')).toContain('No service plan yet.');
    await accessible(page, 'case-page');
    await screenshot(page, 'case-opened');

    // ---- My work lists the initial assessment, with a link to where it is done. ----
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'My work' }).click();
    await page.getByRole('heading', { level: 1, name: 'My work' }).waitFor();
    const due = page.getByRole('region', { name: /^Due this week/ });
    expect(squash(await due.getByRole('heading').textContent())).toBe('Due this week (1)');
    const item = due.getByRole('row').filter({ hasText: reference });
    expect(squash(await item.getByRole('rowheader').textContent())).toBe('Initial assessment');
    const doIt = item.getByRole('link', { name: /^Record the assessment/ });
    // The link's words, and after them (for screen readers) what and which case.
    expect(squash(await doIt.textContent())).toBe(`Record the assessment: Initial assessment, ${reference}`);
    expect(await doIt.getAttribute('href')).toBe(`/cases/${caseId}/assessments/new`);
    expect(squash(await page.getByRole('region', { name: /^Overdue/ }).textContent())).toContain(
      'Nothing overdue.',
    );
    await accessible(page, 'my-work');
    await screenshot(page, 'my-work');
    await readmeShot(page, 'my-work');
    await fitsPhone(page, 'my-work');

    // ---- The initial assessment, by keyboard alone (Tab, Shift+Tab, typing, Enter; arrows and Space in a radio group). ----
    // From the top of My work: the skip link, then on to the item's link, and Enter follows it.
    await page.evaluate('window.scrollTo(0, 0); document.activeElement && document.activeElement.blur()');
    await page.keyboard.press('Tab');
    expect(await focusedName(page)).toBe('Skip to main content');
    await page.keyboard.press('Enter');
    await tabTo(page, `Record the assessment: Initial assessment, ${reference}`);
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { level: 1, name: 'Record an assessment' }).waitFor();
    expect(new URL(page.url()).pathname).toBe(`/cases/${caseId}/assessments/new`);
    await accessible(page, 'assessment-form');

    // The kind is already "initial"; the scores, one corrected on the way back with Shift+Tab.
    await tabTo(page, 'Initial assessment (the first since the case was opened)');
    expect(
      await page.getByLabel('Initial assessment (the first since the case was opened)').isChecked(),
    ).toBe(true);
    await tabTo(page, 'Housing (optional)');
    await page.keyboard.type('3');
    await tabTo(page, 'Income (optional)');
    await page.keyboard.type('2');
    await tabTo(page, 'Housing (optional)', 'Shift+Tab');
    await page.keyboard.type('1'); // focus by keyboard selects the field's text: "3" becomes "1"
    await tabTo(page, 'Health (optional)');
    await page.keyboard.type('4');
    await tabTo(page, 'Needs identified (optional)');
    await page.keyboard.type('Rent arrears');
    await page.keyboard.press('Enter');
    await page.keyboard.type('Eviction notice served');
    await tabTo(page, 'Summary (optional)');
    await page.keyboard.type(
      'Sofa-surfing since the notice; works part-time; wants to stay near her daughter’s school.',
    );
    // Past "When it was done" (left blank: just now) to the risk level, moved from Medium to High.
    await tabTo(page, 'Medium');
    await page.keyboard.press('ArrowDown');
    expect(await focusedName(page)).toBe('High');
    await page.keyboard.press('Space');
    expect(await page.getByLabel('High', { exact: true }).isChecked()).toBe(true);
    expect(await page.getByLabel('Housing (optional)').inputValue()).toBe('1');
    expect(await page.getByLabel('Income (optional)').inputValue()).toBe('2');
    expect(await page.getByLabel('Needs identified').inputValue()).toBe(
      'Rent arrears\nEviction notice served',
    );
    await screenshot(page, 'assessment-by-keyboard');
    await readmeShot(page, 'assessment-form');
    await tabTo(page, 'Record assessment');
    await page.keyboard.press('Enter');
    await page.waitForURL((url) => url.pathname === `/cases/${caseId}` && url.hash === '#assessments');
    await expectNotice(
      page,
      'Assessment recorded and the risk level changed: reassessment follows the new level.',
    );
    expect(await rows('SELECT case_id, kind, scores, needs, summary, completed_by FROM assessments')).toEqual(
      [
        {
          case_id: caseId,
          kind: 'initial',
          scores: { housing: 1, income: 2, health: 4 },
          needs: ['Rent arrears', 'Eviction notice served'],
          summary:
            'Sofa-surfing since the notice; works part-time; wants to stay near her daughter’s school.',
          completed_by: alexId,
        },
      ],
    );
    expect(await rows('SELECT risk_level, status FROM cases')).toEqual([
      { risk_level: 'high', status: 'planning' },
    ]);
    await settle(stack, caseId);
    const assessments = await sectionText(page, 'assessments');
    expect(assessments).toContain('Initial assessment');
    expect(assessments).toContain('Completed');
    expect(assessments).toContain('by Alex Morgan (you)');
    expect(assessments).toContain('Housing: 1 of 5');
    expect(assessments).toContain('Needs: Rent arrears; Eviction notice served');
    expect(await fact(page, 'Risk')).toBe('High risk');
    await screenshot(page, 'assessment-recorded');

    // ---- Tuesday's work, the same sitting: a plan with two SMART goals. ----
    const housingBy = isoDay(stack.clock().getTime() + 60 * DAY);
    const incomeBy = isoDay(stack.clock().getTime() + 30 * DAY);
    await page
      .getByRole('navigation', { name: 'Case actions' })
      .getByRole('link', { name: 'New plan' })
      .click();
    await page.getByRole('heading', { level: 1, name: 'Write a service plan' }).waitFor();
    await accessible(page, 'plan-form');
    await page
      .getByLabel('What the plan is for')
      .fill('A home of her own near the school first, then a steadier income.');
    const goal1 = page.getByRole('group', { name: 'Goal 1' });
    await goal1.getByLabel('Life domain').selectOption({ label: 'Housing' });
    await goal1
      .getByLabel('What the client will achieve')
      .fill('Maya signs a tenancy for a flat near the school');
    await goal1.getByLabel('How progress is measured').fill('Nights a week in her own tenancy');
    await goal1.getByLabel('Baseline').fill('0');
    await goal1.getByLabel('Target (optional)', { exact: true }).fill('7');
    await goal1.getByLabel('Target date').fill(housingBy);
    const goal2 = page.getByRole('group', { name: 'Goal 2' });
    await goal2.getByLabel('Life domain').selectOption({ label: 'Income' });
    await goal2
      .getByLabel('What the client will achieve')
      .fill('Maya claims the housing support she is owed');
    await goal2.getByLabel('How progress is measured').fill('Monthly income in pounds');
    await goal2.getByLabel('Baseline').fill('900');
    await goal2.getByLabel('Target (optional)', { exact: true }).fill('1,250');
    await goal2.getByLabel('Target date').fill(incomeBy);
    await screenshot(page, 'plan-form');
    await readmeShot(page, 'plan-form', goal1);
    await page.getByRole('button', { name: 'Save plan as a draft' }).click();
    await page.waitForURL(/\/plans\/[0-9a-f-]{36}\?notice=/);
    const planId = new URL(page.url()).pathname.split('/')[4]!;
    await page.getByRole('heading', { level: 1, name: 'Service plan, version 1' }).waitFor();
    await expectNotice(page, 'Plan saved as a draft. Submit it for approval when it is ready.');
    expect(await rows('SELECT id, case_id, version, status, summary, created_by FROM service_plans')).toEqual(
      [
        {
          id: planId,
          case_id: caseId,
          version: 1,
          status: 'draft',
          summary: 'A home of her own near the school first, then a steadier income.',
          created_by: alexId,
        },
      ],
    );
    expect(
      await rows(
        `SELECT plan_id, domain, description, measure, baseline, target,
                to_char(target_date, 'YYYY-MM-DD') AS target_date, status
           FROM goals ORDER BY domain`,
      ),
    ).toEqual([
      {
        plan_id: planId,
        domain: 'housing',
        description: 'Maya signs a tenancy for a flat near the school',
        measure: 'Nights a week in her own tenancy',
        baseline: '0',
        target: '7',
        target_date: housingBy,
        status: 'not_started',
      },
      {
        plan_id: planId,
        domain: 'income',
        description: 'Maya claims the housing support she is owed',
        measure: 'Monthly income in pounds',
        baseline: '900',
        target: '1,250',
        target_date: incomeBy,
        status: 'not_started',
      },
    ]);
    const housingGoal = page.getByRole('region', { name: /^Goal \d: Maya signs a tenancy/ });
    expect(squash(await housingGoal.textContent())).toContain('Baseline → target 0 → 7');
    expect(await rows('SELECT id FROM plan_events')).toEqual([]);
    await accessible(page, 'plan-page');
    await screenshot(page, 'plan-draft');

    await page.getByRole('button', { name: 'Submit for approval' }).click();
    await page.waitForURL((url) => url.pathname === `/cases/${caseId}` && url.hash === '#plan');
    await expectNotice(page, 'Plan submitted. Your supervisor has been told.');
    expect(await rows('SELECT status, submitted_by FROM service_plans')).toEqual([
      { status: 'submitted', submitted_by: alexId },
    ]);
    expect(await rows('SELECT plan_id, what, note, actor_id FROM plan_events')).toEqual([
      { plan_id: planId, what: 'submitted', note: null, actor_id: alexId },
    ]);
    expect(await sectionText(page, 'plan')).toContain('Plan version 1: Submitted');
    await screenshot(page, 'plan-submitted');
    await settle(stack, caseId);

    // The supervisor's email links to the plan's page.
    const planPage = `${api.base}/cases/${caseId}/plans/${planId}`;
    const submittedMail = await mailTo(
      supervisor.email,
      /^Service plan v1 submitted for your approval — case /,
    );
    expect(submittedMail.subject).toBe(`Service plan v1 submitted for your approval — case ${reference}`);
    expect(submittedMail.text).toContain('Alex Morgan submitted service plan v1');
    expect(submittedMail.text).toContain(`Review the plan: ${planPage}`);
    expect(submittedMail.html).toContain(`<a href="${planPage}">Review the plan</a>`);
    expect(submittedMail.text).not.toMatch(/Maya|Lindqvist/);

    // ---- The supervisor follows the link in their own browser (signing in on the way) ... ----
    const supervisorPassword = 'the supervisor has a passphrase too';
    await givePassword(pool, supervisor.id, supervisorPassword);
    const theirs = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const sp = await theirs.newPage();
    sp.setDefaultTimeout(15_000);
    await sp.goto(planPage);
    await sp.getByRole('heading', { level: 1, name: 'Sign in' }).waitFor();
    await sp.getByLabel('Email address').fill(supervisor.email);
    await sp.getByLabel('Password').fill(supervisorPassword);
    await sp.getByRole('button', { name: 'Sign in' }).click();
    await sp.getByRole('heading', { level: 1, name: 'Service plan, version 1' }).waitFor();
    expect(sp.url()).toBe(planPage);
    expect(squash(await sp.locator('main').textContent())).toContain('Submitted for approval');
    await screenshot(sp, 'supervisor-plan');
    // ... and, the plan page having no approve control yet, approves through the API.
    const decided = await api.call(
      'POST',
      `/api/v1/cases/${caseId}/plans/${planId}/decision`,
      supervisor.token,
      {
        decision: 'approved',
        note: 'Realistic dates. Start with the tenancy.',
      },
    );
    expect(decided.status).toBe(200);
    await settle(stack, caseId);
    await theirs.close();
    expect(await rows('SELECT what, note, actor_id FROM plan_events ORDER BY at')).toEqual([
      { what: 'submitted', note: null, actor_id: alexId },
      { what: 'approved', note: 'Realistic dates. Start with the tenancy.', actor_id: supervisor.id },
    ]);

    // Alex hears of it by email, with the note and a link to the plan.
    const approvedMail = await mailTo(email, /^Service plan v1 approved — case /);
    expect(approvedMail.subject).toBe(`Service plan v1 approved — case ${reference}`);
    expect(approvedMail.text).toContain('Sam Okafor approved service plan v1');
    expect(approvedMail.text).toContain('> Realistic dates. Start with the tenancy.');
    expect(approvedMail.text).toContain(`Open the plan: ${planPage}`);

    // ---- Wednesday: back to the case through the caseload. ----
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Caseload' }).click();
    await page.getByRole('heading', { level: 1, name: 'Caseload' }).waitFor();
    expect(squash(await page.locator('#caseload-summary').textContent())).toBe('Showing 1–1 of 1 case.');
    const caseRow = page.getByRole('row').filter({ hasText: reference });
    expect(squash(await caseRow.getByRole('cell').nth(2).textContent())).toBe('Active');
    await accessible(page, 'caseload');
    await screenshot(page, 'caseload');
    await readmeShot(page, 'caseload');
    await caseRow.getByRole('link', { name: reference }).click();
    await page.getByRole('heading', { level: 1, name: `Case ${reference}` }).waitFor();
    expect(await fact(page, 'Status')).toBe('Active');
    const plan = await sectionText(page, 'plan');
    expect(plan).toContain('Plan version 1: Approved');
    expect(plan).toContain('by Sam Okafor: Realistic dates. Start with the tenancy.');

    // A referral to the housing trust.
    await page
      .getByRole('navigation', { name: 'Case actions' })
      .getByRole('link', { name: 'Make referral' })
      .click();
    await page.getByRole('heading', { level: 1, name: 'Make a referral' }).waitFor();
    await accessible(page, 'referral-form');
    await page.getByLabel('Provider').selectOption({ label: 'Northside Housing Trust (housing)' });
    await page.getByLabel('Service needed').fill('Supported tenancy');
    await page
      .getByLabel('Reason for the referral')
      .fill('Eviction notice served; needs a tenancy near the school.');
    await screenshot(page, 'referral-form');
    await page.getByRole('button', { name: 'Send referral' }).click();
    await page.waitForURL((url) => url.pathname === `/cases/${caseId}` && url.hash === '#referrals');
    await expectNotice(page, 'Referral made. Caseloop will chase the provider for an answer.');
    const referrals = await rows(
      'SELECT id, provider_id, service, reason, status, created_by FROM referrals',
    );
    expect(referrals).toEqual([
      {
        id: expect.any(String),
        provider_id: provider.id,
        service: 'Supported tenancy',
        reason: 'Eviction notice served; needs a tenancy near the school.',
        status: 'sent',
        created_by: alexId,
      },
    ]);
    expect(await rows('SELECT referral_id, status, reported_by FROM referral_events')).toEqual([
      { referral_id: referrals[0]!.id, status: 'sent', reported_by: alexId },
    ]);
    const referralSection = await sectionText(page, 'referrals');
    expect(referralSection).toContain('Northside Housing Trust: Supported tenancy');
    expect(referralSection).toContain('Sent');
    await settle(stack, caseId);
    await screenshot(page, 'referral-made');
    await readmeShot(page, 'case-page');

    // Progress on the housing goal, from the plan's page.
    await page.getByRole('link', { name: 'Open plan version 1' }).click();
    await page.getByRole('heading', { level: 1, name: 'Service plan, version 1' }).waitFor();
    await housingGoal.getByRole('link', { name: /^Record progress on goal \d$/ }).click();
    await page.getByRole('heading', { level: 1, name: 'Record progress on a goal' }).waitFor();
    await accessible(page, 'progress-form');
    await choose(page, 'In progress');
    await page.getByLabel('What happened').fill('Viewed two flats with the trust; a decision is due Friday.');
    await screenshot(page, 'progress-form');
    await page.getByRole('button', { name: 'Record progress' }).click();
    await page.waitForURL((url) => url.pathname === `/cases/${caseId}` && url.hash === '#plan');
    await expectNotice(page, 'Progress recorded.');
    const [{ id: housingId }] = (await rows(`SELECT id FROM goals WHERE domain = 'housing'`)) as [
      { id: string },
    ];
    expect(await rows('SELECT goal_id, status, note, recorded_by FROM goal_progress')).toEqual([
      {
        goal_id: housingId,
        status: 'in_progress',
        note: 'Viewed two flats with the trust; a decision is due Friday.',
        recorded_by: alexId,
      },
    ]);
    expect(await rows('SELECT domain, status FROM goals ORDER BY domain')).toEqual([
      { domain: 'housing', status: 'in_progress' },
      { domain: 'income', status: 'not_started' },
    ]);
    expect(await sectionText(page, 'plan')).toContain(
      'In progress: Viewed two flats with the trust; a decision is due Friday.',
    );
    await settle(stack, caseId);
    await screenshot(page, 'progress-recorded');

    // A contact note.
    await page
      .getByRole('navigation', { name: 'Case actions' })
      .getByRole('link', { name: 'Add note' })
      .click();
    await page.getByRole('heading', { level: 1, name: 'Add a case note' }).waitFor();
    await accessible(page, 'note-form');
    await choose(page, 'Contact with the client or about them');
    await page
      .getByLabel('Note', { exact: true })
      .fill('Phoned Maya. Her sister in Leeds has offered a room; she is thinking of moving there.');
    await screenshot(page, 'note-form');
    await page.getByRole('button', { name: 'Add note' }).click();
    await page.waitForURL((url) => url.pathname === `/cases/${caseId}` && url.hash === '#notes');
    await expectNotice(page, 'Note added.');
    expect(await rows('SELECT case_id, type, body, author_id, amends_note_id FROM case_notes')).toEqual([
      {
        case_id: caseId,
        type: 'contact',
        body: 'Phoned Maya. Her sister in Leeds has offered a room; she is thinking of moving there.',
        author_id: alexId,
        amends_note_id: null,
      },
    ]);
    expect(await sectionText(page, 'notes')).toContain(
      'Phoned Maya. Her sister in Leeds has offered a room; she is thinking of moving there.',
    );
    await settle(stack, caseId);
    await screenshot(page, 'note-added');

    // ---- Friday: Maya moves to her sister's; Alex asks to close the case. ----
    await page
      .getByRole('navigation', { name: 'Case actions' })
      .getByRole('link', { name: 'Request closure' })
      .click();
    await page.getByRole('heading', { level: 1, name: 'Request closure' }).waitFor();
    // The discharge summary starts from the plan: each goal with the outcome its progress says.
    expect(squash(await page.locator('main legend').first().textContent())).toMatch(/^Goal 1: /);
    await accessible(page, 'closure-form');
    await page.getByLabel('Reason for closing').selectOption('Client moved away');
    const summary =
      'Maya moved to her sister’s in Leeds. Tenancy goal in progress (two viewings); income goal not started. Referral to Northside Housing Trust to be withdrawn. Told her how to contact Leeds housing options.';
    await page.getByLabel('Services provided and the client’s situation now').fill(summary);
    await screenshot(page, 'closure-form');
    await page.getByRole('button', { name: 'Request closure' }).click();
    await page.waitForURL((url) => url.pathname === `/cases/${caseId}` && !url.pathname.endsWith('/new'));
    await expectNotice(page, 'Closure requested. Your supervisor has been told.');
    expect(await rows('SELECT case_id, what, reason, summary, note, actor_id FROM closure_events')).toEqual([
      {
        case_id: caseId,
        what: 'requested',
        reason: 'Client moved away',
        summary,
        note: null,
        actor_id: alexId,
      },
    ]);
    expect(await rows('SELECT status, closure_reason, closure_summary FROM cases')).toEqual([
      { status: 'closing', closure_reason: 'Client moved away', closure_summary: summary },
    ]);
    expect(await fact(page, 'Status')).toBe('Closing');
    expect(await fact(page, 'Closure')).toMatch(/^Requested .* by Alex Morgan \(you\): Client moved away$/);
    await settle(stack, caseId);
    await screenshot(page, 'closure-requested');
    await fitsPhone(page, 'case-page', 'case-page-320');

    // ---- The week's email: the invitation, the plan's submission and approval, the referral, the closure request. ----
    await mailTo(supervisor.email, /^Closure requested for your approval — case /);
    expect(
      stack.smtp.messages.map((m) => ({
        to: m.to,
        subject: m.subject,
        about: header(m, 'x-caseloop-notification-key').split('/').slice(2, 4).join('/'),
      })),
    ).toEqual([
      { to: [email], subject: 'You are invited to Caseloop', about: '' },
      {
        to: [supervisor.email],
        subject: `Service plan v1 submitted for your approval — case ${reference}`,
        about: `plan-${planId}/plan_submitted`,
      },
      {
        to: [email],
        subject: `Service plan v1 approved — case ${reference}`,
        about: `plan-${planId}/plan_approved`,
      },
      {
        // The referral goes to the provider as it is made, with the link to answer it.
        to: [provider.contactEmail],
        subject: `New referral: Supported tenancy — Housing Stability, ref ${reference}`,
        about: `referral-${referrals[0]!.id}/referral_sent`,
      },
      {
        to: [supervisor.email],
        subject: `Closure requested for your approval — case ${reference}`,
        about: 'closure/closure_requested',
      },
    ]);
    await context.close();
    // A minute on an idle machine; more when the machine is shared.
  }, 240_000);
});
