import fs from 'node:fs';
import path from 'node:path';
import { Pool } from 'pg';
import { createTestDatabase, type TestDatabase } from '../helpers/db';
import { createCaseRow, createTeam } from '../helpers/fixtures';

const MIGRATION = path.join(
  __dirname,
  '..',
  '..',
  'src',
  'db',
  'migrations',
  '1733300000005_first_running_due.sql',
);

/**
 * The team view trusts the case row's earliest running due time: a database upgraded with
 * obligations already projected must have it filled from them, and it must follow every later
 * write of case_obligations, whoever writes it (a worker mid-rollout still on the older projection),
 * or overdue work would vanish from the view.
 */
describe('first-running-due migration on projected obligations', () => {
  let db: TestDatabase;
  let owner: Pool;
  beforeAll(async () => {
    db = await createTestDatabase();
    owner = new Pool({ connectionString: db.ownerUrl });
  });
  afterAll(async () => {
    await owner?.end();
    await db?.drop();
  });

  it('when it runs over cases with obligations, then each case holds its earliest running due time, and every later write of an obligation keeps it so', async () => {
    const [up, down] = fs.readFileSync(MIGRATION, 'utf8').split('-- Down Migration') as [string, string];
    await owner.query(down);
    const team = await createTeam(owner);
    const [late, paused, none] = [
      await createCaseRow(owner, team),
      await createCaseRow(owner, team),
      await createCaseRow(owner, team),
    ];
    const obligation = (caseId: string, id: string, dueAt: string, running: boolean) =>
      owner.query(
        `INSERT INTO case_obligations (case_id, obligation_id, obligation_kind, due_at, running)
         VALUES ($1, $2, 'reassessment', $3, $4)`,
        [caseId, id, dueAt, running],
      );
    await obligation(late.id, 'a', '2026-12-20T09:00:00Z', true);
    await obligation(late.id, 'b', '2026-11-20T09:00:00Z', true);
    await obligation(late.id, 'c', '2026-10-01T09:00:00Z', false);
    await obligation(paused.id, 'a', '2026-10-01T09:00:00Z', false);

    await owner.query(up);

    const firstDue = async (id: string) =>
      (
        await owner.query<{ first: Date | null }>(
          'SELECT first_running_due_at AS first FROM cases WHERE id = $1',
          [id],
        )
      ).rows[0]!.first?.toISOString() ?? null;
    expect(await firstDue(late.id)).toBe('2026-11-20T09:00:00.000Z');
    expect(await firstDue(paused.id)).toBeNull();
    expect(await firstDue(none.id)).toBeNull();

    // After it, any write of an obligation moves it: added, paused, resumed, moved, removed.
    await obligation(none.id, 'a', '2026-12-01T09:00:00Z', true);
    expect(await firstDue(none.id)).toBe('2026-12-01T09:00:00.000Z');
    await owner.query(
      "UPDATE case_obligations SET running = false WHERE case_id = $1 AND obligation_id = 'b'",
      [late.id],
    );
    expect(await firstDue(late.id)).toBe('2026-12-20T09:00:00.000Z');
    await owner.query(
      "UPDATE case_obligations SET running = true WHERE case_id = $1 AND obligation_id = 'c'",
      [late.id],
    );
    expect(await firstDue(late.id)).toBe('2026-10-01T09:00:00.000Z');
    await owner.query(
      "UPDATE case_obligations SET due_at = '2027-01-05T09:00:00Z' WHERE case_id = $1 AND obligation_id = 'a'",
      [paused.id],
    );
    expect(await firstDue(paused.id)).toBeNull();
    await owner.query("DELETE FROM case_obligations WHERE case_id = $1 AND obligation_id = 'c'", [late.id]);
    expect(await firstDue(late.id)).toBe('2026-12-20T09:00:00.000Z');
    await owner.query('DELETE FROM case_obligations WHERE case_id = $1', [late.id]);
    expect(await firstDue(late.id)).toBeNull();
  });
});
