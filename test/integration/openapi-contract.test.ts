import { createStaff, createTeam } from '../helpers/fixtures';
import { startTestStack, type TestStack } from '../helpers/stack';

/**
 * The OpenAPI document describes what the server really does: every operation is named, tagged
 * and described, declares every status it can answer, and the server keeps to it.
 */
interface Operation {
  operationId?: string;
  tags?: string[];
  description?: string;
  responses: Record<string, unknown>;
  parameters?: Array<{ name: string; in: string; schema: Record<string, unknown> }>;
  requestBody?: { content: Record<string, { schema: Record<string, unknown> }> };
}
interface OpenApiDoc {
  paths: Record<string, Record<string, Operation>>;
  components: { schemas: Record<string, Record<string, unknown>> };
}

const WRITES = ['post', 'put', 'patch', 'delete'];

describe('The OpenAPI contract', () => {
  let stack: TestStack;
  let doc: OpenApiDoc;
  let operations: Array<{ method: string; path: string; op: Operation }>;

  beforeAll(async () => {
    stack = await startTestStack('openapi-contract-test');
    doc = (await stack.api.call('GET', '/openapi.json')).body as OpenApiDoc;
    operations = Object.entries(doc.paths).flatMap(([path, methods]) =>
      Object.entries(methods).map(([method, op]) => ({ method, path, op })),
    );
  });
  afterAll(() => stack?.stop());

  const named = (o: { method: string; path: string }) => `${o.method.toUpperCase()} ${o.path}`;

  it('when the document is read, then every operation has a unique operationId, a tag and a description', () => {
    expect(operations.length).toBeGreaterThan(30);
    const missing = operations
      .filter(({ op }) => !op.operationId || !op.tags?.length || !op.description?.trim())
      .map(named);
    expect(missing).toEqual([]);
    const ids = operations.map(({ op }) => op.operationId);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('when the document is read, then every write declares 409 and 422, every body 413, and every operation 400/401/503', () => {
    const lacking = operations.flatMap((o) => {
      const wanted = ['400', '401', '503'];
      if (WRITES.includes(o.method)) wanted.push('409', '422');
      if (o.op.requestBody) wanted.push('413');
      return wanted.filter((s) => !(s in o.op.responses)).map((s) => `${named(o)} lacks ${s}`);
    });
    expect(lacking).toEqual([]);
  });

  it('when a POST takes an Idempotency-Key, then its schema carries the real pattern and the reuse answers are documented', () => {
    const posts = operations.filter((o) => o.method === 'post');
    expect(posts.length).toBeGreaterThan(10);
    for (const o of posts) {
      const header = o.op.parameters?.find((p) => p.in === 'header' && /idempotency-key/i.test(p.name));
      expect(header?.schema).toMatchObject({ pattern: '^[\\x21-\\x7e]{1,200}$' });
      expect(String((o.op.responses['422'] as { description: string }).description)).toMatch(
        /Idempotency-Key/,
      );
      expect(String((o.op.responses['409'] as { description: string }).description)).toMatch(
        /Idempotency-Key/,
      );
    }
  });

  it('when cross-field rules can be written in JSON Schema, then they are: one of clientId/client, non-empty patches and scores', () => {
    const { schemas } = doc.components;
    expect(schemas.IntakeRequest).toMatchObject({
      oneOf: [{ required: ['clientId'] }, { required: ['client'] }],
    });
    for (const patch of ['StaffPatch', 'ProgramPatch', 'ProviderPatch'])
      expect(schemas[patch]).toMatchObject({ minProperties: 1 });
    expect(schemas.AssessmentRequest).toMatchObject({ properties: { scores: { minProperties: 1 } } });
  });

  it('when the server checks a string, then the schema carries the same rule: zones, emails, durations, domain keys, non-blank text', () => {
    const { schemas } = doc.components;
    const prop = (schema: string, name: string) =>
      (schemas[schema]!.properties as Record<string, Record<string, unknown>>)[name]!;
    const matches = (schema: Record<string, unknown>, value: string) =>
      new RegExp(schema.pattern as string, 'u').test(value);

    expect(prop('StaffInput', 'timeZone').enum).toEqual(expect.arrayContaining(['UTC', 'Europe/London']));
    expect(prop('StaffInput', 'timeZone').enum).not.toContain('');
    const contactEmail = prop('ProviderInput', 'contactEmail');
    expect(matches(contactEmail, 'intake@provider.example')).toBe(true);
    expect(matches(contactEmail, "d'f#aho0&@ivnx.dev")).toBe(false);
    expect(matches(contactEmail, 'x@h-.example.org')).toBe(false);
    expect(contactEmail.format).toBeUndefined();
    const duration = prop('ProgramPolicy', 'initialAssessmentDue');
    expect(matches(duration, 'P14D')).toBe(true);
    expect(matches(duration, 'v')).toBe(false);
    const scores = prop('AssessmentRequest', 'scores').propertyNames as Record<string, unknown>;
    expect(matches(scores, 'housing')).toBe(true);
    expect(matches(scores, '')).toBe(false);
    const fullName = prop('StaffInput', 'fullName');
    expect(matches(fullName, ' \u00a0\ufeff ')).toBe(false);
    expect(matches(fullName, ' Ada ')).toBe(true);
  });

  it('when a body satisfies the schema, then the server accepts it; when it breaks a documented rule, then 400 or 422 and nothing is written', async () => {
    const team = await createTeam(stack.db.pool);
    const countClients = async () =>
      Number((await stack.db.pool.query('SELECT count(*) FROM clients')).rows[0].count);
    // Lengths count what was sent: three characters are three, even if trimming leaves one.
    const padded = await stack.api.call('POST', '/api/v1/clients', team.admin.token, {
      givenName: 'Pad',
      familyName: 'Ded',
      phone: '  5',
    });
    expect(padded.status).toBe(201);

    const before = await countClients();
    const blank = await stack.api.call('POST', '/api/v1/clients', team.admin.token, {
      givenName: ' \u00a0 ',
      familyName: 'Blank',
    });
    expect(blank).toMatchObject({ status: 400, body: { errors: [{ field: 'body.givenName' }] } });
    const old = await stack.api.call('POST', '/api/v1/clients', team.admin.token, {
      givenName: 'Old',
      familyName: 'Timer',
      birthDate: '1899-12-31',
    });
    expect(old).toMatchObject({ status: 400, body: { errors: [{ field: 'body.birthDate' }] } });
    const unborn = await stack.api.call('POST', '/api/v1/clients', team.admin.token, {
      givenName: 'Not',
      familyName: 'Yet',
      birthDate: '2999-01-01',
    });
    expect(unborn).toMatchObject({ status: 422, body: { errors: [{ field: 'body.birthDate' }] } });
    const unbornIntake = await stack.api.call('POST', '/api/v1/cases', team.admin.token, {
      programId: team.programId,
      caseManagerId: team.caseManager.id,
      client: { givenName: 'Not', familyName: 'Yet', birthDate: '2999-01-01' },
    });
    expect(unbornIntake).toMatchObject({
      status: 422,
      body: { errors: [{ field: 'body.client.birthDate' }] },
    });
    const hyphen = await stack.api.call('POST', '/api/v1/clients', team.admin.token, {
      givenName: 'Hy',
      familyName: 'Phen',
      email: 'x@h-.example.org',
    });
    expect(hyphen).toMatchObject({ status: 400, body: { errors: [{ field: 'body.email' }] } });
    const zone = await stack.api.call('PATCH', `/api/v1/staff/${team.caseManager.id}`, team.admin.token, {
      timeZone: '',
    });
    expect(zone).toMatchObject({ status: 400, body: { errors: [{ field: 'body.timeZone' }] } });
    expect(await countClients()).toBe(before);
  });

  it('when an admin deactivates or demotes themselves, then 422 and they keep their access', async () => {
    const team = await createTeam(stack.db.pool);
    const self = `/api/v1/staff/${team.admin.id}`;
    const leave = await stack.api.call('POST', `${self}/deactivate`, team.admin.token, {});
    expect(leave).toMatchObject({ status: 422, body: { errors: [{ field: 'params.staffId' }] } });
    const demote = await stack.api.call('PATCH', self, team.admin.token, { role: 'case_manager' });
    expect(demote).toMatchObject({ status: 422, body: { errors: [{ field: 'body.role' }] } });
    const me = await stack.api.call('GET', '/api/v1/me', team.admin.token);
    expect(me.body).toMatchObject({ role: 'admin' });
    // Another admin still can.
    const other = await createStaff(stack.db.pool, 'admin');
    expect((await stack.api.call('POST', `${self}/deactivate`, other.token, {})).status).toBe(200);
  });

  it('when a program is given a manager who is not an active program manager, then 422 and nothing changes', async () => {
    const team = await createTeam(stack.db.pool);
    const path = `/api/v1/programs/${team.programId}`;
    for (const programManagerId of ['00000000-0000-4000-8000-000000000000', team.caseManager.id]) {
      const res = await stack.api.call('PATCH', path, team.admin.token, { programManagerId });
      expect(res).toMatchObject({ status: 422, body: { errors: [{ field: 'body.programManagerId' }] } });
    }
    const row = await stack.db.pool.query('SELECT program_manager_id FROM programs WHERE id = $1', [
      team.programId,
    ]);
    expect(row.rows[0].program_manager_id).toBe(team.programManager.id);
  });

  it('when escalations are listed, then includeAcknowledged is documented as a boolean defaulting to false', () => {
    const param = doc.paths['/api/v1/escalations']!.get!.parameters!.find(
      (p) => p.name === 'includeAcknowledged',
    );
    expect(param?.schema).toMatchObject({ type: 'boolean', default: false });
  });

  it('when a known path is called with a method it does not support, then it answers 405 with Allow and changes nothing', async () => {
    const team = await createTeam(stack.db.pool);
    const res = await stack.api.call('DELETE', '/api/v1/cases', team.admin.token);
    expect(res.status).toBe(405);
    expect(res.type).toMatch(/application\/problem\+json/);
    expect(res.headers.get('allow')).toBe('GET, POST');
    expect(res.body).toMatchObject({ status: 405, detail: expect.stringContaining('DELETE') });

    const withId = await stack.api.call('PUT', `/api/v1/staff/${team.caseManager.id}`, team.admin.token, {
      fullName: 'Renamed',
    });
    expect(withId.status).toBe(405);
    expect(withId.headers.get('allow')).toBe('GET, PATCH');
    const staff = await stack.db.pool.query('SELECT full_name FROM staff WHERE id = $1', [
      team.caseManager.id,
    ]);
    expect(staff.rows[0].full_name).not.toBe('Renamed');
  });

  it('when a path is unknown, then it still answers 404', async () => {
    const team = await createTeam(stack.db.pool);
    expect((await stack.api.call('GET', '/api/v1/nothing-here', team.admin.token)).status).toBe(404);
    expect((await stack.api.call('GET', '/api/v1/cases/a/b/c/d', team.admin.token)).status).toBe(404);
  });

  it('when a staff member of any role asks GET /me, then they see who the token belongs to and no secrets', async () => {
    const team = await createTeam(stack.db.pool);
    const zoned = await createStaff(stack.db.pool, 'case_manager', {
      supervisorId: team.supervisor.id,
      timeZone: 'Europe/Lisbon',
    });
    for (const who of [team.admin, team.programManager, team.supervisor, team.caseManager, zoned]) {
      const res = await stack.api.call('GET', '/api/v1/me', who.token);
      expect(res.status).toBe(200);
      expect(res.body).toEqual({
        id: who.id,
        email: who.email,
        fullName: who.fullName,
        role: who.role,
        timeZone: who === zoned ? 'Europe/Lisbon' : 'UTC',
        supervisorId: who === zoned || who === team.caseManager ? team.supervisor.id : null,
      });
    }
    expect(Object.keys(doc.paths['/api/v1/me']!.get!.responses)).toEqual(
      expect.arrayContaining(['200', '401']),
    );
  });

  it('when GET /me has no valid token, then it answers 401', async () => {
    expect((await stack.api.call('GET', '/api/v1/me')).status).toBe(401);
    expect((await stack.api.call('GET', '/api/v1/me', 'cl_nope')).status).toBe(401);
  });
});
