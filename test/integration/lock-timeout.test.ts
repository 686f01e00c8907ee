import type { Client } from '@temporalio/client';
import { Client as PgClient, type Pool } from 'pg';
import { createPool } from '../../src/db/pool';
import { startTestApi, type TestApi } from '../helpers/api';
import { createTestDatabase, type TestDatabase } from '../helpers/db';
import { createCaseRow, createProgram, createStaff, type StaffFixture } from '../helpers/fixtures';

/**
 * A case row locked by a transaction that does not let go (a worker frozen inside a projection's
 * transaction holds it exactly so): the API's pool waits at most its lock timeout, then answers
 * 503 with nothing written, and the same request succeeds once the lock is gone.
 */
describe('a request meeting a row lock that is not let go', () => {
  let db: TestDatabase;
  let pool: Pool;
  let api: TestApi;
  let caseManager: StaffFixture;
  let caseId: string;

  beforeAll(async () => {
    db = await createTestDatabase();
    pool = createPool(db.url, 4, { lockTimeoutMs: 300 });
    // No Temporal: the change is recorded and left to the relay (202), which is all this needs.
    api = await startTestApi(pool, {} as Client, 'lock-timeout-test');
    const supervisor = await createStaff(db.pool, 'supervisor');
    caseManager = await createStaff(db.pool, 'case_manager', { supervisorId: supervisor.id });
    const programId = await createProgram(db.pool);
    caseId = (await createCaseRow(db.pool, { programId, caseManager, supervisor })).id;
  });
  afterAll(async () => {
    await api?.close();
    await pool?.end();
    await db?.drop();
  });

  const notes = async (): Promise<number> =>
    Number(
      (await db.pool.query('SELECT count(*) AS n FROM case_notes WHERE case_id = $1', [caseId])).rows[0].n,
    );
  const addNote = () =>
    api.call('POST', `/api/v1/cases/${caseId}/notes`, caseManager.token, {
      type: 'progress',
      body: 'Client attended the housing workshop.',
    });

  it('when the case row stays locked past the timeout, then the answer is 503 problem+json within the bound and nothing is written', async () => {
    const holder = new PgClient({ connectionString: db.url });
    await holder.connect();
    try {
      await holder.query('BEGIN');
      await holder.query('SELECT 1 FROM cases WHERE id = $1 FOR UPDATE', [caseId]);
      const started = Date.now();
      const refused = await addNote();
      const waited = Date.now() - started;
      expect(refused.status).toBe(503);
      expect(refused.headers.get('content-type')).toMatch(/application\/problem\+json/);
      expect(refused.body).toMatchObject({
        status: 503,
        detail: expect.stringMatching(/nothing was changed/),
      });
      // The bound, not the holder, ended the wait (generous: a busy machine answers slowly).
      expect(waited).toBeLessThan(10_000);
      expect(await notes()).toBe(0);
      const changes = await db.pool.query('SELECT count(*) AS n FROM case_changes WHERE case_id = $1', [
        caseId,
      ]);
      expect(Number(changes.rows[0].n)).toBe(0);
    } finally {
      await holder.query('ROLLBACK');
      await holder.end();
    }
  });

  it('when the lock is gone, then the same request is recorded', async () => {
    const accepted = await addNote();
    expect([201, 202]).toContain(accepted.status);
    expect(await notes()).toBe(1);
  });
});
