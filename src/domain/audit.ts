import type { Pool, PoolClient } from 'pg';
import type { Actor } from './actor';

export interface AuditEntry {
  action: 'read' | 'create' | 'update';
  entity: string;
  entityId?: string;
  caseId?: string;
  detail?: Record<string, unknown>;
}

/** Appends to the audit log in the caller's transaction, so the record and its audit entry land together. */
export async function audit(db: Pool | PoolClient, actor: Actor, entry: AuditEntry): Promise<void> {
  await db.query(
    `INSERT INTO audit_log (actor_id, actor_kind, action, entity, entity_id, case_id, source_ip, request_id, detail)
     VALUES ($1, 'staff', $2, $3, $4, $5, $6, $7, $8)`,
    [
      actor.id,
      entry.action,
      entry.entity,
      entry.entityId ?? null,
      entry.caseId ?? null,
      actor.sourceIp ?? null,
      actor.requestId ?? null,
      entry.detail ?? {},
    ],
  );
}

/**
 * One entry per record disclosed (e.g. each client a search returned), in a single statement, so
 * "who saw this client" finds searches too.
 */
export async function auditEach(
  db: Pool | PoolClient,
  actor: Actor,
  entry: Omit<AuditEntry, 'entityId'>,
  entityIds: string[],
): Promise<void> {
  if (entityIds.length === 0) return;
  await db.query(
    `INSERT INTO audit_log (actor_id, actor_kind, action, entity, entity_id, case_id, source_ip, request_id, detail)
     SELECT $1, 'staff', $2, $3, id, $5, $6, $7, $8 FROM unnest($4::text[]) AS id`,
    [
      actor.id,
      entry.action,
      entry.entity,
      entityIds,
      entry.caseId ?? null,
      actor.sourceIp ?? null,
      actor.requestId ?? null,
      entry.detail ?? {},
    ],
  );
}
