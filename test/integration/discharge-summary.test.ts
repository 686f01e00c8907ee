import { caseSteps, type CaseSteps, type Team } from '../helpers/case-steps';
import { DAY } from '../helpers/clock';
import { createProvider, createTeam } from '../helpers/fixtures';
import { startTestStack, type TestStack } from '../helpers/stack';

/**
 * Issue 17, episodes and discharge: the closure request carries a structured discharge summary
 * (each goal and referral of the episode with its outcome, recommendations, follow-up), kept with
 * the episode when closure is approved and read back per episode. Real API, PostgreSQL and
 * Temporal (time-skipping).
 */
describe('the structured discharge summary', () => {
  let stack: TestStack;
  let steps: CaseSteps;
  beforeAll(async () => {
    stack = await startTestStack('discharge-summary-test');
    steps = caseSteps(stack.api);
  });
  afterAll(() => stack?.stop());

  /** A case with an approved plan of two goals (one recorded achieved) and one accepted referral. */
  async function workedCase(team: Team, goalWords = ['Stable tenancy', 'Steady income']) {
    const { api, db } = stack;
    const cm = team.caseManager.token;
    const { caseId, base } = await steps.intake(team);
    await steps.assess(base, cm);
    const plan = await api.call('POST', `${base}/plans`, cm, {
      goals: goalWords.map((description, i) => ({
        domain: i === 0 ? 'housing' : 'income',
        description,
        measure: 'Agreed with the client',
        targetDate: `2099-0${i + 1}-01`,
      })),
    });
    expect(plan.status).toBe(201);
    const goalIds = plan.body.goalIds as string[];
    expect((await api.call('POST', `${base}/plans/${plan.body.planId}/submit`, cm)).status).toBe(200);
    expect(
      (
        await api.call('POST', `${base}/plans/${plan.body.planId}/decision`, team.supervisor.token, {
          decision: 'approved',
        })
      ).status,
    ).toBe(200);
    expect(
      (await api.call('POST', `${base}/goals/${goalIds[0]}/progress`, cm, { status: 'achieved' })).status,
    ).toBe(201);
    const provider = await createProvider(db.pool, 'Northside Food Bank');
    const referral = await api.call('POST', `${base}/referrals`, cm, {
      providerId: provider.id,
      service: 'Weekly parcels',
      reason: 'No income yet',
    });
    expect(referral.status).toBe(201);
    const referralId = referral.body.id as string;
    expect(
      (await api.call('POST', `${base}/referrals/${referralId}/updates`, cm, { status: 'accepted' })).status,
    ).toBe(201);
    return { caseId, base, planId: plan.body.planId as string, goalIds, referralId };
  }

  async function approve(base: string, team: Team) {
    const res = await stack.api.call('POST', `${base}/closure/decision`, team.supervisor.token, {
      decision: 'approved',
    });
    expect(res.status).toBe(200);
  }

  it('when closure is requested with outcomes, recommendations and follow-up and approved, then the episode keeps the whole summary', async () => {
    const { api, db } = stack;
    const team = await createTeam(db.pool);
    const w = await workedCase(team);
    const request = await api.call('POST', `${w.base}/closure`, team.caseManager.token, {
      reason: 'Goals met',
      summary: 'Housed since March; claiming benefits.',
      goals: [{ goalId: w.goalIds[1], outcome: 'partly_achieved', note: 'Claim made, award pending' }],
      referrals: [{ referralId: w.referralId, outcome: 'completed', note: 'Twelve weekly parcels' }],
      recommendations: 'Keep in touch with the food bank.',
      followUp: { what: 'Phone call to check the award', by: '2099-06-30' },
    });
    expect(request.status).toBe(200);
    // Waiting for approval, the supervisor reads it with the request.
    const closures = await api.call('GET', `${w.base}/closures`, team.supervisor.token);
    expect(closures.body.items.at(-1).discharge.recommendations).toBe('Keep in touch with the food bank.');
    await approve(w.base, team);

    const episode = await api.call('GET', `${w.base}/episodes/1`, team.supervisor.token);
    expect(episode.status).toBe(200);
    expect(episode.body).toMatchObject({
      caseId: w.caseId,
      episode: 1,
      client: { initials: 'J. R.' },
      closureReason: 'Goals met',
      closureSummary: 'Housed since March; claiming benefits.',
      closedBy: team.supervisor.id,
      requestedBy: team.caseManager.id,
      discharge: {
        plan: { id: w.planId, version: 1 },
        // The goal left out keeps the outcome its progress says; the one given keeps its own.
        goals: [
          {
            goalId: w.goalIds[0],
            description: 'Stable tenancy',
            domain: 'housing',
            targetDate: '2099-01-01',
            recordedStatus: 'achieved',
            outcome: 'achieved',
            note: '',
          },
          {
            goalId: w.goalIds[1],
            description: 'Steady income',
            recordedStatus: 'not_started',
            outcome: 'partly_achieved',
            note: 'Claim made, award pending',
          },
        ],
        referrals: [
          {
            referralId: w.referralId,
            provider: 'Northside Food Bank',
            service: 'Weekly parcels',
            recordedStatus: 'accepted',
            outcome: 'completed',
            note: 'Twelve weekly parcels',
          },
        ],
        recommendations: 'Keep in touch with the food bank.',
        followUp: { what: 'Phone call to check the award', by: '2099-06-30' },
      },
    });
    // The client's name is not in the API's episode: initials only.
    expect(JSON.stringify(episode.body)).not.toMatch(/Jordan|Rivera/);
    // The episode row is append-only, summary included.
    await expect(
      db.pool.query(`UPDATE case_episodes SET discharge = '{}' WHERE case_id = $1`, [w.caseId]),
    ).rejects.toThrow(/append-only|permission denied/);
  });

  it('when a request names only a reason and narrative, then the outcomes are filled from the record', async () => {
    const { api, db } = stack;
    const team = await createTeam(db.pool);
    const w = await workedCase(team);
    expect(
      (
        await api.call('POST', `${w.base}/closure`, team.caseManager.token, {
          reason: 'Client moved away',
          summary: 'Moved to another county.',
        })
      ).status,
    ).toBe(200);
    await approve(w.base, team);
    const { discharge } = (await api.call('GET', `${w.base}/episodes/1`, team.caseManager.token)).body;
    expect(discharge.goals.map((g: { outcome: string }) => g.outcome)).toEqual(['achieved', 'not_started']);
    expect(discharge.referrals.map((r: { outcome: string }) => r.outcome)).toEqual(['accepted']);
    expect(discharge).toMatchObject({ recommendations: '', followUp: null });
  });

  it('when the summary is malformed or names what the episode does not have, then it is refused field by field and nothing is written', async () => {
    const { api, db } = stack;
    const team = await createTeam(db.pool);
    const w = await workedCase(team);
    const other = await workedCase(await createTeam(db.pool));
    const state = async () =>
      (
        await db.pool.query(
          `SELECT c.status, c.closure_reason, c.closure_discharge,
                  (SELECT count(*)::int FROM closure_events e WHERE e.case_id = c.id) AS events,
                  (SELECT count(*)::int FROM case_changes x WHERE x.case_id = c.id) AS changes
             FROM cases c WHERE c.id = $1`,
          [w.caseId],
        )
      ).rows[0];
    const before = await state();
    const base = { reason: 'Goals met', summary: 'Done.' };
    const refused: [number, string, Record<string, unknown>][] = [
      [400, 'body.goals.0.outcome', { goals: [{ goalId: w.goalIds[0], outcome: 'great' }] }],
      [
        422,
        'body.goals.1.goalId',
        {
          goals: [
            { goalId: w.goalIds[0], outcome: 'achieved' },
            { goalId: w.goalIds[0], outcome: 'dropped' },
          ],
        },
      ],
      [400, 'body.referrals.0.referralId', { referrals: [{ referralId: 'nope', outcome: 'completed' }] }],
      [400, 'body.followUp.what', { followUp: { what: '  ', by: '2099-01-01' } }],
      [400, 'body.followUp.by', { followUp: { what: 'Call', by: '31/12/2099' } }],
      [400, 'body.goals.0.colour', { goals: [{ goalId: w.goalIds[0], outcome: 'achieved', colour: 'red' }] }],
      [422, 'body.goals.0.goalId', { goals: [{ goalId: other.goalIds[0], outcome: 'achieved' }] }],
      [
        422,
        'body.referrals.0.referralId',
        { referrals: [{ referralId: other.referralId, outcome: 'completed' }] },
      ],
      [422, 'body.followUp.by', { followUp: { what: 'Call', by: '2001-01-01' } }],
    ];
    for (const [status, field, extra] of refused) {
      const res = await api.call('POST', `${w.base}/closure`, team.caseManager.token, { ...base, ...extra });
      expect({ field, status: res.status, type: res.headers.get('content-type') }).toEqual({
        field,
        status,
        type: expect.stringContaining('application/problem+json'),
      });
      expect(res.body.errors).toEqual(expect.arrayContaining([expect.objectContaining({ field })]));
    }
    expect(await state()).toEqual(before);
    expect(before).toMatchObject({ status: 'active', closure_discharge: null, events: 0 });
    // An episode not closed (or not there) is 404, like a case one may not see.
    expect((await api.call('GET', `${w.base}/episodes/1`, team.caseManager.token)).status).toBe(404);
    expect((await api.call('GET', `${w.base}/episodes/0`, team.caseManager.token)).status).toBe(400);
    expect((await api.call('GET', `${other.base}/episodes/1`, team.caseManager.token)).status).toBe(404);
  });

  it('when a closed case is reopened and closed again, then both episodes keep their own summaries', async () => {
    const { api, db, env } = stack;
    const team = await createTeam(db.pool);
    const cm = team.caseManager.token;
    const w = await workedCase(team, ['Stable tenancy']);
    expect(
      (
        await api.call('POST', `${w.base}/closure`, cm, {
          reason: 'Goals met',
          summary: 'First episode: housed.',
          recommendations: 'First recommendations.',
        })
      ).status,
    ).toBe(200);
    await approve(w.base, team);

    await env.sleep(3 * DAY);
    expect((await api.call('POST', `${w.base}/reopen`, team.supervisor.token)).status).toBe(200);
    // The new episode's form starts from nothing of the old one: no plan, no referrals yet.
    await steps.assess(w.base, cm, 'reassessment');
    const goalId = await steps.approvedPlan(w.base, team, '2099-12-31');
    expect(
      (
        await api.call('POST', `${w.base}/closure`, cm, {
          reason: 'Client could not be reached',
          summary: 'Second episode: lost contact.',
          goals: [{ goalId, outcome: 'not_achieved' }],
          // The first episode's referral is not this episode's.
          referrals: [{ referralId: w.referralId, outcome: 'completed' }],
        })
      ).status,
    ).toBe(422);
    expect(
      (
        await api.call('POST', `${w.base}/closure`, cm, {
          reason: 'Client could not be reached',
          summary: 'Second episode: lost contact.',
          goals: [{ goalId, outcome: 'not_achieved' }],
          followUp: { what: 'Letter to the last address' },
        })
      ).status,
    ).toBe(200);
    await approve(w.base, team);

    const first = (await api.call('GET', `${w.base}/episodes/1`, team.supervisor.token)).body;
    const second = (await api.call('GET', `${w.base}/episodes/2`, team.supervisor.token)).body;
    expect(first).toMatchObject({
      closureReason: 'Goals met',
      closureSummary: 'First episode: housed.',
      discharge: {
        plan: { id: w.planId },
        goals: [{ goalId: w.goalIds[0], outcome: 'achieved' }],
        referrals: [{ referralId: w.referralId, outcome: 'accepted' }],
        recommendations: 'First recommendations.',
        followUp: null,
      },
    });
    expect(second).toMatchObject({
      closureReason: 'Client could not be reached',
      closureSummary: 'Second episode: lost contact.',
      discharge: {
        goals: [{ goalId, outcome: 'not_achieved' }],
        referrals: [],
        recommendations: '',
        followUp: { what: 'Letter to the last address', by: null },
      },
    });
    expect(second.discharge.plan.id).not.toBe(w.planId);
    expect(Date.parse(second.openedAt)).toBeGreaterThan(Date.parse(first.closedAt));
  });

  it('when an episode was closed before summaries were structured, then it still reads with its free text', async () => {
    const { api, db } = stack;
    const team = await createTeam(db.pool);
    const { caseId, base } = await steps.intake(team);
    // As migration 1732710000000 left an episode closed before this: free text, no structure.
    await db.pool.query(
      `INSERT INTO case_episodes (case_id, episode, opened_at, closed_at, closure_reason, closure_summary, closed_by)
       VALUES ($1, 1, now() - interval '90 days', now() - interval '30 days', 'moved_away', 'Moved out of area.', $2)`,
      [caseId, team.supervisor.id],
    );
    const res = await api.call('GET', `${base}/episodes/1`, team.caseManager.token);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      closureReason: 'moved_away',
      closureSummary: 'Moved out of area.',
      requestedAt: null,
      requestedBy: null,
      discharge: null,
    });
  });
});
