import type { Pool } from 'pg';
import { createCaseRow, createProgram, createStaff, type StaffFixture } from './fixtures';

/**
 * A program manager's program with `members` case managers ("Member 00", "Member 01", …), one open
 * case each; only the last by name has overdue work (an initial assessment a day late at `now`), so
 * ranking by overdue work puts them first. For the team pages' paging.
 */
export async function seedLargeTeam(
  pool: Pool,
  members: number,
  now: Date,
): Promise<{ programManager: StaffFixture; behind: StaffFixture }> {
  const programManager = await createStaff(pool, 'program_manager', { name: 'Priya Manager' });
  const supervisor = await createStaff(pool, 'supervisor');
  const programId = await createProgram(pool, { programManagerId: programManager.id });
  let behind: StaffFixture | undefined;
  for (let i = 0; i < members; i++) {
    const cm = await createStaff(pool, 'case_manager', {
      supervisorId: supervisor.id,
      name: `Member ${String(i).padStart(2, '0')}`,
    });
    const c = await createCaseRow(pool, { programId, caseManager: cm, supervisor });
    if (i === members - 1) {
      behind = cm;
      await pool.query(
        `INSERT INTO case_obligations (case_id, obligation_id, obligation_kind, due_at, running)
         VALUES ($1, 'initial_assessment', 'initial_assessment', $2, true)`,
        [c.id, new Date(now.getTime() - 86_400_000)],
      );
    }
  }
  return { programManager, behind: behind! };
}
