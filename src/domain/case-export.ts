import type { Pool } from 'pg';
import { ForbiddenError, NotFoundError } from '../core/errors';
import { isObligationKind, obligationSpec } from '../core/obligation-catalogue';
import type { RiskLevel } from '../core/policy';
import { visibleCasesSql } from './access';
import type { Actor } from './actor';
import { auditEach } from './audit';
import { auditExport } from './export-audit';
import { caseListSql, OVERDUE_NOW_SQL, type CaseCriteria } from './case-queries';
import { streamQuery } from './export-cursor';
import { clientInitials } from './work';

/**
 * The case exports: a caseload as the case list shows it, and a program's open obligations as
 * their workflows recorded them (case_obligations, the schedule projection). Both stream a batch
 * at a time (export-cursor.ts) and are audited before the first row leaves: one 'export' entry for
 * the export (who, what, the filter, the number of rows), and one per case disclosed, so "who saw
 * this case" finds exports as it finds lists.
 */

/**
 * Where an export goes: `start` once it is allowed and audited (before any row; the download's
 * headers go out then, so a refusal is still an error page), then `write` per batch.
 */
export interface ExportOutput<Row, Subject = void> {
  start: (subject: Subject) => void;
  write: (batch: Row[]) => Promise<void>;
}

/** One case of a caseload export. */
export interface CaseExportRow {
  id: string;
  reference: string;
  /** Absent when the export asked for initials only. */
  clientName?: string;
  clientInitials: string;
  programName: string;
  status: string;
  riskLevel: RiskLevel;
  caseManager: string;
  supervisor: string | null;
  openedAt: string;
  nextObligation: { obligationKind: string; dueAt: string } | null;
  overdueNow: number;
}

interface CaseExportDbRow {
  id: string;
  client_id: string;
  reference: string;
  given_name: string;
  family_name: string;
  program_name: string;
  status: string;
  risk_level: RiskLevel;
  case_manager: string;
  supervisor: string | null;
  opened_at: Date;
  next_kind: string | null;
  next_at: Date | null;
  overdue_now: number;
}

/**
 * Every case the actor's case list shows for these criteria, in its order, a batch at a time.
 * Names go out only with `withNames` (the list shows a name to whoever may see the case: the
 * client is theirs to see); without it, initials only, for a copy that leaves the agency.
 */
export async function exportCaseload(
  pool: Pool,
  actor: Actor,
  criteria: CaseCriteria,
  opts: { withNames: boolean; filter: Record<string, string> },
  out: ExportOutput<CaseExportRow>,
  batchSize?: number,
): Promise<{ rows: number }> {
  const list = caseListSql(actor, criteria);
  const text = `SELECT c.id, c.client_id, c.reference, cl.given_name, cl.family_name, p.name AS program_name,
            c.status, c.risk_level, cm.full_name AS case_manager, sv.full_name AS supervisor, c.opened_at,
            d.next_kind, d.next_at, ${OVERDUE_NOW_SQL} AS overdue_now
       FROM ${list.from}
       JOIN staff cm ON cm.id = c.case_manager_id
       LEFT JOIN staff sv ON sv.id = c.supervisor_id
      WHERE ${list.where}
      ORDER BY ${list.orderBy}`;
  const detail = { export: 'caseload', names: opts.withNames };
  return streamQuery<CaseExportDbRow>(
    pool,
    { text, params: list.params },
    async (rows) => {
      await auditExport(
        pool,
        actor,
        { export: 'caseload', entity: 'case_list', filter: opts.filter, rows },
        { names: opts.withNames },
      );
      out.start();
    },
    async (batch) => {
      await auditEach(
        pool,
        actor,
        { action: 'export', entity: 'case', detail },
        batch.map((r) => ({ entityId: r.id, caseId: r.id })),
      );
      await out.write(
        batch.map((r) => ({
          id: r.id,
          reference: r.reference,
          ...(opts.withNames ? { clientName: `${r.given_name} ${r.family_name}`.trim() } : {}),
          clientInitials: clientInitials(r.given_name, r.family_name),
          programName: r.program_name,
          status: r.status,
          riskLevel: r.risk_level,
          caseManager: r.case_manager,
          supervisor: r.supervisor,
          openedAt: r.opened_at.toISOString(),
          nextObligation:
            r.next_at && r.next_kind ? { obligationKind: r.next_kind, dueAt: r.next_at.toISOString() } : null,
          overdueNow: Number(r.overdue_now),
        })),
      );
    },
    batchSize,
  );
}

