import { randomBytes } from 'node:crypto';
import { problemFromDatabase } from '../../src/api/pg-errors';
import { DEFAULT_POLICY } from '../../src/core/policy';
import { caseSteps } from '../helpers/case-steps';
import { createTeam } from '../helpers/fixtures';
import { signedInAs } from '../helpers/sessions';
import { startTestStack, type TestStack } from '../helpers/stack';

/**
 * Inputs that once answered 500 (issue 12): each is now a clear 4xx problem naming the field,
 * and changes nothing.
 */
const uniq = (): string => randomBytes(4).toString('hex');
const fields = (body: Record<string, any>): string[] =>
  ((body.errors ?? []) as { field: string }[]).map((e) => e.field);

describe('never a 500', () => {
  let stack: TestStack;
  let team: Awaited<ReturnType<typeof createTeam>>;
  beforeAll(async () => {
    stack = await startTestStack('never-500-test');
    team = await createTeam(stack.db.pool);
  });
  afterAll(() => stack?.stop());

  const call = (method: string, path: string, body?: unknown, token = team.admin.token) =>
    stack.api.call(method, `/api/v1${path}`, token, body);

  describe('unique names and emails', () => {
    it('when a program is renamed to a name another program has, then 409 names body.name and the name stays', async () => {
      const taken = `Taken ${uniq()}`;
      const other = await call('POST', '/programs', { name: taken, policy: DEFAULT_POLICY });
      expect(other.status).toBe(201);
      const res = await call('PATCH', `/programs/${team.programId}`, { name: taken });
      expect(res.status).toBe(409);
      expect(res.type).toContain('application/problem+json');
      expect(fields(res.body)).toEqual(['body.name']);
      const after = await call('GET', `/programs/${team.programId}`);
      expect(after.body.name).not.toBe(taken);
    });

    it('when a staff member is given an email someone else uses (any case), then 409 names body.email and nothing changes', async () => {
      const res = await call('PATCH', `/staff/${team.caseManager.id}`, {
        email: team.supervisor.email.toUpperCase(),
      });
      expect(res.status).toBe(409);
      expect(fields(res.body)).toEqual(['body.email']);
      expect((await call('GET', `/staff/${team.caseManager.id}`)).body.email).toBe(team.caseManager.email);
    });

    it('when 10 requests add staff with one email at once, then exactly one is created and nine answer 409 naming body.email', async () => {
      const email = `race.${uniq()}@test.caseloop.local`;
      const results = await Promise.all(
        Array.from({ length: 10 }, (_, i) =>
          call('POST', '/staff', { email, fullName: `Racer ${i}`, role: 'case_manager' }),
        ),
      );
      const statuses = results.map((r) => r.status).sort();
      expect(statuses).toEqual([201, 409, 409, 409, 409, 409, 409, 409, 409, 409]);
      for (const r of results.filter((x) => x.status === 409)) expect(fields(r.body)).toEqual(['body.email']);
      const rows = await stack.db.pool.query('SELECT 1 FROM staff WHERE lower(email) = lower($1)', [email]);
      expect(rows.rowCount).toBe(1);
    });

    it('when 10 requests create programs with one name at once, then exactly one is created and nine answer 409 naming body.name', async () => {
      const name = `Race ${uniq()}`;
      const results = await Promise.all(
        Array.from({ length: 10 }, () => call('POST', '/programs', { name, policy: DEFAULT_POLICY })),
      );
      expect(results.map((r) => r.status).sort()).toEqual([201, 409, 409, 409, 409, 409, 409, 409, 409, 409]);
      for (const r of results.filter((x) => x.status === 409)) expect(fields(r.body)).toEqual(['body.name']);
    });

    it('when 5 policy changes arrive at once, then each answers 200 or 409 (retry) and the versions stay contiguous', async () => {
      const programId = (
        await call('POST', '/programs', { name: `Policy race ${uniq()}`, policy: DEFAULT_POLICY })
      ).body.id as string;
      const results = await Promise.all(
        Array.from({ length: 5 }, (_, i) =>
          call('PUT', `/programs/${programId}/policy`, {
            ...DEFAULT_POLICY,
            ladder: { ...DEFAULT_POLICY.ladder, overdueRepeatLimit: i + 1 },
          }),
        ),
      );
      for (const r of results) expect([200, 409]).toContain(r.status);
      const conflicts = results.filter((r) => r.status === 409);
      for (const r of conflicts) expect(r.body.detail).toMatch(/concurrently.*retry/i);
      const ok = results.filter((r) => r.status === 200).length;
      expect(ok).toBeGreaterThanOrEqual(1);
      const versions = (
        await stack.db.pool.query<{ version: number }>(
          'SELECT version FROM program_policies WHERE program_id = $1 ORDER BY version',
          [programId],
        )
      ).rows.map((r) => r.version);
      expect(versions).toEqual(Array.from({ length: ok + 1 }, (_, i) => i + 1));
    });
  });

  describe('NUL characters', () => {
    it('when a text field in a body holds U+0000, then 400 names that field and nothing is written', async () => {
      const before = (await stack.db.pool.query('SELECT count(*) FROM providers')).rows[0].count;
      const res = await call('POST', '/providers', {
        organisation: 'Harbour\u0000House',
        services: ['housing'],
        contactEmail: 'intake@harbour.test',
      });
      expect(res.status).toBe(400);
      expect(fields(res.body)).toContain('body.organisation');
      expect((await stack.db.pool.query('SELECT count(*) FROM providers')).rows[0].count).toBe(before);
    });

    it('when a nested text field or array item holds U+0000, then 400 names its path', async () => {
      const res = await call('POST', '/providers', {
        organisation: 'Harbour House',
        services: ['housing', 'food\u0000bank'],
        contactEmail: 'intake@harbour.test',
        eligibilityNotes: 'none\u0000',
      });
      expect(res.status).toBe(400);
      expect(fields(res.body)).toEqual(expect.arrayContaining(['body.services.1', 'body.eligibilityNotes']));
    });

    it('when a query parameter holds U+0000, then 400 names it', async () => {
      const res = await call('GET', '/clients?name=Ri%00vera');
      expect(res.status).toBe(400);
      expect(fields(res.body)).toEqual(['query.name']);
      const providers = await call('GET', '/providers?service=hou%00sing');
      expect(providers.status).toBe(400);
      expect(fields(providers.body)).toEqual(['query.service']);
    });

    it('when PostgreSQL itself refuses a NUL, then the error maps to 400, not 500', async () => {
      const err = await stack.db.pool.query('SELECT $1::text', ['a\u0000b']).catch((e: unknown) => e);
      const problem = problemFromDatabase(err);
      expect(problem?.status).toBe(400);
      const jsonb = await stack.db.pool.query(`SELECT '"a\\u0000b"'::jsonb ->> 0`).catch((e: unknown) => e);
      expect(problemFromDatabase(jsonb)?.status).toBe(400);
    });
  });

  describe('pagination cursors', () => {
    const forge = (v: unknown): string => Buffer.from(JSON.stringify(v)).toString('base64url');
    it.each([
      [
        'a far-future time',
        forge({ t: '+275760-09-13T00:00:00.000Z', id: '00000000-0000-0000-0000-000000000000' }),
      ],
      ['a year-zero time', forge({ t: '0000-01-01T00:00:00Z', id: '00000000-0000-0000-0000-000000000000' })],
      [
        'dashes for an id',
        forge({ t: '2026-01-01T00:00:00.000Z', id: '------------------------------------' }),
      ],
      [
        'an impossible date',
        forge({ t: '2026-02-31T00:00:00.000Z', id: '00000000-0000-0000-0000-000000000000' }),
      ],
      [
        'extra fields',
        forge({ t: '2026-01-01T00:00:00.000Z', id: '00000000-0000-0000-0000-000000000000', x: 1 }),
      ],
      ['an array', forge(['2026-01-01T00:00:00.000Z'])],
      ['null', forge(null)],
    ])('when the cursor is forged with %s, then 422 names query.cursor', async (_what, cursor) => {
      const res = await call(
        'GET',
        `/cases?cursor=${encodeURIComponent(cursor)}`,
        undefined,
        team.caseManager.token,
      );
      expect(res.status).toBe(422);
      expect(fields(res.body)).toEqual(['query.cursor']);
    });

    it('when the cursor is not even base64url, then 400 names query.cursor', async () => {
      const res = await call(
        'GET',
        `/cases?cursor=${encodeURIComponent('%%%%')}`,
        undefined,
        team.caseManager.token,
      );
      expect(res.status).toBe(400);
      expect(fields(res.body)).toEqual(['query.cursor']);
    });
  });

  describe('policy values that make no sense', () => {
    const put = (patch: Record<string, unknown>, ladder: Record<string, unknown> = {}) =>
      call('PUT', `/programs/${team.programId}/policy`, {
        ...DEFAULT_POLICY,
        ...patch,
        ladder: { ...DEFAULT_POLICY.ladder, ...ladder },
      });
    const version = async (): Promise<number> =>
      (await call('GET', `/programs/${team.programId}`)).body.policyVersion as number;

    it('when overdueEvery is PT0M, then 422 names body.ladder.overdueEvery and the policy stays', async () => {
      const v = await version();
      const res = await put({}, { overdueEvery: 'PT0M' });
      expect(res.status).toBe(422);
      expect(fields(res.body)).toEqual(['body.ladder.overdueEvery']);
      expect(await version()).toBe(v);
    });

    it('when overdueEvery is under a minute, then 422', async () => {
      const res = await put({}, { overdueEvery: 'PT30S' });
      expect(res.status).toBe(422);
      expect(fields(res.body)).toEqual(['body.ladder.overdueEvery']);
    });

    it('when initialAssessmentDue is P300000Y, then 422 names it and the policy stays', async () => {
      const v = await version();
      const res = await put({ initialAssessmentDue: 'P300000Y' });
      expect(res.status).toBe(422);
      expect(fields(res.body)).toEqual(['body.initialAssessmentDue']);
      expect(await version()).toBe(v);
    });

    it('when a duration has more digits than any horizon needs, then it is refused naming the field', async () => {
      const res = await put({ servicePlanDue: `P${'9'.repeat(40)}D` });
      expect([400, 422]).toContain(res.status);
      expect(fields(res.body)).toEqual(['body.servicePlanDue']);
    });

    it('when a due duration or a reassessment interval is zero, then 422 names it', async () => {
      const zeroDue = await put({ planApprovalDue: 'P0D' });
      expect(zeroDue.status).toBe(422);
      expect(fields(zeroDue.body)).toEqual(['body.planApprovalDue']);
      const zeroEvery = await put({
        reassessmentEvery: { ...DEFAULT_POLICY.reassessmentEvery, high: 'PT0S' },
      });
      expect(zeroEvery.status).toBe(422);
      expect(fields(zeroEvery.body)).toEqual(['body.reassessmentEvery.high']);
    });

    it('when a duration is beyond ten years, then 422; exactly ten years is accepted', async () => {
      const tooFar = await put({}, { escalateToSupervisorAfter: 'P10Y1D' });
      expect(tooFar.status).toBe(422);
      expect(fields(tooFar.body)).toEqual(['body.ladder.escalateToSupervisorAfter']);
      expect(
        (await put({ reassessmentEvery: { ...DEFAULT_POLICY.reassessmentEvery, low: 'P10Y' } })).status,
      ).toBe(200);
    });

    it('when a new program carries a nonsensical policy, then 422 names body.policy.<field> and no program is made', async () => {
      const name = `Bad policy ${uniq()}`;
      const res = await call('POST', '/programs', {
        name,
        policy: { ...DEFAULT_POLICY, ladder: { ...DEFAULT_POLICY.ladder, overdueEvery: 'PT0M' } },
      });
      expect(res.status).toBe(422);
      expect(fields(res.body)).toEqual(['body.policy.ladder.overdueEvery']);
      expect((await stack.db.pool.query('SELECT 1 FROM programs WHERE name = $1', [name])).rowCount).toBe(0);
    });
  });

  describe('a policy stored before the checks', () => {
    it('when a program already holds P300000Y and PT0M, then its cases still start, schedule and take notes', async () => {
      const legacy = await createTeam(stack.db.pool, {
        ...DEFAULT_POLICY,
        initialAssessmentDue: 'P300000Y',
        ladder: { ...DEFAULT_POLICY.ladder, overdueEvery: 'PT0M' },
      });
      const { base } = await caseSteps(stack.api).intake(legacy);
      const view = await stack.api.call('GET', base, legacy.caseManager.token);
      expect(view.status).toBe(200);
      expect(view.body.scheduleError).toBeUndefined();
      const due = (view.body.schedule.obligations as { kind: string; dueAt: string }[]).find(
        (o) => o.kind === 'initial_assessment',
      );
      expect(due?.dueAt).toBe('9999-01-01T00:00:00.000Z');
      const note = await stack.api.call('POST', `${base}/notes`, legacy.caseManager.token, {
        type: 'contact',
        body: 'Called the client.',
      });
      expect(note.status).toBe(201);
    });
  });

  describe('staff pages', () => {
    const page = (path: string, init: RequestInit = {}) =>
      fetch(`${stack.api.base}${path}`, { redirect: 'manual', ...init });

    it('when the session cookie is malformed, then the page treats the visitor as signed out', async () => {
      for (const cookie of ['caseloop_session=%E0%A4%A', 'caseloop_session=%', 'caseloop_session=a%00b']) {
        const res = await page('/escalations', { headers: { cookie } });
        expect(res.status).toBe(303);
        expect(res.headers.get('location')).toMatch(/^\/sign-in\?next=/);
      }
    });

    it('when the sign-in form repeats a field, then 400 and no session is set', async () => {
      for (const body of [
        `email=${team.admin.email}&email=${team.admin.email}&password=x`,
        `email=${team.admin.email}&password=x&next=/a&next=/b`,
      ]) {
        const res = await page('/sign-in', {
          method: 'POST',
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          body,
        });
        expect(res.status).toBe(400);
        expect(res.headers.get('set-cookie')).toBeNull();
        expect(await res.text()).toMatch(/email|next/);
      }
    });

    it('when a staff page is asked for an id that is not a UUID, then it answers 404, not 500', async () => {
      const { cookie } = await signedInAs(stack.db.pool, team.admin, { now: stack.clock() });
      expect((await page('/cases/not-a-uuid', { headers: { cookie } })).status).toBe(404);
      const ack = await page('/escalations/not-a-uuid/acknowledge', { method: 'POST', headers: { cookie } });
      expect(ack.status).toBe(404);
    });
  });
});
