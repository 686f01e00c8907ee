import type { Pool } from 'pg';
import type { Actor, Role } from '../actor';
import { audit } from '../audit';
import { inTransaction } from '../../db/tx';
import type { CaseDeps } from '../cases';
import type { ImportProblem } from './parse';
import { commitImport, dryRun } from './run';

/**
 * An import started from the admin page: the checked file waits in import_runs between the dry run
 * and the commit (so the commit form carries only the run's id), and the commit, run by a durable
 * workflow's activity, imports it in batches and counts its progress there for the page. The file
 * holds client data, so it is cleared the moment the run ends; the counts and failures stay.
 */

export type ImportRunStatus = 'checked' | 'running' | 'done' | 'failed' | 'expired';

export interface ImportRun {
  id: string;
  createdBy: string;
  fileName: string;
  rowCount: number;
  status: ImportRunStatus;
  doneCount: number;
  failedCount: number;
  failures: ImportProblem[];
  createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
}

interface RunRow {
  id: string;
  created_by: string;
  file_name: string;
  row_count: number;
  status: ImportRunStatus;
  done_count: number;
  failed_count: number;
  failures: ImportProblem[];
  created_at: Date;
  started_at: Date | null;
  finished_at: Date | null;
}

const iso = (d: Date | null): string | null => (d ? d.toISOString() : null);

/** Keeps a file whose dry run was clean, ready to commit; its id. */
/** What a dry run found, for the audit log: counts, never the file's contents. */
export interface CheckFigures {
  rows: number;
  ready: number;
  alreadyImported: number;
  problems: number;
}

/** A clean dry run's file, kept for its commit, and its audit entry ("checked, by whom"), together. */
export async function saveCheckedRun(
  pool: Pool,
  actor: Actor,
  file: { name: string; text: string; rows: number },
  figures: CheckFigures,
): Promise<string> {
  return inTransaction(pool, async (db) => {
    const id = (
      await db.query<{ id: string }>(
        `INSERT INTO import_runs (created_by, file_name, file_text, row_count) VALUES ($1, $2, $3, $4) RETURNING id`,
        [actor.id, file.name.slice(0, 255), file.text, file.rows],
      )
    ).rows[0]!.id;
    await audit(db, actor, {
      action: 'create',
      entity: 'import_run',
      entityId: id,
      detail: { file: file.name.slice(0, 255), ...figures },
    });
    return id;
  });
}

/**
 * A dry run that kept nothing (problems found, or no new rows) is still recorded: the file named
 * clients and the check looked them up among the records.
 */
export async function auditUnkeptCheck(
  pool: Pool,
  actor: Actor,
  fileName: string,
  figures: CheckFigures,
): Promise<void> {
  await audit(pool, actor, {
    action: 'read',
    entity: 'import_run',
    detail: { file: fileName.slice(0, 255), kept: false, ...figures },
  });
}

export async function findRun(pool: Pool, id: string): Promise<ImportRun | undefined> {
  const r = (
    await pool.query<RunRow>(
      `SELECT id, created_by, file_name, row_count, status, done_count, failed_count, failures,
              created_at, started_at, finished_at FROM import_runs WHERE id = $1`,
      [id],
    )
  ).rows[0];
  return r
    ? {
        id: r.id,
        createdBy: r.created_by,
        fileName: r.file_name,
        rowCount: r.row_count,
        status: r.status,
        doneCount: r.done_count,
        failedCount: r.failed_count,
        failures: r.failures,
        createdAt: r.created_at.toISOString(),
        startedAt: iso(r.started_at),
        finishedAt: iso(r.finished_at),
      }
    : undefined;
}

/** Checked → running, once: true when this call made the change (a second click finds it running). */
export async function markRunStarted(pool: Pool, id: string, at: Date): Promise<boolean> {
  const r = await pool.query(
    `UPDATE import_runs SET status = 'running', started_at = $2 WHERE id = $1 AND status = 'checked'`,
    [id, at],
  );
  return r.rowCount === 1;
}

/** How long a checked file waits for its commit before its client data is cleared. */
export const CHECKED_RUN_LIFETIME_MS = 24 * 3_600_000;

