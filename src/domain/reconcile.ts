import { randomUUID } from 'node:crypto';
import type { Pool, PoolClient } from 'pg';
import { inTransaction } from '../db/tx';
import type { CaseFacts, CaseSchedule } from '../core/case-contract';
import type { Actor } from './actor';
import { audit } from './audit';
import { programCalendar, staffZones } from './case-calendar';
import { latestPolicy, workflowInputFor } from './workflow-input';
import { deliverPending, projectStatus, undeliveredCount } from './case-changes';
import type { CaseRow } from './cases';
import { obligationSpec } from '../core/obligation-catalogue';
import type { CaseWorkflows } from './ports';

/** What the reconciliation tool learns about one case's workflow. */
export type WorkflowView =
  | { kind: 'running'; facts: CaseFacts }
  | { kind: 'generation1' }
  /** The latest run has ended (COMPLETED, TERMINATED, ...), or there never was one (NOT_FOUND). */
  | { kind: 'not_running'; runStatus: string };

/** Reads a case workflow's facts; implemented over the Temporal client in src/temporal/case-facts.ts. */
export interface CaseFactsReader {
  view(caseId: string): Promise<WorkflowView>;
}

export interface ReconcileDeps {
  pool: Pool;
  workflows: CaseWorkflows;
  facts: CaseFactsReader;
  clock?: () => Date;
}

export type ReconciledField =
  | 'status'
  | 'caseManagerId'
  | 'supervisorId'
  | 'programManagerId'
  | 'hold'
  | 'policyVersion'
  | 'openObligations';

export interface Difference {
  caseId: string;
  reference: string;
  field: ReconciledField;
  record: unknown;
  workflow: unknown;
  repaired: boolean;
  /** What was done about it, or what would be done with repair. */
  action: string;
}

export interface ReconcileReport {
  checked: number;
  differences: Difference[];
  unrepaired: number;
  notCompared: { caseId: string; reference: string; reason: string }[];
}

interface Row extends CaseRow {
  on_hold_since: Date | null;
  latest_policy_version: number;
}

const FINAL_REFERRAL = ['completed', 'declined', 'no_show', 'cancelled'];

/**
 * Compares every open case's record with its workflow, and with `repair` brings the workflow in
 * line with the record (the record is what people entered). Obligations are the workflow's own:
 * reported, never repaired. Closed records are checked for a run that should have ended.
 */
export async function reconcile(
  deps: ReconcileDeps,
  options: { repair: boolean; actor?: Actor },
): Promise<ReconcileReport> {
  const rows = (
    await deps.pool.query<Row>(
      `SELECT c.*, p.program_manager_id,
              (SELECT max(version) FROM program_policies pp WHERE pp.program_id = c.program_id) AS latest_policy_version
         FROM cases c JOIN programs p ON p.id = c.program_id
        ORDER BY c.opened_at, c.id`,
    )
  ).rows;
  const report: ReconcileReport = { checked: 0, differences: [], unrepaired: 0, notCompared: [] };
  for (const row of rows) {
    let waiting = await undeliveredCount(deps.pool, row.id);
    let view = await deps.facts.view(row.id);
    if (waiting > 0 && options.repair) {
      if (view.kind === 'not_running' && row.status !== 'closed') {
        // A run that has died holds up its case's changes: start one from the record, then deliver them.
        for (const d of await compare(deps.pool, row, view)) {
          if (!d.repair) continue;
          await applyRepair(deps, options.actor, row, d);
          report.differences.push({ ...d.difference, repaired: true });
        }
      }
      waiting = (await deliverPending(deps, row.id, 10_000)).settled
        ? 0
        : await undeliveredCount(deps.pool, row.id);
      view = await deps.facts.view(row.id);
    }
    // Changes still on their way are not differences: delivering them is the relay's job.
    if (waiting > 0) {
      report.checked++;
      report.notCompared.push({
        caseId: row.id,
        reference: row.reference,
        reason: `${waiting} recorded change(s) still on their way to the workflow`,
      });
      continue;
    }
    if (row.status === 'closed' && view.kind !== 'running') continue;
    report.checked++;
    if (view.kind === 'generation1') {
      report.notCompared.push({
        caseId: row.id,
        reference: row.reference,
        reason: 'generation 1: not compared',
      });
      continue;
    }
    const found = await compare(deps.pool, row, view);
    for (const d of found) {
      if (options.repair && d.repair) {
        await applyRepair(deps, options.actor, row, d);
        report.differences.push({ ...d.difference, repaired: true });
      } else {
        report.differences.push(d.difference);
      }
    }
  }
  report.unrepaired = report.differences.filter((d) => !d.repaired).length;
  if (options.actor) {
    await audit(deps.pool, options.actor, {
      action: 'read',
      entity: 'reconciliation',
      detail: { checked: report.checked, differences: report.differences.length, repair: options.repair },
    });
  }
  return report;
}

