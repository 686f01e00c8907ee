import { Client, type Pool } from 'pg';
import { BY_TIME_SHARE, reachFor } from '../../src/domain/program-reach';
import { createTestDatabase, type TestDatabase } from '../helpers/db';
import { createProgram, createStaff } from '../helpers/fixtures';

/** Open cases of one program, as rows (no workflows: the choice reads only the cases table). */
async function seedCases(
  pool: Pool,
  programId: string,
  staff: { caseManagerId: string; supervisorId: string },
  count: number,
): Promise<void> {
  await pool.query(
    `WITH c AS (
       INSERT INTO clients (given_name, family_name)
       SELECT 'Reach', 'Client ' || g FROM generate_series(1, $1::int) g RETURNING id
     )
     INSERT INTO cases (client_id, program_id, case_manager_id, supervisor_id, risk_level, status)
     SELECT c.id, $2, $3, $4, 'medium', 'assessment' FROM c`,
    [count, programId, staff.caseManagerId, staff.supervisorId],
  );
}

describe('How oversight reads reach a program’s records', () => {
  let db: TestDatabase;
  let large: string;
  let small: string;
  let both: string[];

  beforeAll(async () => {
    db = await createTestDatabase();
    const supervisor = await createStaff(db.pool, 'supervisor');
    const cm = await createStaff(db.pool, 'case_manager', { supervisorId: supervisor.id });
    const staff = { caseManagerId: cm.id, supervisorId: supervisor.id };
    large = await createProgram(db.pool);
    small = await createProgram(db.pool);
    const others = [await createProgram(db.pool), await createProgram(db.pool)];
    await seedCases(db.pool, large, staff, 300);
    await seedCases(db.pool, small, staff, 15);
    for (const p of others) await seedCases(db.pool, p, staff, 100);
    both = [small, others[0]!];
    // As autovacuum leaves a table: the statistics the choice reads (the owner may analyze).
    const owner = new Client({ connectionString: db.ownerUrl });
    await owner.connect();
    await owner.query('ANALYZE cases');
    await owner.end();
  });
  afterAll(() => db?.drop());

  it(`when a program holds a fifth or more of all cases (${BY_TIME_SHARE}), then its records are read by time`, async () => {
    // 300 of 515.
    expect(await reachFor(db.pool, [large])).toBe('by_time');
  });

  it('when a program is a small part of the organisation, then its records are looked up case by case', async () => {
    // 15 of 515.
    expect(await reachFor(db.pool, [small])).toBe('by_case');
  });

  it('when a program manager has several programs, then their cases together decide', async () => {
    // 115 of 515: more than a fifth.
    expect(await reachFor(db.pool, both)).toBe('by_time');
  });

  it('when the manager has no program, then there is nothing to read and the per-case way costs nothing', async () => {
    expect(await reachFor(db.pool, [])).toBe('by_case');
  });
});