/** One open obligation of an open case, as its workflow last recorded it. */
export interface ScheduleExportRow {
  caseId: string;
  caseReference: string;
  caseStatus: string;
  obligationId: string;
  obligationKind: string;
  dueAt: string;
  state: 'upcoming' | 'overdue';
  /** Whose work it is: the task's or appointment's assignee, else the owner its kind names. */
  assignee: string | null;
}

interface ScheduleDbRow {
  case_id: string;
  reference: string;
  status: string;
  obligation_id: string;
  obligation_kind: string;
  due_at: Date;
  case_manager: string | null;
  supervisor: string | null;
  assignee: string | null;
}

/**
 * Who may export a program's schedule: its manager and admins (every case), and supervisors (the
 * cases of their team in it: the same rule as seeing a case). Case managers have their caseload.
 */
async function programForSchedule(
  pool: Pool,
  actor: Actor,
  programId: string,
): Promise<{ id: string; name: string }> {
  const program = (
    await pool.query<{ id: string; name: string; program_manager_id: string | null }>(
      'SELECT id, name, program_manager_id FROM programs WHERE id = $1',
      [programId],
    )
  ).rows[0];
  if (!program) throw new NotFoundError(`No program ${programId}.`);
  const allowed =
    actor.role === 'admin' ||
    actor.role === 'supervisor' ||
    (actor.role === 'program_manager' && program.program_manager_id === actor.id);
  if (!allowed)
    throw new ForbiddenError(
      "Only an admin, the program's manager or a supervisor (their team's cases) may export its schedule.",
    );
  return program;
}

/**
 * One row per open obligation of each open case of the program that the actor may see, from the
 * recorded schedule (case_obligations: the due times the workflows derived, never recomputed),
 * by case reference and then due time, a batch at a time.
 */
export async function exportProgramSchedule(
  pool: Pool,
  actor: Actor,
  programId: string,
  now: Date,
  out: ExportOutput<ScheduleExportRow, { id: string; name: string }>,
  batchSize?: number,
): Promise<{ rows: number }> {
  const program = await programForSchedule(pool, actor, programId);
  const text = `SELECT c.id AS case_id, c.reference, c.status, o.obligation_id, o.obligation_kind, o.due_at,
            cm.full_name AS case_manager, sv.full_name AS supervisor, a.full_name AS assignee
       FROM cases c
       JOIN programs p ON p.id = c.program_id
       JOIN case_obligations o ON o.case_id = c.id
       JOIN staff cm ON cm.id = c.case_manager_id
       LEFT JOIN staff sv ON sv.id = c.supervisor_id
       LEFT JOIN staff a ON a.id = o.assignee_id
      WHERE ${visibleCasesSql(actor, 1)} AND c.program_id = $2 AND c.status <> 'closed'
      ORDER BY length(c.reference), c.reference, o.due_at, o.obligation_id`;
  let disclosed = new Set<string>();
  const result = await streamQuery<ScheduleDbRow>(
    pool,
    { text, params: [actor.id, programId] },
    async (rows) => {
      await auditExport(pool, actor, {
        export: 'program_schedule',
        entity: 'program_schedule',
        entityId: programId,
        filter: { programId },
        rows,
      });
      out.start(program);
    },
    async (batch) => {
      const fresh = [...new Set(batch.map((r) => r.case_id))].filter((id) => !disclosed.has(id));
      await auditEach(
        pool,
        actor,
        { action: 'export', entity: 'case', detail: { export: 'program_schedule' } },
        fresh.map((id) => ({ entityId: id, caseId: id })),
      );
      // Rows come by case: only the last case of a batch can continue into the next one.
      disclosed = new Set(batch.length ? [batch[batch.length - 1]!.case_id] : []);
      await out.write(
        batch.map((r) => ({
          caseId: r.case_id,
          caseReference: r.reference,
          caseStatus: r.status,
          obligationId: r.obligation_id,
          obligationKind: r.obligation_kind,
          dueAt: r.due_at.toISOString(),
          state: r.due_at.getTime() < now.getTime() ? 'overdue' : 'upcoming',
          assignee: assigneeOf(r),
        })),
      );
    },
    batchSize,
  );
  return { rows: result.rows };
}

function assigneeOf(r: ScheduleDbRow): string | null {
  if (r.assignee) return r.assignee;
  const owner = isObligationKind(r.obligation_kind)
    ? obligationSpec(r.obligation_kind).owner
    : 'case_manager';
  return owner === 'supervisor' ? r.supervisor : r.case_manager;
}
