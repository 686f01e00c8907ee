import type { Pool } from 'pg';
import type { Actor } from './actor';
import { audit } from './audit';

/**
 * The audit entry of one export (a CSV download): who (the actor), what (`export` names it, on
 * the entity), with which filter and how many rows. Written before the first row goes out, so an
 * interrupted download is recorded too; a refused export writes none.
 */
export async function auditExport(
  pool: Pool,
  actor: Actor,
  e: { export: string; entity: string; entityId?: string; filter: Record<string, unknown>; rows: number },
  extra: Record<string, unknown> = {},
): Promise<void> {
  await audit(pool, actor, {
    action: 'export',
    entity: e.entity,
    ...(e.entityId ? { entityId: e.entityId } : {}),
    detail: { export: e.export, filter: e.filter, rows: e.rows, ...extra },
  });
}
