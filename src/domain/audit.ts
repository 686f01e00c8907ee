import type { Pool, PoolClient } from 'pg';
import { prepared } from '../db/prepared';
import type { Actor } from './actor';

export interface AuditEntry {
  action: 'read' | 'create' | 'update' | 'export';
  entity: string;
  entityId?: string;
  caseId?: string;
  detail?: Record<string, unknown>;
}

const AUDIT_ONE = prepared(
  `INSERT INTO audit_log (actor_id, actor_kind, action, entity, entity_id, case_id, source_ip, request_id, detail)
   VALUES ($1, 'staff', $2, $3, $4, $5, $6, $7, $8)`,
);

/** Appends to the audit log in the caller's transaction, so the record and its audit entry land together. */
export async function audit(db: Pool | PoolClient, actor: Actor, entry: AuditEntry): Promise<void> {
  await db.query(
    AUDIT_ONE.with([
      actor.id,
      entry.action,
      entry.entity,
      entry.entityId ?? null,
      entry.caseId ?? null,
      actor.sourceIp ?? null,
      actor.requestId ?? null,
      entry.detail ?? {},
    ]),
  );
}

/**
 * One entry per record disclosed (each client a search returned, each case a list showed), in a
 * single statement, so "who saw this record" finds searches and lists too.
 */
export async function auditEach(
  db: Pool | PoolClient,
  actor: Actor,
  entry: Omit<AuditEntry, 'entityId' | 'caseId'>,
  records: { entityId: string; caseId?: string }[],
): Promise<void> {
  if (records.length === 0) return;
  await db.query(
    `INSERT INTO audit_log (actor_id, actor_kind, action, entity, entity_id, case_id, source_ip, request_id, detail)
     SELECT $1, 'staff', $2, $3, r.entity_id, r.case_id, $6, $7, $8
       FROM unnest($4::text[], $5::uuid[]) AS r (entity_id, case_id)`,
    [
      actor.id,
      entry.action,
      entry.entity,
      records.map((r) => r.entityId),
      records.map((r) => r.caseId ?? null),
      actor.sourceIp ?? null,
      actor.requestId ?? null,
      entry.detail ?? {},
    ],
  );
}