type Repair =
  | { kind: 'start' }
  | { kind: 'close'; from: string }
  | { kind: 'status' }
  | { kind: 'reassign' }
  | { kind: 'programManager' }
  | { kind: 'hold'; onHold: boolean }
  | { kind: 'policy' };

interface Found {
  difference: Difference;
  repair?: Repair;
}

async function compare(
  db: Pool,
  row: Row,
  view: Exclude<WorkflowView, { kind: 'generation1' }>,
): Promise<Found[]> {
  const diff = (
    field: ReconciledField,
    record: unknown,
    workflow: unknown,
    action: string,
    repair?: Repair,
  ): Found => ({
    difference: {
      caseId: row.id,
      reference: row.reference,
      field,
      record,
      workflow,
      repaired: false,
      action,
    },
    ...(repair ? { repair } : {}),
  });
  if (view.kind === 'not_running') {
    return [
      diff(
        'status',
        row.status,
        `not running (${view.runStatus})`,
        'start a new workflow run from the record',
        { kind: 'start' },
      ),
    ];
  }
  const f = view.facts;
  if (row.status === 'closed') {
    return [
      diff('status', 'closed', f.status, 'record the approved closure in the workflow', {
        kind: 'close',
        from: f.status,
      }),
    ];
  }
  const found: Found[] = [];
  const recordOnHold = row.on_hold_since !== null;
  if (!recordOnHold && !f.onHold && row.status !== f.status && row.status !== 'on_hold') {
    // The workflow owns the case's status: the record follows it.
    found.push(
      diff('status', row.status, f.status, 'write the workflow status to the record', {
        kind: 'status',
      }),
    );
  }
  if (row.case_manager_id !== f.caseManagerId)
    found.push(
      diff('caseManagerId', row.case_manager_id, f.caseManagerId, 'send reassigned', { kind: 'reassign' }),
    );
  if (row.supervisor_id !== f.supervisorId)
    found.push(
      diff('supervisorId', row.supervisor_id, f.supervisorId, 'send reassigned', { kind: 'reassign' }),
    );
  if ((row.program_manager_id ?? null) !== f.programManagerId)
    found.push(
      diff('programManagerId', row.program_manager_id, f.programManagerId, 'send program_manager_changed', {
        kind: 'programManager',
      }),
    );
  if (recordOnHold !== f.onHold)
    found.push(
      diff('hold', recordOnHold, f.onHold, recordOnHold ? 'send hold' : 'send resume', {
        kind: 'hold',
        onHold: recordOnHold,
      }),
    );
  if (row.latest_policy_version !== f.policyVersion) {
    const behind = f.policyVersion < row.latest_policy_version;
    found.push(
      diff(
        'policyVersion',
        row.latest_policy_version,
        f.policyVersion,
        behind
          ? 'signal policyChanged with the latest policy'
          : 'report only: the workflow is ahead of the record',
        behind ? { kind: 'policy' } : undefined,
      ),
    );
  }
  for (const missing of await missingObligations(db, row.id, f))
    found.push(
      diff('openObligations', missing.record, missing.workflow, 'report only: the workflow is authoritative'),
    );
  return found;
}

/** Obligations the record implies that the workflow does not hold open. */
async function missingObligations(
  db: Pool,
  caseId: string,
  f: CaseFacts,
): Promise<{ record: string; workflow: string }[]> {
  const open = f.openObligations;
  const missing: { record: string; workflow: string }[] = [];
  const referrals = await db.query<{ id: string; status: string }>(
    'SELECT id, status FROM referrals WHERE case_id = $1 AND NOT (status = ANY($2)) ORDER BY sent_at, id',
    [caseId, FINAL_REFERRAL],
  );
  for (const r of referrals.rows) {
    const tracked = open.some((o) => o.subjectId === r.id && obligationSpec(o.kind).about === 'referral');
    if (!tracked)
      missing.push({ record: `referral ${r.id} ${r.status}`, workflow: 'no open referral obligation' });
  }
  const tasks = await db.query<{ id: string }>(
    "SELECT id FROM case_tasks WHERE case_id = $1 AND status = 'open' ORDER BY due_at, id",
    [caseId],
  );
  for (const t of tasks.rows) {
    if (!open.some((o) => o.kind === 'task' && o.subjectId === t.id))
      missing.push({ record: `task ${t.id} open`, workflow: 'no open task obligation' });
  }
  const assessed = await db.query(
    "SELECT 1 FROM assessments WHERE case_id = $1 AND kind = 'initial' LIMIT 1",
    [caseId],
  );
  if (assessed.rowCount === 0 && !open.some((o) => o.kind === 'initial_assessment'))
    missing.push({ record: 'no initial assessment', workflow: 'no open initial_assessment obligation' });
  return missing;
}

