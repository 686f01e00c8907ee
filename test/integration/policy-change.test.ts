import { Client } from 'pg';
import { DEFAULT_POLICY } from '../../src/core/policy';
import { reconcile } from '../../src/domain/reconcile';
import { createCaseFactsReader } from '../../src/temporal/case-facts';
import { createCaseWorkflows } from '../../src/temporal/case-workflows';
import { caseFactsQuery } from '../../src/workflows/messages';
import { DAY, skipTo, startOn } from '../helpers/clock';
import { caseSteps } from '../helpers/case-steps';
import { createTeam } from '../helpers/fixtures';

type Team = Awaited<ReturnType<typeof createTeam>>;
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
    const open = (familyName: string) => openCase(stack, team, familyName);
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

  it('when the policy change is chosen as a deadlock victim while it locks the program’s cases, then it runs again and answers 200 with one new version', async () => {
    const { api, db } = stack;
    const team = await createTeam(db.pool);
    const open = (familyName: string) => openCase(stack, team, familyName);
    // The change locks a program's open cases in id order: another writer holds the later one.
    const [first, later] = [await open('First'), await open('Second')].sort();
    // Both settled first, so the worker's own writes to them are not in the queue for the row.
    await settle(stack, first!);
    await settle(stack, later!);
    const other = new Client({ connectionString: db.ownerUrl });
    await other.connect();
    try {
      await other.query('BEGIN');
      await other.query('SELECT 1 FROM cases WHERE id = $1 FOR UPDATE', [later]);
      const change = api.call('PUT', `/api/v1/programs/${team.programId}/policy`, team.programManager.token, {
        ...DEFAULT_POLICY,
        initialAssessmentDue: 'P7D',
      });
      // Once the change (holding the program) waits for that case, the other writer asks for the program the change holds:
      // a cycle, found by the change's own deadlock check (it began waiting first), so it is the victim.
      await waitUntil(async () => {
        const waiting = await other.query(
          `SELECT 1 FROM pg_locks w JOIN pg_locks p ON p.pid = w.pid
            WHERE NOT w.granted AND w.locktype IN ('transactionid', 'tuple')
              AND p.relation = 'programs'::regclass AND p.mode = 'RowShareLock' AND p.granted`,
        );
        return (waiting.rowCount ?? 0) > 0;
      });
      const otherAsks = other.query('SELECT 1 FROM programs WHERE id = $1 FOR KEY SHARE', [team.programId]);
      // The victim's rollback lets the other writer through; it then finishes, and the retry proceeds.
      await otherAsks;
      await other.query('COMMIT');
      const changed = await change;
      expect(changed).toMatchObject({ status: 200, body: { policyVersion: 2, delivery: { cases: 2 } } });
      const versions = await db.pool.query('SELECT version FROM program_policies WHERE program_id = $1', [
        team.programId,
      ]);
      expect(versions.rows.map((r) => r.version).sort()).toEqual([1, 2]);
    } finally {
      await other.end();
    }
  });
});

async function waitUntil(check: () => Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('timed out waiting for the change to block');
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** Opens a case in the team's program through the API; its id. */
async function openCase(stack: TestStack, team: Team, familyName: string): Promise<string> {
  const opened = await stack.api.call('POST', '/api/v1/cases', team.caseManager.token, {
    programId: team.programId,
    caseManagerId: team.caseManager.id,
    client: { givenName: 'Policy', familyName },
  });
  return opened.body.id as string;
}
