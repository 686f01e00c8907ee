import type { Browser, BrowserContext, Page } from 'playwright-core';
import { describeInBrowser, launchChromium } from '../helpers/browser';
import { caseSteps } from '../helpers/case-steps';
import { DAY, skipTo, startOn } from '../helpers/clock';
import { createTeam, type StaffFixture } from '../helpers/fixtures';
import {
  INJECTION_CORPUS,
  WHOLE_CORPUS,
  injectedMarkup,
  mainText,
  watchDialogs,
} from '../helpers/injection-corpus';
import { axeViolations, horizontalOverflow, keepScreenshot } from '../helpers/page-checks';
import { startTestStack, type TestStack } from '../helpers/stack';
import { formClient, signInCookie, signInPage } from '../helpers/web-session';

/** The text as a field of at most `max` characters keeps it (fields are trimmed). */
const cut = (text: string, max: number): string => text.slice(0, max).trim();

/**
 * The injection corpus (test/helpers/injection-corpus.ts) typed into the part-A forms — intake
 * (client names, address), assessment (needs, summary), plan (summary, each goal's description,
 * measure, baseline and target) and goal progress notes — and the pages that show it: the forms
 * sent back with an error, My work, Caseload and its search box, the intake search, the case page
 * and the plan page. Everywhere the text is shown as the text it is: no element, attribute or URL
 * comes of it and no dialog opens. (Notes, referrals and closure: test/browser/case-action-forms.test.ts.)
 */
