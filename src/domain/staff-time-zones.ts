import type { PoolClient } from 'pg';
import type { CaseChange } from './case-changes';

/**
 * A staff member's new time zone reaches every running case they take part in: as case manager,
 * supervisor, manager of the case's program, or assignee of an open task. Each case's workflow captured the zone when the
 * person joined the case, and holds their reminders to working hours in it; one change per open
 * case is staged in the caller's transaction (with the staff row's update), delivered after the
 * commit like every fan-out (src/domain/case-changes.ts).
 */
export async function stageTimeZoneChange(
  db: PoolClient,
  staffId: string,
  timeZone: string,
  now: Date,
  fanOutId: string,
): Promise<string[]> {
  const change: CaseChange = {
    kind: 'event',
    event: { type: 'time_zone_changed', staffId, timeZone, at: now.toISOString() },
  };
  const staged = await db.query<{ case_id: string }>(
    `WITH open_cases AS (
       SELECT c.id FROM cases c JOIN programs p ON p.id = c.program_id
        WHERE c.status <> 'closed'
          AND (c.case_manager_id = $1 OR c.supervisor_id = $1 OR p.program_manager_id = $1
               OR EXISTS (SELECT 1 FROM case_tasks t
                           WHERE t.case_id = c.id AND t.assignee_id = $1 AND t.status = 'open'))
        ORDER BY c.id FOR UPDATE OF c
     )
     INSERT INTO case_changes (id, case_id, seq, payload, fan_out_id)
     SELECT gen_random_uuid(), o.id,
            coalesce((SELECT max(seq) FROM case_changes x WHERE x.case_id = o.id), -1) + 1, $2, $3
       FROM open_cases o
     RETURNING case_id`,
    [staffId, JSON.stringify(change), fanOutId],
  );
  return staged.rows.map((r) => r.case_id);
}
