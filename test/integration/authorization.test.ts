import { randomUUID } from 'node:crypto';
import { DEFAULT_POLICY } from '../../src/core/policy';
import { scheduleQuery } from '../../src/workflows/messages';
import { createProgram, createStaff, createTeam, type StaffFixture } from '../helpers/fixtures';
import { settle } from '../helpers/settle';
import { startTestStack, type TestStack } from '../helpers/stack';

/**
 * The authorization matrix, endpoint by endpoint, over the real stack. Who may see a case: its
 * case manager (or, on a case from before carriers had to be case managers, the supervisor
 * carrying it), its supervisor, its program's manager, an admin.
 * Anyone else is told the case does not exist (404). Who may decide on it (plans, closure,
 * reassignment, reopening): its supervisor, its program's manager, an admin; others who can see
 * it get 403. Every rejected request leaves the database and the workflow exactly as they were.
 */
describe('authorization matrix over the REST API', () => {
  let stack: TestStack;
  let env: TestStack['env'];
  let db: TestStack['db'];

  beforeAll(async () => {
    stack = await startTestStack('authorization-test');
    ({ env, db } = stack);
  });
  afterAll(() => stack?.stop());

  const call = (method: string, path: string, token?: string, body?: unknown) =>
    stack.api.call(method, path, token, body);

  type Team = Awaited<ReturnType<typeof createTeam>>;
  type Party = 'caseManager' | 'supervisor' | 'programManager' | 'admin';

  /** A setup request that must succeed; its body is returned. */
  async function step(status: number, method: string, path: string, token: string, body?: unknown) {
    const res = await call(method, path, token, body);
    if (res.status !== status) {
      throw new Error(`setup ${method} ${path} answered ${res.status}: ${JSON.stringify(res.body)}`);
    }
    return res.body;
  }

  const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

  // ---- what "nothing is written" means ----

  const TABLES = [
    'staff',
    'api_tokens',
    'programs',
    'program_policies',
    'providers',
    'clients',
    'cases',
    'assessments',
    'service_plans',
    'goals',
    'goal_progress',
    'referrals',
    'referral_events',
    'case_notes',
    'escalations',
    'notifications',
    'audit_log',
    'idempotency_keys',
  ];

  async function tableCounts(): Promise<Record<string, number>> {
    const counts: Record<string, number> = {};
    for (const t of TABLES) {
      counts[t] = Number((await db.pool.query(`SELECT count(*) FROM ${t}`)).rows[0].count);
    }
    return counts;
  }

  const caseRow = async (caseId: string) =>
    (await db.pool.query('SELECT * FROM cases WHERE id = $1', [caseId])).rows[0];

  /** Everything a request on the case could change: its row, its records, every table's size, its workflow. */
  async function caseSnapshot(caseId: string) {
    // Exact (see settle): after it, only the request under test writes to the case.
    await settle(stack, caseId);
    const q = async (sql: string) => (await db.pool.query(sql, [caseId])).rows;
    return {
      case: await caseRow(caseId),
      plans: await q(
        'SELECT id, status, submitted_at, decided_at, decided_by FROM service_plans WHERE case_id = $1 ORDER BY id',
      ),
      goals: await q(
        `SELECT g.id, g.status FROM goals g JOIN service_plans p ON p.id = g.plan_id
          WHERE p.case_id = $1 ORDER BY g.id`,
      ),
      referrals: await q('SELECT id, status, updated_at FROM referrals WHERE case_id = $1 ORDER BY id'),
      counts: await tableCounts(),
      workflowVersion: (await env.client.workflow.getHandle(`case-${caseId}`).query(scheduleQuery)).version,
    };
  }

  // ---- cases in every state an endpoint needs ----

  const STAGES = [
    'assessment',
    'planning',
    'draft plan',
    'submitted plan',
    'active',
    'referred',
    'on hold',
    'closing',
    'closed',
  ] as const;
  type Stage = (typeof STAGES)[number];

  interface CaseFixture {
    team: Team;
    /** Another case manager on the same team, not on this case: the reassignment target. */
    colleague: StaffFixture;
    caseId: string;
    clientId: string;
    base: string;
    providerId: string;
    planId?: string;
    goalId?: string;
    referralId?: string;
  }

  const goal = {
    domain: 'housing',
    description: 'Find a flat',
    measure: 'Lease signed',
    targetDate: '2099-01-01',
  };

  /**
   * Intake, then wait until the case is settled (its first projection written), so that "nothing
   * was written" comparisons are not disturbed by the workflow's own first write.
   */
  async function openCase(token: string, body: unknown) {
    const opened = await step(201, 'POST', '/api/v1/cases', token, body);
    await settle(stack, opened.id);
    return opened;
  }

  /** A new team with one case brought, through the API, to `stage` (and no further). */
  async function caseAt(stage: Stage): Promise<CaseFixture> {
    const reached = (s: Stage) => STAGES.indexOf(stage) >= STAGES.indexOf(s);
    const team = await createTeam(db.pool);
    const colleague = await createStaff(db.pool, 'case_manager', { supervisorId: team.supervisor.id });
    const cm = team.caseManager.token;
    const provider = await step(201, 'POST', '/api/v1/providers', team.admin.token, {
      organisation: `Shelter ${randomUUID().slice(0, 8)}`,
      services: ['housing'],
      contactEmail: 'intake@shelter.test',
    });
    const opened = await openCase(cm, {
      programId: team.programId,
      caseManagerId: team.caseManager.id,
      client: { givenName: 'Lena', familyName: `Novak${randomUUID().slice(0, 8)}`, consentToShare: true },
    });
    const f: CaseFixture = {
      team,
      colleague,
      caseId: opened.id,
      clientId: opened.clientId,
      base: `/api/v1/cases/${opened.id}`,
      providerId: provider.id,
    };
    if (reached('planning'))
      await step(201, 'POST', `${f.base}/assessments`, cm, { kind: 'initial', scores: { housing: 3 } });
    if (reached('draft plan')) {
      const plan = await step(201, 'POST', `${f.base}/plans`, cm, { goals: [goal] });
      f.planId = plan.planId;
      f.goalId = plan.goalIds[0];
    }
    if (reached('submitted plan')) await step(200, 'POST', `${f.base}/plans/${f.planId}/submit`, cm);
    if (reached('active')) {
      await step(200, 'POST', `${f.base}/plans/${f.planId}/decision`, team.supervisor.token, {
        decision: 'approved',
      });
    }
    if (reached('referred')) {
      f.referralId = (
        await step(201, 'POST', `${f.base}/referrals`, cm, {
          providerId: f.providerId,
          service: 'Emergency housing',
          reason: 'Eviction notice',
        })
      ).id;
    }
    if (stage === 'on hold') await step(200, 'POST', `${f.base}/hold`, cm, { reason: 'In hospital' });
    if (reached('closing')) {
      await step(200, 'POST', `${f.base}/closure`, cm, { reason: 'goals_met', summary: 'Housed.' });
    }
    if (reached('closed')) {
      await step(200, 'POST', `${f.base}/closure/decision`, team.supervisor.token, { decision: 'approved' });
      // Poll rather than await result(): waiting on a result lets the time-skipping server jump
      // ahead, firing other cases' timers in the middle of their before/after comparisons.
      const handle = env.client.workflow.getHandle(`case-${f.caseId}`);
      const deadline = Date.now() + 20_000;
      while ((await handle.describe()).status.name === 'RUNNING') {
        if (Date.now() > deadline) throw new Error(`case ${f.caseId} did not complete`);
        await sleep(50);
      }
    }
    return f;
  }

  // ---- the endpoints of src/api/routes/cases.ts that address one case ----

  interface CaseEndpoint {
    endpoint: string;
    stage: Stage;
    method: string;
    path: (f: CaseFixture) => string;
    body?: (f: CaseFixture) => unknown;
    /** The status when the request is allowed. */
    ok: number;
    /** Only the supervisor, the program manager or an admin may do this. */
    approversOnly?: boolean;
  }

  const CASE_ENDPOINTS: CaseEndpoint[] = [
    { endpoint: 'GET /cases/:caseId', stage: 'active', method: 'GET', path: (f) => f.base, ok: 200 },
    {
      endpoint: 'GET /cases/:caseId/timeline',
      stage: 'active',
      method: 'GET',
      path: (f) => `${f.base}/timeline`,
      ok: 200,
    },
    {
      endpoint: 'GET /cases/:caseId/notes',
      stage: 'active',
      method: 'GET',
      path: (f) => `${f.base}/notes`,
      ok: 200,
    },
    {
      endpoint: 'GET /cases/:caseId/assessments',
      stage: 'active',
      method: 'GET',
      path: (f) => `${f.base}/assessments`,
      ok: 200,
    },
    {
      endpoint: 'GET /cases/:caseId/plans',
      stage: 'active',
      method: 'GET',
      path: (f) => `${f.base}/plans`,
      ok: 200,
    },
    {
      endpoint: 'GET /cases/:caseId/plans/:planId',
      stage: 'active',
      method: 'GET',
      path: (f) => `${f.base}/plans/${f.planId}`,
      ok: 200,
    },
    {
      endpoint: 'GET /cases/:caseId/referrals',
      stage: 'active',
      method: 'GET',
      path: (f) => `${f.base}/referrals`,
      ok: 200,
    },
    {
      endpoint: 'GET /cases/:caseId/closures',
      stage: 'active',
      method: 'GET',
      path: (f) => `${f.base}/closures`,
      ok: 200,
    },
    {
      endpoint: 'POST /cases/:caseId/assessments',
      stage: 'assessment',
      method: 'POST',
      path: (f) => `${f.base}/assessments`,
      body: () => ({ kind: 'initial', scores: { housing: 3 } }),
      ok: 201,
    },
    {
      endpoint: 'POST /cases/:caseId/plans',
      stage: 'planning',
      method: 'POST',
      path: (f) => `${f.base}/plans`,
      body: () => ({ summary: 'Stabilise housing', goals: [goal] }),
      ok: 201,
    },
    {
      endpoint: 'POST /cases/:caseId/plans/:planId/submit',
      stage: 'draft plan',
      method: 'POST',
      path: (f) => `${f.base}/plans/${f.planId}/submit`,
      ok: 200,
    },
    {
      endpoint: 'POST /cases/:caseId/plans/:planId/decision (approve)',
      stage: 'submitted plan',
      method: 'POST',
      path: (f) => `${f.base}/plans/${f.planId}/decision`,
      body: () => ({ decision: 'approved' }),
      ok: 200,
      approversOnly: true,
    },
    {
      endpoint: 'POST /cases/:caseId/plans/:planId/decision (return)',
      stage: 'submitted plan',
      method: 'POST',
      path: (f) => `${f.base}/plans/${f.planId}/decision`,
      body: () => ({ decision: 'returned', note: 'Add an income goal.' }),
      ok: 200,
      approversOnly: true,
    },
    {
      endpoint: 'POST /cases/:caseId/goals/:goalId/progress',
      stage: 'active',
      method: 'POST',
      path: (f) => `${f.base}/goals/${f.goalId}/progress`,
      body: () => ({ status: 'in_progress', note: 'Viewed two flats' }),
      ok: 201,
    },
    {
      endpoint: 'POST /cases/:caseId/referrals',
      stage: 'active',
      method: 'POST',
      path: (f) => `${f.base}/referrals`,
      body: (f) => ({ providerId: f.providerId, service: 'Emergency housing', reason: 'Eviction notice' }),
      ok: 201,
    },
    {
      endpoint: 'POST /cases/:caseId/referrals/:referralId/updates',
      stage: 'referred',
      method: 'POST',
      path: (f) => `${f.base}/referrals/${f.referralId}/updates`,
      body: () => ({ status: 'accepted' }),
      ok: 201,
    },
    {
      endpoint: 'POST /cases/:caseId/notes',
      stage: 'active',
      method: 'POST',
      path: (f) => `${f.base}/notes`,
      body: () => ({ type: 'contact', body: 'Phoned the client.' }),
      ok: 201,
    },
    {
      endpoint: 'POST /cases/:caseId/hold',
      stage: 'active',
      method: 'POST',
      path: (f) => `${f.base}/hold`,
      body: () => ({ reason: 'Client in hospital' }),
      ok: 200,
    },
    {
      endpoint: 'POST /cases/:caseId/resume',
      stage: 'on hold',
      method: 'POST',
      path: (f) => `${f.base}/resume`,
      ok: 200,
    },
    {
      endpoint: 'POST /cases/:caseId/reassign',
      stage: 'active',
      method: 'POST',
      path: (f) => `${f.base}/reassign`,
      body: (f) => ({ caseManagerId: f.colleague.id }),
      ok: 200,
      approversOnly: true,
    },
    {
      endpoint: 'POST /cases/:caseId/risk',
      stage: 'active',
      method: 'POST',
      path: (f) => `${f.base}/risk`,
      body: () => ({ riskLevel: 'high' }),
      ok: 200,
    },
    {
      endpoint: 'POST /cases/:caseId/closure',
      stage: 'active',
      method: 'POST',
      path: (f) => `${f.base}/closure`,
      body: () => ({ reason: 'goals_met', summary: 'Housed and stable.' }),
      ok: 200,
    },
    {
      endpoint: 'POST /cases/:caseId/closure/decision (approve)',
      stage: 'closing',
      method: 'POST',
      path: (f) => `${f.base}/closure/decision`,
      body: () => ({ decision: 'approved' }),
      ok: 200,
      approversOnly: true,
    },
    {
      endpoint: 'POST /cases/:caseId/closure/decision (return)',
      stage: 'closing',
      method: 'POST',
      path: (f) => `${f.base}/closure/decision`,
      body: () => ({ decision: 'returned', note: 'Keep it open until the award.' }),
      ok: 200,
      approversOnly: true,
    },
    {
      endpoint: 'POST /cases/:caseId/reopen',
      stage: 'closed',
      method: 'POST',
      path: (f) => `${f.base}/reopen`,
      ok: 200,
      approversOnly: true,
    },
  ];

  const PARTIES: { who: string; whose: string; party: Party }[] = [
    { who: 'a case manager', whose: 'their own', party: 'caseManager' },
    { who: 'a supervisor', whose: "their team's", party: 'supervisor' },
    { who: 'a program manager', whose: "their program's", party: 'programManager' },
    { who: 'an admin', whose: 'any', party: 'admin' },
  ];

  const STRANGERS: { who: string; party: Exclude<Party, 'admin'> }[] = [
    { who: 'a stranger case manager', party: 'caseManager' },
    { who: 'a stranger supervisor', party: 'supervisor' },
    { who: 'a stranger program manager', party: 'programManager' },
  ];

  /** "403 and nothing is written" for a rejection, the bare status otherwise. */
  const withOutcome = <T extends { status: number }>(rows: T[]) =>
    rows.map((r) => ({
      ...r,
      outcome: r.status >= 400 ? `${r.status} and nothing is written` : `${r.status}`,
    }));

  const GHOST = '00000000-0000-4000-8000-000000000000';
  /** A problem body with every id in it replaced, to compare "not visible" with "does not exist". */
  const anonymised = (body: Record<string, unknown>, ...ids: string[]) => {
    let text = JSON.stringify(body);
    for (const id of ids) text = text.split(id).join('<id>');
    const { instance: _instance, ...rest } = JSON.parse(text) as Record<string, unknown>;
    return rest;
  };

  describe('the parties to a case', () => {
    const rows = PARTIES.flatMap((p) =>
      CASE_ENDPOINTS.map((e) => {
        const status = e.approversOnly && p.party === 'caseManager' ? 403 : e.ok;
        return {
          ...p,
          ...e,
          status,
          title: `when ${p.who} calls ${e.endpoint} on ${p.whose} case, then ${status}${
            status === 403 ? ' and nothing is written' : ''
          }`,
        };
      }),
    );

    it.each(rows)('$title', async ({ party, stage, method, path, body, status }) => {
      const f = await caseAt(stage);
      const before = status >= 400 ? await caseSnapshot(f.caseId) : undefined;
      const res = await call(method, path(f), f.team[party].token, body?.(f));
      expect({ status: res.status, body: res.body }).toMatchObject({ status });
      if (before) {
        expect(res.type).toContain('application/problem+json');
        expect(await caseSnapshot(f.caseId)).toEqual(before);
      }
    });

    it.each(PARTIES)('when $who opens a case on $whose caseload, then 201', async ({ party }) => {
      const team = await createTeam(db.pool);
      const res = await call('POST', '/api/v1/cases', team[party].token, {
        programId: team.programId,
        caseManagerId: team.caseManager.id,
        client: { givenName: 'Ivo', familyName: 'Marek' },
      });
      expect(res.status).toBe(201);
      expect(res.body).toMatchObject({
        caseManagerId: team.caseManager.id,
        supervisorId: team.supervisor.id,
      });
    });

    it.each(PARTIES)(
      'when $who lists cases, then the case on $whose caseload is among them',
      async ({ party }) => {
        const f = await caseAt('assessment');
        const res = await call(
          'GET',
          `/api/v1/cases?caseManagerId=${f.team.caseManager.id}`,
          f.team[party].token,
        );
        expect(res.status).toBe(200);
        expect(res.body.items.map((c: { id: string }) => c.id)).toEqual([f.caseId]);
      },
    );

    it.each(PARTIES)('when $who reads the client of $whose case, then 200', async ({ party }) => {
      const f = await caseAt('assessment');
      const res = await call('GET', `/api/v1/clients/${f.clientId}`, f.team[party].token);
      expect(res.status).toBe(200);
      expect(res.body.id).toBe(f.clientId);
    });
  });

  describe('strangers from another team are told the case does not exist', () => {
    const rows = STRANGERS.flatMap((s) =>
      CASE_ENDPOINTS.map((e) => ({
        ...s,
        ...e,
        title: `when ${s.who} calls ${e.endpoint} on another team's case, then 404 and nothing is written`,
      })),
    );

    it.each(rows)('$title', async ({ party, stage, method, path, body }) => {
      const f = await caseAt(stage);
      const stranger = await createTeam(db.pool);
      const token = stranger[party].token;
      const before = await caseSnapshot(f.caseId);

      const res = await call(method, path(f), token, body?.(f));
      expect({ status: res.status, body: res.body }).toMatchObject({ status: 404 });
      expect(res.type).toContain('application/problem+json');
      expect(await caseSnapshot(f.caseId)).toEqual(before);

      // Exactly what a case that does not exist answers.
      const ghost = await call(method, path(f).replace(f.caseId, GHOST), token, body?.(f));
      expect(ghost.status).toBe(404);
      expect(anonymised(res.body, f.caseId)).toEqual(anonymised(ghost.body, GHOST));
    });

    it.each(STRANGERS)(
      "when $who reads the client of another team's case, then 404 and nothing is written",
      async ({ party }) => {
        const f = await caseAt('active');
        const stranger = await createTeam(db.pool);
        const before = await caseSnapshot(f.caseId);
        const res = await call('GET', `/api/v1/clients/${f.clientId}`, stranger[party].token);
        expect(res.status).toBe(404);
        expect(await caseSnapshot(f.caseId)).toEqual(before);
        const ghost = await call('GET', `/api/v1/clients/${GHOST}`, stranger[party].token);
        expect(anonymised(res.body, f.clientId)).toEqual(anonymised(ghost.body, GHOST));
      },
    );

    it.each(STRANGERS)(
      "when $who searches clients by the name of another team's client, then the client is not found",
      async ({ party }) => {
        const f = await caseAt('assessment');
        const stranger = await createTeam(db.pool);
        const familyName = (
          await db.pool.query('SELECT family_name FROM clients WHERE id = $1', [f.clientId])
        ).rows[0].family_name;
        const res = await call('GET', `/api/v1/clients?name=${familyName}`, stranger[party].token);
        expect(res).toMatchObject({ status: 200, body: { items: [] } });
        const own = await call('GET', `/api/v1/clients?name=${familyName}`, f.team.caseManager.token);
        expect(own.body.items.map((c: { id: string }) => c.id)).toEqual([f.clientId]);
      },
    );

    it.each(STRANGERS)(
      "when $who lists cases filtered to another team's case manager, then the list is empty",
      async ({ party }) => {
        const f = await caseAt('assessment');
        const stranger = await createTeam(db.pool);
        const res = await call(
          'GET',
          `/api/v1/cases?caseManagerId=${f.team.caseManager.id}`,
          stranger[party].token,
        );
        expect(res).toMatchObject({ status: 200, body: { items: [] } });
      },
    );

    it.each(STRANGERS)(
      "when $who opens a case on another team's caseload, then 403 and nothing is written",
      async ({ party }) => {
        const team = await createTeam(db.pool);
        const stranger = await createTeam(db.pool);
        const before = await tableCounts();
        const res = await call('POST', '/api/v1/cases', stranger[party].token, {
          programId: team.programId,
          caseManagerId: team.caseManager.id,
          client: { givenName: 'Ivo', familyName: 'Marek' },
        });
        expect(res.status).toBe(403);
        expect(await tableCounts()).toEqual(before);
      },
    );
  });

  describe('people on the same team who are not parties to the case', () => {
    it("when a case manager reads or writes a colleague's case, then 404 and nothing is written", async () => {
      const f = await caseAt('active');
      const before = await caseSnapshot(f.caseId);
      expect((await call('GET', f.base, f.colleague.token)).status).toBe(404);
      expect(
        (await call('POST', `${f.base}/notes`, f.colleague.token, { type: 'contact', body: 'x' })).status,
      ).toBe(404);
      expect(await caseSnapshot(f.caseId)).toEqual(before);
    });

    it('when a case is reassigned to a colleague, then the former case manager no longer sees it and the colleague does', async () => {
      const f = await caseAt('active');
      await step(200, 'POST', `${f.base}/reassign`, f.team.supervisor.token, {
        caseManagerId: f.colleague.id,
      });
      expect((await call('GET', f.base, f.team.caseManager.token)).status).toBe(404);
      expect((await call('GET', f.base, f.colleague.token)).status).toBe(200);
    });

    it('when a supervisor is named to carry a case, then intake is 422; one carrying a case from before that rule works on it but approving its plan is 403 and nothing is written', async () => {
      const team = await createTeam(db.pool);
      const carrier = await createStaff(db.pool, 'supervisor');
      const intake = {
        programId: team.programId,
        caseManagerId: carrier.id,
        supervisorId: team.supervisor.id,
        client: { givenName: 'Tom', familyName: 'Berg' },
      };
      const countsBefore = await tableCounts();
      expect((await call('POST', '/api/v1/cases', team.admin.token, intake)).status).toBe(422);
      expect(await tableCounts()).toEqual(countsBefore);
      // Cases opened before the rule may still be carried by a supervisor: written as such data would be.
      const opened = await openCase(team.admin.token, { ...intake, caseManagerId: team.caseManager.id });
      await db.pool.query('UPDATE cases SET case_manager_id = $2 WHERE id = $1', [opened.id, carrier.id]);
      const base = `/api/v1/cases/${opened.id}`;
      expect((await call('GET', base, carrier.token)).status).toBe(200);
      await step(201, 'POST', `${base}/assessments`, carrier.token, {
        kind: 'initial',
        scores: { housing: 3 },
      });
      const plan = await step(201, 'POST', `${base}/plans`, carrier.token, { goals: [goal] });
      await step(200, 'POST', `${base}/plans/${plan.planId}/submit`, carrier.token);

      const before = await caseSnapshot(opened.id);
      const res = await call('POST', `${base}/plans/${plan.planId}/decision`, carrier.token, {
        decision: 'approved',
      });
      expect(res.status).toBe(403);
      expect(await caseSnapshot(opened.id)).toEqual(before);
      expect(
        (
          await call('POST', `${base}/plans/${plan.planId}/decision`, team.supervisor.token, {
            decision: 'approved',
          })
        ).status,
      ).toBe(200);
    });
  });

  describe("another case's records cannot be reached through a case you may see", () => {
    it.each([
      {
        what: "submits another team's plan",
        token: (own: CaseFixture) => own.team.caseManager.token,
        path: (own: CaseFixture, other: CaseFixture) => `${own.base}/plans/${other.planId}/submit`,
        body: undefined,
        stage: 'draft plan' as Stage,
      },
      {
        what: "decides another team's plan",
        token: (own: CaseFixture) => own.team.supervisor.token,
        path: (own: CaseFixture, other: CaseFixture) => `${own.base}/plans/${other.planId}/decision`,
        body: { decision: 'approved' },
        stage: 'submitted plan' as Stage,
      },
      {
        what: "records progress on another team's goal",
        token: (own: CaseFixture) => own.team.caseManager.token,
        path: (own: CaseFixture, other: CaseFixture) => `${own.base}/goals/${other.goalId}/progress`,
        body: { status: 'achieved' },
        stage: 'active' as Stage,
      },
      {
        what: "updates another team's referral",
        token: (own: CaseFixture) => own.team.caseManager.token,
        path: (own: CaseFixture, other: CaseFixture) => `${own.base}/referrals/${other.referralId}/updates`,
        body: { status: 'accepted' },
        stage: 'referred' as Stage,
      },
    ])(
      'when a party to their own case $what through its URL, then 404 and neither case changes',
      async ({ token, path, body, stage }) => {
        const own = await caseAt(stage);
        const other = await caseAt(stage);
        // Both quiet before either is counted: the table counts take in both cases' writes.
        await settle(stack, own.caseId);
        await settle(stack, other.caseId);
        const before = [await caseSnapshot(own.caseId), await caseSnapshot(other.caseId)];
        const res = await call('POST', path(own, other), token(own), body);
        expect(res.status).toBe(404);
        expect([await caseSnapshot(own.caseId), await caseSnapshot(other.caseId)]).toEqual(before);
      },
    );
  });

  describe('a client without a case yet', () => {
    async function registered() {
      const team = await createTeam(db.pool);
      const colleague = await createStaff(db.pool, 'case_manager', { supervisorId: team.supervisor.id });
      const client = await step(201, 'POST', '/api/v1/clients', team.caseManager.token, {
        givenName: 'Ana',
        familyName: 'Lind',
      });
      return { team, colleague, clientId: client.id as string };
    }

    it.each(
      withOutcome([
        { who: 'the staff member who registered them', status: 200, pick: (r: any) => r.team.caseManager },
        { who: 'an admin', status: 200, pick: (r: any) => r.team.admin },
        { who: "the registrar's colleague", status: 404, pick: (r: any) => r.colleague },
        { who: "the registrar's supervisor", status: 404, pick: (r: any) => r.team.supervisor },
        { who: "the registrar's program manager", status: 404, pick: (r: any) => r.team.programManager },
      ]),
    )('when $who reads the client, then $outcome', async ({ status, pick }) => {
      const r = await registered();
      const before = await tableCounts();
      const res = await call('GET', `/api/v1/clients/${r.clientId}`, (pick(r) as StaffFixture).token);
      expect(res.status).toBe(status);
      if (status === 404) expect(await tableCounts()).toEqual(before);
    });

    it("when the client is given a case on another team's caseload, then the registrar no longer sees them", async () => {
      const r = await registered();
      const other = await createTeam(db.pool);
      // Only someone who may see the client (here an admin) can open a case for them.
      await step(201, 'POST', '/api/v1/cases', other.admin.token, {
        programId: other.programId,
        caseManagerId: other.caseManager.id,
        clientId: r.clientId,
      });
      expect((await call('GET', `/api/v1/clients/${r.clientId}`, r.team.caseManager.token)).status).toBe(404);
      expect((await call('GET', `/api/v1/clients/${r.clientId}`, other.caseManager.token)).status).toBe(200);
    });
  });

  describe('intake for an existing client: only a client the actor may already see', () => {
    it('when a case manager opens a second case for a client already on their caseload, then 201', async () => {
      const f = await caseAt('assessment');
      const other = await createProgram(db.pool, { programManagerId: f.team.programManager.id });
      const res = await call('POST', '/api/v1/cases', f.team.caseManager.token, {
        programId: other,
        caseManagerId: f.team.caseManager.id,
        clientId: f.clientId,
      });
      expect(res.status).toBe(201);
    });

    it("when an admin opens a case for another team's client, then 201", async () => {
      const f = await caseAt('assessment');
      const other = await createTeam(db.pool);
      const res = await call('POST', '/api/v1/cases', other.admin.token, {
        programId: other.programId,
        caseManagerId: other.caseManager.id,
        clientId: f.clientId,
      });
      expect(res.status).toBe(201);
    });

    it.each(STRANGERS)(
      "when $who opens a case on their own caseload for another team's client, then 422 exactly as for an unknown client, nothing is written and the client stays hidden",
      async ({ party }) => {
        const f = await caseAt('assessment');
        const stranger = await createTeam(db.pool);
        const intake = (clientId: string) =>
          call('POST', '/api/v1/cases', stranger[party].token, {
            programId: stranger.programId,
            caseManagerId: stranger.caseManager.id,
            clientId,
          });
        const before = await tableCounts();
        const res = await intake(f.clientId);
        const ghost = await intake(GHOST);
        expect(ghost.status).toBe(422);
        expect({ status: res.status, body: anonymised(res.body, f.clientId) }).toEqual({
          status: 422,
          body: anonymised(ghost.body, GHOST),
        });
        expect(await tableCounts()).toEqual(before);
        expect((await call('GET', `/api/v1/clients/${f.clientId}`, stranger[party].token)).status).toBe(404);
      },
    );
  });

  // ---- staff, programs, providers ----

  const NON_ADMINS: { who: string; party: Exclude<Party, 'admin'> }[] = [
    { who: 'a program manager', party: 'programManager' },
    { who: 'a supervisor', party: 'supervisor' },
    { who: 'a case manager', party: 'caseManager' },
  ];
  const EVERYONE: { who: string; party: Party }[] = [{ who: 'an admin', party: 'admin' }, ...NON_ADMINS];

  const staffRow = async (id: string) =>
    (await db.pool.query('SELECT * FROM staff WHERE id = $1', [id])).rows[0];

  describe('staff: admins manage staff; everyone may set their own time zone and notification preference', () => {
    const newStaff = () => ({
      email: `new.${randomUUID().slice(0, 8)}@test.caseloop.local`,
      fullName: 'New Person',
      role: 'case_manager',
    });

    it('when an admin adds a staff member, then 201', async () => {
      const team = await createTeam(db.pool);
      expect((await call('POST', '/api/v1/staff', team.admin.token, newStaff())).status).toBe(201);
    });

    it.each(NON_ADMINS)(
      'when $who adds a staff member, then 403 and nothing is written',
      async ({ party }) => {
        const team = await createTeam(db.pool);
        const before = await tableCounts();
        const res = await call('POST', '/api/v1/staff', team[party].token, { ...newStaff(), role: 'admin' });
        expect(res.status).toBe(403);
        expect(await tableCounts()).toEqual(before);
      },
    );

    it('when an admin deactivates a staff member, then 200 and they are inactive', async () => {
      const team = await createTeam(db.pool);
      const target = await createStaff(db.pool, 'case_manager');
      const res = await call('POST', `/api/v1/staff/${target.id}/deactivate`, team.admin.token, {});
      expect(res.status).toBe(200);
      expect((await staffRow(target.id)).active).toBe(false);
    });

    it.each(NON_ADMINS)(
      'when $who deactivates a staff member, then 403 and the staff member and their tokens are untouched',
      async ({ party }) => {
        const team = await createTeam(db.pool);
        const target = await createStaff(db.pool, 'case_manager');
        const before = { row: await staffRow(target.id), counts: await tableCounts() };
        const res = await call('POST', `/api/v1/staff/${target.id}/deactivate`, team[party].token, {});
        expect(res.status).toBe(403);
        expect({ row: await staffRow(target.id), counts: await tableCounts() }).toEqual(before);
        expect((await call('GET', '/api/v1/programs', target.token)).status).toBe(200);
      },
    );

    it('when an admin issues a token for a staff member, then 201 and the token works', async () => {
      const team = await createTeam(db.pool);
      const target = await createStaff(db.pool, 'case_manager');
      const res = await call('POST', `/api/v1/staff/${target.id}/tokens`, team.admin.token, { label: 'cli' });
      expect(res.status).toBe(201);
      expect((await call('GET', '/api/v1/programs', res.body.token)).status).toBe(200);
    });

    it.each(
      NON_ADMINS.flatMap((n) => [
        { ...n, whom: 'another staff member', self: false },
        { ...n, whom: 'themselves', self: true },
      ]),
    )('when $who issues a token for $whom, then 403 and nothing is written', async ({ party, self }) => {
      const team = await createTeam(db.pool);
      const target = self ? team[party] : await createStaff(db.pool, 'admin');
      const before = await tableCounts();
      const res = await call('POST', `/api/v1/staff/${target.id}/tokens`, team[party].token, { label: 'x' });
      expect(res.status).toBe(403);
      expect(await tableCounts()).toEqual(before);
    });

    it('when an admin changes another staff member’s name, then 200', async () => {
      const team = await createTeam(db.pool);
      const res = await call('PATCH', `/api/v1/staff/${team.caseManager.id}`, team.admin.token, {
        fullName: 'Renamed Person',
      });
      expect(res.status).toBe(200);
      expect((await staffRow(team.caseManager.id)).full_name).toBe('Renamed Person');
    });

    it.each(
      NON_ADMINS.flatMap((n) => [
        {
          ...n,
          what: 'time zone',
          patch: { timeZone: 'Europe/London' },
          column: 'time_zone',
          value: 'Europe/London',
        },
        {
          ...n,
          what: 'notification preference',
          patch: { notificationPreference: 'daily_digest' },
          column: 'notification_preference',
          value: 'daily_digest',
        },
      ]),
    )('when $who changes their own $what, then 200', async ({ party, patch, column, value }) => {
      const team = await createTeam(db.pool);
      const me = team[party];
      const res = await call('PATCH', `/api/v1/staff/${me.id}`, me.token, patch);
      expect(res.status).toBe(200);
      expect((await staffRow(me.id))[column]).toBe(value);
    });

    it.each(
      NON_ADMINS.flatMap((n) => [
        { ...n, what: 'their own role', patch: { role: 'admin' }, self: true },
        { ...n, what: 'their own name', patch: { fullName: 'Someone Else' }, self: true },
        { ...n, what: 'their own supervisor', patch: { supervisorId: null }, self: true },
        { ...n, what: "another staff member's time zone", patch: { timeZone: 'Asia/Tokyo' }, self: false },
      ]),
    )('when $who changes $what, then 403 and nothing is written', async ({ party, patch, self }) => {
      const team = await createTeam(db.pool);
      const target = self ? team[party] : team.admin;
      const before = { row: await staffRow(target.id), counts: await tableCounts() };
      const res = await call('PATCH', `/api/v1/staff/${target.id}`, team[party].token, patch);
      expect(res.status).toBe(403);
      expect({ row: await staffRow(target.id), counts: await tableCounts() }).toEqual(before);
    });
  });

  describe('programs: admins create them; an admin or the program’s own manager changes them', () => {
    const programSnapshot = async (id: string) => ({
      program: (await db.pool.query('SELECT * FROM programs WHERE id = $1', [id])).rows[0],
      policies: (
        await db.pool.query(
          'SELECT version, policy FROM program_policies WHERE program_id = $1 ORDER BY version',
          [id],
        )
      ).rows,
      counts: await tableCounts(),
    });
    const newProgram = () => ({ name: `Program ${randomUUID().slice(0, 8)}`, policy: DEFAULT_POLICY });

    it('when an admin creates a program, then 201', async () => {
      const team = await createTeam(db.pool);
      expect((await call('POST', '/api/v1/programs', team.admin.token, newProgram())).status).toBe(201);
    });

    it.each(NON_ADMINS)('when $who creates a program, then 403 and nothing is written', async ({ party }) => {
      const team = await createTeam(db.pool);
      const before = await tableCounts();
      expect((await call('POST', '/api/v1/programs', team[party].token, newProgram())).status).toBe(403);
      expect(await tableCounts()).toEqual(before);
    });

    type Actor = 'admin' | 'own manager' | 'other manager' | 'supervisor' | 'case manager';
    const actorToken = async (team: Team, actor: Actor): Promise<string> => {
      switch (actor) {
        case 'admin':
          return team.admin.token;
        case 'own manager':
          return team.programManager.token;
        case 'other manager': {
          const other = await createStaff(db.pool, 'program_manager');
          await createProgram(db.pool, { programManagerId: other.id });
          return other.token;
        }
        case 'supervisor':
          return team.supervisor.token;
        case 'case manager':
          return team.caseManager.token;
      }
    };
    const label: Record<Actor, string> = {
      admin: 'an admin',
      'own manager': "the program's manager",
      'other manager': "another program's manager",
      supervisor: 'a supervisor in the program',
      'case manager': 'a case manager in the program',
    };

    const patchRows: { actor: Actor; what: string; patch: (t: Team) => unknown; status: number }[] = [
      ...(['admin', 'own manager', 'other manager', 'supervisor', 'case manager'] as Actor[]).map(
        (actor) => ({
          actor,
          what: 'renames the program',
          patch: () => ({ name: `Renamed ${randomUUID().slice(0, 8)}` }),
          status: actor === 'admin' || actor === 'own manager' ? 200 : 403,
        }),
      ),
      {
        actor: 'admin',
        what: 'hands the program to another manager',
        patch: () => ({ programManagerId: null }),
        status: 200,
      },
      {
        actor: 'own manager',
        what: 'hands the program to another manager',
        patch: () => ({ programManagerId: null }),
        status: 403,
      },
      { actor: 'admin', what: 'deactivates the program', patch: () => ({ active: false }), status: 200 },
      {
        actor: 'own manager',
        what: 'deactivates the program',
        patch: () => ({ active: false }),
        status: 403,
      },
    ];

    it.each(withOutcome(patchRows.map((r) => ({ ...r, who: label[r.actor] }))))(
      'when $who $what (PATCH /programs/:programId), then $outcome',
      async ({ actor, patch, status }) => {
        const team = await createTeam(db.pool);
        const token = await actorToken(team, actor);
        const before = await programSnapshot(team.programId);
        const res = await call('PATCH', `/api/v1/programs/${team.programId}`, token, patch(team));
        expect(res.status).toBe(status);
        if (status === 403) expect(await programSnapshot(team.programId)).toEqual(before);
      },
    );

    it.each(
      withOutcome(
        (['admin', 'own manager', 'other manager', 'supervisor', 'case manager'] as Actor[]).map((actor) => ({
          actor,
          who: label[actor],
          status: actor === 'admin' || actor === 'own manager' ? 200 : 403,
        })),
      ),
    )(
      'when $who replaces the policy (PUT /programs/:programId/policy), then $outcome',
      async ({ actor, status }) => {
        const team = await createTeam(db.pool);
        const token = await actorToken(team, actor);
        const before = await programSnapshot(team.programId);
        const res = await call('PUT', `/api/v1/programs/${team.programId}/policy`, token, {
          ...DEFAULT_POLICY,
          initialAssessmentDue: 'P10D',
        });
        expect(res.status).toBe(status);
        if (status === 200) expect(res.body.policyVersion).toBe(2);
        else expect(await programSnapshot(team.programId)).toEqual(before);
      },
    );
  });

  describe('providers: admins, program managers and supervisors edit the directory; everyone reads it', () => {
    const newProvider = () => ({
      organisation: `Food Bank ${randomUUID().slice(0, 8)}`,
      services: ['food'],
      contactEmail: 'hello@foodbank.test',
    });
    const providerRow = async (id: string) =>
      (await db.pool.query('SELECT * FROM providers WHERE id = $1', [id])).rows[0];

    it.each(withOutcome(EVERYONE.map((e) => ({ ...e, status: e.party === 'caseManager' ? 403 : 201 }))))(
      'when $who adds a provider, then $outcome',
      async ({ party, status }) => {
        const team = await createTeam(db.pool);
        const before = await tableCounts();
        const res = await call('POST', '/api/v1/providers', team[party].token, newProvider());
        expect(res.status).toBe(status);
        if (status === 403) expect(await tableCounts()).toEqual(before);
      },
    );

    it.each(withOutcome(EVERYONE.map((e) => ({ ...e, status: e.party === 'caseManager' ? 403 : 200 }))))(
      'when $who changes a provider, then $outcome',
      async ({ party, status }) => {
        const team = await createTeam(db.pool);
        const provider = await step(201, 'POST', '/api/v1/providers', team.admin.token, newProvider());
        const before = { row: await providerRow(provider.id), counts: await tableCounts() };
        const res = await call('PATCH', `/api/v1/providers/${provider.id}`, team[party].token, {
          active: false,
        });
        expect(res.status).toBe(status);
        if (status === 403) {
          expect({ row: await providerRow(provider.id), counts: await tableCounts() }).toEqual(before);
        } else {
          expect((await providerRow(provider.id)).active).toBe(false);
        }
      },
    );

    it.each(EVERYONE)('when $who reads the directory and one provider, then 200', async ({ party }) => {
      const team = await createTeam(db.pool);
      const provider = await step(201, 'POST', '/api/v1/providers', team.admin.token, newProvider());
      const list = await call('GET', '/api/v1/providers?service=food', team[party].token);
      expect(list.status).toBe(200);
      expect(list.body.items.map((p: { id: string }) => p.id)).toContain(provider.id);
      expect((await call('GET', `/api/v1/providers/${provider.id}`, team[party].token)).status).toBe(200);
    });
  });
});
