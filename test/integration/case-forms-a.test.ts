import type { Pool } from 'pg';
import { caseSteps } from '../helpers/case-steps';
import { createTeam } from '../helpers/fixtures';
import { settle } from '../helpers/settle';
import { startTestStack, type TestStack } from '../helpers/stack';
import { formClient, signInCookie } from '../helpers/web-session';

/**
 * The case manager's forms (intake, assessment, plan, progress) refuse what they cannot do
 * without changing anything: a form missing a field comes back with the error, a change the
 * record's state does not allow comes back with the reason.
 */
const TABLES = [
  'clients',
  'cases',
  'assessments',
  'service_plans',
  'goals',
  'goal_progress',
  'plan_events',
  'case_changes',
  'client_consents',
];

/** Every row of the case record's tables, as they stand. */
async function record(pool: Pool): Promise<Record<string, unknown[]>> {
  const out: Record<string, unknown[]> = {};
  for (const table of TABLES)
    out[table] = (await pool.query(`SELECT * FROM ${table} ORDER BY id`)).rows as unknown[];
  return out;
}

const futureDate = (days: number): string =>
  new Date(Date.now() + days * 86_400_000).toISOString().slice(0, 10);

describe('case forms refuse without changing anything', () => {
  let stack: TestStack;
  beforeAll(async () => {
    stack = await startTestStack('case-forms-a-test');
  });
  afterAll(async () => {
    await stack?.stop();
  });

  async function setUp() {
    const team = await createTeam(stack.db.pool);
    const steps = caseSteps(stack.api);
    const opened = await steps.intake(team);
    const forms = formClient(stack.api.base, await signInCookie(stack, team.caseManager));
    return { team, steps, forms, ...opened };
  }

  it('when an intake misses its program, then 400 with the error by the field and what was typed kept, and no client or case is recorded', async () => {
    const { forms, caseId } = await setUp();
    // The case setUp opened writes its first projection on its own: let it land before comparing.
    await settle(stack, caseId);
    const before = await record(stack.db.pool);
    const res = await forms.post('/intake', {
      clientId: 'new',
      'client-givenName': 'Ada',
      'client-familyName': 'Okafor',
      'client-birthDate': '1985-06-01',
      riskLevel: 'high',
    });
    expect(res.status).toBe(400);
    expect(res.html).toContain(
      '<span class="usa-error-message" id="f-programId-error">Choose the program.</span>',
    );
    expect(res.html).toMatch(/name="client-givenName"\s+type="text"\s+value="Ada"/);
    expect(res.html).toMatch(/value="high"\s+checked/);
    expect(await record(stack.db.pool)).toEqual(before);
  });

  it('when a case manager searches for a client on record and chooses them, then a case opens for that client and no client is added', async () => {
    const { team, forms, caseId } = await setUp();
    const clientId = (
      await stack.db.pool.query<{ client_id: string }>('SELECT client_id FROM cases WHERE id = $1', [caseId])
    ).rows[0]!.client_id;
    const search = await forms.get('/intake?q=rivera');
    expect(search.status).toBe(200);
    expect(search.html).toContain('1 client matches “rivera”');
    expect(search.html).toMatch(
      new RegExp(`value="${clientId}"\\s*required\\s*/><label[^>]*>Jordan Rivera, born 1990-04-02</label>`),
    );
    const clientsBefore = (await stack.db.pool.query('SELECT id FROM clients ORDER BY id')).rows;

    const res = await forms.post(
      '/intake',
      { q: 'rivera', clientId, programId: team.programId, riskLevel: 'low' },
      '/intake?q=rivera',
    );
    expect(res.status).toBe(303);
    const opened = /^\/cases\/([0-9a-f-]{36})\?notice=case-opened(-pending)?#due$/.exec(res.location ?? '');
    expect(opened).not.toBeNull();
    expect(
      (
        await stack.db.pool.query(
          'SELECT client_id, program_id, case_manager_id, risk_level, status FROM cases WHERE id = $1',
          [opened![1]],
        )
      ).rows,
    ).toEqual([
      {
        client_id: clientId,
        program_id: team.programId,
        case_manager_id: team.caseManager.id,
        risk_level: 'low',
        status: 'assessment',
      },
    ]);
    expect((await stack.db.pool.query('SELECT id FROM clients ORDER BY id')).rows).toEqual(clientsBefore);
  });

  it('when an assessment has no kind and no score, then 400 naming both, and nothing is recorded', async () => {
    const { forms, caseId } = await setUp();
    await settle(stack, caseId);
    const before = await record(stack.db.pool);
    const res = await forms.post(`/cases/${caseId}/assessments/new`, {
      summary: 'Met at the drop-in centre.',
      riskLevel: 'medium',
    });
    expect(res.status).toBe(400);
    expect(res.html).toContain('Choose whether this is the initial assessment or a reassessment.');
    expect(res.html).toContain('Score at least one life domain.');
    expect(res.html).toContain('Met at the drop-in centre.</textarea>');
    expect(await record(stack.db.pool)).toEqual(before);
  });

  it('when a plan is submitted a second time, then 409 with the reason on the plan page and nothing changes', async () => {
    const { team, steps, forms, caseId, base } = await setUp();
    await steps.assess(base, team.caseManager.token);
    const plan = await stack.api.call('POST', `${base}/plans`, team.caseManager.token, {
      goals: [
        {
          domain: 'housing',
          description: 'Stable tenancy',
          measure: 'Lease signed',
          targetDate: futureDate(60),
        },
      ],
    });
    expect(plan.status).toBe(201);
    const planPath = `/cases/${caseId}/plans/${plan.body.planId}`;
    const first = await forms.post(`${planPath}/submit`, {}, planPath);
    expect(first).toMatchObject({ status: 303, location: `/cases/${caseId}?notice=plan-submitted#plan` });
    await settle(stack, caseId);
    const before = await record(stack.db.pool);

    const again = await forms.post(`${planPath}/submit`, {}, planPath);
    expect(again.status).toBe(409);
    expect(again.html).toContain('<h1>Service plan, version 1</h1>');
    expect(again.html).toContain('The plan is submitted; only a draft or returned plan can be submitted.');
    expect(again.html).not.toContain('Submit for approval</button>');
    expect(await record(stack.db.pool)).toEqual(before);
  });

  it('when progress is recorded on a goal whose plan is not approved, then 409 with the reason and no progress is recorded', async () => {
    const { team, steps, forms, caseId, base } = await setUp();
    await steps.assess(base, team.caseManager.token);
    const plan = await stack.api.call('POST', `${base}/plans`, team.caseManager.token, {
      goals: [
        {
          domain: 'income',
          description: 'Claim benefits',
          measure: 'Claim made',
          targetDate: futureDate(30),
        },
      ],
    });
    const goalId = plan.body.goalIds[0] as string;
    await settle(stack, caseId);
    const before = await record(stack.db.pool);
    const res = await forms.post(`/cases/${caseId}/goals/${goalId}/progress/new`, {
      status: 'in_progress',
      note: 'Form filled in together.',
    });
    expect(res.status).toBe(409);
    expect(res.html).toContain('Progress is recorded against goals of the approved plan.');
    expect(res.html).toContain('Form filled in together.</textarea>');
    expect(await record(stack.db.pool)).toEqual(before);
  });

  it('when a plan form has no goal at all, then 400 asking for one and no plan is written', async () => {
    const { team, steps, forms, caseId, base } = await setUp();
    await steps.assess(base, team.caseManager.token);
    await settle(stack, caseId);
    const before = await record(stack.db.pool);
    const res = await forms.post(`/cases/${caseId}/plans/new`, {
      goalRows: '3',
      summary: 'Housing first',
      action: 'save',
    });
    expect(res.status).toBe(400);
    expect(res.html).toContain('Write at least one goal: describe what the client will achieve.');
    expect(res.html).toContain('Housing first</textarea>');
    expect(await record(stack.db.pool)).toEqual(before);
  });
});
