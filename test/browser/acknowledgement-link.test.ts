import type { Browser } from 'playwright-core';
import { DAY, HOUR, skipTo, startOn } from '../helpers/clock';
import { describeInBrowser, launchChromium } from '../helpers/browser';
import { caseSteps } from '../helpers/case-steps';
import { createTeam } from '../helpers/fixtures';
import { header } from '../helpers/mail-log';
import { browserCookie, givePassword, signedInAs } from '../helpers/sessions';
import { startTestStack, type TestStack } from '../helpers/stack';

const SUPERVISOR_PASSWORD = 'correct horse battery staple';

describeInBrowser('acknowledging an escalation from its email, in a real browser', () => {
  let stack: TestStack;
  let browser: Browser;
  beforeAll(async () => {
    [stack, browser] = await Promise.all([startTestStack('ack-link-browser-test'), launchChromium()]);
  });
  afterAll(async () => {
    await browser?.close();
    await stack?.stop();
  });

  /** A fresh case left without an assessment until its supervisor escalation (day 21, 08:00) is sent. */
  async function escalatedCase() {
    const { env, smtp, db, api } = stack;
    const team = await createTeam(db.pool);
    const t0 = await startOn(env, 'Mon', '10:00');
    const { caseId } = await caseSteps(api).intake(team);
    await skipTo(env, t0 + 21 * DAY + HOUR);
    const mail = smtp.messages.find(
      (m) =>
        m.to.includes(team.supervisor.email) && header(m, 'x-caseloop-notification-key').includes(caseId),
    )!;
    const link = /Acknowledge this escalation: (\S+)/.exec(mail.text)?.[1] ?? '';
    return { team, t0, caseId, mail, link };
  }

  it('when the supervisor opens the link, signs in and confirms, then the escalation is acknowledged and the program manager never hears', async () => {
    const { env, smtp, api } = stack;
    const { team, t0, caseId, mail, link } = await escalatedCase();
    expect(mail.subject).toMatch(/^Escalation: initial assessment overdue/);
    expect(link.startsWith(`${api.base}/ack/`)).toBe(true);
    expect(mail.html).toContain(`href="${link}"`);

    const page = await browser.newPage();
    await givePassword(stack.db.pool, team.supervisor.id, SUPERVISOR_PASSWORD);
    const signIn = async (): Promise<void> => {
      await page.getByLabel('Email address').fill(team.supervisor.email);
      await page.getByLabel('Password').fill(SUPERVISOR_PASSWORD);
      await page.getByRole('button', { name: 'Sign in' }).click();
    };
    await page.goto(link);
    // Not signed in yet: the link goes through sign-in and comes back.
    await signIn();
    await page.getByRole('heading', { name: 'Acknowledge escalation' }).waitFor();
    // Opening the link changed nothing (a mail scanner would have done the same).
    const before = await api.call('GET', '/api/v1/escalations', team.supervisor.token);
    expect(before.body.items).toEqual([expect.objectContaining({ caseId, acknowledgedAt: null })]);

    await page.getByRole('button', { name: 'Acknowledge' }).click();
    await page.getByRole('status').filter({ hasText: 'Escalation acknowledged.' }).waitFor();
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toMatch(/^Case C-\d+$/);
    expect(await page.content()).toContain('No open escalations.');

    const after = await api.call(
      'GET',
      '/api/v1/escalations?includeAcknowledged=true',
      team.supervisor.token,
    );
    expect(after.body.items).toEqual([
      expect.objectContaining({
        caseId,
        acknowledgedBy: team.supervisor.id,
        acknowledgedAt: expect.any(String),
      }),
    ]);
    await skipTo(env, t0 + 30 * DAY);
    expect(smtp.messages.filter((m) => m.to.includes(team.programManager.email))).toEqual([]);

    // The same link again (the session ended while the clock jumped on: sign in again): already
    // done, says so, changes nothing.
    await page.goto(link);
    await signIn();
    await page.getByRole('status').filter({ hasText: 'Already acknowledged' }).waitFor();
    await page.close();
  });

  it('when a link is altered, sent to someone else, or expired, then the page explains and nothing changes', async () => {
    const { env, api } = stack;
    const { team, t0, caseId, link } = await escalatedCase();
    const tampered = link.slice(0, -3) + (link.endsWith('AAA') ? 'BBB' : 'AAA');

    const context = await browser.newContext();
    const page = await context.newPage();
    const asCaseManager = await signedInAs(stack.db.pool, team.caseManager, { now: stack.clock() });
    await context.addCookies([browserCookie(asCaseManager, api.base)]);

    // Signed in as the case manager: the supervisor's link is not theirs.
    let response = await page.goto(link);
    expect(response?.status()).toBe(403);
    expect(await page.getByRole('alert').textContent()).toMatch(/sent to someone else/);

    response = await page.goto(tampered);
    expect(response?.status()).toBe(400);
    expect(await page.getByRole('alert').textContent()).toMatch(/altered/);

    // Two weeks after it was sent the link has expired, even for its recipient.
    await skipTo(env, t0 + 36 * DAY);
    await context.clearCookies();
    const asSupervisor = await signedInAs(stack.db.pool, team.supervisor, { now: stack.clock() });
    await context.addCookies([browserCookie(asSupervisor, api.base)]);
    response = await page.goto(link);
    expect(response?.status()).toBe(410);
    expect(await page.getByRole('alert').textContent()).toMatch(/expired/);

    const open = await api.call('GET', '/api/v1/escalations', team.supervisor.token);
    expect(open.body.items.filter((e: { caseId: string }) => e.caseId === caseId)).toEqual([
      expect.objectContaining({ acknowledgedAt: null }),
    ]);
    await context.close();
  });
});