/** Clears the file of every run checked over a day ago and never committed; how many expired. */
export async function expireUncommittedRuns(pool: Pool, now: Date): Promise<number> {
  const expired = await pool.query(
    `UPDATE import_runs SET status = 'expired', file_text = NULL, finished_at = $1
      WHERE status = 'checked' AND created_at < $2`,
    [now, new Date(now.getTime() - CHECKED_RUN_LIFETIME_MS)],
  );
  return expired.rowCount ?? 0;
}

/** Back to checked when the workflow could not be started (Temporal away): the button works again. */
export async function unmarkRunStarted(pool: Pool, id: string): Promise<void> {
  await pool.query(
    `UPDATE import_runs SET status = 'checked', started_at = NULL WHERE id = $1 AND status = 'running'`,
    [id],
  );
}

/** Rows committed per progress update (and heartbeat). */
export const IMPORT_BATCH = 25;

/**
 * Commits a run's file: the dry run again (the records may have changed since), then the ready rows
 * batch by batch, each batch's counts written to the run. Idempotent: rows imported before (by this
 * run's earlier attempt too) count as done by their import key, so a retried activity or a worker
 * restarted halfway resumes where it stopped. The file is cleared when the run ends.
 */
export async function commitRun(
  deps: CaseDeps,
  runId: string,
  heartbeat: () => void = () => {},
): Promise<ImportRun | undefined> {
  const { pool } = deps;
  const run = (
    await pool.query<{
      status: ImportRunStatus;
      file_text: string | null;
      started_at: Date | null;
      created_by: string;
    }>('SELECT status, file_text, started_at, created_by FROM import_runs WHERE id = $1', [runId])
  ).rows[0];
  if (!run || run.status !== 'running' || run.file_text === null) return findRun(pool, runId);
  const importedAt = run.started_at ?? new Date();
  const actor = await runActor(pool, run.created_by, runId);
  const plan = await dryRun(pool, new TextEncoder().encode(run.file_text), importedAt);
  if (plan.problems.length) {
    await finish(pool, runId, 'failed', { done: 0, failures: plan.problems });
    return findRun(pool, runId);
  }
  let done = plan.alreadyImported;
  const failures: ImportProblem[] = [];
  const record = (): Promise<unknown> =>
    pool.query(`UPDATE import_runs SET done_count = $2, failed_count = $3, failures = $4 WHERE id = $1`, [
      runId,
      done,
      new Set(failures.map((f) => f.row)).size,
      JSON.stringify(failures),
    ]);
  await record();
  for (let i = 0; i < plan.ready.length; i += IMPORT_BATCH) {
    const batch = { ...plan, alreadyImported: 0, ready: plan.ready.slice(i, i + IMPORT_BATCH) };
    const report = await commitImport(deps, actor, batch, importedAt, {
      concurrency: 4,
      onProgress: heartbeat,
    });
    done += report.imported + report.skipped;
    failures.push(...report.failed);
    await record();
    heartbeat();
  }
  await finish(pool, runId, 'done', { done, failures });
  return findRun(pool, runId);
}

async function finish(
  pool: Pool,
  runId: string,
  status: 'done' | 'failed',
  counts: { done: number; failures: ImportProblem[] },
): Promise<void> {
  await pool.query(
    `UPDATE import_runs SET status = $2, done_count = $3, failed_count = $4, failures = $5,
            file_text = NULL, finished_at = now()
      WHERE id = $1`,
    [
      runId,
      status,
      counts.done,
      new Set(counts.failures.map((f) => f.row)).size,
      JSON.stringify(counts.failures),
    ],
  );
}

/** The import is recorded as the admin who started it. */
async function runActor(pool: Pool, staffId: string, runId: string): Promise<Actor> {
  const s = (
    await pool.query<{ id: string; role: Role; email: string }>(
      'SELECT id, role, email FROM staff WHERE id = $1',
      [staffId],
    )
  ).rows[0]!;
  return { id: s.id, role: s.role, email: s.email, requestId: `import-run-${runId}` };
}
