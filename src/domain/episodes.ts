import type { Pool } from 'pg';
import { NotFoundError } from '../core/errors';
import type { Actor } from './actor';
import { audit } from './audit';
import { loadCase } from './cases';
import { storedDischarge, type DischargeSummary } from './discharge';
import { clientInitials } from './work';

/**
 * One closed episode of a case with its discharge summary: the structured one for episodes
 * closed since issue 17, the free text (`closureSummary`) for those before (`discharge` null).
 */
export interface EpisodeDetail {
  caseId: string;
  reference: string;
  programId: string;
  client: { id: string; initials: string };
  episode: number;
  openedAt: string;
  closedAt: string;
  closureReason: string | null;
  closureSummary: string | null;
  closedBy: string | null;
  /** The request the approval answered (null for episodes whose request predates the history). */
  requestedAt: string | null;
  requestedBy: string | null;
  discharge: DischargeSummary | null;
}

/** A closed episode of a case the actor may see (404 otherwise, and for an episode not closed); audited. */
export async function getEpisode(
  pool: Pool,
  actor: Actor,
  caseId: string,
  episode: number,
): Promise<EpisodeDetail> {
  const row = await loadCase(pool, actor, caseId);
  const e = (
    await pool.query<{
      id: string;
      opened_at: Date;
      closed_at: Date;
      closure_reason: string | null;
      closure_summary: string | null;
      closed_by: string | null;
      discharge: unknown;
      given_name: string;
      family_name: string;
      requested_at: Date | null;
      requested_by: string | null;
    }>(
      `SELECT e.id, e.opened_at, e.closed_at, e.closure_reason, e.closure_summary, e.closed_by, e.discharge,
              cl.given_name, cl.family_name, r.at AS requested_at, r.actor_id AS requested_by
         FROM case_episodes e
         JOIN cases c ON c.id = e.case_id
         JOIN clients cl ON cl.id = c.client_id
         LEFT JOIN LATERAL (
           SELECT at, actor_id FROM closure_events
            WHERE case_id = e.case_id AND what = 'requested' AND at <= e.closed_at
            ORDER BY at DESC, created_at DESC LIMIT 1) r ON true
        WHERE e.case_id = $1 AND e.episode = $2`,
      [caseId, episode],
    )
  ).rows[0];
  if (!e) throw new NotFoundError(`No closed episode ${episode} on case ${caseId}.`);
  await audit(pool, actor, { action: 'read', entity: 'case_episode', entityId: e.id, caseId });
  return {
    caseId,
    reference: row.reference,
    programId: row.program_id,
    client: { id: row.client_id, initials: clientInitials(e.given_name, e.family_name) },
    episode,
    openedAt: e.opened_at.toISOString(),
    closedAt: e.closed_at.toISOString(),
    closureReason: e.closure_reason,
    closureSummary: e.closure_summary,
    closedBy: e.closed_by,
    requestedAt: e.requested_at?.toISOString() ?? null,
    requestedBy: e.requested_by,
    discharge: storedDischarge(e.discharge),
  };
}
