import { randomUUID } from 'node:crypto';
import { startTestApi, type TestApi } from '../helpers/api';
import { createCaseRow, createTeam } from '../helpers/fixtures';
import { startTestStack, type TestStack } from '../helpers/stack';

/**
 * The audit trail says who saw which client record, from where, in which request: searches name
 * the records they disclosed, idempotent replays are audited, stored replies expire, and what a
 * client sends in headers cannot forge the source address or smuggle text into request ids.
 */
describe('the audit trail', () => {
  let stack: TestStack;
  beforeAll(async () => {
    stack = await startTestStack('audit-trail-test');
  });
  afterAll(() => stack?.stop());

  interface AuditRow {
    action: string;
    entity: string;
    entity_id: string | null;
    source_ip: string | null;
    request_id: string | null;
    detail: Record<string, unknown>;
  }
  const auditOf = async (actorId: string): Promise<AuditRow[]> =>
    (
      await stack.db.pool.query<AuditRow>(
        'SELECT action, entity, entity_id, source_ip, request_id, detail FROM audit_log WHERE actor_id = $1 ORDER BY id',
        [actorId],
      )
    ).rows;

  async function registerClient(token: string, familyName: string, headers: Record<string, string> = {}) {
    const res = await stack.api.call(
      'POST',
      '/api/v1/clients',
      token,
      { givenName: 'Odalys', familyName, birthDate: '1990-01-02' },
      headers,
    );
    expect(res.status).toBe(201);
    return res.body.id as string;
  }

  describe('client search', () => {
    it('when a search returns clients, then the audit log names every client record it disclosed', async () => {
      const team = await createTeam(stack.db.pool);
      const family = `Search${randomUUID().slice(0, 8)}`;
      const ids = [
        await registerClient(team.admin.token, family),
        await registerClient(team.admin.token, family),
      ];
      const found = await stack.api.call('GET', `/api/v1/clients?name=${family}`, team.admin.token);
      expect(found.status).toBe(200);
      expect(found.body.items.map((c: { id: string }) => c.id).sort()).toEqual([...ids].sort());

      const reads = (await auditOf(team.admin.id)).filter((r) => r.action === 'read');
      expect(reads.map((r) => r.entity_id).sort()).toEqual([...ids].sort());
      for (const r of reads) expect(r).toMatchObject({ entity: 'client', detail: { search: true } });
    });

    it('when a search finds nothing, then the search itself is still audited', async () => {
      const team = await createTeam(stack.db.pool);
      const found = await stack.api.call(
        'GET',
        `/api/v1/clients?name=Nobody${randomUUID().slice(0, 8)}`,
        team.admin.token,
      );
      expect(found.body.items).toEqual([]);
      expect((await auditOf(team.admin.id)).filter((r) => r.action === 'read')).toEqual([
        expect.objectContaining({ entity: 'client', entity_id: null, detail: { search: true, results: 0 } }),
      ]);
    });
  });

  describe('case lists', () => {
    it('when a case list returns cases, then the audit log names every case it disclosed', async () => {
      const team = await createTeam(stack.db.pool);
      const cases = [await createCaseRow(stack.db.pool, team), await createCaseRow(stack.db.pool, team)];
      const listed = await stack.api.call('GET', '/api/v1/cases', team.caseManager.token);
      expect(listed.status).toBe(200);
      const reads = (await auditOf(team.caseManager.id)).filter((r) => r.action === 'read');
      expect(reads.map((r) => r.entity_id).sort()).toEqual(cases.map((c) => c.id).sort());
      for (const r of reads) expect(r).toMatchObject({ entity: 'case', detail: { list: true } });
    });
  });

  describe('idempotent replays', () => {
    it('when a retried POST replays a stored client record, then the replay is audited like a read', async () => {
      const team = await createTeam(stack.db.pool);
      const key = randomUUID();
      const id = await registerClient(team.admin.token, 'Replay', { 'idempotency-key': key });
      const again = await stack.api.call(
        'POST',
        '/api/v1/clients',
        team.admin.token,
        { givenName: 'Odalys', familyName: 'Replay', birthDate: '1990-01-02' },
        { 'idempotency-key': key },
      );
      expect(again.status).toBe(201);
      expect(again.headers.get('idempotent-replayed')).toBe('true');
      expect(again.body.id).toBe(id);
      expect((await auditOf(team.admin.id)).map((r) => [r.action, r.entity, r.entity_id])).toEqual([
        ['create', 'client', id],
        ['read', 'idempotent_replay', id],
      ]);
    });

    it('when a stored response is older than 24 hours, then it is gone and the key counts as new', async () => {
      const team = await createTeam(stack.db.pool);
      const key = randomUUID();
      const first = await registerClient(team.admin.token, 'Expired', { 'idempotency-key': key });
      // Another staff member's stale reply: swept by the next claim whoever makes it.
      const other = await createTeam(stack.db.pool);
      const otherKey = randomUUID();
      await registerClient(other.admin.token, 'Stale', { 'idempotency-key': otherKey });
      await stack.db.pool.query(
        `UPDATE idempotency_keys SET created_at = now() - interval '25 hours' WHERE key = ANY($1)`,
        [[key, otherKey]],
      );

      const second = await stack.api.call(
        'POST',
        '/api/v1/clients',
        team.admin.token,
        { givenName: 'Odalys', familyName: 'Expired', birthDate: '1990-01-02' },
        { 'idempotency-key': key },
      );
      expect(second.status).toBe(201);
      expect(second.headers.get('idempotent-replayed')).toBeNull();
      expect(second.body.id).not.toBe(first);
      const stored = await stack.db.pool.query<{ key: string }>(
        `SELECT key FROM idempotency_keys WHERE key = ANY($1)`,
        [[key, otherKey]],
      );
      expect(stored.rows.map((r) => r.key)).toEqual([key]);
    });
  });

  describe('forwarding headers and request ids', () => {
    let behindProxy: TestApi;
    beforeAll(async () => {
      behindProxy = await startTestApi(stack.db.pool, stack.env.client, stack.taskQueue, undefined, {
        trustProxy: ['loopback'],
      });
    });
    afterAll(() => behindProxy.close());

    it('when no proxy is configured, then X-Forwarded-For is ignored and the socket address is audited', async () => {
      const team = await createTeam(stack.db.pool);
      await registerClient(team.admin.token, 'Forged', { 'x-forwarded-for': '203.0.113.9' });
      const [row] = await auditOf(team.admin.id);
      expect(row!.source_ip).toMatch(/^(::ffff:)?127\.0\.0\.1$|^::1$/);
    });

    it('when the API runs behind a configured proxy, then the address it forwards is audited', async () => {
      const team = await createTeam(stack.db.pool);
      const res = await behindProxy.call(
        'POST',
        '/api/v1/clients',
        team.admin.token,
        { givenName: 'Odalys', familyName: 'Proxied' },
        { 'x-forwarded-for': '203.0.113.9' },
      );
      expect(res.status).toBe(201);
      expect((await auditOf(team.admin.id))[0]!.source_ip).toBe('203.0.113.9');
    });

    it('when a request id is well formed, then it is kept; when it is long or odd, then a fresh one replaces it', async () => {
      const team = await createTeam(stack.db.pool);
      await registerClient(team.admin.token, 'Ids', { 'x-request-id': 'lb-7f3a.91:22_x' });
      await registerClient(team.admin.token, 'Ids', { 'x-request-id': 'x'.repeat(5000) });
      await registerClient(team.admin.token, 'Ids', {
        'x-request-id': "'; DROP TABLE audit_log; -- <script>",
      });
      const ids = (await auditOf(team.admin.id)).map((r) => r.request_id);
      expect(ids[0]).toBe('lb-7f3a.91:22_x');
      for (const replaced of ids.slice(1))
        expect(replaced).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    });
  });

  describe('the codec endpoint', () => {
    const post = (body: string, headers: Record<string, string> = {}) =>
      fetch(`${stack.api.base}/codec/decode`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body,
      });

    it('when a stranger sends 3 MB to the codec, then it answers 401 without parsing the body', async () => {
      // Malformed JSON: had the parser run first, the answer would be a 400 about the syntax.
      const garbage = `{"payloads": [${'x'.repeat(3 * 1024 * 1024)}`;
      const started = Date.now();
      const res = await post(garbage);
      expect(res.status).toBe(401);
      expect(((await res.json()) as { detail: string }).detail).toMatch(/admin token/);
      expect(Date.now() - started).toBeLessThan(5_000);
      // Too big for the parser too: still a 401, not a 413.
      expect((await post(`{"payloads":[],"pad":"${'y'.repeat(5 * 1024 * 1024)}"}`)).status).toBe(401);
    });

    it('when a signed-in non-admin sends a large body, then it is refused 403 before parsing', async () => {
      const team = await createTeam(stack.db.pool);
      const res = await post(`{"payloads": [${'x'.repeat(3 * 1024 * 1024)}`, {
        authorization: `Bearer ${team.caseManager.token}`,
      });
      expect(res.status).toBe(403);
    });
  });
});
