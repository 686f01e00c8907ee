import type { Pool } from 'pg';
import { requireRole } from './access';
import type { Actor } from './actor';
import { audit } from './audit';

/**
 * Reading the audit log, for the admins who answer for it: filtered by person, client, case,
 * action, entity and time, newest first, a page at a time (keyset on id, so a page never shifts
 * while new entries arrive), or the whole selection in batches for a CSV export. Reading it is
 * itself audited (action 'read' or 'export', entity 'audit_log', the filter in the detail).
 */

export interface AuditFilter {
  /** Who did it (a staff member's id). */
  actorId?: string | undefined;
  /**
   * Entries about the client: the client record and their consent statements, and every entry on
   * one of their cases.
   */
  clientId?: string | undefined;
  /** Entries on the case, and about the case record itself. */
  caseId?: string | undefined;
  action?: string | undefined;
  entity?: string | undefined;
  /** From this instant (inclusive, ISO 8601). */
  from?: string | undefined;
  /** Up to this instant (exclusive, ISO 8601). */
  to?: string | undefined;
}

export interface AuditLogEntry {
  /** The entry's id (a bigint, as text). */
  id: string;
  at: string;
  actorId: string | null;
  actorKind: string;
  /** The staff member's name today, when the actor is one. */
  actorName: string | null;
  action: string;
  entity: string;
  entityId: string | null;
  caseId: string | null;
  caseReference: string | null;
  sourceIp: string | null;
  requestId: string | null;
  detail: Record<string, unknown>;
}

interface Row {
  id: string;
  at: Date;
  actor_id: string | null;
  actor_kind: string;
  actor_name: string | null;
  action: string;
  entity: string;
  entity_id: string | null;
  case_id: string | null;
  case_reference: string | null;
  source_ip: string | null;
  request_id: string | null;
  detail: Record<string, unknown>;
}

const toEntry = (r: Row): AuditLogEntry => ({
  id: r.id,
  at: r.at.toISOString(),
  actorId: r.actor_id,
  actorKind: r.actor_kind,
  actorName: r.actor_name,
  action: r.action,
  entity: r.entity,
  entityId: r.entity_id,
  caseId: r.case_id,
  caseReference: r.case_reference,
  sourceIp: r.source_ip,
  requestId: r.request_id,
  detail: r.detail,
});

/** The filter as SQL over `audit_log a`: only the conditions given, so each can use its index. */
function whereOf(filter: AuditFilter, params: unknown[]): string[] {
  const p = (value: unknown): string => {
    params.push(value);
    return `$${params.length}`;
  };
  const where: string[] = [];
  if (filter.actorId) where.push(`a.actor_id = ${p(filter.actorId)}::uuid`);
  // Client and case filters collect the matching ids through their own indexes ((entity,
  // entity_id) and (case_id, at)) first: an OR over them would walk the whole log by id instead.
  if (filter.clientId) {
    const client = p(filter.clientId);
    where.push(`a.id IN (
      SELECT id FROM audit_log WHERE entity IN ('client', 'client_consent') AND entity_id = ${client}::text
      UNION ALL SELECT id FROM audit_log WHERE entity = 'client_consent'
        AND entity_id IN (SELECT id::text FROM client_consents WHERE client_id = ${client}::uuid)
      UNION ALL SELECT id FROM audit_log WHERE case_id IN (SELECT id FROM cases WHERE client_id = ${client}::uuid))`);
  }
  if (filter.caseId) {
    const c = p(filter.caseId);
    where.push(`a.id IN (
      SELECT id FROM audit_log WHERE case_id = ${c}::uuid
      UNION ALL SELECT id FROM audit_log WHERE entity = 'case' AND entity_id = ${c}::text)`);
  }
  if (filter.action) where.push(`a.action = ${p(filter.action)}`);
  if (filter.entity) where.push(`a.entity = ${p(filter.entity)}`);
  if (filter.from) where.push(`a.at >= ${p(filter.from)}::timestamptz`);
  if (filter.to) where.push(`a.at < ${p(filter.to)}::timestamptz`);
  return where;
}

