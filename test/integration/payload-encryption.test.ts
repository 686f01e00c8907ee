import { historyToJSON } from '@temporalio/common/lib/proto-utils';
import { DAY, skipTo, startOn } from '../helpers/clock';
import { TEST_UI_ORIGIN } from '../helpers/api';
import { createTeam } from '../helpers/fixtures';
import { signedInAs } from '../helpers/sessions';
import { startTestStack, type TestStack } from '../helpers/stack';

/**
 * Client data stays encrypted: what the Temporal server stores is ciphertext, and only an admin,
 * through Caseloop's codec endpoint, can read payloads in the clear.
 */
describe('encrypted payloads and the codec endpoint', () => {
  let stack: TestStack;
  beforeAll(async () => {
    stack = await startTestStack('payload-encryption-test');
  });
  afterAll(() => stack?.stop());

  interface JsonPayload {
    metadata?: Record<string, string>;
    data?: string;
  }

  /**
   * Every payload anywhere in a proto-JSON history, except search attributes (ids, indexed in the
   * clear by design) and the SDK's own patch markers (`{"id":"case-clocks-v2"}`).
   */
  function payloadsIn(node: unknown, found: JsonPayload[] = []): JsonPayload[] {
    if (Array.isArray(node)) for (const item of node) payloadsIn(item, found);
    else if (node && typeof node === 'object') {
      const o = node as Record<string, unknown>;
      if (o.metadata && typeof o.metadata === 'object' && 'encoding' in o.metadata) found.push(o);
      else
        for (const [k, v] of Object.entries(o))
          if (k !== 'searchAttributes' && k !== 'markerRecordedEventAttributes') payloadsIn(v, found);
    }
    return found;
  }

  async function caseWithHistory() {
    const { env, db, api } = stack;
    const team = await createTeam(db.pool);
    const t0 = await startOn(env, 'Mon', '10:00');
    const opened = await api.call('POST', '/api/v1/cases', team.caseManager.token, {
      programId: team.programId,
      caseManagerId: team.caseManager.id,
      client: { givenName: 'Zephyrine', familyName: 'Quillfeather', birthDate: '1987-06-05' },
    });
    expect(opened.status).toBe(201);
    const base = `/api/v1/cases/${opened.body.id}`;
    const note = await api.call('POST', `${base}/notes`, team.caseManager.token, {
      type: 'contact',
      body: 'Sleeping in the blue van behind the laundromat',
    });
    expect(note.status).toBe(201);
    await api.call('POST', `${base}/assessments`, team.caseManager.token, {
      kind: 'initial',
      scores: { housing: 2 },
    });
    await skipTo(env, t0 + 40 * DAY); // the service-plan ladder runs: activities, updates, timers
    const history = await env.client.workflow.getHandle(`case-${opened.body.id}`).fetchHistory();
    return { team, caseId: opened.body.id as string, raw: JSON.parse(historyToJSON(history)) as unknown };
  }

  it('when a case has run for weeks, then its raw history holds no client name, birth date or note text, and every payload is encrypted', async () => {
    const { caseId, raw } = await caseWithHistory();
    const text = JSON.stringify(raw);
    for (const secret of ['Zephyrine', 'Quillfeather', '1987-06-05', 'laundromat', 'Z. Q.'])
      expect(text).not.toContain(secret);
    const payloads = payloadsIn(raw);
    expect(payloads.length).toBeGreaterThan(20);
    const encodings = new Set(payloads.map((p) => Buffer.from(p.metadata!.encoding!, 'base64').toString()));
    expect([...encodings]).toEqual(['binary/encrypted']);
    // Even the case id inside the workflow input is sealed (search attributes carry ids by design).
    const started = (raw as { events: { workflowExecutionStartedEventAttributes?: unknown }[] }).events[0]!;
    expect(JSON.stringify(started.workflowExecutionStartedEventAttributes)).not.toContain(`"${caseId}"`);
  });

  it("when payloads are sent to the codec endpoint, then only an admin gets them decoded, and only from Caseloop's own origin or the Temporal UI origin", async () => {
    const { team, caseId, raw } = await caseWithHistory();
    const started = (raw as { events: { workflowExecutionStartedEventAttributes: { input: unknown } }[] })
      .events[0]!;
    const input = payloadsIn(started.workflowExecutionStartedEventAttributes.input)[0]!;
    const decode = (headers: Record<string, string>) =>
      fetch(`${stack.api.base}/codec/decode`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-namespace': 'default', ...headers },
        body: JSON.stringify({ payloads: [input] }),
      });

    expect((await decode({})).status).toBe(401);
    expect((await decode({ authorization: `Bearer ${team.caseManager.token}` })).status).toBe(403);
    expect(
      (await decode({ authorization: `Bearer ${team.admin.token}`, origin: 'http://evil.test' })).status,
    ).toBe(403);

    const ok = await decode({ authorization: `Bearer ${team.admin.token}`, origin: TEST_UI_ORIGIN });
    expect(ok.status).toBe(200);
    expect(ok.headers.get('access-control-allow-origin')).toBe(TEST_UI_ORIGIN);
    const body = (await ok.json()) as { payloads: JsonPayload[] };
    const decoded = Buffer.from(body.payloads[0]!.data!, 'base64').toString();
    expect(decoded).toContain(caseId);
    expect(Buffer.from(body.payloads[0]!.metadata!.encoding!, 'base64').toString()).toBe('json/plain');

    // The UI proxied at /temporal calls from Caseloop's own origin with the session cookie.
    const sameOrigin = await decode({
      cookie: (await signedInAs(stack.db.pool, team.admin, { now: stack.clock() })).cookie,
      origin: stack.api.base,
    });
    expect(sameOrigin.status).toBe(200);
    expect(sameOrigin.headers.get('access-control-allow-origin')).toBeNull();
    const caseManagerSession = await decode({
      cookie: (await signedInAs(stack.db.pool, team.caseManager, { now: stack.clock() })).cookie,
      origin: stack.api.base,
    });
    expect(caseManagerSession.status).toBe(403);
    // An API token in the cookie is no session: the codec wants a credential.
    const tokenAsCookie = await decode({
      cookie: `caseloop_session=${team.admin.token}`,
      origin: stack.api.base,
    });
    expect(tokenAsCookie.status).toBe(401);

    const preflight = await fetch(`${stack.api.base}/codec/decode`, {
      method: 'OPTIONS',
      headers: { origin: TEST_UI_ORIGIN, 'access-control-request-method': 'POST' },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get('access-control-allow-headers')).toMatch(/authorization/);

    // Encode round-trips through the same keys.
    const encoded = await fetch(`${stack.api.base}/codec/encode`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${team.admin.token}` },
      body: JSON.stringify(body),
    });
    const sealed = (await encoded.json()) as { payloads: JsonPayload[] };
    expect(Buffer.from(sealed.payloads[0]!.metadata!.encoding!, 'base64').toString()).toBe(
      'binary/encrypted',
    );
  });
});
