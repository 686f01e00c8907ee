import type { Pool, PoolClient } from 'pg';

/**
 * The append-only side of a case: closure requests and decisions, and the episodes a case has
 * lived through (each closure ends one, each reopening starts the next). The case row only holds
 * the current episode; these rows are never changed.
 */

export interface ClosureEvent {
  caseId: string;
  what: 'requested' | 'approved' | 'returned';
  reason?: string;
  summary?: string;
  note?: string;
  at: Date;
  actorId: string;
  /** The structured discharge summary a request carries (src/domain/discharge.ts). */
  discharge?: object;
}

export async function recordClosureEvent(db: PoolClient, e: ClosureEvent): Promise<void> {
  await db.query(
    `INSERT INTO closure_events (case_id, what, reason, summary, note, at, actor_id, discharge)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
    [
      e.caseId,
      e.what,
      e.reason ?? null,
      e.summary ?? null,
      e.note ?? null,
      e.at,
      e.actorId,
      e.discharge ? JSON.stringify(e.discharge) : null,
    ],
  );
}

interface ClosingRow {
  id: string;
  opened_at: Date;
  closure_reason: string | null;
  closure_summary: string | null;
  /** Read back as the object it was stored as, written back unchanged. */
  closure_discharge: object | null;
  reopen_count: number;
}

/** The episode that just ended, kept whole: a later reopening starts a new one. */
export async function recordClosedEpisode(
  db: PoolClient,
  caseId: string,
  closedAt: Date,
  closedBy: string,
): Promise<void> {
  const row = (
    await db.query<ClosingRow>(
      'SELECT id, opened_at, closure_reason, closure_summary, closure_discharge, reopen_count FROM cases WHERE id = $1',
      [caseId],
    )
  ).rows[0]!;
  await db.query(
    `INSERT INTO case_episodes (case_id, episode, opened_at, closed_at, closure_reason, closure_summary, closed_by, discharge)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
    [
      caseId,
      row.reopen_count + 1,
      row.opened_at,
      closedAt,
      row.closure_reason,
      row.closure_summary,
      closedBy,
      row.closure_discharge ? JSON.stringify(row.closure_discharge) : null,
    ],
  );
}

/** Closing answers every escalation still waiting: nobody is left to act on it. */
export async function resolveOpenEscalations(
  db: PoolClient,
  caseId: string,
  at: Date,
  resolution: string,
): Promise<number> {
  const r = await db.query(
    `UPDATE escalations SET resolved_at = $2, resolution = $3
      WHERE case_id = $1 AND acknowledged_at IS NULL AND resolved_at IS NULL`,
    [caseId, at, resolution],
  );
  return r.rowCount ?? 0;
}

export interface Episode {
  episode: number;
  openedAt: string;
  closedAt: string | null;
  closureReason: string | null;
  closureSummary: string | null;
  closedBy: string | null;
}

/** Every episode of the case, oldest first; the last is the current one (open unless the case is closed). */
export async function caseEpisodes(
  db: Pool | PoolClient,
  row: { id: string; opened_at: Date; status: string; reopen_count?: number },
): Promise<Episode[]> {
  const closed = (
    await db.query<{
      episode: number;
      opened_at: Date;
      closed_at: Date;
      closure_reason: string | null;
      closure_summary: string | null;
      closed_by: string | null;
    }>(
      `SELECT episode, opened_at, closed_at, closure_reason, closure_summary, closed_by
         FROM case_episodes WHERE case_id = $1 ORDER BY episode`,
      [row.id],
    )
  ).rows.map((e): Episode => ({
    episode: e.episode,
    openedAt: e.opened_at.toISOString(),
    closedAt: e.closed_at.toISOString(),
    closureReason: e.closure_reason,
    closureSummary: e.closure_summary,
    closedBy: e.closed_by,
  }));
  if (row.status === 'closed') return closed;
  return [
    ...closed,
    {
      episode: (row.reopen_count ?? closed.length) + 1,
      openedAt: row.opened_at.toISOString(),
      closedAt: null,
      closureReason: null,
      closureSummary: null,
      closedBy: null,
    },
  ];
}