const SELECT = `SELECT a.id::text AS id, a.at, a.actor_id, a.actor_kind, s.full_name AS actor_name, a.action,
  a.entity, a.entity_id, a.case_id, c.reference AS case_reference, a.source_ip, a.request_id, a.detail
  FROM audit_log a LEFT JOIN staff s ON s.id = a.actor_id LEFT JOIN cases c ON c.id = a.case_id`;

/** Entries matching the filter with ids below `before` (all when absent), newest first. */
async function selectPage(
  pool: Pool,
  filter: AuditFilter,
  before: string | undefined,
  limit: number,
  upTo?: string,
): Promise<AuditLogEntry[]> {
  const params: unknown[] = [];
  const where = whereOf(filter, params);
  if (before) {
    params.push(before);
    where.push(`a.id < $${params.length}::bigint`);
  }
  if (upTo) {
    params.push(upTo);
    where.push(`a.id <= $${params.length}::bigint`);
  }
  params.push(limit);
  const rows = await pool.query<Row>(
    `${SELECT}${where.length ? ` WHERE ${where.join(' AND ')}` : ''} ORDER BY a.id DESC LIMIT $${params.length}`,
    params,
  );
  return rows.rows.map(toEntry);
}

/** The filter as it goes into the audit entry of a view or export: only what was given. */
const filterDetail = (filter: AuditFilter): Record<string, string> =>
  Object.fromEntries(Object.entries(filter).filter(([, v]) => v !== undefined && v !== ''));

export interface AuditPage {
  items: AuditLogEntry[];
  /** Pass as `before` for the next (older) page; null when this is the last. */
  nextBefore: string | null;
}

/** One page of the log, newest first; admins only, and the reading is audited. */
export async function searchAuditLog(
  pool: Pool,
  actor: Actor,
  filter: AuditFilter,
  page: { before?: string | undefined; limit: number },
): Promise<AuditPage> {
  requireRole(actor, ['admin'], 'read the audit log');
  const rows = await selectPage(pool, filter, page.before, page.limit + 1);
  const items = rows.slice(0, page.limit);
  await audit(pool, actor, {
    action: 'read',
    entity: 'audit_log',
    detail: {
      filter: filterDetail(filter),
      ...(page.before ? { before: page.before } : {}),
      shown: items.length,
    },
  });
  return { items, nextBefore: rows.length > page.limit ? items[items.length - 1]!.id : null };
}

export const EXPORT_BATCH = 1000;

/**
 * Every entry matching the filter, newest first, handed to `write` a batch at a time (so an export
 * of millions never sits in memory). The export is audited before the first row goes out, and
 * covers the log as it stood then: its own entry and anything newer are not in it.
 */
export async function exportAuditLog(
  pool: Pool,
  actor: Actor,
  filter: AuditFilter,
  write: (batch: AuditLogEntry[]) => Promise<void>,
  batchSize = EXPORT_BATCH,
): Promise<{ rows: number }> {
  requireRole(actor, ['admin'], 'export the audit log');
  const upTo = (await pool.query<{ id: string | null }>('SELECT max(id)::text AS id FROM audit_log')).rows[0]!
    .id;
  await audit(pool, actor, {
    action: 'export',
    entity: 'audit_log',
    detail: { filter: filterDetail(filter) },
  });
  if (!upTo) return { rows: 0 };
  let before: string | undefined;
  let total = 0;
  for (;;) {
    const batch = await selectPage(pool, filter, before, batchSize, upTo);
    if (batch.length === 0) break;
    await write(batch);
    total += batch.length;
    if (batch.length < batchSize) break;
    before = batch[batch.length - 1]!.id;
  }
  return { rows: total };
}

/** The case a reference such as C-1001 names, for the filter (admins see every case). */
export async function caseIdByReference(pool: Pool, reference: string): Promise<string | undefined> {
  return (
    await pool.query<{ id: string }>('SELECT id FROM cases WHERE reference = $1', [
      reference.trim().toUpperCase(),
    ])
  ).rows[0]?.id;
}

/** Every staff member (deactivated too), for choosing whose entries to see. */
export async function auditActors(pool: Pool): Promise<{ id: string; name: string; active: boolean }[]> {
  return (
    await pool.query<{ id: string; name: string; active: boolean }>(
      'SELECT id, full_name AS name, active FROM staff ORDER BY full_name, id',
    )
  ).rows;
}
