import fs from 'node:fs';
import path from 'node:path';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { Worker } from '@temporalio/worker';
import type { Browser, Page } from 'playwright-core';
import { resolvePort } from '../../src/devstack/free-port';
import { createMailer, type Mailer } from '../../src/notifications/mailer';
import { projectRoot } from '../../src/shared/paths';
import { startTestApi, type TestApi } from '../helpers/api';
import { describeInBrowser, launchChromium } from '../helpers/browser';
import { caseSteps } from '../helpers/case-steps';
import { createTestDatabase, type TestDatabase } from '../helpers/db';
import { createStaff, createTeam } from '../helpers/fixtures';
import { startSmtpCatcher, type SmtpCatcher } from '../helpers/smtp';
import { devServerEnv } from '../helpers/temporal';
import { testWorker } from '../helpers/stack';
import { givePassword, signedInAs } from '../helpers/sessions';

/** Screenshots kept for people to look at (CI keeps the folder as an artifact). */
const ARTIFACTS = path.join(projectRoot(), 'test-artifacts');

describeInBrowser('the Temporal UI, served to admins by Caseloop, in a real browser', () => {
  const taskQueue = 'temporal-ui-browser-test';
  let env: TestWorkflowEnvironment;
  let db: TestDatabase;
  let smtp: SmtpCatcher;
  let api: TestApi;
  let mailer: Mailer;
  let worker: Worker;
  let running: Promise<void>;
  let browser: Browser;

  beforeAll(async () => {
    // The UI must know the codec's address before the API exists: reserve the API's port first.
    const [apiPort, uiPort] = [await resolvePort(0), await resolvePort(0)];
    [env, db, smtp, browser] = await Promise.all([
      devServerEnv({ ui: { port: uiPort, codecEndpoint: `http://127.0.0.1:${apiPort}/codec` } }),
      createTestDatabase(),
      startSmtpCatcher(),
      launchChromium(),
    ]);
    api = await startTestApi(db.pool, env.client, taskQueue, undefined, {
      temporalUiUrl: `http://127.0.0.1:${uiPort}`,
      port: apiPort,
    });
    mailer = createMailer(smtp.url, 'Caseloop <no-reply@test.local>');
    worker = await testWorker(env, { taskQueue, pool: db.pool, mailer, publicBaseUrl: api.base });
    running = worker.run();
  });
  afterAll(async () => {
    await browser?.close();
    await api?.close();
    worker?.shutdown();
    await running;
    mailer?.close();
    await smtp?.close();
    await env?.teardown();
    await db?.drop();
  });

  /** Visibility is eventually consistent: wait until the server's list answers the query. */
  async function untilListed(query: string, count: number): Promise<void> {
    const deadline = Date.now() + 30_000;
    for (;;) {
      let found = 0;
      for await (const _ of env.client.workflow.list({ query })) found++;
      if (found === count) return;
      if (Date.now() > deadline) throw new Error(`${query}: ${found} listed, expected ${count}`);
      await new Promise((r) => setTimeout(r, 250));
    }
  }

  async function signIn(page: Page, staff: { id: string; email: string }, next: string): Promise<void> {
    const password = 'temporal ui browser test password';
    await givePassword(db.pool, staff.id, password);
    await page.goto(`${api.base}/sign-in?next=${encodeURIComponent(next)}`);
    await page.getByLabel('Email address').fill(staff.email);
    await page.getByLabel('Password').fill(password);
    await page.getByRole('button', { name: 'Sign in' }).click();
  }

  /** The text of the UI's rendered-summary frame that contains `text`, once it is there. */
  async function frameText(page: Page, text: string): Promise<string> {
    const deadline = Date.now() + 30_000;
    for (;;) {
      for (const frame of page.frames().filter((f) => f.url().includes('/temporal/render'))) {
        const body = await frame
          .locator('body')
          .innerText()
          .catch(() => '');
        if (body.includes(text)) return body;
      }
      if (Date.now() > deadline) throw new Error(`no summary frame shows "${text}"`);
      await new Promise((r) => setTimeout(r, 250));
    }
  }

  it('when an admin filters on custom search attributes, then only the matching case is listed, its timeline names its timers and its details say what it waits on', async () => {
    const team = await createTeam(db.pool);
    const steps = caseSteps(api);
    const { caseId } = await steps.intake(team, 'high');
    const { caseId: otherCaseId } = await steps.intake(team, 'low');
    const query = `Program = '${team.programId}' AND RiskLevel = 'high' AND CaseStatus = 'assessment'`;
    await untilListed(query, 1);
    await untilListed(`Program = '${team.programId}' AND NextDueAt > '2000-01-01T00:00:00Z'`, 2);

    const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
    await signIn(
      page,
      team.admin,
      `/temporal/namespaces/default/workflows?query=${encodeURIComponent(query)}`,
    );

    // The list: the high-risk case, not the low-risk one from the same program.
    const link = page.getByRole('link', { name: `case-${caseId}` }).first();
    await link.waitFor({ timeout: 30_000 });
    expect(await page.getByRole('link', { name: `case-${otherCaseId}` }).count()).toBe(0);

    // The timeline names the pending timer; the input is shown decoded (through the codec, as the admin).
    await link.click();
    await page
      .getByText(/Initial assessment heads-up — due \d{4}-\d{2}-\d{2}/)
      .first()
      .waitFor({ timeout: 30_000 });
    await page.getByText('"caseReference"').first().waitFor({ timeout: 30_000 });
    fs.mkdirSync(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: path.join(ARTIFACTS, 'temporal-ui-case-timeline.png'), fullPage: true });

    // Summary and current details: reference, program, what the case waits on; no client name.
    await page.getByRole('tab', { name: 'User Metadata' }).click();
    const summary = await frameText(page, 'Case C-');
    expect(summary).toMatch(/^Case C-\d+ · /);
    const details = await frameText(page, 'Waiting on');
    expect(details).toMatch(/Status: assessment/);
    expect(details).toMatch(/Initial assessment — due \d{4}-\d{2}-\d{2}T/);
    expect(`${summary}\n${details}`).not.toMatch(/Jordan|Rivera|1990-04-02/);
    await page.screenshot({ path: path.join(ARTIFACTS, 'temporal-ui-case-details.png'), fullPage: true });
    await page.close();
  });

  it('when someone who is not an admin opens the Temporal UI, then a stranger is sent to sign in and a case manager is refused', async () => {
    const caseManager = await createStaff(db.pool, 'case_manager');
    const admin = await createStaff(db.pool, 'admin');
    const as = (cookie?: string): RequestInit => ({
      redirect: 'manual',
      headers: cookie ? { cookie } : {},
    });

    const stranger = await fetch(`${api.base}/temporal/namespaces/default/workflows`, as());
    expect(stranger.status).toBe(303);
    expect(stranger.headers.get('location')).toBe(
      `/sign-in?next=${encodeURIComponent('/temporal/namespaces/default/workflows')}`,
    );

    const refused = await fetch(
      `${api.base}/temporal/api/v1/namespaces/default/workflows`,
      as((await signedInAs(db.pool, caseManager)).cookie),
    );
    expect(refused.status).toBe(403);
    expect(refused.headers.get('content-type')).toMatch(/^application\/problem\+json/);

    // An API token is for programs: in the cookie it signs nobody in.
    const tokenAsCookie = await fetch(
      `${api.base}/temporal/api/v1/namespaces/default/workflows`,
      as(`caseloop_session=${admin.token}`),
    );
    expect(tokenAsCookie.status).toBe(303);

    const allowed = await fetch(
      `${api.base}/temporal/api/v1/namespaces/default/workflows`,
      as((await signedInAs(db.pool, admin)).cookie),
    );
    expect(allowed.status).toBe(200);
    expect(await allowed.json()).toHaveProperty('executions');
  });
});
