import { createStaff, createTeam } from '../helpers/fixtures';
import { startTestStack, type TestStack } from '../helpers/stack';

describe('REST API over real PostgreSQL and Temporal', () => {
  let stack: TestStack;
  let env: TestStack['env'];
  let db: TestStack['db'];

  beforeAll(async () => {
    stack = await startTestStack('api-test');
    ({ env, db } = stack);
  });
  afterAll(() => stack?.stop());

  const call = (method: string, path: string, token?: string, body?: unknown, rawBody?: string) =>
    stack.api.call(method, path, token, rawBody ?? body);
  const countRows = async (table: string) =>
    Number((await db.pool.query(`SELECT count(*) FROM ${table}`)).rows[0].count);

  it('when probed, then /healthz answers and /readyz reports PostgreSQL and Temporal', async () => {
    expect((await call('GET', '/healthz')).status).toBe(200);
    const ready = await call('GET', '/readyz');
    expect(ready).toMatchObject({ status: 200, body: { checks: { postgres: 'ok', temporal: 'ok' } } });
  });

  it('when Prometheus scrapes /metrics, then it sees request counts by route and the notification and escalation totals, with no client data', async () => {
    const team = await createTeam(db.pool);
    const opened = await call('POST', '/api/v1/cases', team.caseManager.token, {
      programId: team.programId,
      caseManagerId: team.caseManager.id,
      client: { givenName: 'Metric', familyName: 'Secretname' },
    });
    await call('GET', `/api/v1/cases/${opened.body.id}`, team.caseManager.token);
    const res = await fetch(`${stack.api.base}/metrics`);
    expect(res.status).toBe(200);
    const text = await res.text();
    expect(text).toMatch(
      /caseloop_http_requests_total\{method="POST",route="\/api\/v1\/cases",status="201"\} \d+/,
    );
    expect(text).toMatch(
      /caseloop_http_request_duration_seconds_bucket\{le="0.1",method="GET",route="\/api\/v1\/cases\/:caseId"\}/,
    );
    expect(text).toContain('# TYPE caseloop_notifications gauge');
    expect(text).toContain('# TYPE caseloop_escalations gauge');
    expect(text).not.toContain('Secretname');
    expect(text).not.toContain(opened.body.id);
  });

  it('when the OpenAPI document is fetched, then it describes the case endpoints', async () => {
    const doc = await call('GET', '/openapi.json');
    expect(doc.body.openapi).toBe('3.1.0');
    expect(Object.keys(doc.body.paths)).toEqual(
      expect.arrayContaining(['/api/v1/cases', '/api/v1/cases/{caseId}']),
    );
  });

  it('when a case manager opens a case for a new client, then the case, its workflow and the audit trail exist', async () => {
    const team = await createTeam(db.pool);
    const res = await call('POST', '/api/v1/cases', team.caseManager.token, {
      programId: team.programId,
      caseManagerId: team.caseManager.id,
      client: { givenName: 'Ada', familyName: 'Okafor', birthDate: '1985-02-03' },
    });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({
      status: 'assessment',
      supervisorId: team.supervisor.id,
      reference: expect.stringMatching(/^C-\d+$/),
    });

    const description = await env.client.workflow.getHandle(res.body.workflowId).describe();
    expect(description.status.name).toBe('RUNNING');

    const view = await call('GET', `/api/v1/cases/${res.body.id}`, team.supervisor.token);
    expect(view.status).toBe(200);
    expect(view.body.client.initials).toBe('A. O.');
    expect(view.body.schedule.obligations[0]).toMatchObject({ kind: 'initial_assessment' });

    const audit = await db.pool.query(
      'SELECT action, entity FROM audit_log WHERE case_id = $1 OR entity = $2 ORDER BY id',
      [res.body.id, 'client'],
    );
    expect(audit.rows).toEqual(
      expect.arrayContaining([
        { action: 'create', entity: 'case' },
        { action: 'read', entity: 'case' },
      ]),
    );
  });

  it('when an assessment is recorded, then the workflow moves the case to planning', async () => {
    const team = await createTeam(db.pool);
    const opened = await call('POST', '/api/v1/cases', team.admin.token, {
      programId: team.programId,
      caseManagerId: team.caseManager.id,
      client: { givenName: 'Bo', familyName: 'Chen' },
    });
    const res = await call('POST', `/api/v1/cases/${opened.body.id}/assessments`, team.caseManager.token, {
      kind: 'initial',
      scores: { housing: 2, income: 3 },
      needs: ['housing'],
      summary: 'Needs stable housing.',
    });
    expect(res.status).toBe(201);
    expect(res.body.schedule.status).toBe('planning');
  });

  describe('bad input gets a clear 4xx and changes nothing', () => {
    it.each([
      ['no token', undefined, undefined, 401],
      ['a wrong token', 'cl_not-a-real-token', undefined, 401],
    ])('when the request has %s, then 401 problem+json', async (_label, token, _b, status) => {
      const res = await call('POST', '/api/v1/cases', token, {});
      expect(res.status).toBe(status);
      expect(res.type).toContain('application/problem+json');
    });

    it('when the token belongs to a deactivated staff member, then 401', async () => {
      const gone = await createStaff(db.pool, 'admin', { active: false });
      expect(
        (await call('GET', '/api/v1/cases/00000000-0000-4000-8000-000000000000', gone.token)).status,
      ).toBe(401);
    });

    it('when the body is malformed JSON, has unknown fields, wrong types or a birth date before 1900, then 400 names each field', async () => {
      const team = await createTeam(db.pool);
      const before = await Promise.all(['cases', 'clients'].map(countRows));

      const malformed = await call('POST', '/api/v1/cases', team.admin.token, undefined, '{"programId": ');
      expect(malformed).toMatchObject({
        status: 400,
        body: { errors: [{ field: 'body', reason: 'malformed JSON' }] },
      });

      const bad = await call('POST', '/api/v1/cases', team.admin.token, {
        programId: 'not-a-uuid',
        caseManagerId: team.caseManager.id,
        client: { givenName: 'X', familyName: 'Y', birthDate: '1850-01-01', shoeSize: 44 },
        riskLevel: 'extreme',
      });
      expect(bad.status).toBe(400);
      const fields = (bad.body.errors as { field: string }[]).map((e) => e.field).sort();
      expect(fields).toEqual([
        'body.client.birthDate',
        'body.client.shoeSize',
        'body.programId',
        'body.riskLevel',
      ]);

      const tooBig = await call('POST', '/api/v1/cases', team.admin.token, { pad: 'x'.repeat(200_000) });
      expect(tooBig.status).toBe(413);

      expect(await Promise.all(['cases', 'clients'].map(countRows))).toEqual(before);
    });

    it("when a case manager opens a case for someone else's caseload, then 403 and nothing is written", async () => {
      const team = await createTeam(db.pool);
      const other = await createTeam(db.pool);
      const before = await countRows('cases');
      const res = await call('POST', '/api/v1/cases', other.caseManager.token, {
        programId: team.programId,
        caseManagerId: team.caseManager.id,
        client: { givenName: 'Q', familyName: 'R' },
      });
      expect(res.status).toBe(403);
      expect(await countRows('cases')).toBe(before);
    });

    it('when a stranger asks for a case, then it is reported as not found', async () => {
      const team = await createTeam(db.pool);
      const other = await createTeam(db.pool);
      const opened = await call('POST', '/api/v1/cases', team.admin.token, {
        programId: team.programId,
        caseManagerId: team.caseManager.id,
        client: { givenName: 'S', familyName: 'T' },
      });
      expect((await call('GET', `/api/v1/cases/${opened.body.id}`, other.caseManager.token)).status).toBe(
        404,
      );
      expect((await call('GET', `/api/v1/cases/${opened.body.id}`, other.programManager.token)).status).toBe(
        404,
      );
      expect((await call('GET', `/api/v1/cases/${opened.body.id}`, team.programManager.token)).status).toBe(
        200,
      );
    });
  });
});
