import { execFileSync } from 'node:child_process';
import { Client, Connection } from '@temporalio/client';
import { createPool } from '../../src/db/pool';
import { startChangeRelay } from '../../src/domain/change-relay';
import { reconcile } from '../../src/domain/reconcile';
import { createCaseFactsReader } from '../../src/temporal/case-facts';
import { createCaseWorkflows } from '../../src/temporal/case-workflows';
import { undeliveredCount } from '../../src/domain/case-changes';
import { caseFactsQuery } from '../../src/workflows/messages';
import { startTestApi } from '../helpers/api';
import { DAY, HOUR, skipTo, startOn } from '../helpers/clock';
import { createCaseRow, createTeam } from '../helpers/fixtures';
import { sentMail } from '../helpers/mail-log';
import { settle } from '../helpers/settle';
import { startTestStack, type TestStack } from '../helpers/stack';

describe('case records through the API', () => {
  let stack: TestStack;
  let env: TestStack['env'];
  let db: TestStack['db'];
  let api: TestStack['api'];
  const taskQueue = 'records-test';

  beforeAll(async () => {
    stack = await startTestStack(taskQueue);
    ({ env, db, api } = stack);
  });
  afterAll(() => stack?.stop());

  const count = async (table: string) =>
    Number((await db.pool.query(`SELECT count(*) FROM ${table}`)).rows[0].count);

  async function openCase(team: Awaited<ReturnType<typeof createTeam>>, consent = true) {
    const res = await api.call('POST', '/api/v1/cases', team.caseManager.token, {
      programId: team.programId,
      caseManagerId: team.caseManager.id,
      client: { givenName: 'Rosa', familyName: 'Diaz', consentToShare: consent },
    });
    expect(res.status).toBe(201);
    return res.body as { id: string; reference: string; clientId: string };
  }

  it('when a case goes from intake to closure, then every step is recorded, the status follows, and the timeline tells it in order', async () => {
    const team = await createTeam(db.pool);
    const c = await openCase(team);
    const base = `/api/v1/cases/${c.id}`;
    const cm = team.caseManager.token;

    expect(
      (
        await api.call('POST', `${base}/plans`, cm, {
          goals: [
            {
              domain: 'housing',
              description: 'Find a flat',
              measure: 'Lease signed',
              targetDate: '2099-01-01',
            },
          ],
        })
      ).status,
    ).toBe(409);
    expect(
      (
        await api.call('POST', `${base}/assessments`, cm, {
          kind: 'initial',
          scores: { housing: 2, income: 3 },
          needs: ['housing'],
        })
      ).body.schedule.status,
    ).toBe('planning');

    const pastGoal = await api.call('POST', `${base}/plans`, cm, {
      goals: [{ domain: 'housing', description: 'x', measure: 'y', targetDate: '2001-01-01' }],
    });
    expect(pastGoal).toMatchObject({ status: 422, body: { errors: [{ field: 'body.goals.0.targetDate' }] } });

    const plan = await api.call('POST', `${base}/plans`, cm, {
      summary: 'Stabilise housing',
      goals: [
        { domain: 'housing', description: 'Find a flat', measure: 'Lease signed', targetDate: '2099-01-01' },
      ],
    });
    expect(plan.status).toBe(201);
    const planPath = `${base}/plans/${plan.body.planId}`;
    expect((await api.call('POST', `${planPath}/submit`, cm)).status).toBe(200);
    expect((await api.call('POST', `${planPath}/decision`, cm, { decision: 'approved' })).status).toBe(403);
    const approved = await api.call('POST', `${planPath}/decision`, team.supervisor.token, {
      decision: 'approved',
    });
    expect(approved.body.schedule.status).toBe('active');
    expect(
      (await api.call('POST', `${planPath}/decision`, team.supervisor.token, { decision: 'approved' }))
        .status,
    ).toBe(409);

    const goalId = plan.body.goalIds[0];
    expect(
      (
        await api.call('POST', `${base}/goals/${goalId}/progress`, cm, {
          status: 'in_progress',
          note: 'Viewed two flats',
        })
      ).status,
    ).toBe(201);

    const provider = await api.call('POST', '/api/v1/providers', team.admin.token, {
      organisation: 'Shelter Co',
      services: ['housing'],
      contactEmail: 'intake@shelter.test',
    });
    const closed = await api.call('POST', '/api/v1/providers', team.admin.token, {
      organisation: 'Gone Ltd',
      services: ['housing'],
      contactEmail: 'x@gone.test',
    });
    await api.call('PATCH', `/api/v1/providers/${closed.body.id}`, team.admin.token, { active: false });
    expect(
      (
        await api.call('POST', `${base}/referrals`, cm, {
          providerId: closed.body.id,
          service: 'housing',
          reason: 'r',
        })
      ).status,
    ).toBe(422);
    const referral = await api.call('POST', `${base}/referrals`, cm, {
      providerId: provider.body.id,
      service: 'Emergency housing',
      reason: 'Eviction notice',
    });
    expect(referral.status).toBe(201);
    const refPath = `${base}/referrals/${referral.body.id}/updates`;
    expect((await api.call('POST', refPath, cm, { status: 'accepted' })).status).toBe(201);
    expect((await api.call('POST', refPath, cm, { status: 'completed' })).status).toBe(201);
    expect((await api.call('POST', refPath, cm, { status: 'declined' })).status).toBe(409);

    const note = await api.call('POST', `${base}/notes`, cm, { type: 'contact', body: 'Phoned the client.' });
    expect(note.status).toBe(201);
    expect(
      (
        await api.call('POST', `${base}/notes`, cm, {
          type: 'contact',
          body: 'Phoned the client at 10:00.',
          amendsNoteId: note.body.id,
        })
      ).status,
    ).toBe(201);
    await expect(
      db.pool.query('UPDATE case_notes SET body = $1 WHERE id = $2', ['x', note.body.id]),
    ).rejects.toThrow(/permission denied|append-only/);
    const notes = await api.call('GET', `${base}/notes`, team.supervisor.token);
    expect(notes.body.items.map((n: any) => n.amendsNoteId)).toEqual([null, note.body.id]);

    expect(
      (await api.call('POST', `${base}/hold`, cm, { reason: 'Client in hospital' })).body.schedule.status,
    ).toBe('on_hold');
    expect((await api.call('POST', `${base}/hold`, cm, { reason: 'again' })).status).toBe(409);
    expect((await api.call('POST', `${base}/resume`, cm)).body.schedule.status).toBe('active');

    expect(
      (await api.call('POST', `${base}/closure`, cm, { reason: 'goals_met', summary: 'Housed and stable.' }))
        .body.schedule.status,
    ).toBe('closing');
    expect((await api.call('POST', `${base}/closure/decision`, cm, { decision: 'approved' })).status).toBe(
      403,
    );
    expect(
      (await api.call('POST', `${base}/closure/decision`, team.supervisor.token, { decision: 'approved' }))
        .body.schedule.status,
    ).toBe('closed');
    expect(
      (await api.call('POST', `${base}/closure`, cm, { reason: 'again', summary: 'again' })).status,
    ).toBe(409);
    expect((await api.call('POST', `${base}/notes`, cm, { type: 'contact', body: 'late' })).status).toBe(409);
    const result = await env.client.workflow.getHandle(`case-${c.id}`).result();
    expect(result).toEqual({ outcome: 'closed' });
    // Awaiting a result lets the time-skipping server jump ahead (years); a sleep makes the API's
    // clock follow it again (see followServerClock), so later cases open at the workflows' "now".
    await env.sleep(1);

    const reopened = await api.call('POST', `${base}/reopen`, team.supervisor.token);
    expect(reopened).toMatchObject({ status: 200, body: { status: 'assessment', closedAt: null } });
    expect((await env.client.workflow.getHandle(`case-${c.id}`).describe()).status.name).toBe('RUNNING');

    const timeline = await api.call('GET', `${base}/timeline`, cm);
    const kinds = timeline.body.items.map((i: any) => i.kind);
    for (const k of [
      'case.create',
      'assessment',
      'plan.created',
      'plan.submitted',
      'plan.decided',
      'goal.progress',
      'referral.sent',
      'referral.accepted',
      'referral.completed',
      'note.contact',
      'case.hold',
      'case.resume',
      'case.closure_requested',
      'case.closure_approved',
      'case.reopen',
    ]) {
      expect(kinds).toContain(k);
    }
    const times = timeline.body.items.map((i: any) => Date.parse(i.at));
    expect([...times].sort((a, b) => a - b)).toEqual(times);
  });

  it('when an assessment breaks a rule of the case or program, then a clear 4xx and nothing is recorded', async () => {
    const team = await createTeam(db.pool);
    await db.pool.query('UPDATE programs SET forbid_assessment_on_hold = true WHERE id = $1', [
      team.programId,
    ]);
    const c = await openCase(team);
    const base = `/api/v1/cases/${c.id}`;
    const cm = team.caseManager.token;
    const before = await count('assessments');

    const unknownDomain = await api.call('POST', `${base}/assessments`, cm, {
      kind: 'initial',
      scores: { astrology: 3 },
    });
    expect(unknownDomain).toMatchObject({
      status: 422,
      body: { errors: [{ field: 'body.scores.astrology' }] },
    });
    const outOfRange = await api.call('POST', `${base}/assessments`, cm, {
      kind: 'initial',
      scores: { housing: 9 },
    });
    expect(outOfRange).toMatchObject({ status: 400, body: { errors: [{ field: 'body.scores.housing' }] } });
    const future = await api.call('POST', `${base}/assessments`, cm, {
      kind: 'initial',
      scores: { housing: 3 },
      completedAt: '2999-01-01T00:00:00Z',
    });
    expect(future.status).toBe(422);

    await api.call('POST', `${base}/hold`, cm, { reason: 'Client unreachable' });
    expect(
      (await api.call('POST', `${base}/assessments`, cm, { kind: 'initial', scores: { housing: 3 } })).status,
    ).toBe(409);
    await api.call('POST', `${base}/resume`, cm);
    expect(
      (await api.call('POST', `${base}/assessments`, cm, { kind: 'initial', scores: { housing: 3 } })).status,
    ).toBe(201);
    expect(
      (await api.call('POST', `${base}/assessments`, cm, { kind: 'initial', scores: { housing: 3 } })).status,
    ).toBe(409);
    expect(await count('assessments')).toBe(before + 1);
  });

  it('when an operator runs npm run token for a staff email, then the printed token authenticates as that person', async () => {
    const team = await createTeam(db.pool);
    const token = execFileSync(
      process.execPath,
      ['--import', 'tsx', 'src/cli/token.ts', team.supervisor.email],
      {
        env: { ...process.env, DATABASE_URL: db.url },
        encoding: 'utf8',
      },
    ).trim();
    expect(token).toMatch(/^cl_/);
    const me = await api.call('GET', `/api/v1/staff/${team.supervisor.id}`, token);
    expect(me).toMatchObject({ status: 200, body: { email: team.supervisor.email } });
  });

  it("when a case's workflow is no longer running, then a change is recorded and answered 202 pending, later changes wait (503), and reconciliation restarts the run and delivers it", async () => {
    const team = await createTeam(db.pool);
    const c = await openCase(team);
    // Ended once settled: a run terminated with its first activity in flight leaves the time-skipping
    // server unable to skip time, and later scenarios in this file skip weeks.
    await settle(stack, c.id);
    await env.client.workflow.getHandle(`case-${c.id}`).terminate('test: operator ended it');
    const before = await count('case_notes');
    const res = await api.call('POST', `/api/v1/cases/${c.id}/notes`, team.caseManager.token, {
      type: 'contact',
      body: 'Called.',
    });
    // The record is the arbiter: the note is kept, and the case says its clock has not got it yet.
    expect(res).toMatchObject({ status: 202, body: { pending: true, body: 'Called.' } });
    expect(await count('case_notes')).toBe(before + 1);
    const view = await api.call('GET', `/api/v1/cases/${c.id}`, team.caseManager.token);
    expect(view.body.pendingChanges).toBe(1);
    // Nothing more is accepted on top of a change that has not arrived.
    const next = await api.call('POST', `/api/v1/cases/${c.id}/notes`, team.caseManager.token, {
      type: 'contact',
      body: 'Called again.',
    });
    expect(next).toMatchObject({ status: 503, body: { detail: expect.stringMatching(/earlier change/) } });
    expect(next.headers.get('retry-after')).toBe('5');
    expect(await count('case_notes')).toBe(before + 1);

    const workflows = createCaseWorkflows(env.client, taskQueue);
    const repaired = await reconcile(
      { pool: db.pool, workflows, facts: createCaseFactsReader(env.client) },
      { repair: true },
    );
    expect(repaired.differences.filter((d) => d.caseId === c.id)).toMatchObject([
      { field: 'status', repaired: true },
    ]);
    const after = await api.call('GET', `/api/v1/cases/${c.id}`, team.caseManager.token);
    expect(after.body.pendingChanges).toBe(0);
    expect((await env.client.workflow.getHandle(`case-${c.id}`).describe()).status.name).toBe('RUNNING');
  });

  it('when a PATCH sends one field, then every other field keeps its value', async () => {
    const team = await createTeam(db.pool);
    const staff = await api.call('POST', '/api/v1/staff', team.admin.token, {
      email: `patch-${team.admin.id}@t.local`,
      fullName: 'Pat Field',
      role: 'case_manager',
      timeZone: 'America/Chicago',
      notificationPreference: 'daily_digest',
    });
    const patched = await api.call('PATCH', `/api/v1/staff/${staff.body.id}`, team.admin.token, {
      fullName: 'Pat Fields',
    });
    expect(patched.body).toMatchObject({
      fullName: 'Pat Fields',
      timeZone: 'America/Chicago',
      notificationPreference: 'daily_digest',
    });

    await db.pool.query(
      `UPDATE programs SET time_zone = 'Europe/Paris', holidays = '{2027-07-14}' WHERE id = $1`,
      [team.programId],
    );
    const program = await api.call('PATCH', `/api/v1/programs/${team.programId}`, team.programManager.token, {
      name: `Renamed ${team.programId}`,
    });
    expect(program.body).toMatchObject({ timeZone: 'Europe/Paris', holidays: ['2027-07-14'] });

    const provider = await api.call('POST', '/api/v1/providers', team.admin.token, {
      organisation: 'Lingua',
      services: ['interpreting'],
      contactEmail: 'hi@lingua.test',
      languages: ['fr', 'ar'],
      eligibilityNotes: 'All ages.',
    });
    const renamed = await api.call('PATCH', `/api/v1/providers/${provider.body.id}`, team.admin.token, {
      organisation: 'Lingua Ltd',
    });
    expect(renamed.body).toMatchObject({
      organisation: 'Lingua Ltd',
      languages: ['fr', 'ar'],
      eligibilityNotes: 'All ages.',
    });
  });

  it('when cases are listed, then filters apply and the cursor walks every page exactly once', async () => {
    const team = await createTeam(db.pool);
    const ids = [];
    for (let i = 0; i < 5; i++) ids.push((await openCase(team)).id);
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page: any = await api.call(
        'GET',
        `/api/v1/cases?caseManagerId=${team.caseManager.id}&limit=2${cursor ? `&cursor=${cursor}` : ''}`,
        team.supervisor.token,
      );
      expect(page.status).toBe(200);
      seen.push(...page.body.items.map((c: any) => c.id));
      cursor = page.body.nextCursor;
    } while (cursor);
    expect(seen.sort()).toEqual([...ids].sort());
    expect(
      (await api.call('GET', `/api/v1/cases?programId=${team.programId}&status=closed`, team.admin.token))
        .body.items,
    ).toEqual([]);
    expect((await api.call('GET', '/api/v1/cases?cursor=bogus', team.admin.token)).status).toBe(422);
    expect((await api.call('GET', '/api/v1/cases?cursor=%25%25', team.admin.token)).status).toBe(400);
    expect((await api.call('GET', '/api/v1/cases?limit=1000', team.admin.token)).status).toBe(400);
  });

  it("when a supervisor lists cases, then their team's and those they carry come once each, newest first, and no other team's", async () => {
    const team = await createTeam(db.pool);
    const other = await createTeam(db.pool);
    const teamCase = await createCaseRow(db.pool, team);
    // Cases the supervisor carries themselves: one under the program manager, one under themselves.
    const carried = await createCaseRow(db.pool, {
      programId: team.programId,
      caseManager: team.supervisor,
      supervisor: team.programManager,
    });
    const carriedAndSupervised = await createCaseRow(db.pool, {
      programId: team.programId,
      caseManager: team.supervisor,
      supervisor: team.supervisor,
    });
    await createCaseRow(db.pool, other);
    const newest = await createCaseRow(db.pool, team);
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page: any = await api.call(
        'GET',
        `/api/v1/cases?limit=2${cursor ? `&cursor=${cursor}` : ''}`,
        team.supervisor.token,
      );
      expect(page.status).toBe(200);
      seen.push(...page.body.items.map((c: any) => c.id));
      cursor = page.body.nextCursor;
    } while (cursor);
    expect(seen).toEqual([newest.id, carriedAndSupervised.id, carried.id, teamCase.id]);
    const onePage: any = await api.call('GET', '/api/v1/cases?limit=25', team.supervisor.token);
    expect(onePage.body.items.map((c: any) => c.id)).toEqual(seen);
    const numbered: any = await api.call(
      'GET',
      '/api/v1/cases?sort=reference&limit=25',
      team.supervisor.token,
    );
    expect(numbered.body.page.total).toBe(4);
  });

  it('when cases share a millisecond, then the cursor walks every case exactly once at every page size', async () => {
    const team = await createTeam(db.pool);
    const ids: string[] = [];
    for (let i = 0; i < 7; i++) ids.push((await createCaseRow(db.pool, team)).id);
    // Intakes in a burst: one millisecond, microseconds apart (PostgreSQL keeps microseconds).
    await db.pool.query(
      `UPDATE cases SET created_at = '2026-11-30T10:00:00.123Z'::timestamptz + (ord * interval '1 microsecond')
         FROM unnest($1::uuid[]) WITH ORDINALITY AS t(id, ord) WHERE cases.id = t.id`,
      [ids],
    );
    for (let limit = 1; limit <= ids.length; limit++) {
      const seen: string[] = [];
      let cursor: string | null = null;
      do {
        const page: any = await api.call(
          'GET',
          `/api/v1/cases?programId=${team.programId}&limit=${limit}${cursor ? `&cursor=${cursor}` : ''}`,
          team.admin.token,
        );
        expect(page.status).toBe(200);
        seen.push(...page.body.items.map((c: any) => c.id));
        cursor = page.body.nextCursor;
      } while (cursor);
      // Newest first, each case once, none lost between pages.
      expect({ limit, seen }).toEqual({ limit, seen: [...ids].reverse() });
    }
  });

  it('when a POST is retried with the same Idempotency-Key, then the first result comes back and nothing new is created', async () => {
    const team = await createTeam(db.pool);
    const body = {
      programId: team.programId,
      caseManagerId: team.caseManager.id,
      client: { givenName: 'Idem', familyName: 'Potent' },
    };
    const headers = { 'idempotency-key': `intake-${team.caseManager.id}` };
    const first = await api.call('POST', '/api/v1/cases', team.caseManager.token, body, headers);
    const before = await count('cases');
    const again = await api.call('POST', '/api/v1/cases', team.caseManager.token, body, headers);
    expect(again.status).toBe(201);
    expect(again.body).toEqual(first.body);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(await count('cases')).toBe(before);
    const different = await api.call(
      'POST',
      '/api/v1/cases',
      team.caseManager.token,
      { ...body, riskLevel: 'high' },
      headers,
    );
    expect(different.status).toBe(422);
  });

  it('when a staff member with open cases is deactivated, then it is refused until someone takes them over; then all move at once, each workflow knows the successor and later reminders go to them', async () => {
    const team = await createTeam(db.pool);
    const t0 = await startOn(env, 'Mon', '10:00');
    const c1 = await openCase(team);
    const c2 = await openCase(team);
    const successor = await api.call('POST', '/api/v1/staff', team.admin.token, {
      email: `succ-${c1.id}@t.local`,
      fullName: 'Successor',
      role: 'case_manager',
      supervisorId: team.supervisor.id,
    });
    expect(successor.status).toBe(201);
    const facts = (c: { id: string }) => env.client.workflow.getHandle(`case-${c.id}`).query(caseFactsQuery);
    const refused = await api.call(
      'POST',
      `/api/v1/staff/${team.caseManager.id}/deactivate`,
      team.admin.token,
      {},
    );
    expect(refused.status).toBe(409);
    expect(await facts(c1)).toMatchObject({ caseManagerId: team.caseManager.id });

    const done = await api.call('POST', `/api/v1/staff/${team.caseManager.id}/deactivate`, team.admin.token, {
      caseManagerId: successor.body.id,
    });
    // Both hand-overs reached their workflows within the request.
    expect(done).toMatchObject({
      status: 200,
      body: { movedCases: 2, staff: { active: false }, delivery: { cases: 2, pending: 0 } },
    });
    for (const c of [c1, c2]) {
      expect(await facts(c)).toMatchObject({
        status: 'assessment',
        caseManagerId: successor.body.id,
        supervisorId: team.supervisor.id,
      });
      expect(
        (await db.pool.query('SELECT case_manager_id FROM cases WHERE id = $1', [c.id])).rows[0]
          .case_manager_id,
      ).toBe(successor.body.id);
      expect(await undeliveredCount(db.pool, c.id)).toBe(0);
    }
    expect((await api.call('GET', '/api/v1/staff', team.caseManager.token)).status).toBe(401);

    // The first reminder of each case, the assessment heads-up on day 11, goes to the successor.
    await skipTo(env, t0 + 11 * DAY + HOUR);
    for (const c of [c1, c2]) {
      expect(sentMail(stack.smtp, c.id, t0).map((m) => `${m.when} ${m.to}`)).toEqual([
        `d11 Fri 10:00 ${successor.body.email}`,
      ]);
    }
  });

  it('when Temporal is unreachable, then intake answers 202 within seconds with the case recorded, and the relay starts its workflow once Temporal answers', async () => {
    const team = await createTeam(db.pool);
    const dead = new Client({
      // Nothing listens on port 1; no retry interceptor, so the outage surfaces at once.
      connection: Connection.lazy({ address: '127.0.0.1:1', interceptors: [] }),
    });
    const deadApi = await startTestApi(db.pool, dead, taskQueue);
    try {
      const started = Date.now();
      const res = await deadApi.call('POST', '/api/v1/cases', team.admin.token, {
        programId: team.programId,
        caseManagerId: team.caseManager.id,
        client: { givenName: 'No', familyName: 'Temporal' },
      });
      expect(res).toMatchObject({ status: 202, body: { pending: true, status: 'assessment' } });
      expect(Date.now() - started).toBeLessThan(8_000);
      expect(res.headers.get('location')).toBe(`/api/v1/cases/${res.body.id}`);
      // Reads need only PostgreSQL: the case is there, its change waiting.
      const seen = await deadApi.call('GET', `/api/v1/cases/${res.body.id}`, team.admin.token);
      expect(seen.body).toMatchObject({ pendingChanges: 1, schedule: null });

      const relay = startChangeRelay(
        { pool: db.pool, workflows: createCaseWorkflows(env.client, taskQueue) },
        { graceMs: 0 },
      );
      const pending = async () =>
        (await api.call('GET', `/api/v1/cases/${res.body.id}`, team.admin.token)).body.pendingChanges;
      try {
        // The failed attempt backs the case off for a couple of seconds; then a round delivers it.
        for (let round = 0; round < 20 && (await pending()) > 0; round++) {
          await relay.round();
          await new Promise((r) => setTimeout(r, 500));
        }
      } finally {
        await relay.stop();
      }
      expect((await env.client.workflow.getHandle(`case-${res.body.id}`).describe()).status.name).toBe(
        'RUNNING',
      );
      expect(await pending()).toBe(0);
    } finally {
      await deadApi.close();
    }
  });

  it('when PostgreSQL is unreachable, then requests answer 503', async () => {
    const team = await createTeam(db.pool);
    const deadPool = createPool('postgres://nobody:x@127.0.0.1:1/none');
    const deadApi = await startTestApi(deadPool, env.client, taskQueue);
    try {
      const res = await deadApi.call('GET', '/api/v1/cases', team.admin.token);
      expect(res.status).toBe(503);
      expect((await deadApi.call('GET', '/readyz')).status).toBe(503);
    } finally {
      await deadApi.close();
      await deadPool.end();
    }
  });
});
