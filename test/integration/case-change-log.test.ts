import type { Pool, PoolClient } from 'pg';
import { inTransaction } from '../../src/db/tx';
import { changeLanded, stageChange, type StagedChange } from '../../src/domain/case-changes';
import { createCaseWorkflows } from '../../src/temporal/case-workflows';
import { createTeam } from '../helpers/fixtures';
import { startTestStack, type TestStack } from '../helpers/stack';

/**
 * The case change log's own promises: a change delivered twice is applied once, a retried key
 * never creates twice (even when the retry races the first), and a COMMIT whose answer is lost is
 * found to have landed instead of being reported as "nothing changed".
 */
describe('case change log', () => {
  const taskQueue = 'change-log-test';
  let stack: TestStack;
  let pool: Pool;

  beforeAll(async () => {
    stack = await startTestStack(taskQueue);
    pool = stack.db.pool;
  });
  afterAll(async () => {
    await stack?.stop();
  });

  const intake = (team: Awaited<ReturnType<typeof createTeam>>, familyName: string, headers = {}) =>
    stack.api.call(
      'POST',
      '/api/v1/cases',
      team.caseManager.token,
      {
        programId: team.programId,
        caseManagerId: team.caseManager.id,
        client: { givenName: 'Log', familyName },
      },
      headers,
    );

  it('when the same change reaches the workflow twice (request and relay), then it is applied once and the repeat is answered, not refused', async () => {
    const team = await createTeam(pool);
    const opened = await intake(team, 'Twice');
    expect(opened.status).toBe(201);
    const caseId = opened.body.id as string;
    const hold = await stack.api.call('POST', `/api/v1/cases/${caseId}/hold`, team.caseManager.token, {
      reason: 'In hospital',
    });
    expect(hold).toMatchObject({ status: 200, body: { schedule: { status: 'on_hold' } } });
    const { seq, payload } = (
      await pool.query<{ seq: number; payload: { event: never } }>(
        `SELECT seq, payload FROM case_changes WHERE case_id = $1 AND payload->>'kind' = 'event'`,
        [caseId],
      )
    ).rows[0]!;

    const workflows = createCaseWorkflows(stack.env.client, taskQueue);
    // The same numbered hold again: answered with the schedule as it stands, version unchanged.
    const repeat = await workflows.event(caseId, payload.event, { change: seq });
    expect(repeat).toMatchObject({ status: 'on_hold', version: hold.body.schedule.version });
    // Without its number the same hold is a new request, and the workflow refuses it: the check is real.
    await expect(workflows.event(caseId, payload.event)).rejects.toThrow(/already on hold/);
  });

  it('when two requests with the same Idempotency-Key race, then one case is created and both answers name it', async () => {
    const team = await createTeam(pool);
    const headers = { 'idempotency-key': `race-${team.caseManager.id}` };
    const [a, b] = await Promise.all([intake(team, 'Race', headers), intake(team, 'Race', headers)]);
    const created = await pool.query(
      `SELECT c.id FROM cases c JOIN clients cl ON cl.id = c.client_id
        WHERE cl.family_name = 'Race' AND c.case_manager_id = $1`,
      [team.caseManager.id],
    );
    expect(created.rowCount).toBe(1);
    const answers = [a, b].map((r) => r.status).sort();
    // The loser waited on the key and either replays the stored answer or is told to retry shortly.
    expect([
      [201, 201],
      [201, 409],
    ]).toContainEqual(answers);
    for (const r of [a, b].filter((x) => x.status === 201)) expect(r.body.id).toBe(created.rows[0].id);
    const key = await pool.query('SELECT status FROM idempotency_keys WHERE key = $1', [
      headers['idempotency-key'],
    ]);
    expect(key.rows).toEqual([{ status: 201 }]);
  });

  it('when the connection dies as COMMIT is sent, then the change is looked for and, found, reported as done', async () => {
    const team = await createTeam(pool);
    const opened = await intake(team, 'Commit');
    const caseId = opened.body.id as string;
    let staged: StagedChange | undefined;
    // The session is terminated the moment COMMIT leaves: the client sees a dead connection,
    // and whether the commit landed is exactly what the caller cannot know without asking.
    const result = await inTransaction(
      pool,
      async (db) => {
        staged = await stageChange(db, caseId, {
          kind: 'event',
          event: { type: 'note_added', noteType: 'contact', at: new Date().toISOString() },
        });
        dieOnCommit(db, pool);
        return 'done';
      },
      { landed: changeLanded(() => staged) },
    );
    expect(result).toBe('done');
    const row = await pool.query('SELECT 1 FROM case_changes WHERE id = $1', [staged!.id]);
    expect(row.rowCount).toBe(1);
  });

  it('when the connection dies before COMMIT, then the change is not there and the caller is told so', async () => {
    const team = await createTeam(pool);
    const opened = await intake(team, 'Rollback');
    const caseId = opened.body.id as string;
    let staged: StagedChange | undefined;
    await expect(
      inTransaction(
        pool,
        async (db) => {
          staged = await stageChange(db, caseId, {
            kind: 'event',
            event: { type: 'note_added', noteType: 'contact', at: new Date().toISOString() },
          });
          await terminate(pool, db);
          return 'done';
        },
        { landed: changeLanded(() => staged) },
      ),
    ).rejects.toThrow();
    const row = await pool.query('SELECT 1 FROM case_changes WHERE id = $1', [staged!.id]);
    expect(row.rowCount).toBe(0);
  });
});

async function terminate(pool: Pool, db: PoolClient): Promise<void> {
  const pid = (await db.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]!.pid;
  await pool.query('SELECT pg_terminate_backend($1)', [pid]).catch(() => undefined);
}

/**
 * Lets COMMIT reach the server and complete, then makes the client's wait for its answer fail as
 * if the connection had dropped: the "did it land?" question in its purest form.
 */
function dieOnCommit(db: PoolClient, pool: Pool): void {
  const query = db.query.bind(db) as (text: string) => Promise<unknown>;
  (db as unknown as { query: (text: string) => Promise<unknown> }).query = async (text: string) => {
    if (text !== 'COMMIT') return query(text);
    await query('COMMIT');
    await terminate(pool, db);
    throw Object.assign(new Error('Connection terminated unexpectedly'), { code: 'ECONNRESET' });
  };
}
