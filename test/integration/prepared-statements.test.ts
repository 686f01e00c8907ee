import { Pool } from 'pg';
import { createProjectCaseSchedule } from '../../src/activities/projection';
import { createPool } from '../../src/db/pool';
import { prepared, preparedVariants } from '../../src/db/prepared';
import { inTransaction } from '../../src/db/tx';
import { recordIntake } from '../../src/domain/intake';
import { createTestDatabase, type TestDatabase } from '../helpers/db';
import { createCaseRow, createTeam } from '../helpers/fixtures';

/**
 * The hot statements are prepared once per connection (src/db/prepared.ts). A rolling deploy runs
 * migrations under live connections, so a prepared statement must keep answering after a
 * migration adds columns and indexes to the tables it touches: it may be planned again, never
 * refused. What would refuse it, a result whose `*` grows, is shown too, so the rule is not taken
 * on trust.
 */
describe('prepared statements across a migration', () => {
  let db: TestDatabase;
  let owner: Pool;
  let oneConnection: Pool;
  beforeAll(async () => {
    db = await createTestDatabase();
    owner = new Pool({ connectionString: db.ownerUrl });
    // One connection, so every call below reuses the statement it prepared.
    oneConnection = createPool(db.url, 1);
  });
  afterAll(async () => {
    await oneConnection?.end();
    await owner?.end();
    await db?.drop();
  });

  it('when the same text is prepared twice, then it is one statement; a different text is another', () => {
    expect(prepared('SELECT 1 AS one').name).toBe(prepared('SELECT 1 AS one').name);
    expect(prepared('SELECT 1 AS one').name).not.toBe(prepared('SELECT 2 AS one').name);
    expect(prepared('SELECT $1::int AS n').with([7])).toEqual({
      name: prepared('SELECT $1::int AS n').name,
      text: 'SELECT $1::int AS n',
      values: [7],
    });
  });

  it('when a statement comes in variants, then each text is prepared once and the same text is the same statement', () => {
    const variant = preparedVariants();
    const first = variant('SELECT 1 AS one');
    expect(variant('SELECT 1 AS one')).toBe(first);
    expect(first.name).toBe(prepared('SELECT 1 AS one').name);
    expect(variant('SELECT 2 AS one').name).not.toBe(first.name);
  });

  it('when a migration adds a column and an index to cases after a connection prepared the projection and intake statements, then both still answer on it with the same columns', async () => {
    const team = await createTeam(db.pool);
    const kase = await createCaseRow(db.pool, team);
    const project = createProjectCaseSchedule({ pool: oneConnection });
    const projection = (version: number) => ({
      caseId: kase.id,
      version,
      status: 'assessment' as const,
      nextDueAt: '2027-01-04T09:00:00.000Z',
      nextDueKind: 'initial_assessment',
      overdueCount: 0,
      escalationLevel: 0,
      obligations: [
        {
          id: 'initial_assessment',
          kind: 'initial_assessment' as const,
          dueAt: '2027-01-04T09:00:00.000Z',
          running: true,
          escalationLevel: 0,
          acknowledged: false,
        },
      ],
    });
    const intake = () =>
      inTransaction(oneConnection, (conn) =>
        recordIntake<Record<string, unknown>>(
          conn,
          team.caseManager,
          {
            programId: team.programId,
            caseManagerId: team.caseManager.id,
            client: { givenName: 'Ada', familyName: 'Okafor' },
          },
          new Date('2026-12-01T10:00:00Z'),
        ),
      );
    expect(await project(projection(1))).toEqual({ found: true });
    const before = await intake();

    await owner.query('ALTER TABLE cases ADD COLUMN prepared_probe text');
    await owner.query('CREATE INDEX cases_prepared_probe ON cases (prepared_probe)');
    await owner.query('ALTER TABLE case_obligations ADD COLUMN prepared_probe text');

    expect(await project(projection(2))).toEqual({ found: true });
    const after = await intake();
    expect(Object.keys(after.row).sort()).toEqual(Object.keys(before.row).sort());
    expect(Object.keys(after.row)).not.toContain('prepared_probe');
    const written = await db.pool.query<{ projection_version: number; obligations: string }>(
      `SELECT c.projection_version, count(o.*)::text AS obligations
         FROM cases c LEFT JOIN case_obligations o ON o.case_id = c.id WHERE c.id = $1
        GROUP BY c.projection_version`,
      [kase.id],
    );
    expect(written.rows).toEqual([{ projection_version: '2', obligations: '1' }]);

    // What the rule guards against: a prepared result of `*` cannot follow the table's new shape.
    const everything = prepared('SELECT * FROM programs WHERE id = $1');
    await oneConnection.query(everything.with([team.programId]));
    await owner.query('ALTER TABLE programs ADD COLUMN prepared_probe text');
    await expect(oneConnection.query(everything.with([team.programId]))).rejects.toThrow(
      /cached plan must not change result type/,
    );
  });
});