/** One repair, in its own transaction with the case row locked; audited as the actor or the system. */
async function applyRepair(
  deps: ReconcileDeps,
  actor: Actor | undefined,
  row: Row,
  found: Found,
): Promise<void> {
  const d = found.difference;
  const repair = found.repair!;
  const now = deps.clock?.() ?? new Date();
  const at = now.toISOString();
  await inTransaction(deps.pool, async (db) => {
    await db.query('SELECT 1 FROM cases WHERE id = $1 FOR UPDATE', [row.id]);
    let schedule: CaseSchedule | undefined;
    switch (repair.kind) {
      case 'start':
        // A new run counts its versions from zero: let its projections through.
        await db.query('UPDATE cases SET projection_version = NULL WHERE id = $1', [row.id]);
        await deps.workflows.start(await workflowInputFor(db, row));
        break;
      case 'close':
        if (repair.kind === 'close' && repair.from !== 'closing')
          await deps.workflows.event(row.id, { type: 'closure_requested', at });
        schedule = await deps.workflows.event(row.id, { type: 'closure_decided', decision: 'approved', at });
        break;
      case 'status':
        await db.query('UPDATE cases SET status = $2, updated_at = now() WHERE id = $1', [
          row.id,
          d.workflow,
        ]);
        break;
      case 'reassign':
        schedule = await deps.workflows.event(row.id, {
          type: 'reassigned',
          caseManagerId: row.case_manager_id,
          supervisorId: row.supervisor_id,
          at,
          zones: await staffZones(db, [row.case_manager_id, row.supervisor_id]),
          // The record's open tasks with their assignees: a move the workflow missed arrives too.
          ...(await openTaskAssignees(db, row.id)),
        });
        break;
      case 'programManager':
        schedule = await deps.workflows.event(row.id, {
          type: 'program_manager_changed',
          programManagerId: row.program_manager_id,
          at,
          zones: await staffZones(db, [row.program_manager_id]),
        });
        break;
      case 'hold':
        schedule = await deps.workflows.event(
          row.id,
          repair.kind === 'hold' && repair.onHold
            ? { type: 'hold', at: (row.on_hold_since ?? now).toISOString() }
            : { type: 'resume', at },
        );
        break;
      case 'policy': {
        const latest = (await latestPolicy(db, row.program_id))!;
        await deps.workflows.policyChanged(row.id, {
          policy: latest.policy,
          version: latest.version,
          changeId: randomUUID(),
          calendar: await programCalendar(db, row.program_id),
        });
        break;
      }
    }
    if (schedule && row.status !== 'closed') await projectStatus(db, row.id, schedule);
    // Only the status repair changes the record; every other one brings the workflow to the record.
    const [from, to] = repair.kind === 'status' ? [d.record, d.workflow] : [d.workflow, d.record];
    await auditRepair(db, actor, row.id, { change: 'reconcile', field: d.field, from, to });
  });
}

async function auditRepair(
  db: PoolClient,
  actor: Actor | undefined,
  caseId: string,
  detail: Record<string, unknown>,
): Promise<void> {
  const entry = { action: 'update' as const, entity: 'case', entityId: caseId, caseId, detail };
  if (actor) return audit(db, actor, entry);
  await db.query(
    `INSERT INTO audit_log (actor_kind, action, entity, entity_id, case_id, detail) VALUES ('system', $1, $2, $3, $4, $5)`,
    [entry.action, entry.entity, entry.entityId, entry.caseId, entry.detail],
  );
}

/** The case's open tasks and their assignees as recorded, in the shape a `reassigned` event carries. */
async function openTaskAssignees(
  db: PoolClient,
  caseId: string,
): Promise<{ tasks?: { taskId: string; assigneeId: string }[] }> {
  const rows = (
    await db.query<{ id: string; assignee_id: string }>(
      `SELECT id, assignee_id FROM case_tasks WHERE case_id = $1 AND status = 'open' ORDER BY id`,
      [caseId],
    )
  ).rows;
  return rows.length ? { tasks: rows.map((r) => ({ taskId: r.id, assigneeId: r.assignee_id })) } : {};
}
