import type { Client } from '@temporalio/client';
import { DEFAULT_POLICY } from '../../src/core/policy';
import { IMPORT_COLUMNS } from '../../src/domain/case-import/columns';
import { commitImport, dryRun } from '../../src/domain/case-import/run';
import { createPool } from '../../src/db/pool';
import { createCaseWorkflows } from '../../src/temporal/case-workflows';
import { onCleanup } from '../lib/cleanup';
import { timed } from '../lib/concurrency';
import { progress, say } from '../lib/progress';
import { round } from '../lib/stats';
import type { BenchConfig } from '../config';
import { seedTeam, type BenchTeam } from '../seed';
import type { BenchPostgres } from '../stack/postgres';
import { startDeployment } from '../stack/services';

export interface ImportResult {
  rows: number;
  concurrency: number;
  dryRunSeconds: number;
  commitSeconds: number;
  rowsPerSecond: number;
  /** The same file again: every row found imported before, nothing written. */
  reimportSeconds: number;
}

/**
 * A caseload import of generated rows (a third new cases, a third assessed, a third with an
 * approved plan, two goals and an open referral): the dry run's time, then the commit's, each row
 * its own transaction and workflow start through a real worker process, then the same file again.
 */
export async function runImport(
  cfg: BenchConfig['import'],
  ctx: { pg: BenchPostgres; client: Client; temporalAddress: string; smtpUrl: string },
): Promise<ImportResult> {
  const databaseUrl = await ctx.pg.freshDatabase('bench_import');
  const pool = createPool(databaseUrl, cfg.concurrency + 4);
  onCleanup('import pool', () => pool.end());
  const team = await seedTeam(pool, { label: 'import', policy: DEFAULT_POLICY, caseManagers: 40 });
  await pool.query(
    `INSERT INTO providers (organisation, services, contact_email) VALUES ('Bench Housing', '{housing}', 'intake@bench.test')`,
  );
  const deployment = await startDeployment({
    name: 'import',
    databaseUrl,
    temporalAddress: ctx.temporalAddress,
    smtpUrl: ctx.smtpUrl,
    client: ctx.client,
    withApi: false,
  });
  const now = new Date();
  const file = generatedFile(team, cfg.rows, now.getTime());

  const dry = await timed(() => dryRun(pool, file, now));
  if (dry.result.problems.length)
    throw new Error(`generated file has problems: ${JSON.stringify(dry.result.problems.slice(0, 3))}`);
  say(`  dry run: ${cfg.rows} rows in ${(dry.ms / 1000).toFixed(1)} s`);
  const bar = progress('  commit', cfg.rows);
  const actor = { id: team.admin.id, role: 'admin' as const, email: team.admin.email };
  const deps = { pool, workflows: createCaseWorkflows(ctx.client, deployment.taskQueue) };
  const commit = await timed(() =>
    commitImport(deps, actor, dry.result, now, {
      concurrency: cfg.concurrency,
      onProgress: (d) => bar.set(d),
    }),
  );
  bar.done();
  if (commit.result.imported !== cfg.rows)
    throw new Error(`imported ${commit.result.imported} of ${cfg.rows}`);
  const again = await timed(async () => {
    const plan = await dryRun(pool, file, now);
    return commitImport(deps, actor, plan, now, { concurrency: cfg.concurrency });
  });
  if (again.result.imported !== 0) throw new Error(`re-import created ${again.result.imported} cases`);
  await deployment.stop();
  return {
    rows: cfg.rows,
    concurrency: cfg.concurrency,
    dryRunSeconds: round(dry.ms / 1000, 2),
    commitSeconds: round(commit.ms / 1000, 1),
    rowsPerSecond: round(cfg.rows / (commit.ms / 1000), 1),
    reimportSeconds: round(again.ms / 1000, 2),
  };
}

function generatedFile(team: BenchTeam, rows: number, now: number): Uint8Array {
  const day = (ago: number): string => new Date(now - ago * 86_400_000).toISOString().slice(0, 10);
  const names = IMPORT_COLUMNS.map((c) => c.name);
  const lines = [names.join(',')];
  for (let i = 0; i < rows; i++) {
    const kind = i % 3;
    const cells: Record<string, string> = {
      import_key: `BENCH-${i}`,
      program: 'Bench import',
      client_given_name: `Given${i}`,
      client_family_name: `Family${i}`,
      client_birth_date: day(10_000 + (i % 9_000)),
      case_manager_email: team.caseManagers[i % team.caseManagers.length]!.email,
      opened_date: day(200 - (i % 150)),
      risk_level: ['low', 'medium', 'high'][i % 3]!,
      ...(kind >= 1 ? { last_assessment_date: day(40 - (i % 30)) } : {}),
      ...(kind === 2
        ? {
            plan_status: 'approved',
            plan_date: day(5),
            goal_1_domain: 'housing',
            goal_1_text: 'Sign a lease',
            goal_1_target_date: day(-60),
            goal_2_domain: 'income',
            goal_2_text: 'Apply for benefits',
            goal_2_target_date: day(-30),
            referral_1_provider: 'Bench Housing',
            referral_1_service: 'housing',
            referral_1_sent_date: day(3),
          }
        : {}),
    };
    lines.push(names.map((n) => cells[n] ?? '').join(','));
  }
  return new TextEncoder().encode(`${lines.join('\r\n')}\r\n`);
}
