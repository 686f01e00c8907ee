import type { Pool } from 'pg';
import type { Actor } from '../actor';
import type { CaseDeps } from '../cases';
import { checkAgainstRecords, type ResolvedRow } from './checks';
import { importRow } from './commit';
import { parseImport, type ImportProblem } from './parse';

/**
 * An import from start to end: the dry run (the file's own checks, then the database's: reads
 * only, nothing written) and the commit, which applies a file only when its dry run is clean,
 * each row in its own transaction, several at a time, skipping rows imported before.
 */

export interface ImportPlan {
  /** Data rows in the file. */
  total: number;
  ready: ResolvedRow[];
  /** Rows this program already has by their import key: skipped. */
  alreadyImported: number;
  problems: ImportProblem[];
}

export async function dryRun(pool: Pool, bytes: Uint8Array, now: Date): Promise<ImportPlan> {
  const parsed = parseImport(bytes, now.toISOString().slice(0, 10));
  const checked = parsed.rows.length
    ? await checkAgainstRecords(pool, parsed.rows)
    : { ready: [], alreadyImported: [], problems: [] };
  const problems = [...parsed.problems, ...checked.problems].sort(
    (a, b) => a.row - b.row || a.column.localeCompare(b.column),
  );
  return {
    total: parsed.total,
    ready: checked.ready,
    alreadyImported: checked.alreadyImported.length,
    problems,
  };
}

export interface CommitReport {
  imported: number;
  skipped: number;
  failed: ImportProblem[];
}

export interface CommitOptions {
  /** Rows in flight at once (each its own transaction and workflow start). */
  concurrency?: number;
  onProgress?: (done: number, total: number) => void;
}

/** Imports the rows a clean dry run made ready; `importedAt` is the instant the clocks start from. */
export async function commitImport(
  deps: CaseDeps,
  actor: Actor,
  plan: ImportPlan,
  importedAt: Date,
  options: CommitOptions = {},
): Promise<CommitReport> {
  if (plan.problems.length)
    throw new Error('The dry run found problems: nothing is imported until they are fixed.');
  const report: CommitReport = { imported: 0, skipped: plan.alreadyImported, failed: [] };
  const rows = plan.ready;
  let next = 0;
  let done = 0;
  const worker = async (): Promise<void> => {
    while (next < rows.length) {
      const r = rows[next++]!;
      const outcome = await importRow(deps, actor, r, importedAt);
      if (outcome.status === 'imported') report.imported++;
      else if (outcome.status === 'skipped') report.skipped++;
      else report.failed.push(...outcome.problems.map((p) => ({ ...p, column: columnOf(p.column) })));
      options.onProgress?.(++done, rows.length);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, options.concurrency ?? 8) }, worker));
  report.failed.sort((a, b) => a.row - b.row);
  return report;
}

/** Intake's field names as the template's columns. */
function columnOf(field: string): string {
  const map: Record<string, string> = {
    caseManagerId: 'case_manager_email',
    supervisorId: 'supervisor_email',
    programId: 'program',
    clientId: 'client_family_name',
    'client.birthDate': 'client_birth_date',
  };
  return map[field] ?? field;
}
