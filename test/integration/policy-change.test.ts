import { DEFAULT_POLICY } from '../../src/core/policy';
import { reconcile } from '../../src/domain/reconcile';
import { createCaseFactsReader } from '../../src/temporal/case-facts';
import { createCaseWorkflows } from '../../src/temporal/case-workflows';
import { caseFactsQuery } from '../../src/workflows/messages';
import { DAY, skipTo, startOn } from '../helpers/clock';
import { caseSteps } from '../helpers/case-steps';
import { createTeam } from '../helpers/fixtures';
import { sentMail } from '../helpers/mail-log';
import { settle } from '../helpers/settle';
import { startTestStack, type TestStack } from '../helpers/stack';

describe('a program policy change reaches running cases', () => {
  let stack: TestStack;
  beforeAll(async () => {
    stack = await startTestStack('policy-change-test');
  });
  afterAll(() => stack?.stop());

  it('when the program shortens the assessment deadline mid-way, then the running case is due on the new date and never on the old one', async () => {
    const { api, env, smtp, db } = stack;
    const team = await createTeam(db.pool);
    const t0 = await startOn(env, 'Mon', '10:00');
    const { caseId, base } = await caseSteps(api).intake(team);

    // Thursday of the first week: the new deadline (day 7, a Monday) is still ahead.
    await skipTo(env, t0 + 3 * DAY);
    const changed = await api.call(
      'PUT',
      `/api/v1/programs/${team.programId}/policy`,
      team.programManager.token,
      {
        ...DEFAULT_POLICY,
        initialAssessmentDue: 'P7D',
      },
    );
    expect(changed).toMatchObject({ status: 200, body: { policyVersion: 2 } });
    expect(
      (
        await api.call(
          'PUT',
          `/api/v1/programs/${team.programId}/policy`,
          team.caseManager.token,
          DEFAULT_POLICY,
        )
      ).status,
    ).toBe(403);

    await skipTo(env, t0 + 25 * DAY);
    const mine = sentMail(smtp, caseId, t0)
      .filter((m) => m.to === team.caseManager.email)
      .map(({ when, subject }) => ({ when, subject }));
    expect(mine.slice(0, 3)).toEqual([
      { when: 'd4 Fri 10:00', subject: expect.stringMatching(/^Initial assessment due \w{3}, /) },
      { when: 'd7 Mon 10:00', subject: 'Initial assessment due now' },
      { when: 'd10 Thu 10:00', subject: 'Initial assessment overdue 3 days' },
    ]);
    // The old deadline (day 14) never produces a "due now".
    expect(mine.filter((m) => m.subject === 'Initial assessment due now')).toEqual([
      { when: 'd7 Mon 10:00', subject: 'Initial assessment due now' },
    ]);
    const view = await api.call('GET', base, team.caseManager.token);
    expect(Date.parse(view.body.schedule.obligations[0].dueAt) - Date.parse(view.body.openedAt)).toBe(
      7 * DAY,
    );
  });

  it('when a policy change cannot reach one of its cases, then its fan-out workflow keeps delivering in rounds until a repair lets it through, and ends with every case on the new version', async () => {
    const { api, env, db, taskQueue } = stack;
    const team = await createTeam(db.pool);
    const open = async (familyName: string) =>
      (
        await api.call('POST', '/api/v1/cases', team.caseManager.token, {
          programId: team.programId,
          caseManagerId: team.caseManager.id,
          client: { givenName: 'Fan', familyName },
        })
      ).body.id as string;
    const reachable = await open('Reachable');
    const stranded = await open('Stranded');
    // An operator ended the second case's run by hand: nothing can be delivered to it. (Settled first:
    // ending a run while its first activity runs stops the time-skipping server from skipping.)
    await settle(stack, stranded);
    await env.client.workflow.getHandle(`case-${stranded}`).terminate('test: stranded');

    const changed = await api.call(
      'PUT',
      `/api/v1/programs/${team.programId}/policy`,
      team.programManager.token,
      {
        ...DEFAULT_POLICY,
        initialAssessmentDue: 'P7D',
      },
    );
    expect(changed).toMatchObject({
      status: 200,
      body: {
        policyVersion: 2,
        delivery: { cases: 2, pending: 1, workflowId: expect.stringMatching(/^fan-out-/) },
      },
    });
    const fanOut = env.client.workflow.getHandle(changed.body.delivery.workflowId as string);
    const facts = (caseId: string) => env.client.workflow.getHandle(`case-${caseId}`).query(caseFactsQuery);
    expect((await facts(reachable)).policyVersion).toBe(2);
    // Rounds go on while the stranded case waits (the time-skipping server runs their pauses at once).
    await env.sleep('1 hour');
    expect((await fanOut.describe()).status.name).toBe('RUNNING');

    // The repair starts a new run from the record (on version 2); the fan-out's next round then delivers.
    await reconcile(
      {
        pool: db.pool,
        workflows: createCaseWorkflows(env.client, taskQueue),
        facts: createCaseFactsReader(env.client),
      },
      { repair: true },
    );
    await env.sleep('10 minutes');
    expect(await fanOut.result()).toMatchObject({ cases: 2 });
    expect((await fanOut.result()).rounds).toBeGreaterThan(1);
    expect((await facts(stranded)).policyVersion).toBe(2);
    const waiting = await db.pool.query(
      `SELECT 1 FROM case_changes WHERE case_id = ANY($1) AND delivered_at IS NULL AND refused_at IS NULL`,
      [[reachable, stranded]],
    );
    expect(waiting.rowCount).toBe(0);
  });
});
