import type { Browser, BrowserContext, Page } from 'playwright-core';
import type { TestStack } from './stack';
import { browserCookie, signedInAs } from './sessions';

/**
 * Signing in to the staff pages, in one place: a server-side session made for the staff member at
 * the API's clock (test/helpers/sessions.ts), as a successful sign-in would. The sign-in form
 * itself is tested in test/integration/accounts.test.ts and test/browser/accounts.test.ts.
 */
export async function signInPage(page: Page, stack: TestStack, staff: { id: string }): Promise<void> {
  const session = await signedInAs(stack.db.pool, staff, { now: stack.clock() });
  await page.context().addCookies([browserCookie(session, stack.api.base)]);
}

/** A fresh browser context at phone width (320 px), signed in as `staff`, with one page open. */
export async function signedInNarrowPage(
  browser: Browser,
  stack: TestStack,
  staff: { id: string },
): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext({ viewport: { width: 320, height: 900 }, bypassCSP: true });
  const page = await context.newPage();
  await signInPage(page, stack, staff);
  return { context, page };
}

/** The session cookie a browser would hold after signing in, for form posts made with fetch. */
export async function signInCookie(stack: TestStack, staff: { id: string }): Promise<string> {
  return (await signedInAs(stack.db.pool, staff, { now: stack.clock() })).cookie;
}

/** A browser's visit to a form: GET it (for its CSRF token), then POST fields as the form would. */
export function formClient(base: string, cookie: string) {
  async function get(path: string): Promise<{ status: number; html: string }> {
    const res = await fetch(`${base}${path}`, { headers: { cookie }, redirect: 'manual' });
    return { status: res.status, html: await res.text() };
  }
  async function post(
    path: string,
    fields: Record<string, string> | [string, string][],
    from = path,
  ): Promise<{ status: number; html: string; location: string | null; retryAfter: string | null }> {
    const page = await get(from);
    const csrf = /name="_csrf" value="([^"]+)"/.exec(page.html)?.[1];
    if (!csrf) throw new Error(`no CSRF token on ${from} (status ${page.status})`);
    const body = new URLSearchParams(Array.isArray(fields) ? fields : Object.entries(fields));
    body.append('_csrf', csrf);
    const res = await fetch(`${base}${path}`, {
      method: 'POST',
      redirect: 'manual',
      headers: { cookie, origin: base, 'content-type': 'application/x-www-form-urlencoded' },
      body: body.toString(),
    });
    return {
      status: res.status,
      html: await res.text(),
      location: res.headers.get('location'),
      retryAfter: res.headers.get('retry-after'),
    };
  }
  return { get, post };
}
