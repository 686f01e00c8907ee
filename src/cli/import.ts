import { readFileSync } from 'node:fs';
import { createPool } from '../db/pool';
import type { Actor, Role } from '../domain/actor';
import { commitImport, dryRun } from '../domain/case-import/run';
import type { ImportProblem } from '../domain/case-import/parse';
import { createCaseWorkflows } from '../temporal/case-workflows';
import { caseloopDataConverter } from '../temporal/codec';
import { connectClient } from '../temporal/connection';
import { loadConfig, runCli } from './cli-config';

/**
 * `npm run import -- cases.csv [--commit] [--as admin@agency.org] [--concurrency 8]`: brings an
 * existing caseload in (docs/importing.md). Without --commit it is a dry run: every row checked,
 * each problem printed as row, column and reason, nothing written. With --commit a clean file is
 * imported, each row in its own transaction, with a progress bar on stderr; rows imported before
 * (by their import key) are skipped, so an interrupted run is resumed by running it again.
 *
 * Exit codes: 0 done (dry run clean, or every row imported or skipped); 1 problems found (dry run)
 * or rows that failed at commit; 64 bad arguments; 66 the file cannot be read; 78 bad configuration.
 */
const USAGE = 'Usage: npm run import -- FILE.csv [--commit] [--as STAFF_EMAIL] [--concurrency N]\n';

async function main(): Promise<number> {
  const args = parseArgs(process.argv.slice(2));
  if (typeof args === 'string') {
    process.stderr.write(`${args}\n${USAGE}`);
    return 64;
  }
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(args.file);
  } catch (err) {
    process.stderr.write(`Cannot read ${args.file}: ${(err as Error).message}\n`);
    return 66;
  }
  const config = loadConfig(process.env);
  const pool = createPool(config.databaseUrl, args.concurrency + 2);
  try {
    const now = new Date();
    const plan = await dryRun(pool, bytes, now);
    process.stdout.write(problemTable(plan.problems));
    process.stdout.write(
      `${plan.total} row(s): ${plan.ready.length} ready to import, ${plan.alreadyImported} imported before (skipped), ${plan.problems.length} problem(s)\n`,
    );
    if (plan.problems.length) return 1;
    if (!args.commit) {
      process.stdout.write('Dry run: nothing was written. Run again with --commit to import.\n');
      return 0;
    }
    const actor = await importingActor(pool, args.as);
    const client = await connectClient(config.temporal, caseloopDataConverter(config.payloadKeys)).catch(
      (err: unknown) => {
        throw new Error(`Cannot reach Temporal at ${config.temporal.address}: ${(err as Error).message}`);
      },
    );
    try {
      const bar = progressBar(process.stderr);
      const report = await commitImport(
        { pool, workflows: createCaseWorkflows(client, config.temporal.taskQueue, config.temporal) },
        actor,
        plan,
        now,
        { concurrency: args.concurrency, onProgress: bar },
      );
      process.stderr.write('\n');
      process.stdout.write(problemTable(report.failed));
      process.stdout.write(
        `Imported ${report.imported}, skipped ${report.skipped} (imported before), failed ${new Set(report.failed.map((f) => f.row)).size}\n`,
      );
      return report.failed.length ? 1 : 0;
    } finally {
      await client.connection.close();
    }
  } finally {
    await pool.end();
  }
}

interface Args {
  file: string;
  commit: boolean;
  as?: string;
  concurrency: number;
}

export function parseArgs(argv: string[]): Args | string {
  const files: string[] = [];
  const args: Args = { file: '', commit: false, concurrency: 8 };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--commit') args.commit = true;
    else if (a === '--as' && argv[i + 1]) args.as = argv[++i]!;
    else if (a === '--concurrency' && /^\d+$/.test(argv[i + 1] ?? '') && Number(argv[i + 1]) >= 1)
      args.concurrency = Math.min(32, Number(argv[++i]));
    else if (a.startsWith('--')) return `Unknown or incomplete option: ${a}`;
    else files.push(a);
  }
  if (files.length !== 1) return 'Name exactly one CSV file.';
  args.file = files[0]!;
  return args;
}

/** Who the import is recorded as: the named staff member, else the longest-standing active admin. */
async function importingActor(pool: ReturnType<typeof createPool>, email?: string): Promise<Actor> {
  const row = (
    await pool.query<{ id: string; role: Role; email: string }>(
      email
        ? 'SELECT id, role, email FROM staff WHERE lower(email) = lower($1) AND active'
        : "SELECT id, role, email FROM staff WHERE role = 'admin' AND active ORDER BY created_at, id LIMIT 1",
      email ? [email] : [],
    )
  ).rows[0];
  if (!row)
    throw new Error(
      email
        ? `No active staff member has the email ${email}.`
        : 'No active admin to import as: name one with --as.',
    );
  return { id: row.id, role: row.role, email: row.email, requestId: `import-${Date.now()}` };
}

/** Row, column, reason: one line each, aligned. */
export function problemTable(problems: ImportProblem[]): string {
  if (!problems.length) return '';
  const rows = [
    ['row', 'column', 'reason'],
    ...problems.map((p) => [String(p.row), p.column || '-', p.reason]),
  ];
  const widths = [0, 1].map((i) => Math.max(...rows.map((r) => r[i]!.length)));
  return (
    rows.map((r) => `${r[0]!.padEnd(widths[0]!)}  ${r[1]!.padEnd(widths[1]!)}  ${r[2]}`).join('\n') + '\n'
  );
}

/** "[#########-----------]  450/1000 rows  45%" redrawn in place on a terminal; every 10% otherwise. */
export function progressBar(out: NodeJS.WriteStream): (done: number, total: number) => void {
  let shown = -1;
  return (done, total) => {
    const pct = total ? Math.floor((done * 100) / total) : 100;
    if (!out.isTTY && pct < shown + 10 && done !== total) return;
    if (out.isTTY && pct === shown && done !== total) return;
    shown = pct;
    const filled = Math.round(pct / 5);
    const line = `[${'#'.repeat(filled)}${'-'.repeat(20 - filled)}] ${String(done).padStart(String(total).length)}/${total} rows ${String(pct).padStart(3)}%`;
    out.write(out.isTTY ? `\r${line}` : `${line}\n`);
  };
}

if (require.main === module) runCli(main);
