import type { Router } from 'express';
import { webRoutes } from '../../src/api/web/routes';
import type { WebDeps } from '../../src/api/web/web-deps';

/**
 * Every state-changing page route checks the CSRF token, whoever adds it: the router is read as
 * registered, so a new POST without `mw.csrf` fails here before any browser test would notice.
 * Only the forms used before a session exists are exempt; they carry the pre-session value
 * instead (test/integration/accounts.test.ts, "login CSRF").
 */
// A provider's answer page has no session at all: its forms carry the pre-session value too
// (test/integration/provider-answers.test.ts).
const BEFORE_A_SESSION = new Set([
  '/sign-in',
  '/sign-in/forgot',
  '/password/:token',
  '/referral-answer/:token',
]);

interface Layer {
  name: string;
  route?: { path: string; methods: Record<string, boolean>; stack: Layer[] };
}

function postRoutes(router: Router): { path: string; middleware: string[] }[] {
  return (router.stack as unknown as Layer[])
    .filter((l) => l.route?.methods.post)
    .map((l) => ({ path: l.route!.path, middleware: l.route!.stack.map((s) => s.name) }));
}

describe('the staff pages’ state-changing routes', () => {
  // Registering routes reads no dependency; nothing here serves a request.
  const router = webRoutes({ publicBaseUrl: 'http://caseloop.test' } as unknown as WebDeps);
  const posts = postRoutes(router);

  it('when the router is built, then it has the POST forms of every area (the check below reads real routes)', () => {
    const paths = posts.map((p) => p.path);
    for (const path of [
      '/cases/:caseId/notes/new',
      '/approvals/plans/:planId',
      '/programs/:programId/policy',
      '/admin/staff/invite',
      '/sign-out',
    ])
      expect(paths).toContain(path);
  });

  it('when a POST route is not a sign-in form, then checkCsrf runs on it after the session is read', () => {
    const unchecked = posts
      .filter((p) => !BEFORE_A_SESSION.has(p.path))
      .filter((p) => {
        const session = p.middleware.indexOf('checkSession');
        const csrf = p.middleware.indexOf('checkCsrf');
        return session < 0 || csrf < session || csrf === p.middleware.length - 1;
      })
      .map((p) => `${p.path} [${p.middleware.join(', ')}]`);
    expect(unchecked).toEqual([]);
  });
});