describeInBrowser('text typed into the part-A forms stays text, in a real browser', () => {
  let stack: TestStack;
  let browser: Browser;
  let t0: number;
  beforeAll(async () => {
    [stack, browser] = await Promise.all([startTestStack('injection-part-a-test'), launchChromium()]);
    t0 = await startOn(stack.env, 'Mon', '10:00');
  });
  afterAll(async () => {
    await browser?.close();
    await stack?.stop();
  });

  /** CSP bypassed: an escaping mistake shows as a script that runs, not one the CSP happened to stop. */
  async function signedInPage(
    staff: StaffFixture,
  ): Promise<{ context: BrowserContext; page: Page; dialogs: string[] }> {
    const context = await browser.newContext({ viewport: { width: 320, height: 900 }, bypassCSP: true });
    const page = await context.newPage();
    page.setDefaultTimeout(10_000);
    await signInPage(page, stack, staff);
    return { context, page, dialogs: watchDialogs(page) };
  }

  async function open(page: Page, path: string, status = 200): Promise<void> {
    const response = await page.goto(`${stack.api.base}${path}`);
    // Where it was asked for, not sent to sign in instead.
    const where = new URL(path, stack.api.base).pathname;
    expect({ where: new URL(page.url()).pathname, status: response?.status() }).toEqual({ where, status });
  }

  /** Clicks a form's button; the status the POST answered (a 303 is followed to its page). */
  async function submit(page: Page, button: string): Promise<number> {
    const [response] = await Promise.all([
      page.waitForResponse((r) => r.request().method() === 'POST'),
      page.getByRole('button', { name: button }).click(),
    ]);
    await page.waitForLoadState('load');
    return response.status();
  }

  async function expectNothingInjected(page: Page, dialogs: string[], where: string): Promise<void> {
    expect({ where, found: await injectedMarkup(page), dialogs }).toEqual({ where, found: [], dialogs: [] });
  }

  const field = (page: Page, name: string) => page.locator(`#f-${name}`);
  const tick = (page: Page, label: string) => page.locator('label', { hasText: label }).first().click();
  const rows = async (sql: string, params: unknown[] = []) => (await stack.db.pool.query(sql, params)).rows;

  it('when every corpus entry is typed as a client’s names and address at intake, then the form sent back, the case page, My work, Caseload and the search boxes echoing it show it as text', async () => {
    const team = await createTeam(stack.db.pool);
    const { context, page, dialogs } = await signedInPage(team.caseManager);

    // Sent back for want of a program: everything typed is kept, inside its field.
    const name = cut(INJECTION_CORPUS[1]!.text, 100);
    const address = cut(WHOLE_CORPUS, 500);
    await open(page, '/intake');
    await page.getByLabel('First name').fill(name);
    await page.getByLabel('Last name').fill(cut(INJECTION_CORPUS[3]!.text, 100));
    await page.getByLabel('Address').fill(address);
    expect(await submit(page, 'Open case')).toBe(400);
    expect(await page.getByLabel('First name').inputValue()).toBe(name);
    expect(await page.getByLabel('Last name').inputValue()).toBe(cut(INJECTION_CORPUS[3]!.text, 100));
    expect(await page.getByLabel('Address').inputValue()).toBe(address);
    await expectNothingInjected(page, dialogs, 'intake form sent back');
    expect(await rows('SELECT id FROM clients')).toEqual([]);

    const opened: { caseId: string; given: string; family: string }[] = [];
    for (const [i, { text }] of INJECTION_CORPUS.entries()) {
      const given = cut(text, 100);
      const family = cut(`${i} ${text}`, 100);
      await open(page, '/intake');
      await page.getByLabel('First name').fill(given);
      await page.getByLabel('Last name').fill(family);
      await page.getByLabel('Address').fill(cut(text, 500));
      await page.getByLabel('Program').selectOption(team.programId);
      await tick(page, 'Low');
      expect(await submit(page, 'Open case')).toBe(303);
      const caseId = /\/cases\/([0-9a-f-]{36})/.exec(page.url())?.[1];
      expect(caseId).toBeDefined();
      opened.push({ caseId: caseId!, given, family });
      await expectNothingInjected(page, dialogs, `case page after intake: ${i}`);
      expect(await mainText(page)).toContain(`${given} ${family}`);
    }
    expect(
      await rows(
        'SELECT cl.given_name, cl.family_name, cl.address FROM cases c JOIN clients cl ON cl.id = c.client_id ORDER BY c.opened_at, c.reference',
      ),
    ).toEqual(
      INJECTION_CORPUS.map(({ text }, i) => ({
        given_name: cut(text, 100),
        family_name: cut(`${i} ${text}`, 100),
        address: cut(text, 500),
      })),
    );

    // Eight days on, each case's initial assessment is due this week: My work lists them all.
    await skipTo(stack.env, t0 + 8 * DAY);
    await signInPage(page, stack, team.caseManager);
    await open(page, '/work');
    await expectNothingInjected(page, dialogs, 'my work');
    for (const { caseId } of opened)
      expect(await page.locator(`a[href^="/cases/${caseId}"]`).count()).toBeGreaterThan(0);
    await keepScreenshot(page, 'injection-part-a-my-work');
    await open(page, '/caseload?status=any');
    await expectNothingInjected(page, dialogs, 'caseload');
    expect(await page.locator('tbody tr').count()).toBe(INJECTION_CORPUS.length);

    // The search boxes echo what was typed: Caseload's and the intake's client search.
    for (const [i, { text, name: what }] of INJECTION_CORPUS.entries()) {
      const q = cut(text, 100);
      await open(page, `/caseload?q=${encodeURIComponent(q)}`);
      await expectNothingInjected(page, dialogs, `caseload search: ${what}`);
      expect(await field(page, 'q').inputValue()).toBe(q);
      // The search finds the client by the start of their name.
      expect(await page.locator(`a[href^="/cases/${opened[i]!.caseId}"]`).count()).toBeGreaterThan(0);

      await open(page, `/intake?q=${encodeURIComponent(q)}`);
      await expectNothingInjected(page, dialogs, `intake search: ${what}`);
      expect(await field(page, 'q').inputValue()).toBe(q);
      expect(await mainText(page)).toContain(`${opened[i]!.given} ${opened[i]!.family}`);
    }
    // Longer than the search allows: the form comes back with the problem and the text kept.
    const long = cut(INJECTION_CORPUS.at(-1)!.text, 300);
    await open(page, `/caseload?q=${encodeURIComponent(long)}`, 400);
    await expectNothingInjected(page, dialogs, 'caseload search too long');
    expect(await field(page, 'q').inputValue()).toBe(long);
    expect(await axeViolations(page)).toEqual([]);
    expect(await horizontalOverflow(page)).toBe(0);
    await keepScreenshot(page, 'injection-part-a-caseload-search');
    await context.close();
  });

  it('when the corpus is written into an assessment, a plan and its goals, and progress notes, then the forms sent back, the case page and the plan page show it as text', async () => {
    const team = await createTeam(stack.db.pool);
    const { caseId, base } = await caseSteps(stack.api).intake(team);
    const { context, page, dialogs } = await signedInPage(team.caseManager);
    const forms = formClient(stack.api.base, await signInCookie(stack, team.caseManager));

    // ---- assessment: needs one a line, the whole corpus as its summary ----
    const needs = INJECTION_CORPUS.map(({ text }) => cut(text, 200));
    await open(page, `/cases/${caseId}/assessments/new`);
    await page.getByLabel('Needs identified').fill(needs.join('\n'));
    await page.getByLabel('Summary').fill(WHOLE_CORPUS);
    // No score: sent back, text kept inside its text areas.
    expect(await submit(page, 'Record assessment')).toBe(400);
    expect(await page.getByLabel('Needs identified').inputValue()).toBe(needs.join('\n'));
    expect(await page.getByLabel('Summary').inputValue()).toBe(WHOLE_CORPUS);
    await expectNothingInjected(page, dialogs, 'assessment form sent back');
    await field(page, 'scores-housing').fill('3');
    await tick(page, 'Initial assessment');
    expect(await submit(page, 'Record assessment')).toBe(303);
    expect(await rows('SELECT needs, summary FROM assessments WHERE case_id = $1', [caseId])).toEqual([
      { needs, summary: WHOLE_CORPUS },
    ]);

    // ---- plan: sent back first (no target date), then one goal per corpus entry ----
    const goal = (text: string) => ({
      description: cut(text, 500),
      measure: cut(`Measured: ${text}`, 500),
      baseline: cut(text, 200),
      target: cut(`To ${text}`, 200),
    });
    await open(page, `/cases/${caseId}/plans/new`);
    await page.getByLabel('What the plan is for').fill(WHOLE_CORPUS);
    const first = goal(INJECTION_CORPUS[5]!.text);
    await field(page, 'goals-0-domain').selectOption('housing');
    for (const [key, value] of Object.entries(first)) await field(page, `goals-0-${key}`).fill(value);
    expect(await submit(page, 'Save plan as a draft')).toBe(400);
    expect(await page.getByLabel('What the plan is for').inputValue()).toBe(WHOLE_CORPUS);
    for (const [key, value] of Object.entries(first))
      expect(await field(page, `goals-0-${key}`).inputValue()).toBe(value);
    await expectNothingInjected(page, dialogs, 'plan form sent back');

    const goals = INJECTION_CORPUS.map(({ text }) => goal(text));
    const planForm: Record<string, string> = {
      goalRows: String(goals.length),
      summary: WHOLE_CORPUS,
      action: 'save',
    };
    goals.forEach((g, i) => {
      planForm[`goals-${i}-domain`] = 'housing';
      planForm[`goals-${i}-targetDate`] = '2099-01-01';
      for (const [key, value] of Object.entries(g)) planForm[`goals-${i}-${key}`] = value;
    });
    const saved = await forms.post(`/cases/${caseId}/plans/new`, planForm);
    expect(saved.status).toBe(303);
    const planId = /\/plans\/([0-9a-f-]{36})/.exec(saved.location ?? '')![1]!;
    const sorted = (list: object[]) => list.map((g) => JSON.stringify(g)).sort();
    expect(
      sorted(
        await rows('SELECT description, measure, baseline, target FROM goals WHERE plan_id = $1', [planId]),
      ),
    ).toEqual(sorted(goals));

    await open(page, `/cases/${caseId}/plans/${planId}`);
    await expectNothingInjected(page, dialogs, 'draft plan page');
    expect(await submit(page, 'Submit for approval')).toBe(303);
    const decided = await stack.api.call('POST', `${base}/plans/${planId}/decision`, team.supervisor.token, {
      decision: 'approved',
    });
    expect(decided.status).toBe(200);

    // ---- progress notes, one per goal; the first form sent back for a note too long ----
    const goalIds = (await rows('SELECT id, description FROM goals WHERE plan_id = $1', [planId])).map(
      (r) => ({ id: r.id as string, description: r.description as string }),
    );
    await open(page, `/cases/${caseId}/goals/${goalIds[0]!.id}/progress/new`);
    await expectNothingInjected(page, dialogs, 'progress form');
    // Longer than a progress note may be (past the text area's maxlength, as a script or an old
    // browser could send): sent back with the problem, the text kept inside its text area.
    await field(page, 'note').evaluate((el, text) => {
      (el as unknown as { value: string }).value = text;
    }, WHOLE_CORPUS);
    expect(await submit(page, 'Record progress')).toBe(400);
    expect(await field(page, 'note').inputValue()).toBe(WHOLE_CORPUS);
    await expectNothingInjected(page, dialogs, 'progress form sent back');
    for (const g of goalIds) {
      const text = INJECTION_CORPUS.find(({ text: t }) => cut(t, 500) === g.description)!.text;
      const res = await forms.post(`/cases/${caseId}/goals/${g.id}/progress/new`, {
        status: 'in_progress',
        note: text,
      });
      expect(res.status).toBe(303);
    }

    // ---- the pages that show it all ----
    await open(page, `/cases/${caseId}/plans/${planId}`);
    await expectNothingInjected(page, dialogs, 'plan page');
    const planText = await mainText(page);
    expect(planText).toContain(WHOLE_CORPUS);
    for (const [i, g] of goals.entries()) {
      expect(planText).toContain(g.description);
      expect(planText).toContain(g.measure);
      expect(planText).toContain(`${g.baseline} → ${g.target}`);
      expect(planText).toContain(INJECTION_CORPUS[i]!.text);
    }
    await keepScreenshot(page, 'injection-part-a-plan');

    await open(page, `/cases/${caseId}`);
    await expectNothingInjected(page, dialogs, 'case page');
    const caseText = await mainText(page);
    expect(caseText).toContain(`Needs: ${needs.join('; ')}`);
    expect(caseText).toContain(WHOLE_CORPUS);
    for (const g of goals) {
      expect(caseText).toContain(g.description);
      expect(caseText).toContain(`${g.baseline} → ${g.target}`);
    }
    await keepScreenshot(page, 'injection-part-a-case');
    await context.close();
  });
});
