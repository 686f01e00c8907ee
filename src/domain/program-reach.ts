import type { Pool } from 'pg';

/**
 * How an oversight read reaches the records of some programs' cases. 'by_case' starts from the
 * programs' cases and looks each one's records up (per-case indexes): it costs what the programs
 * hold, whatever else the organisation holds. 'by_time' reads the records of every program (by
 * time, or every running obligation) and keeps these programs' ones: cheaper when they are most
 * of the organisation, where a lookup per case would read the same rows one at a time. The
 * planner alone does not find this: it prices the per-case lookups as disk reads, and chose the
 * organisation-wide read even for a program of 1 % of it.
 */
export type ProgramReach = 'by_case' | 'by_time';

/** At or above this share of all cases, programs' records are read by time. */
export const BY_TIME_SHARE = 0.2;

export async function reachFor(pool: Pool, programIds: readonly string[]): Promise<ProgramReach> {
  // The programs' cases counted only up to the share that decides (cheap for a small program); all
  // cases from the table's statistics (an estimate is enough to pick a way).
  const row = (
    await pool.query<{ mine: string; everyone: number }>(
      `WITH everyone AS (SELECT greatest(reltuples, 0)::float8 AS n FROM pg_class WHERE oid = 'cases'::regclass)
       SELECT (SELECT count(*) FROM (SELECT 1 FROM cases WHERE program_id = ANY($1::uuid[])
                 LIMIT (SELECT ceil(n * $2)::bigint + 1 FROM everyone)) m) AS mine,
              (SELECT n FROM everyone) AS everyone`,
      [programIds, BY_TIME_SHARE],
    )
  ).rows[0]!;
  return Number(row.mine) >= Math.max(row.everyone, 1) * BY_TIME_SHARE ? 'by_time' : 'by_case';
}
