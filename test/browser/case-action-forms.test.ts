import type { Browser, Page } from 'playwright-core';
import { startOn } from '../helpers/clock';
import { describeInBrowser, launchChromium } from '../helpers/browser';
import { caseSteps, type Team } from '../helpers/case-steps';
import { createProvider, createTeam, type StaffFixture } from '../helpers/fixtures';
import {
  INJECTION_CORPUS,
  WHOLE_CORPUS,
  injectedMarkup,
  mainText,
  watchDialogs,
} from '../helpers/injection-corpus';
import { axeViolations, horizontalOverflow, keepScreenshot } from '../helpers/page-checks';
import { startTestStack, type TestStack } from '../helpers/stack';
import { signedInNarrowPage } from '../helpers/web-session';

/**
 * The case manager's forms for a case's referrals, notes and life (hold, resume, closure, and the
 * supervisor's reopening), in a real browser at 320 px on the real stack: each form records
 * exactly what was typed, a form sent incomplete comes back with the problem next to the field and
 * nothing recorded, and nothing typed into a form ever becomes markup on a page.
 */
describeInBrowser('the case action forms, in a real browser', () => {
  let stack: TestStack;
  let browser: Browser;
  beforeAll(async () => {
    [stack, browser] = await Promise.all([startTestStack('case-action-forms-test'), launchChromium()]);
    await startOn(stack.env, 'Mon', '10:00');
  });
  afterAll(async () => {
    await browser?.close();
    await stack?.stop();
  });

  /** A case with its plan approved (status active): referrals, notes, hold and closure all apply. */
  async function activeCase(team: Team) {
    const steps = caseSteps(stack.api);
    const { caseId, base, reference } = await steps.intake(team);
    await steps.assess(base, team.caseManager.token);
    await steps.approvedPlan(base, team, '2099-01-01');
    const status = await stack.db.pool.query<{ status: string }>('SELECT status FROM cases WHERE id = $1', [
      caseId,
    ]);
    expect(status.rows[0]!.status).toBe('active');
    return { caseId, base, reference };
  }

  /**
   * Signing in, in one place: the mechanism is being replaced, so only this function should need
   * to change. Pages are checked at 320 px; CSP is bypassed so axe can be injected (and so an
   * escaping mistake would show as a script that runs, not one the CSP happened to stop).
   */
  const signedInPage = (staff: StaffFixture) => signedInNarrowPage(browser, stack, staff);

  /** axe finds nothing, nothing scrolls sideways at 320 px, and the screenshot is kept. */
  async function checkPage(page: Page, name: string) {
    expect(await axeViolations(page)).toEqual([]);
    expect(await horizontalOverflow(page)).toBe(0);
    await keepScreenshot(page, `case-action-forms-${name}`);
  }

  async function open(page: Page, path: string, status = 200) {
    const response = await page.goto(`${stack.api.base}${path}`);
    expect(response?.status()).toBe(status);
  }

  /** Clicks a form's button; the status the POST answered (a 303 is followed to its page). */
  /**
   * Sends the form as a person does. A 503 (the case's clock is still taking the previous change:
   * CI's two busy cores) changed nothing and brings the same form back, filled in, saying to try
   * again shortly; so they do, a few times, and only then is it the answer.
   */
  async function submit(page: Page, button: string): Promise<number> {
    // A person tries again while the page says so; on two busy CI cores a burst of forms can keep
    // the case's clock behind for longer than five tries, so give it up to a minute.
    const deadline = Date.now() + 60_000;
    for (;;) {
      const [response] = await Promise.all([
        page.waitForResponse((r) => r.request().method() === 'POST'),
        page.getByRole('button', { name: button }).click(),
      ]);
      await page.waitForLoadState('load');
      if (response.status() !== 503 || Date.now() > deadline) return response.status();
      await page.locator('.usa-alert--error', { hasText: 'Try again shortly.' }).waitFor();
      await page.waitForTimeout(1_000);
    }
  }

  const field = (page: Page, name: string) => page.locator(`#f-${name}`);
  const errorOf = async (page: Page, name: string) =>
    (await page.locator(`#f-${name}-error`).textContent())?.trim();
  const summaryLinks = (page: Page) => page.locator('.usa-alert--error a').allTextContents();
  const noticeShown = async (page: Page, text: string) =>
    page.getByRole('status').filter({ hasText: text }).waitFor();

  /** USWDS draws its own radio buttons: the person clicks the label. */
  const choose = (page: Page, label: string) => page.locator('label', { hasText: label }).click();
  const statusChoices = async (page: Page) =>
    Promise.all((await page.locator('input[name=status]').all()).map((l) => l.getAttribute('value')));

  const rows = async (sql: string, params: unknown[]) => (await stack.db.pool.query(sql, params)).rows;

  it('when a case manager refers, updates the referral, adds and amends a note, holds, resumes and requests closure, and the supervisor reopens the closed case, then each form records exactly that; an incomplete form comes back with the problem next to its field and records nothing', async () => {
    const team = await createTeam(stack.db.pool);
    const provider = await createProvider(stack.db.pool, 'Northside Housing Trust');
    const inactive = await createProvider(stack.db.pool, 'Closed Doors Ltd');
    await stack.db.pool.query('UPDATE providers SET active = false WHERE id = $1', [inactive.id]);
    const { caseId, base } = await activeCase(team);
    const cm = team.caseManager.id;
    const { context, page } = await signedInPage(team.caseManager);

    // ---- referral ----
    await open(page, `/cases/${caseId}/referrals/new`);
    const providers = await field(page, 'providerId').locator('option').allTextContents();
    expect(providers).toContain('Northside Housing Trust (housing)');
    expect(providers.join()).not.toContain('Closed Doors');
    await checkPage(page, 'referral-new');

    await field(page, 'providerId').selectOption(provider.id);
    await field(page, 'service').fill('Emergency housing');
    expect(await submit(page, 'Send referral')).toBe(400);
    expect(await errorOf(page, 'reason')).toBe('Enter the reason for the referral.');
    expect(await summaryLinks(page)).toEqual(['Reason for the referral: Enter the reason for the referral.']);
    expect(await field(page, 'providerId').inputValue()).toBe(provider.id);
    expect(await field(page, 'service').inputValue()).toBe('Emergency housing');
    expect(await rows('SELECT id FROM referrals WHERE case_id = $1', [caseId])).toEqual([]);
    await checkPage(page, 'referral-new-error');

    await field(page, 'reason').fill('Eviction notice served;\nneeds a place by Friday.');
    expect(await submit(page, 'Send referral')).toBe(303);
    expect(page.url()).toBe(`${stack.api.base}/cases/${caseId}?notice=referral-made#referrals`);
    await noticeShown(page, 'Referral made.');
    const referrals = await rows(
      'SELECT id, provider_id, service, reason, status, created_by FROM referrals WHERE case_id = $1',
      [caseId],
    );
    expect(referrals).toEqual([
      {
        id: expect.any(String),
        provider_id: provider.id,
        service: 'Emergency housing',
        reason: 'Eviction notice served;\nneeds a place by Friday.',
        status: 'sent',
        created_by: cm,
      },
    ]);
    const referralId = referrals[0]!.id as string;
    const referralEvents = () =>
      rows(
        'SELECT status, note, reported_by FROM referral_events WHERE referral_id = $1 ORDER BY at, created_at',
        [referralId],
      );
    expect(await referralEvents()).toEqual([{ status: 'sent', note: '', reported_by: cm }]);

    // ---- the referral's page and its update ----
    await open(page, `/cases/${caseId}/referrals/${referralId}`);
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe(
      'Referral to Northside Housing Trust',
    );
    expect(await statusChoices(page)).toEqual(['accepted', 'scheduled', 'declined', 'cancelled']);
    await checkPage(page, 'referral-page');

    await field(page, 'note').fill('Call back Monday');
    expect(await submit(page, 'Record update')).toBe(400);
    expect(await errorOf(page, 'status')).toBe('Choose what happened to the referral.');
    expect(await field(page, 'note').inputValue()).toBe('Call back Monday');
    expect(await referralEvents()).toHaveLength(1);
    await checkPage(page, 'referral-page-error');

    await choose(page, 'Accepted by the provider');
    expect(await submit(page, 'Record update')).toBe(303);
    expect(page.url()).toBe(`${stack.api.base}/cases/${caseId}?notice=referral-updated#referrals`);
    await noticeShown(page, 'Referral updated.');
    expect(await referralEvents()).toEqual([
      { status: 'sent', note: '', reported_by: cm },
      { status: 'accepted', note: 'Call back Monday', reported_by: cm },
    ]);
    expect(await rows('SELECT status FROM referrals WHERE id = $1', [referralId])).toEqual([
      { status: 'accepted' },
    ]);
    await open(page, `/cases/${caseId}/referrals/${referralId}`);
    expect(await page.locator('tbody tr').count()).toBe(2);
    expect(await statusChoices(page)).toEqual(['scheduled', 'completed', 'cancelled', 'no_show']);

    // ---- note ----
    const notes = () =>
      rows(
        'SELECT id, type, body, author_id, amends_note_id FROM case_notes WHERE case_id = $1 ORDER BY created_at',
        [caseId],
      );
    await open(page, `/cases/${caseId}/notes/new`);
    await checkPage(page, 'note-new');
    await choose(page, 'Contact with the client or about them');
    await field(page, 'body').fill('   ');
    expect(await submit(page, 'Add note')).toBe(400);
    expect(await errorOf(page, 'body')).toBe('Enter the note.');
    expect(await page.getByLabel('Contact with the client or about them').isChecked()).toBe(true);
    expect(await notes()).toEqual([]);
    await checkPage(page, 'note-new-error');

    // A time in the future is refused by the record, next to the field, with nothing written.
    await field(page, 'body').fill('Phoned the client. Agreed to visit the trust on Tuesday.');
    await field(page, 'at').fill('2099-01-01T10:00');
    expect(await submit(page, 'Add note')).toBe(400);
    expect(await errorOf(page, 'at')).toBe(
      'This is in the future. Enter when it happened, or leave it empty if it is happening now.',
    );
    expect(await field(page, 'at').inputValue()).toBe('2099-01-01T10:00');
    expect(await notes()).toEqual([]);

    await field(page, 'at').fill('');
    expect(await submit(page, 'Add note')).toBe(303);
    expect(page.url()).toBe(`${stack.api.base}/cases/${caseId}?notice=note-added#notes`);
    await noticeShown(page, 'Note added.');
    const [note] = await notes();
    expect(await notes()).toEqual([
      {
        id: expect.any(String),
        type: 'contact',
        body: 'Phoned the client. Agreed to visit the trust on Tuesday.',
        author_id: cm,
        amends_note_id: null,
      },
    ]);

    // ---- amendment ----
    await open(page, `/cases/${caseId}/notes/${note!.id}/amend`);
    expect(await mainText(page)).toContain('Phoned the client. Agreed to visit the trust on Tuesday.');
    await checkPage(page, 'note-amend');
    expect(await submit(page, 'Add amendment')).toBe(400);
    expect(await errorOf(page, 'body')).toBe('Enter the amendment.');
    expect(await notes()).toHaveLength(1);
    await checkPage(page, 'note-amend-error');

    await field(page, 'body').fill('The visit is on Wednesday, not Tuesday.');
    expect(await submit(page, 'Add amendment')).toBe(303);
    expect(page.url()).toBe(`${stack.api.base}/cases/${caseId}?notice=note-amended#notes`);
    await noticeShown(page, 'Amendment added. The original note is kept.');
    expect(await notes()).toEqual([
      { ...note, body: 'Phoned the client. Agreed to visit the trust on Tuesday.' },
      {
        id: expect.any(String),
        type: 'contact',
        body: 'The visit is on Wednesday, not Tuesday.',
        author_id: cm,
        amends_note_id: note!.id,
      },
    ]);
    await open(page, `/cases/${caseId}/notes/${note!.id}/amend`);
    expect(await page.getByRole('heading', { name: 'Amendment 1' }).count()).toBe(1);

    // ---- hold ----
    const caseRow = async () =>
      (
        await rows(
          `SELECT status, hold_reason, on_hold_since IS NOT NULL AS on_hold, closure_reason, closure_summary
             FROM cases WHERE id = $1`,
          [caseId],
        )
      )[0];
    await open(page, `/cases/${caseId}/resume`);
    expect(await page.getByRole('status').textContent()).toContain('is not on hold.');
    expect(await page.getByRole('button', { name: 'Resume the case' }).count()).toBe(0);

    await open(page, `/cases/${caseId}/hold`);
    await checkPage(page, 'hold');
    expect(await submit(page, 'Put on hold')).toBe(400);
    expect(await errorOf(page, 'reason')).toBe('Enter why the case is going on hold.');
    expect(await caseRow()).toMatchObject({ status: 'active', hold_reason: null, on_hold: false });
    await checkPage(page, 'hold-error');

    await field(page, 'reason').fill('Client in hospital');
    expect(await submit(page, 'Put on hold')).toBe(303);
    expect(page.url()).toBe(`${stack.api.base}/cases/${caseId}?notice=case-on-hold`);
    await noticeShown(page, 'Case on hold.');
    expect(await caseRow()).toMatchObject({
      status: 'on_hold',
      hold_reason: 'Client in hospital',
      on_hold: true,
    });

    // While on hold, a referral is refused by the record: the form comes back with why, nothing made.
    await open(page, `/cases/${caseId}/referrals/new`);
    await field(page, 'providerId').selectOption(provider.id);
    await field(page, 'service').fill('Food bank');
    await field(page, 'reason').fill('Empty cupboards');
    expect(await submit(page, 'Send referral')).toBe(409);
    expect(await page.getByRole('alert').first().textContent()).toContain('resume it before referring');
    expect(await field(page, 'service').inputValue()).toBe('Food bank');
    expect(await rows('SELECT count(*)::int AS n FROM referrals WHERE case_id = $1', [caseId])).toEqual([
      { n: 1 },
    ]);
    await checkPage(page, 'referral-new-refused');

    // ---- resume ----
    await open(page, `/cases/${caseId}/resume`);
    await checkPage(page, 'resume');
    expect(await submit(page, 'Resume the case')).toBe(303);
    expect(page.url()).toBe(`${stack.api.base}/cases/${caseId}?notice=case-resumed`);
    await noticeShown(page, 'Case resumed.');
    expect(await caseRow()).toMatchObject({ status: 'active', hold_reason: null, on_hold: false });

    // ---- closure request with the discharge summary ----
    const closureEvents = () =>
      rows(
        'SELECT what, reason, summary, note, actor_id FROM closure_events WHERE case_id = $1 ORDER BY at, created_at',
        [caseId],
      );
    await open(page, `/cases/${caseId}/closure/new`);
    // The discharge summary starts from the plan: its goal, with the outcome its progress says.
    expect(await page.locator('legend').first().textContent()).toContain('Goal 1: ');
    expect(await field(page, 'goals-0-outcome').inputValue()).toBe('not_started');
    await checkPage(page, 'closure-new');
    await field(page, 'reasonChoice').selectOption('other');
    await field(page, 'summary').fill('Housed with the trust; tenancy signed.');
    expect(await submit(page, 'Request closure')).toBe(400);
    expect(await errorOf(page, 'reasonOther')).toBe('Enter why the case is closing.');
    expect(await field(page, 'reasonChoice').inputValue()).toBe('other');
    expect(await field(page, 'summary').inputValue()).toBe('Housed with the trust; tenancy signed.');
    expect(await closureEvents()).toEqual([]);
    await checkPage(page, 'closure-new-error');

    await field(page, 'reasonChoice').selectOption('Goals met');
    expect(await submit(page, 'Request closure')).toBe(303);
    expect(page.url()).toBe(`${stack.api.base}/cases/${caseId}?notice=closure-requested`);
    await noticeShown(page, 'Closure requested.');
    expect(await closureEvents()).toEqual([
      {
        what: 'requested',
        reason: 'Goals met',
        summary: 'Housed with the trust; tenancy signed.',
        note: null,
        actor_id: cm,
      },
    ]);
    expect(await caseRow()).toMatchObject({
      status: 'closing',
      closure_reason: 'Goals met',
      closure_summary: 'Housed with the trust; tenancy signed.',
    });

    // A case manager cannot reopen; the page says who can.
    const approve = await stack.api.call('POST', `${base}/closure/decision`, team.supervisor.token, {
      decision: 'approved',
    });
    expect(approve.status).toBe(200);
    const [{ workflow_id: workflowId }] = (await rows('SELECT workflow_id FROM cases WHERE id = $1', [
      caseId,
    ])) as [{ workflow_id: string }];
    await stack.env.client.workflow.getHandle(workflowId).result();
    await open(page, `/cases/${caseId}/reopen`);
    expect(await page.getByRole('status').textContent()).toContain('Only the case’s supervisor');
    expect(await page.getByRole('button', { name: 'Reopen the case' }).count()).toBe(0);
    await context.close();

    // ---- reopen, by the supervisor ----
    const supervisor = await signedInPage(team.supervisor);
    const sp = supervisor.page;
    await open(sp, `/cases/${caseId}/reopen`);
    expect(await mainText(sp)).toContain('Housed with the trust; tenancy signed.');
    await checkPage(sp, 'reopen');
    expect(await submit(sp, 'Reopen the case')).toBe(303);
    expect(sp.url()).toBe(`${stack.api.base}/cases/${caseId}?notice=case-reopened`);
    await noticeShown(sp, 'Case reopened.');
    expect(await caseRow()).toMatchObject({
      status: 'assessment',
      closure_reason: null,
      closure_summary: null,
    });
    expect(
      await rows('SELECT episode, closure_reason, closure_summary FROM case_episodes WHERE case_id = $1', [
        caseId,
      ]),
    ).toEqual([
      { episode: 1, closure_reason: 'Goals met', closure_summary: 'Housed with the trust; tenancy signed.' },
    ]);
    // Reopened: the form is not offered again.
    await open(sp, `/cases/${caseId}/reopen`);
    expect(await sp.getByRole('status').textContent()).toContain('is not closed.');
    await supervisor.context.close();
  });

  it('when every entry of the injection corpus is typed into the note, amendment, referral and closure forms, then the pages show it as literal text and no element, handler or dialog comes of it', async () => {
    const team = await createTeam(stack.db.pool);
    const provider = await createProvider(stack.db.pool);
    const { caseId } = await activeCase(team);
    const { context, page } = await signedInPage(team.caseManager);
    const dialogs = watchDialogs(page);
    const expectNothingInjected = async (where: string) => {
      expect({ where, found: await injectedMarkup(page), dialogs }).toEqual({
        where,
        found: [],
        dialogs: [],
      });
    };

    // A form that comes back keeps the text as typed, in its text area, without breaking out of it.
    await open(page, `/cases/${caseId}/notes/new`);
    await field(page, 'body').fill(WHOLE_CORPUS);
    expect(await submit(page, 'Add note')).toBe(400);
    expect(await field(page, 'body').inputValue()).toBe(WHOLE_CORPUS);
    await expectNothingInjected('note form sent back');

    for (const [i, { text }] of INJECTION_CORPUS.entries()) {
      await open(page, `/cases/${caseId}/notes/new`);
      await choose(page, 'Progress on the plan');
      await field(page, 'body').fill(text);
      expect(await submit(page, 'Add note')).toBe(303);

      await open(page, `/cases/${caseId}/referrals/new`);
      await field(page, 'providerId').selectOption(provider.id);
      await field(page, 'service').fill(`Check ${i} ${text.slice(0, 150)}`);
      await field(page, 'reason').fill(text);
      expect(await submit(page, 'Send referral')).toBe(303);
    }
    const notes = (
      await stack.db.pool.query<{ id: string; body: string }>(
        'SELECT id, body FROM case_notes WHERE case_id = $1 ORDER BY created_at',
        [caseId],
      )
    ).rows;
    expect(notes.map((n) => n.body)).toEqual(INJECTION_CORPUS.map((c) => c.text));
    for (const [i, { text }] of INJECTION_CORPUS.entries()) {
      await open(page, `/cases/${caseId}/notes/${notes[i]!.id}/amend`);
      await field(page, 'body').fill(`${text} (amended)`);
      expect(await submit(page, 'Add amendment')).toBe(303);
    }

    await open(page, `/cases/${caseId}/closure/new`);
    await field(page, 'reasonChoice').selectOption('other');
    await field(page, 'reasonOther').fill('"><img src=x onerror=alert(1)> {{7*7}}');
    await field(page, 'summary').fill(WHOLE_CORPUS);
    expect(await submit(page, 'Request closure')).toBe(303);
    expect(
      (await stack.db.pool.query('SELECT reason, summary FROM closure_events WHERE case_id = $1', [caseId]))
        .rows,
    ).toEqual([{ reason: '"><img src=x onerror=alert(1)> {{7*7}}', summary: WHOLE_CORPUS }]);

    // Every page that shows the text: the referral's page, the note's amendment page, the case page.
    const referrals = (
      await stack.db.pool.query<{ id: string; reason: string }>(
        'SELECT id, reason FROM referrals WHERE case_id = $1',
        [caseId],
      )
    ).rows;
    expect(referrals).toHaveLength(INJECTION_CORPUS.length);
    for (const { text, name } of INJECTION_CORPUS) {
      const referral = referrals.find((r) => r.reason === text)!;
      await open(page, `/cases/${caseId}/referrals/${referral.id}`);
      await expectNothingInjected(`referral page: ${name}`);
      expect(await mainText(page)).toContain(text);

      const note = notes.find((n) => n.body === text)!;
      await open(page, `/cases/${caseId}/notes/${note.id}/amend`);
      await expectNothingInjected(`amend page: ${name}`);
      const shown = await mainText(page);
      expect(shown).toContain(text);
      expect(shown).toContain(`${text} (amended)`);
    }
    await checkPage(page, 'injection-note-amend');
    await open(page, `/cases/${caseId}`);
    await expectNothingInjected('case page');
    await context.close();
  }, 300_000); // the whole corpus through four forms: minutes on a busy 2-core machine
});
