import { spawn, type ChildProcess } from 'node:child_process';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { Browser, Page } from 'playwright-core';
import { resolvePort } from '../../src/devstack/free-port';
import { projectRoot } from '../../src/shared/paths';
import { describeInBrowser, launchChromium } from '../helpers/browser';
import { createTestDatabase, type TestDatabase } from '../helpers/db';
import { createStaff, type StaffFixture } from '../helpers/fixtures';
import { axeViolations, keepScreenshot } from '../helpers/page-checks';
import { timeSkippingEnv } from '../helpers/temporal';
import { startApiProcess, type ApiProcess } from '../faults/api-process';
import { waitUntil } from '../faults/fault-kit';

const CLIENT_ID = 'caseloop-test';
const CLIENT_SECRET = 'a-client-secret-for-the-test-provider';

/** The `oidc-provider` package as the agency's identity provider, in its own process (an ES module). */
async function startProvider(port: number, redirectUri: string, accounts: object): Promise<ChildProcess> {
  let output = '';
  const child = spawn(process.execPath, ['test/helpers/oidc-provider-process.mjs'], {
    cwd: projectRoot(),
    env: {
      ...process.env,
      OIDC_PORT: String(port),
      OIDC_CLIENT_ID: CLIENT_ID,
      OIDC_CLIENT_SECRET: CLIENT_SECRET,
      OIDC_REDIRECT_URI: redirectUri,
      OIDC_ACCOUNTS: JSON.stringify(accounts),
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr.on('data', (d: Buffer) => (output += d.toString()));
  await waitUntil(
    'the OpenID provider to listen',
    () => child.exitCode !== null || output.includes('ready'),
    30_000,
  );
  if (child.exitCode !== null) throw new Error(`OpenID provider exited:\n${output}`);
  return child;
}

describeInBrowser('single sign-on with the agency’s OpenID provider, in a real browser', () => {
  let env: TestWorkflowEnvironment;
  let db: TestDatabase;
  let provider: ChildProcess;
  let api: ApiProcess;
  let browser: Browser;
  let ana: StaffFixture;
  let unverified: StaffFixture;
  let departed: StaffFixture;

  beforeAll(async () => {
    [env, db, browser] = await Promise.all([timeSkippingEnv(), createTestDatabase(), launchChromium()]);
    ana = await createStaff(db.pool, 'case_manager', { name: 'Ana Ortiz' });
    unverified = await createStaff(db.pool, 'case_manager');
    departed = await createStaff(db.pool, 'case_manager', { active: false });
    const [apiPort, providerPort] = [await resolvePort(0), await resolvePort(0)];
    provider = await startProvider(providerPort, `http://127.0.0.1:${apiPort}/sign-in/sso/callback`, {
      // Each login name the provider's screen accepts, with the email claims it vouches for.
      ana: { email: ana.email.toUpperCase(), email_verified: true },
      unverified: { email: unverified.email, email_verified: false },
      departed: { email: departed.email, email_verified: true },
      stranger: { email: 'nobody.here@elsewhere.test', email_verified: true },
    });
    api = await startApiProcess({
      databaseUrl: db.url,
      temporalAddress: env.address,
      taskQueue: 'sso-browser-test',
      port: apiPort,
      publicBaseUrlIsSelf: true,
      extra: {
        OIDC_ISSUER: `http://127.0.0.1:${providerPort}`,
        OIDC_CLIENT_ID: CLIENT_ID,
        OIDC_CLIENT_SECRET: CLIENT_SECRET,
        OIDC_BUTTON_LABEL: 'Sign in with Agency ID',
      },
    });
  });
  afterAll(async () => {
    await browser?.close();
    await api?.stop();
    provider?.kill('SIGTERM');
    await env?.teardown();
    await db?.drop();
  });

  /** From Caseloop's sign-in page through the provider's own login and consent screens. */
  async function signInThroughProvider(page: Page, login: string, next = '/caseload'): Promise<void> {
    await page.goto(`${api.url}/sign-in?next=${encodeURIComponent(next)}`);
    await page.getByRole('link', { name: 'Sign in with Agency ID' }).click();
    await page.locator('input[name="login"]').fill(login);
    await page.locator('input[name="password"]').fill('any password the test provider accepts');
    await page.getByRole('button', { name: 'Sign-in' }).click();
    await page.getByRole('button', { name: 'Continue' }).click();
    await page.waitForURL((url) => url.origin === api.url);
  }

  const sessionsOf = async (staffId: string): Promise<number> =>
    Number(
      (await db.pool.query('SELECT count(*) AS n FROM web_sessions WHERE staff_id = $1', [staffId])).rows[0]
        .n,
    );

  it('when a staff member signs in through the provider, then they land where they were going, signed in, and it is audited', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(`${api.url}/sign-in`);
    expect(await axeViolations(page)).toEqual([]);
    await keepScreenshot(page, 'sso-sign-in');

    await signInThroughProvider(page, 'ana');
    expect(new URL(page.url()).pathname).toBe('/caseload');
    await expect(page.locator('.cl-signout__who').textContent()).resolves.toBe('Ana Ortiz');
    expect(await sessionsOf(ana.id)).toBe(1);
    const audited = await db.pool.query(
      `SELECT action, entity, detail FROM audit_log WHERE actor_id = $1 AND entity = 'web_session'`,
      [ana.id],
    );
    expect(audited.rows).toEqual([
      { action: 'create', entity: 'web_session', detail: { via: 'single_sign_on' } },
    ]);
    // The pending sign-in cookie is spent: nothing of it is left in the browser.
    expect((await context.cookies()).map((c) => c.name)).not.toContain('caseloop_sso');
    await context.close();
  });

  it.each([
    ['unverified', 'no verified email address'],
    ['departed', 'No active Caseloop account'],
    ['stranger', 'No active Caseloop account'],
  ])(
    'when the provider vouches for %s, then Caseloop refuses in words and starts no session',
    async (login, words) => {
      const context = await browser.newContext();
      const page = await context.newPage();
      await signInThroughProvider(page, login);
      expect(new URL(page.url()).pathname).toBe('/sign-in/sso/callback');
      await expect(page.locator('h1').textContent()).resolves.toBe('Single sign-on did not sign you in');
      await expect(page.getByRole('alert').textContent()).resolves.toContain(words);
      expect(await axeViolations(page)).toEqual([]);
      for (const staff of [unverified, departed]) expect(await sessionsOf(staff.id)).toBe(0);
      await context.close();
    },
  );

  it('when a callback arrives that this browser never started (a forged or replayed link), then it is refused', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    const answer = await page.goto(`${api.url}/sign-in/sso/callback?code=stolen&state=guessed`);
    expect(answer?.status()).toBe(401);
    await expect(page.getByRole('alert').textContent()).resolves.toContain('not started here');
    await context.close();
  });
});
