import http, { type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { temporalUiProxy } from '../../src/api/web/temporal-ui-proxy';
import { problemMiddleware } from '../../src/api/middleware/problem';
import { createLogger } from '../../src/shared/logger';
import { createTestDatabase, type TestDatabase } from '../helpers/db';
import { createStaff } from '../helpers/fixtures';
import { signedInAs } from '../helpers/sessions';
import { DEFAULT_SESSION_POLICY } from '../../src/domain/web-sessions';

/**
 * What the proxy passes on to the Temporal UI. The real UI is exercised in the browser test; here a
 * listening probe stands in for it, because only the receiving end can see which headers arrived.
 */
describe('the Temporal UI proxy', () => {
  let db: TestDatabase;
  let upstream: Server;
  let proxy: Server;
  let base: string;
  const received: { url: string; headers: IncomingHttpHeaders; body: string }[] = [];

  const listen = async (server: Server): Promise<string> => {
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  };

  beforeAll(async () => {
    db = await createTestDatabase();
    upstream = http.createServer((req, res) => {
      let body = '';
      req.on('data', (d: Buffer) => (body += d.toString()));
      req.on('end', () => {
        received.push({ url: req.url ?? '', headers: req.headers, body });
        res.writeHead(201, { 'content-type': 'application/json', 'set-cookie': '_csrf=abc; Path=/' });
        res.end('{"ok":true}');
      });
    });
    const upstreamUrl = await listen(upstream);
    const app = express();
    const logger = createLogger('test', 'silent');
    app.use(
      temporalUiProxy({
        pool: db.pool,
        publicBaseUrl: 'http://caseloop.test',
        sessions: DEFAULT_SESSION_POLICY,
        upstream: upstreamUrl,
        logger,
      }),
    );
    app.use(problemMiddleware(logger));
    proxy = http.createServer(app);
    base = await listen(proxy);
  });
  afterAll(async () => {
    await new Promise((r) => proxy.close(r));
    await new Promise((r) => upstream.close(r));
    await db.drop();
  });

  it("when an admin calls through it, then the request arrives whole but without Caseloop's credentials, and the answer comes back unchanged", async () => {
    const admin = await createStaff(db.pool, 'admin');
    const session = await signedInAs(db.pool, admin);
    const res = await fetch(`${base}/temporal/api/v1/namespaces/default/workflows?query=x`, {
      method: 'POST',
      headers: {
        cookie: `_csrf=abc; ${session.cookie}; caseloop_signin=pre; theme=dark`,
        authorization: `Bearer ${admin.token}`,
        'x-csrf-token': 'abc',
        'content-type': 'application/json',
      },
      body: '{"reason":"test"}',
    });
    expect(res.status).toBe(201);
    expect(await res.json()).toEqual({ ok: true });
    expect(res.headers.get('set-cookie')).toBe('_csrf=abc; Path=/');

    const arrived = received.at(-1)!;
    expect(arrived.url).toBe('/temporal/api/v1/namespaces/default/workflows?query=x');
    expect(arrived.body).toBe('{"reason":"test"}');
    expect(arrived.headers['x-csrf-token']).toBe('abc');
    expect(arrived.headers.cookie).toBe('_csrf=abc; theme=dark');
    expect(arrived.headers.authorization).toBeUndefined();
    expect(JSON.stringify(arrived.headers)).not.toContain(admin.token);
    expect(JSON.stringify(arrived.headers)).not.toContain(session.id);
    expect(JSON.stringify(arrived.headers)).not.toContain('caseloop_');
  });

  it('when the UI asks for its summary frame, then Caseloop renders it itself, escaping everything', async () => {
    const admin = await createStaff(db.pool, 'admin');
    const before = received.length;
    const content = '**Status:** active\n\n- Reassessment — due 2027-03-01\n<script>alert(1)</script>';
    const res = await fetch(`${base}/temporal/render?content=${encodeURIComponent(content)}&theme=light`, {
      headers: { cookie: (await signedInAs(db.pool, admin)).cookie },
    });
    const html = await res.text();
    expect(res.status).toBe(200);
    expect(res.headers.get('content-security-policy')).toMatch(/default-src 'none'/);
    expect(html).toContain('<p><strong>Status:</strong> active</p>');
    expect(html).toContain('<ul><li>Reassessment — due 2027-03-01</li></ul>');
    expect(html).toContain('&#60;script&#62;alert(1)&#60;/script&#62;');
    expect(html).not.toContain('<script>');
    expect(received.length).toBe(before);
  });

  it('when the UI cannot be reached, then an admin gets a 503 problem, not a hang or a 500', async () => {
    const admin = await createStaff(db.pool, 'admin');
    const app = express();
    const logger = createLogger('test', 'silent');
    app.use(
      temporalUiProxy({
        pool: db.pool,
        publicBaseUrl: 'http://caseloop.test',
        sessions: DEFAULT_SESSION_POLICY,
        upstream: 'http://127.0.0.1:9',
        logger,
      }),
    );
    app.use(problemMiddleware(logger));
    const down = http.createServer(app);
    const downBase = await listen(down);
    try {
      const res = await fetch(`${downBase}/temporal/`, {
        headers: { cookie: (await signedInAs(db.pool, admin)).cookie },
      });
      expect(res.status).toBe(503);
      expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    } finally {
      await new Promise((r) => down.close(r));
    }
  });
});
