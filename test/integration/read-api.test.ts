import { caseSteps } from '../helpers/case-steps';
import { createProvider, createTeam } from '../helpers/fixtures';
import { startTestStack, type TestStack } from '../helpers/stack';

/**
 * Reading a case's records back: what a case manager and supervisor recorded through the API is
 * exactly what the read endpoints return, with its history in order; staff who may not see the
 * case are told it does not exist; every read is in the audit log.
 */
describe('the read API', () => {
  let stack: TestStack;
  let api: TestStack['api'];
  let db: TestStack['db'];

  beforeAll(async () => {
    stack = await startTestStack('read-api-test');
    ({ api, db } = stack);
  });
  afterAll(() => stack?.stop());

  type Team = Awaited<ReturnType<typeof createTeam>>;

  /** A request that must succeed; its body is returned. */
  async function ok(status: number, method: string, path: string, token: string, body?: unknown) {
    const res = await api.call(method, path, token, body);
    if (res.status !== status)
      throw new Error(`${method} ${path} answered ${res.status}: ${JSON.stringify(res.body)}`);
    return res.body;
  }

  /** A case taken through a week's work: assessment, a plan returned then approved, progress, a referral, notes, a closure request returned. */
  async function workedCase(team: Team) {
    const steps = caseSteps(api);
    const { caseId, base } = await steps.intake(team);
    const cm = team.caseManager.token;
    const sup = team.supervisor.token;
    const assessment = await ok(201, 'POST', `${base}/assessments`, cm, {
      kind: 'initial',
      scores: { housing: 2, income: 3 },
      needs: ['Stable housing'],
      summary: 'Facing eviction.',
    });
    const reassessment = await ok(201, 'POST', `${base}/assessments`, cm, {
      kind: 'reassessment',
      scores: { housing: 4 },
    });
    const draft = await ok(201, 'POST', `${base}/plans`, cm, {
      summary: 'Stabilise housing',
      goals: [
        {
          domain: 'housing',
          description: 'Stable tenancy',
          measure: 'Lease signed',
          baseline: 'No tenancy',
          target: 'Lease signed for 12 months',
          targetDate: '2099-01-01',
        },
        {
          domain: 'income',
          description: 'Claim benefits',
          measure: 'Award letter',
          targetDate: '2099-02-01',
        },
      ],
    });
    const planPath = `${base}/plans/${draft.planId}`;
    await ok(200, 'POST', `${planPath}/submit`, cm);
    await ok(200, 'POST', `${planPath}/decision`, sup, {
      decision: 'returned',
      note: 'Add a date for the lease.',
    });
    await ok(200, 'POST', `${planPath}/submit`, cm);
    await ok(200, 'POST', `${planPath}/decision`, sup, { decision: 'approved', note: 'Good.' });
    const [housingGoal, incomeGoal] = draft.goalIds as string[];
    await ok(201, 'POST', `${base}/goals/${housingGoal}/progress`, cm, {
      status: 'in_progress',
      note: 'Viewed a flat',
    });
    await ok(201, 'POST', `${base}/goals/${housingGoal}/progress`, cm, {
      status: 'achieved',
      note: 'Lease signed',
    });
    const provider = await createProvider(db.pool);
    const referral = await ok(201, 'POST', `${base}/referrals`, cm, {
      providerId: provider.id,
      service: 'Emergency housing',
      reason: 'Eviction notice',
    });
    await ok(201, 'POST', `${base}/referrals/${referral.id}/updates`, cm, {
      status: 'accepted',
      note: 'Call back Monday',
    });
    await ok(201, 'POST', `${base}/referrals/${referral.id}/updates`, cm, { status: 'scheduled' });
    const note = await ok(201, 'POST', `${base}/notes`, cm, { type: 'contact', body: 'Phoned the client.' });
    const amendment = await ok(201, 'POST', `${base}/notes`, cm, {
      type: 'contact',
      body: 'Phoned the client and the landlord.',
      amendsNoteId: note.id,
    });
    await ok(200, 'POST', `${base}/closure`, cm, { reason: 'goals_met', summary: 'Housed and claiming.' });
    await ok(200, 'POST', `${base}/closure/decision`, sup, {
      decision: 'returned',
      note: 'Wait for the award.',
    });
    return {
      caseId,
      base,
      assessmentIds: [assessment.assessmentId, reassessment.assessmentId],
      planId: draft.planId as string,
      goalIds: [housingGoal, incomeGoal],
      referralId: referral.id as string,
      provider,
      noteIds: [note.id, amendment.id],
    };
  }

  let team: Team;
  let worked: Awaited<ReturnType<typeof workedCase>>;
  beforeAll(async () => {
    team = await createTeam(db.pool);
    worked = await workedCase(team);
  });

  const readsOf = async (caseId: string, actorId: string, entity: string) =>
    (
      await db.pool.query<{ entity_id: string }>(
        `SELECT entity_id FROM audit_log WHERE action = 'read' AND case_id = $1 AND actor_id = $2 AND entity = $3
          ORDER BY entity_id`,
        [caseId, actorId, entity],
      )
    ).rows.map((r) => r.entity_id);

  it('when the case manager reads the assessments, then both come back oldest first with their domain scores', async () => {
    const res = await api.call('GET', `${worked.base}/assessments`, team.caseManager.token);
    expect(res.status).toBe(200);
    expect(res.body.items).toEqual([
      expect.objectContaining({
        id: worked.assessmentIds[0],
        kind: 'initial',
        scores: { housing: 2, income: 3 },
        needs: ['Stable housing'],
        summary: 'Facing eviction.',
        completedBy: team.caseManager.id,
      }),
      expect.objectContaining({ id: worked.assessmentIds[1], kind: 'reassessment', scores: { housing: 4 } }),
    ]);
  });

  it('when the supervisor reads the plans, then the plan comes with its goals, progress and every submission and decision in order', async () => {
    const res = await api.call('GET', `${worked.base}/plans`, team.supervisor.token);
    expect(res.status).toBe(200);
    expect(res.body.items).toHaveLength(1);
    const plan = res.body.items[0];
    expect(plan).toMatchObject({
      id: worked.planId,
      version: 1,
      status: 'approved',
      summary: 'Stabilise housing',
      createdBy: team.caseManager.id,
      decidedBy: team.supervisor.id,
      decisionNote: 'Good.',
    });
    expect(
      plan.events.map((e: { what: string; note: string | null; actorId: string }) => [
        e.what,
        e.note,
        e.actorId,
      ]),
    ).toEqual([
      ['submitted', null, team.caseManager.id],
      ['returned', 'Add a date for the lease.', team.supervisor.id],
      ['submitted', null, team.caseManager.id],
      ['approved', 'Good.', team.supervisor.id],
    ]);
    expect(plan.goals).toEqual([
      expect.objectContaining({
        id: worked.goalIds[0],
        domain: 'housing',
        description: 'Stable tenancy',
        measure: 'Lease signed',
        baseline: 'No tenancy',
        target: 'Lease signed for 12 months',
        targetDate: '2099-01-01',
        status: 'achieved',
        latestProgress: expect.objectContaining({ status: 'achieved', note: 'Lease signed' }),
        progress: [
          expect.objectContaining({
            status: 'in_progress',
            note: 'Viewed a flat',
            recordedBy: team.caseManager.id,
          }),
          expect.objectContaining({
            status: 'achieved',
            note: 'Lease signed',
            recordedBy: team.caseManager.id,
          }),
        ],
      }),
      expect.objectContaining({
        id: worked.goalIds[1],
        targetDate: '2099-02-01',
        latestProgress: null,
        progress: [],
      }),
    ]);
    const one = await api.call('GET', `${worked.base}/plans/${worked.planId}`, team.supervisor.token);
    expect(one.status).toBe(200);
    expect(one.body).toEqual(plan);
  });

  it('when the case manager reads the referrals, then each comes with its provider and status history in order', async () => {
    const res = await api.call('GET', `${worked.base}/referrals`, team.caseManager.token);
    expect(res.status).toBe(200);
    expect(res.body.items).toEqual([
      expect.objectContaining({
        id: worked.referralId,
        provider: { id: worked.provider.id, organisation: worked.provider.organisation },
        service: 'Emergency housing',
        reason: 'Eviction notice',
        status: 'scheduled',
        createdBy: team.caseManager.id,
      }),
    ]);
    expect(res.body.items[0].events.map((e: { status: string; note: string }) => [e.status, e.note])).toEqual(
      [
        ['sent', ''],
        ['accepted', 'Call back Monday'],
        ['scheduled', ''],
      ],
    );
  });

  it('when the case manager reads the notes, then the note and its amendment come back linked', async () => {
    const res = await api.call('GET', `${worked.base}/notes`, team.caseManager.token);
    expect(res.status).toBe(200);
    expect(res.body.items).toEqual([
      expect.objectContaining({
        id: worked.noteIds[0],
        body: 'Phoned the client.',
        amendsNoteId: null,
        amendedBy: [worked.noteIds[1]],
      }),
      expect.objectContaining({
        id: worked.noteIds[1],
        body: 'Phoned the client and the landlord.',
        amendsNoteId: worked.noteIds[0],
        amendedBy: [],
      }),
    ]);
    expect(res.body.nextCursor).toBeNull();
  });

  it('when the program manager reads the closures, then the request with its summary and the return with its note come back in order', async () => {
    const res = await api.call('GET', `${worked.base}/closures`, team.programManager.token);
    expect(res.status).toBe(200);
    expect(res.body.items).toEqual([
      expect.objectContaining({
        what: 'requested',
        reason: 'goals_met',
        summary: 'Housed and claiming.',
        actorId: team.caseManager.id,
      }),
      expect.objectContaining({ what: 'returned', note: 'Wait for the award.', actorId: team.supervisor.id }),
    ]);
  });

  const READS = [
    { what: 'assessments', path: '/assessments', entity: 'assessment', ids: () => worked.assessmentIds },
    { what: 'plans', path: '/plans', entity: 'service_plan', ids: () => [worked.planId] },
    {
      what: 'one plan',
      path: () => `/plans/${worked.planId}`,
      entity: 'service_plan',
      ids: () => [worked.planId],
    },
    { what: 'referrals', path: '/referrals', entity: 'referral', ids: () => [worked.referralId] },
    { what: 'closures', path: '/closures', entity: 'closure_event', ids: null },
    { what: 'notes', path: '/notes', entity: 'case_note', ids: () => worked.noteIds },
  ];
  const pathOf = (r: (typeof READS)[number]) => (typeof r.path === 'string' ? r.path : r.path());

  it.each(READS)(
    'when an admin reads the $what, then each record shown is audited as read by them',
    async (r) => {
      const admin = team.admin;
      const before = await readsOf(worked.caseId, admin.id, r.entity);
      const res = await api.call('GET', `${worked.base}${pathOf(r)}`, admin.token);
      expect(res.status).toBe(200);
      const shown = r.ids?.() ?? res.body.items.map((i: { id: string }) => i.id);
      expect(shown.length).toBeGreaterThan(0);
      expect(await readsOf(worked.caseId, admin.id, r.entity)).toEqual([...before, ...shown].sort());
    },
  );

  it.each(READS)(
    'when a case manager of another team reads the $what, then 404 like a case that does not exist, and nothing is audited',
    async (r) => {
      const stranger = await createTeam(db.pool);
      const res = await api.call('GET', `${worked.base}${pathOf(r)}`, stranger.caseManager.token);
      expect(res.status).toBe(404);
      expect(res.type).toContain('application/problem+json');
      expect(await readsOf(worked.caseId, stranger.caseManager.id, r.entity)).toEqual([]);
      const ghost = `/api/v1/cases/00000000-0000-4000-8000-000000000000${pathOf(r)}`;
      expect((await api.call('GET', ghost, stranger.caseManager.token)).status).toBe(404);
    },
  );

  it('when a plan of another case is asked for under this case, then 404', async () => {
    const other = await createTeam(db.pool);
    const steps = caseSteps(api);
    const { base } = await steps.intake(other);
    await steps.assess(base, other.caseManager.token);
    const plan = await ok(201, 'POST', `${base}/plans`, other.caseManager.token, {
      goals: [
        {
          domain: 'housing',
          description: 'Stable tenancy',
          measure: 'Lease signed',
          targetDate: '2099-01-01',
        },
      ],
    });
    const res = await api.call('GET', `${worked.base}/plans/${plan.planId}`, team.admin.token);
    expect(res.status).toBe(404);
  });

  it('when a case has more notes than a page, then the pages follow each other oldest first and the last has no cursor', async () => {
    const other = await createTeam(db.pool);
    const { base } = await caseSteps(api).intake(other);
    const cm = other.caseManager.token;
    const ids: string[] = [];
    for (const i of [1, 2, 3]) {
      ids.push((await ok(201, 'POST', `${base}/notes`, cm, { type: 'contact', body: `Call ${i}` })).id);
    }
    const first = await ok(200, 'GET', `${base}/notes?limit=2`, cm);
    expect(first.items.map((n: { id: string }) => n.id)).toEqual(ids.slice(0, 2));
    expect(first.nextCursor).toEqual(expect.any(String));
    const second = await ok(200, 'GET', `${base}/notes?limit=2&cursor=${first.nextCursor}`, cm);
    expect(second.items.map((n: { id: string }) => n.id)).toEqual(ids.slice(2));
    expect(second.nextCursor).toBeNull();
    const forged = Buffer.from(JSON.stringify({ a: 'x', c: 'y', id: ids[0] })).toString('base64url');
    expect((await api.call('GET', `${base}/notes?cursor=${forged}`, cm)).status).toBe(422);
  });
});
